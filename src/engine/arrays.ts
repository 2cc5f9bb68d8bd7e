/** Small helpers for byte arrays and typed-array columns, used on the engine's and the inspector's hot paths. */
import { runSteps } from './yielder.js';

/** Copies up to this long go byte by byte: cheaper than making a view for TypedArray#set. */
const SHORT_COPY_BYTES = 64;

/** Copy from[fromStart, fromStart + length) to to[toStart, ...). */
export function copyBytes(from: Uint8Array, fromStart: number, to: Uint8Array, toStart: number, length: number): void {
  if (length > SHORT_COPY_BYTES) to.set(from.subarray(fromStart, fromStart + length), toStart);
  else for (let i = 0; i < length; i++) to[toStart + i] = from[fromStart + i]!;
}

type Column = Uint8Array | Uint16Array | Int32Array | Uint32Array | Float64Array;

/** A column of the same kind with room for `capacity` entries, holding a's entries at the start (capacity >= a.length). */
export function grown<T extends Column>(a: T, capacity: number): T {
  const b = new (a.constructor as new (length: number) => T)(capacity);
  b.set(a);
  return b;
}

/** Numbers (u32) collected one at a time into a Uint32Array that grows. */
export class Uint32List {
  private a = new Uint32Array(1024);
  private n = 0;
  push(value: number): void {
    if (this.n === this.a.length) this.a = grown(this.a, this.n * 2);
    this.a[this.n++] = value;
  }
  /** What was pushed, as an array of its own. */
  done(): Uint32Array {
    return this.a.slice(0, this.n);
  }
}

/**
 * Indices 0..n-1 ordered by digits, least significant first (an LSD radix
 * sort: one stable counting sort per digit). A digit is (column[i] >>> shift) & mask.
 */
export function radixOrder(n: number, digits: ReadonlyArray<readonly [Uint32Array, number, number]>): Uint32Array {
  return runSteps(radixOrderSteps(n, digits));
}

/** radixOrder, yielding after each digit's pass (a caller on the event loop can pause there). */
export function* radixOrderSteps(n: number, digits: ReadonlyArray<readonly [Uint32Array, number, number]>): Generator<void, Uint32Array> {
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let next = new Uint32Array(n);
  for (const [column, shift, mask] of digits) {
    let max = 0;
    for (let i = 0; i < n; i++) {
      const d = ((column[i]! >>> shift) & mask) >>> 0;
      if (d > max) max = d;
    }
    const counts = new Uint32Array(max + 2);
    for (let i = 0; i < n; i++) counts[(((column[i]! >>> shift) & mask) >>> 0) + 1]!++;
    for (let d = 1; d < counts.length; d++) counts[d]! += counts[d - 1]!;
    for (let k = 0; k < n; k++) {
      const i = order[k]!;
      next[counts[((column[i]! >>> shift) & mask) >>> 0]!++] = i;
    }
    [order, next] = [next, order];
    yield;
  }
  return order;
}

/** values[order[0]], values[order[1]], …: a column put in the order a sort gave; yields every `step` values. */
export function* permutedSteps(values: Uint32Array, order: Uint32Array, step = 1 << 19): Generator<void, Uint32Array> {
  const out = new Uint32Array(order.length);
  for (let from = 0; from < order.length; from += step) {
    const to = Math.min(order.length, from + step);
    for (let i = from; i < to; i++) out[i] = values[order[i]!]!;
    yield;
  }
  return out;
}

/**
 * Byte strings (keys) appended back to back into one buffer that grows by
 * doubling, each found again by where it starts and its length: a million
 * keys kept without an object each. A view or `bytes` is valid until the
 * next append.
 */
export class ByteArena {
  private buf: Buffer;
  private used = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes appended so far. */
  get length(): number {
    return this.used;
  }

  /** The buffer the bytes are in (its first `length` bytes), for readers that compare or sort in place. */
  get bytes(): Buffer {
    return this.buf;
  }

  /** Appends from[start, end); returns where they start in the arena. */
  append(from: Uint8Array, start = 0, end = from.length): number {
    const at = this.used;
    const length = end - start;
    if (at + length > this.buf.length) {
      const buf = Buffer.allocUnsafe(Math.max(2 * this.buf.length, at + length));
      this.buf.copy(buf, 0, 0, at);
      this.buf = buf;
    }
    copyBytes(from, start, this.buf, at, length);
    this.used = at + length;
    return at;
  }

  /** The `length` bytes at `at`, as a view. */
  view(at: number, length: number): Buffer {
    return this.buf.subarray(at, at + length);
  }

  /** Whether the `length` bytes at `at` are b[start, end), byte for byte. */
  equals(at: number, length: number, b: Uint8Array, start = 0, end = b.length): boolean {
    if (end - start !== length) return false;
    const buf = this.buf;
    for (let j = 0; j < length; j++) if (buf[at + j] !== b[start + j]) return false;
    return true;
  }
}
