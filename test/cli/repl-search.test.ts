/**
 * Ctrl-R at the interactive REPL (src/cli/repl-search.ts): a reverse
 * incremental search of the history, on a readline interface over a fake
 * terminal: the line found as the text is typed, Ctrl-R again for an older
 * one, Backspace, Ctrl-G giving up, and Enter running the line found.
 */
import { PassThrough } from 'node:stream';
import { createInterface, type Interface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { addReverseSearch } from '../../src/cli/repl-search.js';

const open: Interface[] = [];
afterEach(() => {
  for (const rl of open.splice(0)) rl.close();
});

/** A terminal readline edits, with `history` (newest first); what was entered and shown is kept. */
function terminal(history: string[]): { rl: Interface; type: (keys: string) => Promise<void>; entered: string[]; shown: () => string } {
  const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => {} });
  const output = Object.assign(new PassThrough(), { isTTY: true, columns: 200 });
  let shown = '';
  output.on('data', (d: Buffer) => (shown += d.toString('utf8')));
  const rl = createInterface({ input, output, terminal: true, prompt: '> ', history: history.slice(), historySize: 100 });
  open.push(rl);
  let lines = history.slice();
  rl.on('history', (now: string[]) => (lines = now));
  addReverseSearch(rl, () => lines, '> ');
  const entered: string[] = [];
  rl.on('line', (line) => entered.push(line));
  // One write a key: several keys in one chunk are taken as pasted text.
  const type = async (keys: string): Promise<void> => {
    for (const k of keys.match(/\x1b\[[A-D]|[\s\S]/gu) ?? []) {
      input.write(k);
      await new Promise((r) => setImmediate(r));
    }
  };
  return { rl, type, entered, shown: () => shown };
}

const CTRL_R = '\x12';

describe('Ctrl-R', () => {
  const history = ['get x', 'set x 42', 'stats', 'set y 7'];

  it('finds the newest line holding what is typed, and Enter runs it', async () => {
    const t = terminal(history);
    await t.type(`${CTRL_R}x`);
    expect(t.rl.line).toBe('get x');
    expect(t.rl.getPrompt()).toBe("(reverse-i-search)'x': ");
    expect(t.shown()).toMatch(/\(reverse-i-search\)'x': \S*get x$/);
    await t.type(' 4');
    expect(t.rl.line).toBe('set x 42');
    await t.type('\r');
    expect(t.entered).toEqual(['set x 42']);
    expect(t.rl.getPrompt()).toBe('> ');
  });

  it('Ctrl-R again goes to the next older line holding it; a text nothing holds says it failed', async () => {
    const t = terminal(history);
    await t.type(`${CTRL_R}set`);
    expect(t.rl.line).toBe('set x 42');
    await t.type(CTRL_R);
    expect(t.rl.line).toBe('set y 7');
    await t.type(CTRL_R);
    expect(t.rl.line).toBe('set y 7');
    expect(t.rl.getPrompt()).toBe("(failed reverse-i-search)'set': ");
    await t.type('\x7f\x7f');
    expect(t.rl.line).toBe('set x 42'); // "s", searched again from the newest: "stats" is older
    expect(t.rl.getPrompt()).toBe("(reverse-i-search)'s': ");
  });

  it('Ctrl-G gives up, leaving the line as it was; another key takes the line found and is done on it', async () => {
    const t = terminal(history);
    await t.type(`half${CTRL_R}sta\x07`);
    expect(t.rl.line).toBe('half');
    expect(t.rl.getPrompt()).toBe('> ');
    await t.type(`\x15${CTRL_R}y\x01#`); // Ctrl-U, search, then Ctrl-A (to the start) and a character
    expect(t.rl.line).toBe('#set y 7');
    expect(t.entered).toEqual([]);
  });

  it('searches the lines entered in this session too', async () => {
    const t = terminal([]);
    await t.type('set fresh 1\r');
    await t.type(`${CTRL_R}fre\r`);
    expect(t.entered).toEqual(['set fresh 1', 'set fresh 1']);
  });
});
