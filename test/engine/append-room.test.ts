/**
 * Store.appendRoom: what the next write can append without taking a segment
 * past the segment size, so that a writer gathering its own batches (import)
 * keeps its segments within the size as single writes do.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import type { BatchOp } from '../../src/engine/types.js';
import { cleanTempDirs, dataFiles, noise, tempDir } from './helpers.js';

afterEach(cleanTempDirs);

const SIZE = 512;
const recordBytes = (key: string, value: string): number => 22 + Buffer.byteLength(key) + Buffer.byteLength(value);

describe('appendRoom', () => {
  it('is what is left in the active segment, and a batch of exactly that much fills it without rotating', async () => {
    const dir = path.join(tempDir(), 'store');
    const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: SIZE });
    expect(store.appendRoom()).toEqual({ left: SIZE - 24, segment: SIZE - 24 });
    await store.put('first', 'x'.repeat(60));
    const { left } = store.appendRoom();
    expect(left).toBe(SIZE - 24 - recordBytes('first', 'x'.repeat(60)));
    // Two records adding up to `left` exactly.
    const half = Math.floor(left / 2);
    const a = 'a'.repeat(half - 23);
    const b = 'b'.repeat(left - half - 23);
    expect(recordBytes('a', a) + recordBytes('b', b)).toBe(left);
    await store.batch([
      { type: 'put', key: 'a', value: a },
      { type: 'put', key: 'b', value: b },
    ]);
    expect(dataFiles(dir)).toHaveLength(1);
    expect(fs.statSync(path.join(dir, dataFiles(dir)[0]!)).size).toBe(SIZE);
    expect(store.appendRoom()).toEqual({ left: 0, segment: SIZE - 24 });
    // One byte more than is left goes to a new segment.
    await store.put('c', '');
    expect(dataFiles(dir)).toHaveLength(2);
    expect(store.appendRoom().left).toBe(SIZE - 24 - recordBytes('c', ''));
    await store.close();
  });

  it('batches gathered within it keep every segment within the segment size', async () => {
    const dir = path.join(tempDir(), 'store');
    const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: SIZE });
    const sizes = noise(400, 3);
    let ops: BatchOp[] = [];
    let bytes = 0;
    let cap = 0;
    const flush = async (): Promise<void> => {
      if (ops.length > 0) await store.batch(ops);
      ops = [];
      bytes = 0;
    };
    for (let i = 0; i < 400; i++) {
      const op: BatchOp = { type: 'put', key: `key-${i}`, value: 'v'.repeat(sizes[i]! % 90) };
      const length = recordBytes(op.key as string, op.value as string);
      if (ops.length > 0 && bytes + length > cap) await flush();
      if (ops.length === 0) {
        // A batch's room: what is left, or a whole segment when its first record does not fit in that.
        const room = store.appendRoom();
        cap = length <= room.left ? room.left : room.segment;
      }
      ops.push(op);
      bytes += length;
    }
    await flush();
    await store.close();
    const files = dataFiles(dir);
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) expect(fs.statSync(path.join(dir, f)).size, f).toBeLessThanOrEqual(SIZE);
    const reader = await Store.open(dir, { readOnly: true });
    expect(reader.keyCount()).toBe(400);
    await reader.close();
  });
});
