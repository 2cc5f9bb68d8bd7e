/**
 * The inspector's statistics and Segments view mark as active the data file
 * writes go to, as `kvscope stats` and `segments` do
 * (test/cli/active-segment.test.ts): read-only, the segment a kvscope writer
 * would append to, the one it marks once the session is read-write; for Riak,
 * the file bitcask.write.lock names, or none between writers (never the
 * merge's output, numbered above the file that was active).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { InspectorService } from '../../src/inspector/service.js';
import { tempDirs } from '../formats/helpers.js';

const temps = tempDirs();

async function marked(service: InspectorService, sessionId: string): Promise<{ stats: string[]; segments: string[] }> {
  const stats = await service.stats({ sessionId });
  const segments = await service.dispatch('segments', { sessionId });
  return { stats: stats.perSegment.filter((s) => s.active).map((s) => s.file), segments: segments.files.filter((f) => f.active).map((f) => f.file) };
}

async function withService(run: (service: InspectorService) => Promise<void>): Promise<void> {
  const service = new InspectorService({ opener: createEngineOpener(), configDir: join(temps.empty('kvscope-active-config-'), 'config') });
  try {
    await run(service);
  } finally {
    await service.close();
  }
}

it('a kvscope store read-only marks the segment the same session marks once read-write', async () => {
  const dir = join(temps.empty('kvscope-active-'), 'store');
  const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 300 });
  for (let i = 0; i < 20; i++) await store.put(`key-${i}`, `value-${i}`);
  await store.close();
  await withService(async (service) => {
    const { sessionId } = await service.openStore({ path: dir });
    const readOnly = await marked(service, sessionId);
    expect(readOnly.stats).toHaveLength(1);
    expect(readOnly.segments).toEqual(readOnly.stats);
    await service.dispatch('setMode', { sessionId, readWrite: true });
    expect(await marked(service, sessionId)).toEqual(readOnly);
  });
});

it('Riak merged: no file between writers, the locked one while a writer holds it', async () => {
  const dir = temps.fixture('riak-bitcask/merged');
  await withService(async (service) => {
    expect(await marked(service, (await service.openStore({ path: dir })).sessionId)).toEqual({ stats: [], segments: [] });
    writeFileSync(join(dir, 'bitcask.write.lock'), `4242 ${dir}/4.bitcask.data\n`);
    expect(await marked(service, (await service.openStore({ path: dir })).sessionId)).toEqual({ stats: ['4.bitcask.data'], segments: ['4.bitcask.data'] });
  });
});
