import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BASE64_ROW_CHARS, base64RowSteps, base64Steps } from '../../src/renderer/src/base64-rows.js';
import { continuesLine, fixedRowIndex, rowText, type RowIndex } from '../../src/renderer/src/line-index.js';

const rows = (index: RowIndex) => Array.from({ length: index.count }, (_, i) => rowText(index, i));

function finish<T>(steps: Generator<void, T, void>): { value: T; yields: number } {
  let yields = 0;
  for (;;) {
    const r = steps.next();
    if (r.done) return { value: r.value, yields };
    yields++;
  }
}

describe('fixedRowIndex', () => {
  it('cuts a text without line ends into rows of the width, the last one shorter, none going on from another', () => {
    const index = fixedRowIndex('abcdefghij', 4);
    expect(rows(index)).toEqual(['abcd', 'efgh', 'ij']);
    expect(Array.from({ length: index.count }, (_, i) => continuesLine(index, i))).toEqual([false, false, false]);
    expect(index).toMatchObject({ count: 3, lines: 3, widest: 4, broken: false, width: 4 });
  });

  it('a text of a whole number of rows has no empty last row; an empty text is one empty row', () => {
    expect(rows(fixedRowIndex('abcdefgh', 4))).toEqual(['abcd', 'efgh']);
    expect(rows(fixedRowIndex('', 4))).toEqual(['']);
    expect(fixedRowIndex('ab', 4)).toMatchObject({ count: 1, widest: 2 });
  });

  it('the Base64 of 8 MiB: 76-character rows that put back together are the Base64, read by position', () => {
    const bytes = randomBytes(8 * 1024 * 1024);
    const base64 = bytes.toString('base64');
    const index = fixedRowIndex(base64, BASE64_ROW_CHARS);
    expect(index.count).toBe(Math.ceil(base64.length / 76));
    expect(rowText(index, 0)).toBe(base64.slice(0, 76));
    expect(rowText(index, 1000)).toBe(base64.slice(76_000, 76_076));
    expect(rowText(index, index.count - 1)).toBe(base64.slice((index.count - 1) * 76));
    // 57 bytes a row: row i is the Base64 of its own 57 bytes.
    expect(rowText(index, 12_345)).toBe(bytes.subarray(12_345 * 57, 12_346 * 57).toString('base64'));
    expect(rows(index).join('')).toBe(base64);
  });
});

describe('base64Steps', () => {
  it('gives the same Base64 as all at once, for every length around a step', () => {
    const bytes = randomBytes(40);
    for (let n = 0; n <= bytes.length; n++) {
      const part = bytes.subarray(0, n);
      expect(finish(base64Steps(part, 6)).value, `${n} bytes`).toBe(Buffer.from(part).toString('base64'));
    }
  });

  it('yields between steps, and refuses a step that does not end on a group of 3 bytes', () => {
    expect(finish(base64Steps(new Uint8Array(30), 6)).yields).toBe(4);
    expect(finish(base64Steps(new Uint8Array(0), 6)).yields).toBe(0);
    expect(() => base64Steps(new Uint8Array(8), 4).next()).toThrow(RangeError);
  });

  it('base64RowSteps: 1 MiB in several steps, as rows of 76', () => {
    const bytes = randomBytes(1024 * 1024);
    const { value: index, yields } = finish(base64RowSteps(bytes));
    expect(yields).toBeGreaterThan(1);
    expect(index.text).toBe(bytes.toString('base64'));
    expect(index.width).toBe(76);
    expect(rows(index).every((r, i, all) => r.length === 76 || i === all.length - 1)).toBe(true);
  });
});
