import { describe, expect, it } from 'vitest';
import { hexDumpHead, hexDumpRow } from '../../src/renderer/src/format.js';
import { fitRowBytes } from '../../src/renderer/src/hex-fit.js';

describe('fitRowBytes', () => {
  const width = (n: number) => 50 + 30 * n;
  it('takes the most bytes a row that fit, down to 4', () => {
    expect(fitRowBytes(530, width)).toBe(16);
    expect(fitRowBytes(529, width)).toBe(8);
    expect(fitRowBytes(290, width)).toBe(8);
    expect(fitRowBytes(170, width)).toBe(4);
    expect(fitRowBytes(10, width)).toBe(4);
  });
});

describe('hexDumpRow and hexDumpHead with fewer bytes a row', () => {
  const bytes = Uint8Array.from({ length: 20 }, (_, i) => 0x41 + i);
  it('16 bytes a row, a gap after 8 (as before)', () => {
    expect(hexDumpHead()).toBe('00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f');
    expect(hexDumpRow(bytes, 16, 0x100)).toEqual({ offset: '00000110', hex: '51 52 53 54', ascii: 'QRST' });
  });
  it('8 and 4 bytes a row', () => {
    expect(hexDumpHead(8)).toBe('00 01 02 03 04 05 06 07');
    expect(hexDumpRow(bytes, 8, 0, 8)).toEqual({ offset: '00000008', hex: '49 4a 4b 4c 4d 4e 4f 50', ascii: 'IJKLMNOP' });
    expect(hexDumpHead(4)).toBe('00 01 02 03');
    expect(hexDumpRow(bytes, 4, 0, 4)).toEqual({ offset: '00000004', hex: '45 46 47 48', ascii: 'EFGH' });
  });
});
