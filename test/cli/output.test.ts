/**
 * The CLI's line writer: lines to a file or pipe are gathered into few
 * writes, come out whole and in order, and come out by themselves when the
 * event loop turns; a terminal gets each line at once.
 */
import { describe, expect, it } from 'vitest';
import { CHUNK_CHARS, lineWriter } from '../../src/cli/output.js';

function sink(isTTY = false): { writes: string[]; write(text: string): boolean; isTTY: boolean } {
  const writes: string[] = [];
  return { writes, write: (text) => writes.push(text) > 0, isTTY };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('lineWriter', () => {
  it('gathers a file or pipe’s lines into chunks and loses none', () => {
    const s = sink();
    const w = lineWriter(s);
    let expected = '';
    for (let i = 0; i < 20_000; i++) {
      const line = `key:${i}\t${'v'.repeat(i % 97)}`;
      w.line(line);
      expected += `${line}\n`;
    }
    w.flush();
    expect(s.writes.join('')).toBe(expected);
    // One write per full chunk (a chunk ends at the line that fills it), and the rest.
    expect(s.writes.length).toBeLessThanOrEqual(Math.ceil(expected.length / CHUNK_CHARS) + 1);
    for (const chunk of s.writes.slice(0, -1)) expect(chunk.length).toBeGreaterThanOrEqual(CHUNK_CHARS);
  });

  it('writes gathered lines out when the event loop turns, without a flush', async () => {
    const s = sink();
    const w = lineWriter(s);
    w.line('first');
    w.line('second');
    expect(s.writes).toEqual([]);
    await nextTurn();
    expect(s.writes).toEqual(['first\nsecond\n']);
    // And again for lines written later (a follower printing as changes come).
    w.line('third');
    await nextTurn();
    expect(s.writes).toEqual(['first\nsecond\n', 'third\n']);
    w.flush();
    expect(s.writes.length).toBe(2);
  });

  it('gives a terminal each line as it is written', () => {
    const s = sink(true);
    const w = lineWriter(s);
    w.line('a');
    expect(s.writes).toEqual(['a\n']);
    w.line('b');
    expect(s.writes).toEqual(['a\n', 'b\n']);
  });
});
