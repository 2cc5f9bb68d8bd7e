/**
 * An open that walks data files (no hint to use) makes room in the keydir
 * for a segment's keys once, from the records of its first window, instead
 * of growing the keydir by doubling as the keys come (every doubling places
 * every key again and copies the columns). Also when the segments before it
 * held no record, as a store whose first segment is an empty active one
 * does after a compaction.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { Keydir } from '../../src/engine/keydir.js';
import { encodeRecord, encodeSegmentHeader } from '../../src/engine/native/codec.js';
import { dataFileName } from '../../src/engine/native/files.js';
import { RECORD_PUT } from '../../src/engine/native/layout.js';
import { Store } from '../../src/engine/store.js';
import { cleanTempDirs, tempDir } from './helpers.js';

afterAll(cleanTempDirs);
afterEach(() => vi.restoreAllMocks());

/** More records than one 4 MiB window of the walk holds. */
const RECORDS = 60_000;
const key = (i: number) => `key:${String(i).padStart(8, '0')}`;
const value = (i: number) => Buffer.alloc(90, i & 0xff);

function segment(id: number, firstKey: number, count: number, sequence: number): Buffer {
  const parts = [encodeSegmentHeader({ flags: 0, segmentId: id, sequenceFloor: 0 })];
  for (let i = 0; i < count; i++) parts.push(encodeRecord(RECORD_PUT, 0, sequence + i, Buffer.from(key(firstKey + i)), value(firstKey + i)));
  return Buffer.concat(parts);
}

describe('open from data files sizes the keydir from the first window of a segment', () => {
  it.each([
    ['the first segment holds the records', [RECORDS]],
    ['an empty segment comes first', [0, RECORDS]],
  ])('%s', async (_, counts) => {
    const dir = tempDir();
    let first = 0;
    counts.forEach((count, i) => {
      writeFileSync(join(dir, dataFileName(i + 1)), segment(i + 1, first, count, first + 1));
      first += count;
    });
    // The keys each call of reserve made room for: those in the keydir then, and the ones it asked room for.
    const roomFor: number[] = [];
    const reserve = Keydir.prototype.reserve;
    vi.spyOn(Keydir.prototype, 'reserve').mockImplementation(function (this: Keydir, entries: number, keyBytes: number) {
      roomFor.push(this.size + entries);
      reserve.call(this, entries, keyBytes);
    });
    const store = await Store.open(dir, { readOnly: true });
    try {
      expect(store.keyCount()).toBe(RECORDS);
      // One call, after the first window, made room for about all the segment's keys.
      const largest = Math.max(...roomFor);
      expect(largest).toBeGreaterThan(RECORDS * 0.95);
      expect(largest).toBeLessThan(RECORDS * 1.05);
      for (const i of [0, 1, RECORDS / 2, RECORDS - 1]) expect(store.getSync(key(i))).toEqual(value(i));
    } finally {
      await store.close();
    }
  });
});
