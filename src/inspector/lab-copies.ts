/**
 * The crash lab's copies that the inspector makes itself (no `to` given):
 * each in a new directory under the system temp directory,
 * `kvscope-crashlab-<store>-XXXXXX/`, holding the copy (`<store>/`) and a
 * marker file saying which process made it (pid, host name, time). A copy is
 * deleted when it is no longer wanted: the session that made it closed or ran
 * another crash lab, and no session has the copy itself open. All of them go
 * when the inspector closes. Copies left by an inspector that died are
 * deleted at the next start, when their marker says so: made on this host by
 * a process that is gone, longer ago than SWEEP_AGE_MS. A directory without
 * the marker (made before it existed, or by someone else) is never touched.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, join, relative, isAbsolute } from 'node:path';

export const LAB_PREFIX = 'kvscope-crashlab-';
export const LAB_MARKER = 'kvscope-crashlab.json';
/** A dead process's copies are left this long before a start deletes them. */
export const SWEEP_AGE_MS = 10 * 60 * 1000;

interface LabCopy {
  /** The directory made for it (marker and copy inside). */
  dir: string;
  /** The session that ran the crash lab. */
  owner: string;
}

interface Marker {
  pid: number;
  hostname: string;
  created: number;
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function processIsGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export class LabCopies {
  private readonly copies = new Map<string, LabCopy>();
  /** Each session's latest copy (the one its crash lab view shows). */
  private readonly latest = new Map<string, string>();

  constructor(private readonly root: string = tmpdir()) {}

  /** A new directory for a copy of `source`, and the path the copy goes to inside it. */
  create(owner: string, source: string): { dir: string; copyDir: string } {
    const name = basename(source).replace(/[^A-Za-z0-9_-]/g, '') || 'store';
    const dir = mkdtempSync(join(this.root, `${LAB_PREFIX}${name}-`));
    const marker: Marker = { pid: process.pid, hostname: hostname(), created: Date.now() };
    writeFileSync(join(dir, LAB_MARKER), JSON.stringify(marker) + '\n');
    this.copies.set(dir, { dir, owner });
    return { dir, copyDir: join(dir, name) };
  }

  /** The crash lab using `dir` finished: it is `owner`'s latest copy now. */
  made(owner: string, dir: string): void {
    this.latest.set(owner, dir);
  }

  /** A crash lab that failed: its directory goes at once. */
  failed(dir: string): void {
    this.remove(dir);
  }

  /**
   * Delete every copy no longer wanted: its session is not in `liveSessions`
   * or has made a newer copy, and none of `openPaths` (the paths sessions have
   * open) is inside it.
   */
  prune(liveSessions: ReadonlySet<string>, openPaths: readonly string[]): string[] {
    for (const owner of [...this.latest.keys()]) if (!liveSessions.has(owner)) this.latest.delete(owner);
    const removed: string[] = [];
    for (const copy of [...this.copies.values()]) {
      if (liveSessions.has(copy.owner) && this.latest.get(copy.owner) === copy.dir) continue;
      if (openPaths.some((p) => isInside(p, copy.dir))) continue;
      this.remove(copy.dir);
      removed.push(copy.dir);
    }
    return removed;
  }

  /** Every copy this inspector made (it is closing). */
  removeAll(): void {
    for (const dir of [...this.copies.keys()]) this.remove(dir);
    this.latest.clear();
  }

  /** Copies a dead inspector on this host left behind, deleted; the directories deleted. */
  sweepAbandoned(now = Date.now()): string[] {
    const removed: string[] = [];
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch {
      return removed;
    }
    for (const name of names) {
      if (!name.startsWith(LAB_PREFIX)) continue;
      const dir = join(this.root, name);
      let marker: Marker;
      try {
        marker = JSON.parse(readFileSync(join(dir, LAB_MARKER), 'utf8')) as Marker;
      } catch {
        continue; // not ours, or not a marker we can read: left alone
      }
      if (typeof marker.pid !== 'number' || typeof marker.created !== 'number' || marker.hostname !== hostname()) continue;
      if (marker.pid === process.pid || this.copies.has(dir)) continue;
      if (now - marker.created < SWEEP_AGE_MS || !processIsGone(marker.pid)) continue;
      try {
        rmSync(dir, { recursive: true, force: true });
        removed.push(dir);
      } catch {
        // still there: tried again at the next start
      }
    }
    return removed;
  }

  private remove(dir: string): void {
    this.copies.delete(dir);
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // a file in use or a permission problem: the sweep at a later start tries again
    }
  }
}
