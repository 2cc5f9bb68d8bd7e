/**
 * Crash recovery: torn tails cut at every byte of the last record, every
 * single-bit flip of a small segment, corrupt/stale/missing hints, and an
 * incomplete batch at the tail. Record offsets are computed by hand from the
 * format (24-byte segment header, 22-byte record header + key + value).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { CorruptRecordError } from '../../src/engine/errors.js';
import { verifyNativeDirectory } from '../../src/engine/verify.js';
import { cleanTempDirs, hashDir, pathAwareFs, removeKeydirImage, tempDir } from './helpers.js';
import { realFs } from '../../src/engine/fs.js';

afterEach(cleanTempDirs);

const SEG_HEADER = 24;
const REC_HEADER = 22;
const recLen = (key: string, value: string): number => REC_HEADER + Buffer.byteLength(key) + Buffer.byteLength(value);

/** Write a directory holding exactly one segment file with these bytes. */
function storeWith(file: string, bytes: Buffer): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, file), bytes);
  return dir;
}

async function buildStore(ops: Array<[string, string] | [string, null]>, options: { segmentSize?: number } = {}): Promise<string> {
  const dir = tempDir() + '/src';
  const store = await Store.open(dir, { create: true, fsync: 'never', ...options });
  for (const [k, v] of ops) {
    if (v === null) await store.delete(k);
    else await store.put(k, v);
  }
  await store.close();
  return dir;
}

describe('torn tail at every byte offset of the last record', () => {
  for (const lastIsDelete of [false, true]) {
    it(`read-only reports it and changes nothing; writing cuts it and keeps the rest (last record a ${lastIsDelete ? 'tombstone' : 'put'})`, async () => {
      const ops: Array<[string, string] | [string, null]> = [
        ['alpha', 'one'],
        ['beta', 'two two'],
        lastIsDelete ? ['alpha', null] : ['gamma', 'three!'],
      ];
      const src = await buildStore(ops);
      const full = fs.readFileSync(path.join(src, '000001.data'));
      const lastOffset = SEG_HEADER + recLen('alpha', 'one') + recLen('beta', 'two two');
      const lastEnd = lastOffset + (lastIsDelete ? recLen('alpha', '') : recLen('gamma', 'three!'));
      expect(full.length).toBe(lastEnd);

      for (let cut = lastOffset + 1; cut < lastEnd; cut++) {
        const dir = storeWith('000001.data', full.subarray(0, cut));
        const before = hashDir(dir);

        const ro = await Store.open(dir, { readOnly: true });
        expect(ro.recovery.tornTails.map((p) => [p.file, p.offset])).toEqual([['000001.data', lastOffset]]);
        expect((await ro.get('alpha'))?.toString()).toBe('one');
        expect((await ro.get('beta'))?.toString()).toBe('two two');
        expect(ro.has('gamma')).toBe(false);
        const report = await ro.verify();
        expect(report.problems.map((p) => [p.file, p.offset, p.kind])).toEqual([['000001.data', lastOffset, 'torn-tail']]);
        await ro.close();
        expect(hashDir(dir)).toEqual(before);

        const rw = await Store.open(dir, { fsync: 'never' });
        expect(rw.recovery.tornTails.map((p) => [p.file, p.offset])).toEqual([['000001.data', lastOffset]]);
        expect(fs.statSync(path.join(dir, '000001.data')).size).toBe(lastOffset);
        expect(fs.readFileSync(path.join(dir, '000001.data')).equals(full.subarray(0, lastOffset))).toBe(true);
        await rw.put('delta', 'four');
        await rw.close();

        const again = await Store.open(dir);
        expect(again.recovery.tornTails).toEqual([]);
        expect([...again.sortedKeys()]).toEqual(['alpha', 'beta', 'delta']);
        expect((await again.get('alpha'))?.toString()).toBe('one');
        expect((await again.get('delta'))?.toString()).toBe('four');
        expect((await again.verify()).problems).toEqual([]);
        await again.close();
      }
    });
  }
});

describe('a sealed segment cut short (damage, not a crash)', () => {
  /** Three segments of 40 keys k00..k39 written in order; their files, oldest first. */
  async function threeSegments(): Promise<{ dir: string; files: string[] }> {
    const dir = await buildStore(
      Array.from({ length: 40 }, (_, i): [string, string] => [`k${String(i).padStart(2, '0')}`, `value-${i}`]),
      { segmentSize: 400 },
    );
    const files = fs.readdirSync(dir).filter((n) => n.endsWith('.data')).sort();
    expect(files.length).toBeGreaterThanOrEqual(3);
    return { dir, files };
  }

  it('a writer leaves its bytes in place and says so; only the newest segment is cut', async () => {
    const { dir, files } = await threeSegments();
    removeKeydirImage(dir);
    const middle = files[1]!;
    const size = fs.statSync(path.join(dir, middle)).size;
    const cut = size - 5; // inside its last record
    fs.truncateSync(path.join(dir, middle), cut);
    const newest = files.at(-1)!;
    const newestSize = fs.statSync(path.join(dir, newest)).size;
    fs.appendFileSync(path.join(dir, newest), Buffer.from([1, 2, 3])); // a crash mid-append: a torn tail to cut

    const rw = await Store.open(dir, { fsync: 'never' });
    const torn = Object.fromEntries(rw.recovery.tornTails.map((p) => [p.file, p.message]));
    expect(torn[middle]).toMatch(/left in place/);
    expect(torn[newest]).toMatch(/cut off/);
    await rw.put('after', 'x');
    await rw.close();
    expect(fs.statSync(path.join(dir, middle)).size).toBe(cut);
    expect(fs.statSync(path.join(dir, newest)).size).toBeGreaterThanOrEqual(newestSize);
    const report = await verifyNativeDirectory(dir);
    expect(report.problems.filter((p) => p.kind === 'torn-tail').map((p) => p.file)).toEqual([middle]);
  });

  it('an emptied older segment file stays for verify to show; only the newest unfinished one is removed', async () => {
    const { dir, files } = await threeSegments();
    removeKeydirImage(dir);
    fs.truncateSync(path.join(dir, files[1]!), 0);
    const rw = await Store.open(dir, { fsync: 'never' });
    await rw.put('after', 'x');
    await rw.close();
    expect(fs.existsSync(path.join(dir, files[1]!))).toBe(true);
    const report = await verifyNativeDirectory(dir);
    expect(report.problems.some((p) => p.file === files[1] && p.kind === 'torn-tail')).toBe(true);
  });
});

describe('a segment that shrinks while a reader opens it', () => {
  it('ends where its bytes end, never a RangeError', async () => {
    // A writer closing cuts the zeros it wrote ahead of its appends: a reader that took the size before sees fewer bytes.
    for (const extra of [1, 5, 40, 4096]) {
      const dir = await buildStore([['alpha', 'one'], ['beta', 'two']]);
      removeKeydirImage(dir);
      for (const f of fs.readdirSync(dir)) if (f.endsWith('.hint')) fs.rmSync(path.join(dir, f));
      const efs = pathAwareFs((pathOf) => ({ fstatSize: (fd) => realFs.fstatSize(fd) + (pathOf(fd)?.endsWith('.data') ? extra : 0) }));
      const ro = await Store.open(dir, { readOnly: true, fs: efs });
      expect((await ro.get('alpha'))?.toString()).toBe('one');
      expect((await ro.get('beta'))?.toString()).toBe('two');
      // The bytes that went were the zeros a writer reserves: the data ends where the file does, nothing damaged.
      expect(ro.recovery).toEqual({ tornTails: [], skipped: [], hintFallbacks: [] });
      expect(ro.stats().perSegment.map((s) => [s.bytes, s.corruptBytes])).toEqual([[fs.statSync(path.join(dir, '000001.data')).size, 0]]);
      await ro.close();
    }
  });
});

describe('every single-bit flip', () => {
  const entries: Array<[string, string]> = [
    ['k1', 'value-1'],
    ['key2', 'v2'],
    ['k3', 'third value'],
  ];
  const offsets: number[] = [];
  let at = SEG_HEADER;
  for (const [k, v] of entries) {
    offsets.push(at);
    at += recLen(k, v);
  }
  const end = at;
  /** Offset verify must name for a flipped byte: its record's, or the header's. */
  const expectedOffset = (byte: number): number => (byte < SEG_HEADER ? 0 : offsets.filter((o) => o <= byte).at(-1)!);

  async function checkFlips(dir0: string, file: string, withHint: boolean): Promise<void> {
    const original = fs.readFileSync(path.join(dir0, file));
    expect(original.length).toBe(end);
    const others = fs.readdirSync(dir0).filter((n) => n !== file && n !== 'LOCK');
    let corruptErrors = 0;
    for (let byte = 0; byte < end; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const dir = tempDir();
        for (const n of others) fs.copyFileSync(path.join(dir0, n), path.join(dir, n));
        const bytes = Buffer.from(original);
        bytes[byte]! ^= 1 << bit;
        fs.writeFileSync(path.join(dir, file), bytes);
        const before = hashDir(dir);
        const where = `byte ${byte} bit ${bit}`;

        const report = await verifyNativeDirectory(dir);
        expect(report.ok, where).toBe(false);
        const own = report.problems.filter((p) => p.file === file);
        expect(own.length, where).toBeGreaterThan(0);
        expect(own[0]!.offset, where).toBe(expectedOffset(byte));

        for (const readOnly of [true, false]) {
          const store = await Store.open(dir, { readOnly, fsync: 'never' });
          for (const [i, [k, v]] of entries.entries()) {
            let got: Buffer | undefined;
            try {
              got = await store.get(k);
            } catch (err) {
              expect(err, where).toBeInstanceOf(CorruptRecordError);
              expect((err as CorruptRecordError).file, where).toBe(file);
              expect((err as CorruptRecordError).offset, where).toBe(offsets[i]);
              corruptErrors++;
              continue;
            }
            if (got !== undefined) expect(got.toString('latin1'), `${where} key ${k}`).toBe(v);
          }
          await store.close();
          if (readOnly) expect(hashDir(dir), where).toEqual(before);
        }
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    // With a hint the index points at the damaged record, so some gets must fail loudly.
    if (withHint) expect(corruptErrors).toBeGreaterThan(0);
  }

  it('in the active segment after a crash (no hint): verify names the record, reopening never returns wrong data', async () => {
    const dir = await buildStore(entries);
    // A clean close wrote the active segment's hint; a writer that crashed leaves none.
    fs.rmSync(path.join(dir, '000001.hint'));
    await checkFlips(dir, '000001.data', false);
  }, 180_000);

  it('in the active segment after a clean close (its hint): gets of damaged records throw, never return wrong data', async () => {
    const dir = await buildStore(entries);
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.hint'))).toEqual(['000001.hint']);
    await checkFlips(dir, '000001.data', true);
  }, 180_000);

  it('in a sealed segment with a hint: gets of damaged records throw CorruptRecordError naming file and offset', async () => {
    // Segment 1 holds exactly the three records; the next put rotates.
    const dir = tempDir() + '/src';
    const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: end });
    for (const [k, v] of entries) await store.put(k, v);
    await store.put('other', 'x');
    expect(await store.flushBackground()).toEqual([]);
    await store.close();
    expect(fs.existsSync(path.join(dir, '000001.hint'))).toBe(true);
    await checkFlips(dir, '000001.data', true);
  }, 180_000);
});

describe('hint files', () => {
  async function hinted(): Promise<{ dir: string; expected: Map<string, string> }> {
    const dir = tempDir() + '/src';
    const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 200 });
    const expected = new Map<string, string>();
    for (let i = 0; i < 30; i++) {
      const k = `key-${i % 11}`;
      if (i % 7 === 6) {
        await store.delete(k);
        expected.delete(k);
      } else {
        await store.put(k, `value ${i}`);
        expected.set(k, `value ${i}`);
      }
    }
    expect(await store.flushBackground()).toEqual([]);
    await store.close();
    removeKeydirImage(dir);
    return { dir, expected };
  }

  async function expectData(dir: string, expected: Map<string, string>, fallbacks: number): Promise<void> {
    for (const readOnly of [true, false]) {
      removeKeydirImage(dir);
      const store = await Store.open(dir, { readOnly });
      expect(store.recovery.hintFallbacks.length).toBe(fallbacks);
      expect([...store.sortedKeys()]).toEqual([...expected.keys()].sort());
      for (const [k, v] of expected) expect((await store.get(k))?.toString()).toBe(v);
      await store.close();
    }
  }

  it('intact hints are used (no fallbacks)', async () => {
    const { dir, expected } = await hinted();
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.hint')).length).toBeGreaterThan(1);
    await expectData(dir, expected, 0);
  });

  it('a corrupt hint falls back to scanning with the same live data', async () => {
    const { dir, expected } = await hinted();
    const hint = path.join(dir, '000001.hint');
    const bytes = fs.readFileSync(hint);
    bytes[30]! ^= 0x10;
    fs.writeFileSync(hint, bytes);
    const ro = await Store.open(dir, { readOnly: true });
    expect(ro.recovery.hintFallbacks).toHaveLength(1);
    expect(ro.recovery.hintFallbacks[0]).toContain('000001.hint');
    await ro.close();
    // Read-only first (it keeps the bad hint), then for writing (it may rewrite it).
    await expectData(dir, expected, 1);
  });

  it('a stale hint (another segment size) falls back to scanning', async () => {
    const { dir, expected } = await hinted();
    // The hint of segment 2 put in place of segment 1's: wrong segment id and size.
    fs.copyFileSync(path.join(dir, '000002.hint'), path.join(dir, '000001.hint'));
    await expectData(dir, expected, 1);
  });

  it('a hint written for fewer bytes than the segment holds is stale', async () => {
    const { dir, expected } = await hinted();
    // Grow segment 1 by a valid record of a key that sorts nowhere else: the old hint no longer covers it.
    const store = await Store.open(dir, { readOnly: true });
    const seq = Math.max(...(await Promise.all([...expected.keys()].map((k) => store.history(k)))).flat().map((v) => v.location.sequence)) + 1;
    await store.close();
    const key = Buffer.from('zz-late');
    const value = Buffer.from('late');
    const rec = Buffer.alloc(REC_HEADER + key.length + value.length);
    rec[4] = 1;
    rec[5] = 0;
    rec.writeUInt32LE(seq, 6);
    rec.writeUInt32LE(key.length, 14);
    rec.writeUInt32LE(value.length, 18);
    key.copy(rec, 22);
    value.copy(rec, 22 + key.length);
    const { crc32 } = await import('../../src/engine/crc.js');
    rec.writeUInt32LE(crc32(rec.subarray(4)), 0);
    fs.appendFileSync(path.join(dir, '000001.data'), rec);
    expected.set('zz-late', 'late');
    await expectData(dir, expected, 1);
  });

  it('a hint whose trailer claims billions of entries falls back, and open reserves no room for them', async () => {
    const { dir, expected } = await hinted();
    const hint = path.join(dir, '000001.hint');
    const bytes = fs.readFileSync(hint);
    bytes.writeUInt32LE(0xffff_fff0, bytes.length - 8); // the trailer's entry count (its CRC no longer matches)
    fs.writeFileSync(hint, bytes);
    await expectData(dir, expected, 1);
  });

  it('a missing hint of a sealed segment is reported as a fallback', async () => {
    const { dir, expected } = await hinted();
    fs.unlinkSync(path.join(dir, '000001.hint'));
    const ro = await Store.open(dir, { readOnly: true });
    expect(ro.recovery.hintFallbacks).toHaveLength(1);
    expect(ro.recovery.hintFallbacks[0]).toContain('000001.hint');
    await ro.close();
    await expectData(dir, expected, 1);
  });
});

/** A store closed cleanly: a = 'A', then one batch putting b and c and deleting a. */
async function writeABatch(dir: string): Promise<void> {
  const store = await Store.open(dir, { create: true, fsync: 'never' });
  await store.put('a', 'A');
  await store.batch([
    { type: 'put', key: 'b', value: 'B' },
    { type: 'put', key: 'c', value: 'CC' },
    { type: 'delete', key: 'a' },
  ]);
  await store.close();
}

describe('incomplete batch at the tail', () => {
  it('is dropped whole wherever the file is cut inside it', async () => {
    const src = tempDir() + '/src';
    await writeABatch(src);
    const full = fs.readFileSync(path.join(src, '000001.data'));
    const batchStart = SEG_HEADER + recLen('a', 'A');
    const batchEnd = batchStart + recLen('b', 'B') + recLen('c', 'CC') + recLen('a', '');
    expect(full.length).toBe(batchEnd);

    for (let cut = batchStart + 1; cut < batchEnd; cut++) {
      const dir = storeWith('000001.data', full.subarray(0, cut));
      const before = hashDir(dir);
      const ro = await Store.open(dir, { readOnly: true });
      expect([...ro.sortedKeys()], `cut ${cut}`).toEqual(['a']);
      expect((await ro.get('a'))?.toString()).toBe('A');
      const problems = [...ro.recovery.tornTails, ...ro.recovery.skipped];
      expect(problems.some((p) => p.offset === batchStart && p.kind === 'incomplete-batch') || problems.some((p) => p.offset === batchStart && p.kind === 'torn-tail'), `cut ${cut}`).toBe(true);
      await ro.close();
      expect(hashDir(dir)).toEqual(before);

      const rw = await Store.open(dir, { fsync: 'never' });
      expect([...rw.sortedKeys()], `cut ${cut}`).toEqual(['a']);
      await rw.put('d', 'D');
      await rw.batch([
        { type: 'put', key: 'e', value: 'E' },
        { type: 'put', key: 'f', value: 'F' },
      ]);
      await rw.close();
      const again = await Store.open(dir);
      expect([...again.sortedKeys()], `cut ${cut}`).toEqual(['a', 'd', 'e', 'f']);
      expect(again.recovery.skipped, `cut ${cut}`).toEqual([]);
      // The remains of the dropped batch went with the torn tail: the store verifies clean.
      expect((await again.verify()).problems, `cut ${cut}`).toEqual([]);
      await again.close();
    }
  });
});

describe('a record damaged inside a batch after it was committed', () => {
  it('a scan drops the whole batch; an open from hints or the image keeps the rest and fails only on the damaged record; verify names both', async () => {
    const dir = tempDir() + '/s';
    await writeABatch(dir);
    expect(fs.existsSync(path.join(dir, '000001.hint')) && fs.existsSync(path.join(dir, 'KEYDIR'))).toBe(true);
    // Flip the last byte of c's value: c's record fails its checksum, b's and the tombstone's are intact.
    const file = path.join(dir, '000001.data');
    const bytes = fs.readFileSync(file);
    const cEnd = SEG_HEADER + recLen('a', 'A') + recLen('b', 'B') + recLen('c', 'CC');
    bytes[cEnd - 1]! ^= 0x01;
    fs.writeFileSync(file, bytes);

    // From the image, then from the hint: the batch as it was committed; c's read says where the damage is.
    for (const from of ['image', 'hint'] as const) {
      if (from === 'hint') removeKeydirImage(dir);
      const ro = await Store.open(dir, { readOnly: true });
      expect([...ro.sortedKeys()], from).toEqual(['b', 'c']);
      expect((await ro.get('b'))?.toString()).toBe('B');
      await expect(ro.get('c')).rejects.toThrow(CorruptRecordError);
      await ro.close();
    }

    // A scan cannot tell this damage from a batch never finished: the whole batch goes, and a is live again.
    fs.rmSync(path.join(dir, '000001.hint'));
    const scanned = await Store.open(dir, { readOnly: true });
    expect([...scanned.sortedKeys()]).toEqual(['a']);
    expect((await scanned.get('a'))?.toString()).toBe('A');
    await scanned.close();

    // verify names the damaged record and both parts of the batch it cut.
    const batchStart = SEG_HEADER + recLen('a', 'A');
    const problems = (await verifyNativeDirectory(dir)).problems.map((p) => [p.offset, p.kind]);
    expect(problems).toEqual([
      [batchStart, 'incomplete-batch'],
      [batchStart + recLen('b', 'B'), 'bad-crc'],
      [cEnd, 'incomplete-batch'],
    ]);
  });
});
