import { createHash } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { InspectorService, MAX_SESSIONS } from '../../src/inspector/service.js';
import type { KvscopeEvent } from '../../src/shared/contract.js';
import { textToKeyString } from '../../src/shared/keytext.js';
import { SHARED_DIR } from '../shared-dir.js';
import { rejection } from './rejection.js';

const ROOT = resolve(import.meta.dirname, '../..');
let base: string;
let template: string;

/** A small store: 200 users, overwrites, a tombstone, a binary key, a 3 MiB value, several segments. */
async function buildTemplate(dir: string): Promise<void> {
  const store = await Store.open(dir, { create: true, segmentSize: 32 * 1024, fsync: 'never' });
  for (let i = 0; i < 200; i++) await store.put(`user:${String(i).padStart(3, '0')}`, JSON.stringify({ i }));
  for (let i = 0; i < 200; i += 2) await store.put(`user:${String(i).padStart(3, '0')}`, JSON.stringify({ i, v: 2 }));
  await store.delete('user:199');
  await store.put(Buffer.from([0, 0xff, 0x10]), 'binary key');
  await store.put('big', Buffer.alloc(3 * 1024 * 1024, 0x61));
  await store.put('café', 'utf8 key');
  await store.close();
}

function copyDir(from: string, to: string): void {
  cpSync(from, to, { recursive: true, filter: (src) => !src.endsWith('.lock') });
}

/** Every file under dir with its bytes' hash: proof that nothing changed. */
function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const info = statSync(path);
    out[name] = info.isDirectory()
      ? JSON.stringify(fingerprint(path))
      : createHash('sha256').update(readFileSync(path)).digest('hex') + `@${info.mtimeMs}`;
  }
  return out;
}

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'kvscope-svc-'));
  template = join(base, 'template');
  await buildTemplate(template);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

let dir: string;
let configDir: string;
let service: InspectorService;
let events: KvscopeEvent[];
let n = 0;

beforeEach(() => {
  n++;
  dir = join(base, `store-${n}`);
  configDir = join(base, `config-${n}`);
  copyDir(template, dir);
  service = new InspectorService({ opener: createEngineOpener(), configDir });
  events = [];
  service.onEvent((e) => events.push(e));
});
afterEach(async () => {
  await service.close();
});

function waitForEvent(pred: (e: KvscopeEvent) => boolean): Promise<KvscopeEvent> {
  return new Promise((resolveEvent) => {
    const found = events.find(pred);
    if (found) return resolveEvent(found);
    const off = service.onEvent((e) => {
      if (pred(e)) {
        off();
        resolveEvent(e);
      }
    });
  });
}

describe('InspectorService on a real store', () => {
  it('opens read-only by default and browsing never changes a byte of the store', async () => {
    const before = fingerprint(dir);
    const info = await service.dispatch('openStore', { path: dir });
    expect(info).toMatchObject({ format: 'kvscope', readOnly: true, writable: true, keyCount: 202 });
    const { sessionId } = info;
    await service.dispatch('listKeys', { sessionId, offset: 0, limit: 50 });
    await service.dispatch('listKeys', { sessionId, offset: 0, limit: 50, filter: { mode: 'glob', pattern: 'user:1*' } });
    await service.dispatch('keyTree', { sessionId, delimiter: ':', prefix: '' });
    await service.dispatch('getValue', { sessionId, key: 'user:000' });
    await service.dispatch('history', { sessionId, key: 'user:000' });
    await service.dispatch('stats', { sessionId });
    await service.dispatch('closeStore', { sessionId });
    expect(fingerprint(dir)).toEqual(before);
  });

  it(`keeps at most ${MAX_SESSIONS} sessions open, closing the least recently used, and says so to it`, async () => {
    const ids: string[] = [];
    for (let i = 0; i < MAX_SESSIONS; i++) ids.push((await service.dispatch('openStore', { path: dir })).sessionId);
    // The first is used again: the second is now the least recently used.
    await service.dispatch('stats', { sessionId: ids[0]! });
    const newest = (await service.dispatch('openStore', { path: dir })).sessionId;
    const closed = await rejection(service.dispatch('stats', { sessionId: ids[1]! }));
    expect(closed.code).toBe('NO_SESSION');
    expect(closed.message).toContain(`closed because ${MAX_SESSIONS} others were opened after it was last used`);
    for (const id of [ids[0]!, ...ids.slice(2), newest]) expect((await service.dispatch('stats', { sessionId: id })).keys).toBe(202);
    // A session closed by its page is simply not open.
    await service.dispatch('closeStore', { sessionId: newest });
    expect((await rejection(service.dispatch('stats', { sessionId: newest }))).message).toContain('This store is not open');
  });

  it('remembers recent directories in the config dir, not in the store', async () => {
    await service.dispatch('openStore', { path: dir });
    const recent = await service.dispatch('listRecent', {});
    expect(recent.entries[0]).toMatchObject({ path: dir, format: 'kvscope' });
    expect(JSON.parse(readFileSync(join(configDir, 'recent.json'), 'utf8')).entries[0].path).toBe(dir);
    expect(readdirSync(dir).some((f) => f.includes('recent'))).toBe(false);
  });

  it('lists sorted, filtered windows with escaped and hex forms', async () => {
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    const first = await service.dispatch('listKeys', { sessionId, offset: 0, limit: 3 });
    expect(first.total).toBe(202);
    expect(first.keys[0]).toEqual({ key: '\u0000\u00ff\u0010', display: '\\x00\\xff\\x10', hex: '00ff10', printable: false });
    expect(first.keys.map((k) => k.key)).toEqual(['\u0000\u00ff\u0010', 'big', textToKeyString('café')]);
    const filtered = await service.dispatch('listKeys', {
      sessionId,
      offset: 10,
      limit: 5,
      filter: { mode: 'prefix', pattern: 'user:1' },
    });
    expect(filtered.total).toBe(99); // user:100..user:198 (199 deleted)
    expect(filtered.unfilteredTotal).toBe(202);
    expect(filtered.keys.map((k) => k.display)).toEqual(['user:110', 'user:111', 'user:112', 'user:113', 'user:114']);
    const sub = await service.dispatch('listKeys', { sessionId, offset: 0, limit: 5, filter: { mode: 'substring', pattern: 'fé' } });
    expect(sub.keys.map((k) => k.display)).toEqual(['café']);
  });

  it('returns values with location, capping large ones', async () => {
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    const small = await service.dispatch('getValue', { sessionId, key: 'user:000' });
    expect(Buffer.from(small.base64, 'base64').toString()).toBe('{"i":0,"v":2}');
    expect(small.location).toMatchObject({ file: expect.stringMatching(/\.data$/), segment: expect.any(Number) });
    expect(small.location!.sequence).toBeGreaterThan(0);
    const big = await service.dispatch('getValue', { sessionId, key: 'big' });
    expect(big.size).toBe(3 * 1024 * 1024);
    expect(big.truncated).toBe(true);
    expect(Buffer.from(big.base64, 'base64').length).toBe(1024 * 1024);
    const tail = await service.dispatch('getValue', { sessionId, key: 'big', offset: 3 * 1024 * 1024 - 10, maxBytes: 100 });
    expect(Buffer.from(tail.base64, 'base64').toString()).toBe('a'.repeat(10));
    const missing = await service.dispatch('getValue', { sessionId, key: 'user:199' });
    expect(missing.found).toBe(false);
    const history = await service.dispatch('history', { sessionId, key: 'user:199' });
    expect(history.versions.map((v) => v.status)).toContain('tombstone');
  });

  it('refuses writes while read-only with a typed error, and allows them after switching', async () => {
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    const put = { sessionId, key: 'new', valueBase64: Buffer.from('v').toString('base64') };
    expect((await rejection(service.dispatch('putValue', put))).code).toBe('READ_ONLY');
    expect((await rejection(service.dispatch('deleteKey', { sessionId, key: 'user:000' }))).code).toBe('READ_ONLY');
    expect((await rejection(service.dispatch('compact', { sessionId }))).code).toBe('READ_ONLY');

    const rw = await service.dispatch('setMode', { sessionId, readWrite: true });
    expect(rw.readOnly).toBe(false);
    expect((await service.dispatch('putValue', put)).keyCount).toBe(203);
    expect(await service.dispatch('deleteKey', { sessionId, key: 'user:000' })).toEqual({ deleted: true, keyCount: 202 });
    const page = await service.dispatch('listKeys', { sessionId, offset: 0, limit: 5, filter: { mode: 'prefix', pattern: 'user:00' } });
    expect(page.keys[0]!.key).toBe('user:001');
    expect(events.filter((e) => e.type === 'store-changed')).toHaveLength(2);

    await service.dispatch('setMode', { sessionId, readWrite: false });
    await service.close();
    const reopened = await Store.open(dir, { readOnly: true });
    expect((await reopened.get('new'))?.toString()).toBe('v');
    expect(reopened.has('user:000')).toBe(false);
    await reopened.close();
  });

  it('compacts as a job with progress events and before/after figures', async () => {
    const { sessionId } = await service.dispatch('openStore', { path: dir, readWrite: true });
    const plan = (await service.dispatch('stats', { sessionId })).compactionPlan!;
    expect(plan.bytesToReclaim).toBeGreaterThan(0);
    const { jobId } = await service.dispatch('compact', { sessionId });
    const done = await waitForEvent((e) => e.type !== 'job-progress' && 'jobId' in e && e.jobId === jobId);
    expect(done.type).toBe('job-done');
    if (done.type !== 'job-done' || done.kind !== 'compact') throw new Error('expected a compaction result');
    expect(done.result.reclaimedBytes).toBeGreaterThan(0);
    expect(done.result.bytesAfter).toBeLessThan(done.result.bytesBefore);
    // The dry run said exactly what the compaction did.
    expect(done.result.planned).toEqual(plan);
    expect(done.result.inputSegments).toEqual(plan.inputSegments);
    expect(done.result.recordsDropped).toBe(plan.recordsToDrop);
    expect(done.result.reclaimedBytes).toBe(plan.bytesToReclaim);
    expect(events.some((e) => e.type === 'job-progress' && e.jobId === jobId)).toBe(true);
    expect((await service.dispatch('stats', { sessionId })).deadBytes).toBeLessThan(plan.bytesToReclaim);
    expect((await service.dispatch('listKeys', { sessionId, offset: 0, limit: 1 })).total).toBe(202);
  });

  it('cancels a compaction job and leaves the store as it was', async () => {
    const { sessionId } = await service.dispatch('openStore', { path: dir, readWrite: true });
    const before = (await service.dispatch('stats', { sessionId })).compactionPlan!;
    const { jobId } = await service.dispatch('compact', { sessionId });
    expect(await service.dispatch('cancelJob', { jobId })).toEqual({ cancelled: true });
    const end = await waitForEvent((e) => e.type !== 'job-progress' && 'jobId' in e && e.jobId === jobId);
    expect(end).toMatchObject({ type: 'job-failed', error: { code: 'ABORTED' } });
    // Nothing was compacted: the same dead records are still there to reclaim, every key still readable.
    const after = (await service.dispatch('stats', { sessionId })).compactionPlan!;
    expect(after.recordsToDrop).toBe(before.recordsToDrop);
    expect(after.bytesToReclaim).toBe(before.bytesToReclaim);
    expect((await service.dispatch('listKeys', { sessionId, offset: 0, limit: 1 })).total).toBe(202);
    expect(await service.dispatch('cancelJob', { jobId })).toEqual({ cancelled: false });
  });

  it('resolves ".." segments and a leading ~/ in the paths it is given', async () => {
    const up = `${dir}/../${basename(dir)}/./`;
    const viaDots = await service.dispatch('openStore', { path: up });
    expect(viaDots.path).toBe(dir);
    expect(viaDots.keyCount).toBe(202);
    expect((await service.dispatch('listRecent', {})).entries.map((e) => e.path)).toEqual([dir]);
    const home = process.env.HOME;
    process.env.HOME = base;
    try {
      const viaHome = await service.dispatch('openStore', { path: `~/${basename(dir)}` });
      expect(viaHome.path).toBe(dir);
      expect((await service.dispatch('addRecent', { path: '~/elsewhere/../other' })).entries[0]!.path).toBe(join(base, 'other'));
      // repair's and the crash lab's copies go where the resolved path says.
      const repaired = await service.dispatch('repair', { sessionId: viaHome.sessionId, to: `~/repaired-${n}/../repaired-${n}-b` });
      expect(repaired.target).toBe(join(base, `repaired-${n}-b`));
      expect(existsSync(join(base, `repaired-${n}-b`))).toBe(true);
      expect(existsSync(join(base, `repaired-${n}`))).toBe(false);
    } finally {
      process.env.HOME = home;
    }
  });

  it('answers NO_JOB for a job id it never started, and cancelled: false for one that ended', async () => {
    expect(await rejection(service.dispatch('cancelJob', { jobId: 'job_0123456789abcdef' }))).toMatchObject({ code: 'NO_JOB', details: { jobId: 'job_0123456789abcdef' } });
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    const { jobId } = await service.dispatch('verify', { sessionId });
    await waitForEvent((e) => e.type === 'job-done' && e.jobId === jobId);
    expect(await service.dispatch('cancelJob', { jobId })).toEqual({ cancelled: false });
  });

  it('explains missing and non-store directories and malformed requests', async () => {
    expect((await rejection(service.dispatch('openStore', { path: join(base, 'nope') }))).code).toBe('NOT_FOUND');
    mkdirSync(join(base, 'empty'), { recursive: true });
    expect((await rejection(service.dispatch('openStore', { path: join(base, 'empty') }))).code).toBe('NOT_A_STORE');
    expect((await rejection(service.dispatch('openStore', { path: `${dir}/../x` }))).code).toBe('NOT_FOUND');
    expect((await rejection(service.dispatch('openStore', { path: 'relative/x' }))).code).toBe('BAD_REQUEST');
    expect((await rejection(service.dispatch('stats', { sessionId: 'nope' }))).code).toBe('NO_SESSION');
  });

  it('refuses read-write when the service was started read-only', async () => {
    const readOnlyService = new InspectorService({ opener: createEngineOpener(), configDir, allowWrites: false });
    try {
      const info = await readOnlyService.dispatch('openStore', { path: dir });
      expect(info.writable).toBe(false);
      const err = await rejection(readOnlyService.dispatch('setMode', { sessionId: info.sessionId, readWrite: true }));
      expect(err.code).toBe('READ_ONLY');
    } finally {
      await readOnlyService.close();
    }
  });

  const foreign = `${SHARED_DIR}/fixtures/mini-kvstore-v2/segments/data`;
  it.skipIf(!existsSync(foreign))('a foreign format in a read-only host is said read-only for its format, not for the host (--read-write would not help)', async () => {
    const readOnlyService = new InspectorService({ opener: createEngineOpener(), configDir, allowWrites: false });
    try {
      const info = await readOnlyService.dispatch('openStore', { path: foreign });
      expect(info.writable).toBe(false);
      expect(info.notWritableReason).toBe(
        `kvscope writes only its own format, and this store is ${info.format} (Copy into a new kvscope store… makes a copy you can edit, in an inspector started with --read-write)`,
      );
      const err = await rejection(readOnlyService.dispatch('setMode', { sessionId: info.sessionId, readWrite: true }));
      expect(err.code).toBe('NOT_WRITABLE');
    } finally {
      await readOnlyService.close();
    }
  });

  it.skipIf(!existsSync(foreign))("a format without sequence numbers: history and values say a version's sequence is its place in the replay", async () => {
    const info = await service.dispatch('openStore', { path: foreign });
    try {
      const { versions } = await service.dispatch('history', { sessionId: info.sessionId, key: 'count' });
      expect(versions.length).toBeGreaterThan(1);
      expect(versions.every((v) => v.location.sequenceIsOrder === true)).toBe(true);
      expect((await service.dispatch('getValue', { sessionId: info.sessionId, key: 'count' })).location?.sequenceIsOrder).toBe(true);
    } finally {
      await service.dispatch('closeStore', { sessionId: info.sessionId });
    }
  });

  it.skipIf(!existsSync(foreign))('opens a foreign format read-only, refuses read-write, and changes nothing', async () => {
    const before = fingerprint(foreign);
    const info = await service.dispatch('openStore', { path: foreign });
    expect(info.format).not.toBe('kvscope');
    expect(info).toMatchObject({ readOnly: true, writable: false });
    const err = await rejection(service.dispatch('setMode', { sessionId: info.sessionId, readWrite: true }));
    expect(err.code).toBe('NOT_WRITABLE');
    const page = await service.dispatch('listKeys', { sessionId: info.sessionId, offset: 0, limit: 10 });
    expect(page.total).toBe(info.keyCount);
    if (page.keys[0]) await service.dispatch('getValue', { sessionId: info.sessionId, key: page.keys[0].key });
    expect((await service.dispatch('stats', { sessionId: info.sessionId })).compactionPlan).toBeUndefined();
    await service.dispatch('closeStore', { sessionId: info.sessionId });
    expect(fingerprint(foreign)).toEqual(before);
  });

  const edgeCases = `${SHARED_DIR}/fixtures/mini-kvstore-v2/edge-cases`;
  it.skipIf(!existsSync(edgeCases))('lists and reads every live key of a fixture, the empty key included', async () => {
    const expected = JSON.parse(readFileSync(join(edgeCases, 'expected.json'), 'utf8')) as { live: Record<string, string> };
    const info = await service.dispatch('openStore', { path: join(edgeCases, 'data') });
    const page = await service.dispatch('listKeys', { sessionId: info.sessionId, offset: 0, limit: 100 });
    const keys = page.keys.map((k) => Buffer.from(k.key, 'latin1').toString('utf8'));
    expect(keys.sort()).toEqual(Object.keys(expected.live).sort());
    expect(keys).toContain('');
    for (const [key, value] of Object.entries(expected.live)) {
      const got = await service.dispatch('getValue', { sessionId: info.sessionId, key: Buffer.from(key, 'utf8').toString('latin1') });
      expect(got.found, key).toBe(true);
      expect(Buffer.from(got.base64, 'base64').toString('utf8'), key).toBe(value);
    }
    await service.dispatch('closeStore', { sessionId: info.sessionId });
  });

  describe('with a second writer process', () => {
    let child: ChildProcess | undefined;
    afterEach(async () => {
      // Wait for the writer to exit: its close writes into the directory the suite then removes.
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child!.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      child = undefined;
    });

    it('refuses read-write with the lock holder pid and stays usable read-only', async () => {
      child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'e2e/helpers/hold-writer.ts'), dir], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const pid = await new Promise<number>((resolvePid, reject) => {
        let out = '';
        child!.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /ready (\d+)/.exec(out);
          if (m) resolvePid(Number(m[1]));
        });
        child!.on('exit', (code) => reject(new Error(`writer exited ${code}`)));
      });
      const { sessionId } = await service.dispatch('openStore', { path: dir });
      const err = await rejection(service.dispatch('setMode', { sessionId, readWrite: true }));
      expect(err.code).toBe('LOCKED');
      expect(err.details).toEqual({ pid });
      expect(err.message).toContain(String(pid));
      expect((await rejection(service.dispatch('openStore', { path: dir, readWrite: true }))).details).toEqual({ pid });
      expect((await service.dispatch('listKeys', { sessionId, offset: 0, limit: 1 })).total).toBe(202);
    });
  });
});

describe('a file compacted away under a read-only session', () => {
  it('is NOT_FOUND with details.file naming it, for records, recordAt and readBytes alike', async () => {
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    const first = (await service.dispatch('records', { sessionId, file: '000001.data', start: 0, limit: 10 })).rows;
    expect(first.length).toBeGreaterThan(0);
    // Another writer (the session is read-only and holds no lock) compacts: every sealed segment goes.
    const writer = await Store.open(dir, { segmentSize: 32 * 1024, fsync: 'never' });
    await writer.compact();
    await writer.close();
    expect(existsSync(join(dir, '000001.data'))).toBe(false);
    for (const call of [
      service.dispatch('records', { sessionId, file: '000001.data', start: 0, limit: 10 }),
      service.dispatch('recordAt', { sessionId, file: '000001.data', offset: first[1]!.offset }),
      service.dispatch('readBytes', { sessionId, file: '000001.data', offset: 0, length: 64 }),
    ]) {
      const err = await rejection(call);
      expect(err.code).toBe('NOT_FOUND');
      expect(err.details).toEqual({ file: '000001.data' });
    }
    // A file that is there is no such error.
    const { files } = await service.dispatch('segments', { sessionId });
    expect(files.some((f) => f.file === '000001.data')).toBe(false);
    const data = files.find((f) => f.role === 'data')!.file;
    expect((await service.dispatch('records', { sessionId, file: data, start: 0, limit: 10 })).rows.length).toBeGreaterThan(0);
  });
});

describe('listKeys with find', () => {
  it('says where a key is in the list as filtered, or -1, whatever window it asks for', async () => {
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    const all = await service.dispatch('listKeys', { sessionId, offset: 0, limit: 1000 });
    const at = all.keys.findIndex((k) => k.key === 'user:150');
    expect(at).toBeGreaterThan(100);
    expect((await service.dispatch('listKeys', { sessionId, offset: 0, limit: 0, find: 'user:150' })).found).toBe(at);
    const filter = { mode: 'substring' as const, pattern: ':15' };
    const filtered = await service.dispatch('listKeys', { sessionId, offset: 0, limit: 100, filter, find: 'user:150' });
    expect(filtered.found).toBe(filtered.keys.findIndex((k) => k.key === 'user:150'));
    expect(filtered.found).toBeGreaterThanOrEqual(0);
    expect((await service.dispatch('listKeys', { sessionId, offset: 0, limit: 0, filter, find: 'user:001' })).found).toBe(-1);
    // A deleted key, and one that never was, are not in the list.
    expect((await service.dispatch('listKeys', { sessionId, offset: 0, limit: 0, find: 'user:199' })).found).toBe(-1);
    expect((await service.dispatch('listKeys', { sessionId, offset: 0, limit: 0, find: 'user:1500' })).found).toBe(-1);
    // Without find, no answer to it.
    expect('found' in all).toBe(false);
  });
});

describe('getValue windows', () => {
  it('answers an offset past the value\'s end with BAD_REQUEST, and one exactly at the end with an empty, complete window', async () => {
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    const size = 3 * 1024 * 1024;
    const past = await rejection(service.dispatch('getValue', { sessionId, key: 'big', offset: size + 1 }));
    expect(past.code).toBe('BAD_REQUEST');
    expect(past.message).toBe(`offset ${size + 1} is past the end of the value (${size} bytes)`);
    expect(past.details).toEqual({ offset: size + 1, size });
    const atEnd = await service.dispatch('getValue', { sessionId, key: 'big', offset: size });
    expect(atEnd).toMatchObject({ found: true, size, offset: size, base64: '', truncated: false });
    // truncated says whether bytes follow the window: a window that reaches the end is complete, one that stops short is not.
    const tail = await service.dispatch('getValue', { sessionId, key: 'big', offset: size - 10 });
    expect(tail).toMatchObject({ offset: size - 10, truncated: false });
    expect(Buffer.from(tail.base64, 'base64').length).toBe(10);
    const middle = await service.dispatch('getValue', { sessionId, key: 'big', offset: 1024 * 1024 });
    expect(middle).toMatchObject({ offset: 1024 * 1024, truncated: true });
    // A small value at offset 0 (its whole self), and a key without a live value at any offset.
    expect(await service.dispatch('getValue', { sessionId, key: 'user:000', offset: 0 })).toMatchObject({ truncated: false });
    expect(await service.dispatch('getValue', { sessionId, key: 'user:199', offset: 5 })).toMatchObject({ found: false, truncated: false });
  });
});
