/**
 * Checking a walk's window of records with one native CRC (soundRecordsEnd):
 * the CRC of a concatenation put together from its parts (crc32Combine,
 * crc32Range continuing a CRC) against zlib over the whole, and the window
 * check against every way one record of a window can be wrong.
 */
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32Combine, crc32Range } from '../../src/engine/crc.js';
import { encodeRecord } from '../../src/engine/native/codec.js';
import { FLAG_BATCH_END, FLAG_BATCH_FIRST, FLAG_IN_BATCH, RECORD_HEADER, RECORD_PUT, RECORD_TOMBSTONE } from '../../src/engine/native/layout.js';
import { soundRecordsEnd } from '../../src/engine/native/scan.js';
import { noise } from './helpers.js';

describe('crc32Combine', () => {
  it('gives zlib’s CRC of A followed by B, for random lengths of both', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 3000 }), (a, b) => {
        const whole = crc32(Buffer.concat([a, b])) >>> 0;
        expect(crc32Combine(crc32(a) >>> 0, crc32(b) >>> 0, b.length)).toBe(whole);
      }),
      { numRuns: 500 },
    );
  });

  it('gives it for lengths around powers of two, up to 16 MiB', () => {
    const a = noise(37, 1);
    for (let k = 0; k <= 24; k++) {
      for (const length of [(1 << k) - 1, 1 << k, (1 << k) + 1]) {
        if (length < 0) continue;
        const b = noise(length, k + 2);
        expect(crc32Combine(crc32(a) >>> 0, crc32(b) >>> 0, length), `length ${length}`).toBe(crc32(Buffer.concat([a, b])) >>> 0);
      }
    }
  });

  it('gives it when one length comes many times in a row, and for other lengths in between', () => {
    // A length repeated past the point where it gets a table of its own, then others, then it again.
    const lengths = [...Array<number>(200).fill(134), 135, 7, ...Array<number>(100).fill(134), ...Array<number>(100).fill(4096), 134];
    let combined = 0;
    const parts: Buffer[] = [];
    lengths.forEach((length, i) => {
      const part = noise(length, i + 1);
      parts.push(part);
      combined = crc32Combine(combined, crc32(part) >>> 0, length);
      expect(combined, `after part ${i} (${length} bytes)`).toBe(crc32(Buffer.concat(parts)) >>> 0);
    });
  });

  it('leaves A’s CRC as it is for an empty B, and refuses a length that is not one', () => {
    expect(crc32Combine(crc32(Buffer.from('abc')) >>> 0, 0, 0)).toBe(crc32(Buffer.from('abc')) >>> 0);
    for (const bad of [-1, 1.5, 2 ** 32, Number.NaN]) expect(() => crc32Combine(1, 2, bad)).toThrow(RangeError);
  });
});

describe('crc32Range continuing a CRC', () => {
  it('gives the CRC of the bytes before and these together, below and above the native crossover', () => {
    const a = noise(100, 3);
    for (const length of [0, 1, 4, 9, 100, 383, 384, 1000]) {
      const b = noise(length + 10, length + 5);
      expect(crc32Range(b, 5, 5 + length, crc32(a) >>> 0), `length ${length}`).toBe(crc32(Buffer.concat([a, b.subarray(5, 5 + length)])) >>> 0);
    }
  });
});

/** A window of records as a segment holds them: puts of several sizes, a tombstone, a batch. */
function windowOfRecords(): { bytes: Buffer; ends: number[] } {
  const records = [
    encodeRecord(RECORD_PUT, 0, 1, Buffer.from('alpha'), noise(100, 1)),
    encodeRecord(RECORD_PUT, 0, 2, Buffer.from('beta'), noise(100, 2)),
    encodeRecord(RECORD_TOMBSTONE, 0, 3, Buffer.from('alpha')),
    encodeRecord(RECORD_PUT, FLAG_IN_BATCH | FLAG_BATCH_FIRST, 4, Buffer.from('gamma'), noise(700, 3)),
    encodeRecord(RECORD_PUT, FLAG_IN_BATCH | FLAG_BATCH_END, 5, Buffer.from(''), Buffer.alloc(0)),
    encodeRecord(RECORD_PUT, 0, 6, Buffer.from('delta'), noise(100, 4)),
  ];
  const ends: number[] = [];
  let end = 0;
  for (const r of records) ends.push((end += r.length));
  return { bytes: Buffer.concat(records), ends };
}

describe('soundRecordsEnd', () => {
  it('takes a window of sound records whole, and many records of one size', () => {
    const { bytes, ends } = windowOfRecords();
    expect(soundRecordsEnd(bytes, bytes.length)).toBe(ends.at(-1));
    const same = Buffer.concat(Array.from({ length: 500 }, (_, i) => encodeRecord(RECORD_PUT, 0, i + 1, Buffer.from(`key:${String(i).padStart(6, '0')}`), noise(100, i + 9))));
    expect(soundRecordsEnd(same, same.length)).toBe(same.length);
  });

  it('ends the run before a record the window does not hold whole, and before bytes that are no record', () => {
    const { bytes, ends } = windowOfRecords();
    // Cut inside the last record, inside its header, and right after a record.
    expect(soundRecordsEnd(bytes, ends.at(-1)! - 1)).toBe(ends.at(-2));
    expect(soundRecordsEnd(bytes, ends.at(-2)! + RECORD_HEADER.size - 1)).toBe(ends.at(-2));
    expect(soundRecordsEnd(bytes, ends[2]!)).toBe(ends[2]);
    // Zeros a writer reserved after the records: not a record, the run ends where they begin.
    const reserved = Buffer.concat([bytes, Buffer.alloc(4096)]);
    expect(soundRecordsEnd(reserved, reserved.length)).toBe(bytes.length);
    expect(soundRecordsEnd(bytes, RECORD_HEADER.size - 1)).toBe(0);
    expect(soundRecordsEnd(Buffer.alloc(100), 100)).toBe(0);
  });

  it('gives 0 when any one byte of any record is changed, so that every record is then checked on its own', () => {
    const { bytes, ends } = windowOfRecords();
    for (let at = 0; at < bytes.length; at++) {
      for (const delta of [0x01, 0x80, 0xff]) {
        bytes[at]! ^= delta;
        const end = soundRecordsEnd(bytes, bytes.length);
        bytes[at]! ^= delta;
        // A changed type or length may end the run before the changed record; what it takes must not reach it.
        const record = ends.findIndex((e) => e > at);
        const recordStart = record === 0 ? 0 : ends[record - 1]!;
        expect(end === 0 || end <= recordStart, `byte ${at} ^ ${delta}: ${end}`).toBe(true);
      }
    }
  });

  it('gives 0 when two records swap their checksums', () => {
    const { bytes } = windowOfRecords();
    const first = bytes.readUInt32LE(0);
    const secondAt = 5 + 100 + RECORD_HEADER.size;
    const second = bytes.readUInt32LE(secondAt);
    bytes.writeUInt32LE(second, 0);
    bytes.writeUInt32LE(first, secondAt);
    expect(soundRecordsEnd(bytes, bytes.length)).toBe(0);
  });
});
