/**
 * Verify checks what hint files and the keydir image claim (a record of this
 * key, sequence, type and length at this offset) against the records it
 * meets while reading each segment once. These tests aim claims at records
 * that are whole and committed but are not the ones claimed — where a check
 * by location alone would pass — and check that verify reads no record a
 * second time to check a claim that holds.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { realFs, type EngineFs } from '../../src/engine/fs.js';
import { decodeHint, encodeHint } from '../../src/engine/native/codec.js';
import { verifyNativeDirectory } from '../../src/engine/verify.js';
import { cleanTempDirs, countingFs, hashDir, resealedImage, tempDir } from './helpers.js';

afterEach(cleanTempDirs);

const HINT = '000001.hint';
const IMAGE = 'KEYDIR';
/** Keydir image layout (docs/FORMAT.md): a 40-byte header, 48 bytes per segment, then 32-byte slots of u32 words. */
const IMAGE_HEADER_BYTES = 40;
const IMAGE_SEGMENT_BYTES = 48;
const SLOT_BYTES = 32;
const SLOT_OFFSET_WORD = 2;
const SLOT_LENGTH_WORD = 3;
const SLOT_KEY_AT_WORD = 6;

/** Keys of the same length with values of the same length: every record is 22 + 4 + 8 bytes. */
const KEYS = Array.from({ length: 40 }, (_, i) => `k${String(i).padStart(3, '0')}`);

/** A store closed cleanly: segment 1 sealed with its hint, segment 2 active with its hint, and the keydir image. */
async function cleanStore(): Promise<string> {
  const dir = tempDir() + '/s';
  const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 24 + 30 * 34 });
  for (const k of KEYS) await store.put(k, `v-${k}-x`);
  expect(await store.flushBackground()).toEqual([]);
  await store.close();
  expect(fs.readdirSync(dir).sort()).toEqual(['000001.data', HINT, '000002.data', '000002.hint', IMAGE]);
  return dir;
}

async function problemsOf(dir: string): Promise<Array<[string, number, string]>> {
  const before = hashDir(dir);
  const report = await verifyNativeDirectory(dir);
  expect(hashDir(dir), 'verify changes nothing').toEqual(before);
  return report.problems.map((p) => [p.file, p.offset, p.kind]);
}

/** Rewrite segment 1's hint with `change` applied to its decoded entries; returns where each entry starts in the file. */
function rewriteHint(dir: string, change: (entries: ReturnType<typeof hintEntries>) => void): number[] {
  const entries = hintEntries(dir);
  change(entries);
  const decoded = decodeHint(fs.readFileSync(path.join(dir, HINT)));
  if (!decoded.ok) throw new Error(decoded.reason);
  fs.writeFileSync(path.join(dir, HINT), encodeHint(1, decoded.hint.dataSize, entries));
  const starts: number[] = [];
  let at = 20;
  for (const e of entries) {
    starts.push(at);
    at += 22 + e.key.length;
  }
  return starts;
}

function hintEntries(dir: string) {
  const decoded = decodeHint(fs.readFileSync(path.join(dir, HINT)));
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.hint.entries;
}

/** The image's bytes, where its slots begin and how many there are. */
function imageSlots(dir: string): { image: Buffer; slotsAt: number; slotCount: number } {
  const image = fs.readFileSync(path.join(dir, IMAGE));
  const slotsAt = IMAGE_HEADER_BYTES + image.readUInt32LE(12) * IMAGE_SEGMENT_BYTES;
  return { image, slotsAt, slotCount: image.readUInt32LE(16) };
}

/** The image written back with its checksums made right again (resealedImage), as a faulty writer would have left it. */
function resealImage(dir: string, image: Buffer): void {
  fs.writeFileSync(path.join(dir, IMAGE), resealedImage(image));
}

describe('verify: what hints and the keydir image claim', () => {
  it('a clean store verifies clean', async () => {
    const dir = await cleanStore();
    expect(await problemsOf(dir)).toEqual([]);
  });

  it('reports a COMPACTION manifest it cannot read, and goes on to check the segments', async () => {
    const dir = await cleanStore();
    fs.writeFileSync(path.join(dir, 'COMPACTION'), '{"version":1,"inputs":[1');
    expect(await problemsOf(dir)).toEqual([['COMPACTION', 0, 'unreadable']]);
    const report = await verifyNativeDirectory(dir);
    expect(report.recordsChecked).toBe(KEYS.length);
  });

  it('names a hint entry that points at another whole record of the segment', async () => {
    const dir = await cleanStore();
    const starts = rewriteHint(dir, (entries) => {
      // The entry of the first key now points at the second key's record: same length, a good checksum.
      const a = entries.find((e) => e.key.toString() === KEYS[0])!;
      const b = entries.find((e) => e.key.toString() === KEYS[1])!;
      a.offset = b.offset;
    });
    const at = hintEntries(dir).findIndex((e) => e.key.toString() === KEYS[0]);
    expect(await problemsOf(dir)).toEqual([[HINT, starts[at]!, 'hint-mismatch']]);
  });

  it('names a hint entry whose sequence number or type is not its record’s', async () => {
    for (const change of ['sequence', 'type'] as const) {
      const dir = await cleanStore();
      const starts = rewriteHint(dir, (entries) => {
        const e = entries.find((x) => x.key.toString() === KEYS[3])!;
        if (change === 'sequence') e.sequence += 1;
        else e.type = 2;
      });
      const at = hintEntries(dir).findIndex((e) => e.key.toString() === KEYS[3]);
      expect(await problemsOf(dir), change).toEqual([[HINT, starts[at]!, 'hint-mismatch']]);
    }
  });

  it('names a hint entry that points into the middle of a record, and one past the last record', async () => {
    const dir = await cleanStore();
    const starts = rewriteHint(dir, (entries) => {
      entries[0]!.offset += 1;
      entries[1]!.offset = fs.statSync(path.join(dir, '000001.data')).size;
    });
    expect(await problemsOf(dir)).toEqual([
      [HINT, starts[0]!, 'hint-mismatch'],
      [HINT, starts[1]!, 'hint-mismatch'],
    ]);
  });

  it('names a key of the image that points at another key’s record', async () => {
    const dir = await cleanStore();
    const { image, slotsAt, slotCount } = imageSlots(dir);
    expect(slotCount).toBe(KEYS.length);
    // Slots 0 and 1 hold different keys in segment 1 (keys take slots in the order they were set): give
    // slot 0 the offset and length of slot 1's record, which is whole, committed and of the same length.
    const word = (slot: number, w: number) => slotsAt + slot * SLOT_BYTES + 4 * w;
    image.writeUInt32LE(image.readUInt32LE(word(1, SLOT_OFFSET_WORD)), word(0, SLOT_OFFSET_WORD));
    image.writeUInt32LE(image.readUInt32LE(word(1, SLOT_LENGTH_WORD)), word(0, SLOT_LENGTH_WORD));
    resealImage(dir, image);
    expect(await problemsOf(dir)).toEqual([[IMAGE, slotsAt, 'hint-mismatch']]);
  });

  it('names a key of the image that a lookup of that key would not find', async () => {
    const dir = await cleanStore();
    const { image, slotsAt } = imageSlots(dir);
    // Slot 1 (k001) gets slot 0's key bytes (k000, same length), its hash unchanged: two slots hold
    // k000, a lookup of k000 finds slot 0, and slot 1 also claims k000 for k001's record.
    const word = (slot: number, w: number) => slotsAt + slot * SLOT_BYTES + 4 * w;
    image.writeUInt32LE(image.readUInt32LE(word(0, SLOT_KEY_AT_WORD)), word(1, SLOT_KEY_AT_WORD));
    resealImage(dir, image);
    const report = await verifyNativeDirectory(dir);
    expect(report.problems.map((p) => [p.file, p.offset, p.kind])).toEqual([
      [IMAGE, slotsAt + SLOT_BYTES, 'bad-hint'],
      [IMAGE, slotsAt + SLOT_BYTES, 'hint-mismatch'],
    ]);
    expect(report.problems[0]!.message).toMatch(/^key "k000" \(slot 1\) is not found by a lookup of that key/);
    // An open takes such an image over (it does not look every key up); verify is where it shows.
    const store = await Store.open(dir, { readOnly: true });
    expect(store.recovery.hintFallbacks).toEqual([]);
    await store.close();
  });

  it('names at most 20 keys of the image one by one, and counts the rest', async () => {
    const dir = await cleanStore();
    const { image, slotsAt, slotCount } = imageSlots(dir);
    for (let slot = 0; slot < slotCount; slot++) {
      const at = slotsAt + slot * SLOT_BYTES + 4 * SLOT_OFFSET_WORD;
      image.writeUInt32LE(image.readUInt32LE(at) + 1, at);
    }
    resealImage(dir, image);
    const report = await verifyNativeDirectory(dir);
    expect(report.problems).toHaveLength(21);
    expect(report.problems.every((p) => p.file === IMAGE && p.kind === 'hint-mismatch')).toBe(true);
    expect(report.problems.slice(0, 20).every((p) => /^key "k\d{3}" points at 00000[12]\.data@\d+/.test(p.message))).toBe(true);
    expect(report.problems[20]!.message).toBe(`${slotCount - 20} more keys point at records that are not theirs`);
  });

  it('a claim on a whole record of a batch that damage left unfinished holds, as a reader following it would find', async () => {
    const dir = tempDir() + '/s';
    const store = await Store.open(dir, { create: true, fsync: 'never' });
    await store.batch(['a', 'b', 'c'].map((k) => ({ type: 'put' as const, key: `key-${k}`, value: `value-${k}` })));
    await store.close();
    // The batch's last record damaged (a value byte): the scan drops the batch as unfinished, but the first two
    // records are whole, and the hint and the image point at them.
    const data = path.join(dir, '000001.data');
    const bytes = fs.readFileSync(data);
    bytes[bytes.length - 1]! ^= 0xff;
    fs.writeFileSync(data, bytes);
    const problems = (await verifyNativeDirectory(dir)).problems;
    const last = 24 + 2 * (22 + 5 + 7);
    expect(problems.filter((p) => p.file === '000001.data').map((p) => p.kind).sort()).toEqual(['bad-crc', 'incomplete-batch']);
    // Only the claims on the damaged record are wrong.
    expect(problems.filter((p) => p.file === HINT).map((p) => [p.kind, p.message])).toEqual([['hint-mismatch', expect.stringContaining(`000001.data@${last} `)]]);
    expect(problems.filter((p) => p.file === IMAGE).map((p) => [p.kind, p.message])).toEqual([['hint-mismatch', expect.stringContaining('key "key-c"')]]);
  });

  it('reads hints ahead on the thread pool, and starts over when one vanished after the listing (a compaction finished)', async () => {
    const dir = await cleanStore();
    let vanished = 0;
    const efs: EngineFs = {
      ...realFs,
      readFile: (p) => {
        if (path.basename(p) === HINT && vanished++ === 0) return Promise.reject(Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' }));
        return realFs.readFile(p);
      },
    };
    const report = await verifyNativeDirectory(dir, { fs: efs });
    expect(vanished).toBe(2);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('starts over when the compaction manifest it listed went before it read it (a compaction finished), instead of calling it unreadable', async () => {
    // Seen beside a writer compacting back to back: verify exited 1 with "COMPACTION cannot be read".
    const dir = await cleanStore();
    let listings = 0;
    const efs: EngineFs = {
      ...realFs,
      // The first listing still has the manifest of a compaction that is committing; it is gone when read, and after.
      readdirSync: (p) => (listings++ === 0 ? [...realFs.readdirSync(p), 'COMPACTION'] : realFs.readdirSync(p)),
      readFileSync: (p) => {
        if (path.basename(p) === 'COMPACTION') throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
        return realFs.readFileSync(p);
      },
    };
    const report = await verifyNativeDirectory(dir, { fs: efs });
    expect(listings).toBeGreaterThanOrEqual(2);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('reads each file about once: a claim that holds costs no read of its record', async () => {
    const dir = await cleanStore();
    const { efs, bytesReadFrom } = countingFs();
    const fileBytes = fs.readdirSync(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
    expect((await verifyNativeDirectory(dir, { fs: efs })).ok).toBe(true);
    const bytesRead = bytesReadFrom(() => true);
    // Segment headers are read once more on their own (24 bytes each); reading every record again for
    // the hints and the image would read the segments' 1,360 bytes of records twice more.
    expect(bytesRead).toBeGreaterThanOrEqual(fileBytes);
    expect(bytesRead).toBeLessThanOrEqual(fileBytes + 2 * 24);
  });
});
