/**
 * A compaction that meets damage the open did not see (it opened from the
 * keydir image or hints) stops, and says which record is damaged: not an
 * intact record that only goes with it because they share an atomic batch
 * (docs/FORMAT.md, "Atomic batches").
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { CorruptRecordError } from '../../src/engine/errors.js';
import { statsThroughKeydirImage } from '../../src/engine/image-stats.js';
import { cleanTempDirs, dataFiles, hashDir, tempDir } from './helpers.js';

afterEach(cleanTempDirs);

const BATCH = ['k8', 'k9', 'k10', 'k11', 'k12', 'k13'];

/** A store whose second write is a batch of six puts; then `after` runs; the value of k9's batch record is damaged on disk. */
async function damagedBatch(after: (store: Store) => Promise<void>): Promise<{ dir: string; file: string; offset: number }> {
  const dir = path.join(tempDir(), 'store');
  const store = await Store.open(dir, { create: true, fsync: 'never' });
  for (let i = 0; i < 8; i++) await store.put(`k${i}`, `value ${i}`);
  for (let i = 0; i < 8; i++) await store.put(`k${i}`, `value ${i} again`); // something for compaction to drop
  await store.batch(BATCH.map((key) => ({ type: 'put', key, value: `batch value of ${key}` })));
  const at = store.locate('k9')!;
  await after(store);
  await store.close();
  const bytes = fs.readFileSync(path.join(dir, at.file));
  bytes[at.offset + at.length - 1]! ^= 0x55;
  fs.writeFileSync(path.join(dir, at.file), bytes);
  return { dir, file: at.file, offset: at.offset };
}

async function compactError(dir: string): Promise<CorruptRecordError> {
  const store = await Store.open(dir, { fsync: 'never' });
  // Opened from the keydir image: the damage is unseen until compaction reads the segment.
  expect(store.recovery.skipped).toEqual([]);
  const before = Object.fromEntries(dataFiles(dir).map((f) => [f, hashDir(dir)[f]]));
  const err = await store.compact().catch((e: unknown) => e);
  await store.close();
  for (const [f, h] of Object.entries(before)) expect(hashDir(dir)[f], f).toBe(h);
  expect(err).toBeInstanceOf(CorruptRecordError);
  return err as CorruptRecordError;
}

describe('compaction stopped by damage inside an atomic batch', () => {
  it('names the damaged record, and the intact ones of its batch as dropped with it', async () => {
    const { dir, file, offset } = await damagedBatch(async () => {});
    const err = await compactError(dir);
    expect(err.file).toBe(file);
    expect(err.offset).toBe(offset);
    expect(err.message).toContain('the live record of key k9 is damaged (checksum mismatch');
    expect(err.message).toMatch(/key\(s\) k8, k10, k11 and 2 more are intact, but belong to an atomic batch/);
    expect(err.message).toContain('Compaction stopped: no record was moved or deleted');
  });

  it('when the damaged record is no longer live, names the damage and the live records its batch takes with it', async () => {
    const { dir, file, offset } = await damagedBatch(async (store) => {
      await store.put('k9', 'newer than the batch');
    });
    const err = await compactError(dir);
    expect(err.file).toBe(file);
    expect(err.offset).toBe(offset);
    expect(err.message).toMatch(/: damaged bytes \(checksum mismatch[^)]*\): the live record\(s\) of key\(s\) k8, k10, k11 and 2 more are intact/);
    expect(err.message).not.toContain('key k9');
  });
});

describe('the compaction plan and damage', () => {
  it('a plan given the damage a reader found says the compaction would stop there, as it does', async () => {
    const { dir, file, offset } = await damagedBatch(async () => {});
    const store = await Store.open(dir, { fsync: 'never' });
    // From the keydir image the store knows of no damage; told of it, the plan says where compaction stops.
    expect(store.compactionPlan().stops).toBeUndefined();
    const plan = store.compactionPlan([{ file, offset, length: 72 }]);
    expect(plan.inputSegments.length).toBeGreaterThan(0);
    expect(plan.stops).toMatchObject({ file, offset, starts: true });
    const err = await store.compact().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptRecordError);
    expect((err as CorruptRecordError).offset).toBe(offset);
    await store.close();
  });

  it('damage the open saw: the plan says compaction would not start, at the damaged record (not the batch it cut)', async () => {
    const { dir, file, offset } = await damagedBatch(async () => {});
    for (const f of fs.readdirSync(dir)) if (f.endsWith('.hint') || f === 'KEYDIR') fs.rmSync(path.join(dir, f));
    const store = await Store.open(dir, { fsync: 'never' });
    expect(store.compactionPlan().stops).toMatchObject({ file, offset, starts: false, reason: expect.stringContaining('bad-crc') });
    const err = await store.compact().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptRecordError);
    expect((err as CorruptRecordError).offset).toBe(offset);
    expect((err as Error).message).toContain('did not start');
    await store.close();
  });

  it('damage the open did not see, in records no key points at any more, stops it too: the damaged bytes stay', async () => {
    const dir = path.join(tempDir(), 'store');
    const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 400 });
    for (let i = 0; i < 6; i++) await store.put(`k${i}`, `old value ${i}`);
    const stale = store.locate('k2')!;
    for (let i = 0; i < 6; i++) await store.put(`k${i}`, `new value ${i}`);
    await store.close();
    const bytes = fs.readFileSync(path.join(dir, stale.file));
    bytes[stale.offset + stale.length - 1]! ^= 0x55;
    fs.writeFileSync(path.join(dir, stale.file), bytes);
    const err = await compactError(dir);
    expect(err.file).toBe(stale.file);
    expect(err.offset).toBe(stale.offset);
    expect(err.message).toMatch(/damaged bytes \(checksum mismatch.*\) that hold no live record/);
    const reader = await Store.open(dir, { readOnly: true });
    expect((await reader.verify()).problems.some((p) => p.kind === 'bad-crc' && p.file === stale.file && p.offset === stale.offset)).toBe(true);
    await reader.close();
  });
});

describe('stats and damage it cannot see', () => {
  it('say whether their figures come from the records or from hints and the keydir image', async () => {
    const { dir, file } = await damagedBatch(async () => {});
    // A one-shot stats from the image's header, and a store opened from the image: 'index', no damage counted.
    const fromImage = statsThroughKeydirImage(dir)!;
    expect(fromImage.figuresFrom).toBe('index');
    const opened = await Store.open(dir, { readOnly: true });
    expect(opened.stats().figuresFrom).toBe('index');
    expect(opened.stats().perSegment.find((s) => s.file === file)!.corruptBytes).toBe(0);
    await opened.close();
    // Opened from the records: the damage is counted, and the figures say where they come from.
    for (const f of fs.readdirSync(dir)) if (f.endsWith('.hint') || f === 'KEYDIR') fs.rmSync(path.join(dir, f));
    const scanned = await Store.open(dir, { readOnly: true });
    expect(scanned.stats().figuresFrom).toBe('records');
    expect(scanned.stats().perSegment.find((s) => s.file === file)!.corruptBytes).toBeGreaterThan(0);
    await scanned.close();
  });
});
