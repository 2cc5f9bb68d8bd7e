/**
 * A batch's records are encoded, and a scan's records read, in groups whose
 * bytes are touched first (store.ts, TOUCH_GROUP). Whatever the group
 * boundaries fall on, every record must come out as if handled one by one.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import type { BatchOp } from '../../src/engine/types.js';
import { cleanTempDirs, tempDir } from './helpers.js';

afterAll(cleanTempDirs);

/** Deterministic shuffle (the order records are written in is not the order a scan reads them in). */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let x = seed;
  for (let i = out.length - 1; i > 0; i--) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('grouped writes and scans', () => {
  it('a batch of 150 puts and deletes, with repeated, empty and long keys and values across group boundaries, lands as written', async () => {
    const dir = tempDir();
    const store = await Store.open(dir, { create: true, fsync: 'always' });
    const model = new Map<string, Buffer>();
    const ops: BatchOp[] = [];
    for (let i = 0; i < 150; i++) {
      // Keys repeat every 37 ops, so a key is put, deleted and put again in different groups of 32.
      const key = i % 37 === 5 ? '' : `key:${i % 37}`;
      if (i % 5 === 3) {
        ops.push({ type: 'delete', key });
        model.delete(key);
      } else {
        const value = i % 11 === 0 ? Buffer.alloc(0) : Buffer.alloc(i % 7 === 0 ? 5000 : 1 + (i % 40), i);
        ops.push({ type: 'put', key, value });
        model.set(key, value);
      }
    }
    await store.batch(ops);
    const check = async (s: Store) => {
      for (let k = 0; k < 37; k++) {
        const key = k === 5 ? '' : `key:${k}`;
        expect(s.getSync(key)).toEqual(model.get(key));
      }
      expect(s.keyCount()).toBe(model.size);
    };
    await check(store);
    await store.close();
    // From the data file (and its hint, written at close).
    const reopened = await Store.open(dir, { readOnly: true });
    await check(reopened);
    expect((await reopened.verify()).ok).toBe(true);
    await reopened.close();
  });

  it('a scan of 500 keys written in random order, over sealed segments and the active one, returns every key in order with its value', async () => {
    const dir = tempDir();
    const keys = Array.from({ length: 500 }, (_, i) => `k${String(i).padStart(4, '0')}`);
    const valueOf = (key: string) => Buffer.from(`value of ${key} `.repeat(1 + (Number(key.slice(1)) % 9)));
    // Small segments: most records end up in sealed segments (cached blocks), the last ones in the active one.
    const writer = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 8 * 1024 });
    for (const key of shuffled(keys, 7)) await writer.put(key, valueOf(key));
    for (const s of [writer, await Store.open(dir, { readOnly: true }), await Store.open(dir, { readOnly: true, cacheBytes: 0 })]) {
      expect(s.stats().segments).toBeGreaterThan(3);
      const all = await s.scan();
      expect(all.map((e) => e.key.toString())).toEqual(keys);
      for (const e of all) expect(e.value).toEqual(valueOf(e.key.toString()));
      const range = await s.scan({ start: Buffer.from('k0100'), end: Buffer.from('k0175') });
      expect(range.map((e) => e.key.toString())).toEqual(keys.slice(100, 175));
      const reversed = await s.scan({ prefix: Buffer.from('k02'), reverse: true, limit: 40 });
      expect(reversed.map((e) => e.key.toString())).toEqual(keys.slice(200, 300).reverse().slice(0, 40));
      for (const e of reversed) expect(e.value).toEqual(valueOf(e.key.toString()));
      // One at a time (kvscope scan and export): the same entries in the same order, each the caller's own copy.
      const visited: Array<{ key: Buffer; value: Buffer }> = [];
      s.forEachEntry({ prefix: Buffer.from('k01'), limit: 60 }, (key, value) => void visited.push({ key, value }));
      expect(visited.map((e) => e.key.toString())).toEqual(keys.slice(100, 160));
      for (const e of visited) expect(e.value).toEqual(valueOf(e.key.toString()));
      // A visit that returns false ends the scan; scan() stops once its values reach maxValueBytes.
      const stopped: string[] = [];
      s.forEachEntry({ prefix: Buffer.from('k01') }, (key) => stopped.push(key.toString()) < 7);
      expect(stopped).toEqual(keys.slice(100, 107));
      const valueBytes = (from: number, to: number) => keys.slice(from, to).reduce((n, k) => n + valueOf(k).length, 0);
      const capped = await s.scan({ start: Buffer.from(keys[100]!), maxValueBytes: valueBytes(100, 110) });
      expect(capped.map((e) => e.key.toString())).toEqual(keys.slice(100, 110));
      const justOver = await s.scan({ start: Buffer.from(keys[100]!), maxValueBytes: valueBytes(100, 110) - 1 });
      expect(justOver.map((e) => e.key.toString())).toEqual(keys.slice(100, 110));
      expect((await s.scan({ maxValueBytes: 0 })).length).toBe(1);
      await s.close();
    }
  });
});
