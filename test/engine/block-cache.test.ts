import { describe, expect, it } from 'vitest';
import { BLOCK_BYTES, BLOCKS_PER_SLAB, BlockCache } from '../../src/engine/block-cache.js';

/** A fake file: block i of segment s is filled with the byte (s * 16 + i) & 0xff; counts reads. */
function reader(segment: number, index: number, reads: string[]) {
  return (into: Buffer): number => {
    reads.push(`${segment}:${index}`);
    into.fill((segment * 16 + index) & 0xff, 0, 100);
    return 100;
  };
}

describe('BlockCache', () => {
  it('keeps at most its budget of blocks, evicting one not used again since the clock hand passed, and reuses their memory', () => {
    const cache = new BlockCache(8 * BLOCK_BYTES);
    const reads: string[] = [];
    const get = (s: number, i: number) => cache.block(s, i, reader(s, i, reads))[0];
    for (let i = 0; i < 8; i++) expect(get(1, i)).toBe((16 + i) & 0xff);
    expect(reads).toHaveLength(8);
    // Block 0 is used again (its bit is set), so the hand passes it and takes block 1.
    expect(get(1, 0)).toBe(16);
    expect(reads).toHaveLength(8);
    get(2, 0);
    get(1, 0);
    expect(reads).toHaveLength(9);
    get(1, 1);
    expect(reads).toHaveLength(10);
    expect(reads.at(-1)).toBe('1:1');
    // Never more memory than the budget: 8 slots, whatever was read.
    for (let i = 0; i < 100; i++) get(3, i);
    expect((cache as unknown as { views: Buffer[] }).views.length).toBe(8);
    expect(cache.cachedBytes).toBe(8 * 100);
  });

  it('cached() answers a hit as block() does, without reading, and counts as a use for the clock', () => {
    const cache = new BlockCache(2 * BLOCK_BYTES);
    const reads: string[] = [];
    expect(cache.cached(1, 0)).toBeUndefined();
    const view = cache.block(1, 0, reader(1, 0, reads));
    cache.block(1, 1, reader(1, 1, reads));
    cache.lastLength = 0;
    expect(cache.cached(1, 0)).toBe(view);
    expect(cache.lastLength).toBe(100);
    expect(reads).toEqual(['1:0', '1:1']);
    // Block 0 was used again through cached(): the next miss passes it and takes block 1's slot.
    cache.block(2, 0, reader(2, 0, reads));
    expect(cache.cached(1, 1)).toBeUndefined();
    expect(cache.cached(1, 0)?.[0]).toBe(16);
    expect(reads).toEqual(['1:0', '1:1', '2:0']);
  });

  it('forgets a deleted segment and serves its slots to others', () => {
    const cache = new BlockCache(4 * BLOCK_BYTES);
    const reads: string[] = [];
    for (let i = 0; i < 4; i++) cache.block(5, i, reader(5, i, reads));
    cache.dropSegment(5);
    expect(cache.cachedBytes).toBe(0);
    for (let i = 0; i < 4; i++) expect(cache.block(6, i, reader(6, i, reads))[0]).toBe((96 + i) & 0xff);
    // A dropped segment's block is read again if asked for.
    cache.block(5, 0, reader(5, 0, reads));
    expect(reads.filter((r) => r === '5:0')).toHaveLength(2);
    expect((cache as unknown as { views: Buffer[] }).views.length).toBe(4);
  });

  it('gives a block used again a second chance over blocks read once', () => {
    const cache = new BlockCache(4 * BLOCK_BYTES);
    const reads: string[] = [];
    for (let i = 0; i < 4; i++) cache.block(1, i, reader(1, i, reads));
    cache.block(1, 0, reader(1, 0, reads));
    cache.block(1, 2, reader(1, 2, reads));
    cache.block(2, 0, reader(2, 0, reads));
    cache.block(2, 1, reader(2, 1, reads));
    expect([0, 1, 2, 3].map((i) => cache.has(1, i))).toEqual([true, false, true, false]);
    expect(cache.has(2, 0) && cache.has(2, 1)).toBe(true);
    // Passing them cleared their bits: next, blocks 0 and 2 go (in the hand's order) unless used again.
    cache.block(1, 2, reader(1, 2, reads));
    cache.block(3, 0, reader(3, 0, reads));
    expect(cache.has(1, 0)).toBe(false);
    expect(cache.has(1, 2)).toBe(true);
  });

  it('keeps nothing of a read that failed', () => {
    const cache = new BlockCache(2 * BLOCK_BYTES);
    expect(() =>
      cache.block(1, 0, () => {
        throw new Error('EIO');
      }),
    ).toThrow('EIO');
    expect(cache.has(1, 0)).toBe(false);
    const reads: string[] = [];
    expect(cache.block(1, 0, reader(1, 0, reads))[0]).toBe(16);
    expect(cache.block(1, 1, reader(1, 1, reads))[0]).toBe(17);
    // Both fit: the failed read's slot was given back, nothing was evicted.
    expect(cache.block(1, 0, reader(1, 0, reads))[0]).toBe(16);
    expect(reads).toEqual(['1:0', '1:1']);
  });

  it('reserves runs inside one slab, and adopts them as blocks (those cached already and past the bytes freed)', () => {
    const cache = new BlockCache(2 * BLOCKS_PER_SLAB * BLOCK_BYTES);
    const reads: string[] = [];
    cache.block(1, 40, reader(1, 40, reads));
    // Slab 0 has 63 never-used slots left, too few for a whole slab's run: it starts slab 1, the 63 become free.
    const run = cache.reserveRun(BLOCKS_PER_SLAB);
    expect(run).toBe(BLOCKS_PER_SLAB);
    expect(cache.freshBlocks).toBe(0);
    expect(cache.reserveRun(1)).toBe(-1);
    const bytes = cache.runBytes(run, BLOCKS_PER_SLAB);
    expect(bytes.length).toBe(BLOCKS_PER_SLAB * BLOCK_BYTES);
    for (let i = 0; i < BLOCKS_PER_SLAB; i++) bytes.fill(i, i * BLOCK_BYTES, (i + 1) * BLOCK_BYTES);
    // Blocks 0..63 of segment 1; only 41.5 blocks' worth of bytes were read; block 40 is cached already.
    cache.adoptRun(1, 0, run, BLOCKS_PER_SLAB, 41 * BLOCK_BYTES + 100);
    expect(cache.block(1, 3, reader(1, 3, reads))[0]).toBe(3);
    expect(cache.block(1, 41, reader(1, 41, reads))[0]).toBe(41);
    expect(cache.lastLength).toBe(100);
    expect(cache.has(1, 42)).toBe(false);
    expect(cache.block(1, 40, reader(1, 40, reads))[0]).toBe((16 + 40) & 0xff);
    expect(reads).toEqual(['1:40']);
    expect(cache.cachedBytes).toBe(40 * BLOCK_BYTES + 100 + 100);
    // The run's slot for block 40 and those past the bytes are free: 63 + 1 + 22 more blocks fit without evicting.
    for (let i = 0; i < 86; i++) cache.block(2, i, reader(2, i, reads));
    for (let i = 0; i <= 41; i++) expect(cache.has(1, i)).toBe(true);
    expect(cache.cachedBytes).toBe(40 * BLOCK_BYTES + 200 + 86 * 100);
  });

  it("marks a slot's records checked only while the slot holds that block", () => {
    const cache = new BlockCache(2 * BLOCK_BYTES);
    const reads: string[] = [];
    cache.block(1, 0, reader(1, 0, reads));
    const slot = cache.lastSlot;
    cache.block(1, 1, reader(1, 1, reads));
    const other = cache.lastSlot;
    expect(other).not.toBe(slot);
    cache.markChecked(slot, 40);
    cache.markChecked(slot, BLOCK_BYTES - 24);
    expect(cache.isChecked(slot, 40)).toBe(true);
    expect(cache.isChecked(slot, BLOCK_BYTES - 24)).toBe(true);
    // Only the record starting there: not its neighbours' starts, not the same place in another slot.
    expect([32, 48, 104, BLOCK_BYTES - 32].map((at) => cache.isChecked(slot, at))).toEqual([false, false, false, false]);
    expect(cache.isChecked(other, 40)).toBe(false);
    cache.cached(1, 0);
    expect(cache.lastSlot).toBe(slot);
    // The slot takes another block (block 1's bit is clear, so the hand takes it first, then block 0's).
    cache.block(2, 0, reader(2, 0, reads));
    cache.block(2, 1, reader(2, 1, reads));
    expect(cache.cached(1, 0)).toBeUndefined();
    expect([cache.isChecked(slot, 40), cache.isChecked(slot, BLOCK_BYTES - 24)]).toEqual([false, false]);
    // A run a worker filled starts unchecked too, whatever its slots held before.
    const fresh = new BlockCache(BLOCKS_PER_SLAB * BLOCK_BYTES);
    const run = fresh.reserveRun(2);
    fresh.markChecked(run, 8);
    fresh.adoptRun(3, 0, run, 2, 2 * BLOCK_BYTES);
    expect(fresh.isChecked(run, 8)).toBe(false);
  });

  it('is off below one block', () => {
    expect(new BlockCache(0).enabled).toBe(false);
    expect(new BlockCache(BLOCK_BYTES - 1).enabled).toBe(false);
    expect(new BlockCache(BLOCK_BYTES).enabled).toBe(true);
  });
});
