/**
 * Progress of long work (import, compact, verify, and the open before them)
 * on a terminal: one line on standard error that overwrites itself
 * (`verify: 41.2 MiB / 100.0 MiB  41%`), at most every PROGRESS_INTERVAL_MS,
 * and erased before anything else is written, so that the messages and the
 * output that follow stand on clean lines. The entry gives commands a
 * StatusLine only when standard error is a terminal; commands leave it alone
 * with --json and --no-progress. Nothing here writes to a file or a pipe.
 *
 * No dependency: a carriage return and "erase to end of line" (ESC [ K) are
 * all it takes, and every terminal Node runs in understands both; but for
 * one that says it understands no escapes (TERM=dumb: Emacs's shell, an
 * editor's output pane), where the line is overwritten with spaces instead,
 * as git's progress does there.
 */
import type { Progress } from '../engine/types.js';
import { formatBytes, formatCount } from './units.js';

/** Lines drawn at most this often (ms): ten a second. */
export const PROGRESS_INTERVAL_MS = 100;

/** Where the line goes: process.stderr, or a test's stand-in. */
export interface StatusStream {
  write(text: string): unknown;
  /** Characters a line has room for; a longer one would wrap, and the next could not overwrite it. */
  columns?: number;
}

const ERASE = '\r\x1b[K';

export class StatusLine {
  private shown = false;
  /** Characters of the line drawn, which a dumb terminal's erase covers with spaces. */
  private drawn = 0;
  private lastDrawn: number;

  /**
   * `now` (ms) is the clock (performance.now); the first line is drawn an
   * interval after the StatusLine is made, so quick work shows none. `dumb`:
   * the terminal takes no escapes (TERM=dumb).
   */
  constructor(
    private readonly stream: StatusStream,
    private readonly now: () => number = () => performance.now(),
    private readonly intervalMs = PROGRESS_INTERVAL_MS,
    private readonly dumb = false,
  ) {
    this.lastDrawn = now();
  }

  private erase(): string {
    return this.dumb ? `\r${' '.repeat(this.drawn)}\r` : ERASE;
  }

  /** Draw `text` over the line, unless one was drawn less than an interval ago. */
  update(text: string): void {
    const now = this.now();
    if (now - this.lastDrawn < this.intervalMs) return;
    this.lastDrawn = now;
    // A terminal that does not say its width (0, as under script(1)) is taken to be 80 wide.
    const columns = this.stream.columns !== undefined && this.stream.columns > 1 ? this.stream.columns : 80;
    const room = columns - 1;
    const line = text.length > room ? `${text.slice(0, Math.max(0, room - 1))}…` : text;
    this.stream.write(`${this.shown ? this.erase() : '\r'}${line}`);
    this.shown = true;
    this.drawn = [...line].length;
  }

  /** Erase the line, if one is drawn (before any other output, and at the end of the work). */
  clear(): void {
    if (!this.shown) return;
    this.stream.write(this.erase());
    this.shown = false;
  }
}

/** A StatusLine on `stream` when it is a terminal (the entry's stderr); none on a file or a pipe. `env` says its TERM; `now` is the clock. */
export function terminalStatusLine(stream: StatusStream & { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env, now?: () => number): StatusLine | undefined {
  return stream.isTTY ? new StatusLine(stream, now, undefined, env.TERM === 'dumb') : undefined;
}

/** A count as people read it: 41,000. */
/**
 * The text of a progress line: `verify: 41.2 MiB / 100.0 MiB  41%`, or with
 * a unit of things, `import: 41,000 / 1,000,000 lines  4%`; without a
 * total, `import: 41,000 lines read`.
 */
export function progressText(label: string, done: number, total: number | undefined, unit: 'bytes' | string): string {
  if (total === undefined || total <= 0) return unit === 'bytes' ? `${label}: ${formatBytes(done)}` : `${label}: ${formatCount(done)} ${unit}`;
  const percent = `${Math.min(100, Math.floor((done / total) * 100))}%`;
  if (unit === 'bytes') return `${label}: ${formatBytes(done)} / ${formatBytes(total)}  ${percent}`;
  return `${label}: ${formatCount(done)} / ${formatCount(total)} ${unit}  ${percent}`;
}

/**
 * The engine's progress (bytes of a phase: open, compact, verify) as lines on
 * `status`. A report with nothing done yet, or with a stand-in total of one
 * byte (the engine's "working, size not known yet"), is no frame: it drew
 * `open: 0 B` and `compact: 0 B / 1 B  0%` before the real figures.
 */
export function engineProgress(status: StatusLine): (p: Progress) => void {
  return (p) => {
    if (p.done <= 0 || (p.total > 0 && p.total <= 1)) return;
    status.update(progressText(p.phase, p.done, p.total, 'bytes'));
  };
}
