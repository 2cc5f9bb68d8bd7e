/**
 * A record's offset and length are u32 in hint files and the keydir: no
 * write may put a record's bytes past 4 GiB into a segment. Single records
 * (put, delete, compaction's copies) cannot get there, since segments rotate
 * at the segment size (1 GiB at most); a batch, written whole into one
 * segment, could, and makes the writer rotate first, or is refused when no
 * segment could hold it. Tested with the limit made small (segmentAddressLimit)
 * rather than with gigabytes.
 */
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { appendPlacement, Store } from '../../src/engine/store.js';
import { TooLargeError } from '../../src/engine/errors.js';
import { recordLength } from '../../src/engine/native/codec.js';
import { MAX_KEY_BYTES, MAX_SEGMENT_SIZE, MAX_VALUE_BYTES, SEGMENT_ADDRESS_LIMIT, SEGMENT_HEADER } from '../../src/engine/native/layout.js';
import { cleanTempDirs, tempDir } from './helpers.js';

afterEach(cleanTempDirs);

const HEADER = SEGMENT_HEADER.size;
const MAX_RECORD = recordLength(MAX_KEY_BYTES, MAX_VALUE_BYTES);

/** Where the append would end: after a rotation it starts behind a new segment's header. */
function endOf(activeSize: number, total: number, segmentSize: number, limit?: number): number | 'too-large' {
  const placement = appendPlacement(activeSize, total, segmentSize, limit);
  return placement === 'too-large' ? placement : (placement === 'rotate' ? HEADER : activeSize) + total;
}

describe('appendPlacement', () => {
  it('is 4 GiB by default: what u32 offsets and lengths address', () => {
    expect(SEGMENT_ADDRESS_LIMIT).toBe(2 ** 32);
  });

  it('a single record, at any segment size, never ends past the limit: put, delete and compaction cannot pass it', () => {
    // The largest record there is, appended to a segment the writer may still append to (smaller than the
    // segment size: store.hasRoomToAppend) at the largest segment size, or to a new one, ends far below 4 GiB.
    expect(MAX_SEGMENT_SIZE + MAX_RECORD).toBeLessThan(SEGMENT_ADDRESS_LIMIT);
    for (const segmentSize of [HEADER + 22, 4096, 64 * 1024 * 1024, MAX_SEGMENT_SIZE]) {
      for (const activeSize of [HEADER, HEADER + 1, segmentSize - MAX_RECORD, segmentSize - 1]) {
        if (activeSize < HEADER) continue;
        for (const total of [22, 4096, MAX_RECORD]) {
          const end = endOf(activeSize, total, segmentSize);
          expect(end).not.toBe('too-large');
          expect(end as number).toBeLessThanOrEqual(Math.max(segmentSize, HEADER + total));
        }
      }
    }
    // Compaction's outputs rotate by the same rule (out.seg.size + length > segmentSize, one record at a time).
  });

  it('rotates before a batch would pass the limit, even below the segment size', () => {
    const GiB = 1024 ** 3;
    // Default limit, largest segment size: 1 GiB - 1 written, a 3.5 GiB batch goes to a new segment (ends at 3.5 GiB + 24).
    expect(appendPlacement(GiB - 1, 3.5 * GiB, GiB)).toBe('rotate');
    expect(endOf(GiB - 1, 3.5 * GiB, GiB)).toBe(HEADER + 3.5 * GiB);
    // A segment size above the limit (only with a test's limit): the limit decides.
    expect(appendPlacement(1000, 3000, GiB, 4096)).toBe('append'); // ends at 4000
    expect(appendPlacement(1000, 3096, GiB, 4096)).toBe('append'); // ends at 4096 exactly: the last byte is 4095
    expect(appendPlacement(1000, 3097, GiB, 4096)).toBe('rotate');
    expect(appendPlacement(HEADER, 4096 - HEADER, GiB, 4096)).toBe('append');
  });

  it('refuses a batch no segment could address whole (a batch never spans segments)', () => {
    expect(appendPlacement(HEADER, 2 ** 32 - HEADER, MAX_SEGMENT_SIZE)).toBe('append');
    expect(appendPlacement(HEADER, 2 ** 32 - HEADER + 1, MAX_SEGMENT_SIZE)).toBe('too-large');
    expect(appendPlacement(1000, 2 ** 32, MAX_SEGMENT_SIZE)).toBe('too-large');
    expect(appendPlacement(HEADER, 4096 - HEADER + 1, MAX_SEGMENT_SIZE, 4096)).toBe('too-large');
  });
});

describe('a writer at the address limit', () => {
  const batch = (prefix: string, n: number, valueBytes: number) =>
    Array.from({ length: n }, (_, i) => ({ type: 'put' as const, key: `${prefix}${i}`, value: Buffer.alloc(valueBytes, 97 + i) }));

  it('rotates before a batch would end past it, refuses one no segment could hold, and reopens whole', async () => {
    const dir = tempDir();
    const LIMIT = 4096;
    // The segment size is the largest there is (1 GiB): only the address limit can make it rotate here.
    const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: MAX_SEGMENT_SIZE, segmentAddressLimit: LIMIT });
    await store.batch(batch('a', 3, 900)); // 3 × (22 + 2 + 900) = 2772 bytes after the header
    await store.batch(batch('b', 2, 900)); // 1848 more would end at 4644: a new segment
    await store.put('c', 'small'); // room left in the new one
    const sizes = () => store.stats().perSegment.map((s) => s.bytes);
    expect(sizes()).toEqual([HEADER + 2772, HEADER + 1848 + 28]);
    for (const key of ['a0', 'a2', 'b0', 'b1', 'c']) {
      const loc = store.locate(Buffer.from(key))!;
      expect(loc.offset + loc.length).toBeLessThanOrEqual(LIMIT);
    }
    // 5 × 924 bytes fit in no segment of 4096 bytes: refused before anything is written.
    const before = sizes();
    const err = await store.batch(batch('d', 5, 900)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TooLargeError);
    expect((err as Error).message).toContain('batch of 4620 bytes is larger than the maximum of 4072 bytes');
    expect(sizes()).toEqual(before);
    expect(store.has(Buffer.from('d0'))).toBe(false);
    await store.close();
    expect(readdirSync(dir).filter((n) => n.endsWith('.data'))).toHaveLength(2);

    const again = await Store.open(dir, { readOnly: true });
    expect(again.keyCount()).toBe(6);
    expect((await again.get('b1'))!.equals(Buffer.alloc(900, 98))).toBe(true);
    expect((await again.verify()).ok).toBe(true);
    await again.close();
  });
});
