/**
 * The diff of two values (inspector/value-diff.ts) on its own: the last line without a line end, the cap on
 * listed byte ranges, and the caps on a line diff's work, which runs in steps that give the event loop back.
 */
import { describe, expect, it } from 'vitest';
import { diffValues, MAX_EDIT_LINES, TEXT_DIFF_MAX_LINES, unifiedText } from '../../src/inspector/value-diff.js';
import { noise } from '../engine/helpers.js';

describe('diffValues', () => {
  it('text: a last line without a line end is said (as a unified diff says it)', async () => {
    const diff = await diffValues(Buffer.from('one\ntwo'), Buffer.from('one\ntwo\n'));
    expect(diff.mode).toBe('text');
    expect(unifiedText(diff.hunks!)).toBe('@@ -1,2 +1,2 @@\n one\n-two\n\\ No newline at end of file\n+two\n');
  });

  it('binary: at most 200 ranges are listed, the count of differing bytes is whole', async () => {
    const a = noise(4096, 7);
    const every = Buffer.from(a);
    for (let i = 0; i < every.length; i += 2) every[i] = every[i]! ^ 0xff;
    const capped = await diffValues(a, every);
    expect(capped).toMatchObject({ mode: 'binary', byteRangesCapped: true, differingBytes: 2048 });
    expect(capped.byteRanges).toHaveLength(200);
  });

  it('too large to diff line by line: too many lines, or too many changes (found without holding up the event loop)', async () => {
    // Under the size limit but in more lines than jsdiff splits at once.
    const short = Array.from({ length: TEXT_DIFF_MAX_LINES + 1 }, (_, i) => `${i % 10}`).join('\n');
    const shortDiff = await diffValues(Buffer.from(short), Buffer.from(short.replace('5', '6')));
    expect(shortDiff).toMatchObject({ mode: 'too-large', firstDifference: 10 });
    expect(shortDiff.reason).toMatch(/more than 50,000 lines are not diffed/);

    // Under the size limit but changed in more lines than a diff is made for: said, not diffed.
    const lines = Array.from({ length: MAX_EDIT_LINES + 100 }, (_, i) => `${i}`).join('\n');
    const other = Array.from({ length: MAX_EDIT_LINES + 100 }, (_, i) => `other ${i}`).join('\n');
    // Counted in turns of the event loop, not in milliseconds, so a busy machine cannot fail it: an immediate
    // re-queued at every turn counts them while the diff runs (its time limit lifted, so none of its steps is cut).
    let turns = 0;
    let counting = true;
    const count = () => {
      if (!counting) return;
      turns++;
      setImmediate(count);
    };
    setImmediate(count);
    try {
      const many = await diffValues(Buffer.from(lines), Buffer.from(other), { timeoutMs: 10 * 60_000 });
      expect(many).toMatchObject({ mode: 'too-large', firstDifference: 0 });
      expect(many.reason).toMatch(/more than 2,000 lines are added or removed/);
    } finally {
      counting = false;
    }
    // The diff ran in steps of one edit length each (MAX_EDIT_LINES of them before it gave up), the loop turning
    // between them; a synchronous diff of these holds the loop for all of them at once (a turn or two in all).
    expect(turns).toBeGreaterThanOrEqual(MAX_EDIT_LINES);
  });
});
