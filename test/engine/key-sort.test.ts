/**
 * byteOrder (the keydir's radix sort over key bytes) against Buffer.compare:
 * keys that are prefixes of one another, zero and 0xff bytes, long shared
 * prefixes (many 4-byte levels), groups above and below the size where it
 * switches to comparing bytes. And the keydir's sorted slots: the same order,
 * recomputed after keys are added or removed but not after an overwrite.
 * The same sort in steps (for the inspector's host, which must keep
 * answering while it sorts millions of keys), and the keydir's stepwise
 * sorted keys, which must not cache a list made stale by keys that changed
 * while it ran.
 */
import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { byteOrder, byteOrderInSteps } from '../../src/engine/key-sort.js';
import type { KeyList } from '../../src/engine/key-list.js';
import { Keydir } from '../../src/engine/keydir.js';

function packed(keys: Buffer[]): { bytes: Buffer; start: Uint32Array; length: Uint32Array } {
  const start = new Uint32Array(keys.length);
  const length = new Uint32Array(keys.length);
  let at = 0;
  keys.forEach((k, i) => {
    start[i] = at;
    length[i] = k.length;
    at += k.length;
  });
  return { bytes: Buffer.concat(keys), start, length };
}

function expectByteOrder(keys: Buffer[]): void {
  const { bytes, start, length } = packed(keys);
  const got = Array.from(byteOrder(bytes, start, length), (i) => keys[i]!.toString('hex'));
  const want = [...keys].sort(Buffer.compare).map((k) => k.toString('hex'));
  expect(got).toEqual(want);
}

const distinct = (keys: Buffer[]): Buffer[] => [...new Map(keys.map((k) => [k.toString('hex'), k])).values()];

describe('byteOrder', () => {
  it('orders keys as Buffer.compare does (random keys over a small alphabet: prefixes, ties, deep groups)', () => {
    const key = fc.array(fc.constantFrom(0x00, 0x01, 0x61, 0x62, 0xff), { minLength: 0, maxLength: 14 }).map((a) => Buffer.from(a));
    fc.assert(fc.property(fc.array(key, { minLength: 0, maxLength: 600 }), (keys) => expectByteOrder(distinct(keys))), { numRuns: 200 });
  });

  it('orders long keys that share long prefixes, and keys of every length up to them', () => {
    const keys: Buffer[] = [];
    for (let i = 0; i < 3000; i++) keys.push(Buffer.from(`${'p'.repeat(37)}/${(i * 7919) % 3001}`, 'latin1'));
    for (let n = 0; n <= 40; n++) keys.push(Buffer.from('p'.repeat(n), 'latin1'));
    for (let i = 0; i < 500; i++) keys.push(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, i & 0xff, i >> 8]));
    // A key and the same key with zero bytes after it pad to the same chunk: the shorter comes first
    // (listed longest first, so keeping the input order would be wrong).
    for (let i = 0; i < 300; i++) for (let zeros = 5; zeros >= 0; zeros--) keys.push(Buffer.concat([Buffer.from(`z${i}`, 'latin1'), Buffer.alloc(zeros)]));
    expectByteOrder(distinct(keys));
  });

  it('keeps 0..n-1 for zero or one key', () => {
    expect(Array.from(byteOrder(Buffer.alloc(0), new Uint32Array(0), new Uint32Array(0)))).toEqual([]);
    expect(Array.from(byteOrder(Buffer.from('x'), new Uint32Array([0]), new Uint32Array([1])))).toEqual([0]);
  });
});

describe('Keydir.sortedSlots', () => {
  it('lists every live key in byte order, and is recomputed when keys are added or removed', () => {
    const kd = new Keydir();
    const put = (key: string, seq: number) => {
      const b = Buffer.from(key, 'latin1');
      kd.setIfNewerBytes(b, 0, b.length, 1, seq, 30, seq);
    };
    const keysOf = () => Array.from(kd.sortedSlots(), (slot) => kd.keyAt(slot));
    const model = new Set<string>();
    let seq = 1;
    for (let i = 0; i < 5000; i++) {
      const key = `k\u00ff${(i * 104729) % 5003}\u0000${i % 3 === 0 ? 'x' : ''}`;
      put(key, seq++);
      model.add(key);
    }
    expect(keysOf()).toEqual([...model].sort());
    const cached = kd.sortedSlots();
    put([...model][10]!, seq++); // an overwrite: same keys, same order
    expect(kd.sortedSlots()).toBe(cached);
    put('a-new-key', seq++);
    model.add('a-new-key');
    expect(keysOf()).toEqual([...model].sort());
    const gone = [...model][20]!;
    const b = Buffer.from(gone, 'latin1');
    kd.deleteIfNotNewer(b, undefined, 0, b.length, 1, seq++, false);
    model.delete(gone);
    expect(keysOf()).toEqual([...model].sort());
    expect(kd.sortedKeys()).toEqual([...model].sort());
  });
});

describe('Keydir.sortedSlotsWithPrefix', () => {
  it("gives a prefix's keys in byte order, sorting only those until every key is sorted, then as a range of that", () => {
    const unit = fc.constantFrom('a', 'b', ':', '\u0000', '\u00ff');
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ unit, maxLength: 6 }), { maxLength: 80 }), fc.string({ unit, maxLength: 3 }), (keys, prefix) => {
        const kd = new Keydir();
        keys.forEach((key, i) => kd.set(key, { segment: 1, offset: i, length: 10, sequence: i + 1 }));
        const want = [...keys].filter((k) => k.startsWith(prefix)).sort();
        const keysOf = (slots: Uint32Array) => Array.from(slots, (slot) => kd.keyAt(slot));
        const p = Buffer.from(prefix, 'latin1');
        // The first query sorts only the prefix's keys; the second sorts every key, the third reads that.
        expect(keysOf(kd.sortedSlotsWithPrefix(p))).toEqual(want);
        expect(kd.hasSortedSlots).toBe(prefix === '');
        expect(keysOf(kd.sortedSlotsWithPrefix(p))).toEqual(want);
        expect(kd.hasSortedSlots).toBe(true);
        expect(keysOf(kd.sortedSlotsWithPrefix(p))).toEqual(want);
      }),
    );
  });
});

describe('Keydir.sortedSlotsWithPrefix once every key is sorted', () => {
  it("finds both ends of the prefix's range by binary search, not by looking at each of its keys", () => {
    const kd = new Keydir();
    for (let i = 0; i < 100_000; i++) kd.set(`user:${i}`, { segment: 1, offset: i, length: 10, sequence: i + 1 });
    kd.set('zzz', { segment: 1, offset: 0, length: 10, sequence: 100_001 });
    kd.sortedSlots();
    const looks = vi.spyOn(kd, 'compareKeyAt');
    const starts = vi.spyOn(kd, 'keyStartsWith');
    expect(kd.sortedSlotsWithPrefix(Buffer.from('user:'))).toHaveLength(100_000);
    // Two binary searches over 100,001 keys: 17 comparisons each at most. The walk to the end took 100,000.
    expect(looks.mock.calls.length + starts.mock.calls.length).toBeLessThanOrEqual(40);
    expect(kd.sortedSlotsWithPrefix(Buffer.from('user:9999')).length).toBe(11);
  });
});

describe('sorting in steps', () => {
  it("byteOrderInSteps gives byteOrder's order, pausing between steps of bounded work", async () => {
    const keys: Buffer[] = [];
    for (let i = 0; i < 600_000; i++) keys.push(Buffer.from(`k:${(i * 7919) % 600_011}`, 'latin1'));
    const { bytes, start, length } = packed(keys);
    let pauses = 0;
    const stepwise = await byteOrderInSteps(bytes, start, length, keys.length, async () => void pauses++);
    expect(stepwise).toEqual(byteOrder(bytes, start, length));
    // 600k keys: chunk slices and passes of at most 2^18 keys each, for every level of the sort.
    expect(pauses).toBeGreaterThan(10);
  });

  const tick = () => new Promise<void>((r) => setImmediate(r));

  it("caches the keydir's stepwise sort, unless keys were added or removed while it ran", async () => {
    const kd = new Keydir();
    for (let i = 0; i < 100_000; i++) kd.set(`k${(i * 31) % 100_000}`, { segment: 1, offset: i, length: 10, sequence: i + 1 });
    const keysOf = (list: KeyList) => Array.from({ length: list.length }, (_, i) => list.keyAt(i));
    let pauses = 0;
    const sorted = await kd.sortedKeyListInSteps(async () => void (pauses++, await tick()));
    expect(pauses).toBeGreaterThan(1);
    const keys = keysOf(sorted);
    expect(keys).toEqual([...keys].sort());
    expect(keys).toHaveLength(100_000);
    expect(kd.sortedKeyList()).toBe(sorted);
    // A key added while sorting: the stepwise result is not cached stale.
    kd.set('zz-new', { segment: 1, offset: 0, length: 10, sequence: 200_001 });
    const racing = kd.sortedKeyListInSteps(tick);
    kd.set('aa-new', { segment: 1, offset: 0, length: 10, sequence: 200_002 });
    const got = keysOf(await racing);
    expect(got).toContain('aa-new');
    expect(got).toContain('zz-new');
    expect(got).toEqual([...got].sort());
    expect(kd.sortedKeyList().length).toBe(100_002);
  });

  it('a sorted key list made before a key was added or removed refuses to answer', () => {
    const kd = new Keydir();
    for (const [i, key] of ['b', 'a', 'c'].entries()) kd.set(key, { segment: 1, offset: i, length: 10, sequence: i + 1 });
    const list = kd.sortedKeyList();
    expect([list.keyAt(0), list.keyAt(2)]).toEqual(['a', 'c']);
    kd.set('b', { segment: 1, offset: 9, length: 10, sequence: 9 }); // an overwrite: the same keys
    expect(list.isCurrent()).toBe(true);
    expect(kd.sortedKeyList()).toBe(list);
    kd.delete('a');
    expect(list.isCurrent()).toBe(false);
    expect(() => list.keyAt(0)).toThrow(/changed/);
    expect(kd.sortedKeyList().keyAt(0)).toBe('b');
  });
});
