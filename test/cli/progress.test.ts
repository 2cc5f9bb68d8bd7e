/**
 * Progress of import, compact and verify on a terminal: one line on stderr
 * that overwrites itself, drawn at most every PROGRESS_INTERVAL_MS, erased
 * before other output and at the end; none off a terminal, with --json or
 * with --no-progress.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/commands.js';
import { PROGRESS_INTERVAL_MS, progressText, StatusLine, terminalStatusLine } from '../../src/cli/progress.js';
import { Store } from '../../src/engine/store.js';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';

vi.setConfig({ testTimeout: 120_000 });
afterAll(cleanTempDirs);

const ERASE = '\r\x1b[K';

/** A terminal's stderr as a test sees it: what was written, in order. */
function terminal(columns = 80): { writes: string[]; write(text: string): boolean; columns: number; isTTY: true } {
  const writes: string[] = [];
  return { writes, write: (text) => writes.push(text) > 0, columns, isTTY: true };
}

describe('StatusLine', () => {
  it('draws nothing within the first interval, then at most once an interval, each line over the last', () => {
    let now = 0;
    const tty = terminal();
    const line = new StatusLine(tty, () => now);
    line.update('a');
    now = PROGRESS_INTERVAL_MS - 1;
    line.update('b');
    expect(tty.writes).toEqual([]);
    now = PROGRESS_INTERVAL_MS;
    line.update('c');
    line.update('d');
    now += PROGRESS_INTERVAL_MS / 2;
    line.update('e');
    now += PROGRESS_INTERVAL_MS;
    line.update('f');
    expect(tty.writes).toEqual(['\rc', `${ERASE}f`]);
    line.clear();
    line.clear();
    expect(tty.writes).toEqual(['\rc', `${ERASE}f`, ERASE]);
  });

  it('never wraps: a line longer than the terminal is cut to fit (a width of 0 counts as 80)', () => {
    let now = 0;
    const narrow = terminal(20);
    const line = new StatusLine(narrow, () => (now += PROGRESS_INTERVAL_MS));
    line.update('x'.repeat(50));
    expect(narrow.writes[0]).toBe(`\r${'x'.repeat(18)}…`);
    const unknown = terminal(0);
    new StatusLine(unknown, () => (now += PROGRESS_INTERVAL_MS)).update('y'.repeat(100));
    expect(unknown.writes[0]).toBe(`\r${'y'.repeat(78)}…`);
  });

  // A dumb terminal (Emacs's shell, an editor's output pane) shows ESC [ K as garbage: before, every redraw
  // left "^[[K" on the line. The line is overwritten with spaces there, as git's progress does.
  it('on a dumb terminal (TERM=dumb) writes no escape: the line is overwritten with spaces', () => {
    let now = 0;
    const tty = terminal();
    const line = terminalStatusLine(tty, { TERM: 'dumb' }, () => (now += PROGRESS_INTERVAL_MS))!;
    line.update('import: 1,024 lines');
    line.update('import: 2,048 lines');
    line.clear();
    expect(tty.writes.join('')).not.toContain('\x1b');
    expect(tty.writes).toEqual(['\rimport: 1,024 lines', `\r${' '.repeat(19)}\rimport: 2,048 lines`, `\r${' '.repeat(19)}\r`]);
    // Any other terminal keeps ESC [ K.
    const xterm = terminal();
    const other = terminalStatusLine(xterm, { TERM: 'xterm-256color' }, () => (now += PROGRESS_INTERVAL_MS))!;
    other.update('a');
    other.clear();
    expect(xterm.writes).toEqual(['\ra', ERASE]);
  });

  it('is made for a terminal only', () => {
    expect(terminalStatusLine(terminal())).toBeInstanceOf(StatusLine);
    expect(terminalStatusLine({ write: () => true })).toBeUndefined();
    expect(terminalStatusLine({ write: () => true, isTTY: false })).toBeUndefined();
  });

  it('says bytes in binary units and things as counts, with the share done', () => {
    expect(progressText('verify', 412 * 1024 * 1024, 1000 * 1024 * 1024, 'bytes')).toBe('verify: 412.0 MiB / 1000.0 MiB  41%');
    expect(progressText('import', 412_330, 1_000_000, 'lines')).toBe('import: 412,330 / 1,000,000 lines  41%');
    expect(progressText('import (checking)', 20_480, undefined, 'lines')).toBe('import (checking): 20,480 lines');
    expect(progressText('compact', 10, 10, 'bytes')).toBe('compact: 10 B / 10 B  100%');
  });
});

/**
 * Run the command in this process as the entry does with a terminal's
 * stderr (out and err erase the line first), on a clock that moves an
 * interval at every look, so that every report draws a line.
 */
async function onTerminal(argv: string[]): Promise<{ code: number; tty: string[]; out: string[]; events: string[] }> {
  const tty = terminal();
  let now = 0;
  const status = new StatusLine(tty, () => (now += PROGRESS_INTERVAL_MS));
  const out: string[] = [];
  const events: string[] = [];
  const io: Io = {
    out: (text) => {
      status.clear();
      out.push(text);
      events.push(`out:${text}`);
    },
    err: (text) => {
      status.clear();
      events.push(`err:${text}`);
    },
    stdin: Readable.from([]),
    status,
  };
  const write = tty.write;
  tty.write = (text) => {
    events.push(`tty:${text}`);
    return write(text);
  };
  const code = await main(argv, io);
  return { code, tty: tty.writes, out, events };
}

describe('import, compact and verify on a terminal', () => {
  const root = tempDir();
  const file = path.join(root, 'keys.jsonl');
  fs.writeFileSync(file, Array.from({ length: 25_000 }, (_, i) => JSON.stringify({ key: `key-${i % 5000}`, value: `value-${i}` })).join('\n') + '\n');

  it('each draws its progress on the line and erases it before its output', async () => {
    const dir = path.join(root, 'store');
    for (const [argv, drawn] of [
      [['import', file], /^\r(\x1b\[K)?import: [\d,]+ \/ 25,000 lines {2}\d+%$/],
      [['compact'], /^\r(\x1b\[K)?compact: .* \/ .* {2}\d+%$/],
      [['verify'], /^\r(\x1b\[K)?verify: .* \/ .* {2}100%$/],
    ] as const) {
      const r = await onTerminal(['--dir', dir, '--fsync', 'never', '--segment-size', '64k', ...argv]);
      expect(r.code, argv[0]).toBe(0);
      expect(r.tty.filter((w) => drawn.test(w)).length, `${argv[0]}: ${JSON.stringify(r.tty)}`).toBeGreaterThan(0);
      // Erased at the end, and before the output.
      expect(r.tty.at(-1)).toBe(ERASE);
      const firstOut = r.events.findIndex((e) => e.startsWith('out:'));
      expect(r.events.slice(0, firstOut).at(-1), argv[0]).toBe(`tty:${ERASE}`);
      expect(r.events.slice(firstOut).some((e) => e.startsWith('tty:') && e !== `tty:${ERASE}`), argv[0]).toBe(false);
    }
    const store = await Store.open(dir, { readOnly: true });
    expect(store.keyCount()).toBe(5000);
    await store.close();
  });

  it('import --from counts keys of the source', async () => {
    const r = await onTerminal(['--dir', path.join(root, 'copy'), 'import', '--from', path.join(root, 'store')]);
    expect(r.code).toBe(0);
    expect(r.tty.some((w) => /import: 5,000 \/ 5,000 keys {2}100%$/.test(w)), JSON.stringify(r.tty)).toBe(true);
    expect(r.tty.at(-1)).toBe(ERASE);
  });

  it('draws nothing with --json or --no-progress', async () => {
    for (const flag of ['--json', '--no-progress']) {
      const dir = path.join(root, `quiet${flag}`);
      for (const argv of [['import', file], ['compact'], ['verify']]) {
        const r = await onTerminal(['--dir', dir, '--fsync', 'never', flag, ...argv]);
        expect(r.code, `${flag} ${argv[0]}`).toBe(0);
        expect(r.tty, `${flag} ${argv[0]}`).toEqual([]);
      }
    }
  });

  it('off a terminal (stderr a pipe), the command writes no progress at all', () => {
    const dir = path.join(root, 'piped');
    const bin = path.resolve(__dirname, '../../bin/kvscope.js');
    for (const argv of [['import', file], ['compact'], ['verify']]) {
      const r = spawnSync(process.execPath, [bin, '--dir', dir, '--fsync', 'never', ...argv], { timeout: 60_000 });
      expect(r.status, argv[0]).toBe(0);
      expect(r.stderr.toString(), argv[0]).toBe('');
    }
  });
});

describe('engineProgress', () => {
  it('draws no frame before there is something to show (nothing done, or a stand-in total of 1 byte)', async () => {
    const { engineProgress } = await import('../../src/cli/progress.js');
    let now = 0;
    const tty = terminal();
    const draw = engineProgress(new StatusLine(tty, () => now, 10));
    for (const [done, total] of [
      [0, 0], // open: 0 B
      [0, 1], // compact: 0 B / 1 B  0%
      [1, 1],
      [0, 2048],
    ] as [number, number][]) {
      now += 100;
      draw({ phase: 'compact', done, total });
    }
    expect(tty.writes).toEqual([]);
    now += 100;
    draw({ phase: 'compact', done: 1024, total: 2048 });
    expect(tty.writes).toEqual(['\rcompact: 1.0 KiB / 2.0 KiB  50%']);
  });
});
