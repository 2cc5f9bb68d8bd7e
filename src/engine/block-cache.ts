/**
 * Recently read 64 KiB blocks of segment files that no longer change, up to a
 * byte budget, least recently used out first. A point read served from here
 * costs no system call (lmdb's reads come from its mmap; ours from here).
 *
 * Only immutable bytes may be cached: the store caches sealed segments (a
 * writer's active segment is read with pread), and forgets a segment's blocks
 * when compaction deletes the file. Segment ids are never reused within a
 * store's life, so a block can never be served for another file.
 *
 * Blocks live in 4 MiB slabs allocated as the cache fills and reused on
 * eviction: one 64 KiB allocation per miss made the garbage collector run
 * often enough to cost more than the cache saved on a cold store.
 */
export const BLOCK_BYTES = 64 * 1024;
/** Blocks per segment id in the key space (segments are < 4 GiB: offsets are u32). */
const BLOCKS_PER_SEGMENT = 0x1_0000;
const BLOCKS_PER_SLAB = 64;

export class BlockCache {
  /** Block key → slot, least recently used first (Map keeps insertion order). */
  private readonly slotOf = new Map<number, number>();
  private readonly views: Buffer[] = [];
  private lengths = new Uint32Array(0);
  /** Slots holding no block (after dropSegment or clear). */
  private free: number[] = [];
  private readonly capacity: number;
  /** Bytes of the block the last block() call returned. */
  lastLength = 0;

  constructor(readonly budget: number) {
    this.capacity = Math.floor(Math.max(0, budget) / BLOCK_BYTES);
  }

  get enabled(): boolean {
    return this.capacity > 0;
  }

  get cachedBytes(): number {
    let n = 0;
    for (const slot of this.slotOf.values()) n += this.lengths[slot]!;
    return n;
  }

  /**
   * Block `index` of `segment`, as a 64 KiB view whose first `lastLength`
   * bytes are the block: from the cache, or filled by `read` (which returns
   * how many bytes it read) and kept. Valid until the next call.
   */
  block(segment: number, index: number, read: (into: Buffer) => number): Buffer {
    const key = segment * BLOCKS_PER_SEGMENT + index;
    const hit = this.slotOf.get(key);
    if (hit !== undefined) {
      this.slotOf.delete(key);
      this.slotOf.set(key, hit);
      this.lastLength = this.lengths[hit]!;
      return this.views[hit]!;
    }
    const slot = this.freeSlot();
    const view = this.views[slot]!;
    const length = read(view);
    this.lengths[slot] = length;
    this.slotOf.set(key, slot);
    this.lastLength = length;
    return view;
  }

  /** Blocks that can still be added without evicting one (never-used capacity plus freed slots). */
  get spareBlocks(): number {
    return this.capacity - this.views.length + this.free.length;
  }

  has(segment: number, index: number): boolean {
    return this.slotOf.has(segment * BLOCKS_PER_SEGMENT + index);
  }

  /** Keep a copy of `bytes` (at most BLOCK_BYTES) as block `index` of `segment`, which must not be cached yet. */
  put(segment: number, index: number, bytes: Uint8Array): void {
    const slot = this.freeSlot();
    this.views[slot]!.set(bytes);
    this.lengths[slot] = bytes.length;
    this.slotOf.set(segment * BLOCKS_PER_SEGMENT + index, slot);
  }

  private freeSlot(): number {
    const reuse = this.free.pop();
    if (reuse !== undefined) return reuse;
    if (this.views.length < this.capacity) {
      const slab = Buffer.allocUnsafeSlow(Math.min(BLOCKS_PER_SLAB, this.capacity - this.views.length) * BLOCK_BYTES);
      const first = this.views.length;
      for (let at = 0; at < slab.length; at += BLOCK_BYTES) this.views.push(slab.subarray(at, at + BLOCK_BYTES));
      this.grow(this.views.length);
      // The slab's other slots are free, lowest first.
      for (let slot = this.views.length - 1; slot > first; slot--) this.free.push(slot);
      return first;
    }
    // Reuse the least recently used block's slot.
    const [key, slot] = this.slotOf.entries().next().value!;
    this.slotOf.delete(key);
    return slot;
  }

  private grow(slots: number): void {
    if (slots <= this.lengths.length) return;
    const lengths = new Uint32Array(Math.max(slots, this.lengths.length * 2));
    lengths.set(this.lengths);
    this.lengths = lengths;
  }

  /** Forget every block of a segment (its file is gone). */
  dropSegment(segment: number): void {
    for (const [key, slot] of this.slotOf) {
      if (Math.floor(key / BLOCKS_PER_SEGMENT) !== segment) continue;
      this.slotOf.delete(key);
      this.free.push(slot);
    }
  }

  /** Forget every block and give the memory back. */
  clear(): void {
    this.slotOf.clear();
    this.views.length = 0;
    this.free = [];
  }
}
