/**
 * The little-endian integer helpers every record and hint entry goes
 * through (codec.ts): checked against Buffer's own readers and writers and
 * BigInt, at the values where a hand-written shift goes wrong (the top bit of
 * a word, 2^32, 2^53 - 1), at unaligned offsets, and at the array's ends.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fieldsOf, getU64, readU32, readU64, writeU32, writeU64 } from '../../src/engine/native/codec.js';

describe('little-endian integers', () => {
  it('read and write u32 as Buffer does, top bit included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), fc.integer({ min: 0, max: 5 }), (value, at) => {
        const ours = Buffer.alloc(12, 0xaa);
        const theirs = Buffer.alloc(12, 0xaa);
        writeU32(ours, value, at);
        theirs.writeUInt32LE(value, at);
        expect(ours).toEqual(theirs);
        expect(readU32(theirs, at)).toBe(value);
      }),
    );
    const b = Buffer.from([0xff, 0xff, 0xff, 0xff]);
    expect(readU32(b, 0)).toBe(0xffff_ffff);
    expect(readU32(new Uint8Array([0, 0, 0, 0x80]), 0)).toBe(0x8000_0000);
  });

  it('read and write u64 as BigInt does, up to 2^53 - 1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 3 }), (value, at) => {
        const ours = Buffer.alloc(12, 0x55);
        const theirs = Buffer.alloc(12, 0x55);
        writeU64(ours, value, at);
        theirs.writeBigUInt64LE(BigInt(value), at);
        expect(ours).toEqual(theirs);
        expect(readU64(theirs, at)).toBe(value);
      }),
    );
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(2n ** 32n);
    expect(readU64(b, 0)).toBe(2 ** 32);
  });

  it('throw a RangeError for bytes outside the array, as Buffer does, instead of reading them as 0', () => {
    const b = new Uint8Array(8);
    expect(readU32(b, 4)).toBe(0);
    expect(() => readU32(b, 5)).toThrow(RangeError);
    expect(() => readU32(b, -1)).toThrow(RangeError);
    expect(() => readU64(b, 1)).toThrow(RangeError);
    expect(() => writeU32(b, 1, 5)).toThrow(RangeError);
    expect(() => writeU64(b, 1, 1)).toThrow(RangeError);
    expect(() => readU32(b, Number.NaN)).toThrow(RangeError);
    expect(b).toEqual(new Uint8Array(8));
  });

  it('refuse a value the field cannot hold, as Buffer does, and write nothing', () => {
    const b = new Uint8Array(8);
    expect(() => Buffer.alloc(8).writeUInt32LE(-1, 0)).toThrow(RangeError);
    expect(() => writeU32(b, -1, 0)).toThrow(RangeError);
    expect(() => writeU32(b, 2 ** 32, 0)).toThrow(RangeError);
    expect(() => writeU64(b, -1, 0)).toThrow(RangeError);
    expect(() => writeU64(b, -Infinity, 0)).toThrow(RangeError);
    expect(() => writeU64(b, 2 ** 64, 0)).toThrow(RangeError);
    expect(b).toEqual(new Uint8Array(8));
  });

  it('read through fieldsOf as through readU32 and readU64, in a buffer that starts inside a larger one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 0xffff_ffff }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 3 }), (big, small, start, at) => {
        // A view that starts `start` bytes into its memory, as a pooled Buffer or a hint's subarray does.
        const whole = Buffer.alloc(32, 0xcc);
        const b = whole.subarray(start, start + 20);
        writeU64(b, big, at);
        writeU32(b, small, at + 8);
        const fields = fieldsOf(b);
        expect(getU64(fields, at)).toBe(readU64(b, at));
        expect(getU64(fields, at)).toBe(big);
        expect(fields.getUint32(at + 8, true)).toBe(small);
      }),
    );
  });

  it('throw a RangeError through fieldsOf outside the bytes it was given', () => {
    const b = Buffer.alloc(16).subarray(4, 12);
    expect(() => fieldsOf(b).getUint32(5, true)).toThrow(RangeError);
    expect(() => getU64(fieldsOf(b), 1)).toThrow(RangeError);
    // A length short of the buffer ends the view there (a hint's entries end at its trailer).
    expect(fieldsOf(b, 4).getUint32(0, true)).toBe(0);
    expect(() => fieldsOf(b, 4).getUint32(1, true)).toThrow(RangeError);
  });
});
