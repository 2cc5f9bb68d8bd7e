/**
 * A demo store for trying kvscope: a few thousand keys across several
 * segments, with overwrites, tombstones, JSON documents, binary values and
 * binary keys. Deterministic, so screenshots and tests can rely on it.
 */
import { Store } from '../engine/store.js';

export interface DemoSummary {
  dir: string;
  keys: number;
  segments: number;
}

/** Seeded PRNG (mulberry32): the same demo every time. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CITIES = ['Lisbon', 'Oslo', 'Kyoto', 'Lagos', 'Quito', 'Perth', 'Tunis', 'Hanoi'];

export async function makeDemoStore(dir: string, opts: { users?: number } = {}): Promise<DemoSummary> {
  const rnd = random(42);
  const users = opts.users ?? 1500;
  const store = await Store.open(dir, { create: true, segmentSize: 64 * 1024, fsync: 'never' });
  try {
    for (let i = 0; i < users; i++) {
      const id = String(i).padStart(5, '0');
      await store.put(`user:${id}:name`, `User ${i}`);
      await store.put(
        `user:${id}:profile`,
        JSON.stringify({ id: i, city: CITIES[i % CITIES.length], active: rnd() > 0.3, score: Math.round(rnd() * 1000) }),
      );
    }
    for (let i = 0; i < 600; i++) await store.put(`session/${(i * 7919) % 100000}`, `token-${Math.floor(rnd() * 1e9).toString(36)}`);
    for (let i = 0; i < 300; i++) {
      const bytes = Buffer.alloc(16 + (i % 48));
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(rnd() * 256);
      await store.put(`blob:${i}`, bytes);
    }
    await store.put(Buffer.from([0x00, 0xff, 0x10, 0x6b]), 'a binary key');
    await store.put('config/app.json', JSON.stringify({ theme: 'dark', retries: 3, endpoints: ['a', 'b'] }, null, 2));
    await store.put('config/broken.json', '{"unterminated": [1, 2');
    await store.put('greeting', 'hello world');
    // Overwrites and deletes, so there are stale versions and tombstones to see.
    for (let i = 0; i < users; i += 3) await store.put(`user:${String(i).padStart(5, '0')}:name`, `User ${i} (renamed)`);
    for (let i = 1; i < users; i += 10) await store.delete(`user:${String(i).padStart(5, '0')}:profile`);
    for (let i = 0; i < 100; i++) await store.delete(`session/${(i * 7919) % 100000}`);
    return { dir, keys: store.keyCount(), segments: store.stats().segments };
  } finally {
    await store.close();
  }
}
