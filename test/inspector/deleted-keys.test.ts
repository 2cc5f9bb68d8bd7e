/**
 * deletedKeys: the keys whose newest record is a tombstone, listed, filtered and found like live keys, each with
 * where it was deleted; found lazily (not at open), with progress and cancel; a kvscope store read through its
 * hints or, without them, its records; foreign stores from what their open kept.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import type { DeletedKey } from '../../src/engine/types.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import type { StoreOpener } from '../../src/inspector/opener.js';
import { DELETED_STATE_WAIT_MS, InspectorService } from '../../src/inspector/service.js';
import { validateRequest } from '../../src/shared/validate.js';
import { SHARED_DIR } from '../shared-dir.js';
import { rng } from '../reliability/rng.js';

let base: string;
let template: string;

/** 60 keys over several segments (hints for the sealed ones); key:010..key:019 deleted, key:015 put again, key:012 deleted twice. */
async function buildTemplate(dir: string): Promise<void> {
  const store = await Store.open(dir, { create: true, segmentSize: 4 * 1024, fsync: 'never' });
  for (let i = 0; i < 60; i++) await store.put(`key:${String(i).padStart(3, '0')}`, `v1 of ${i} `.padEnd(40, '.'));
  for (let i = 0; i < 60; i += 3) await store.put(`key:${String(i).padStart(3, '0')}`, `v2 of ${i}`);
  for (let i = 10; i < 20; i++) await store.delete(`key:${String(i).padStart(3, '0')}`);
  await store.put('key:015', 'back again');
  await store.put('key:012', 'briefly');
  await store.delete('key:012');
  await store.close();
}

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'kvscope-deleted-'));
  template = join(base, 'template');
  await buildTemplate(template);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

let n = 0;
let dir: string;
let service: InspectorService;

function makeService(opener: StoreOpener = createEngineOpener()): InspectorService {
  return new InspectorService({ opener, configDir: join(base, `config-${n}`) });
}

/** An opener whose stores search for their deleted keys through `search`, given the real search (held, slowed, counted). */
function searchingWith(search: (real: Store['deletedKeys'], opts: Parameters<Store['deletedKeys']>[0]) => Promise<DeletedKey[]>): StoreOpener {
  const engine = createEngineOpener();
  return {
    ...engine,
    async open(path, opts) {
      const handle = await engine.open(path, opts);
      const real = handle.store.deletedKeys.bind(handle.store) as Store['deletedKeys'];
      handle.store.deletedKeys = (o) => search(real, o);
      return handle;
    },
  };
}

beforeEach(() => {
  n++;
  dir = join(base, `store-${n}`);
  cpSync(template, dir, { recursive: true, filter: (src) => !src.endsWith('.lock') });
  service = makeService();
});
afterEach(async () => {
  await service.close();
});

const DELETED = ['key:010', 'key:011', 'key:012', 'key:013', 'key:014', 'key:016', 'key:017', 'key:018', 'key:019'];

async function all(sessionId: string, extra: Record<string, unknown> = {}) {
  for (;;) {
    const res = await service.dispatch('deletedKeys', { sessionId, offset: 0, limit: 1000, ...extra });
    if (res.complete) return res;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('deletedKeys on a kvscope store', () => {
  it('lists the keys whose newest record is a tombstone, each with its newest tombstone, and not the live ones', async () => {
    const { sessionId, keyCount } = await service.dispatch('openStore', { path: dir });
    expect(keyCount).toBe(51);
    const res = await all(sessionId);
    expect(res.keys.map((k) => k.key)).toEqual(DELETED);
    expect(res.total).toBe(9);
    expect(res.unfilteredTotal).toBe(9);
    // Each entry's deletedAt is the tombstone the key's history ends with.
    for (const entry of res.keys) {
      const { versions } = await service.dispatch('history', { sessionId, key: entry.key });
      const last = versions[versions.length - 1]!;
      expect(last.kind).toBe('delete');
      expect(entry.deletedAt).toEqual(last.location);
      expect(entry.display).toBe(entry.key);
    }
    // key:012 was deleted twice: its newest tombstone.
    const twice = (await service.dispatch('history', { sessionId, key: 'key:012' })).versions.filter((v) => v.kind === 'delete');
    expect(twice).toHaveLength(2);
    expect(res.keys.find((k) => k.key === 'key:012')!.deletedAt.sequence).toBe(twice[1]!.location.sequence);
  });

  it('filters (prefix, substring, glob), pages and finds a key like listKeys', async () => {
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    await all(sessionId);
    const sub = await service.dispatch('deletedKeys', { sessionId, offset: 0, limit: 100, filter: { mode: 'substring', pattern: '01' } });
    expect(sub.keys.map((k) => k.key)).toEqual(DELETED);
    const glob = await service.dispatch('deletedKeys', { sessionId, offset: 0, limit: 100, filter: { mode: 'glob', pattern: 'key:01[3-7]' } });
    expect(glob.keys.map((k) => k.key)).toEqual(['key:013', 'key:014', 'key:016', 'key:017']);
    expect(glob.unfilteredTotal).toBe(9);
    const page = await service.dispatch('deletedKeys', { sessionId, offset: 2, limit: 3 });
    expect(page.keys.map((k) => k.key)).toEqual(['key:012', 'key:013', 'key:014']);
    expect(page.total).toBe(9);
    const found = await service.dispatch('deletedKeys', { sessionId, offset: 0, limit: 0, find: 'key:016' });
    expect(found.found).toBe(5);
    const live = await service.dispatch('deletedKeys', { sessionId, offset: 0, limit: 0, find: 'key:015' });
    expect(live.found).toBe(-1);
    const prefix = await service.dispatch('deletedKeys', { sessionId, offset: 0, limit: 100, filter: { mode: 'prefix', pattern: 'key:02' } });
    expect(prefix.total).toBe(0);
    await expect(service.dispatch('deletedKeys', { sessionId, offset: 0, limit: 1, filter: { mode: 'glob', pattern: '[' } })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('reads the same keys without hints (the records of every segment)', async () => {
    const hints = readdirSync(dir).filter((f) => f.endsWith('.hint') || f === 'KEYDIR');
    expect(hints.length).toBeGreaterThan(0);
    for (const f of hints) rmSync(join(dir, f));
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    expect((await all(sessionId)).keys.map((k) => k.key)).toEqual(DELETED);
  });

  it('follows writes: a deleted key restored is live again, a newly deleted one is listed', async () => {
    const { sessionId } = await service.dispatch('openStore', { path: dir, readWrite: true });
    await all(sessionId);
    const { versions } = await service.dispatch('history', { sessionId, key: 'key:013' });
    const older = versions.filter((v) => v.kind === 'put');
    expect(older.map((v) => v.status)).toEqual(['shadowed']);
    await service.dispatch('restoreVersion', { sessionId, key: 'key:013', file: older[0]!.location.file, offset: older[0]!.location.offset });
    await service.dispatch('deleteKey', { sessionId, key: 'key:040' });
    const after = await all(sessionId);
    expect(after.keys.map((k) => k.key)).toEqual([...DELETED.filter((k) => k !== 'key:013'), 'key:040']);
    const value = await service.dispatch('getValue', { sessionId, key: 'key:013' });
    expect(Buffer.from(value.base64, 'base64').toString()).toBe('v1 of 13 '.padEnd(40, '.'));
    const listed = await service.dispatch('listKeys', { sessionId, offset: 0, limit: 0, find: 'key:013' });
    expect(listed.found).toBeGreaterThanOrEqual(0);
  });

  it('is not looked for at open: the first request starts the search, answers its progress, and can cancel it', async () => {
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const opener = searchingWith(async (real, o) => {
      calls++;
      o?.onProgress?.({ phase: 'deleted keys', done: 10, total: 40 });
      await Promise.race([gate, new Promise((_, reject) => o?.signal?.addEventListener('abort', () => reject(new Error('aborted'))))]);
      return real(o);
    });
    await service.close();
    service = makeService(opener);
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    expect(calls).toBe(0);
    const first = await service.dispatch('deletedKeys', { sessionId, offset: 0, limit: 10 });
    expect(first).toMatchObject({ complete: false, progress: { done: 10, total: 40 }, keys: [], total: 0 });
    expect(calls).toBe(1);
    const cancelled = await service.dispatch('deletedKeys', { sessionId, offset: 0, limit: 10, cancel: true });
    expect(cancelled).toMatchObject({ complete: false, cancelled: true, keys: [] });
    // Asked again: a new search, which this time is let through.
    const again = service.dispatch('deletedKeys', { sessionId, offset: 0, limit: 10 });
    release();
    expect((await again).complete || (await all(sessionId)).complete).toBe(true);
    expect(calls).toBe(2);
    expect((await all(sessionId)).keys.map((k) => k.key)).toEqual(DELETED);
  });

  it('keyTree with deleted: the deleted keys’ tree (counts of deleted keys only, filtered), following writes', async () => {
    const { sessionId } = await service.dispatch('openStore', { path: dir, readWrite: true });
    // Asked before deletedKeys ever was: it waits for the search.
    const root = await service.dispatch('keyTree', { sessionId, delimiter: ':', prefix: '', deleted: true });
    expect(root.nodes).toEqual([{ label: 'key:', prefix: 'key:', kind: 'branch', count: 9 }]);
    const level = await service.dispatch('keyTree', { sessionId, delimiter: ':', prefix: 'key:', deleted: true });
    expect(level.nodes.map((n) => [n.prefix, n.kind])).toEqual(DELETED.map((k) => [k, 'key']));
    const globbed = await service.dispatch('keyTree', { sessionId, delimiter: ':', prefix: 'key:', deleted: true, filter: { mode: 'glob', pattern: '*01[3-7]' } });
    expect(globbed.nodes.map((n) => n.prefix)).toEqual(['key:013', 'key:014', 'key:016', 'key:017']);
    // The live keys' tree is unchanged by it.
    expect((await service.dispatch('keyTree', { sessionId, delimiter: ':', prefix: '' })).nodes[0]!.count).toBe(51);
    await service.dispatch('putValue', { sessionId, key: 'key:013', valueBase64: Buffer.from('back').toString('base64') });
    await service.dispatch('deleteKey', { sessionId, key: 'key:030' });
    const after = await service.dispatch('keyTree', { sessionId, delimiter: ':', prefix: 'key:', deleted: true });
    expect(after.nodes.map((n) => n.prefix)).toEqual([...DELETED.filter((k) => k !== 'key:013'), 'key:030'].sort());
    expect(() => validateRequest('keyTree', { sessionId, delimiter: ':', prefix: '', deleted: false })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  it('keyTree with deleted waits for a search however long it takes (not Verify\'s bounded wait)', async () => {
    const opener = searchingWith(async (real, o) => {
      await new Promise((resolve) => setTimeout(resolve, DELETED_STATE_WAIT_MS + 500));
      return real(o);
    });
    await service.close();
    service = makeService(opener);
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    const root = await service.dispatch('keyTree', { sessionId, delimiter: ':', prefix: '', deleted: true });
    expect(root.nodes).toEqual([{ label: 'key:', prefix: 'key:', kind: 'branch', count: 9 }]);
  });

  it('validates its request', () => {
    for (const bad of [{ offset: -1, limit: 1 }, { offset: 0, limit: 1, cancel: false }, { offset: 0, limit: 1, deleted: true }, { offset: 0, limit: 10 ** 9 }]) {
      expect(() => validateRequest('deletedKeys', { sessionId: 's', ...bad })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    }
    expect(validateRequest('deletedKeys', { sessionId: 's', offset: 0, limit: 5, find: 'k', filter: { mode: 'prefix', pattern: 'a' } })).toBeTruthy();
  });
});

describe('deletedKeys follows the service’s writes without searching again', () => {
  /** An opener that hands out the opened store (for a full search to compare with) and counts the service's searches. */
  function capturingOpener() {
    const engine = createEngineOpener();
    const seen = { store: undefined as DeletedKeysStore | undefined, searches: 0, gate: undefined as Promise<void> | undefined };
    const opener: StoreOpener = {
      ...engine,
      async open(path, opts) {
        const handle = await engine.open(path, opts);
        const store = handle.store;
        const full = store.deletedKeys.bind(store);
        seen.store = { deletedKeys: () => full(), has: (key) => store.has(key) };
        store.deletedKeys = async (o) => {
          seen.searches++;
          const found = await full(o);
          // A gated search has read the store but not answered yet: writes made now are not in what it found.
          if (seen.gate) await seen.gate;
          return found;
        };
        return handle;
      },
    };
    return { opener, seen };
  }
  type DeletedKeysStore = { deletedKeys(): Promise<DeletedKey[]>; has(key: string): boolean };

  /** What a full search finds now (each key and where it was deleted), filtered by a substring. */
  async function fullSearch(store: DeletedKeysStore, substring = '') {
    return (await store.deletedKeys()).filter((d) => d.key.includes(substring)).map((d) => [d.key, d.deletedAt]);
  }
  async function listed(sessionId: string, substring = '') {
    const res = await all(sessionId, substring === '' ? {} : { filter: { mode: 'substring', pattern: substring } });
    return res.keys.map((k) => [k.key, k.deletedAt]);
  }

  it('a random run of puts, deletes and restores: after each step the list is what a full search finds, and no step searched again', async () => {
    const { opener, seen } = capturingOpener();
    await service.close();
    service = makeService(opener);
    const { sessionId } = await service.dispatch('openStore', { path: dir, readWrite: true });
    const store = seen.store!;
    expect(await listed(sessionId)).toEqual(await fullSearch(store));
    const random = rng(0xde1e7ed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    // Keys of the template and some it never had; the filter's substring changes the step's filtered window too.
    const pool = Array.from({ length: 80 }, (_, i) => `key:${String(i).padStart(3, '0')}`);
    const done = { put: 0, putDeleted: 0, delete: 0, deleteMissing: 0, restore: 0 };
    for (let step = 0; step < 160; step++) {
      const deletedNow = (await store.deletedKeys()).map((d) => d.key);
      const r = random();
      if (r < 0.25) {
        await service.dispatch('putValue', { sessionId, key: pick(pool), valueBase64: Buffer.from(`step ${step}`).toString('base64') });
        done.put++;
      } else if (r < 0.4 && deletedNow.length > 0) {
        await service.dispatch('putValue', { sessionId, key: pick(deletedNow), valueBase64: Buffer.from(`back at ${step}`).toString('base64') });
        done.putDeleted++;
      } else if (r < 0.8) {
        const key = pick(pool);
        const wasLive = store.has(key);
        const { deleted } = await service.dispatch('deleteKey', { sessionId, key });
        expect(deleted).toBe(wasLive);
        if (deleted) done.delete++;
        else done.deleteMissing++;
      } else if (deletedNow.length > 0) {
        const key = pick(deletedNow);
        const older = (await service.dispatch('history', { sessionId, key })).versions.filter((v) => v.kind === 'put' && v.status !== 'corrupt');
        if (older.length === 0) continue;
        const v = pick(older);
        await service.dispatch('restoreVersion', { sessionId, key, file: v.location.file, offset: v.location.offset });
        done.restore++;
      }
      expect(await listed(sessionId), `step ${step}`).toEqual(await fullSearch(store));
      const sub = pick(['01', '2', ':0']);
      expect(await listed(sessionId, sub), `step ${step}, filtered by ${sub}`).toEqual(await fullSearch(store, sub));
    }
    // Every kind of step ran, and the list was found once.
    for (const count of Object.values(done)) expect(count).toBeGreaterThan(3);
    expect(seen.searches).toBe(1);
  });

  it('writes made while the search runs are in the list it ends with', async () => {
    const { opener, seen } = capturingOpener();
    let release!: () => void;
    seen.gate = new Promise<void>((r) => (release = r));
    await service.close();
    service = makeService(opener);
    const { sessionId } = await service.dispatch('openStore', { path: dir, readWrite: true });
    expect(await service.dispatch('deletedKeys', { sessionId, offset: 0, limit: 10 })).toMatchObject({ complete: false });
    // The search has read the store, not yet answered: a delete and a put it did not see, and a key deleted then put back.
    await service.dispatch('deleteKey', { sessionId, key: 'key:041' });
    await service.dispatch('putValue', { sessionId, key: 'key:016', valueBase64: Buffer.from('again').toString('base64') });
    await service.dispatch('deleteKey', { sessionId, key: 'key:042' });
    await service.dispatch('putValue', { sessionId, key: 'key:042', valueBase64: Buffer.from('and back').toString('base64') });
    release();
    const keys = (await all(sessionId)).keys.map((k) => k.key);
    expect(keys).toEqual([...DELETED.filter((k) => k !== 'key:016'), 'key:041']);
    expect(await listed(sessionId)).toEqual(await fullSearch(seen.store!));
    expect(seen.searches).toBe(1);
  });

  it('a compaction (which drops tombstones) makes the list be found again', async () => {
    const { opener, seen } = capturingOpener();
    await service.close();
    service = makeService(opener);
    const { sessionId } = await service.dispatch('openStore', { path: dir, readWrite: true });
    await all(sessionId);
    await service.dispatch('deleteKey', { sessionId, key: 'key:050' });
    const before = await listed(sessionId);
    expect(seen.searches).toBe(1);
    const done = new Promise<void>((resolve) => {
      const off = service.onEvent((e) => {
        if (e.type === 'job-done') {
          off();
          resolve();
        }
      });
    });
    await service.dispatch('compact', { sessionId });
    await done;
    const after = await listed(sessionId);
    expect(seen.searches).toBe(2);
    expect(after).toEqual(await fullSearch(seen.store!));
    expect(after).not.toEqual(before);
  });
});

describe('deletedKeys on other engines’ directories (read-only)', () => {
  const riak = `${SHARED_DIR}/fixtures/riak-bitcask/basic/data`;
  const mini = `${SHARED_DIR}/fixtures/mini-kvstore-v2/edge-cases/data`;

  it.skipIf(!existsSync(riak))('riak-bitcask: the deleted keys, each deleted at its tombstone; key-007 (deleted, put again) is live', async () => {
    const { sessionId } = await service.dispatch('openStore', { path: riak });
    const res = await all(sessionId);
    expect(res.keys.map((k) => k.key)).toEqual(['key-005', 'key-012', 'key-020', 'key-029']);
    for (const entry of res.keys) {
      const { versions } = await service.dispatch('history', { sessionId, key: entry.key });
      expect(versions.at(-1)).toMatchObject({ kind: 'delete', status: 'tombstone', location: entry.deletedAt });
      expect(versions.some((v) => v.kind === 'put' && v.status === 'shadowed')).toBe(true);
    }
    const old = (await service.dispatch('history', { sessionId, key: 'key-005' })).versions.find((v) => v.kind === 'put')!;
    await expect(service.dispatch('restoreVersion', { sessionId, key: 'key-005', file: old.location.file, offset: old.location.offset })).rejects.toMatchObject({ code: 'NOT_WRITABLE' });
  });

  it.skipIf(!existsSync(mini))('mini-kvstore-v2 edge cases: ghost and gone', async () => {
    const { sessionId } = await service.dispatch('openStore', { path: mini });
    const res = await all(sessionId);
    expect(res.keys.map((k) => k.key)).toEqual(['ghost', 'gone']);
    expect(res.keys[1]!.deletedAt).toMatchObject({ file: 'segment-3.dat', offset: 25, sequenceIsOrder: true });
  });
});
