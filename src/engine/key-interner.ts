/**
 * Keys as bytes → a dense index (0, 1, 2, … in the order keys were first
 * seen), for a store that has no keydir of its own (another engine's
 * directory, replayed by ForeignStore). The keys live in one byte arena and
 * the table is open addressing over their indexes, so interning a key makes
 * no string and no object: a Map<string, number> of a million latin1 key
 * strings was most of replaying a million-key cask (~1.3 s of ~2.8 s, and
 * the strings another ~0.3 s).
 *
 * The hash is seeded at random per interner, so keys chosen to collide
 * under one seed do not collide here.
 *
 * Its indexes serve as the slots of a SlotKeyList (KeysBySlot): keys are
 * only ever added, so a list sorted once stays valid.
 */
import { randomInt } from 'node:crypto';
import { ByteArena, copyBytes, grown } from './arrays.js';
import type { KeysBySlot } from './key-list.js';
import { byteOrder, byteOrderInSteps, compareBytes, SmallestN } from './key-sort.js';
import { hashBytes } from './native/key-hash.js';

const INITIAL_KEYS = 1024;

export class KeyInterner implements KeysBySlot {
  private readonly arena = new ByteArena(16 * INITIAL_KEYS);
  /** Key k's bytes are arena[ends[k - 1] (0 for k = 0), ends[k]). */
  private ends = new Uint32Array(INITIAL_KEYS);
  /**
   * Entries of two numbers: the key's index + 1 (0: empty) and its hash, so
   * that a probe past another key reads no more than the entry. At most
   * half the entries are used.
   */
  private table = new Int32Array(2 * 4 * INITIAL_KEYS);
  private count = 0;
  private readonly seed = randomInt(0x1_0000_0000 - 1);

  /** Interned keys are never removed or changed. */
  readonly keySetVersion = 0;

  /** Keys interned. */
  get size(): number {
    return this.count;
  }

  /** The index of key bytes [start, end) of `bytes`, interning them first if they are new (size grows by one). */
  intern(bytes: Uint8Array, start = 0, end = bytes.length): number {
    const hash = hashBytes(bytes, start, end, this.seed);
    const entry = this.find(bytes, start, end, hash);
    const found = this.table[2 * entry]!;
    if (found !== 0) return found - 1;
    return this.add(bytes, start, end, hash, entry);
  }

  /** The index of key bytes [start, end) of `bytes`, or -1. */
  indexOf(bytes: Uint8Array, start = 0, end = bytes.length): number {
    return this.table[2 * this.find(bytes, start, end, hashBytes(bytes, start, end, this.seed))]! - 1;
  }

  /** Key k's bytes: a view into the arena, valid until the next intern. */
  keyBytes(k: number): Uint8Array {
    return this.arena.view(this.startOf(k), this.keyLengthAt(k));
  }

  /** Key k as a latin1 string (one character per byte; keys.ts keyToString). */
  keyAt(k: number): string {
    return this.arena.bytes.toString('latin1', this.startOf(k), this.ends[k]);
  }

  keyLengthAt(k: number): number {
    return this.ends[k]! - this.startOf(k);
  }

  copyKeyTo(k: number, into: Uint8Array, at: number): number {
    const length = this.keyLengthAt(k);
    copyBytes(this.arena.bytes, this.startOf(k), into, at, length);
    return length;
  }

  /** Byte order of key k against b[start, end): negative when key k comes first. */
  compareKeyAt(k: number, b: Uint8Array, start: number, end: number): number {
    return compareBytes(this.arena.bytes, this.startOf(k), this.ends[k]!, b, start, end);
  }

  /** The keys `ks` in byte order (a permutation of them). */
  inByteOrder(ks: Uint32Array): Uint32Array {
    return this.permuted(ks, byteOrder(this.arena.bytes, ...this.ranges(ks), ks.length));
  }

  /** inByteOrder in steps of a few milliseconds, awaiting `pause` between them. */
  async inByteOrderInSteps(ks: Uint32Array, pause: () => Promise<void>): Promise<Uint32Array> {
    return this.permuted(ks, await byteOrderInSteps(this.arena.bytes, ...this.ranges(ks), ks.length, pause));
  }

  /** The `n` smallest of the keys `ks`, in byte order, with no string made (key-sort.ts SmallestN). */
  smallest(ks: Uint32Array, n: number): number[] {
    const best = new SmallestN<number>(n, (a, b) => this.compareKeys(a, b));
    for (let i = 0; n > 0 && i < ks.length; i++) best.offer(ks[i]!);
    return best.items;
  }

  private compareKeys(a: number, b: number): number {
    const bytes = this.arena.bytes;
    return compareBytes(bytes, this.startOf(a), this.ends[a]!, bytes, this.startOf(b), this.ends[b]!);
  }

  private ranges(ks: Uint32Array): [Uint32Array, Uint32Array] {
    const start = new Uint32Array(ks.length);
    const length = new Uint32Array(ks.length);
    for (let i = 0; i < ks.length; i++) {
      start[i] = this.startOf(ks[i]!);
      length[i] = this.ends[ks[i]!]! - start[i]!;
    }
    return [start, length];
  }

  private permuted(ks: Uint32Array, order: Uint32Array): Uint32Array {
    const out = new Uint32Array(ks.length);
    for (let i = 0; i < ks.length; i++) out[i] = ks[order[i]!]!;
    return out;
  }

  private startOf(k: number): number {
    return k === 0 ? 0 : this.ends[k - 1]!;
  }

  /** The table entry holding the key, or the empty entry where it would go. */
  private find(bytes: Uint8Array, start: number, end: number, hash: number): number {
    const table = this.table;
    const mask = (table.length >>> 1) - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const held = table[2 * i]!;
      if (held === 0) return i;
      if (table[2 * i + 1]! !== (hash | 0)) continue;
      const k = held - 1;
      const at = this.startOf(k);
      if (this.arena.equals(at, this.ends[k]! - at, bytes, start, end)) return i;
    }
  }

  private add(bytes: Uint8Array, start: number, end: number, hash: number, entry: number): number {
    const k = this.count;
    if (k === this.ends.length) this.ends = grown(this.ends, 2 * k);
    this.arena.append(bytes, start, end);
    this.ends[k] = this.arena.length;
    this.count++;
    this.table[2 * entry] = k + 1;
    this.table[2 * entry + 1] = hash;
    if (4 * this.count > this.table.length) this.rehash();
    return k;
  }

  /** Doubles the table and places every entry of the old one again. */
  private rehash(): void {
    const old = this.table;
    const table = (this.table = new Int32Array(2 * old.length));
    const mask = (table.length >>> 1) - 1;
    for (let j = 0; j < old.length; j += 2) {
      if (old[j] === 0) continue;
      let i = old[j + 1]! & mask;
      while (table[2 * i] !== 0) i = (i + 1) & mask;
      table[2 * i] = old[j]!;
      table[2 * i + 1] = old[j + 1]!;
    }
  }
}
