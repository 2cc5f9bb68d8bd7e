/**
 * Store.deadSpace (dead-space.ts): every record that is not live — an overwritten put, a put later deleted, a
 * tombstone — counted against its key and grouped by prefix. Checked against a model that knows every record
 * the workload wrote and its length, over several segments; damaged records are counted apart; a foreign store's
 * figures agree with its keys' histories; the walk stops at its signal.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { openStore } from '../../src/engine/open.js';
import { AbortedError } from '../../src/engine/errors.js';
import { RECORD_HEADER } from '../../src/engine/native/layout.js';
import { cleanTempDirs, copyDir, dataFiles, tempDir } from './helpers.js';
import { rng } from '../reliability/rng.js';

afterAll(cleanTempDirs);


interface Written {
  key: string;
  length: number;
  tombstone: boolean;
}

/** Random puts, overwrites, deletes and batches over a few segments; every record written, in order. */
async function workload(dir: string, seed: number): Promise<Written[]> {
  const rnd = rng(seed);
  const written: Written[] = [];
  const live = new Set<string>();
  const keys = Array.from({ length: 90 }, (_, i) => `${['user', 'order', 'cart'][i % 3]}:${String(i % 7).padStart(2, '0')}:k${i}`).concat(['plain', 'other']);
  const s = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 2048 });
  const put = (key: string, value: string): Written => ({ key, length: RECORD_HEADER.size + Buffer.byteLength(key, 'latin1') + Buffer.byteLength(value), tombstone: false });
  for (let op = 0; op < 700; op++) {
    const key = keys[Math.floor(rnd() * keys.length)]!;
    const r = rnd();
    if (r < 0.65) {
      const value = 'v'.repeat(Math.floor(rnd() * 60));
      await s.put(key, value);
      written.push(put(key, value));
      live.add(key);
    } else if (r < 0.9) {
      if (await s.delete(key)) {
        written.push({ key, length: RECORD_HEADER.size + key.length, tombstone: true });
        live.delete(key);
      }
    } else {
      const value = `batch ${op}`;
      const other = keys[(keys.indexOf(key) + 1) % keys.length]!;
      await s.batch([
        { type: 'put', key, value },
        { type: 'put', key: other, value },
      ]);
      written.push(put(key, value), put(other, value));
      live.add(key).add(other);
    }
  }
  await s.close();
  expect(dataFiles(dir).length).toBeGreaterThan(4);
  return written;
}

/** Per key: dead bytes and records, from the records written (each key's last record is live when it is a put). */
function modelDead(written: Written[]): Map<string, { bytes: number; records: number; tombstones: number }> {
  const lastOf = new Map<string, number>();
  written.forEach((w, i) => lastOf.set(w.key, i));
  const out = new Map<string, { bytes: number; records: number; tombstones: number }>();
  written.forEach((w, i) => {
    if (lastOf.get(w.key) === i && !w.tombstone) return;
    const t = out.get(w.key) ?? { bytes: 0, records: 0, tombstones: 0 };
    t.bytes += w.length;
    t.records++;
    if (w.tombstone) t.tombstones++;
    out.set(w.key, t);
  });
  return out;
}

describe('dead space by key and prefix', () => {
  it('counts every overwritten put and tombstone against its key, and groups keys as du does', async () => {
    for (const seed of [1, 2, 3]) {
      const dir = tempDir();
      const written = await workload(dir, seed);
      const model = modelDead(written);
      const s = await Store.open(dir, { readOnly: true });
      try {
        const dead = await s.deadSpace();
        const modelBytes = [...model.values()].reduce((n, t) => n + t.bytes, 0);
        expect(dead.totals.deadBytes).toBe(modelBytes);
        expect(dead.totals.deadRecords).toBe([...model.values()].reduce((n, t) => n + t.records, 0));
        expect(dead.totals.keys).toBe(model.size);
        expect(dead.totals.damagedBytes).toBe(0);
        // The store's own figures for its segments agree (stale and tombstone bytes).
        const stats = s.stats();
        expect(dead.totals.deadBytes).toBe(stats.perSegment.reduce((n, p) => n + p.staleBytes + p.tombstoneBytes, 0));

        const perKey = dead.top(1000);
        expect(perKey.length).toBe(model.size);
        for (const k of perKey) {
          const m = model.get(k.key)!;
          expect({ key: k.key, bytes: k.deadBytes, records: k.overwritten + k.tombstones, tombstones: k.tombstones }).toEqual({ key: k.key, ...m });
          expect(k.live).toBe(s.has(k.key));
          expect(k.versions).toBe((await s.history(k.key)).length);
        }
        for (let i = 1; i < perKey.length; i++) expect(perKey[i - 1]!.deadBytes).toBeGreaterThanOrEqual(perKey[i]!.deadBytes);

        // Grouped by prefix, one and two levels down, and under a prefix.
        for (const [prefix, depth] of [['', 1], ['', 2], ['user:', 1]] as const) {
          const grouped = dead.branches(prefix, ':', depth);
          const expected = new Map<string, number>();
          for (const [key, t] of model) {
            if (!key.startsWith(prefix)) continue;
            const parts = key.slice(prefix.length).split(':');
            const name = parts.length > depth ? prefix + parts.slice(0, depth).join(':') + ':' : key;
            expected.set(name, (expected.get(name) ?? 0) + t.bytes);
          }
          expect(new Map(grouped.branches.map((b) => [b.prefix, b.deadBytes]))).toEqual(expected);
          expect(grouped.deadBytes).toBe([...expected.values()].reduce((n, b) => n + b, 0));
          for (let i = 1; i < grouped.branches.length; i++) expect(grouped.branches[i - 1]!.deadBytes).toBeGreaterThanOrEqual(grouped.branches[i]!.deadBytes);
        }
        expect(dead.branches('', ':', 1).branches.find((b) => b.prefix === 'plain')?.kind ?? 'key').toBe('key');
      } finally {
        await s.close();
      }
    }
  });

  it('counts a damaged record apart, not as any key dead bytes', async () => {
    const dir = tempDir();
    const written = await workload(dir, 7);
    const model = modelDead(written);
    const damaged = tempDir();
    copyDir(dir, damaged);
    // Damage a value byte of the first segment's first record (its header is 16 bytes, the segment's 24 or so).
    const first = path.join(damaged, dataFiles(damaged)[0]!);
    const bytes = fs.readFileSync(first);
    bytes[bytes.length - 200] ^= 0xff;
    fs.writeFileSync(first, bytes);
    const s = await Store.open(damaged, { readOnly: true });
    try {
      const dead = await s.deadSpace();
      expect(dead.totals.damagedBytes).toBeGreaterThan(0);
      const modelBytes = [...model.values()].reduce((n, t) => n + t.bytes, 0);
      // The damaged record's bytes are gone from the dead ones (it was dead or live), never added to them twice.
      expect(dead.totals.deadBytes).toBeLessThanOrEqual(modelBytes);
      expect(dead.totals.deadBytes + dead.totals.damagedBytes).toBeGreaterThanOrEqual(modelBytes);
    } finally {
      await s.close();
    }
  });

  it('gives a foreign store what its keys histories say', async () => {
    const opened = await openStore('/work/shared/fixtures/riak-bitcask/many/data', { readOnly: true });
    try {
      const store = opened.store;
      const dead = await store.deadSpace();
      const model = new Map<string, number>();
      for (const { key } of await store.deletedKeys()) model.set(key, 0);
      for (const key of store.sortedKeys()) model.set(key, 0);
      let total = 0;
      for (const key of model.keys()) {
        const bytes = (await store.history(Buffer.from(key, 'latin1'))).filter((v) => v.status === 'shadowed' || v.status === 'tombstone').reduce((n, v) => n + v.location.length, 0);
        model.set(key, bytes);
        total += bytes;
      }
      expect(total).toBeGreaterThan(0);
      expect(dead.totals.deadBytes).toBe(total);
      expect(new Map(dead.top(100_000).map((k) => [k.key, k.deadBytes]))).toEqual(new Map([...model].filter(([, b]) => b > 0)));
    } finally {
      await opened.store.close();
    }
  });

  it('stops at its signal, with progress before', async () => {
    const dir = tempDir();
    await workload(dir, 4);
    const s = await Store.open(dir, { readOnly: true });
    try {
      const before = new AbortController();
      before.abort();
      await expect(s.deadSpace({ signal: before.signal })).rejects.toBeInstanceOf(AbortedError);
      const during = new AbortController();
      const seen: number[] = [];
      const run = s.deadSpace({ signal: during.signal, onProgress: (p) => (seen.push(p.done), during.abort()) });
      await expect(run).rejects.toBeInstanceOf(AbortedError);
      expect(seen.length).toBeGreaterThan(0);
    } finally {
      await s.close();
    }
  });
});
