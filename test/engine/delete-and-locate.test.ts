/**
 * Store.deleteAndLocate: the location it answers is the tombstone it wrote (file, segment, offset, length,
 * sequence), the same as a scan of the segment finds and as the deleted-key search (deletedKeys) and a reopened
 * store say; under each fsync policy, with deletes made at once (group commit), past a batch, and across a rotation.
 */
import { closeSync, fstatSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeDataFiles } from '../../src/engine/compaction.js';
import { realFs } from '../../src/engine/fs.js';
import { fileSource } from '../../src/engine/native/byte-source.js';
import { RECORD_TOMBSTONE } from '../../src/engine/native/layout.js';
import { committedRecords, scanRecords } from '../../src/engine/native/scan.js';
import { Store } from '../../src/engine/store.js';
import type { FsyncPolicy, RecordLocation } from '../../src/engine/types.js';
import { cleanTempDirs, dataFiles, tempDir } from './helpers.js';

afterAll(cleanTempDirs);

/** Every tombstone in the store's data files, by key, as a scan of each segment finds it (the newest for a key). */
function scannedTombstones(dir: string): Map<string, RecordLocation> {
  const found = new Map<string, RecordLocation>();
  for (const f of nativeDataFiles(realFs, dir)) {
    const fd = openSync(join(dir, f.name), 'r');
    try {
      for (const ev of committedRecords(scanRecords(fileSource(realFs, fd, fstatSync(fd).size)))) {
        if (ev.kind !== 'record' || ev.header.type !== RECORD_TOMBSTONE) continue;
        const key = ev.key.toString('latin1');
        const before = found.get(key);
        if (!before || before.sequence < ev.header.sequence) found.set(key, { file: f.name, segment: f.id, offset: ev.offset, length: ev.length, sequence: ev.header.sequence });
      }
    } finally {
      closeSync(fd);
    }
  }
  return found;
}

function sizes(dir: string): Record<string, number> {
  return Object.fromEntries(dataFiles(dir).map((name) => [name, statSync(join(dir, name)).size]));
}

describe('Store.deleteAndLocate', () => {
  it.each<FsyncPolicy>(['always', 'batch', 'never'])('fsync %s: answers where its tombstone is, as a scan of the segment, deletedKeys and a reopen find it', async (fsync) => {
    const dir = tempDir();
    const store = await Store.open(dir, { create: true, fsync, segmentSize: 1024 });
    const located = new Map<string, RecordLocation>();
    try {
      for (let i = 0; i < 12; i++) await store.put(`key:${i}`, `value ${i} `.repeat(4));
      // One at a time, a put between each: the tombstone is the newest record, the key's put the one before it.
      for (const i of [0, 1]) {
        const put = store.locate(`key:${i}`)!;
        const at = await store.deleteAndLocate(`key:${i}`);
        expect(at).toBeDefined();
        expect(at).not.toEqual(put);
        expect(at!.sequence).toBeGreaterThan(put.sequence);
        located.set(`key:${i}`, at!);
        await store.put(`other:${i}`, 'x');
      }
      // Right after a batch of several records (whose last record is not the tombstone's place).
      await store.batch([
        { type: 'put', key: 'batched:a', value: 'a'.repeat(40) },
        { type: 'delete', key: 'key:2' },
        { type: 'put', key: 'batched:b', value: 'b'.repeat(40) },
      ]);
      located.set('key:3', (await store.deleteAndLocate('key:3'))!);
      // Several at once: each answer is its own tombstone, also when one commit (fsync batch) makes them durable.
      const many = ['key:4', 'key:5', 'key:6', 'key:7'];
      const answers = await Promise.all(many.map((k) => store.deleteAndLocate(k)));
      many.forEach((k, i) => located.set(k, answers[i]!));
      expect(new Set(answers.map((a) => `${a!.file}@${a!.offset}`)).size).toBe(many.length);
      // Enough deletes that some rotate to a new segment first: the answer names the new one.
      for (const k of ['key:8', 'key:9', 'key:10', 'key:11', 'batched:a', 'batched:b', 'other:0', 'other:1']) located.set(k, (await store.deleteAndLocate(k))!);
      expect(new Set([...located.values()].map((l) => l.file)).size).toBeGreaterThan(1);

      // A key that is not there (never written, or already deleted): nothing written, nothing answered.
      const before = sizes(dir);
      expect(await store.deleteAndLocate('never:written')).toBeUndefined();
      expect(await store.deleteAndLocate('key:0')).toBeUndefined();
      expect(sizes(dir)).toEqual(before);

      const scanned = scannedTombstones(dir);
      for (const [key, at] of located) expect(at, key).toEqual(scanned.get(key));
      const searched = new Map((await store.deletedKeys()).map((d) => [d.key, d.deletedAt]));
      for (const [key, at] of located) expect(searched.get(key), key).toEqual(at);
      expect(searched.get('key:2')).toEqual(scanned.get('key:2'));
    } finally {
      await store.close();
    }
    // Durable where it said: a reopened store finds each tombstone where it was answered.
    const again = await Store.open(dir, { readOnly: true });
    try {
      const reopened = new Map((await again.deletedKeys()).map((d) => [d.key, d.deletedAt]));
      for (const [key, at] of located) expect(reopened.get(key), key).toEqual(at);
      expect(again.keyCount()).toBe(0);
    } finally {
      await again.close();
    }
  });
});
