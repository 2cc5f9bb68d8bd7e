/**
 * Never modify what is only looked at. For a native store (several segments,
 * hints, a tombstone, a batch, a torn tail) and for every fixture under
 * /work/shared/fixtures: hash every file (content, size, mtime) and the list
 * of entries, then look at it in every way there is — through the inspector
 * service's dispatch (open read-only, list keys, key tree, largest values, values, history,
 * stats with the merge dry-run, and the record-level methods the contract
 * declares: segments, records, recordAt, readBytes, verify) and through the
 * engine (open read-only, every key and every version, decode every record of
 * every file, verify, compaction plan) and through the built CLI's `du` (branches, --depth, --top, --dead) — close,
 * and hash again: identical.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { openStore } from '../../src/engine/open.js';
import { ForeignStore } from '../../src/engine/foreign-store.js';
import { getFormat } from '../../src/engine/formats/registry.js';
import { InspectorService } from '../../src/inspector/service.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { METHOD_NAMES, type KvscopeEvent } from '../../src/shared/contract.js';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';
import { snapshot } from './snapshot.js';
import { SHARED_DIR } from '../shared-dir.js';
import { kvscope } from '../cli/run-cli.js';

const FIXTURES = `${SHARED_DIR}/fixtures`;

function fixtureDirs(): string[] {
  if (!fs.existsSync(FIXTURES)) return [];
  const dirs: string[] = [];
  for (const engine of fs.readdirSync(FIXTURES).sort()) {
    const e = path.join(FIXTURES, engine);
    if (!fs.statSync(e).isDirectory()) continue;
    for (const c of fs.readdirSync(e).sort()) if (fs.existsSync(path.join(e, c, 'data'))) dirs.push(path.join(e, c, 'data'));
  }
  return dirs;
}

let nativeDir: string;
let configDir: string;

beforeAll(async () => {
  nativeDir = tempDir();
  configDir = tempDir();
  const store = await Store.open(nativeDir, { create: true, segmentSize: 300 });
  for (let i = 0; i < 25; i++) await store.put(`user:${i % 7}`, `value ${i} ${'x'.repeat(i)}`);
  await store.delete('user:3');
  await store.batch([{ type: 'put', key: 'batch:a', value: '1' }, { type: 'put', key: Buffer.from([0, 0xff, 0x10]), value: Buffer.from([1, 2]) }]);
  await store.flushBackground();
  await store.close();
  // A torn tail too: a read-only look must leave it (a writer would cut it).
  const last = fs.readdirSync(nativeDir).filter((n) => n.endsWith('.data')).sort().at(-1)!;
  fs.appendFileSync(path.join(nativeDir, last), Buffer.from([0x12, 0x34, 0x56, 0x78, 1, 0, 9]));
});

afterAll(cleanTempDirs);

const has = (m: string): boolean => (METHOD_NAMES as readonly string[]).includes(m);

async function lookThroughService(dir: string): Promise<{ keys: number; calls: number }> {
  const service = new InspectorService({ opener: createEngineOpener(), configDir, allowWrites: true });
  const events: KvscopeEvent[] = [];
  service.onEvent((e) => events.push(e));
  const call = async (method: string, req: unknown): Promise<any> => {
    calls++;
    return (service.dispatch as (m: string, r: unknown) => Promise<unknown>)(method, req);
  };
  let calls = 0;
  try {
    const info = await call('openStore', { path: dir });
    expect(info.readOnly).toBe(true);
    const sessionId = info.sessionId as string;
    const keys: string[] = [];
    for (let offset = 0; ; offset += 2000) {
      const page = await call('listKeys', { sessionId, offset, limit: 2000 });
      keys.push(...page.keys.map((k: { key: string }) => k.key));
      if (keys.length >= page.total) break;
    }
    await call('keyTree', { sessionId, delimiter: ':', prefix: '' });
    await call('keyTree', { sessionId, delimiter: '/', prefix: '', filter: { mode: 'glob', pattern: '*' } });
    if (has('largestValues')) {
      await call('largestValues', { sessionId, limit: 1000 });
      await call('largestValues', { sessionId, limit: 10, filter: { mode: 'substring', pattern: 'a' } });
    }
    for (const key of keys) {
      // The contract refuses the empty key (KeySchema min 1) although stores have it (mini-kvstore-v2/edge-cases):
      // reported in docs/RELIABILITY.md; the engine pass below reads it.
      if (key === '') continue;
      await call('getValue', { sessionId, key });
      await call('history', { sessionId, key });
    }
    // The merge dry-run comes with stats for the native format.
    const stats = await call('stats', { sessionId });
    if (stats.format === 'kvscope') expect(stats.compactionPlan).toBeDefined();
    // The record-level methods, where the contract declares them.
    if (has('segments') && has('records')) {
      const segs = await call('segments', { sessionId });
      for (const f of segs.files as Array<{ file: string }>) {
        for (let start = 0; ; start += 500) {
          const page = await call('records', { sessionId, file: f.file, start, limit: 500 });
          for (const row of (page.rows as Array<{ offset: number; kind: string; status: string }>).slice(0, 50)) {
            if (has('recordAt')) await call('recordAt', { sessionId, file: f.file, offset: row.offset });
            if (has('recordValue') && row.kind === 'put' && row.status !== 'corrupt' && row.status !== 'torn') await call('recordValue', { sessionId, file: f.file, offset: row.offset });
          }
          if (start + 500 >= page.total) break;
        }
        if (has('readBytes')) await call('readBytes', { sessionId, file: f.file, offset: 0, length: 4096 });
      }
    }
    if (has('verify')) {
      const { jobId } = await call('verify', { sessionId });
      // Until it ends, however long a loaded machine makes it (the test's own timeout bounds the wait), not 500 × 10 ms.
      while (!events.some((e) => 'jobId' in e && e.jobId === jobId && (e.type === 'job-done' || e.type === 'job-failed'))) await new Promise((r) => setTimeout(r, 10));
      expect(events.some((e) => 'jobId' in e && e.jobId === jobId && e.type === 'job-done')).toBe(true);
    }
    if (has('deadSpace')) {
      const { jobId } = await call('deadSpace', { sessionId, limit: 50 });
      while (!events.some((e) => 'jobId' in e && e.jobId === jobId && (e.type === 'job-done' || e.type === 'job-failed'))) await new Promise((r) => setTimeout(r, 10));
      expect(events.some((e) => 'jobId' in e && e.jobId === jobId && e.type === 'job-done')).toBe(true);
    }
    await call('closeStore', { sessionId });
    return { keys: keys.length, calls };
  } finally {
    await service.close();
  }
}

async function lookThroughEngine(dir: string): Promise<number> {
  const opened = await openStore(dir, { readOnly: true });
  const store = opened.store;
  let decoded = 0;
  try {
    expect(store.readOnly).toBe(true);
    for (const key of store.sortedKeys()) {
      const bytes = Buffer.from(key, 'latin1');
      await store.get(bytes).catch(() => undefined); // a damaged record may throw CORRUPT; reading must not write
      for (const v of await store.history(bytes)) {
        if (opened.native && v.kind === 'put') {
          try {
            opened.native.readRecordValue(v.location);
          } catch {
            /* damaged: still only a read */
          }
        }
      }
    }
    store.stats();
    await store.verify();
    await store.deadSpace();
    const format = getFormat(opened.detection.format)!;
    const files = format.listFiles(opened.detection.root);
    for (const file of files) {
      if (file.role !== 'data' && file.role !== 'hint') continue;
      const bytes = fs.readFileSync(path.join(opened.detection.root, file.name));
      decoded += format.decodeFile(file, bytes).length;
      if (store instanceof ForeignStore) decoded += (await store.records(file.name)).length;
    }
    if (opened.native) {
      const plan = opened.native.compactionPlan();
      expect(plan.inputSegments.length).toBeGreaterThan(0);
    }
  } finally {
    await store.close();
  }
  return decoded;
}

/** `kvscope du` as a person runs it: each answers (exit 0; damage the open met is said on stderr). */
function lookThroughCli(dir: string): void {
  for (const args of [[], ['--delimiter', '/', '--depth', '3', '--bytes'], ['--top', '20', '--json'], ['--dead'], ['--dead', '--top', '5', '--json']]) {
    const r = kvscope(dir, ['-d', dir, 'du', ...args]);
    expect(r.code, r.err).toBe(0);
  }
}

describe('looking never modifies', () => {
  it('a native store (segments, hints, tombstone, batch, torn tail): service and engine leave every byte, size and mtime as they were', async () => {
    const before = snapshot(nativeDir);
    expect(Object.keys(before).some((n) => n.endsWith('.hint'))).toBe(true);
    const viaService = await lookThroughService(nativeDir);
    expect(viaService.keys).toBeGreaterThan(5);
    const decoded = await lookThroughEngine(nativeDir);
    expect(decoded).toBeGreaterThan(20);
    lookThroughCli(nativeDir);
    expect(snapshot(nativeDir)).toEqual(before);
  });

  const fixtures = fixtureDirs();
  it('finds fixtures', () => {
    expect(fixtures.length).toBeGreaterThan(5);
  });
  for (const dir of fixtures) {
    it(`fixture ${path.relative(FIXTURES, dir)}: unchanged after the same look`, async () => {
      const before = snapshot(dir);
      await lookThroughService(dir);
      await lookThroughEngine(dir);
      lookThroughCli(dir);
      expect(snapshot(dir)).toEqual(before);
    });
  }

  it('negative control: the snapshot notices a touched file', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'f'), 'x');
    const before = snapshot(dir);
    const t = new Date(Date.now() + 5000);
    fs.utimesSync(path.join(dir, 'f'), t, t);
    expect(snapshot(dir)).not.toEqual(before);
  });
});
