/**
 * Timing the `kvscope` command as a user runs it: a fresh `node
 * bin/kvscope.js` process, stdout to /dev/null, wall time and peak resident
 * memory from GNU time (Debian's `time` package; without it, times only).
 * Used by bench/cli.ts and bench/foreign.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/kvscope.js');
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** One run of the command: seconds and peak resident MB (NaN without GNU time); an error when it exits otherwise than `exit`. */
export function runOnce(argv: string[], exit: number, prepare?: () => void): { seconds: number; mb: number } {
  prepare?.();
  const command = GNU_TIME ? ([GNU_TIME, ['-f', '%e %M', process.execPath, BIN, ...argv]] as const) : ([process.execPath, [BIN, ...argv]] as const);
  const started = performance.now();
  const r = spawnSync(command[0], [...command[1]], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const wall = (performance.now() - started) / 1000;
  const [seconds, kb] = GNU_TIME ? (r.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number) : [wall, NaN];
  if (r.status !== exit || !Number.isFinite(seconds)) throw new Error(`kvscope ${argv.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return { seconds: seconds!, mb: kb! / 1024 };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** `runs` runs of a command as a table row: median wall time (min–max) and median peak memory. */
export function timedRow(what: string, argv: string[], exit: number, runs: number, prepare?: () => void): string {
  const results = Array.from({ length: runs }, () => runOnce(argv, exit, prepare));
  const secs = results.map((r) => r.seconds);
  const mb = median(results.map((r) => r.mb));
  return `| \`kvscope ${what}\` | ${median(secs).toFixed(2)} s (${Math.min(...secs).toFixed(2)}–${Math.max(...secs).toFixed(2)}) | ${Number.isNaN(mb) ? '–' : `${mb.toFixed(0)} MB`} |`;
}
