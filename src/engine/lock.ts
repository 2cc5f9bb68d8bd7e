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

export function readLock(efs: EngineFs, dir: string): LockInfo | undefined {
  try {
    const text = efs.readFileSync(pathOf(dir, LOCK_FILE)).toString('utf8');
    const [pidText, host = ''] = text.trim().split(/\s+/);
    const pid = Number(pidText);
    return Number.isInteger(pid) && pid > 0 ? { pid, host } : { pid: 0, host };
  } catch {
    return undefined;
  }
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
  for (let attempt = 0; attempt < 3; attempt++) {
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
      const holder = readLock(efs, dir);
      if (holder && (holder.pid === process.pid || isProcessAlive(holder.pid) || (holder.host && holder.host !== hostname()))) {
        throw new LockedError(dir, holder.pid);
      }
      tookOverFrom = holder?.pid ?? 0;
      try {
        efs.unlinkSync(path);
      } catch (unlinkErr) {
        if ((unlinkErr as NodeJS.ErrnoException).code !== 'ENOENT') throw unlinkErr;
      }
    }
  }
  const holder = readLock(efs, dir);
  throw new LockedError(dir, holder?.pid ?? 0);
}
