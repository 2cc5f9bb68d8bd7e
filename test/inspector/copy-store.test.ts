/**
 * "Copy into a new kvscope store…" (copyStore): a job that copies the live
 * keys of any open store into a new kvscope store, sharing copy-live.ts with
 * `kvscope import --from`. Every fixture a real program wrote comes out with
 * exactly its live keys (expected.json) and is not changed; a cancelled copy
 * leaves no directory behind; a target that is not new is refused before any
 * job starts.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { InspectorService } from '../../src/inspector/service.js';
import type { CopyResult } from '../../src/shared/contract.js';
import { discoverFixtures, expectedLive, hashTree } from '../formats/helpers.js';
import { rejection } from './rejection.js';
import { jobHarness } from './job-harness.js';

const h = jobHarness('kvscope-copy-store-');

async function copied(sessionId: string, to: string): Promise<CopyResult> {
  const { jobId } = await h.service.dispatch('copyStore', { sessionId, to });
  const end = await h.jobEnd(jobId);
  if (end.type !== 'job-done' || end.kind !== 'copy') throw new Error(`expected a copy's result, got ${JSON.stringify(end)}`);
  return end.result;
}

/** Every live key and value of the kvscope store at dir (key strings, latin1). */
async function liveEntries(dir: string): Promise<Map<string, Buffer>> {
  const store = await Store.open(dir, { readOnly: true });
  try {
    return new Map((await store.scan()).map(({ key, value }) => [key.toString('latin1'), value] as const));
  } finally {
    await store.close();
  }
}

const cases = discoverFixtures();

describe('copyStore of every fixture', () => {
  it('finds the fixtures', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: the new kvscope store holds exactly its live keys; the source is unchanged', async (_name, c) => {
    const before = hashTree(c.dataDir);
    const session = await h.service.dispatch('openStore', { path: c.dataDir });
    const to = join(h.base, 'copy');
    const result = await copied(session.sessionId, to);
    const live = expectedLive(c.expected);
    expect(result).toMatchObject({ source: c.dataDir, target: to, format: session.format, copied: live.size, keys: live.size, leftOutCount: 0 });
    expect(await liveEntries(to)).toEqual(live);
    expect(hashTree(c.dataDir)).toEqual(before);
    // The copy opens read-write in the inspector, and can be edited.
    const copy = await h.service.dispatch('openStore', { path: to, readWrite: true });
    expect(copy).toMatchObject({ format: 'kvscope', readOnly: false, keyCount: live.size });
    await h.service.dispatch('putValue', { sessionId: copy.sessionId, key: 'added', valueBase64: Buffer.from('yes').toString('base64') });
    expect(hashTree(c.dataDir)).toEqual(before);
  });
});

/** A kvscope store of `n` keys (three chunks of the copy at 25,000). */
async function nativeStore(dir: string, n: number): Promise<void> {
  const store = await Store.open(dir, { create: true, fsync: 'never' });
  const ops = [];
  for (let i = 0; i < n; i++) ops.push({ type: 'put' as const, key: `key:${String(i).padStart(6, '0')}`, value: `value ${i}` });
  await store.batch(ops);
  await store.close();
}

describe('copyStore of a kvscope store', () => {
  it('copies every live key, in progress h.events, and leaves the source as it was', async () => {
    const source = join(h.base, 'source');
    await nativeStore(source, 25_000);
    const before = hashTree(source);
    const session = await h.service.dispatch('openStore', { path: source });
    const result = await copied(session.sessionId, join(h.base, 'copy'));
    expect(result).toMatchObject({ copied: 25_000, keys: 25_000, format: 'kvscope' });
    const entries = await liveEntries(join(h.base, 'copy'));
    expect(entries.size).toBe(25_000);
    expect(entries.get('key:012345')?.toString()).toBe('value 12345');
    expect(h.events.filter((e) => e.type === 'job-progress').map((e) => e.type === 'job-progress' && e.done)).toEqual([10_000, 20_000, 25_000]);
    expect(hashTree(source)).toEqual(before);
  });

  it.each([
    ['a directory it creates: removed', false],
    ['an empty directory it is given: left empty', true],
  ])('cancelled once a batch is written, into %s', async (_name, exists) => {
    const source = join(h.base, 'source');
    await nativeStore(source, 25_000);
    const to = join(h.base, 'copy');
    if (exists) mkdirSync(to);
    const session = await h.service.dispatch('openStore', { path: source });
    // Cancelled at the second progress: the first 10,000 keys are written by then.
    let progress = 0;
    let writtenWhenCancelled: string[] = [];
    const off = h.service.onEvent((e) => {
      if (e.type === 'job-progress' && ++progress === 2) {
        writtenWhenCancelled = readdirSync(to);
        void h.service.dispatch('cancelJob', { jobId: e.jobId });
      }
    });
    const { jobId } = await h.service.dispatch('copyStore', { sessionId: session.sessionId, to });
    const end = await h.jobEnd(jobId);
    off();
    expect(end).toMatchObject({ type: 'job-failed', error: { code: 'ABORTED' } });
    expect(writtenWhenCancelled).toContain('000001.data');
    if (exists) expect(readdirSync(to)).toEqual([]);
    else expect(existsSync(to)).toBe(false);
  });
});

describe('copyStore refuses a target that is not new, before any job', () => {
  let sessionId: string;
  let source: string;
  beforeEach(async () => {
    source = join(h.base, 'source');
    await nativeStore(source, 10);
    sessionId = (await h.service.dispatch('openStore', { path: source })).sessionId;
  });

  it('a directory that holds something', async () => {
    const to = join(h.base, 'full');
    mkdirSync(to);
    writeFileSync(join(to, 'notes.txt'), 'mine');
    const err = await rejection(h.service.dispatch('copyStore', { sessionId, to }));
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toContain(`${to} is not empty`);
    expect(readdirSync(to)).toEqual(['notes.txt']);
    expect(h.events.filter((e) => e.type.startsWith('job-'))).toEqual([]);
  });

  it('a directory inside the store, or the store itself', async () => {
    const before = hashTree(source);
    for (const to of [join(source, 'copy'), source]) {
      const err = await rejection(h.service.dispatch('copyStore', { sessionId, to }));
      expect(err.code).toBe('BAD_REQUEST');
      expect(err.message).toContain('must go outside the source');
    }
    expect(existsSync(join(source, 'copy'))).toBe(false);
    expect(hashTree(source)).toEqual(before);
  });

  it('a relative path, as the contract says', async () => {
    const err = await rejection(h.service.dispatch('copyStore', { sessionId, to: 'copy' }));
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toContain('path must be absolute');
  });

  it('any copy in an inspector started read-only', async () => {
    await h.service.close();
    h.service = new InspectorService({ opener: createEngineOpener(), configDir: join(h.base, 'config'), allowWrites: false });
    const id = (await h.service.dispatch('openStore', { path: source })).sessionId;
    const err = await rejection(h.service.dispatch('copyStore', { sessionId: id, to: join(h.base, 'copy') }));
    expect(err.code).toBe('READ_ONLY');
    expect(existsSync(join(h.base, 'copy'))).toBe(false);
  });
});
