/**
 * The service names a damaged record's key: in Verify's problems (with
 * whether the key is live or deleted now, for Verify to offer going to it)
 * and in the record table's rows and detail (as its bytes read, or the
 * keydir's key for this record where the keydir holds it at that place).
 */
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { InspectorService } from '../../src/inspector/service.js';
import type { KvscopeEvent, VerifyResult } from '../../src/shared/contract.js';
import { flipByte, removeKeydirImage } from '../engine/helpers.js';

const base = fs.mkdtempSync(join(tmpdir(), 'kvscope-damaged-key-'));
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));
let service: InspectorService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

/** A store of one segment: user:1's only record damaged; user:2 put, then deleted, its put damaged (sound records between them). */
async function damagedStore(name: string, keepIndex: boolean): Promise<{ dir: string; live: { file: string; offset: number }; deleted: { offset: number } }> {
  const dir = join(base, name);
  const store = await Store.open(dir, { create: true, fsync: 'never' });
  await store.put('user:1', 'one, to be damaged');
  const live = store.locate('user:1')!;
  await store.put('spacer', 'a sound record between the damaged ones');
  await store.put('user:2', 'two, to be damaged');
  const deleted = store.locate('user:2')!;
  await store.delete('user:2');
  await store.put('user:3', 'three');
  await store.close();
  if (!keepIndex) {
    removeKeydirImage(dir);
    for (const n of fs.readdirSync(dir)) if (n.endsWith('.hint')) fs.rmSync(join(dir, n));
  }
  flipByte(join(dir, live.file), live.offset + live.length - 2);
  flipByte(join(dir, live.file), deleted.offset + deleted.length - 2);
  return { dir, live, deleted };
}

async function verified(sessionId: string): Promise<VerifyResult> {
  const done = new Promise<KvscopeEvent>((resolve) => {
    const off = service!.onEvent((e) => {
      if (e.type === 'job-done' || e.type === 'job-failed') {
        off();
        resolve(e);
      }
    });
  });
  await service!.dispatch('verify', { sessionId });
  const e = await done;
  if (e.type !== 'job-done' || e.kind !== 'verify') throw new Error(JSON.stringify(e));
  return e.report;
}

it("Verify's problems name the key, as its bytes read, and say whether it is live or deleted", async () => {
  const { dir, live, deleted } = await damagedStore('plain', false);
  service = new InspectorService({ opener: createEngineOpener(), configDir: join(base, 'config') });
  const { sessionId } = await service.dispatch('openStore', { path: dir });
  const report = await verified(sessionId);
  // user:1's only record is damaged: a reader of the data skipped it, so it is neither live nor deleted.
  expect(report.problems.map((p) => [p.offset, p.kind, p.damagedKey])).toEqual([
    [live.offset, 'bad-crc', { key: 'user:1', display: 'user:1', from: 'record' }],
    [deleted.offset, 'bad-crc', { key: 'user:2', display: 'user:2', from: 'record', state: 'deleted' }],
  ]);

  const page = await service.dispatch('records', { sessionId, file: live.file, start: 0, limit: 10 });
  const rows = page.rows.filter((r) => r.status === 'corrupt');
  expect(rows.map((r) => [r.offset, r.damagedKey])).toEqual([
    [live.offset, { key: 'user:1', display: 'user:1', from: 'record' }],
    [deleted.offset, { key: 'user:2', display: 'user:2', from: 'record' }],
  ]);
  const detail = (await service.dispatch('recordAt', { sessionId, file: live.file, offset: live.offset })).record!;
  expect(detail.damagedKey).toEqual({ key: 'user:1', display: 'user:1', from: 'record' });
});

it("opened from the keydir image: the keydir's key for the damaged record, and it is live", async () => {
  const { dir, live } = await damagedStore('indexed', true);
  service = new InspectorService({ opener: createEngineOpener(), configDir: join(base, 'config2') });
  const { sessionId } = await service.dispatch('openStore', { path: dir });
  const report = await verified(sessionId);
  expect(report.problems.find((p) => p.file === live.file && p.offset === live.offset)?.damagedKey).toEqual({ key: 'user:1', display: 'user:1', from: 'keydir', state: 'live' });
  const detail = (await service.dispatch('recordAt', { sessionId, file: live.file, offset: live.offset })).record!;
  expect(detail.damagedKey).toEqual({ key: 'user:1', display: 'user:1', from: 'keydir' });
});

it("Verify's report is not held back by a deleted-key search that has not ended: the key it could not place says neither", async () => {
  const { dir, deleted } = await damagedStore('slow-search', false);
  service = new InspectorService({ opener: createEngineOpener(), configDir: join(base, 'config3') });
  const { sessionId } = await service.dispatch('openStore', { path: dir });
  // A search of a large store, still running when the verify ends (it ends when released, or is aborted).
  const original = Store.prototype.deletedKeys;
  let searches = 0;
  Store.prototype.deletedKeys = function (opts) {
    searches++;
    return new Promise((_, reject) => opts?.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
  };
  try {
    const report = await verified(sessionId);
    expect(searches).toBe(1);
    expect(report.problems.find((p) => p.offset === deleted.offset)?.damagedKey).toEqual({ key: 'user:2', display: 'user:2', from: 'record' });
  } finally {
    Store.prototype.deletedKeys = original;
  }
}, 15_000);
