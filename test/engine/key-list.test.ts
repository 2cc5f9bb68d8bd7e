import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lowerBound, prefixRange, StringKeyList, type KeyBatch, type KeyList } from '../../src/engine/key-list.js';
import { keyFromString } from '../../src/engine/keys.js';
import { Keydir } from '../../src/engine/keydir.js';

const keyArb = fc.string({ unit: fc.constantFrom('a', 'b', ':', '\u0000', '\u00fe', '\u00ff'), maxLength: 6 });
const keysOf = (list: KeyList) => Array.from({ length: list.length }, (_, i) => list.keyAt(i));

/** A keydir holding `keys`, stored in the given order, after removing and re-adding some (so slots are reused out of order). */
function keydirWith(keys: readonly string[]): Keydir {
  const kd = new Keydir();
  let seq = 1;
  for (const key of keys) kd.set(key, { segment: 1, offset: seq, length: 10, sequence: seq++ });
  const churn = keys.filter((_, i) => i % 3 === 1);
  for (const key of churn) kd.delete(key);
  for (const key of [...churn].reverse()) kd.set(key, { segment: 2, offset: seq, length: 10, sequence: seq++ });
  return kd;
}

/** What the batches say: each position's key, read from the batch bytes (and every key followed by a 0 byte). */
function readBatches(batches: Iterable<KeyBatch | undefined>): Map<number, string> {
  const seen = new Map<number, string>();
  for (const batch of batches) {
    if (!batch) continue;
    const { bytes, starts, positions } = batch;
    expect(starts).toHaveLength(positions.length + 1);
    expect(starts[positions.length]).toBe(bytes.length);
    positions.forEach((position, k) => {
      expect(seen.has(position)).toBe(false);
      expect(bytes[starts[k + 1]! - 1]).toBe(0);
      seen.set(position, bytes.toString('latin1', starts[k]!, starts[k + 1]! - 1));
    });
  }
  return seen;
}

describe('KeyList', () => {
  it("a keydir's sorted list reads the keys in byte order, as sorted strings do", () => {
    fc.assert(
      fc.property(fc.uniqueArray(keyArb, { maxLength: 60 }), (keys) => {
        const sorted = [...keys].sort();
        expect(keysOf(keydirWith(keys).sortedKeyList())).toEqual(sorted);
        expect(keysOf(new StringKeyList(sorted))).toEqual(sorted);
      }),
    );
  });

  it('compares keys with bytes, and finds bounds and prefix ranges by binary search', () => {
    fc.assert(
      fc.property(fc.uniqueArray(keyArb, { maxLength: 60 }), keyArb, (keys, probe) => {
        const sorted = [...keys].sort();
        const want = sorted.filter((k) => k.startsWith(probe));
        const first = sorted.findIndex((k) => k >= probe);
        for (const list of [new StringKeyList(sorted), keydirWith(keys).sortedKeyList()]) {
          sorted.forEach((key, i) => expect(Math.sign(list.compareAt(i, keyFromString(probe)))).toBe(key < probe ? -1 : key > probe ? 1 : 0));
          expect(lowerBound(list, keyFromString(probe))).toBe(first < 0 ? sorted.length : first);
          const [start, end] = prefixRange(list, probe);
          expect(sorted.slice(start, end)).toEqual(probe === '' ? sorted : want);
        }
      }),
    );
  });

  it('gives every key once in batches, with its position, whatever the order the keys were stored in', () => {
    fc.assert(
      fc.property(fc.uniqueArray(keyArb, { maxLength: 80 }), fc.integer({ min: 1, max: 40 }), (keys, batchBytes) => {
        const sorted = [...keys].sort();
        for (const list of [new StringKeyList(sorted), keydirWith(keys).sortedKeyList()]) {
          const seen = readBatches(list.keyBatches(batchBytes));
          expect(seen.size).toBe(sorted.length);
          sorted.forEach((key, i) => expect(seen.get(i)).toBe(key));
        }
      }),
    );
  });

  it("reads a keydir's keys in the order they were stored, and keeps batches within their size", () => {
    const kd = new Keydir();
    const keys = Array.from({ length: 5000 }, (_, i) => `key:${String((i * 7919) % 5000).padStart(5, '0')}`);
    keys.forEach((key, i) => kd.set(key, { segment: 1, offset: i, length: 10, sequence: i + 1 }));
    const list = kd.sortedKeyList();
    const batches = [...list.keyBatches(1000)].filter((b): b is KeyBatch => b !== undefined);
    expect(batches.length).toBeGreaterThan(1);
    for (const b of batches) expect(b.bytes.length).toBeLessThanOrEqual(1000);
    const order = batches.flatMap((b) => Array.from(b.positions, (p) => list.keyAt(p)));
    // Storage order is insertion order here; the position order would be sorted.
    expect(order).toEqual(keys);
  });

  it("stops giving a keydir's batches once a key was added or removed", () => {
    const kd = keydirWith(Array.from({ length: 300 }, (_, i) => `k${i}`));
    const batches = kd.sortedKeyList().keyBatches(64);
    let got = 0;
    expect(() => {
      for (const batch of batches) {
        if (batch && ++got === 2) kd.delete('k7');
      }
    }).toThrow(/changed/);
    expect(got).toBe(2);
  });
});
