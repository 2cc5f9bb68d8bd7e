import { afterAll, describe, expect, it } from 'vitest';
import { BLOCK_BYTES } from '../../src/engine/block-cache.js';
import { realFs, type EngineFs } from '../../src/engine/fs.js';
import { READAHEAD_BYTES } from '../../src/engine/segment.js';
import { Store } from '../../src/engine/store.js';
import { cleanTempDirs, tempDir } from './helpers.js';

afterAll(cleanTempDirs);

/** realFs, logging every positioned read. */
function countingFs(log: Array<{ length: number; position: number }>): EngineFs {
  return {
    ...realFs,
    readSync(fd: number, b: Uint8Array, o: number, l: number, pos: number): number {
      log.push({ length: l, position: pos });
      return realFs.readSync(fd, b, o, l, pos);
    },
  };
}

describe('point reads read ahead', () => {
  it('pull in a whole aligned 64 KiB block on the first read that lands in it, once', async () => {
    const dir = tempDir();
    const writer = await Store.open(dir, { create: true, fsync: 'never' });
    const value = Buffer.alloc(1000, 7);
    for (let i = 0; i < 400; i++) await writer.put(`k${String(i).padStart(4, '0')}`, value);
    await writer.close();

    const log: Array<{ length: number; position: number }> = [];
    // The block cache (below) would serve the second read: this is the uncached path.
    const store = await Store.open(dir, { readOnly: true, fs: countingFs(log), cacheBytes: 0 });
    log.length = 0;
    // k0100 lies in the second block (about 1 KiB a record).
    expect(store.getSync('k0100')).toEqual(value);
    const ahead = log.filter((r) => r.length >= READAHEAD_BYTES);
    expect(ahead).toHaveLength(1);
    expect(ahead[0]!.position % READAHEAD_BYTES).toBe(0);
    const record = store.locate('k0100')!;
    expect(ahead[0]!.position).toBeLessThanOrEqual(record.offset);
    expect(ahead[0]!.position + READAHEAD_BYTES).toBeGreaterThan(record.offset);
    // Another key in the same block: just the record.
    log.length = 0;
    const neighbour = ['k0099', 'k0101'].find((k) => Math.floor(store.locate(k)!.offset / READAHEAD_BYTES) === Math.floor(record.offset / READAHEAD_BYTES))!;
    expect(store.getSync(neighbour)).toEqual(value);
    expect(log.filter((r) => r.length >= READAHEAD_BYTES)).toHaveLength(0);
    expect(log).toHaveLength(1);
    // Every value still reads back right, records straddling block edges included.
    for (let i = 0; i < 400; i++) expect(store.getSync(`k${String(i).padStart(4, '0')}`)).toEqual(value);
    await store.close();
  });
});

describe('the block cache', () => {
  async function makeStore(dir: string, keys = 400): Promise<Buffer> {
    const writer = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 128 * 1024 });
    const value = Buffer.alloc(1000, 7);
    for (let i = 0; i < keys; i++) await writer.put(`k${String(i).padStart(4, '0')}`, value);
    await writer.close();
    return value;
  }

  it('serves repeated reads of sealed segments without a system call, within its budget', async () => {
    const dir = tempDir();
    const value = await makeStore(dir);
    const log: Array<{ length: number; position: number }> = [];
    const store = await Store.open(dir, { readOnly: true, fs: countingFs(log), cacheBytes: 2 * READAHEAD_BYTES });
    log.length = 0;
    expect(store.getSync('k0100')).toEqual(value);
    expect(log).toHaveLength(1);
    expect(log[0]!.length).toBeLessThanOrEqual(READAHEAD_BYTES);
    log.length = 0;
    for (let i = 0; i < 3; i++) expect(store.getSync('k0100')).toEqual(value);
    expect(log).toHaveLength(0);
    // Reading everything keeps at most the budget.
    for (let i = 0; i < 400; i++) expect(store.getSync(`k${String(i).padStart(4, '0')}`)).toEqual(value);
    expect((store as unknown as { cache: { cachedBytes: number } }).cache.cachedBytes).toBeLessThanOrEqual(2 * READAHEAD_BYTES);
    await store.close();
  });

  it("caches the whole blocks below a writer's end, never the block still being filled", async () => {
    const dir = tempDir();
    const log: Array<{ length: number; position: number }> = [];
    const store = await Store.open(dir, { create: true, fs: countingFs(log), fsync: 'never' });
    const value = (i: number) => Buffer.alloc(1000, i % 251);
    const key = (i: number) => `k${String(i).padStart(4, '0')}`;
    // About 150 KiB in the active segment: blocks 0 and 1 whole, block 2 partly written.
    for (let i = 0; i < 150; i++) await store.put(key(i), value(i));
    const blockOf = (k: string) => Math.floor(store.locate(k)!.offset / BLOCK_BYTES);
    const lastOf = (k: string) => Math.floor((store.locate(k)!.offset + store.locate(k)!.length - 1) / BLOCK_BYTES);
    const inWhole = key(10);
    const inTail = key(149);
    expect(blockOf(inWhole)).toBe(0);
    expect(blockOf(inTail)).toBe(2);
    log.length = 0;
    expect(store.getSync(inWhole)).toEqual(value(10));
    // The first miss reads the unchanging bytes around it, whole blocks only (an extent cut at the end of block 1).
    expect(log).toEqual([{ length: 2 * BLOCK_BYTES, position: 0 }]);
    log.length = 0;
    for (let i = 0; i < 3; i++) expect(store.getSync(inWhole)).toEqual(value(10));
    expect(log).toHaveLength(0);
    // The tail block is read from the file each time.
    const tail = store.locate(inTail)!;
    for (let i = 0; i < 2; i++) expect(store.getSync(inTail)).toEqual(value(149));
    expect(log.filter((r) => r.position === tail.offset && r.length === tail.length)).toHaveLength(2);
    // Once appends fill block 2, it is cached like the others, and holds what was appended after the first reads.
    for (let i = 150; i < 250; i++) await store.put(key(i), value(i));
    const filledLater = Array.from({ length: 250 }, (_, i) => key(i)).filter((k) => blockOf(k) === 2 && lastOf(k) === 2);
    expect(filledLater).toContain(inTail);
    expect(filledLater.some((k) => Number(k.slice(1)) >= 150)).toBe(true);
    for (const k of filledLater) expect(store.getSync(k)).toEqual(value(Number(k.slice(1))));
    log.length = 0;
    for (const k of filledLater) expect(store.getSync(k)).toEqual(value(Number(k.slice(1))));
    expect(log).toHaveLength(0);
    // Every value reads back right, records straddling block edges and the one over the end of the whole blocks included.
    for (let i = 0; i < 250; i++) expect(store.getSync(key(i))).toEqual(value(i));
    // An overwrite is a new record at the end: the cached block still holds the old one, the read the new one.
    await store.put(inWhole, 'new value');
    expect(store.getSync(inWhole)!.toString()).toBe('new value');
    await store.close();
  });

  it("agrees with a Map while a writer's active segment grows over many blocks (reads between appends, evictions, a reopen)", async () => {
    for (const cacheBytes of [undefined, 4 * BLOCK_BYTES]) {
      const dir = tempDir();
      let store = await Store.open(dir, { create: true, fsync: 'never', ...(cacheBytes ? { cacheBytes } : {}) });
      const model = new Map<string, Buffer>();
      let seed = 12345;
      const next = (n: number) => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return seed % n;
      };
      const keys = Array.from({ length: 400 }, (_, i) => `key-${i}`);
      const check = (k: string) => expect(store.getSync(k), k).toEqual(model.get(k));
      for (let step = 0; step < 3000; step++) {
        const k = keys[next(keys.length)]!;
        if (next(10) === 0) {
          await store.delete(k);
          model.delete(k);
        } else {
          const value = Buffer.alloc(1 + next(3000), step % 251);
          if (value.length >= 4) value.writeUInt32LE(step, 0);
          await store.put(k, value);
          model.set(k, value);
        }
        check(k);
        check(keys[next(keys.length)]!);
        if (step === 1500) {
          await store.close();
          store = await Store.open(dir, { fsync: 'never', ...(cacheBytes ? { cacheBytes } : {}) });
        }
      }
      // All of it in one segment, many blocks long: the reads above went through the active segment's cache.
      expect(store.stats().perSegment).toHaveLength(1);
      expect(store.stats().totalBytes).toBeGreaterThan(40 * BLOCK_BYTES);
      for (const k of keys) check(k);
      await store.close();
    }
  });

  it('forgets segments compaction deletes', async () => {
    const dir = tempDir();
    await makeStore(dir);
    const store = await Store.open(dir, { fsync: 'never', segmentSize: 128 * 1024 });
    // Overwrite half, cache the old blocks, compact: reads come from the new files, right.
    for (let i = 0; i < 400; i += 2) await store.put(`k${String(i).padStart(4, '0')}`, `new ${i}`);
    for (let i = 1; i < 400; i += 2) store.getSync(`k${String(i).padStart(4, '0')}`);
    await store.compact();
    for (let i = 0; i < 400; i++) {
      const got = store.getSync(`k${String(i).padStart(4, '0')}`)!;
      if (i % 2 === 0) expect(got.toString()).toBe(`new ${i}`);
      else expect(got).toEqual(Buffer.alloc(1000, 7));
    }
    await store.close();
  });

  it('reads 1 MiB extents on a miss while it has room to spare, single blocks once it is nearly full', async () => {
    const dir = tempDir();
    const writer = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 3 * 1024 * 1024 + 5000 });
    const value = Buffer.alloc(1000, 9);
    const keys = Array.from({ length: 4000 }, (_, i) => `k${String(i).padStart(4, '0')}`);
    for (const k of keys) await writer.put(k, value);
    await writer.close();
    const MiB = 1024 * 1024;

    // Room for every block: each extent of the sealed segment (3 MiB and a bit, the last extent partial) is read once.
    let log: Array<{ length: number; position: number }> = [];
    let store = await Store.open(dir, { readOnly: true, fs: countingFs(log), cacheBytes: 64 * MiB });
    const sealed = store.locate(keys[0]!)!.file;
    log.length = 0;
    for (const k of keys) expect(store.getSync(k)).toEqual(value);
    // Read-only, both segments are sealed: four extents of the first (the last one short), one of the second.
    const { statSync } = await import('node:fs');
    const size1 = statSync(`${dir}/000001.data`).size;
    const size2 = statSync(`${dir}/000002.data`).size;
    expect(size1).toBeGreaterThan(3 * MiB);
    expect(log).toEqual([
      { length: MiB, position: 0 },
      { length: MiB, position: MiB },
      { length: MiB, position: 2 * MiB },
      { length: size1 - 3 * MiB, position: 3 * MiB },
      { length: size2, position: 0 },
    ]);
    log.length = 0;
    for (const k of keys.filter((k) => store.locate(k)!.file === sealed)) expect(store.getSync(k)).toEqual(value);
    expect(log).toHaveLength(0);
    await store.close();

    // 20 blocks: the first miss reads an extent (16 blocks), later misses one 64 KiB block each.
    log = [];
    store = await Store.open(dir, { readOnly: true, fs: countingFs(log), cacheBytes: 20 * READAHEAD_BYTES });
    const inSecondMiB = keys.find((k) => store.locate(k)!.offset > MiB + 1000)!;
    log.length = 0;
    expect(store.getSync(keys[0]!)).toEqual(value);
    expect(log).toEqual([{ length: MiB, position: 0 }]);
    log.length = 0;
    expect(store.getSync(inSecondMiB)).toEqual(value);
    expect(log).toHaveLength(1);
    expect(log[0]!.length).toBe(READAHEAD_BYTES);
    for (const k of keys) expect(store.getSync(k)).toEqual(value);
    expect((store as unknown as { cache: { cachedBytes: number } }).cache.cachedBytes).toBeLessThanOrEqual(20 * READAHEAD_BYTES);
    await store.close();
  });

  it('still checks every cached record: damage on disk is an error naming file and offset', async () => {
    const dir = tempDir();
    await makeStore(dir);
    const probe = await Store.open(dir, { readOnly: true });
    const loc = probe.locate('k0050')!;
    await probe.close();
    const { openSync, writeSync, closeSync } = await import('node:fs');
    const fd = openSync(`${dir}/${loc.file}`, 'r+');
    writeSync(fd, Buffer.from([0xee]), 0, 1, loc.offset + loc.length - 3);
    closeSync(fd);
    const store = await Store.open(dir, { readOnly: true });
    expect(() => store.getSync('k0050')).toThrow(new RegExp(`${loc.file}.*${loc.offset}|${loc.offset}.*${loc.file}`));
    expect(() => store.getSync('k0050')).toThrow(/checksum/);
    expect(store.getSync('k0051')).toEqual(Buffer.alloc(1000, 7));
    await store.close();
  });

  it('checks a record again whenever its block comes from the file again: damage done while it was cached is found once the block is read back', async () => {
    const dir = tempDir();
    await makeStore(dir);
    const probe = await Store.open(dir, { readOnly: true });
    const loc = probe.locate('k0050')!;
    const elsewhere = probe.locate('k0250')!;
    await probe.close();
    expect(Math.floor(elsewhere.offset / BLOCK_BYTES)).not.toBe(Math.floor(loc.offset / BLOCK_BYTES));
    // One slot: every block read goes through it.
    const store = await Store.open(dir, { readOnly: true, cacheBytes: BLOCK_BYTES });
    expect(store.getSync('k0050')).toEqual(Buffer.alloc(1000, 7));
    expect(store.getSync('k0050')).toEqual(Buffer.alloc(1000, 7));
    const { openSync, writeSync, closeSync } = await import('node:fs');
    const fd = openSync(`${dir}/${loc.file}`, 'r+');
    writeSync(fd, Buffer.from([0xee]), 0, 1, loc.offset + loc.length - 3);
    closeSync(fd);
    // Another block takes the slot; k0050's block is then read again, damaged: its check is not the earlier one's.
    expect(store.getSync('k0250')).toEqual(Buffer.alloc(1000, 7));
    expect(() => store.getSync('k0050')).toThrow(/checksum/);
    expect(() => store.getSync('k0050')).toThrow(/checksum/);
    await store.close();
  });
});

