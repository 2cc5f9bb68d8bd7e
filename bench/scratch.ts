/**
 * Scratch directories for the benchmark scripts: `.tmp/<name>-<pid>` beside
 * the checkout (gitignored, on the disk the figures are about).
 *
 * A bench's stores take hundreds of megabytes. The scripts remove their
 * scratch directory when they end, and this makes that hold when they do not
 * end by themselves either:
 * - Ctrl-C (SIGINT), SIGTERM or SIGHUP removes it, then the process exits as
 *   the signal would have ended it (128 + its number);
 * - a run that could not clean up (SIGKILL, a crash, a machine restart) left
 *   its directory named after a process that no longer exists: the next run
 *   of any bench removes it.
 * A run told to keep its data (`--keep`) names its directory
 * `<name>-kept-<pid>`, which nothing removes.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { constants } from 'node:os';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** The scratch directories' names, and the id of the process that made each. */
export type ScratchName = 'bench' | 'bench-cli' | 'bench-keys' | 'bench-records' | 'bench-foreign';
const SCRATCH_DIR = /^bench(?:-cli|-keys|-records|-foreign)?-(\d+)$/;

/** Whether a process with this id exists (one we may not signal still exists). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the scratch directories in `base` whose process is gone; their names. */
export function removeAbandonedScratch(base: string): string[] {
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = SCRATCH_DIR.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processExists(pid)) continue;
    rmSync(join(base, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

export interface Scratch {
  dir: string;
  /** Removes the directory (again harmless) and stops watching for signals. */
  remove(): void;
}

/**
 * A fresh `<base>/<name>-<pid>`, removed by remove() or on SIGINT/SIGTERM/SIGHUP
 * (with `keep`, `<base>/<name>-kept-<pid>`, left in place by both). First, the
 * scratch of earlier runs that are gone is removed, and said on stderr.
 */
export function makeScratch(base: string, name: ScratchName, options: { keep?: boolean } = {}): Scratch {
  mkdirSync(base, { recursive: true });
  for (const gone of removeAbandonedScratch(base)) process.stderr.write(`removed ${join(base, gone)}, left by a bench run that is gone\n`);
  const keep = options.keep ?? false;
  const dir = join(base, keep ? `${name}-kept-${process.pid}` : `${name}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!keep) rmSync(dir, { recursive: true, force: true });
    process.stderr.write(`\n${signal}: ${keep ? 'kept' : 'removed'} ${dir}\n`);
    process.exit(128 + constants.signals[signal]);
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  return {
    dir,
    remove() {
      if (!keep) rmSync(dir, { recursive: true, force: true });
      for (const s of SIGNALS) process.off(s, onSignal);
    },
  };
}
