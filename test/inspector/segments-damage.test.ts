/**
 * The segments view of a store opened from its hints and keydir image (a
 * clean close), with records that fail their checksum: the open never read
 * them, so the store's own figures count them live or stale. The view reads
 * the data files (native-summary.ts) and shows what `kvscope segments` shows,
 * and what the record table finds indexing the file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { nativeFormat } from '../../src/engine/formats/native.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { InspectorService } from '../../src/inspector/service.js';
import type { RecordRow, SegmentFileInfo } from '../../src/shared/contract.js';

const ROOT = resolve(import.meta.dirname, '../..');
let base: string;
let dir: string;
/** The damaged records: [file, offset, length]. */
const damage: Array<[string, number, number]> = [];

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'kvscope-segdmg-'));
  dir = join(base, 'store');
  const store = await Store.open(dir, { create: true, segmentSize: 4096, fsync: 'never' });
  for (let i = 0; i < 200; i++) await store.put(`key:${String(i).padStart(3, '0')}`, `value ${i} ${'.'.repeat(i % 17)}`);
  for (let i = 0; i < 200; i += 3) await store.put(`key:${String(i).padStart(3, '0')}`, `again ${i}`);
  for (let i = 1; i < 200; i += 11) await store.delete(`key:${String(i).padStart(3, '0')}`);
  await store.close();
  expect(existsSync(join(dir, 'KEYDIR'))).toBe(true);
  // In 000002.data, one live record and one shadowed one, found by what a fresh read-only open says of them.
  const file = '000002.data';
  const bytes = readFileSync(join(dir, file));
  const records = nativeFormat.decodeFile({ name: file, role: 'data', id: 2, size: bytes.length }, bytes).filter((r) => r.kind === 'put');
  const reader = await Store.open(dir, { readOnly: true });
  const isLive = (r: (typeof records)[number]) => {
    const loc = reader.locate(r.key!);
    return loc?.file === file && loc.offset === r.offset;
  };
  const live = records.slice(5).find(isLive)!;
  const shadowed = records.slice(5).find((r) => !isLive(r))!;
  await reader.close();
  for (const r of [live, shadowed]) {
    // A byte of the value: the header and key still read, the checksum fails.
    bytes[r.offset + r.length - 2]! ^= 0xff;
    damage.push([file, r.offset, r.length]);
  }
  writeFileSync(join(dir, file), bytes);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

async function withService<T>(work: (service: InspectorService, sessionId: string) => Promise<T>): Promise<T> {
  const service = new InspectorService({ opener: createEngineOpener(), configDir: join(base, 'config') });
  try {
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    return await work(service, sessionId);
  } finally {
    await service.close();
  }
}

const figures = (f: Partial<SegmentFileInfo>) => ({
  file: f.file,
  records: f.records,
  liveBytes: f.liveBytes,
  staleBytes: f.staleBytes,
  tombstoneBytes: f.tombstoneBytes,
  corruptBytes: f.corruptBytes,
  oldestSequence: f.oldestSequence,
  newestSequence: f.newestSequence,
});

describe('segments view of a store opened from hints, with bad-CRC records', () => {
  it('counts them corrupt, as kvscope segments does', async () => {
    const before = statSync(join(dir, '000002.data')).mtimeMs;
    const view = await withService(async (service, sessionId) => {
      const first = (await service.dispatch('segments', { sessionId })).files.filter((f) => f.role === 'data');
      // Asked again (files unchanged, read once): the same answer.
      expect((await service.dispatch('segments', { sessionId })).files.filter((f) => f.role === 'data')).toEqual(first);
      return first;
    });
    const damaged = view.find((f) => f.file === '000002.data')!;
    expect(damaged.corruptBytes).toBe(damage.reduce((n, [, , length]) => n + length, 0));
    for (const f of view) expect(f.liveBytes + f.staleBytes + f.tombstoneBytes + f.corruptBytes + f.metaBytes, f.file).toBe(f.bytes);
    expect(view.filter((f) => f.file !== '000002.data').every((f) => f.corruptBytes === 0)).toBe(true);

    const cli = spawnSync(process.execPath, [join(ROOT, 'bin/kvscope.js'), '--dir', dir, '--read-only', '--json', 'segments'], { encoding: 'utf8', timeout: 60_000 });
    expect(cli.status, cli.stderr).toBe(0);
    const rows = (JSON.parse(cli.stdout) as { files: SegmentFileInfo[] }).files.filter((f) => f.role === 'data');
    expect(view.map(figures)).toEqual(rows.map(figures));
    expect(statSync(join(dir, '000002.data')).mtimeMs).toBe(before);
  });

  it('says what the record table finds indexing the damaged file', async () => {
    const { view, rows } = await withService(async (service, sessionId) => {
      const view = (await service.dispatch('segments', { sessionId })).files.find((f) => f.file === '000002.data')!;
      const rows: RecordRow[] = [];
      for (let start = 0; ; ) {
        const page = await service.dispatch('records', { sessionId, file: '000002.data', start, limit: 500 });
        rows.push(...page.rows);
        start += page.rows.length;
        if (page.complete && start >= page.total) break;
      }
      return { view, rows };
    });
    const sum = (status: RecordRow['status']) => rows.filter((r) => r.status === status).reduce((n, r) => n + r.length, 0);
    expect(rows.filter((r) => r.status === 'corrupt').map((r) => [r.offset, r.length])).toEqual(damage.map(([, offset, length]) => [offset, length]));
    expect(view).toMatchObject({ liveBytes: sum('live'), staleBytes: sum('shadowed'), tombstoneBytes: sum('tombstone'), corruptBytes: sum('corrupt') });
    expect(view.records).toBe(rows.filter((r) => r.kind === 'put' || r.kind === 'delete').filter((r) => r.status !== 'corrupt').length);
  });

  it('counts in the record table, less its header row, the records the segments view counts', async () => {
    await withService(async (service, sessionId) => {
      const files = (await service.dispatch('segments', { sessionId })).files.filter((f) => f.role === 'data' || f.role === 'hint');
      for (const f of files.filter((x) => x.file !== '000002.data')) {
        let page;
        do page = await service.dispatch('records', { sessionId, file: f.file, start: 0, limit: 1 });
        while (!page.complete);
        expect(page.rows[0]!.kind, f.file).toBe('header');
        expect(page.frameRows, f.file).toEqual(f.role === 'hint' ? ['header', 'trailer'] : ['header']);
        expect(page.unfilteredTotal - page.frameRows.length, f.file).toBe(f.records);
      }
    });
  });
});
