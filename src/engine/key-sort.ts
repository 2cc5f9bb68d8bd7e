/**
 * Byte order for many keys held in one buffer, without a string per key.
 *
 * An MSD radix sort on 4-byte chunks: a group of keys that agree on their
 * first 4·d bytes is ordered by their next chunk (big-endian, zero-padded)
 * and, on a tie, by how many of those 4 bytes the key has, so a key comes
 * before the longer keys it is a prefix of. Each group is sorted with stable
 * LSD counting passes (the byte count, then the chunk's bytes from least to
 * most significant; a pass whose digit is the same for the whole group is
 * skipped). Keys that still tie with all 4 bytes present form a group for
 * the next chunk. Small groups are sorted by comparing their bytes.
 *
 * This is the order of JavaScript's string comparison on latin1 key strings
 * (one code unit per byte), which is how kvscope orders keys everywhere.
 */
import { runSteps, runStepsPausing } from './yielder.js';

/** Groups this small are sorted by comparing bytes instead of by counting passes. */
const SMALL_GROUP = 24;

/** byteOrderInSteps pauses after about this many keys' worth of work (a few milliseconds). */
const STEP_WORK = 1 << 18;

/**
 * The keys bytes[start[i], start[i] + length[i]) for i in [0, n), as a
 * permutation of 0..n-1 in byte order. The keys should be distinct; equal
 * keys come out next to each other.
 */
export function byteOrder(bytes: Uint8Array, start: Uint32Array, length: Uint32Array, n = start.length): Uint32Array {
  return runSteps(byteOrderSteps(bytes, start, length, n));
}

/**
 * byteOrder in steps of a few milliseconds, awaiting `pause` between them
 * (so that a server keeps answering while it sorts millions of keys). The
 * key bytes must not change until it returns.
 */
export function byteOrderInSteps(bytes: Uint8Array, start: Uint32Array, length: Uint32Array, n: number, pause: () => Promise<void>): Promise<Uint32Array> {
  return runStepsPausing(byteOrderSteps(bytes, start, length, n), pause);
}

/** The sort, yielding whenever about STEP_WORK keys' worth of work has been done since the last yield. */
function* byteOrderSteps(bytes: Uint8Array, start: Uint32Array, length: Uint32Array, n: number): Generator<void, Uint32Array> {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (n < 2) return order;
  const chunk = new Uint32Array(n);
  const present = new Uint8Array(n);
  const spareOrder = new Uint32Array(n);
  const spareChunk = new Uint32Array(n);
  const sparePresent = new Uint8Array(n);
  const counts = new Uint32Array(256);
  let work = 0;

  /** Whether `done` more keys' worth of work make a step: then the caller yields. */
  const stepDone = (done: number): boolean => {
    if ((work += done) < STEP_WORK) return false;
    work = 0;
    return true;
  };

  /**
   * One stable counting pass over [from, to) by a digit of the chunk (shift)
   * or by the byte count (shift < 0), in slices of STEP_WORK keys: a pass
   * over ten million keys is a third of a second.
   */
  function* pass(from: number, to: number, shift: number): Generator<void> {
    counts.fill(0);
    for (let slice = from; slice < to; slice += STEP_WORK) {
      const end = Math.min(to, slice + STEP_WORK);
      for (let i = slice; i < end; i++) counts[shift < 0 ? present[i]! : (chunk[i]! >>> shift) & 0xff]!++;
      if (stepDone(end - slice)) yield;
    }
    for (let d = 0; d < 256; d++) if (counts[d] === to - from) return; // one digit for all: nothing to do
    let sum = from;
    for (let d = 0; d < 256; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
    for (let slice = from; slice < to; slice += STEP_WORK) {
      const end = Math.min(to, slice + STEP_WORK);
      for (let i = slice; i < end; i++) {
        const to_ = counts[shift < 0 ? present[i]! : (chunk[i]! >>> shift) & 0xff]!++;
        spareOrder[to_] = order[i]!;
        spareChunk[to_] = chunk[i]!;
        sparePresent[to_] = present[i]!;
      }
      if (stepDone(end - slice)) yield;
    }
    order.set(spareOrder.subarray(from, to), from);
    chunk.set(spareChunk.subarray(from, to), from);
    present.set(sparePresent.subarray(from, to), from);
    if (stepDone((to - from) >>> 2)) yield;
  }

  // Groups still to sort: (from, to, byte offset) triples.
  const groups: number[] = [0, n, 0];
  while (groups.length > 0) {
    const at = groups.pop()!;
    const to = groups.pop()!;
    const from = groups.pop()!;
    if (to - from <= SMALL_GROUP) {
      insertionSort(bytes, start, length, order, from, to, at);
      if (stepDone(to - from)) yield;
      continue;
    }
    // A large group's chunks are read in slices, and each of its passes is a step of its own.
    for (let slice = from; slice < to; slice += STEP_WORK) {
      const end = Math.min(to, slice + STEP_WORK);
      for (let i = slice; i < end; i++) {
        const k = order[i]!;
        const left = length[k]! - at;
        const p = left <= 0 ? 0 : left >= 4 ? 4 : left;
        const s = start[k]! + at;
        let c = 0;
        for (let j = 0; j < 4; j++) c = (c << 8) | (j < p ? bytes[s + j]! : 0);
        chunk[i] = c >>> 0;
        present[i] = p;
      }
      if (stepDone(end - slice)) yield;
    }
    for (const shift of [-1, 0, 8, 16, 24]) yield* pass(from, to, shift);
    // Runs that tie on a whole chunk go on to the next one.
    let scanned = 0;
    for (let i = from; i < to; ) {
      let j = i + 1;
      if (present[i] === 4) while (j < to && present[j] === 4 && chunk[j] === chunk[i]) j++;
      if (j - i > 1) groups.push(i, j, at + 4);
      scanned += j - i;
      i = j;
      if (scanned >= STEP_WORK) {
        scanned = 0;
        if (stepDone(STEP_WORK >>> 2)) yield;
      }
    }
  }
  return order;
}

/** Sort order[from, to) by key bytes, the keys agreeing on (and at least as long as) their first `at` bytes. */
function insertionSort(bytes: Uint8Array, start: Uint32Array, length: Uint32Array, order: Uint32Array, from: number, to: number, at: number): void {
  for (let i = from + 1; i < to; i++) {
    const k = order[i]!;
    const kFrom = start[k]! + at;
    const kEnd = start[k]! + length[k]!;
    let j = i - 1;
    for (; j >= from; j--) {
      const o = order[j]!;
      if (compareBytes(bytes, start[o]! + at, start[o]! + length[o]!, bytes, kFrom, kEnd) <= 0) break;
      order[j + 1] = o;
    }
    order[j + 1] = k;
  }
}

/** Byte comparison of key bytes a[aStart, aEnd) with b[bStart, bEnd) (negative when a comes first). */
export function compareBytes(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): number {
  const la = aEnd - aStart;
  const lb = bEnd - bStart;
  const common = la < lb ? la : lb;
  for (let i = 0; i < common; i++) {
    const d = a[aStart + i]! - b[bStart + i]!;
    if (d !== 0) return d;
  }
  return la - lb;
}

/**
 * The n smallest items offered, in order by `compare`, without sorting them
 * all: a sorted buffer of n that an item enters only when it is smaller
 * than the buffer's largest (rare after the first few, for items offered in
 * no particular order). The first window of a key list before its sort.
 */
export class SmallestN<T> {
  /** The smallest offered so far, in order. */
  readonly items: T[] = [];

  constructor(
    private readonly n: number,
    private readonly compare: (a: T, b: T) => number,
  ) {}

  offer(item: T): void {
    const best = this.items;
    const n = this.n;
    if (n <= 0) return;
    if (best.length === n) {
      if (this.compare(item, best[n - 1]!) >= 0) return;
      best.pop();
    }
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(best[mid]!, item) < 0) lo = mid + 1;
      else hi = mid;
    }
    best.splice(lo, 0, item);
  }
}

/** One of largestN's picks: its position in the sizes and its size. */
export interface LargeRecord {
  readonly position: number;
  readonly bytes: number;
}

/**
 * The positions of the `n` largest of `bytes`, largest first (ties by position): a quickselect finds the n-th
 * largest size in O(length) (no sort of them all), then only the n picked are sorted.
 */
export function largestN(bytes: Float64Array, n: number): LargeRecord[] {
  const count = bytes.length;
  if (n <= 0 || count === 0) return [];
  let picked: number[];
  if (n >= count) {
    picked = Array.from({ length: count }, (_, i) => i);
  } else {
    const work = Float64Array.from(bytes);
    const threshold = nthLargest(work, n - 1);
    picked = [];
    for (let i = 0; i < count; i++) if (bytes[i]! > threshold) picked.push(i);
    for (let i = 0; i < count && picked.length < n; i++) if (bytes[i] === threshold) picked.push(i);
  }
  picked.sort((a, b) => bytes[b]! - bytes[a]! || a - b);
  return picked.slice(0, n).map((position) => ({ position, bytes: bytes[position]! }));
}

/** The k-th largest (0-based) of `a`, reordering `a` (Hoare's quickselect, a middle pivot of three). */
function nthLargest(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = a[lo]!, y = a[mid]!, z = a[hi]!;
    const pivot = x > y ? (y > z ? y : x > z ? z : x) : x > z ? x : y > z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! > pivot) i++;
      while (a[j]! < pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}
