import { describe, expect, it } from 'vitest';
import { parseJumpOffset } from '../../src/renderer/src/components/RecordsView.js';
import { parseByteOffset } from '../../src/renderer/src/format.js';

describe('Records: the Jump to offset field', () => {
  it('takes a decimal or 0x hex offset inside the file', () => {
    expect(parseJumpOffset('0', 65_489)).toEqual({ offset: 0 });
    expect(parseJumpOffset(' 1000 ', 65_489)).toEqual({ offset: 1000 });
    expect(parseJumpOffset('0x10', 65_489)).toEqual({ offset: 16 });
    expect(parseJumpOffset('0XfF', 65_489)).toEqual({ offset: 255 });
    expect(parseJumpOffset('65488', 65_489)).toEqual({ offset: 65_488 });
  });

  it('says what is wrong with anything else, instead of raising an error', () => {
    for (const text of ['abc', '-1', '1e3', '', '0x', '0x1g', '12abc', '1.5', '99999999999999999999']) {
      expect(parseJumpOffset(text, 65_489), text).toEqual({ error: 'not an offset: use a decimal or 0x… number' });
    }
    for (const text of ['65489', '99999999', '0xffff']) {
      expect(parseJumpOffset(text, 65_489), text).toEqual({ error: 'offset is past the end of the file (65,489 bytes)' });
    }
    // The file's size not known yet: the service says whether it is past the end.
    expect(parseJumpOffset('99999999', 0)).toEqual({ offset: 99_999_999 });
  });
});

describe('a byte offset as typed (the record table and the crash lab alike)', () => {
  it('is decimal or 0x hex, nothing else', () => {
    expect(parseByteOffset('4096')).toBe(4096);
    expect(parseByteOffset(' 0x1000 ')).toBe(4096);
    // The crash lab read '0x1g' as 1 (parseInt stops at the first bad digit), and '0x' as NaN only by luck.
    for (const text of ['0x1g', '0x', '1e3', '-1', '1.5', '', 'abc', '99999999999999999999']) expect(parseByteOffset(text), text).toBeUndefined();
  });
});
