/**
 * Riak Bitcask records built byte by byte: exact field ranges of data
 * records, tombstones, hint entries and the hint trailer, and the winner
 * rule (newest timestamp, then higher file id) on a hand-made cask.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { crc32 } from '../../src/engine/crc.js';
import { openForeign } from '../../src/engine/foreign-store.js';
import type { DecodedRecord } from '../../src/engine/formats/format.js';
import { decodeDataFile, decodeHintFile, decodeLockFile, riakBitcask } from '../../src/engine/formats/riak-bitcask.js';
import { dataRecord, hintEntry, tombstone2, withTrailer } from './riak-files.js';

function ranges(r: DecodedRecord): [string, number, number][] {
  return r.fields.map((f) => [f.name, f.start, f.end]);
}

describe('Riak data records', () => {
  it('lays out a put with exact field ranges', () => {
    const first = dataRecord(1000, 'ab', 'xyz');
    const second = dataRecord(1001, 'key', '');
    const records = decodeDataFile(Buffer.concat([first, second]));
    expect(records).toHaveLength(2);
    expect(ranges(records[0]!)).toEqual([
      ['crc', 0, 4],
      ['tstamp', 4, 8],
      ['key_sz', 8, 10],
      ['value_sz', 10, 14],
      ['key', 14, 16],
      ['value', 16, 19],
    ]);
    expect(records[0]).toMatchObject({ offset: 0, length: 19, kind: 'put', status: 'valid', sequence: 1000, valueOffset: 16, valueLength: 3 });
    expect(Buffer.from(records[0]!.key!).toString()).toBe('ab');
    // An empty value is a put, not a delete, and keeps its (empty) value field.
    expect(ranges(records[1]!)).toEqual([
      ['crc', 19, 23],
      ['tstamp', 23, 27],
      ['key_sz', 27, 29],
      ['value_sz', 29, 33],
      ['key', 33, 36],
      ['value', 36, 36],
    ]);
    expect(records[1]).toMatchObject({ kind: 'put', valueLength: 0 });
  });

  it('decodes the three tombstone versions as deletes', () => {
    const v2 = dataRecord(5, 'k', tombstone2(3));
    const v1 = dataRecord(5, 'k', Buffer.concat([Buffer.from('bitcask_tombstone1'), Buffer.from([0, 0, 0, 9])]));
    const v0 = dataRecord(5, 'k', 'bitcask_tombstone');
    const records = decodeDataFile(Buffer.concat([v2, v1, v0]));
    expect(records.map((r) => r.kind)).toEqual(['delete', 'delete', 'delete']);
    expect(ranges(records[0]!).slice(4)).toEqual([
      ['key', 14, 15],
      ['tombstone', 15, 33],
      ['removed_file_id', 33, 37],
    ]);
    expect(records[0]!.fields.find((f) => f.name === 'removed_file_id')!.display).toBe('3');
    expect(records[0]!.valueOffset).toBeUndefined();
    expect(ranges(records[2]!).slice(4)).toEqual([
      ['key', v2.length + v1.length + 14, v2.length + v1.length + 15],
      ['tombstone', v2.length + v1.length + 15, v2.length + v1.length + 32],
    ]);
  });

  it('reports a bad CRC and keeps going with the next record', () => {
    const bad = dataRecord(1, 'a', 'b');
    bad[bad.length - 1] ^= 0xff;
    const good = dataRecord(2, 'c', 'd');
    const records = decodeDataFile(Buffer.concat([bad, good]));
    expect(records.map((r) => [r.offset, r.status, r.problemKind])).toEqual([
      [0, 'corrupt', 'bad-crc'],
      [bad.length, 'valid', undefined],
    ]);
    expect(records[0]!.storedCrc).not.toBe(records[0]!.computedCrc);
  });

  it('reports a record cut short as torn, at its offset', () => {
    const whole = Buffer.concat([dataRecord(1, 'a', 'b'), dataRecord(2, 'key', 'value')]);
    const cut = whole.subarray(0, whole.length - 2);
    const records = decodeDataFile(cut);
    expect(records.map((r) => [r.offset, r.length, r.status, r.problemKind])).toEqual([
      [0, 16, 'valid', undefined],
      [16, cut.length - 16, 'torn', 'torn-tail'],
    ]);
    expect(decodeDataFile(whole.subarray(0, 20)).at(-1)).toMatchObject({ offset: 16, status: 'torn' }); // inside the header
  });
});

describe('Riak hint files', () => {
  it('lays out entries and the trailer with exact field ranges', () => {
    const entries = Buffer.concat([hintEntry(7, 'ab', 19, 0), hintEntry(8, 'k', 37, 19, true)]);
    const records = decodeHintFile(withTrailer(entries));
    expect(records.map((r) => r.kind)).toEqual(['hint', 'hint', 'trailer']);
    expect(ranges(records[0]!)).toEqual([
      ['tstamp', 0, 4],
      ['key_sz', 4, 6],
      ['total_sz', 6, 10],
      ['tombstone_offset', 10, 18],
      ['key', 18, 20],
    ]);
    expect(records[0]!.pointsTo).toEqual({ offset: 0, length: 19, kind: 'put' });
    expect(records[1]!.pointsTo).toEqual({ offset: 19, length: 37, kind: 'delete' });
    expect(ranges(records[2]!)).toEqual([
      ['tstamp', 39, 43],
      ['key_sz', 43, 45],
      ['hint_crc', 45, 49],
      ['end_marker', 49, 57],
    ]);
    expect(records[2]!.status).toBe('valid');
  });

  it('reads offsets above 4 GiB', () => {
    const records = decodeHintFile(withTrailer(hintEntry(1, 'k', 16, 5 * 2 ** 32 + 12)));
    expect(records[0]!.pointsTo!.offset).toBe(5 * 2 ** 32 + 12);
  });

  it('flags an entry that cannot describe a record, pointing nowhere', () => {
    // total_sz 15 is below a data header (14 bytes) plus the 2-byte key.
    const records = decodeHintFile(withTrailer(Buffer.concat([hintEntry(7, 'ab', 15, 0), hintEntry(8, 'cd', 20, 40, true)])));
    expect(records[0]).toMatchObject({ kind: 'hint', status: 'corrupt', problemKind: 'bad-hint', offset: 0, length: 20, sequence: 7 });
    expect(records[0]!.problem).toBe('impossible hint entry: total_sz 15 or offset 0 cannot describe a record with a 2-byte key');
    expect(records[0]!.pointsTo).toBeUndefined();
    expect(Object.keys(JSON.parse(JSON.stringify(records[0])))).toEqual(['offset', 'length', 'kind', 'status', 'key', 'sequence', 'fields', 'problemKind', 'problem']);
    expect(records[1]).toMatchObject({ status: 'valid', pointsTo: { offset: 40, length: 20, kind: 'delete' } });
    expect(Object.keys(JSON.parse(JSON.stringify(records[1])))).toEqual(['offset', 'length', 'kind', 'status', 'key', 'sequence', 'fields', 'pointsTo']);
    expect(records[1]!.fields.find((f) => f.name === 'tombstone_offset')!.display).toBe('tombstone=1 offset=40');
  });

  it('decodes from any record as from the start: after the trailer, and after an impossible entry', () => {
    const file = { name: '1.bitcask.hint', role: 'hint' as const, id: 1, size: 0 };
    // Bytes after the trailer that would read as entries on their own.
    const trailed = Buffer.concat([withTrailer(hintEntry(7, 'ab', 19, 0)), hintEntry(8, 'cd', 19, 19), hintEntry(9, 'ef', 19, 38)]);
    // An impossible entry, and no trailer: no end marker for the file.
    const untrailed = Buffer.concat([hintEntry(7, 'ab', 15, 0), hintEntry(8, 'cd', 19, 19)]);
    for (const bytes of [trailed, untrailed]) {
      const whole = decodeHintFile(bytes);
      for (const [i, r] of whole.entries()) {
        expect(JSON.stringify([...riakBitcask.decodeRecords!(file, bytes, r.offset)]), `from record ${i}`).toBe(JSON.stringify(whole.slice(i)));
      }
    }
    expect(decodeHintFile(trailed).at(-1)).toMatchObject({ kind: 'garbage', problem: 'bytes after the hint trailer', length: 40 });
  });

  it('flags a trailer whose CRC does not match the entries', () => {
    const entries = hintEntry(7, 'ab', 19, 0);
    const records = decodeHintFile(withTrailer(entries, crc32(entries) ^ 1));
    expect(records[1]).toMatchObject({ kind: 'trailer', status: 'corrupt', problemKind: 'bad-hint', offset: entries.length });
  });

  it('flags a hint file without a trailer or cut inside an entry', () => {
    const entries = hintEntry(7, 'ab', 19, 0);
    expect(decodeHintFile(entries).at(-1)).toMatchObject({ offset: entries.length, length: 0, problemKind: 'bad-hint' });
    expect(decodeHintFile(entries.subarray(0, 19)).at(-1)).toMatchObject({ offset: 0, status: 'torn', problemKind: 'bad-hint' });
  });
});

it('decodes a lock file as pid and file name', () => {
  const [lock] = decodeLockFile(Buffer.from('4242 /var/db/3.bitcask.data\n'));
  expect(ranges(lock!)).toEqual([
    ['pid', 0, 4],
    ['separator', 4, 5],
    ['file', 5, 27],
    ['rest', 27, 28],
  ]);
});

describe('winner rule on a hand-made cask', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  function cask(files: Record<string, Buffer>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvscope-riak-'));
    dirs.push(dir);
    for (const [name, bytes] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), bytes);
    return dir;
  }

  it('lets a newer timestamp in a lower file id beat an older merge output with a higher id', async () => {
    // 2 is the active file (newer writes), 3 the merge output (older timestamps, higher id).
    const dir = cask({
      '2.bitcask.data': Buffer.concat([dataRecord(200, 'k', 'new'), dataRecord(200, 'gone', tombstone2(1))]),
      '3.bitcask.data': Buffer.concat([dataRecord(100, 'k', 'old'), dataRecord(100, 'gone', 'was-here'), dataRecord(100, 'other', 'x')]),
    });
    const store = await openForeign(dir);
    expect(store.format).toBe('riak-bitcask');
    expect((await store.get('k'))?.toString()).toBe('new');
    expect(store.has('gone')).toBe(false);
    expect((await store.get('other'))?.toString()).toBe('x');
    expect((await store.history('k')).map((v) => [v.location.file, v.status])).toEqual([
      ['3.bitcask.data', 'shadowed'],
      ['2.bitcask.data', 'live'],
    ]);
    await store.close();
  });

  it('breaks equal timestamps by higher file id, then later offset', async () => {
    const dir = cask({
      '1.bitcask.data': Buffer.concat([dataRecord(50, 'k', 'a'), dataRecord(50, 'k', 'b')]),
      '2.bitcask.data': dataRecord(50, 'j', 'c'),
      '10.bitcask.data': dataRecord(50, 'j', 'd'),
    });
    const store = await openForeign(dir);
    expect((await store.get('k'))?.toString()).toBe('b');
    expect((await store.get('j'))?.toString()).toBe('d'); // 10 > 2 numerically
    expect(store.files().map((f) => f.name)).toEqual(['1.bitcask.data', '2.bitcask.data', '10.bitcask.data']);
    await store.close();
  });
});

describe('a large cask', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  /** 60,000 puts in 1.bitcask.data, then 2.bitcask.data overwriting every third key and deleting every seventh. */
  function largeCask(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvscope-riak-large-'));
    dirs.push(dir);
    const n = 60_000;
    const first: Buffer[] = [];
    for (let i = 0; i < n; i++) first.push(dataRecord(1000, `key:${i}`, `v1-${i}`));
    const second: Buffer[] = [];
    for (let i = 0; i < n; i += 3) second.push(dataRecord(2000, `key:${i}`, `v2-${i}`));
    for (let i = 0; i < n; i += 7) second.push(dataRecord(2000, `key:${i}`, tombstone2(1)));
    fs.writeFileSync(path.join(dir, '1.bitcask.data'), Buffer.concat(first));
    fs.writeFileSync(path.join(dir, '2.bitcask.data'), Buffer.concat(second));
    return dir;
  }

  it('opens with the right keys, giving the event loop back and reporting progress in bytes', async () => {
    const dir = largeCask();
    const firstSize = fs.statSync(path.join(dir, '1.bitcask.data')).size;
    const total = firstSize + fs.statSync(path.join(dir, '2.bitcask.data')).size;
    const progress: number[] = [];
    let turns = 0;
    let ticking = true;
    const tick = (): void => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const store = await openForeign(dir, { onProgress: (p) => progress.push(p.done) });
    ticking = false;
    // Replaying a file's 60,000 records in one go would leave the loop no turn in between, and say
    // nothing between the file's start and its end.
    expect(turns).toBeGreaterThan(2);
    expect(progress.filter((d) => d > 0 && d < firstSize).length).toBeGreaterThan(0);
    expect(progress.at(-1)).toBe(total);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]!);

    const live = (i: number): string | undefined => (i % 7 === 0 ? undefined : i % 3 === 0 ? `v2-${i}` : `v1-${i}`);
    let expected = 0;
    for (let i = 0; i < 60_000; i++) if (live(i) !== undefined) expected++;
    expect(store.keyCount()).toBe(expected);
    for (const i of [0, 1, 3, 7, 21, 59_997, 59_998, 59_999]) expect((await store.get(`key:${i}`))?.toString(), `key:${i}`).toBe(live(i));
    expect((await store.history('key:21')).map((v) => v.status)).toEqual(['shadowed', 'shadowed', 'tombstone']);
    const stats = store.stats();
    expect(stats.perSegment.map((s) => s.liveBytes + s.staleBytes + s.tombstoneBytes + s.corruptBytes)).toEqual(stats.perSegment.map((s) => s.bytes));

    // Verify goes the same way: progress inside the first file, every record checked.
    const verifying: number[] = [];
    const report = await store.verify({ onProgress: (p) => verifying.push(p.done) });
    expect(report).toMatchObject({ ok: true, filesChecked: 2, recordsChecked: 60_000 + 20_000 + 8_572 });
    expect(verifying.filter((d) => d > 0 && d < firstSize).length).toBeGreaterThan(0);
    expect(verifying.at(-1)).toBe(total);
    await store.close();
  });

  it('stops opening when cancelled midway', async () => {
    const dir = largeCask();
    const controller = new AbortController();
    let seen = 0;
    const opening = openForeign(dir, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done > 0) {
          seen = p.done;
          controller.abort();
        }
      },
    });
    await expect(opening).rejects.toMatchObject({ code: 'ABORTED' });
    expect(seen).toBeGreaterThan(0);
  });
});
