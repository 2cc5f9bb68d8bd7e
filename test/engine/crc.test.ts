/**
 * The O(1) CRC fix-up (crc32AfterByteChange) against a full recompute with
 * zlib's CRC-32, and compaction, which uses it to clear batch flags, writing
 * records whose checksums zlib agrees with.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { crc32AfterByteChange } from '../../src/engine/crc.js';
import { Store } from '../../src/engine/store.js';
import { RECORD_HEADER, SEGMENT_HEADER } from '../../src/engine/native/layout.js';
import { cleanTempDirs, dataFiles, noise, tempDir } from './helpers.js';

afterEach(cleanTempDirs);

/** The fix-up's answer for changing bytes[at] to bytes[at] ^ delta, and zlib's over the changed bytes. Restores bytes. */
function both(bytes: Uint8Array, at: number, delta: number): { fixedUp: number; recomputed: number } {
  const before = crc32(bytes);
  const fixedUp = crc32AfterByteChange(before, delta, bytes.length - at - 1);
  bytes[at]! ^= delta;
  const recomputed = crc32(bytes);
  bytes[at]! ^= delta;
  return { fixedUp, recomputed };
}

describe('crc32AfterByteChange', () => {
  it('matches a full recompute for random messages, positions and byte changes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 3000 }),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (bytes, pos, delta) => {
          const { fixedUp, recomputed } = both(bytes, pos % bytes.length, delta);
          expect(fixedUp).toBe(recomputed);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('matches for the byte change compaction makes (flags to 0) at every record length up to 600', () => {
    const big = noise(600, 7);
    for (let length = RECORD_HEADER.flags + 1; length <= big.length; length++) {
      const record = big.subarray(0, length);
      for (const delta of [0x01, 0x03, 0x05, 0x07, 0x04]) {
        const { fixedUp, recomputed } = both(record, RECORD_HEADER.flags, delta);
        expect(fixedUp, `length ${length} delta ${delta}`).toBe(recomputed);
      }
    }
  });

  it('matches when many bytes follow the change (up to 70 MiB, past the largest record)', () => {
    const big = noise(70 * 1024 * 1024, 12345);
    const lengths = fc.oneof(
      fc.integer({ min: 1, max: big.length }),
      // Around powers of two, where the factor's bits change.
      fc.tuple(fc.integer({ min: 10, max: 26 }), fc.integer({ min: -9, max: 9 })).map(([k, d]) => Math.max(1, 2 ** k + d)),
    );
    fc.assert(
      fc.property(lengths, fc.integer({ min: 0, max: 64 }), fc.integer({ min: 1, max: 255 }), (length, pos, delta) => {
        const bytes = big.subarray(0, length);
        const { fixedUp, recomputed } = both(bytes, Math.min(pos, length - 1), delta);
        expect(fixedUp, `length ${length}`).toBe(recomputed);
      }),
      { numRuns: 40 },
    );
  });

  it('leaves the CRC alone when the byte does not change', () => {
    expect(crc32AfterByteChange(0xcbf43926, 0, 9)).toBe(0xcbf43926);
  });
});

describe('compaction of batched records', () => {
  it('writes them with flags 0 and a CRC that zlib computes over the record', async () => {
    const dir = tempDir() + '/s';
    const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 4096 });
    const live = new Map<string, string>();
    for (let round = 0; round < 4; round++) {
      const ops = [];
      for (let i = 0; i < 50; i++) {
        const key = `k${(i * 7 + round * 13) % 90}`;
        const value = `${round}:${i}:`.padEnd(1 + ((i * 37 + round) % 300), 'v');
        ops.push({ type: 'put' as const, key, value });
        live.set(key, value);
      }
      await store.batch(ops);
    }
    await store.compact();
    await store.close();

    let records = 0;
    for (const name of dataFiles(dir)) {
      const bytes = fs.readFileSync(path.join(dir, name));
      if ((bytes.readUInt16LE(SEGMENT_HEADER.flags) & 1) === 0) continue; // not written by compaction
      for (let at = SEGMENT_HEADER.size; at < bytes.length; ) {
        const length = RECORD_HEADER.size + bytes.readUInt32LE(at + RECORD_HEADER.keyLength) + bytes.readUInt32LE(at + RECORD_HEADER.valueLength);
        expect(bytes[at + RECORD_HEADER.flags]).toBe(0);
        expect(bytes.readUInt32LE(at + RECORD_HEADER.crc)).toBe(crc32(bytes.subarray(at + RECORD_HEADER.type, at + length)));
        records++;
        at += length;
      }
    }
    expect(records).toBe(live.size);
    const again = await Store.open(dir, { readOnly: true });
    for (const [k, v] of live) expect((await again.get(k))?.toString(), k).toBe(v);
    await again.close();
  });
});
