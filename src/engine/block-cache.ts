/**
 * Recently read 64 KiB blocks of segment files that no longer change, up to a
 * byte budget. A point read served from here costs no system call (lmdb's
 * reads come from its mmap; ours from here).
 *
 * Which block goes when the budget is full is decided by a CLOCK (second
 * chance): a hit sets its slot's bit, and the hand clears bits until it finds
 * a slot whose bit is clear. A hit is then two typed-array reads and a write;
 * an exact least-recently-used order (a Map delete and set per hit) cost
 * ~0.15 µs of a ~2 µs point read.
 *
 * Each slot also keeps a bit per record start (isChecked, markChecked): the
 * store checks a record's CRC the first time it serves it from the block the
 * slot holds, not at every hit. The bits are cleared whenever the slot takes
 * a block in, so bytes read from the file again are checked again.
 *
 * Only immutable bytes may be cached: the store caches sealed segments and
 * the whole blocks below the active segment's end (its last block, still
 * being filled, is read with pread), and forgets a segment's blocks when
 * compaction deletes the file. Segment ids are never reused within a
 * store's life, so a block can never be served for another file.
 *
 * Blocks live in 4 MiB slabs (SharedArrayBuffers) allocated as the cache
 * fills and reused on eviction: one 64 KiB allocation per miss made the
 * garbage collector run often enough to cost more than the cache saved on a
 * cold store. Shared, so that a worker thread can fill reserved runs of
 * slots (cache-fill.ts) while reads go on.
 */
import { grown } from './arrays.js';

export const BLOCK_BYTES = 64 * 1024;
/** Blocks per segment (segments are < 4 GiB: offsets are u32). */
const BLOCKS_PER_SEGMENT = 0x1_0000;
/** segmentOf values of slots holding no block: free, or reserved for a run being filled. */
const NO_SEGMENT = -1;
export const BLOCKS_PER_SLAB = 64;
const RESERVED = -2;
/**
 * Bytes of a slot's "checked" bits: one bit per 8 bytes of its block, for
 * the record that starts there (records are longer than 8 bytes, so no two
 * start in the same 8).
 */
const CHECKED_BYTES_PER_SLOT = BLOCK_BYTES / 8 / 8;

/** Asked on a miss, before a slot is taken: may put the block (and its neighbours) in the cache; true if it did. */
export type MissHandler = (segment: number, index: number) => boolean;

export class BlockCache {
  /** Segment id → per block index, the slot holding it plus one (0: not cached). */
  private readonly slotsOf = new Map<number, Int32Array>();
  private readonly slabs: SharedArrayBuffer[] = [];
  private readonly views: Buffer[] = [];
  /** Per slot: bytes of its block, the segment and block it holds (NO_SEGMENT, RESERVED: none), and its CLOCK bit. */
  private lengths = new Uint32Array(0);
  private segmentOf = new Int32Array(0);
  private indexOf = new Int32Array(0);
  private referenced = new Uint8Array(0);
  /** Per slot, CHECKED_BYTES_PER_SLOT bytes of bits: the records in the block as it is held now whose checksum held (markChecked). */
  private checked = new Uint8Array(0);
  private hand = 0;
  /** Slots holding no block (after dropSegment, a released run, a failed read). */
  private free: number[] = [];
  private readonly capacity: number;
  /** Bytes of the block the last block() or cached() call returned, and the slot holding it. */
  lastLength = 0;
  lastSlot = -1;
  onMiss: MissHandler | undefined;

  constructor(readonly budget: number) {
    this.capacity = Math.floor(Math.max(0, budget) / BLOCK_BYTES);
  }

  get enabled(): boolean {
    return this.capacity > 0;
  }

  get cachedBytes(): number {
    let n = 0;
    for (let slot = 0; slot < this.views.length; slot++) if (this.segmentOf[slot]! >= 0) n += this.lengths[slot]!;
    return n;
  }

  /**
   * Block `index` of `segment`, as a 64 KiB view whose first `lastLength`
   * bytes are the block: from the cache, or put there by onMiss, or filled by
   * `read` (which returns how many bytes it read) and kept. Valid until the
   * next call.
   */
  block(segment: number, index: number, read: (into: Buffer) => number): Buffer {
    let hit = this.slotAt(segment, index);
    if (hit < 0 && this.onMiss !== undefined && this.onMiss(segment, index)) hit = this.slotAt(segment, index);
    if (hit >= 0) {
      this.referenced[hit] = 1;
      this.lastLength = this.lengths[hit]!;
      this.lastSlot = hit;
      return this.views[hit]!;
    }
    const slot = this.freeSlot();
    const view = this.views[slot]!;
    let length: number;
    try {
      length = read(view);
    } catch (err) {
      this.free.push(slot);
      throw err;
    }
    this.lengths[slot] = length;
    this.hold(slot, segment, index);
    this.lastLength = length;
    this.lastSlot = slot;
    return view;
  }

  /** Block `index` of `segment` when the cache holds it (as block() would return it), else undefined: a hit without a read function. */
  cached(segment: number, index: number): Buffer | undefined {
    const hit = this.slotAt(segment, index);
    if (hit < 0) return undefined;
    this.referenced[hit] = 1;
    this.lastLength = this.lengths[hit]!;
    this.lastSlot = hit;
    return this.views[hit]!;
  }

  /**
   * Whether the record at byte `at` of the block in `slot` was marked checked
   * since the slot took that block in: its bytes are the ones checked then.
   */
  isChecked(slot: number, at: number): boolean {
    return ((this.checked[slot * CHECKED_BYTES_PER_SLOT + (at >>> 6)]! >>> ((at >>> 3) & 7)) & 1) === 1;
  }

  /** The record at byte `at` of the block in `slot` passed its checksum (until the slot holds another block). */
  markChecked(slot: number, at: number): void {
    this.checked[slot * CHECKED_BYTES_PER_SLOT + (at >>> 6)]! |= 1 << ((at >>> 3) & 7);
  }

  private slotAt(segment: number, index: number): number {
    const slots = this.slotsOf.get(segment);
    return slots !== undefined && index < slots.length ? slots[index]! - 1 : -1;
  }

  has(segment: number, index: number): boolean {
    return this.slotAt(segment, index) >= 0;
  }

  /** Slots never used yet: what reserveRun can still hand out. */
  get freshBlocks(): number {
    return this.capacity - this.views.length;
  }

  /**
   * `count` (at most BLOCKS_PER_SLAB) contiguous slots never used before, in
   * one slab, reserved (no read takes or evicts them) until adoptRun or
   * releaseRun; the first one's number, or -1 when there is no such room.
   * The rest of a slab too short for the run goes to the free list.
   */
  reserveRun(count: number): number {
    if (count < 1 || count > BLOCKS_PER_SLAB) return -1;
    const inSlab = this.views.length % BLOCKS_PER_SLAB;
    const leftInSlab = inSlab === 0 ? 0 : Math.min(BLOCKS_PER_SLAB - inSlab, this.freshBlocks);
    if (leftInSlab < count) {
      if (this.freshBlocks - leftInSlab < count) return -1;
      for (let i = 0; i < leftInSlab; i++) this.free.push(this.newSlots(1));
    }
    const first = this.newSlots(count);
    this.segmentOf.fill(RESERVED, first, first + count);
    return first;
  }

  /** The bytes of a run of slots (in one slab), one after another. */
  runBytes(first: number, count: number): Buffer {
    const { memory, offset } = this.whereIs(first);
    return Buffer.from(memory, offset, count * BLOCK_BYTES);
  }

  /** The slab holding a slot, and where in it the slot's block starts: for a thread filling runs. */
  whereIs(slot: number): { memory: SharedArrayBuffer; slab: number; offset: number } {
    const slab = Math.floor(slot / BLOCKS_PER_SLAB);
    return { memory: this.slabs[slab]!, slab, offset: (slot % BLOCKS_PER_SLAB) * BLOCK_BYTES };
  }

  /** The slabs so far (a worker is given them once; runs reserved later may be in new ones). */
  get sharedSlabs(): readonly SharedArrayBuffer[] {
    return this.slabs;
  }

  /**
   * A reserved run holds `bytes` bytes of `segment` from block `index` on: its
   * blocks are cached (those already cached elsewhere, and slots past the
   * bytes, go back to the free list).
   */
  adoptRun(segment: number, index: number, first: number, count: number, bytes: number): void {
    for (let i = 0; i < count; i++) {
      const slot = first + i;
      const length = Math.max(0, Math.min(BLOCK_BYTES, bytes - i * BLOCK_BYTES));
      if (length === 0 || this.has(segment, index + i)) {
        this.segmentOf[slot] = NO_SEGMENT;
        this.free.push(slot);
        continue;
      }
      this.lengths[slot] = length;
      this.hold(slot, segment, index + i);
    }
  }

  /** Give a reserved run's slots back unused. */
  releaseRun(first: number, count: number): void {
    for (let slot = first; slot < first + count; slot++) {
      this.segmentOf[slot] = NO_SEGMENT;
      this.free.push(slot);
    }
  }

  private hold(slot: number, segment: number, index: number): void {
    let slots = this.slotsOf.get(segment);
    if (slots === undefined || index >= slots.length) {
      const grown = new Int32Array(Math.min(BLOCKS_PER_SEGMENT, Math.max(64, 2 ** Math.ceil(Math.log2(index + 1)))));
      if (slots !== undefined) grown.set(slots);
      this.slotsOf.set(segment, (slots = grown));
    }
    slots[index] = slot + 1;
    this.segmentOf[slot] = segment;
    this.indexOf[slot] = index;
    // New bytes in the slot: none of its records has been checked.
    this.checked.fill(0, slot * CHECKED_BYTES_PER_SLOT, (slot + 1) * CHECKED_BYTES_PER_SLOT);
    // A block's bit is set by its second use: one read alone does not protect it from the hand.
    this.referenced[slot] = 0;
  }

  /** Forget the block a slot holds, and put the slot on the free list. */
  private release(slot: number): void {
    const slots = this.slotsOf.get(this.segmentOf[slot]!);
    if (slots !== undefined) slots[this.indexOf[slot]!] = 0;
    this.segmentOf[slot] = NO_SEGMENT;
    this.referenced[slot] = 0;
    this.free.push(slot);
  }

  /** Views for `count` slots never used before (not crossing a slab's end); the first one's number. */
  private newSlots(count: number): number {
    const first = this.views.length;
    for (let slot = first; slot < first + count; slot++) {
      if (slot % BLOCKS_PER_SLAB === 0) this.slabs.push(new SharedArrayBuffer(Math.min(BLOCKS_PER_SLAB, this.capacity - slot) * BLOCK_BYTES));
      const { memory, offset } = this.whereIs(slot);
      this.views.push(Buffer.from(memory, offset, BLOCK_BYTES));
    }
    this.grow(this.views.length);
    return first;
  }

  /** A slot holding no block: a freed one, a new one while under budget, or the CLOCK's victim. */
  private freeSlot(): number {
    const reuse = this.free.pop();
    if (reuse !== undefined) return reuse;
    if (this.views.length < this.capacity) return this.newSlots(1);
    // Pass over recently used blocks, clearing their bit, up to one that was not; reserved runs are not the hand's.
    for (let passed = 0; passed <= 2 * this.views.length; passed++) {
      const slot = this.hand;
      this.hand = slot + 1 === this.views.length ? 0 : slot + 1;
      if (this.segmentOf[slot] === RESERVED) continue;
      if (this.referenced[slot] === 1) {
        this.referenced[slot] = 0;
        continue;
      }
      this.release(slot);
      return this.free.pop()!;
    }
    throw new Error('block cache: every slot is reserved');
  }

  private grow(slots: number): void {
    if (slots <= this.lengths.length) return;
    const size = Math.max(slots, this.lengths.length * 2);
    const had = this.segmentOf.length;
    this.lengths = grown(this.lengths, size);
    this.segmentOf = grown(this.segmentOf, size).fill(NO_SEGMENT, had);
    this.indexOf = grown(this.indexOf, size);
    this.referenced = grown(this.referenced, size);
    this.checked = grown(this.checked, size * CHECKED_BYTES_PER_SLOT);
  }

  /** Forget every block of a segment (its file is gone). */
  dropSegment(segment: number): void {
    const slots = this.slotsOf.get(segment);
    if (slots === undefined) return;
    for (let index = 0; index < slots.length; index++) if (slots[index] !== 0) this.release(slots[index]! - 1);
    this.slotsOf.delete(segment);
  }

  /** Forget every block and give the memory back. */
  clear(): void {
    this.slotsOf.clear();
    this.slabs.length = 0;
    this.views.length = 0;
    this.free = [];
    this.hand = 0;
    this.lengths = new Uint32Array(0);
    this.segmentOf = new Int32Array(0);
    this.indexOf = new Int32Array(0);
    this.referenced = new Uint8Array(0);
    this.checked = new Uint8Array(0);
  }
}
