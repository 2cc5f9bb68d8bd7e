/**
 * A store's live keys in byte order, read by position. The inspector's key
 * list works on this, so that at tens of millions of keys it holds no string
 * per key: a native store's list is its keydir's slots in key order (4 bytes
 * a key) over the key bytes the keydir already has, and a string is made
 * only for a key that is shown or tested. One string per key cost more than
 * the keys' bytes and a garbage collection pass over all of them.
 *
 * Keys are compared as bytes; a key string is the key's bytes as latin1 (one
 * char per byte), so string order and byte order agree.
 */
import { keyFromString } from './keys.js';

export interface KeyList {
  readonly length: number;
  /** Key i as a key string. */
  keyAt(i: number): string;
  /** Byte length of key i. */
  keyLengthAt(i: number): number;
  /** Writes key i's bytes into `into` at `at`; returns how many (keyLengthAt(i)). */
  copyKeyAt(i: number, into: Buffer, at: number): number;
  /** Byte order of key i against bytes: negative when key i comes first. */
  compareAt(i: number, bytes: Uint8Array): number;
  /** False once the keys it reads have changed under it (a write): it then throws instead of answering. */
  isCurrent(): boolean;
  /**
   * Every key's bytes in batches of about `batchBytes`, in the order that
   * reads the list's memory front to back, each key with its position. In
   * position order a keydir's keys are scattered over its memory: copying
   * ten million keys that way took 4.6 s, in storage order 0.35 s. Yields
   * undefined for a step of work that made no batch (the caller may pause).
   */
  keyBatches(batchBytes: number): Generator<KeyBatch | undefined>;
  /**
   * Bytes on disk of key i's live record (header, key and value, as its format counts them); absent from a list
   * whose keys have no live record (the deleted keys).
   */
  recordBytesAt?(i: number): number;
  /** With recordBytesAt: changes whenever a record's size may have (an overwrite keeps the keys but not their sizes). */
  sizesVersion?(): number;
}

/** Keys' bytes back to back, each followed by a 0 byte. */
export interface KeyBatch {
  readonly bytes: Buffer;
  /** starts[k] = where the batch's k-th key begins in bytes; one more entry: bytes.length. */
  readonly starts: Uint32Array;
  /** positions[k] = the k-th key's position in the list. */
  readonly positions: Uint32Array;
}

/** How keyBatches reads keys: key j of the storage order's length, bytes and position. */
interface StorageOrder {
  readonly count: number;
  lengthOf(j: number): number;
  copy(j: number, into: Buffer, at: number): number;
  positionOf(j: number): number;
}

/** The keys in the order `keys` gives them, in batches of about batchBytes (a key longer than that makes a batch of its own). */
function* batchesOf(keys: StorageOrder, batchBytes: number): Generator<KeyBatch> {
  let j = 0;
  while (j < keys.count) {
    let bytes = Buffer.allocUnsafeSlow(Math.max(batchBytes, keys.lengthOf(j) + 1));
    const starts: number[] = [];
    const positions: number[] = [];
    let at = 0;
    for (const first = j; j < keys.count && (j === first || at + keys.lengthOf(j) + 1 <= bytes.length); j++) {
      starts.push(at);
      positions.push(keys.positionOf(j));
      at += keys.copy(j, bytes, at);
      bytes[at++] = 0;
    }
    starts.push(at);
    if (at < bytes.length) bytes = Buffer.from(bytes.subarray(0, at));
    yield { bytes, starts: Uint32Array.from(starts), positions: Uint32Array.from(positions) };
  }
}

/** Keys visited per step of work done in steps. */
const STEP_KEYS = 1 << 19;

/** The first position in [lo, hi) whose key is not below `bytes` (hi when there is none). */
export function lowerBound(list: KeyList, bytes: Uint8Array, lo = 0, hi = list.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list.compareAt(mid, bytes) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The positions [start, end) within [lo, hi) of the keys starting with `prefix` (a key string), by binary search. */
export function prefixRange(list: KeyList, prefix: string, lo = 0, hi = list.length): [number, number] {
  if (prefix === '') return [lo, hi];
  const bytes = keyFromString(prefix);
  const start = lowerBound(list, bytes, lo, hi);
  const after = prefixSuccessor(bytes);
  return [start, after === undefined ? hi : lowerBound(list, after, start, hi)];
}

/** The smallest bytes greater than every key starting with `prefix`; undefined when there is none (all 0xff). */
export function prefixSuccessor(prefix: Buffer): Buffer | undefined {
  let end = prefix.length;
  while (end > 0 && prefix[end - 1] === 0xff) end--;
  if (end === 0) return undefined;
  const next = Buffer.from(prefix.subarray(0, end));
  next[end - 1]!++;
  return next;
}

/** keyBatches in position order: for a list whose memory order is its order, or that has no other. */
export function batchesInPositionOrder(list: KeyList, batchBytes: number): Generator<KeyBatch> {
  return batchesOf(
    {
      count: list.length,
      lengthOf: (j) => list.keyLengthAt(j),
      copy: (j, into, at) => list.copyKeyAt(j, into, at),
      positionOf: (j) => j,
    },
    batchBytes,
  );
}

/** Sorted key strings as a KeyList (a foreign store's keys, or any array). */
export class StringKeyList implements KeyList {
  constructor(readonly keys: readonly string[]) {}

  get length(): number {
    return this.keys.length;
  }
  keyAt(i: number): string {
    return this.keys[i]!;
  }
  keyLengthAt(i: number): number {
    return this.keys[i]!.length;
  }
  copyKeyAt(i: number, into: Buffer, at: number): number {
    return into.write(this.keys[i]!, at, 'latin1');
  }
  compareAt(i: number, bytes: Uint8Array): number {
    const key = this.keys[i]!;
    const common = Math.min(key.length, bytes.length);
    for (let j = 0; j < common; j++) {
      const d = key.charCodeAt(j) - bytes[j]!;
      if (d !== 0) return d;
    }
    return key.length - bytes.length;
  }
  isCurrent(): boolean {
    return true;
  }
  keyBatches(batchBytes: number): Generator<KeyBatch> {
    return batchesInPositionOrder(this, batchBytes);
  }
}

/** What SlotKeyList reads: a keydir's keys by slot, and a number that changes whenever a key is added or removed. */
export interface KeysBySlot {
  readonly keySetVersion: number;
  keyAt(slot: number): string;
  keyLengthAt(slot: number): number;
  copyKeyTo(slot: number, into: Uint8Array, at: number): number;
  compareKeyAt(slot: number, b: Uint8Array, start: number, end: number): number;
}

/** What a SlotKeyList's recordBytesAt reads: a slot's live record length in bytes, and a number that changes with any. */
export interface SlotSizes {
  readonly sizesVersion: number;
  lengthAt(slot: number): number;
}

/**
 * Slots of a keydir in the byte order of their keys. Valid while the keydir's
 * key set is the one it was made for: a slot freed or reused by a later write
 * would read another key, so every call checks and throws instead.
 */
export class SlotKeyList implements KeyList {
  private readonly version: number;

  constructor(
    private readonly keys: KeysBySlot,
    private readonly slots: Uint32Array,
    sizes?: SlotSizes,
  ) {
    this.version = keys.keySetVersion;
    if (sizes) {
      this.recordBytesAt = (i) => sizes.lengthAt(this.slotAt(i));
      this.sizesVersion = () => sizes.sizesVersion;
    }
  }

  readonly recordBytesAt?: (i: number) => number;
  readonly sizesVersion?: () => number;

  get length(): number {
    return this.slots.length;
  }
  keyAt(i: number): string {
    return this.keys.keyAt(this.slotAt(i));
  }
  keyLengthAt(i: number): number {
    return this.keys.keyLengthAt(this.slotAt(i));
  }
  copyKeyAt(i: number, into: Buffer, at: number): number {
    return this.keys.copyKeyTo(this.slotAt(i), into, at);
  }
  compareAt(i: number, bytes: Uint8Array): number {
    return this.keys.compareKeyAt(this.slotAt(i), bytes, 0, bytes.length);
  }
  isCurrent(): boolean {
    return this.keys.keySetVersion === this.version;
  }

  /** In slot order: slots were taken as keys were stored, so their columns and key bytes lie front to back. */
  *keyBatches(batchBytes: number): Generator<KeyBatch | undefined> {
    const sorted = this.slots;
    let top = 0;
    for (let i = 0; i < sorted.length; i++) if (sorted[i]! > top) top = sorted[i]!;
    // rank[slot] = the slot's position + 1 (0: not in the list); then the slots in ascending order.
    const rank = new Uint32Array(sorted.length > 0 ? top + 1 : 0);
    for (let i = 0; i < sorted.length; i++) {
      rank[sorted[i]!] = i + 1;
      if (i % STEP_KEYS === STEP_KEYS - 1) yield undefined;
    }
    const bySlot = new Uint32Array(sorted.length);
    for (let slot = 0, j = 0; slot < rank.length; slot++) {
      if (rank[slot]! > 0) bySlot[j++] = slot;
      if (slot % STEP_KEYS === STEP_KEYS - 1) yield undefined;
    }
    const keys = this.keys;
    const batches = batchesOf(
      {
        count: bySlot.length,
        lengthOf: (j) => keys.keyLengthAt(bySlot[j]!),
        copy: (j, into, at) => keys.copyKeyTo(bySlot[j]!, into, at),
        positionOf: (j) => rank[bySlot[j]!]! - 1,
      },
      batchBytes,
    );
    // Each batch is made right after this check (the caller may have paused, and a write freed slots meanwhile).
    for (;;) {
      this.assertCurrent();
      const batch = batches.next();
      if (batch.done) return;
      yield batch.value;
    }
  }

  private assertCurrent(): void {
    if (!this.isCurrent()) throw new Error('the key list changed since it was sorted (a key was added or removed): sort it again');
  }

  private slotAt(i: number): number {
    this.assertCurrent();
    if (!(i >= 0 && i < this.slots.length)) throw new RangeError(`no key at position ${i} of ${this.slots.length}`);
    return this.slots[i]!;
  }
}
