/**
 * "Import JSON Lines…" (importFile): a JSON Lines file imported into the open
 * kvscope store (read-write), through import-lines.ts as `kvscope import
 * FILE`: what exportKeys wrote comes back whole; a bad line imports nothing;
 * a cancel while checking imports nothing, while writing keeps the whole
 * batches written and says through which line.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import type { ImportResult } from '../../src/shared/contract.js';
import { discoverFixtures, hashTree } from '../formats/helpers.js';
import { rejection } from './rejection.js';
import { jobHarness } from './job-harness.js';

const h = jobHarness('kvscope-import-file-');

async function imported(sessionId: string, path: string): Promise<ImportResult> {
  const { jobId } = await h.service.dispatch('importFile', { sessionId, path });
  const end = await h.jobEnd(jobId);
  if (end.type !== 'job-done' || end.kind !== 'import') throw new Error(`expected an import's result, got ${JSON.stringify(end)}`);
  return end.result;
}

async function entries(dir: string): Promise<Map<string, string>> {
  const store = await Store.open(dir, { readOnly: true });
  try {
    return new Map((await store.scan()).map(({ key, value }) => [key.toString('latin1'), value.toString('latin1')] as const));
  } finally {
    await store.close();
  }
}

/** A new kvscope store open read-write in the h.service (holding `keep: old` to start with). */
async function writableStore(dir: string): Promise<string> {
  const store = await Store.open(dir, { create: true, fsync: 'never' });
  await store.put('keep', 'old');
  await store.close();
  return (await h.service.dispatch('openStore', { path: dir, readWrite: true })).sessionId;
}

function jsonLines(n: number): string {
  return Array.from({ length: n }, (_, i) => JSON.stringify({ key: `k:${String(i).padStart(6, '0')}`, value: `v${i}` })).join('\n') + '\n';
}

describe('importFile', () => {
  it("what exportKeys wrote of another engine's store comes back whole, beside the keys there", async () => {
    const riak = discoverFixtures().find((c) => c.name === 'riak-bitcask/basic');
    if (!riak) throw new Error('no riak-bitcask/basic fixture');
    const source = await h.service.dispatch('openStore', { path: riak.dataDir });
    const file = join(h.base, 'riak.jsonl');
    const { jobId } = await h.service.dispatch('exportKeys', { sessionId: source.sessionId, path: file });
    expect(await h.jobEnd(jobId)).toMatchObject({ type: 'job-done', kind: 'export' });
    const dir = join(h.base, 'target');
    const sessionId = await writableStore(dir);
    const result = await imported(sessionId, file);
    expect(result).toMatchObject({ path: file, lines: source.keyCount, records: source.keyCount, imported: source.keyCount, throughLine: source.keyCount, interrupted: false, keyCount: source.keyCount + 1 });
    expect((await h.service.dispatch('listKeys', { sessionId, offset: 0, limit: 0 })).total).toBe(source.keyCount + 1);
    expect(h.events).toContainEqual({ type: 'store-changed', sessionId });
    await h.service.dispatch('closeStore', { sessionId });
    const got = await entries(dir);
    expect(got.get('keep')).toBe('old');
    expect(got.size).toBe(source.keyCount + 1);
    expect(Buffer.from(got.get('binary-value')!, 'latin1').toString('base64')).toBe('AAABAv/+AIAA');
  });

  it('a line with "deleted": true deletes the key; blank lines are skipped', async () => {
    const dir = join(h.base, 'target');
    const sessionId = await writableStore(dir);
    const file = join(h.base, 'in.jsonl');
    writeFileSync(file, '{"key": "a", "value": "1"}\n\n{"key": "keep", "deleted": true}\n{"key": {"base64": "AP8="}, "value": {"base64": "AQI="}}\n');
    expect(await imported(sessionId, file)).toMatchObject({ lines: 4, records: 3, imported: 3, keyCount: 2 });
    await h.service.dispatch('closeStore', { sessionId });
    expect(await entries(dir)).toEqual(new Map([['a', '1'], ['\u0000\u00ff', '\u0001\u0002']]));
  });

  it('a bad line imports nothing, and is named', async () => {
    const dir = join(h.base, 'target');
    const sessionId = await writableStore(dir);
    const before = hashTree(dir);
    const file = join(h.base, 'bad.jsonl');
    writeFileSync(file, `${jsonLines(20_000)}{"key": "x"}\n`);
    const { jobId } = await h.service.dispatch('importFile', { sessionId, path: file });
    expect(await h.jobEnd(jobId)).toMatchObject({ type: 'job-failed', error: { code: 'BAD_REQUEST', message: `${file}:20001: missing "value" (or "deleted": true); nothing was imported`, details: { line: 20001 } } });
    expect(hashTree(dir)).toEqual(before);
    expect((await h.service.dispatch('listKeys', { sessionId, offset: 0, limit: 0 })).total).toBe(1);
  });

  it('cancelled while checking: nothing imported; while writing: the whole batches written stay, said', async () => {
    const dir = join(h.base, 'target');
    const sessionId = await writableStore(dir);
    const file = join(h.base, 'many.jsonl');
    writeFileSync(file, jsonLines(30_000));
    const cancelAt = (phase: string, done: number) =>
      h.service.onEvent((e) => {
        if (e.type === 'job-progress' && e.phase === phase && e.done >= done) void h.service.dispatch('cancelJob', { jobId: e.jobId }).catch(() => undefined);
      });
    let off = cancelAt('Checking lines', 1);
    let { jobId } = await h.service.dispatch('importFile', { sessionId, path: file });
    expect(await h.jobEnd(jobId)).toMatchObject({ type: 'job-failed', error: { code: 'ABORTED' } });
    off();
    expect((await h.service.dispatch('listKeys', { sessionId, offset: 0, limit: 0 })).total).toBe(1);

    off = cancelAt('Importing', 15_000);
    ({ jobId } = await h.service.dispatch('importFile', { sessionId, path: file }));
    const end = await h.jobEnd(jobId);
    off();
    expect(end).toMatchObject({ type: 'job-done', kind: 'import', result: { interrupted: true, imported: 10_000, throughLine: 10_000, lines: 30_000, keyCount: 10_001 } });
    await h.service.dispatch('closeStore', { sessionId });
    const got = await entries(dir);
    expect(got.size).toBe(10_001);
    expect(got.get('k:009999')).toBe('v9999');
    expect(got.has('k:010000')).toBe(false);
  });

  it('refuses a read-only session, another format, a missing file, a directory, a relative path', async () => {
    const dir = join(h.base, 'target');
    const store = await Store.open(dir, { create: true, fsync: 'never' });
    await store.close();
    const file = join(h.base, 'in.jsonl');
    writeFileSync(file, jsonLines(3));
    const readOnly = (await h.service.dispatch('openStore', { path: dir })).sessionId;
    expect((await rejection(h.service.dispatch('importFile', { sessionId: readOnly, path: file }))).code).toBe('READ_ONLY');
    const riak = discoverFixtures().find((c) => c.name === 'riak-bitcask/basic')!;
    const foreign = (await h.service.dispatch('openStore', { path: riak.dataDir })).sessionId;
    expect((await rejection(h.service.dispatch('importFile', { sessionId: foreign, path: file }))).code).toBe('NOT_WRITABLE');
    await h.service.dispatch('closeStore', { sessionId: readOnly });
    const sessionId = (await h.service.dispatch('openStore', { path: dir, readWrite: true })).sessionId;
    expect(await rejection(h.service.dispatch('importFile', { sessionId, path: join(h.base, 'missing.jsonl') }))).toMatchObject({ code: 'NOT_FOUND' });
    mkdirSync(join(h.base, 'a-dir'));
    expect(await rejection(h.service.dispatch('importFile', { sessionId, path: join(h.base, 'a-dir') }))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await rejection(h.service.dispatch('importFile', { sessionId, path: 'in.jsonl' }))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(h.events.filter((e) => e.type.startsWith('job-'))).toEqual([]);
  });
});
