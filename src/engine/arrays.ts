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
