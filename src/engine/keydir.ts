/**
 * The in-memory index: key → (segment, offset, length, sequence).
 *
 * Three flat structures, no object and no string per key:
 * - an open-addressing hash table (linear probing, backward-shift deletion)
 *   of (key hash, slot) pairs side by side, so a probe compares hashes
 *   without leaving the table;
 * - per slot, STRIDE u32 words in one typed array: hash, segment, offset,
 *   record length (0 marks a replay tombstone), sequence (two words), and
 *   where the slot's key bytes are in the arena;
 * - the key arena: every key's bytes, one after another, in one Buffer.
 * Lookups hash and compare key *bytes*, so a read, a write or a replayed
 * record allocates nothing; a key string (latin1, see keys.ts) is made only
 * when one is asked for (keyAt, the sorted list the inspector and scans use).
 * Measured at 1M 16-byte keys: 64 bytes per key, the key's 16 included
 * (75 for the string-per-key table before), and open makes no string for the
 * garbage collector to trace.
 *
 * A removed key's arena bytes become garbage; the arena is compacted (live
 * keys copied down, slot order kept) when garbage outweighs the live bytes.
 *
 * During replay, tombstones are kept as entries (length 0) so that an older
 * put read later cannot resurrect a deleted key; endReplay() drops them.
 */

import { copyBytes, grown, permutedSteps, radixOrderSteps, Uint32List } from './arrays.js';
import { hashBytes, hashString, KEY_ORDER_SEED } from './native/key-hash.js';
import { HINT_ENTRY, RECORD_PUT } from './native/layout.js';
import { prefixSuccessor, SlotKeyList, type KeyList } from './key-list.js';
import { byteOrder, byteOrderInSteps, compareBytes, SmallestN } from './key-sort.js';
import { runSteps, runStepsPausing } from './yielder.js';

/** Keydir.slotsByLocation: entry i is slot slots[i], of the segment ranked rank[i], at offsets[i]. */
export interface SlotsByLocation {
  n: number;
  rankOf: Map<number, number>;
  rank: Uint32Array;
  offsets: Uint32Array;
  lengths: Uint32Array;
  slots: Uint32Array;
  /** Entries by (rank, offset). */
  order: Uint32Array;
  /** The entries of the segment ranked r are order[first[r], first[r + 1]). */
  first: Uint32Array;
}

/** What Keydir.replayHintEntries placed itself: puts, their records' bytes, and their lowest and highest sequence numbers. */
export interface PlacedEntries {
  count: number;
  bytes: number;
  /** Infinity and -1 when count is 0. */
  oldest: number;
  newest: number;
}

export interface Location {
  segment: number;
  offset: number;
  length: number;
  sequence: number;
}

/** u32 words per slot in KeydirState.slots. */
export const SLOT_WORDS = 8;
/** Key length word of a free slot. */
export const FREE_SLOT_MARK = 0xffff_ffff;

/** The words of a slot, in order (docs/FORMAT.md, "Keydir image"). */
export const SLOT_WORD = {
  hash: 0,
  segment: 1,
  offset: 2,
  /** The record's length; 0 for a key a replay saw deleted (not live). */
  length: 3,
  sequenceLow: 4,
  sequenceHigh: 5,
  /** Offset of the slot's key bytes in the arena. */
  keyAt: 6,
  /** Length of the slot's key bytes; FREE_SLOT_MARK for a slot on the free list. */
  keyLength: 7,
} as const;

const INITIAL_SLOTS = 1024;
const INITIAL_ARENA_BYTES = 64 * 1024;
const STRIDE = SLOT_WORDS;
const HASH = SLOT_WORD.hash;
const SEG = SLOT_WORD.segment;
const OFF = SLOT_WORD.offset;
const LEN = SLOT_WORD.length;
const SEQ_LO = SLOT_WORD.sequenceLow;
const SEQ_HI = SLOT_WORD.sequenceHigh;
const KEY_AT = SLOT_WORD.keyAt;
const KEY_LEN = SLOT_WORD.keyLength;
const FREE_SLOT = FREE_SLOT_MARK;
const TWO_32 = 0x1_0000_0000;
/** Slots visited per step of work done in steps (sorting for a server that must keep answering): a few milliseconds. */
const STEP_SLOTS = 1 << 19;
/** Slots per step of a pass that looks every slot's key up (slotsNotFoundByKeySteps). */
const LOOKUP_STEP_SLOTS = 1 << 16;
/** Grow the table when it would be fuller than this. */
const MAX_LOAD = 0.75;
/** trim() copies the columns or the arena to shrink them only when more than 1/TRIM_SLACK of them is unused. */
const TRIM_SLACK = 8;
/** Keys at most this long are compared byte by byte (no call into C++). */
const SHORT_KEY = 64;
/** The arena is one Buffer, so its key bytes are limited to a Buffer's largest size. */
const MAX_ARENA_BYTES = 2 ** 32 - 1;

/**
 * A probe this long while inserting means the keys cluster under the fixed
 * seed (chosen to, or very unlucky): the keydir then moves to a random seed
 * of its own, so keys made to collide on every machine do not collide here.
 */
const MAX_PROBE = 1024;

type Latin1Buffer = Buffer & { latin1Slice(start: number, end: number): string; latin1Write(s: string, offset: number, length: number): number };

/**
 * A keydir's whole state in its own layout, for a keydir image
 * (keydir-image.ts): what a writer's keydir holds at a clean close, and what
 * a reader adopts instead of inserting every key again.
 */
export interface KeydirState {
  /** The key hash's seed. */
  seed: number;
  /** SLOT_WORDS u32 words per slot (see Keydir.meta), for every slot up to the highest used one. */
  slots: Uint32Array<ArrayBuffer>;
  /** Free slots among them (their key length word is FREE_SLOT_MARK). */
  freeSlots: Uint32Array<ArrayBuffer>;
  /** The hash table: (hash, slot + 1) pairs, a power of two of them. */
  table: Uint32Array<ArrayBuffer>;
  /** The key bytes the slots point into. */
  arena: Uint8Array<ArrayBuffer>;
  /** Bytes of the arena no slot points at any more. */
  arenaGarbage: number;
}

export class Keydir {
  /**
   * Per slot, STRIDE u32 words side by side (one cache line serves a lookup):
   * key hash, segment, offset, record length (0 marks a replay tombstone),
   * sequence low and high 32 bits, key offset in the arena, key length.
   */
  private meta = new Uint32Array(INITIAL_SLOTS * STRIDE);
  private capacity = INITIAL_SLOTS;
  /** Open-addressing table of (hash, slot + 1) pairs; slot + 1 = 0 where free. */
  private table = new Uint32Array(2 * 2 * INITIAL_SLOTS);
  /** Entries the table has room for (a power of two) and that minus one. */
  private tableSize = 2 * INITIAL_SLOTS;
  private mask = 2 * INITIAL_SLOTS - 1;
  /**
   * An entry's home index is the top bits of its hash (h >>> shift), so that
   * entries in hash order have ascending home indexes whatever the table's
   * size: a hint file's entries fill the table front to back.
   */
  private shift = 32 - Math.log2(2 * INITIAL_SLOTS);
  /** The key hash's seed: KEY_ORDER_SEED until a long probe (see MAX_PROBE). */
  private seed = KEY_ORDER_SEED;
  /** Key bytes of every slot, back to back. */
  private arena = Buffer.allocUnsafeSlow(INITIAL_ARENA_BYTES) as Latin1Buffer;
  private arenaUsed = 0;
  /** Arena bytes of removed keys, reclaimed by compactArena. */
  private arenaGarbage = 0;
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

  /** Mean key length of the keys held (0 when empty). */
  get averageKeyBytes(): number {
    const keys = this.entryCount;
    return keys === 0 ? 0 : (this.arenaUsed - this.arenaGarbage) / keys;
  }

  // ---------------------------------------------------------------- lookups

  private sameKeyBytes(slot: number, b: Uint8Array, start: number, length: number): boolean {
    const meta = this.meta;
    if (meta[slot * STRIDE + KEY_LEN] !== length) return false;
    const arena = this.arena;
    const at = meta[slot * STRIDE + KEY_AT]!;
    if (length > SHORT_KEY) return arena.compare(b, start, start + length, at, at + length) === 0;
    for (let i = 0; i < length; i++) if (arena[at + i] !== b[start + i]) return false;
    return true;
  }

  private sameKeyString(slot: number, key: string): boolean {
    const meta = this.meta;
    const length = key.length;
    if (meta[slot * STRIDE + KEY_LEN] !== length) return false;
    const arena = this.arena;
    const at = meta[slot * STRIDE + KEY_AT]!;
    for (let i = 0; i < length; i++) if (arena[at + i] !== key.charCodeAt(i)) return false;
    return true;
  }

  /** Table index of the key given as bytes, or -1 - (the free index where it would go). */
  private indexOfBytes(b: Uint8Array, start: number, length: number, h: number): number {
    const table = this.table;
    const mask = this.mask;
    for (let i = h >>> this.shift; ; i = (i + 1) & mask) {
      const slot1 = table[2 * i + 1]!;
      if (slot1 === 0) return -1 - i;
      if (table[2 * i] === h && this.sameKeyBytes(slot1 - 1, b, start, length)) return i;
    }
  }

  private indexOfString(key: string, h: number): number {
    const table = this.table;
    const mask = this.mask;
    for (let i = h >>> this.shift; ; i = (i + 1) & mask) {
      const slot1 = table[2 * i + 1]!;
      if (slot1 === 0) return -1 - i;
      if (table[2 * i] === h && this.sameKeyString(slot1 - 1, key)) return i;
    }
  }

  private slotAtIndex(i: number): number {
    return this.table[2 * i + 1]! - 1;
  }

  /** Slot of a live key given as bytes [start, start + length), or -1. Allocates nothing. */
  slotOfBytes(b: Uint8Array, start: number, length: number): number {
    const i = this.indexOfBytes(b, start, length, hashBytes(b, start, start + length, this.seed));
    if (i < 0) return -1;
    const slot = this.slotAtIndex(i);
    return this.meta[slot * STRIDE + LEN] === 0 ? -1 : slot;
  }

  /**
   * The first live slot whose key has the same hash as bytes [start, start +
   * length), without comparing keys; -1 when no key has that hash, so the key
   * is certainly absent. A point read uses it to skip the key's bytes in the
   * arena (a cache miss at random, ~15% of a warm read): the record it reads
   * holds the key, and on any mismatch (two keys sharing a 32-bit hash, or a
   * damaged record) it asks slotOfBytes, which compares the keys.
   */
  slotWithHashOf(b: Uint8Array, start: number, length: number): number {
    const h = hashBytes(b, start, start + length, this.seed);
    const table = this.table;
    const mask = this.mask;
    for (let i = h >>> this.shift; ; i = (i + 1) & mask) {
      const slot1 = table[2 * i + 1]!;
      if (slot1 === 0) return -1;
      if (table[2 * i] === h && this.meta[(slot1 - 1) * STRIDE + LEN] !== 0) return slot1 - 1;
    }
  }

  /** Slot of a live key given as a key string, or -1. */
  slotOf(key: string): number {
    const i = this.indexOfString(key, hashString(key, this.seed));
    if (i < 0) return -1;
    const slot = this.slotAtIndex(i);
    return this.meta[slot * STRIDE + LEN] === 0 ? -1 : slot;
  }

  /** Whether a slot holds a live key (not free, not a replay tombstone). */
  isLiveSlot(slot: number): boolean {
    return slot < this.nextSlot && this.meta[slot * STRIDE + KEY_LEN] !== FREE_SLOT && this.meta[slot * STRIDE + LEN] !== 0;
  }

  private seqAt(slot: number): number {
    return this.meta[slot * STRIDE + SEQ_HI]! * TWO_32 + this.meta[slot * STRIDE + SEQ_LO]!;
  }

  private setSeq(slot: number, sequence: number): void {
    // >>> 0 is the low 32 bits of any integer below 2^53; a floating-point % would cost a call.
    this.meta[slot * STRIDE + SEQ_LO] = sequence >>> 0;
    this.meta[slot * STRIDE + SEQ_HI] = sequence < TWO_32 ? 0 : Math.floor(sequence / TWO_32);
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
  /** The slot's key as a key string (made now: the keydir keeps bytes). */
  keyAt(slot: number): string {
    const at = this.meta[slot * STRIDE + KEY_AT]!;
    return this.arena.latin1Slice(at, at + this.meta[slot * STRIDE + KEY_LEN]!);
  }

  /** Re-point a slot at a copy of its record (compaction's commit). */
  moveSlot(slot: number, segment: number, offset: number, length: number): void {
    this.sizeChanges++;
    this.meta[slot * STRIDE + SEG] = segment;
    this.meta[slot * STRIDE + OFF] = offset;
    this.meta[slot * STRIDE + LEN] = length;
  }

  /** Where a slot's record is, as an object. */
  locationAt(slot: number): Location {
    return { segment: this.meta[slot * STRIDE + SEG]!, offset: this.meta[slot * STRIDE + OFF]!, length: this.meta[slot * STRIDE + LEN]!, sequence: this.seqAt(slot) };
  }

  get(key: string): Location | undefined {
    const slot = this.slotOf(key);
    return slot < 0 ? undefined : this.locationAt(slot);
  }

  has(key: string): boolean {
    return this.slotOf(key) >= 0;
  }

  sequenceOf(key: string): number | undefined {
    const slot = this.slotOf(key);
    return slot < 0 ? undefined : this.seqAt(slot);
  }

  // ---------------------------------------------------------------- updates

  /** A slot for a new key, its key bytes copied into the arena (from b[start, start + length), or from key). */
  private insertAt(emptyIndex: number, h: number, b: Uint8Array | undefined, key: string | undefined, start: number, length: number): number {
    const slot = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.allocateSlot();
    const at = this.reserveArena(length);
    const arena = this.arena;
    if (b === undefined) arena.latin1Write(key!, at, length);
    else copyBytes(b, start, arena, at, length);
    const meta = this.meta;
    meta[slot * STRIDE + HASH] = h;
    meta[slot * STRIDE + KEY_AT] = at;
    meta[slot * STRIDE + KEY_LEN] = length;
    this.table[2 * emptyIndex] = h;
    this.table[2 * emptyIndex + 1] = slot + 1;
    this.entryCount++;
    this.keysChanged();
    if (this.entryCount > this.tableSize * MAX_LOAD) this.rehash(this.tableSize * 2);
    else if (((emptyIndex - (h >>> this.shift)) & this.mask) > MAX_PROBE && this.seed === KEY_ORDER_SEED) this.reseed();
    return slot;
  }

  /** Remove the entry at table index i (backward-shift deletion) and free its slot. */
  private removeAt(i: number): number {
    const table = this.table;
    const mask = this.mask;
    const slot = this.slotAtIndex(i);
    let hole = i;
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      if (table[2 * j + 1] === 0) break;
      const home = table[2 * j]! >>> this.shift;
      // The entry at j may move into the hole unless its home lies cyclically in (hole, j].
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!stays) {
        table[2 * hole] = table[2 * j]!;
        table[2 * hole + 1] = table[2 * j + 1]!;
        hole = j;
      }
    }
    table[2 * hole] = 0;
    table[2 * hole + 1] = 0;
    this.arenaGarbage += this.meta[slot * STRIDE + KEY_LEN]!;
    this.meta[slot * STRIDE + KEY_LEN] = FREE_SLOT;
    this.freeSlots.push(slot);
    this.entryCount--;
    this.keysChanged();
    if (this.arenaGarbage > 1024 * 1024 && this.arenaGarbage > this.arenaUsed - this.arenaGarbage) this.compactArena(0);
    return slot;
  }

  private setSlot(slot: number, segment: number, offset: number, length: number, sequence: number): void {
    this.sizeChanges++;
    this.meta[slot * STRIDE + SEG] = segment;
    this.meta[slot * STRIDE + OFF] = offset;
    this.meta[slot * STRIDE + LEN] = length;
    this.setSeq(slot, sequence);
  }

  /**
   * Point the key in bytes [start, start + keyLength) at a location unless it
   * already points at a record with an equal or higher sequence number; false
   * when nothing changed. Allocates nothing (beyond growing the keydir).
   */
  setIfNewerBytes(b: Uint8Array, start: number, keyLength: number, segment: number, offset: number, length: number, sequence: number): boolean {
    const h = hashBytes(b, start, start + keyLength, this.seed);
    const i = this.indexOfBytes(b, start, keyLength, h);
    return this.applyPut(i, h, b, start, keyLength, segment, offset, length, sequence);
  }

  private applyPut(i: number, h: number, b: Uint8Array, start: number, keyLength: number, segment: number, offset: number, length: number, sequence: number): boolean {
    if (i < 0) {
      const slot = this.insertAt(-1 - i, h, b, undefined, start, keyLength);
      this.setSlot(slot, segment, offset, length, sequence);
      this.replacedSegment = -1;
      return true;
    }
    const slot = this.slotAtIndex(i);
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
   * Replay up to `max` entries of one segment's hint from byte `at` of
   * `bytes` (a hint checked whole by checkHint; `fields` its fieldsOf view,
   * ending where its entries end at `end`); returns where it stopped.
   *
   * The usual entry, a put of a key the keydir does not hold yet, is placed
   * here, in one loop with the table, the columns and the arena in locals:
   * through setIfNewerBytes each such entry cost ~30% more than a bare
   * insert loop, the calls being too deep for V8 to inline. Any other entry
   * (a tombstone, a key held already or sharing its hash, an insert that
   * would need more room or a new seed) goes to `other` with its offset, to
   * be applied as any replayed record is, in the same order. The puts placed
   * here are summed in `placed`, for the store's segment figures.
   */
  replayHintEntries(bytes: Uint8Array, fields: DataView, at: number, end: number, max: number, segment: number, other: (at: number) => void, placed: PlacedEntries): number {
    placed.count = 0;
    placed.bytes = 0;
    placed.oldest = Infinity;
    placed.newest = -1;
    let table = this.table;
    let meta = this.meta;
    let arena = this.arena;
    let mask = this.mask;
    let shift = this.shift;
    let seed = this.seed;
    let entryRoom = Math.floor(this.tableSize * MAX_LOAD);
    for (let n = 0; n < max && at < end; n++) {
      const keyLength = fields.getUint32(at + HINT_ENTRY.keyLength, true);
      const keyStart = at + HINT_ENTRY.size;
      const next = keyStart + keyLength;
      const slot = this.nextSlot;
      const keyAt = this.arenaUsed;
      if (bytes[at + HINT_ENTRY.type] === RECORD_PUT && slot < this.capacity && this.freeSlots.length === 0 && keyAt + keyLength <= arena.length && this.entryCount < entryRoom) {
        const h = hashBytes(bytes, keyStart, next, seed);
        const home = h >>> shift;
        let i = home;
        let slot1 = table[2 * i + 1]!;
        while (slot1 !== 0 && table[2 * i] !== h) {
          i = (i + 1) & mask;
          slot1 = table[2 * i + 1]!;
        }
        if (slot1 === 0 && (((i - home) & mask) <= MAX_PROBE || seed !== KEY_ORDER_SEED)) {
          for (let k = 0; k < keyLength; k++) arena[keyAt + k] = bytes[keyStart + k]!;
          const m = slot * STRIDE;
          const length = fields.getUint32(at + HINT_ENTRY.recordLength, true);
          const low = fields.getUint32(at + HINT_ENTRY.sequence, true);
          const high = fields.getUint32(at + HINT_ENTRY.sequence + 4, true);
          meta[m + HASH] = h;
          meta[m + SEG] = segment;
          meta[m + OFF] = fields.getUint32(at + HINT_ENTRY.offset, true);
          meta[m + LEN] = length;
          meta[m + SEQ_LO] = low;
          meta[m + SEQ_HI] = high;
          meta[m + KEY_AT] = keyAt;
          meta[m + KEY_LEN] = keyLength;
          table[2 * i] = h;
          table[2 * i + 1] = slot + 1;
          this.nextSlot = slot + 1;
          this.arenaUsed = keyAt + keyLength;
          this.entryCount++;
          const sequence = high * TWO_32 + low;
          placed.count++;
          placed.bytes += length;
          if (sequence < placed.oldest) placed.oldest = sequence;
          if (sequence > placed.newest) placed.newest = sequence;
          at = next;
          continue;
        }
      }
      other(at);
      // Applying it may have replaced any of these (growth, a new seed). Kept as one loop with the
      // locals taken again here: an outer loop taking them instead made opens slower (medians 0.237 against
      // 0.208 s and 0.286 against 0.252 s, then even, in three sets of alternating pairs).
      table = this.table;
      meta = this.meta;
      arena = this.arena;
      mask = this.mask;
      shift = this.shift;
      seed = this.seed;
      entryRoom = Math.floor(this.tableSize * MAX_LOAD);
      at = next;
    }
    if (placed.count > 0) this.keysChanged();
    this.sizeChanges++;
    return at;
  }

  /**
   * A tombstone with this sequence number: remove the key unless it points
   * at a newer record. With `keep` (replay), the tombstone stays as an entry
   * until endReplay() so an older put cannot bring the key back. Returns the
   * removed live entry's segment (and sets replacedLength), or -1.
   */
  deleteIfNotNewer(b: Uint8Array | undefined, key: string | undefined, start: number, keyLength: number, segment: number, sequence: number, keep: boolean): number {
    const h = b ? hashBytes(b, start, start + keyLength, this.seed) : hashString(key!, this.seed);
    const i = b ? this.indexOfBytes(b, start, keyLength, h) : this.indexOfString(key!, h);
    if (i < 0) {
      if (keep) {
        const slot = this.insertAt(-1 - i, h, b, key, start, b ? keyLength : key!.length);
        this.setSlot(slot, segment, 0, 0, sequence);
        this.tombstoneEntries++;
      }
      return -1;
    }
    const slot = this.slotAtIndex(i);
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
      const meta = this.meta;
      for (let slot = 0; slot < this.nextSlot; slot++) {
        if (meta[slot * STRIDE + KEY_LEN] === FREE_SLOT || meta[slot * STRIDE + LEN] !== 0) continue;
        this.removeAt(this.indexOfSlot(slot));
      }
      this.tombstoneEntries = 0;
    }
    this.trim();
  }

  /** Table index of an occupied slot. */
  private indexOfSlot(slot: number): number {
    const table = this.table;
    const mask = this.mask;
    for (let i = this.meta[slot * STRIDE + HASH]! >>> this.shift; ; i = (i + 1) & mask) {
      if (table[2 * i + 1] === slot + 1) return i;
      if (table[2 * i + 1] === 0) throw new Error(`keydir: slot ${slot} is not in the table`);
    }
  }

  /** Point key at a location; returns the location it replaced, if any. */
  set(key: string, loc: Location): Location | undefined {
    const h = hashString(key, this.seed);
    const i = this.indexOfString(key, h);
    let previous: Location | undefined;
    let slot: number;
    if (i < 0) {
      slot = this.insertAt(-1 - i, h, undefined, key, 0, key.length);
    } else {
      slot = this.slotAtIndex(i);
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
    const i = this.indexOfString(key, hashString(key, this.seed));
    if (i < 0) return undefined;
    const slot = this.slotAtIndex(i);
    const wasLive = this.meta[slot * STRIDE + LEN] !== 0;
    const previous = { segment: this.meta[slot * STRIDE + SEG]!, offset: this.meta[slot * STRIDE + OFF]!, length: this.meta[slot * STRIDE + LEN]!, sequence: this.seqAt(slot) };
    if (!wasLive) this.tombstoneEntries--;
    this.removeAt(i);
    return wasLive ? previous : undefined;
  }

  /** Every live key with its location, in no particular order. */
  *entries(): IterableIterator<[string, Location]> {
    for (let slot = 0; slot < this.nextSlot; slot++) {
      if (!this.isLiveSlot(slot)) continue;
      yield [this.keyAt(slot), this.locationAt(slot)];
    }
  }

  /** Calls fn for every live slot, in slot order (no allocation). */
  forEachSlot(fn: (slot: number, segment: number, offset: number, length: number) => void): void {
    const meta = this.meta;
    for (let slot = 0; slot < this.nextSlot; slot++) {
      if (meta[slot * STRIDE + KEY_LEN] === FREE_SLOT || meta[slot * STRIDE + LEN] === 0) continue;
      fn(slot, meta[slot * STRIDE + SEG]!, meta[slot * STRIDE + OFF]!, meta[slot * STRIDE + LEN]!);
    }
  }

  /**
   * The live slots that a lookup of their own key does not find: the hash
   * they hold is not their key's, another slot holds the same key, or the
   * table does not point at them. A keydir built by inserts has none; an
   * adopted keydir image (verify asks) should have none. Yields every
   * LOOKUP_STEP_SLOTS slots (a lookup at random costs ~0.1 µs).
   */
  *slotsNotFoundByKeySteps(): Generator<void, number[]> {
    const lost: number[] = [];
    const meta = this.meta;
    const arena = this.arena;
    for (let from = 0; from < this.nextSlot; from += LOOKUP_STEP_SLOTS) {
      const to = Math.min(this.nextSlot, from + LOOKUP_STEP_SLOTS);
      for (let slot = from; slot < to; slot++) {
        const length = meta[slot * STRIDE + KEY_LEN]!;
        if (length === FREE_SLOT || meta[slot * STRIDE + LEN] === 0) continue;
        const at = meta[slot * STRIDE + KEY_AT]!;
        const i = this.indexOfBytes(arena, at, length, hashBytes(arena, at, at + length, this.seed));
        if (i < 0 || this.slotAtIndex(i) !== slot) lost.push(slot);
      }
      yield;
    }
    return lost;
  }

  /**
   * Every live slot of the segments `segmentIds` as columns (its segment's
   * rank in the list, record offset and length, slot) from one pass in slot
   * order, and `order`: those entries by (rank, offset), from a radix sort.
   * No object per key: a million live keys take tens of milliseconds. A walk
   * through a segment front to back finds each record's slot by stepping a
   * cursor through its range of `order`, where a probe by key per record
   * would touch the slots at random (slots follow the order keys were
   * inserted in: after an open from hints, their hash order).
   */
  slotsByLocation(segmentIds: readonly number[]): SlotsByLocation {
    return runSteps(this.slotsByLocationSteps(segmentIds));
  }

  /** slotsByLocation, yielding between its passes (the gathering, each digit of the sort): ~40 ms each at a million keys. */
  *slotsByLocationSteps(segmentIds: readonly number[]): Generator<void, SlotsByLocation> {
    const rankOf = new Map(segmentIds.map((id, i) => [id, i]));
    let n = 0;
    let rank = new Uint32Array(1024);
    let offsets = new Uint32Array(1024);
    let lengths = new Uint32Array(1024);
    let slots = new Uint32Array(1024);
    this.forEachSlot((slot, segment, offset, length) => {
      const r = rankOf.get(segment);
      if (r === undefined) return;
      if (n === rank.length) {
        rank = grown(rank, n * 2);
        offsets = grown(offsets, n * 2);
        lengths = grown(lengths, n * 2);
        slots = grown(slots, n * 2);
      }
      rank[n] = r;
      offsets[n] = offset;
      lengths[n] = length;
      slots[n] = slot;
      n++;
    });
    yield;
    const order = yield* radixOrderSteps(n, [
      [offsets, 0, 0xffff],
      [offsets, 16, 0xffff],
      [rank, 0, 0xffff_ffff],
    ]);
    const first = new Uint32Array(segmentIds.length + 1);
    for (let k = 0; k < n; k++) first[rank[order[k]!]! + 1]!++;
    for (let r = 0; r < segmentIds.length; r++) first[r + 1]! += first[r]!;
    return { n, rankOf, rank, offsets, lengths, slots, order, first };
  }

  /** Bumped whenever a key is added or removed: sorted lists made before are stale. */
  private version = 0;
  get keySetVersion(): number {
    return this.version;
  }
  private sortedList: SlotKeyList | undefined;
  /** Prefix queries answered by a pass over the slots since the key set last changed (see sortedSlotsWithPrefix). */
  private prefixPasses = 0;

  /** Bumped whenever a slot's record may have changed (a write, a compaction's move): record sizes read before are stale. */
  private sizeChanges = 0;
  get sizesVersion(): number {
    return this.sizeChanges;
  }

  private keysChanged(): void {
    this.sizeChanges++;
    this.prefixPasses = 0;
    this.sorted = undefined;
    this.sortedSlotList = undefined;
    this.sortedList = undefined;
    this.version++;
  }

  /** Live slots in key byte order, cached until a key is added or removed. */
  private sortedSlotList: Uint32Array | undefined;

  /**
   * Every live slot, in the byte order of its key (a radix sort over the
   * arena: no string per key). Cached until a key is added or removed; the
   * caller must not change it.
   */
  sortedSlots(): Uint32Array {
    if (!this.sortedSlotList) {
      const { slots, start, length } = runSteps(this.liveKeyColumns());
      this.sortedSlotList = runSteps(permutedSteps(slots, byteOrder(this.arena, start, length, slots.length)));
    }
    return this.sortedSlotList;
  }

  /**
   * The live slots whose key starts with `prefix`, in key order: a range of
   * sortedSlots() when that is cached, else one pass over the slots and a
   * sort of the matches only (a prefix query on ten million keys need not
   * sort them all). Not cached.
   */
  sortedSlotsWithPrefix(prefix: Uint8Array): Uint32Array {
    if (prefix.length === 0) return this.sortedSlots();
    // A second prefix query on the same keys: every key is sorted once, and this and later ones are binary searches.
    if (!this.sortedSlotList && this.prefixPasses++ > 0) this.sortedSlots();
    const sorted = this.sortedSlotList;
    if (sorted) {
      // Both ends by binary search: a walk to the end of the prefix's keys was a pass over all of them.
      const lo = this.lowerBoundIn(sorted, prefix);
      const after = prefixSuccessor(Buffer.from(prefix.buffer, prefix.byteOffset, prefix.byteLength));
      return sorted.subarray(lo, after === undefined ? sorted.length : this.lowerBoundIn(sorted, after));
    }
    const matches = new Uint32List();
    for (let slot = 0; slot < this.nextSlot; slot++) if (this.isLiveSlot(slot) && this.keyStartsWith(slot, prefix)) matches.push(slot);
    const slots = matches.done();
    const { start, length } = runSteps(this.keyColumnsOf(slots));
    return runSteps(permutedSteps(slots, byteOrder(this.arena, start, length, slots.length)));
  }

  /** In slots sorted by key, the index of the first whose key is not below `bytes` (slots.length when none). */
  lowerBoundIn(slots: Uint32Array, bytes: Uint8Array): number {
    let lo = 0;
    let hi = slots.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compareKeyAt(slots[mid]!, bytes, 0, bytes.length) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Where the keys of `slots` lie in the arena: the input of the byte-order sort. Yields between steps of STEP_SLOTS slots. */
  private *keyColumnsOf(slots: Uint32Array): Generator<void, { start: Uint32Array; length: Uint32Array }> {
    const meta = this.meta;
    const start = new Uint32Array(slots.length);
    const length = new Uint32Array(slots.length);
    for (let i = 0; i < slots.length; i++) {
      start[i] = meta[slots[i]! * STRIDE + KEY_AT]!;
      length[i] = meta[slots[i]! * STRIDE + KEY_LEN]!;
      if (i % STEP_SLOTS === STEP_SLOTS - 1) yield;
    }
    return { start, length };
  }

  /**
   * Every live slot, with where its key lies in the arena: the input of the
   * byte-order sort. Yields between steps of STEP_SLOTS slots.
   */
  private *liveKeyColumns(): Generator<void, { slots: Uint32Array; start: Uint32Array; length: Uint32Array }> {
    // The columns as they are now: a key added or removed between steps makes the caller discard the result.
    const meta = this.meta;
    const end = this.nextSlot;
    const slots = new Uint32Array(this.size);
    let n = 0;
    for (let slot = 0; slot < end && n < slots.length; slot++) {
      if (meta[slot * STRIDE + KEY_LEN] !== FREE_SLOT && meta[slot * STRIDE + LEN] !== 0) slots[n++] = slot;
      if (slot % STEP_SLOTS === STEP_SLOTS - 1) yield;
    }
    const live = n === slots.length ? slots : slots.subarray(0, n);
    return { slots: live, ...(yield* this.keyColumnsOf(live)) };
  }

  /** Compare a slot's key with key bytes b[start, end) in byte order (negative when the slot's key comes first). */
  compareKeyAt(slot: number, b: Uint8Array, start: number, end: number): number {
    const at = this.meta[slot * STRIDE + KEY_AT]!;
    return compareBytes(this.arena, at, at + this.meta[slot * STRIDE + KEY_LEN]!, b, start, end);
  }

  /** Whether a slot's key starts with the bytes of prefix. */
  keyStartsWith(slot: number, prefix: Uint8Array): boolean {
    const length = prefix.length;
    if (this.meta[slot * STRIDE + KEY_LEN]! < length) return false;
    const at = this.meta[slot * STRIDE + KEY_AT]!;
    for (let i = 0; i < length; i++) if (this.arena[at + i] !== prefix[i]) return false;
    return true;
  }

  keyLengthAt(slot: number): number {
    return this.meta[slot * STRIDE + KEY_LEN]!;
  }

  /** Copies a slot's key bytes into `into` at `at`; returns how many. */
  copyKeyTo(slot: number, into: Uint8Array, at: number): number {
    const length = this.meta[slot * STRIDE + KEY_LEN]!;
    copyBytes(this.arena, this.meta[slot * STRIDE + KEY_AT]!, into, at, length);
    return length;
  }

  /** The first byte of a slot's key (0 for an empty key): for loading it into the CPU's cache ahead of use. */
  firstKeyByte(slot: number): number {
    return this.arena[this.meta[slot * STRIDE + KEY_AT]!] ?? 0;
  }

  /** Key bytes of a slot, as a Buffer of their own. */
  keyCopyAt(slot: number): Buffer {
    const at = this.meta[slot * STRIDE + KEY_AT]!;
    const length = this.meta[slot * STRIDE + KEY_LEN]!;
    const key = Buffer.allocUnsafe(length);
    copyBytes(this.arena, at, key, 0, length);
    return key;
  }

  /** The live keys in byte order as a KeyList (no string per key); cached until a key is added or removed. */
  sortedKeyList(): KeyList {
    if (this.sortedList?.isCurrent()) return this.sortedList;
    return (this.sortedList = new SlotKeyList(this, this.sortedSlots(), this));
  }

  /**
   * sortedKeyList(), sorted in steps (awaiting `pause` between them) when it
   * is not cached; a key added or removed meanwhile makes the result sorted
   * again in one go.
   */
  async sortedKeyListInSteps(pause: () => Promise<void>): Promise<KeyList> {
    if (this.sortedList?.isCurrent()) return this.sortedList;
    if (!this.sortedSlotList) {
      const version = this.keySetVersion;
      // The sort reads this arena; an arena replaced meanwhile (growth, compaction) leaves the old one intact,
      // and a key added or removed meanwhile is caught by the version check.
      const arena = this.arena;
      const { slots: live, start, length } = await runStepsPausing(this.liveKeyColumns(), pause);
      await pause();
      const order = await byteOrderInSteps(arena, start, length, live.length, pause);
      const slots = await runStepsPausing(permutedSteps(live, order), pause);
      if (version === this.keySetVersion) this.sortedSlotList = slots;
    }
    return this.sortedKeyList();
  }

  /** Every live key in no particular order, without sorting (the sorted list when it is cached). */
  *unorderedKeys(): IterableIterator<string> {
    if (this.sorted) return yield* this.sorted;
    for (let slot = 0; slot < this.nextSlot; slot++) if (this.isLiveSlot(slot)) yield this.keyAt(slot);
  }

  /**
   * The `n` smallest live keys, sorted, and how many live keys there are:
   * one pass over the slots comparing key bytes in the arena, a string made
   * only for the keys returned (the first window of a big store, before or
   * without the full sort). The sorted list when it is cached.
   */
  smallestKeys(n: number): { keys: string[]; count: number } {
    if (this.sorted) return { keys: this.sorted.slice(0, Math.max(0, n)), count: this.sorted.length };
    return { keys: this.smallestSlots(n).map((slot) => this.keyAt(slot)), count: this.size };
  }

  /** Whether sortedSlots() is cached (answering from it costs no sort). */
  get hasSortedSlots(): boolean {
    return this.sortedSlotList !== undefined;
  }

  /**
   * The live slots of the `n` smallest keys, in key order: one pass over the
   * slots keeping a sorted buffer of n (a key enters it only when it is
   * smaller than the buffer's largest, rare after the first few); from
   * sortedSlots() when it is cached.
   */
  smallestSlots(n: number): number[] {
    if (this.sortedSlotList) return Array.from(this.sortedSlotList.subarray(0, Math.max(0, n)));
    const best = new SmallestN<number>(n, (a, b) => this.compareSlotKeys(a, b));
    const meta = this.meta;
    for (let slot = 0; n > 0 && slot < this.nextSlot; slot++) {
      if (meta[slot * STRIDE + KEY_LEN] !== FREE_SLOT && meta[slot * STRIDE + LEN] !== 0) best.offer(slot);
    }
    return best.items;
  }

  /** Bytewise order of two slots' keys (a proper prefix sorts first), as for key strings. */
  private compareSlotKeys(a: number, b: number): number {
    const bAt = this.meta[b * STRIDE + KEY_AT]!;
    return this.compareKeyAt(a, this.arena, bAt, bAt + this.meta[b * STRIDE + KEY_LEN]!);
  }

  /** All keys sorted bytewise; cached until a key is added or removed. */
  sortedKeys(): readonly string[] {
    if (!this.sorted) {
      // Sorted as bytes, then one string per key: the same order as sorting the strings (latin1), in a third of the time.
      const slots = this.sortedSlots();
      const out: string[] = [];
      for (let i = 0; i < slots.length; i++) out.push(this.keyAt(slots[i]!));
      this.sorted = out;
    }
    return this.sorted;
  }

  // ---------------------------------------------------------------- capacity

  /**
   * Make room for `entries` more keys with `keyBytes` bytes between them, so
   * that inserting them (a hint file's entries, whose count its trailer
   * gives) neither rehashes nor copies the columns or the arena on the way.
   */
  reserve(entries: number, keyBytes: number): void {
    let size = this.tableSize;
    while (this.entryCount + entries > size * MAX_LOAD) size *= 2;
    if (size > this.tableSize) this.rehash(size);
    const slots = this.nextSlot + Math.max(0, entries - this.freeSlots.length);
    if (slots > this.capacity) this.resizeColumns(slots);
    if (this.arenaUsed + keyBytes > this.arena.length) this.growArena(Math.min(MAX_ARENA_BYTES, this.arenaUsed + keyBytes));
  }

  /**
   * The memory reserve() set aside that nothing has written yet, as byte
   * views: the columns past the last slot, the arena past its last key, and
   * the table while it holds no entry. Nothing reads those bytes before
   * writing them, so zeros may be written over them (see prefault.ts) until
   * the keydir changes next.
   */
  untouchedMemory(): Uint8Array[] {
    const views = [
      new Uint8Array(this.meta.buffer, this.meta.byteOffset + this.nextSlot * STRIDE * 4, (this.capacity - this.nextSlot) * STRIDE * 4),
      new Uint8Array(this.arena.buffer, this.arena.byteOffset + this.arenaUsed, this.arena.length - this.arenaUsed),
    ];
    if (this.entryCount === 0) views.push(new Uint8Array(this.table.buffer, this.table.byteOffset, this.table.byteLength));
    return views;
  }

  private allocateSlot(): number {
    if (this.nextSlot === this.capacity) this.resizeColumns(Math.max(INITIAL_SLOTS, this.capacity * 2));
    return this.nextSlot++;
  }

  private resizeColumns(capacity: number): void {
    const meta = new Uint32Array(capacity * STRIDE);
    meta.set(this.meta.subarray(0, this.nextSlot * STRIDE));
    this.meta = meta;
    this.capacity = capacity;
  }

  /**
   * Move to a random seed of this keydir's own: every slot's hash again from
   * its key bytes, and the table rebuilt. Keys that cluster under the fixed
   * seed (made to, since anyone can compute it) are spread again; hint files
   * then no longer come in table order, which only makes opening slower.
   */
  private reseed(): void {
    this.seed = (Math.random() * 0x1_0000_0000) >>> 0 || 1;
    const meta = this.meta;
    const arena = this.arena;
    const table = this.table.fill(0);
    const mask = this.mask;
    for (let slot = 0; slot < this.nextSlot; slot++) {
      const length = meta[slot * STRIDE + KEY_LEN]!;
      if (length === FREE_SLOT) continue;
      const at = meta[slot * STRIDE + KEY_AT]!;
      const h = hashBytes(arena, at, at + length, this.seed);
      meta[slot * STRIDE + HASH] = h;
      place(table, h, slot + 1, this.shift, mask);
    }
  }

  /** Whether the keydir moved to a seed of its own (see MAX_PROBE). */
  get reseeded(): boolean {
    return this.seed !== KEY_ORDER_SEED;
  }

  private rehash(size: number): void {
    const old = this.table;
    const table = new Uint32Array(2 * size);
    const mask = size - 1;
    const shift = 32 - Math.log2(size);
    for (let j = 0; j < old.length; j += 2) {
      const slot1 = old[j + 1]!;
      if (slot1 !== 0) place(table, old[j]!, slot1, shift, mask);
    }
    this.table = table;
    this.tableSize = size;
    this.mask = mask;
    this.shift = shift;
  }

  /** Room for `length` more key bytes at the end of the arena; returns where they go. */
  private reserveArena(length: number): number {
    const at = this.arenaUsed;
    if (at + length > this.arena.length) {
      const live = this.arenaUsed - this.arenaGarbage;
      if (this.arenaGarbage > live) return this.compactArena(length), this.reserveArena(length);
      const want = at + length;
      if (want > MAX_ARENA_BYTES) throw new RangeError(`keydir: the keys take more than ${MAX_ARENA_BYTES} bytes, more than one index can hold`);
      this.growArena(Math.min(MAX_ARENA_BYTES, Math.max(want, this.arena.length * 2)));
    }
    this.arenaUsed = at + length;
    return at;
  }

  private growArena(bytes: number): void {
    const arena = Buffer.allocUnsafeSlow(bytes) as Latin1Buffer;
    this.arena.copy(arena, 0, 0, this.arenaUsed);
    this.arena = arena;
  }

  /** Copy the live slots' key bytes down over the garbage (slot order kept), leaving `spare` bytes free at the end. */
  private compactArena(spare: number): void {
    const meta = this.meta;
    const live = this.arenaUsed - this.arenaGarbage;
    const arena = Buffer.allocUnsafeSlow(Math.max(INITIAL_ARENA_BYTES, live + spare)) as Latin1Buffer;
    let to = 0;
    for (let slot = 0; slot < this.nextSlot; slot++) {
      const length = meta[slot * STRIDE + KEY_LEN]!;
      if (length === FREE_SLOT) continue;
      const at = meta[slot * STRIDE + KEY_AT]!;
      this.arena.copy(arena, to, at, at + length);
      meta[slot * STRIDE + KEY_AT] = to;
      to += length;
    }
    this.arena = arena;
    this.arenaUsed = to;
    this.arenaGarbage = 0;
  }

  /**
   * The keydir's state, for a keydir image: views of its used columns, table
   * and arena (not copies: write them out before changing the keydir).
   * Not during replay (its tombstone entries are not part of the state).
   */
  exportState(): KeydirState {
    if (this.tombstoneEntries > 0) throw new Error('keydir: no state to export during replay');
    return {
      seed: this.seed,
      slots: this.meta.subarray(0, this.nextSlot * STRIDE),
      freeSlots: Uint32Array.from(this.freeSlots),
      table: this.table,
      arena: this.arena.subarray(0, this.arenaUsed) as Uint8Array<ArrayBuffer>,
      arenaGarbage: this.arenaGarbage,
    };
  }

  /**
   * Take over a state (from a keydir image) instead of inserting its keys:
   * this keydir must be empty. The state's arrays become the keydir's own.
   * Checked first, whole, so that a state that passed its checksum but is
   * not one a keydir could have (written by a faulty program) cannot make a
   * lookup loop forever or read outside the arrays; returns why not, or
   * undefined when adopted. `segmentKnown` says which segment ids may appear;
   * `pause`, when given, is awaited between steps of the check. A state that
   * a KeydirStateCheck passed as it arrived is not checked again (its
   * segments were the ones that check knew).
   */
  async adoptState(state: KeydirState, segmentKnown: (id: number) => boolean, pause?: () => Promise<void>): Promise<string | undefined> {
    if (this.entryCount > 0 || this.nextSlot > 0) throw new Error('keydir: adoptState needs an empty keydir');
    if (!checkedStates.has(state)) {
      const problem = await stateProblems(state, segmentKnown, pause);
      if (problem !== undefined) return problem;
    }
    const { slots, freeSlots, table, arena } = state;
    const size = table.length / 2;
    this.meta = slots;
    this.capacity = slots.length / STRIDE;
    this.nextSlot = this.capacity;
    this.freeSlots = Array.from(freeSlots);
    this.table = table;
    this.tableSize = size;
    this.mask = size - 1;
    this.shift = 32 - Math.log2(size);
    this.seed = state.seed;
    this.arena = (Buffer.isBuffer(arena) ? arena : Buffer.from(arena.buffer, arena.byteOffset, arena.length)) as Latin1Buffer;
    this.arenaUsed = arena.length;
    this.arenaGarbage = state.arenaGarbage;
    this.entryCount = this.capacity - freeSlots.length;
    this.keysChanged();
    return undefined;
  }

  /**
   * Give back the columns' and the arena's unused capacity (after a bulk of
   * inserts such as opening), when it is worth a copy: more than 1/TRIM_SLACK
   * of what is used. (Opening reserves for every hint entry, overwritten keys
   * and tombstones included: copying 32 MB of columns to give back 0.6% of
   * them took 23 ms of a 370 ms open.)
   */
  trim(): void {
    // Free slots at the end can go; free slots in the middle stay on the free list.
    while (this.nextSlot > 0 && this.meta[(this.nextSlot - 1) * STRIDE + KEY_LEN] === FREE_SLOT) this.nextSlot--;
    if (this.freeSlots.length > 0) this.freeSlots = this.freeSlots.filter((s) => s < this.nextSlot);
    const capacity = Math.max(INITIAL_SLOTS, this.nextSlot);
    if (this.capacity - capacity > capacity / TRIM_SLACK) this.resizeColumns(capacity);
    // The table size growth alone would have reached (reserve may have asked for more).
    let size = 2 * INITIAL_SLOTS;
    while (this.entryCount > size * MAX_LOAD) size *= 2;
    if (size < this.tableSize) this.rehash(size);
    if (this.arenaGarbage > 0) this.compactArena(0);
    else if (this.arena.length - Math.max(INITIAL_ARENA_BYTES, this.arenaUsed) > this.arenaUsed / TRIM_SLACK) {
      const arena = Buffer.allocUnsafeSlow(Math.max(INITIAL_ARENA_BYTES, this.arenaUsed)) as Latin1Buffer;
      this.arena.copy(arena, 0, 0, this.arenaUsed);
      this.arena = arena;
    }
  }
}

/** The sizes of a keydir state's parts, known before its arrays are (a keydir image's header gives them). */
export interface KeydirStateSizes {
  slotCount: number;
  freeSlotCount: number;
  tableSize: number;
  arenaBytes: number;
  arenaGarbage: number;
}

/** States a KeydirStateCheck passed: adoptState takes them without checking them again. */
const checkedStates = new WeakSet<KeydirState>();

/**
 * The check Keydir.adoptState makes of a state (that a keydir could have
 * it), made part by part as the state's arrays arrive: the slots and the
 * table entries as each run of them is read (slotsArrived, tableArrived:
 * runs in any order, each slot and entry once), the rest when the whole
 * state is there (finish). A reader of a keydir image checks each chunk
 * while the next ones are read, instead of the whole state after.
 *
 * The table's entries are matched with the slots by two sums over the
 * (hash, slot + 1) pairs each side holds (addPair): the same set of pairs
 * gives the same sums in any order, so both sides are read in memory order
 * instead of one slot at random per entry (70 ms for a 1M-key image against
 * ~10).
 */
export class KeydirStateCheck {
  private problem: string | undefined;
  private free = 0;
  private keyBytes = 0;
  private occupied = 0;
  private readonly slotPairs: [number, number] = [0, 0];
  private readonly tablePairs: [number, number] = [0, 0];

  constructor(
    private readonly sizes: KeydirStateSizes,
    private readonly segmentKnown: (id: number) => boolean,
  ) {
    const { slotCount, freeSlotCount, tableSize } = sizes;
    const live = slotCount - freeSlotCount;
    // Found before any slot is looked at: the runs need whole slots, and a lookup a free table entry.
    if (!Number.isInteger(slotCount) || tableSize < 2 || (tableSize & (tableSize - 1)) !== 0) this.problem = 'slot or table size impossible';
    else if (live < 0 || live > tableSize * MAX_LOAD) this.problem = `${live} keys in a table of ${tableSize}`;
  }

  /** Slots [from, to) of `slots` (the state's whole slot array) have arrived. */
  slotsArrived(slots: Uint32Array, from: number, to: number): void {
    this.problem ??= this.checkSlots(slots, from, to);
  }

  /** Table entries [from, to) of `table` (the state's whole table) have arrived. */
  tableArrived(table: Uint32Array, from: number, to: number): void {
    this.problem ??= this.checkTable(table, from, to);
  }

  /** The whole state has arrived, every slot and table entry passed on once: why it could not be a keydir's, or undefined. */
  finish(state: KeydirState): string | undefined {
    this.problem ??= this.finalProblem(state);
    if (this.problem === undefined) checkedStates.add(state);
    return this.problem;
  }

  private finalProblem(state: KeydirState): string | undefined {
    const { slots, freeSlots, table, arena } = state;
    const { slotCount, freeSlotCount, tableSize, arenaBytes, arenaGarbage } = this.sizes;
    if (slots.length !== slotCount * STRIDE || freeSlots.length !== freeSlotCount || table.length !== 2 * tableSize || arena.length !== arenaBytes || state.arenaGarbage !== arenaGarbage) {
      return 'the state is not the size its check was given';
    }
    for (let i = 0; i < freeSlots.length; i++) {
      const slot = freeSlots[i]!;
      if (slot >= slotCount || slots[slot * STRIDE + KEY_LEN] !== FREE_SLOT) return `free slot ${slot} is not free`;
    }
    if (this.free !== freeSlotCount) return `${this.free} free slots, ${freeSlotCount} listed`;
    if (this.keyBytes + arenaGarbage !== arenaBytes) return 'key bytes do not add up';
    const live = slotCount - freeSlotCount;
    if (this.occupied !== live) return `${this.occupied} table entries for ${live} keys`;
    if (this.tablePairs[0] !== this.slotPairs[0] || this.tablePairs[1] !== this.slotPairs[1]) return 'the table entries are not the slots’ hashes';
    return undefined;
  }

  /** Keys inside the key bytes, a record length, known segments; counts free slots and key bytes. */
  private checkSlots(slots: Uint32Array, from: number, to: number): string | undefined {
    const arenaBytes = this.sizes.arenaBytes;
    let lastSegment = -1;
    for (let slot = from; slot < to; slot++) {
      const keyLength = slots[slot * STRIDE + KEY_LEN]!;
      if (keyLength === FREE_SLOT) {
        this.free++;
        continue;
      }
      if (slots[slot * STRIDE + KEY_AT]! + keyLength > arenaBytes) return `slot ${slot}: key outside the key bytes`;
      if (slots[slot * STRIDE + LEN] === 0) return `slot ${slot}: no record length`;
      addPair(this.slotPairs, slots[slot * STRIDE + HASH]!, slot + 1);
      const segment = slots[slot * STRIDE + SEG]!;
      if (segment !== lastSegment) {
        if (!this.segmentKnown(segment)) return `slot ${slot}: unknown segment ${segment}`;
        lastSegment = segment;
      }
      this.keyBytes += keyLength;
    }
    return undefined;
  }

  /** Each entry names a slot there is; counts them and sums their pairs (that they are the used slots' is checked from the sums). */
  private checkTable(table: Uint32Array, from: number, to: number): string | undefined {
    const slotCount = this.sizes.slotCount;
    for (let i = from; i < to; i++) {
      const slot1 = table[2 * i + 1]!;
      if (slot1 === 0) continue;
      this.occupied++;
      if (slot1 > slotCount) return `table entry ${i} is not a slot's`;
      addPair(this.tablePairs, table[2 * i]!, slot1);
    }
    return undefined;
  }
}

/**
 * Add the pair (hash, slot + 1)'s two terms to `sums` (each mod 2^32), from
 * two mixes of the pair: a table that is not the slots' (a hash or a slot
 * changed, a slot named twice or not at all) passes only if both 32-bit
 * sums happen to agree.
 */
function addPair(sums: [number, number], hash: number, slot1: number): void {
  let x = (hash ^ Math.imul(slot1, 0x9e3779b1)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  x ^= x >>> 16;
  let y = Math.imul(x ^ slot1 ^ 0x5bd1e995, 0x27d4eb2f);
  y ^= y >>> 15;
  sums[0] = (sums[0] + (x >>> 0)) >>> 0;
  sums[1] = (sums[1] + (y >>> 0)) >>> 0;
}

/**
 * Why a keydir state could not be a keydir's (see Keydir.adoptState), or
 * undefined: a KeydirStateCheck over the whole state, awaiting `pause` every
 * STEP_SLOTS slots or table entries.
 */
async function stateProblems(state: KeydirState, segmentKnown: (id: number) => boolean, pause: (() => Promise<void>) | undefined): Promise<string | undefined> {
  const { slots, freeSlots, table, arena } = state;
  const slotCount = slots.length / STRIDE;
  const tableSize = table.length / 2;
  const check = new KeydirStateCheck({ slotCount, freeSlotCount: freeSlots.length, tableSize, arenaBytes: arena.length, arenaGarbage: state.arenaGarbage }, segmentKnown);
  for (let from = 0; from < slotCount; from += STEP_SLOTS) {
    check.slotsArrived(slots, from, Math.min(slotCount, from + STEP_SLOTS));
    if (pause) await pause();
  }
  for (let from = 0; from < tableSize; from += STEP_SLOTS) {
    check.tableArrived(table, from, Math.min(tableSize, from + STEP_SLOTS));
    if (pause) await pause();
  }
  return check.finish(state);
}

/** Put the entry (h, slot + 1) in the first free place from h's home in a table with room for it. */
function place(table: Uint32Array, h: number, slot1: number, shift: number, mask: number): void {
  let i = h >>> shift;
  while (table[2 * i + 1] !== 0) i = (i + 1) & mask;
  table[2 * i] = h;
  table[2 * i + 1] = slot1;
}

