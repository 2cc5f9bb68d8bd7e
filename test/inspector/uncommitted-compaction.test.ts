/**
 * A compaction that had not reached its commit when its process died leaves
 * *.compacting files that no reader reads. The Segments view says so (which
 * files, how many bytes, and that the next writer deletes them), as the CLI's
 * segments, stats and verify do; the keys are the store's as before.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { InspectorService } from '../../src/inspector/service.js';
import { crashBeforeCompactionCommit, hashDir } from '../engine/helpers.js';

const base = mkdtempSync(join(tmpdir(), 'kvscope-uncommitted-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

it('the Segments answer names the files of a compaction interrupted before its commit', async () => {
  const dir = join(base, 'store');
  const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 256 });
  for (let i = 0; i < 40; i++) await store.put(`k${i % 10}`, `value-${i}`);
  await store.close();
  const crashed = join(base, 'crashed');
  const leftovers = await crashBeforeCompactionCommit(dir, crashed);
  expect(leftovers.length).toBeGreaterThan(0);
  const before = hashDir(crashed);

  const service = new InspectorService({ opener: createEngineOpener(), configDir: join(base, 'config') });
  try {
    const session = await service.openStore({ path: crashed });
    expect(session.keyCount).toBe(10);
    const segments = await service.segments({ sessionId: session.sessionId });
    const expected = leftovers.map((file) => ({ file, bytes: statSync(join(crashed, file)).size }));
    expect(segments.uncommittedCompaction).toEqual({ files: expect.arrayContaining(expected), bytes: expected.reduce((n, f) => n + f.bytes, 0), writerPid: null });
    expect(segments.uncommittedCompaction!.files).toHaveLength(expected.length);
    // They are not among the files read.
    for (const f of segments.files) expect(f.file.endsWith('.compacting')).toBe(false);
    // A store without one says nothing.
    const clean = await service.openStore({ path: dir });
    expect((await service.segments({ sessionId: clean.sessionId })).uncommittedCompaction).toBeUndefined();
  } finally {
    await service.close();
  }
  expect(hashDir(crashed)).toEqual(before);
  expect(readdirSync(crashed).filter((n) => n.endsWith('.compacting')).sort()).toEqual(leftovers);
});
