/**
 * The in-memory index: key → (segment, offset, length, sequence).
 *
 * An open-addressing hash table in typed arrays (linear probing, backward-
 * shift deletion) over "slots"; a slot holds one key's key string (latin1,
 * kept for sortedKeys and the inspector) and its location in typed-array
 * columns. Lookups hash the key *bytes*, so a read or a replayed record of a
 * key already known creates no string and no object; a string is made only
 * when a key is inserted. Measured at 1M 16-byte keys (docs/BENCHMARKS.md):
 * about 72 bytes per key, against 82 for the Map<string, slot> it replaced.
 *
 * During replay, tombstones are kept as entries (length 0) so that an older
 * put read later cannot resurrect a deleted key; endReplay() drops them.
 */

import { sortInSteps } from './stepwise-sort.js';

export interface Location {
  segment: number;
  offset: number;
  length: number;
  sequence: number;
}

const INITIAL_SLOTS = 1024;
const STRIDE = 6;
const HASH = 0;
const SEG = 1;
const OFF = 2;
const LEN = 3;
const SEQ_LO = 4;
const SEQ_HI = 5;
const TWO_32 = 0x1_0000_0000;
const EMPTY = -1;
/** Keys collected per step by sortedKeysInSteps. */
const COLLECT_STEP = 1 << 18;
/** Grow the table when it would be fuller than this. */
const MAX_LOAD = 0.75;

/** Per-process seed: keys chosen to collide on one machine do not collide on another. */
const SEED = (Math.random() * 0x1_0000_0000) >>> 0 || 0x9e3779b9;

function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of key bytes [start, end). Equal to hashString of the same key's latin1 string. */
export function hashBytes(b: Uint8Array, start: number, end: number): number {
  let h = SEED ^ (end - start);
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return finish(h);
}

export function hashString(s: string): number {
  const n = s.length;
  let h = SEED ^ n;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return finish(h);
}

function sameKey(s: string, b: Uint8Array, start: number, length: number): boolean {
  if (s.length !== length) return false;
  for (let i = 0; i < length; i++) if (s.charCodeAt(i) !== b[start + i]) return false;
  return true;
}

type Latin1Buffer = Buffer & { latin1Slice(start: number, end: number): string };

function keyStringOf(b: Uint8Array, start: number, end: number): string {
  const buf = b as Latin1Buffer;
  return typeof buf.latin1Slice === 'function' ? buf.latin1Slice(start, end) : Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('latin1');
}

export class Keydir {
  /**
   * Key string by slot; undefined for a free slot. Grown by push only: V8 keeps
   * an array made with new Array(n) for a large n in (slow, big) dictionary mode.
   */
  private keys: Array<string | undefined> = [];
  /**
   * Per slot, STRIDE u32 words side by side (one cache line serves a lookup):
   * key hash, segment, offset, record length (0 marks a replay tombstone),
   * sequence low and high 32 bits.
   */
  private meta = new Uint32Array(INITIAL_SLOTS * STRIDE);
  private capacity = INITIAL_SLOTS;
  /** Open-addressing table: slot numbers, EMPTY where free. */
  private table = new Int32Array(2 * INITIAL_SLOTS).fill(EMPTY);
  private mask = 2 * INITIAL_SLOTS - 1;
  /** Entries in the table (live keys plus replay tombstones). */
  private entryCount = 0;
  private tombstoneEntries = 0;
  private freeSlots: number[] = [];
  private nextSlot = 0;
  private sorted: string[] | undefined;

  /** After an applied put: the segment and length of the entry it replaced, or -1 when the key was new (or deleted). */
  replacedSegment = -1;
  replacedLength = 0;

  get size(): number {
    return this.entryCount - this.tombstoneEntries;
  }

  // ---------------------------------------------------------------- lookups

  /** Table index of the key given as bytes, or -1. */
  private indexOfBytes(b: Uint8Array, start: number, length: number, h: number): number {
    const table = this.table;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const slot = table[i]!;
      if (slot === EMPTY) return -1 - i;
      if (this.meta[slot * STRIDE + HASH] === h && sameKey(this.keys[slot]!, b, start, length)) return i;
    }
  }

  private indexOfString(key: string, h: number): number {
    const table = this.table;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const slot = table[i]!;
      if (slot === EMPTY) return -1 - i;
      if (this.meta[slot * STRIDE + HASH] === h && this.keys[slot] === key) return i;
    }
  }

  /** Slot of a live key given as bytes [start, start + length), or -1. Allocates nothing. */
  slotOfBytes(b: Uint8Array, start: number, length: number): number {
    const i = this.indexOfBytes(b, start, length, hashBytes(b, start, start + length));
    if (i < 0) return -1;
    const slot = this.table[i]!;
    return this.meta[slot * STRIDE + LEN] === 0 ? -1 : slot;
  }

  /** Slot of a live key given as a key string, or -1. */
  slotOf(key: string): number {
    const i = this.indexOfString(key, hashString(key));
    if (i < 0) return -1;
    const slot = this.table[i]!;
    return this.meta[slot * STRIDE + LEN] === 0 ? -1 : slot;
  }

  /** Whether a slot holds a live key (not free, not a replay tombstone). */
  isLiveSlot(slot: number): boolean {
    return this.keys[slot] !== undefined && this.meta[slot * STRIDE + LEN] !== 0;
  }

  private seqAt(slot: number): number {
    return this.meta[slot * STRIDE + SEQ_HI]! * TWO_32 + this.meta[slot * STRIDE + SEQ_LO]!;
  }

  private setSeq(slot: number, sequence: number): void {
    this.meta[slot * STRIDE + SEQ_LO] = sequence % TWO_32;
    this.meta[slot * STRIDE + SEQ_HI] = Math.floor(sequence / TWO_32);
  }

  segmentAt(slot: number): number {
    return this.meta[slot * STRIDE + SEG]!;
  }
  offsetAt(slot: number): number {
    return this.meta[slot * STRIDE + OFF]!;
  }
  lengthAt(slot: number): number {
    return this.meta[slot * STRIDE + LEN]!;
  }
  sequenceAt(slot: number): number {
    return this.seqAt(slot);
  }
  keyAt(slot: number): string {
    return this.keys[slot]!;
  }

  /** Re-point a slot at a copy of its record (compaction's commit). */
  moveSlot(slot: number, segment: number, offset: number, length: number): void {
    this.meta[slot * STRIDE + SEG] = segment;
    this.meta[slot * STRIDE + OFF] = offset;
    this.meta[slot * STRIDE + LEN] = length;
  }

  get(key: string): Location | undefined {
    const slot = this.slotOf(key);
    if (slot < 0) return undefined;
    return { segment: this.meta[slot * STRIDE + SEG]!, offset: this.meta[slot * STRIDE + OFF]!, length: this.meta[slot * STRIDE + LEN]!, sequence: this.seqAt(slot) };
  }

  has(key: string): boolean {
    return this.slotOf(key) >= 0;
  }

  sequenceOf(key: string): number | undefined {
    const slot = this.slotOf(key);
    return slot < 0 ? undefined : this.seqAt(slot);
  }

  // ---------------------------------------------------------------- updates

  private insertAt(emptyIndex: number, key: string, h: number): number {
    const slot = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.allocateSlot();
    if (slot === this.keys.length) this.keys.push(key);
    else this.keys[slot] = key;
    this.meta[slot * STRIDE + HASH] = h;
    this.table[emptyIndex] = slot;
    this.entryCount++;
    this.keysChanged();
    if (this.entryCount > this.table.length * MAX_LOAD) this.rehash(this.table.length * 2);
    return slot;
  }

  /** Remove the entry at table index i (backward-shift deletion) and free its slot. */
  private removeAt(i: number): number {
    const table = this.table;
    const mask = this.mask;
    const slot = table[i]!;
    let hole = i;
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const s = table[j]!;
      if (s === EMPTY) break;
      const home = this.meta[(s) * STRIDE + HASH]! & mask;
      // s may move into the hole unless its home lies cyclically in (hole, j].
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!stays) {
        table[hole] = s;
        hole = j;
      }
    }
    table[hole] = EMPTY;
    this.keys[slot] = undefined;
    this.freeSlots.push(slot);
    this.entryCount--;
    this.keysChanged();
    return slot;
  }

  private setSlot(slot: number, segment: number, offset: number, length: number, sequence: number): void {
    this.meta[slot * STRIDE + SEG] = segment;
    this.meta[slot * STRIDE + OFF] = offset;
    this.meta[slot * STRIDE + LEN] = length;
    this.setSeq(slot, sequence);
  }

  /**
   * Point key at a location unless it already points at a record with an
   * equal or higher sequence number; false when nothing changed.
   */
  setIfNewer(key: string, segment: number, offset: number, length: number, sequence: number): boolean {
    const h = hashString(key);
    const i = this.indexOfString(key, h);
    return this.applyPut(i, key, undefined, 0, h, segment, offset, length, sequence);
  }

  /** setIfNewer with the key as bytes [start, start + length): a string is made only for a new key. */
  setIfNewerBytes(b: Uint8Array, start: number, keyLength: number, segment: number, offset: number, length: number, sequence: number): boolean {
    const h = hashBytes(b, start, start + keyLength);
    const i = this.indexOfBytes(b, start, keyLength, h);
    return this.applyPut(i, undefined, b, start, h, segment, offset, length, sequence, keyLength);
  }

  private applyPut(i: number, key: string | undefined, b: Uint8Array | undefined, start: number, h: number, segment: number, offset: number, length: number, sequence: number, keyLength = 0): boolean {
    if (i < 0) {
      const slot = this.insertAt(-1 - i, key ?? keyStringOf(b!, start, start + keyLength), h);
      this.setSlot(slot, segment, offset, length, sequence);
      this.replacedSegment = -1;
      return true;
    }
    const slot = this.table[i]!;
    const current = this.seqAt(slot);
    if (this.meta[slot * STRIDE + LEN] === 0) {
      // A replayed tombstone: a put at least as new brings the key back.
      if (current > sequence) return false;
      this.tombstoneEntries--;
      this.keysChanged();
      this.replacedSegment = -1;
    } else {
      if (current >= sequence) return false;
      this.replacedSegment = this.meta[slot * STRIDE + SEG]!;
      this.replacedLength = this.meta[slot * STRIDE + LEN]!;
    }
    this.setSlot(slot, segment, offset, length, sequence);
    return true;
  }

  /**
   * A tombstone with this sequence number: remove the key unless it points
   * at a newer record. With `keep` (replay), the tombstone stays as an entry
   * until endReplay() so an older put cannot bring the key back. Returns the
   * removed live entry's segment (and sets replacedLength), or -1.
   */
  deleteIfNotNewer(b: Uint8Array | undefined, key: string | undefined, start: number, keyLength: number, segment: number, sequence: number, keep: boolean): number {
    const h = b ? hashBytes(b, start, start + keyLength) : hashString(key!);
    const i = b ? this.indexOfBytes(b, start, keyLength, h) : this.indexOfString(key!, h);
    if (i < 0) {
      if (keep) {
        const slot = this.insertAt(-1 - i, key ?? keyStringOf(b!, start, start + keyLength), h);
        this.setSlot(slot, segment, 0, 0, sequence);
        this.tombstoneEntries++;
      }
      return -1;
    }
    const slot = this.table[i]!;
    if (this.meta[slot * STRIDE + LEN] === 0) {
      if (sequence > this.seqAt(slot)) this.setSeq(slot, sequence);
      return -1;
    }
    if (this.seqAt(slot) > sequence) return -1;
    const removedSegment = this.meta[slot * STRIDE + SEG]!;
    this.replacedLength = this.meta[slot * STRIDE + LEN]!;
    if (keep) {
      this.setSlot(slot, segment, 0, 0, sequence);
      this.tombstoneEntries++;
      this.keysChanged();
    } else {
      this.removeAt(i);
    }
    return removedSegment;
  }

  /** End of replay: drop the tombstone entries and give back spare capacity. */
  endReplay(): void {
    if (this.tombstoneEntries > 0) {
      for (let slot = 0; slot < this.nextSlot; slot++) {
        const key = this.keys[slot];
        if (key === undefined || this.meta[slot * STRIDE + LEN] !== 0) continue;
        this.removeAt(this.indexOfString(key, this.meta[slot * STRIDE + HASH]!));
      }
      this.tombstoneEntries = 0;
    }
    this.trim();
  }

  /** Point key at a location; returns the location it replaced, if any. */
  set(key: string, loc: Location): Location | undefined {
    const h = hashString(key);
    const i = this.indexOfString(key, h);
    let previous: Location | undefined;
    let slot: number;
    if (i < 0) {
      slot = this.insertAt(-1 - i, key, h);
    } else {
      slot = this.table[i]!;
      if (this.meta[slot * STRIDE + LEN] === 0) {
        this.tombstoneEntries--;
        this.keysChanged();
      } else {
        previous = { segment: this.meta[slot * STRIDE + SEG]!, offset: this.meta[slot * STRIDE + OFF]!, length: this.meta[slot * STRIDE + LEN]!, sequence: this.seqAt(slot) };
      }
    }
    this.setSlot(slot, loc.segment, loc.offset, loc.length, loc.sequence);
    return previous;
  }

  delete(key: string): Location | undefined {
    const i = this.indexOfString(key, hashString(key));
    if (i < 0) return undefined;
    const slot = this.table[i]!;
    const wasLive = this.meta[slot * STRIDE + LEN] !== 0;
    const previous = { segment: this.meta[slot * STRIDE + SEG]!, offset: this.meta[slot * STRIDE + OFF]!, length: this.meta[slot * STRIDE + LEN]!, sequence: this.seqAt(slot) };
    if (!wasLive) this.tombstoneEntries--;
    this.removeAt(i);
    return wasLive ? previous : undefined;
  }

  /** Every live key with its location, in no particular order. */
  *entries(): IterableIterator<[string, Location]> {
    for (let slot = 0; slot < this.nextSlot; slot++) {
      const key = this.keys[slot];
      if (key === undefined || this.meta[slot * STRIDE + LEN] === 0) continue;
      yield [key, { segment: this.meta[slot * STRIDE + SEG]!, offset: this.meta[slot * STRIDE + OFF]!, length: this.meta[slot * STRIDE + LEN]!, sequence: this.seqAt(slot) }];
    }
  }

  /** Calls fn for every live slot, in slot order (no allocation). */
  forEachSlot(fn: (slot: number, segment: number, offset: number, length: number) => void): void {
    for (let slot = 0; slot < this.nextSlot; slot++) {
      if (this.keys[slot] === undefined || this.meta[slot * STRIDE + LEN] === 0) continue;
      fn(slot, this.meta[slot * STRIDE + SEG]!, this.meta[slot * STRIDE + OFF]!, this.meta[slot * STRIDE + LEN]!);
    }
  }

  /** Bumped whenever a key is added or removed (the sorted list is then stale). */
  private keySetVersion = 0;

  private keysChanged(): void {
    this.sorted = undefined;
    this.keySetVersion++;
  }

  /**
   * The sorted keys, sorted in steps (awaiting `pause` between them) when
   * they are not cached; the result is cached unless keys changed meanwhile.
   */
  async sortedKeysInSteps(pause: () => Promise<void>): Promise<readonly string[]> {
    if (this.sorted) return this.sorted;
    const version = this.keySetVersion;
    const keys: string[] = [];
    for (const key of this.unorderedKeys()) if (keys.push(key) % COLLECT_STEP === 0) await pause();
    if (version !== this.keySetVersion) return this.sortedKeys();
    const sorted = await sortInSteps(keys, pause);
    if (version !== this.keySetVersion) return this.sortedKeys();
    this.sorted ??= sorted;
    return this.sorted;
  }

  /** Every live key in no particular order, without sorting (the sorted list when it is cached). */
  *unorderedKeys(): IterableIterator<string> {
    if (this.sorted) return yield* this.sorted;
    for (let slot = 0; slot < this.nextSlot; slot++) {
      const key = this.keys[slot];
      if (key !== undefined && this.meta[slot * STRIDE + LEN] !== 0) yield key;
    }
  }

  /** All keys sorted bytewise; cached until a key is added or removed. */
  sortedKeys(): readonly string[] {
    if (!this.sorted) {
      const out = new Array<string>(this.size);
      let n = 0;
      for (let slot = 0; slot < this.nextSlot; slot++) {
        const key = this.keys[slot];
        if (key !== undefined && this.meta[slot * STRIDE + LEN] !== 0) out[n++] = key;
      }
      out.length = n;
      out.sort();
      this.sorted = out;
    }
    return this.sorted;
  }

  // ---------------------------------------------------------------- capacity

  private allocateSlot(): number {
    if (this.nextSlot === this.capacity) this.resizeColumns(Math.max(INITIAL_SLOTS, this.capacity * 2));
    return this.nextSlot++;
  }

  private resizeColumns(capacity: number): void {
    const n = this.nextSlot;
    const meta = new Uint32Array(capacity * STRIDE);
    meta.set(this.meta.subarray(0, n * STRIDE));
    this.meta = meta;
    this.capacity = capacity;
  }

  private rehash(capacity: number): void {
    const table = new Int32Array(capacity).fill(EMPTY);
    const mask = capacity - 1;
    for (let slot = 0; slot < this.nextSlot; slot++) {
      if (this.keys[slot] === undefined) continue;
      let i = this.meta[slot * STRIDE + HASH]! & mask;
      while (table[i] !== EMPTY) i = (i + 1) & mask;
      table[i] = slot;
    }
    this.table = table;
    this.mask = mask;
  }

  /** Give back the columns' unused capacity (after a bulk of inserts such as opening). */
  trim(): void {
    // Free slots at the end can go; free slots in the middle stay on the free list.
    while (this.nextSlot > 0 && this.keys[this.nextSlot - 1] === undefined) this.nextSlot--;
    if (this.freeSlots.length > 0) this.freeSlots = this.freeSlots.filter((s) => s < this.nextSlot);
    if (this.keys.length > this.nextSlot) this.keys.length = this.nextSlot;
    const capacity = Math.max(INITIAL_SLOTS, this.nextSlot);
    if (capacity < this.capacity) this.resizeColumns(capacity);
  }
}
