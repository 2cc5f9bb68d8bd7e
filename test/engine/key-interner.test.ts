/**
 * KeyInterner gives each distinct key, as bytes, the index of its first
 * appearance, and finds it again. Checked against a Map of latin1 strings
 * (the plain way) on random keys: binary bytes, the empty key, keys that
 * are prefixes of each other, enough of them to grow every array and the
 * table several times, given inside larger buffers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyInterner } from '../../src/engine/key-interner.js';
import { rng } from '../reliability/rng.js';

const latin1 = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

describe('KeyInterner', () => {
  it('numbers keys by first appearance and finds them again, as a Map of latin1 strings does', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 6 }), { minLength: 1, maxLength: 3000 }), fc.nat(7), (keys, pad) => {
        const interner = new KeyInterner();
        const plain = new Map<string, number>();
        for (const key of keys) {
          // The key inside a larger buffer, as a record's key is inside its file.
          const around = new Uint8Array(pad + key.length + pad).fill(0xee);
          around.set(key, pad);
          const expected = plain.get(latin1(key)) ?? plain.size;
          plain.set(latin1(key), expected);
          expect(interner.intern(around, pad, pad + key.length)).toBe(expected);
          expect(interner.size).toBe(plain.size);
        }
        for (const [key, k] of plain) {
          expect(interner.indexOf(Buffer.from(key, 'latin1'))).toBe(k);
          expect(interner.keyAt(k)).toBe(key);
          expect(latin1(interner.keyBytes(k))).toBe(key);
        }
        // A key never interned, and one that extends an interned key.
        const absent = Buffer.from('never interned, longer than any');
        expect(interner.indexOf(absent)).toBe(-1);
        const first = Buffer.from(plain.keys().next().value!, 'latin1');
        if (!plain.has(latin1(Buffer.concat([first, Buffer.from([0])])))) expect(interner.indexOf(Buffer.concat([first, Buffer.from([0])]))).toBe(-1);
      }),
      { numRuns: 60 },
    );
  });

  it('holds 300,000 distinct keys, telling apart keys whose 32-bit hashes collide', () => {
    // ~10 pairs of these keys share a hash under any seed (birthday bound): only their bytes tell them apart.
    const n = 300_000;
    const interner = new KeyInterner();
    // Random 12-byte keys after a counter (so all distinct): random bytes, not neighbours, spread over the hash's range.
    const random = rng(99);
    const tails = Buffer.alloc(12 * n);
    for (let b = 0; b < tails.length; b++) tails[b] = (random() * 256) | 0;
    const key = (i: number) => Buffer.concat([Buffer.from(`u${String(i).padStart(7, '0')}`, 'latin1'), tails.subarray(12 * (i % n), 12 * (i % n) + 12)]);
    let wrong = 0;
    for (let i = 0; i < n; i++) if (interner.intern(key(i)) !== i) wrong++;
    for (let i = 0; i < n; i++) if (interner.indexOf(key(i)) !== i) wrong++;
    expect(wrong).toBe(0);
    expect(interner.size).toBe(n);
    expect(interner.keyAt(n - 1)).toBe(key(n - 1).toString('latin1'));
    expect(interner.indexOf(Buffer.from('not interned'))).toBe(-1);
  });

  it('orders keys bytewise, as latin1 strings sort, at once, in steps and for the n smallest', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 9 }), { maxLength: 400 }), fc.nat(12), async (keys, n) => {
        const interner = new KeyInterner();
        for (const key of keys) interner.intern(key);
        // Some of the keys, in the order they were first seen, as the live keys are given.
        const some = Uint32Array.from({ length: interner.size }, (_, k) => k).filter((k) => k % 3 !== 1);
        const expected = Array.from(some, (k) => interner.keyAt(k)).sort();
        const names = (ks: ArrayLike<number>) => Array.from(ks, (k) => interner.keyAt(k));
        expect(names(interner.inByteOrder(some))).toEqual(expected);
        expect(names(await interner.inByteOrderInSteps(some, async () => undefined))).toEqual(expected);
        expect(names(interner.smallest(some, n))).toEqual(expected.slice(0, n));
        // What a SlotKeyList reads.
        for (const k of some) {
          const key = Buffer.from(interner.keyAt(k), 'latin1');
          expect(interner.keyLengthAt(k)).toBe(key.length);
          const into = Buffer.alloc(key.length + 2);
          expect(interner.copyKeyTo(k, into, 1)).toBe(key.length);
          expect(into.subarray(1, 1 + key.length)).toEqual(key);
          expect(interner.compareKeyAt(k, key, 0, key.length)).toBe(0);
          expect(Math.sign(interner.compareKeyAt(k, Buffer.concat([key, Buffer.from([0])]), 0, key.length + 1))).toBe(-1);
        }
      }),
      { numRuns: 80 },
    );
  });
});
