/**
 * The key tree's bytes: each branch's and leaf's live bytes (the records its keys' live values are in, as the
 * format counts a record) come from size sums over the sorted keys, and must equal a brute-force sum of every
 * key's record length: after puts of new keys, overwrites (the key list stays, its sizes do not), deletes and a
 * compaction; under a filter; in another engine's store. And the largest records, picked without a full sort.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import type { BrowsableStore } from '../../src/engine/types.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { largestN } from '../../src/engine/key-sort.js';
import { KeyIndex } from '../../src/inspector/key-index.js';
import type { Delimiter, KeyFilter } from '../../src/shared/contract.js';
import { rng } from '../reliability/rng.js';
import { tempDirs } from '../formats/helpers.js';

const temps = tempDirs();

/** Every node of the tree (each level, recursively) against the sum of its keys' record lengths, by brute force. */
function expectTreeMatchesBruteForce(index: KeyIndex, store: BrowsableStore, delimiter: Delimiter, filter?: KeyFilter): number {
  const keys = store.sortedKeys().filter((k) => matches(k, filter));
  const lengthOf = (key: string) => store.locate(Buffer.from(key, 'latin1'))!.length;
  let checked = 0;
  const visit = (prefix: string) => {
    const { nodes, truncated } = index.tree(filter, delimiter, prefix);
    expect(truncated).toBe(false);
    for (const node of nodes) {
      const under = node.kind === 'key' ? [node.prefix] : keys.filter((k) => k.startsWith(node.prefix));
      expect(node.bytes, node.prefix).toBe(under.reduce((sum, k) => sum + lengthOf(k), 0));
      expect(node.count).toBe(under.length);
      checked++;
      if (node.kind === 'branch') visit(node.prefix);
    }
  };
  visit('');
  return checked;
}

function matches(key: string, filter?: KeyFilter): boolean {
  if (!filter || filter.pattern === '') return true;
  return filter.mode === 'prefix' ? key.startsWith(filter.pattern) : key.includes(filter.pattern);
}

const rootBytes = (index: KeyIndex, filter?: KeyFilter) => index.tree(filter, ':', '').nodes.reduce((sum, n) => sum + n.bytes!, 0);

describe('key tree sizes over a kvscope store', () => {
  const stores: Store[] = [];
  afterAll(async () => {
    for (const s of stores) await s.close();
  });

  it('equal a brute-force sum over random keys, after puts, overwrites, deletes and a compaction', async () => {
    const dir = join(temps.empty('kvscope-sizes-'), 'store');
    const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 4096 });
    stores.push(store);
    const index = new KeyIndex(store);
    const random = rng(7);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
    const keyOf = () => Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(['a', 'b', 'user', 'x9', ''])).join(':') + pick(['', ':1', ':2', '/q']);
    const valueOf = () => 'v'.repeat(Math.floor(random() * 300));

    for (let i = 0; i < 300; i++) await store.put(keyOf(), valueOf());
    expect(expectTreeMatchesBruteForce(index, store, ':')).toBeGreaterThan(20);
    expect(rootBytes(index)).toBe(store.stats().liveBytes);

    // Overwrites only: the sorted key list is the same object, but the sums must be made again.
    const before = store.sortedKeyList();
    for (const key of store.sortedKeys().slice(0, 40)) await store.put(key, valueOf() + 'longer');
    expect(store.sortedKeyList()).toBe(before);
    expectTreeMatchesBruteForce(index, store, ':');
    expect(rootBytes(index)).toBe(store.stats().liveBytes);

    for (const key of store.sortedKeys().filter(() => random() < 0.3)) await store.delete(key);
    for (let i = 0; i < 50; i++) await store.put(keyOf(), valueOf());
    expectTreeMatchesBruteForce(index, store, ':');
    expectTreeMatchesBruteForce(index, store, '/');
    expect(rootBytes(index)).toBe(store.stats().liveBytes);

    await store.compact();
    expectTreeMatchesBruteForce(index, store, ':');
    expect(rootBytes(index)).toBe(store.stats().liveBytes);
  });

  it('sum only the keys a filter keeps (prefix and substring)', async () => {
    const dir = join(temps.empty('kvscope-sizes-filter-'), 'store');
    const store = await Store.open(dir, { create: true, fsync: 'never' });
    stores.push(store);
    for (let i = 0; i < 200; i++) await store.put(`${i % 3 === 0 ? 'user' : 'item'}:${i % 7}:${i}`, 'x'.repeat(i));
    const index = new KeyIndex(store);
    for (const filter of [{ mode: 'prefix', pattern: 'user:' }, { mode: 'substring', pattern: ':3' }] as KeyFilter[]) {
      expectTreeMatchesBruteForce(index, store, ':', filter);
      // A write after the filter's list was cached: the key list is made again, and its sums with it.
      await store.put('user:3:new', 'y'.repeat(1000));
      expectTreeMatchesBruteForce(index, store, ':', filter);
    }
  });
});

describe("key tree sizes over another engine's store", () => {
  it('equal each live record as the format counts it, and add up to its live bytes', async () => {
    const handle = await createEngineOpener().open(temps.fixture('riak-bitcask/merged'), { readOnly: true });
    try {
      const index = new KeyIndex(handle.store);
      expect(expectTreeMatchesBruteForce(index, handle.store, '/')).toBeGreaterThan(0);
      expect(rootBytes(index)).toBe(handle.store.stats().liveBytes);
    } finally {
      await handle.store.close();
    }
  });
});

describe('largest records', () => {
  it('largestN picks what a full sort would, ties by position', () => {
    const random = rng(3);
    for (let round = 0; round < 200; round++) {
      const length = Math.floor(random() * 60);
      const bytes = Float64Array.from({ length }, () => Math.floor(random() * (round % 2 === 0 ? 5 : 1000)));
      const n = Math.floor(random() * (length + 3));
      const expected = Array.from(bytes, (b, position) => ({ position, bytes: b }))
        .sort((a, b) => b.bytes - a.bytes || a.position - b.position)
        .slice(0, n);
      expect(largestN(bytes, n)).toEqual(expected);
    }
  });

  it('the index gives the largest of the filtered keys, with their record bytes', async () => {
    const dir = join(temps.empty('kvscope-largest-'), 'store');
    const store = await Store.open(dir, { create: true, fsync: 'never' });
    try {
      for (let i = 0; i < 100; i++) await store.put(`${i % 2 ? 'odd' : 'even'}:${i}`, 'z'.repeat((i * 37) % 101));
      const index = new KeyIndex(store);
      const filter: KeyFilter = { mode: 'prefix', pattern: 'odd:' };
      const { total, records } = index.largest(filter, 5);
      expect(total).toBe(50);
      const expected = store
        .sortedKeys()
        .filter((k) => k.startsWith('odd:'))
        .map((key) => ({ key, bytes: store.locate(key)!.length }))
        .sort((a, b) => b.bytes - a.bytes || (a.key < b.key ? -1 : 1))
        .slice(0, 5);
      expect(records).toEqual(expected);
    } finally {
      await store.close();
    }
  });
});
