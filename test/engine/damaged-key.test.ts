/**
 * Which key a damaged record belonged to: the key as its bytes read, when the
 * record's header has plausible lengths (no checksum vouches for it), never
 * when a length is impossible; and the key a keydir image or a hint entry
 * holds at the damaged record's place, known for sure.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { verifyNativeDirectory } from '../../src/engine/verify.js';
import { recoveryNotes, recoveryReport } from '../../src/engine/recovery.js';
import { memorySource } from '../../src/engine/native/byte-source.js';
import { recordsInRegion, scanRecords } from '../../src/engine/native/scan.js';
import { decodedFromScan } from '../../src/engine/formats/native.js';
import { RECORD_HEADER, SEGMENT_HEADER } from '../../src/engine/native/layout.js';
import { readRecordHeader } from '../../src/engine/native/codec.js';
import type { Problem } from '../../src/engine/types.js';
import { cleanTempDirs, flipByte, hashDir, latin1, removeKeydirImage, tempDir } from './helpers.js';

afterEach(cleanTempDirs);

const KEYS = Array.from({ length: 30 }, (_, i) => `user:${String(i).padStart(5, '0')}:profile`);

/** A store of one segment; `keep` says which of the hint and the keydir image stay. Returns the dir and where `user:00012:profile`'s record is. */
async function storeWith(keep: { hint: boolean; image: boolean }): Promise<{ dir: string; file: string; offset: number; length: number }> {
  const dir = tempDir() + '/s';
  const store = await Store.open(dir, { create: true, fsync: 'never' });
  for (const k of KEYS) await store.put(k, `{"name":"${k}","plan":"free"}`);
  const at = store.locate('user:00012:profile')!;
  await store.close();
  if (!keep.image) removeKeydirImage(dir);
  if (!keep.hint) for (const n of fs.readdirSync(dir)) if (n.endsWith('.hint')) fs.rmSync(path.join(dir, n));
  return { dir, file: at.file, offset: at.offset, length: at.length };
}

async function damageProblem(dir: string, offset: number): Promise<Problem> {
  const before = hashDir(dir);
  const report = await verifyNativeDirectory(dir);
  expect(hashDir(dir), 'verify changes nothing').toEqual(before);
  const found = report.problems.find((p) => p.offset === offset && p.kind !== 'hint-mismatch');
  expect(found, JSON.stringify(report.problems)).toBeDefined();
  return found!;
}

describe('the key of a damaged record', () => {
  it('a flipped value byte: the key as its bytes read, unverified, from verify and the decoder', async () => {
    const { dir, file, offset, length } = await storeWith({ hint: false, image: false });
    flipByte(path.join(dir, file), offset + length - 5);
    const problem = await damageProblem(dir, offset);
    expect(problem.kind).toBe('bad-crc');
    expect(problem.key).toEqual({ key: 'user:00012:profile', from: 'record' });

    const bytes = fs.readFileSync(path.join(dir, file));
    const damaged = [...scanRecords(memorySource(bytes), SEGMENT_HEADER.size)].filter((ev) => ev.kind !== 'record');
    expect(damaged).toHaveLength(1);
    const decoded = decodedFromScan(damaged[0]!);
    expect(latin1(decoded.unverifiedKey!)).toBe('user:00012:profile');
    expect(decoded.fields.find((f) => f.name === 'key')?.display).toBe('"user:00012:profile" (unverified)');
  });

  it('a torn last record whose key is whole: its key, unverified', async () => {
    const { dir, file } = await storeWith({ hint: false, image: false });
    const bytes = fs.readFileSync(path.join(dir, file));
    // Cut the last record (user:00029:profile) 3 bytes into its value.
    const last = bytes.length - (RECORD_HEADER.size + 18 + `{"name":"user:00029:profile","plan":"free"}`.length);
    fs.truncateSync(path.join(dir, file), last + RECORD_HEADER.size + 18 + 3);
    const problem = await damageProblem(dir, last);
    expect(problem.kind).toBe('torn-tail');
    expect(problem.key).toEqual({ key: 'user:00029:profile', from: 'record' });
  });

  it.each([
    ['key', RECORD_HEADER.keyLength],
    ['value', RECORD_HEADER.valueLength],
  ])('a %s length made impossible: no key, though the key bytes are there', async (_, field) => {
    const { dir, file, offset } = await storeWith({ hint: false, image: false });
    // The length's high byte: 0xff0000NN bytes, past the format's limit (the key's own bytes untouched).
    flipByte(path.join(dir, file), offset + field + 3);
    const problem = await damageProblem(dir, offset);
    expect(problem.kind).toBe('impossible-length');
    expect(problem.key).toBeUndefined();
    const bytes = fs.readFileSync(path.join(dir, file));
    const damaged = [...scanRecords(memorySource(bytes), SEGMENT_HEADER.size)].filter((ev) => ev.kind !== 'record');
    expect(damaged.map((ev) => decodedFromScan(ev).unverifiedKey)).toEqual([undefined]);
  });

  it('a key length that runs past the damaged bytes: no key', async () => {
    const { dir, file, offset } = await storeWith({ hint: false, image: false });
    // 18 → 0xed + 18: plausible by the format's limit, but the key would run over the next sound record.
    flipByte(path.join(dir, file), offset + RECORD_HEADER.keyLength);
    const problem = await damageProblem(dir, offset);
    expect(problem.key).toBeUndefined();
  });

  it('a flipped key byte with the keydir image: the keydir names the key for sure', async () => {
    const { dir, file, offset } = await storeWith({ hint: true, image: true });
    flipByte(path.join(dir, file), offset + RECORD_HEADER.size + 7);
    const problem = await damageProblem(dir, offset);
    expect(problem.key).toEqual({ key: 'user:00012:profile', from: 'keydir' });
  });

  it('a flipped key byte with a hint but no image: the hint entry names the key for sure', async () => {
    const { dir, file, offset } = await storeWith({ hint: true, image: false });
    flipByte(path.join(dir, file), offset + RECORD_HEADER.size + 7);
    const report = await verifyNativeDirectory(dir);
    expect(report.problems.find((p) => p.offset === offset && p.file === file)?.key).toEqual({ key: 'user:00012:profile', from: 'hint' });
    // The hint's own problem (its entry points at a record that is not the one it describes) names it too.
    expect(report.problems.find((p) => p.kind === 'hint-mismatch')?.key).toEqual({ key: 'user:00012:profile', from: 'hint' });
  });

  it('a flipped key byte with neither: the key as it reads, which is not the key written', async () => {
    const { dir, file, offset } = await storeWith({ hint: false, image: false });
    flipByte(path.join(dir, file), offset + RECORD_HEADER.size + 7);
    const problem = await damageProblem(dir, offset);
    expect(problem.key?.from).toBe('record');
    expect(problem.key?.key).not.toBe('user:00012:profile');
    expect(problem.key?.key.length).toBe(18);
  });
});

describe('the open names the key of the damage it skipped', () => {
  it('a flipped value byte: the open report and its terse line name the key, unverified', async () => {
    const { dir, file, offset, length } = await storeWith({ hint: false, image: false });
    flipByte(path.join(dir, file), offset + length - 5);
    const before = hashDir(dir);
    const store = await Store.open(dir, { readOnly: true });
    try {
      const items = recoveryReport(store.recovery, store.damageSkipped());
      expect(items.filter((i) => i.kind === 'problem').map((i) => i.text)).toEqual([
        `Skipped a damaged record (its checksum does not match its bytes) in ${file} at offset ${offset}, key (unverified, the record fails its checksum): user:00012:profile; keys or versions it held may be missing.`,
      ]);
      expect(recoveryNotes(store.recovery)).toEqual([expect.stringMatching(new RegExp(`^skipped bad-crc in ${file} at ${offset}: .*; key \\(unverified, the record fails its checksum\\): user:00012:profile$`))]);
    } finally {
      await store.close();
    }
    expect(hashDir(dir), 'a read-only open changes nothing').toEqual(before);
  });

  it('an impossible length names no key', async () => {
    const { dir, file, offset } = await storeWith({ hint: false, image: false });
    flipByte(path.join(dir, file), offset + RECORD_HEADER.valueLength + 3);
    const store = await Store.open(dir, { readOnly: true });
    try {
      const [item] = recoveryReport(store.recovery, store.damageSkipped()).filter((i) => i.kind === 'problem');
      expect(item?.text).toBe(`Skipped a damaged record (its length cannot be right) in ${file} at offset ${offset}; keys or versions it held may be missing.`);
    } finally {
      await store.close();
    }
  });

  it('a crash’s torn last record whose key is whole: the note names it', async () => {
    const { dir, file } = await storeWith({ hint: false, image: false });
    const bytes = fs.readFileSync(path.join(dir, file));
    const last = bytes.length - (RECORD_HEADER.size + 18 + `{"name":"user:00029:profile","plan":"free"}`.length);
    fs.truncateSync(path.join(dir, file), last + RECORD_HEADER.size + 18 + 3);
    const store = await Store.open(dir, { readOnly: true });
    try {
      expect(recoveryReport(store.recovery, store.damageSkipped()).map((i) => i.text)).toContain(
        `The last write to ${file} was left unfinished, as a crash leaves it (at offset ${last}, key (unverified, the record is torn): user:00029:profile); everything written before it is intact.`,
      );
    } finally {
      await store.close();
    }
  });
});

describe('a damaged region of two records side by side', () => {
  /** user:00012 and user:00013 each with a value byte flipped: one region from the first to user:00014's record. */
  async function twoDamaged(): Promise<{ dir: string; file: string; first: number; second: number; end: number }> {
    const dir = tempDir() + '/s';
    const store = await Store.open(dir, { create: true, fsync: 'never' });
    for (const k of KEYS) await store.put(k, `{"name":"${k}","plan":"free"}`);
    const [a, b, c] = ['user:00012:profile', 'user:00013:profile', 'user:00014:profile'].map((k) => store.locate(k)!);
    await store.close();
    removeKeydirImage(dir);
    for (const n of fs.readdirSync(dir)) if (n.endsWith('.hint')) fs.rmSync(path.join(dir, n));
    flipByte(path.join(dir, a!.file), a!.offset + a!.length - 5);
    flipByte(path.join(dir, b!.file), b!.offset + b!.length - 5);
    return { dir, file: a!.file, first: a!.offset, second: b!.offset, end: c!.offset };
  }

  it('verify says the region holds two records by their lengths, and names the first one’s key only', async () => {
    const { dir, first, second, end } = await twoDamaged();
    const problem = await damageProblem(dir, first);
    expect(problem.length).toBe(end - first);
    expect(problem.message).toMatch(new RegExp(`^checksum mismatch: .*; by their headers' lengths these ${end - first} bytes hold 2 damaged records \\(at ${first} and ${second}\\), none sound$`));
    expect(problem.key).toEqual({ key: 'user:00012:profile', from: 'record' });
  });

  it('one damaged record says nothing of more', async () => {
    const { dir, file, offset, length } = await storeWith({ hint: false, image: false });
    flipByte(path.join(dir, file), offset + length - 5);
    expect((await damageProblem(dir, offset)).message).not.toContain('hold');
  });

  it('a second record whose header is not plausible is not counted: the region is said as one', async () => {
    const { dir, file, first, second, end } = await twoDamaged();
    // The second record's type byte made unknown: the first's length leads to bytes that are no record header.
    const bytes = fs.readFileSync(path.join(dir, file));
    bytes[second + RECORD_HEADER.type] = 0x7f;
    fs.writeFileSync(path.join(dir, file), bytes);
    const problem = await damageProblem(dir, first);
    expect(problem.length).toBe(end - first);
    expect(problem.message).not.toContain('hold');
    expect(recordsInRegion(memorySource(bytes), first, end, readRecordHeader(bytes, first))).toBeUndefined();
    bytes[second + RECORD_HEADER.type] = 1;
    expect(recordsInRegion(memorySource(bytes), first, end, readRecordHeader(bytes, first))).toEqual([first, second]);
  });
});

describe('the open of a damaged region of two records', () => {
  it('says it skipped two records side by side, naming the first one’s key', async () => {
    const dir = tempDir() + '/s';
    const store = await Store.open(dir, { create: true, fsync: 'never' });
    for (const k of KEYS) await store.put(k, `{"name":"${k}","plan":"free"}`);
    const [a, b] = ['user:00012:profile', 'user:00013:profile'].map((k) => store.locate(k)!);
    await store.close();
    removeKeydirImage(dir);
    for (const n of fs.readdirSync(dir)) if (n.endsWith('.hint')) fs.rmSync(path.join(dir, n));
    for (const at of [a!, b!]) flipByte(path.join(dir, at.file), at.offset + at.length - 5);
    const opened = await Store.open(dir, { readOnly: true });
    try {
      const items = recoveryReport(opened.recovery, opened.damageSkipped()).filter((i) => i.kind === 'problem');
      expect(items.map((i) => i.text)).toEqual([
        `Skipped a damaged record (its checksum does not match its bytes) and another damaged record right after it in ${a!.file} at offset ${a!.offset}, key (unverified, the record fails its checksum): user:00012:profile (the first one's); keys or versions they held may be missing.`,
      ]);
      expect(items[0]!.detail).toContain(`hold 2 damaged records (at ${a!.offset} and ${b!.offset}), none sound`);
    } finally {
      await opened.close();
    }
  });
});
