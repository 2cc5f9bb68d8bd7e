/**
 * What stats counts: live and dead record bytes, segment headers as
 * overhead (neither), and the data's bytes apart from the file's when a
 * running writer has preallocated zeros past it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { statsThroughKeydirImage } from '../../src/engine/image-stats.js';
import { SEGMENT_HEADER } from '../../src/engine/native/layout.js';
import { cleanTempDirs, dataFiles, tempDir } from './helpers.js';

afterEach(cleanTempDirs);

describe('stats figures', () => {
  it('a store whose every record is live: no dead bytes, amplification 1, headers as overhead, as compaction sees it', async () => {
    const dir = path.join(tempDir(), 'store');
    const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 200 });
    for (let i = 0; i < 12; i++) await store.put(`key-${i}`, `value ${i}`);
    const s = store.stats();
    expect(s.segments).toBeGreaterThan(2);
    expect(s.deadBytes).toBe(0);
    expect(s.overheadBytes).toBe(s.segments * SEGMENT_HEADER.size);
    expect(s.totalBytes).toBe(s.liveBytes + s.deadBytes + s.overheadBytes!);
    expect(s.spaceAmplification).toBe(1);
    expect(store.compactionPlan().inputSegments).toEqual([]);
    await store.close();
    // The one-shot stats from the keydir image say the same.
    const fromImage = statsThroughKeydirImage(dir)!;
    expect(fromImage.spaceAmplification).toBe(1);
    expect(fromImage.overheadBytes).toBe(fromImage.segments * SEGMENT_HEADER.size);
    // With stale records, amplification is record bytes over live record bytes.
    const again = await Store.open(dir, { fsync: 'never', segmentSize: 200 });
    for (let i = 0; i < 6; i++) await again.put(`key-${i}`, `value ${i}`);
    const t = again.stats();
    expect(t.deadBytes).toBeGreaterThan(0);
    expect(t.spaceAmplification).toBeCloseTo((t.liveBytes + t.deadBytes) / t.liveBytes, 12);
    await again.close();
  });

  it("data bytes and file bytes: a running syncing writer's preallocated zeros are counted apart", async () => {
    const dir = path.join(tempDir(), 'store');
    const writer = await Store.open(dir, { create: true, fsync: 'always' });
    await writer.put('k', 'v');
    const [file] = dataFiles(dir).slice(-1);
    const onDisk = fs.statSync(path.join(dir, file!)).size;
    const reader = await Store.open(dir, { readOnly: true });
    const s = reader.stats();
    const seg = s.perSegment.find((p) => p.file === file)!;
    expect(onDisk).toBeGreaterThan(seg.bytes);
    expect(seg.fileBytes).toBe(onDisk);
    expect(s.fileBytes).toBe(s.totalBytes - seg.bytes + onDisk);
    expect(s.overheadBytes).toBe(s.segments * SEGMENT_HEADER.size);
    await reader.close();
    await writer.close();
    // Cut back at the clean close: no file bytes apart.
    const after = await Store.open(dir, { readOnly: true });
    expect(after.stats().fileBytes).toBeUndefined();
    expect(after.stats().perSegment.every((p) => p.fileBytes === undefined)).toBe(true);
    await after.close();
  });
});
