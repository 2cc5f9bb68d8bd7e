/**
 * The single-writer lock: a file named LOCK holding the writer's pid and
 * host. It is written whole under another name and linked to LOCK, which
 * fails when a LOCK exists, so two writers cannot both create it. A lock
 * whose pid is no longer running is stale: it is taken over (by one writer,
 * however many race for it), and that is reported. What a writer killed
 * while taking the lock left (its LOCK.<pid>.new, a LOCK.takeover) is
 * removed by the next writer that holds it.
 */
import { hostname } from 'node:os';
import type { EngineFs } from './fs.js';
import { writeFully } from './fs.js';
import { LockedError } from './errors.js';
import { LOCK_FILE, pathOf } from './native/files.js';

export interface LockInfo {
  pid: number;
  host: string;
}

/** What a lock file says: pid 0 when it names no process (empty, cut short, garbage). */
function parseLock(text: string): LockInfo {
  const [pidText, host = ''] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  // A writer writes its line whole, newline last: without the newline it is still being written (or never was).
  return text.endsWith('\n') && Number.isInteger(pid) && pid > 0 ? { pid, host } : { pid: 0, host };
}

export function readLock(efs: EngineFs, dir: string): LockInfo | undefined {
  return readLockText(efs, pathOf(dir, LOCK_FILE), (text) => parseLock(text));
}

function readLockText<T>(efs: EngineFs, path: string, then: (text: string) => T): T | undefined {
  try {
    return then(efs.readFileSync(path).toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Remove the stale lock at `path` if it still reads `staleText`, holding
 * `path`.takeover (linked from `fresh`) meanwhile. False when another writer
 * holds the takeover (it is quick: try again), or the lock changed.
 */
function takeOverStale(efs: EngineFs, path: string, fresh: string, staleText: string): boolean {
  const takeover = `${path}.takeover`;
  try {
    efs.linkSync(fresh, takeover);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Held by another writer taking over, unless that one died doing it.
    const other = readLockText(efs, takeover, parseLock);
    if (other && other.pid !== process.pid && !isProcessAlive(other.pid) && !(other.host && other.host !== hostname())) {
      try {
        efs.unlinkSync(takeover);
      } catch {
        /* gone already */
      }
    }
    return false;
  }
  try {
    if (readLockText(efs, path, (t) => t) !== staleText) return false;
    efs.unlinkSync(path);
    return true;
  } finally {
    efs.unlinkSync(takeover);
  }
}

/** LOCK.<pid>.new: a writer's own name for its lock line while it takes the lock. */
const FRESH_NAME = /^LOCK\.(\d+)\.new$/;

/**
 * Remove the files of lock takings that died: a LOCK.<pid>.new (and a
 * LOCK.takeover linked from one) whose process is not running, on this
 * host. Called by the writer that holds LOCK, so no other writer can be
 * taking it now but one about to find it held (alive: its files stay). A
 * file that names another host (or a host cut short), or a process that
 * runs, is never touched: its owner removes it. One cut short before its
 * host is judged by the pid in its name.
 */
function removeDeadTakings(efs: EngineFs, dir: string): void {
  let removed = false;
  for (const name of efs.readdirSync(dir)) {
    const fresh = FRESH_NAME.exec(name);
    if (!fresh && name !== `${LOCK_FILE}.takeover`) continue;
    const text = readLockText(efs, pathOf(dir, name), (t) => t);
    if (text === undefined) continue; // gone meanwhile
    const [pidText = '', host = ''] = text.trim().split(/\s+/);
    const pid = fresh ? Number(fresh[1]) : Number(pidText);
    if (pid === process.pid || isProcessAlive(pid) || (host !== '' && host !== hostname())) continue;
    try {
      efs.unlinkSync(pathOf(dir, name));
      removed = true;
    } catch {
      /* gone already */
    }
  }
  // As after every unlink (docs/FORMAT.md, "Durability"); one that came back after a crash is removed again.
  if (removed) efs.fsyncDirSync(dir);
}

/** This process's lock line, written whole and made durable at `path`. */
function writeLockFile(efs: EngineFs, path: string): void {
  const fd = efs.openSync(path, 'w', 0o644);
  try {
    writeFully(efs, fd, Buffer.from(`${process.pid} ${hostname()}\n`), 0);
    efs.fdatasyncSync(fd);
  } finally {
    efs.closeSync(fd);
  }
}

/** How long a lock that names no process may still be in the middle of its creation (O_EXCL, then the pid written). */
const LOCK_BEING_WRITTEN_MS = 200;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function isProcessAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Pid of a live writer holding the lock, if any. */
export function liveLockHolder(efs: EngineFs, dir: string): number | undefined {
  const info = readLock(efs, dir);
  if (!info) return undefined;
  if (info.host && info.host !== hostname()) return info.pid;
  return isProcessAlive(info.pid) ? info.pid : undefined;
}

export interface AcquiredLock {
  /** Pid of a dead writer whose stale lock was taken over. */
  tookOverFrom?: number;
  release(): void;
}

export function acquireLock(efs: EngineFs, dir: string): AcquiredLock {
  const path = pathOf(dir, LOCK_FILE);
  // Our lock is written whole under a name of our own, then given the name LOCK by a hard link, which fails
  // when a LOCK exists: no writer ever sees a LOCK empty or half written, and each lock's text is its own.
  const fresh = `${path}.${process.pid}.new`;
  writeLockFile(efs, fresh);
  let tookOverFrom: number | undefined;
  try {
    for (let attempt = 0; attempt < 100; attempt++) {
      try {
        efs.linkSync(fresh, path);
        try {
          efs.fsyncDirSync(dir);
        } catch (syncErr) {
          // A lock we failed to make durable must not stay behind naming this (live) process.
          try {
            efs.unlinkSync(path);
          } catch {
            /* left behind: it names this process, which will have exited before anyone judges it */
          }
          throw syncErr;
        }
        try {
          removeDeadTakings(efs, dir);
        } catch {
          /* left for the next writer: files no reader looks at */
        }
        return {
          ...(tookOverFrom !== undefined ? { tookOverFrom } : {}),
          release() {
            const now = readLock(efs, dir);
            if (now && now.pid === process.pid) {
              efs.unlinkSync(path);
              // Like every unlink (docs/FORMAT.md, "Durability"): a LOCK that came back after a crash would name a pid that may be reused.
              efs.fsyncDirSync(dir);
            }
          },
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        // A lock that names no process may be one an older kvscope has just created and not yet written: wait for it.
        let text = readLockText(efs, path, (t) => t);
        for (let waited = 0; text !== undefined && parseLock(text).pid === 0 && waited < LOCK_BEING_WRITTEN_MS; waited += 10) {
          sleepSync(10);
          text = readLockText(efs, path, (t) => t);
        }
        if (text === undefined) continue; // gone meanwhile: try again
        const holder = parseLock(text);
        if (holder.pid === process.pid || isProcessAlive(holder.pid) || (holder.host && holder.host !== hostname())) {
          throw new LockedError(dir, holder.pid);
        }
        // Stale: taken over under a second lock (LOCK.takeover, made the same way), so that of writers racing
        // for it only one removes it, and only while it is still the lock judged stale: LOCK is removed by
        // nobody else, and created only where there is none.
        if (takeOverStale(efs, path, fresh, text)) tookOverFrom = holder.pid;
        else sleepSync(5);
      }
    }
  } finally {
    // Our own name for the lock goes, whether LOCK now names it too or not.
    try {
      efs.unlinkSync(fresh);
    } catch {
      /* left behind: a file no reader looks at */
    }
  }
  const holder = readLock(efs, dir);
  throw new LockedError(dir, holder?.pid ?? 0);
}
