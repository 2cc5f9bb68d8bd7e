/**
 * `kvscope segments` counts a native file's records without decoding each
 * one (native-summary.ts). Its counts, sequence ranges and damaged regions
 * must be exactly those of the decoded records, on a sound store (overwrites, deletes,
 * batches, a compaction, free slots in the keydir image) and on hundreds of
 * damaged copies of each file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { realFs } from '../../src/engine/fs.js';
import { decodeSafely } from '../../src/engine/foreign-store.js';
import { addToSummary, emptySummary, type FileSummary, type FormatFile } from '../../src/engine/formats/format.js';
import { nativeFormat } from '../../src/engine/formats/native.js';
import { summarizeNativeFile, summarizeSegmentWalking } from '../../src/engine/formats/native-summary.js';
import { Store } from '../../src/engine/store.js';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';

afterAll(cleanTempDirs);

/** The decoders' summary; for a data file, with the regions they call corrupt or torn, as the walk finds them. */
function decodedSummary(file: FormatFile, bytes: Buffer): FileSummary {
  const summary = emptySummary();
  for (const r of decodeSafely(nativeFormat, file, bytes)) {
    addToSummary(summary, r);
    if (file.role === 'data' && (r.status === 'corrupt' || r.status === 'torn')) (summary.damaged ??= []).push({ offset: r.offset, length: r.length });
  }
  return summary;
}

function summaryOfBytes(file: FormatFile, bytes: Buffer): FileSummary | 'threw' {
  const dir = tempDir();
  const p = path.join(dir, file.name);
  fs.writeFileSync(p, bytes);
  try {
    return summarizeNativeFile(realFs, p, file) ?? 'threw';
  } catch {
    return 'threw';
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function storeWithEverything(): Promise<string> {
  const dir = tempDir();
  const store = await Store.open(dir, { create: true, segmentSize: 8 * 1024, fsync: 'never' });
  for (let i = 0; i < 400; i++) await store.put(`key:${i}`, `value ${i} ${'.'.repeat(i % 50)}`);
  for (let i = 0; i < 400; i += 3) await store.put(`key:${i}`, `again ${i}`);
  for (let i = 0; i < 400; i += 7) await store.delete(`key:${i}`);
  await store.batch(Array.from({ length: 30 }, (_, i) => ({ type: 'put' as const, key: Buffer.from([0, 0xff, i]), value: Buffer.from([i, 0x80]) })));
  await store.compact();
  for (let i = 0; i < 60; i++) await store.put(`late:${i}`, `after compaction ${i}`);
  for (let i = 1; i < 400; i += 11) await store.delete(`key:${i}`);
  await store.close();
  return dir;
}

/** A changed copy: bytes flipped, the file cut short, or zeros over a stretch. */
function damaged(bytes: Buffer, seed: number): Buffer {
  let x = seed * 2654435761 + 1;
  const next = (n: number): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x % Math.max(1, n);
  };
  const copy = Buffer.from(bytes);
  switch (seed % 4) {
    case 0:
      for (let i = 1 + next(3); i > 0; i--) copy[next(copy.length)]! ^= 1 << next(8);
      return copy;
    case 1:
      return copy.subarray(0, next(copy.length));
    case 2: {
      const at = next(copy.length);
      copy.fill(0, at, Math.min(copy.length, at + 1 + next(200)));
      return copy;
    }
    default: {
      // Within the first 64 bytes: the headers.
      copy[next(Math.min(64, copy.length))]! ^= 0xff;
      return copy;
    }
  }
}

describe('native file summaries', () => {
  it('count what the decoders give, on every file of a sound store', async () => {
    const dir = await storeWithEverything();
    const files = nativeFormat.listFiles(dir).filter((f) => f.role === 'data' || f.role === 'hint' || f.role === 'keydir');
    expect(new Set(files.map((f) => f.role))).toEqual(new Set(['data', 'hint', 'keydir']));
    for (const file of files) {
      const bytes = fs.readFileSync(path.join(dir, file.name));
      const want = decodedSummary(file, bytes);
      expect(summarizeNativeFile(realFs, path.join(dir, file.name), file), file.name).toEqual(want);
      expect(want.records, file.name).toBeGreaterThan(0);
      // The image has free slots (deleted keys) among its slots: those are not records.
      if (file.role === 'keydir') expect(decodeSafely(nativeFormat, file, bytes).some((r) => r.label === 'free slot')).toBe(true);
    }
  });

  it('count what the decoders give on 600 damaged copies of each kind of file', async () => {
    const dir = await storeWithEverything();
    const files = nativeFormat.listFiles(dir);
    const pick = (role: FormatFile['role']) => files.find((f) => f.role === role)!;
    let differing = 0;
    let threw = 0;
    for (const file of [pick('data'), pick('hint'), pick('keydir')]) {
      const bytes = fs.readFileSync(path.join(dir, file.name));
      const sound = decodedSummary(file, bytes);
      for (let seed = 0; seed < 600; seed++) {
        const bad = damaged(bytes, seed);
        const want = decodedSummary(file, bad);
        const got = summaryOfBytes(file, bad);
        // A summary that throws falls back to the decoders in `kvscope segments`: never a different answer.
        if (got !== 'threw') expect(got, `${file.name}, damage ${seed}`).toEqual(want);
        else threw++;
        if (JSON.stringify(want) !== JSON.stringify(sound)) differing++;
      }
    }
    // The damage did change what the files hold, often.
    expect(differing).toBeGreaterThan(600);
    expect(threw).toBeLessThan(90);
  });

  it('give the same data-file summary walking (the inspector) as scanning, on sound and damaged copies', async () => {
    const dir = await storeWithEverything();
    const data = nativeFormat.listFiles(dir).filter((f) => f.role === 'data');
    const scratch = tempDir();
    let pauses = 0;
    const pause = async () => {
      pauses++;
    };
    let damagedSeen = 0;
    for (const file of data) {
      const bytes = fs.readFileSync(path.join(dir, file.name));
      for (let seed = -1; seed < 300; seed++) {
        const p = path.join(scratch, file.name);
        fs.writeFileSync(p, seed < 0 ? bytes : damaged(bytes, seed));
        let want: FileSummary | 'threw';
        try {
          want = summarizeNativeFile(realFs, p, file)!;
        } catch {
          want = 'threw';
        }
        if (want === 'threw') continue;
        if (want.damaged) damagedSeen++;
        // A small window makes the walk stop and start again often (records and batches larger than it).
        for (const windowBytes of [undefined, 256]) {
          expect(await summarizeSegmentWalking(realFs, p, { pause, windowBytes }), `${file.name}, damage ${seed}, window ${windowBytes}`).toEqual(want);
        }
      }
    }
    expect(damagedSeen).toBeGreaterThan(300);
    expect(pauses).toBeGreaterThan(0);
  });
});
