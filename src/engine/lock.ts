/**
 * The single-writer lock: a file named LOCK holding the writer's pid. It is
 * created with O_EXCL, so two writers cannot both create it. A lock whose pid
 * is no longer running is stale: it is taken over, and that is reported.
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
  let tookOverFrom: number | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = efs.openSync(path, 'wx', 0o644);
      try {
        try {
          writeFully(efs, fd, Buffer.from(`${process.pid} ${hostname()}\n`), 0);
          efs.fdatasyncSync(fd);
        } finally {
          efs.closeSync(fd);
        }
        efs.fsyncDirSync(dir);
      } catch (err) {
        // A lock we failed to finish must not stay behind naming this (live) process.
        try {
          efs.unlinkSync(path);
        } catch {
          /* left behind: empty or partial, the next writer takes it over as stale */
        }
        throw err;
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
      // A lock that names no process may be one another writer has just created and not yet written: wait for it.
      let text = readLockText(efs, path, (t) => t);
      for (let waited = 0; text !== undefined && parseLock(text).pid === 0 && waited < LOCK_BEING_WRITTEN_MS; waited += 10) {
        sleepSync(10);
        text = readLockText(efs, path, (t) => t);
      }
      if (text === undefined) continue; // gone meanwhile: try to create it again
      const holder = parseLock(text);
      if (holder.pid === process.pid || isProcessAlive(holder.pid) || (holder.host && holder.host !== hostname())) {
        throw new LockedError(dir, holder.pid);
      }
      // Stale. Another writer may be taking it over too: each moves it to a name of its own, and only the one
      // that moved the very lock it judged stale goes on. One that moved a newer lock (the other's, just made)
      // puts it back, and then finds it held.
      const claimed = `${path}.${process.pid}.stale`;
      try {
        efs.renameSync(path, claimed);
      } catch (renameErr) {
        if ((renameErr as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw renameErr;
      }
      if (readLockText(efs, claimed, (t) => t) !== text) {
        efs.renameSync(claimed, path);
        continue;
      }
      efs.unlinkSync(claimed);
      tookOverFrom = holder.pid;
    }
  }
  const holder = readLock(efs, dir);
  throw new LockedError(dir, holder?.pid ?? 0);
}
