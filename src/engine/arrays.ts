/** Small helpers for byte arrays and typed-array columns, used on the engine's and the inspector's hot paths. */

/** Copies up to this long go byte by byte: cheaper than making a view for TypedArray#set. */
const SHORT_COPY_BYTES = 64;

/** Copy from[fromStart, fromStart + length) to to[toStart, ...). */
export function copyBytes(from: Uint8Array, fromStart: number, to: Uint8Array, toStart: number, length: number): void {
  if (length > SHORT_COPY_BYTES) to.set(from.subarray(fromStart, fromStart + length), toStart);
  else for (let i = 0; i < length; i++) to[toStart + i] = from[fromStart + i]!;
}

type Column = Uint8Array | Int32Array | Uint32Array | Float64Array;

/** A column of the same kind with room for `capacity` entries, holding a's entries at the start (capacity >= a.length). */
export function grown<T extends Column>(a: T, capacity: number): T {
  const b = new (a.constructor as new (length: number) => T)(capacity);
  b.set(a);
  return b;
}
