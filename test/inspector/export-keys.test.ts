/**
 * "Export keys…" (exportKeys): the live keys the key list shows (its filter
 * applied) written to a file, byte for byte what `kvscope export` prints (the
 * same encoder); another engine's store too; a file already there is refused
 * unless overwrite is asked for; a cancelled export leaves no file.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { InspectorService } from '../../src/inspector/service.js';
import type { ExportResult } from '../../src/shared/contract.js';
import { kvscope } from '../cli/run-cli.js';
import { discoverFixtures, hashTree } from '../formats/helpers.js';
import { rejection } from './rejection.js';
import { jobHarness } from './job-harness.js';

const h = jobHarness('kvscope-export-keys-');

async function exported(request: Parameters<InspectorService['exportKeys']>[0]): Promise<ExportResult> {
  const { jobId } = await h.service.dispatch('exportKeys', request);
  const end = await h.jobEnd(jobId);
  if (end.type !== 'job-done' || end.kind !== 'export') throw new Error(`expected an export's result, got ${JSON.stringify(end)}`);
  return end.result;
}

/** user:000..user:(n-1) (some of them binary), a few other keys, a deleted user. */
async function store(dir: string, n = 300): Promise<void> {
  const s = await Store.open(dir, { create: true, fsync: 'never' });
  const ops = [];
  for (let i = 0; i < n; i++) ops.push({ type: 'put' as const, key: `user:${String(i).padStart(5, '0')}`, value: i % 7 === 0 ? Buffer.from([0xff, i & 0xff, 0]) : JSON.stringify({ i, name: `n\u00e9 ${i}` }) });
  ops.push({ type: 'put' as const, key: 'order:1', value: 'one' }, { type: 'put' as const, key: Buffer.from([0x75, 0x73, 0xfe]), value: 'binary key' });
  await s.batch(ops);
  await s.delete('user:00003');
  await s.close();
}

describe('exportKeys', () => {
  it.each([
    ['prefix user:', { mode: 'prefix' as const, pattern: 'user:' }, ['--prefix', 'user:']],
    ['no filter', undefined, []],
  ])('with %s writes what kvscope export prints, byte for byte', async (_name, filter, args) => {
    const dir = join(h.base, 'store');
    await store(dir);
    const before = hashTree(dir);
    const { sessionId } = await h.service.dispatch('openStore', { path: dir });
    const path = join(h.base, 'out.jsonl');
    const result = await exported({ sessionId, path, ...(filter ? { filter } : {}) });
    const cli = kvscope(h.base, ['--dir', dir, 'export', ...args]);
    expect(cli.code, cli.err).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe(cli.out);
    const lines = cli.out.split('\n').length - 1;
    expect(result).toMatchObject({ path, lines, keys: lines, bytes: Buffer.byteLength(cli.out), leftOutCount: 0 });
    expect(lines).toBe(filter ? 299 : 301);
    expect(hashTree(dir)).toEqual(before);
    // No temporary file is left beside it.
    expect(readdirSync(h.base).filter((n) => n.includes('partial'))).toEqual([]);
  });

  it('a substring filter exports the keys the list shows for it', async () => {
    const dir = join(h.base, 'store');
    await store(dir);
    const { sessionId } = await h.service.dispatch('openStore', { path: dir });
    const filter = { mode: 'substring' as const, pattern: '0012' };
    const shown = await h.service.dispatch('listKeys', { sessionId, filter, offset: 0, limit: 1000 });
    const path = join(h.base, 'out.jsonl');
    await exported({ sessionId, path, filter });
    const keys = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as { key: string }).key);
    expect(keys).toEqual(shown.keys.map((k) => k.key));
    expect(keys).toEqual(['user:00012', ...Array.from({ length: 10 }, (_, i) => `user:0012${i}`)]);
  });

  it.each(discoverFixtures().filter((c) => c.name === 'riak-bitcask/basic' || c.name === 'mini-kvstore-v2/edge-cases').map((c) => [c.name, c] as const))(
    "another engine's store, %s: what kvscope export prints of it",
    async (_name, c) => {
      const { sessionId } = await h.service.dispatch('openStore', { path: c.dataDir });
      const path = join(h.base, 'out.jsonl');
      await exported({ sessionId, path });
      const cli = kvscope(h.base, ['--dir', c.dataDir, 'export']);
      expect(cli.code, cli.err).toBe(0);
      expect(readFileSync(path, 'utf8')).toBe(cli.out);
    },
  );

  it('refuses a file already there unless overwrite is asked for, then replaces it', async () => {
    const dir = join(h.base, 'store');
    await store(dir);
    const { sessionId } = await h.service.dispatch('openStore', { path: dir });
    const path = join(h.base, 'out.jsonl');
    writeFileSync(path, 'mine\n');
    const err = await rejection(h.service.dispatch('exportKeys', { sessionId, path }));
    expect(err).toMatchObject({ code: 'BAD_REQUEST', details: { exists: true } });
    expect(err.message).toBe(`${path} already exists; replace it only if you mean to`);
    expect(readFileSync(path, 'utf8')).toBe('mine\n');
    expect(h.events.filter((e) => e.type.startsWith('job-'))).toEqual([]);
    const result = await exported({ sessionId, path, overwrite: true });
    expect(result.lines).toBe(301);
    expect(readFileSync(path, 'utf8')).toBe(kvscope(h.base, ['--dir', dir, 'export']).out);
  });

  it('refuses a directory, a missing directory, a path in the store, a relative path', async () => {
    const dir = join(h.base, 'store');
    await store(dir);
    const before = hashTree(dir);
    const { sessionId } = await h.service.dispatch('openStore', { path: dir });
    mkdirSync(join(h.base, 'a-dir'));
    expect(await rejection(h.service.dispatch('exportKeys', { sessionId, path: join(h.base, 'a-dir') }))).toMatchObject({ code: 'BAD_REQUEST', message: `${join(h.base, 'a-dir')} is a directory: name the file to write` });
    expect((await rejection(h.service.dispatch('exportKeys', { sessionId, path: join(h.base, 'missing', 'out.jsonl') }))).code).toBe('NOT_FOUND');
    const inStore = await rejection(h.service.dispatch('exportKeys', { sessionId, path: join(dir, 'out.jsonl') }));
    expect(inStore.code).toBe('BAD_REQUEST');
    expect(inStore.message).toContain('the export must go outside the source');
    expect((await rejection(h.service.dispatch('exportKeys', { sessionId, path: 'out.jsonl' }))).code).toBe('BAD_REQUEST');
    expect(hashTree(dir)).toEqual(before);
  });

  it('cancelled, it leaves no file (and a file it was to replace as it was)', async () => {
    const dir = join(h.base, 'store');
    await store(dir, 5000);
    const { sessionId } = await h.service.dispatch('openStore', { path: dir });
    for (const [path, overwrite] of [
      [join(h.base, 'new.jsonl'), false],
      [join(h.base, 'old.jsonl'), true],
    ] as const) {
      if (overwrite) writeFileSync(path, 'mine\n');
      let partial: string[] = [];
      const off = h.service.onEvent((e) => {
        if (e.type === 'job-progress' && e.done > 0 && partial.length === 0) {
          partial = readdirSync(h.base).filter((n) => n.endsWith('.partial'));
          void h.service.dispatch('cancelJob', { jobId: e.jobId });
        }
      });
      const { jobId } = await h.service.dispatch('exportKeys', { sessionId, path, ...(overwrite ? { overwrite: true as const } : {}) });
      const end = await h.jobEnd(jobId);
      off();
      expect(end).toMatchObject({ type: 'job-failed', error: { code: 'ABORTED' } });
      expect(partial).toHaveLength(1);
      expect(readdirSync(h.base).filter((n) => n.endsWith('.partial'))).toEqual([]);
      if (overwrite) expect(readFileSync(path, 'utf8')).toBe('mine\n');
      else expect(existsSync(path)).toBe(false);
    }
  });
});
