/**
 * `kvscope stats` from the keydir image's header and segment table
 * (statsThroughKeydirImage): the same figures an open gives, or none (the
 * caller opens the store) whenever an open would not take the image over.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { uncommittedCompaction } from '../../src/engine/compaction.js';
import { realFs } from '../../src/engine/fs.js';
import { statsThroughKeydirImage } from '../../src/engine/image-stats.js';
import { Store } from '../../src/engine/store.js';
import { cleanTempDirs, countingFs, hashDir, pathAwareFs, resealedImage, tempDir } from './helpers.js';

afterEach(cleanTempDirs);

/** Puts, overwrites, deletes and batches over small segments, a compaction part way; closed cleanly. */
async function closedStore(seed: number): Promise<string> {
  const dir = tempDir() + '/s';
  let state = seed;
  const rand = (n: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % n;
  };
  const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 700 });
  for (let i = 0; i < 200; i++) {
    const key = `key-${rand(50)}`;
    const roll = rand(10);
    if (roll < 2) await store.delete(key);
    else if (roll < 3) await store.batch([{ type: 'put', key, value: `b${i}` }, { type: 'delete', key: `key-${rand(50)}` }]);
    else await store.put(key, `value ${i} ${'x'.repeat(rand(40))}`);
    if (i === 120 && seed % 2 === 0) await store.compact();
  }
  expect(await store.flushBackground()).toEqual([]);
  await store.close();
  return dir;
}

async function statsOfOpen(dir: string): Promise<unknown> {
  const store = await Store.open(dir, { readOnly: true });
  try {
    return store.stats();
  } finally {
    await store.close();
  }
}

describe('statsThroughKeydirImage', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`gives exactly the figures an open gives (workload ${seed}), reading no record`, async () => {
      const dir = await closedStore(seed);
      const before = hashDir(dir);
      const { efs, bytesReadFrom } = countingFs();
      const stats = statsThroughKeydirImage(dir, efs);
      expect(stats).toBeDefined();
      expect(stats).toEqual(await statsOfOpen(dir));
      // The image's header and segment table, each data file's header.
      expect(bytesReadFrom((name) => name === 'KEYDIR')).toBeLessThan(1024);
      expect(bytesReadFrom((name) => name.endsWith('.data'))).toBe(24 * stats!.segments);
      expect(hashDir(dir)).toEqual(before);
    });
  }

  it('gives none when an open would not take the image over, or it is version 1', async () => {
    const dir = await closedStore(5);
    const image = path.join(dir, 'KEYDIR');
    const good = fs.readFileSync(image);
    const data = fs.readdirSync(dir).filter((n) => n.endsWith('.data')).sort();
    // A data file grown since the image was written.
    fs.appendFileSync(path.join(dir, data.at(-1)!), Buffer.alloc(3));
    expect(statsThroughKeydirImage(dir)).toBeUndefined();
    fs.truncateSync(path.join(dir, data.at(-1)!), fs.statSync(path.join(dir, data.at(-1)!)).size - 3);
    expect(statsThroughKeydirImage(dir)).toBeDefined();
    // A segment's figures changed without the header checksum made right.
    const figures = Buffer.from(good);
    figures[40 + 8 + 3]! ^= 1;
    fs.writeFileSync(image, figures);
    expect(statsThroughKeydirImage(dir)).toBeUndefined();
    // Version 1: no checksum of its own over the figures.
    const slotsAt = 40 + good.readUInt32LE(12) * 48;
    const arenaEnd = slotsAt + good.readUInt32LE(16) * 32 + good.readUInt32LE(20) * 4 + good.readUInt32LE(24) * 8 + good.readUInt32LE(28);
    const v1 = resealedImage(Buffer.concat([good.subarray(0, arenaEnd), Buffer.alloc(4)]), (b) => {
      b.writeUInt16LE(1, 4);
      b.writeUInt32LE(0, 36);
    });
    fs.writeFileSync(image, v1);
    expect(statsThroughKeydirImage(dir)).toBeUndefined();
    expect(((await statsOfOpen(dir)) as { keys: number }).keys).toBeGreaterThan(0);
    fs.writeFileSync(image, good);
    // A data file whose header is damaged (an open scans it and reports it).
    const first = path.join(dir, data[0]!);
    const bytes = fs.readFileSync(first);
    bytes[5]! ^= 1;
    fs.writeFileSync(first, bytes);
    expect(statsThroughKeydirImage(dir)).toBeUndefined();
    bytes[5]! ^= 1;
    fs.writeFileSync(first, bytes);
    expect(statsThroughKeydirImage(dir)).toEqual(await statsOfOpen(dir));
    // No image: a writer has opened the store.
    const writer = await Store.open(dir);
    expect(statsThroughKeydirImage(dir)).toBeUndefined();
    await writer.close();
  });
});

/**
 * A store closed cleanly (its keydir image written) beside the files of a
 * compaction that stopped before its commit: it failed once its outputs were
 * written, and they could not be deleted (EIO), as a crash would leave them.
 */
async function closedBesideUncommittedCompaction(): Promise<string> {
  const dir = await closedStore(7);
  const refusing = pathAwareFs(() => ({
    unlinkSync: (p) => {
      if (p.endsWith('.compacting')) throw Object.assign(new Error(`EIO: i/o error (injected), unlink '${p}'`), { code: 'EIO' });
      realFs.unlinkSync(p);
    },
  }));
  const store = await Store.open(dir, {
    fs: refusing,
    fsync: 'never',
    segmentSize: 700,
    compactionHooks: {
      afterStep(step) {
        if (step === 'outputs-written') throw new Error('simulated failure');
      },
    },
  });
  await store.put('after', 'the failed compaction');
  await expect(store.compact()).rejects.toThrow('simulated failure');
  expect(await store.flushBackground()).toEqual([]);
  await store.close();
  const names = fs.readdirSync(dir);
  expect(names).toContain('KEYDIR');
  expect(names.filter((n) => n.endsWith('.data.compacting')).length).toBeGreaterThan(0);
  return dir;
}

describe('statsThroughKeydirImage beside an uncommitted compaction (*.compacting)', () => {
  it('gives the figures an open gives, reading none of its files: nobody reads them, the next writer deletes them', async () => {
    const dir = await closedBesideUncommittedCompaction();
    const before = hashDir(dir);
    const { efs, bytesReadFrom } = countingFs();
    const stats = statsThroughKeydirImage(dir, efs);
    // Taken through the image, as without those files (it used to give none, and the caller opened the store).
    expect(stats).toBeDefined();
    expect(stats!.figuresFrom).toBe('index');
    expect(stats).toEqual(await statsOfOpen(dir));
    expect(bytesReadFrom((name) => name.endsWith('.compacting'))).toBe(0);
    expect(bytesReadFrom((name) => name === 'KEYDIR')).toBeLessThan(1024);
    expect(bytesReadFrom((name) => name.endsWith('.data'))).toBe(24 * stats!.segments);
    expect(hashDir(dir)).toEqual(before);
    // Still there to be reported, as after an open.
    expect(uncommittedCompaction(realFs, dir)?.files.some((f) => f.file.endsWith('.data.compacting'))).toBe(true);
    // They changed no figure: a writer deletes them, and the store's figures are as they were.
    const writer = await Store.open(dir);
    await writer.close();
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.compacting'))).toEqual([]);
    expect(statsThroughKeydirImage(dir)).toEqual(stats);
  });
});
