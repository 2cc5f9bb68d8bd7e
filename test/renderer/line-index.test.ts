import { describe, expect, it } from 'vitest';
import { buildRowIndex, continuesLine, rowIndexSteps, rowText, type RowIndex } from '../../src/renderer/src/line-index.js';
import { formatJsonSteps, formatJson } from '../../src/shared/json-text.js';
import { runSliced } from '../../src/renderer/src/sliced.js';

const rows = (index: RowIndex) => Array.from({ length: index.count }, (_, i) => rowText(index, i));

describe('buildRowIndex', () => {
  it('has a row per line, without the line ends', () => {
    const index = buildRowIndex('one\ntwo\r\n\nlast');
    expect(rows(index)).toEqual(['one', 'two', '', 'last']);
    expect(index.lines).toBe(4);
    expect(index.broken).toBe(false);
    expect(index.widest).toBe(4);
  });

  it('counts an empty text as one empty line, and a final line end as an empty last line', () => {
    expect(rows(buildRowIndex(''))).toEqual(['']);
    expect(rows(buildRowIndex('a\n'))).toEqual(['a', '']);
    expect(rows(buildRowIndex('\r\n'))).toEqual(['', '']);
  });

  it('breaks a line longer than the row width into pieces that go on from the row before', () => {
    const index = buildRowIndex('abcdefghij\nxy\nklmnop', 4);
    expect(rows(index)).toEqual(['abcd', 'efgh', 'ij', 'xy', 'klmn', 'op']);
    expect(Array.from({ length: index.count }, (_, i) => continuesLine(index, i))).toEqual([false, true, true, false, false, true]);
    expect(index.lines).toBe(3);
    expect(index.broken).toBe(true);
    expect(index.widest).toBe(4);
  });

  it('a line of exactly the row width is one row; a CR before LF is not part of the last piece', () => {
    expect(rows(buildRowIndex('abcd\nefghi\r\nj', 4))).toEqual(['abcd', 'efgh', 'i', 'j']);
  });

  it('never splits a surrogate pair', () => {
    const index = buildRowIndex('abc😀def', 4);
    expect(rows(index)).toEqual(['abc', '😀de', 'f']);
    expect(rows(index).join('')).toBe('abc😀def');
  });

  it('indexes millions of lines in one typed array, and the rows put back together are the text', () => {
    const text = Array.from({ length: 1_000_000 }, (_, i) => `line ${i}`).join('\n');
    const index = buildRowIndex(text);
    expect(index.count).toBe(1_000_000);
    expect(index.starts).toBeInstanceOf(Uint32Array);
    expect(rowText(index, 0)).toBe('line 0');
    expect(rowText(index, 999_999)).toBe('line 999999');
    expect(rowText(index, 500_000)).toBe('line 500000');
  });

  it('the stepped index yields now and then and ends with the same index', () => {
    const text = 'x\n'.repeat(100_000);
    const steps = rowIndexSteps(text);
    let yields = 0;
    let r = steps.next();
    for (; !r.done; r = steps.next()) yields++;
    expect(yields).toBeGreaterThan(1);
    expect(r.value.count).toBe(buildRowIndex(text).count);
  });
});

describe('runSliced', () => {
  const bigJson = '[' + Array.from({ length: 50_000 }, (_, i) => `{"id":${i},"a":[1,2]}`).join(',') + ']';

  it('formats JSON in slices to the same result as at once', async () => {
    expect(await runSliced(formatJsonSteps(bigJson), () => false, 1)).toEqual(formatJson(bigJson));
  });

  it('stops when cancelled, leaving the work unfinished', async () => {
    let slices = 0;
    const steps = (function* () {
      for (;;) {
        slices++;
        yield;
      }
    })();
    const result = await runSliced(steps, () => slices > 3, 0);
    expect(result).toBeNull();
    expect(steps.next().done).toBe(true);
  });
});
