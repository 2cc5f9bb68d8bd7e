/**
 * Resource limits: oversized writes are refused before a byte is written
 * (single puts, batches, the inspector, JSON Lines import); files whose
 * length fields claim gigabytes (a segment record header, a hint entry with a
 * valid checksum) are opened, read, verified and decoded without allocating
 * anything near that (Buffer allocations are watched and the process's
 * ArrayBuffer memory is measured). The host's body limit is in
 * malformed-requests.test.ts.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { TooLargeError } from '../../src/engine/errors.js';
import { encodeHint, encodeRecord, encodeSegmentHeader } from '../../src/engine/native/codec.js';
import { MAX_KEY_BYTES, MAX_VALUE_BYTES } from '../../src/engine/native/layout.js';
import { nativeFormat } from '../../src/engine/formats/native.js';
import { verifyNativeDirectory } from '../../src/engine/verify.js';
import { InspectorService } from '../../src/inspector/service.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';
import { snapshot } from './snapshot.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
afterAll(cleanTempDirs);

/** Runs fn and reports the largest Buffer allocation it asked for and how much ArrayBuffer memory grew. */
async function watchAllocations<T>(fn: () => Promise<T>): Promise<{ result: T | Error; maxAlloc: number; grew: number }> {
  let maxAlloc = 0;
  const originals = { alloc: Buffer.alloc, allocUnsafe: Buffer.allocUnsafe, allocUnsafeSlow: Buffer.allocUnsafeSlow };
  for (const name of Object.keys(originals) as Array<keyof typeof originals>) {
    const original = originals[name] as (size: number, ...rest: unknown[]) => Buffer;
    (Buffer as unknown as Record<string, unknown>)[name] = (size: number, ...rest: unknown[]) => {
      if (size > maxAlloc) maxAlloc = size;
      return original.call(Buffer, size, ...rest);
    };
  }
  const before = process.memoryUsage().arrayBuffers;
  let peak = before;
  let result: T | Error;
  try {
    result = await fn();
  } catch (err) {
    result = err as Error;
  } finally {
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    Object.assign(Buffer, originals);
  }
  return { result, maxAlloc, grew: peak - before };
}

const MiB = 1024 * 1024;

describe('oversized writes are refused before anything is written', () => {
  it('put, batch and delete with a key or value over the maximum: TooLargeError, directory unchanged, store still works', async () => {
    const dir = tempDir();
    const store = await Store.open(dir, { create: true });
    await store.put('a', '1');
    const before = snapshot(dir);
    const bigValue = Buffer.alloc(MAX_VALUE_BYTES + 1, 0x61);
    const bigKey = Buffer.alloc(MAX_KEY_BYTES + 1, 0x6b);
    await expect(store.put('v', bigValue)).rejects.toBeInstanceOf(TooLargeError);
    await expect(store.put(bigKey, 'x')).rejects.toBeInstanceOf(TooLargeError);
    // One oversized operation refuses the whole batch: the small ones before it are not written either.
    await expect(store.batch([{ type: 'put', key: 'b', value: '2' }, { type: 'put', key: 'c', value: bigValue }])).rejects.toBeInstanceOf(TooLargeError);
    await expect(store.batch([{ type: 'put', key: 'b', value: '2' }, { type: 'delete', key: bigKey }])).rejects.toBeInstanceOf(TooLargeError);
    expect(snapshot(dir)).toEqual(before);
    expect(store.has('b')).toBe(false);
    // The maxima themselves are fine.
    await store.put(Buffer.alloc(MAX_KEY_BYTES, 0x6b), 'ok');
    await store.put('edge', Buffer.alloc(MAX_VALUE_BYTES, 0x62));
    expect((await store.get('edge'))!.length).toBe(MAX_VALUE_BYTES);
    await store.close();
    expect((await verifyNativeDirectory(dir)).problems).toEqual([]);
  }, 60_000);

  it('the inspector refuses an oversized key before the store sees it', async () => {
    const dir = tempDir();
    const s = await Store.open(dir, { create: true });
    await s.put('a', '1');
    await s.close();
    const service = new InspectorService({ opener: createEngineOpener(), configDir: tempDir(), allowWrites: true });
    const info = await service.dispatch('openStore', { path: dir, readWrite: true });
    const before = snapshot(dir);
    await expect(service.dispatch('putValue', { sessionId: info.sessionId, key: 'k'.repeat(MAX_KEY_BYTES + 1), valueBase64: 'eA==' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(snapshot(dir)).toEqual(before);
    await service.close();
  });

  it('JSON Lines import with one huge value (line 1,500): refused naming the line, nothing imported', () => {
    const work = tempDir();
    const file = path.join(work, 'in.jsonl');
    const out = fs.openSync(file, 'w');
    for (let i = 1; i <= 2000; i++) {
      const value = i === 1500 ? 'v'.repeat(MAX_VALUE_BYTES + 1) : `value ${i}`;
      fs.writeSync(out, JSON.stringify({ key: `k${i}`, value }) + '\n');
    }
    fs.closeSync(out);
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/kvscope.js'), '--dir', path.join(work, 'store'), 'import', file], { cwd: work, encoding: 'utf8', timeout: 120_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(':1500:');
    expect(r.stderr).toMatch(/more than the maximum/);
    expect(r.stderr).toContain('nothing was imported');
    // No store was created, let alone the first 1,499 lines written.
    expect(fs.existsSync(path.join(work, 'store'))).toBe(false);
  }, 120_000);
});

describe('length fields claiming gigabytes do not allocate', () => {
  it('a segment whose record header claims a 4 GB value (in a 100-byte file): open, read, verify, decode', async () => {
    const dir = tempDir();
    const good = encodeRecord(1, 0, 1, Buffer.from('ok'), Buffer.from('fine'));
    const huge = encodeRecord(1, 0, 2, Buffer.from('k'), Buffer.from('v'.repeat(30)));
    huge.writeUInt32LE(0xffffffff, 18); // valueLength
    const maxish = encodeRecord(1, 0, 3, Buffer.from('m'), Buffer.from('w'));
    maxish.writeUInt32LE(MAX_VALUE_BYTES, 18); // plausible 64 MiB, file ends long before
    const bytes = Buffer.concat([encodeSegmentHeader({ flags: 0, segmentId: 1, sequenceFloor: 0 }), good, huge, maxish]);
    fs.writeFileSync(path.join(dir, '000001.data'), bytes);
    const watched = await watchAllocations(async () => {
      for (const readOnly of [true, false]) {
        const store = await Store.open(dir, { readOnly });
        expect((await store.get('ok'))?.toString()).toBe('fine');
        expect(await store.get('k')).toBeUndefined();
        await store.history('k');
        await store.verify();
        await store.close();
      }
      nativeFormat.decodeFile({ name: '000001.data', role: 'data', id: 1, size: bytes.length }, bytes);
      return true;
    });
    expect(watched.result).toBe(true);
    expect(watched.maxAlloc).toBeLessThan(8 * MiB);
    expect(watched.grew).toBeLessThan(64 * MiB);
  });

  it('a hint with a valid checksum whose entry claims a 4 GB record: no giant allocation, no wrong data', async () => {
    const dir = tempDir();
    const rec = encodeRecord(1, 0, 1, Buffer.from('key'), Buffer.from('value'));
    const seg = Buffer.concat([encodeSegmentHeader({ flags: 0, segmentId: 1, sequenceFloor: 0 }), rec, encodeRecord(1, 0, 2, Buffer.from('other'), Buffer.from('x'))]);
    fs.writeFileSync(path.join(dir, '000001.data'), seg);
    fs.writeFileSync(path.join(dir, '000002.data'), encodeSegmentHeader({ flags: 0, segmentId: 2, sequenceFloor: 0 }));
    // A crafted hint: correct CRC, segment id and size, but the first entry says the record is 4 GB long.
    const hint = encodeHint(1, seg.length, [
      { type: 1, sequence: 1, offset: 24, recordLength: 0xffffffff, key: Buffer.from('key') },
      { type: 1, sequence: 2, offset: 24 + rec.length, recordLength: 22 + 5 + 1, key: Buffer.from('other') },
    ]);
    fs.writeFileSync(path.join(dir, '000001.hint'), hint);
    const watched = await watchAllocations(async () => {
      const seen: Array<string | undefined> = [];
      for (const readOnly of [true, false]) {
        const store = await Store.open(dir, { readOnly });
        try {
          seen.push((await store.get('key'))?.toString());
        } catch (err) {
          seen.push(`error ${(err as { code?: string }).code}`);
        }
        seen.push((await store.get('other'))?.toString());
        await store.close();
      }
      const report = await verifyNativeDirectory(dir);
      return { seen, problems: report.problems.map((p) => p.kind) };
    });
    expect(watched.result).not.toBeInstanceOf(Error);
    const { seen, problems } = watched.result as { seen: Array<string | undefined>; problems: string[] };
    // Either the hint is refused (the segment is scanned: right value) or the read fails as CORRUPT; never wrong bytes.
    for (const [i, v] of seen.entries()) expect([i % 2 === 0 ? 'value' : 'x', 'error CORRUPT']).toContain(v);
    expect(problems).toContain('hint-mismatch');
    expect(watched.maxAlloc).toBeLessThan(8 * MiB);
    expect(watched.grew).toBeLessThan(64 * MiB);
  });
});
