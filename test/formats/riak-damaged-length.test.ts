/**
 * A Riak data record whose key_sz or value_sz is damaged. The decoder
 * walked on by the damaged length: the records after it in the file were
 * decoded out of step (garbage "records", a false torn tail) and their keys
 * were lost, though Riak reads them through the file's hint when the hint
 * checks out (bitcask opens a file from a valid hint without folding its
 * data; a read is a pread at the offset the hint gives). Without such a
 * hint Riak folds the data file trusting the lengths (bitcask_fileops
 * fold_keys_int_loop: a bad CRC skips the claimed TotalSz), so it reads
 * nothing sound after the damage.
 *
 * Now the decoder resynchronises: the bytes up to the next sound record are
 * one corrupt region (how many bytes were skipped is said), and the records
 * after it are decoded. The replay applies them when the file's hint checks
 * out, and otherwise lists them unreplayed, its note naming how many records
 * Riak never reads and whose.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openForeign } from '../../src/engine/foreign-store.js';
import { decodeDataFile, riakBitcask } from '../../src/engine/formats/riak-bitcask.js';
import { expectedLive, FIXTURES, kvscope, tempDirs, type ExpectedJson } from './helpers.js';
import { dataRecord } from './riak-files.js';

const temps = tempDirs();

const EXPECTED = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'riak-bitcask/basic/expected.json'), 'utf8')) as ExpectedJson;
const LIVE_KEYS = [...expectedLive(EXPECTED).keys()].map((k) => Buffer.from(k, 'latin1').toString('utf8')).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

/** riak-bitcask/basic with value_sz of the record at `offset` of `file` set to `valueSize`. */
function withValueSize(file: string, offset: number, valueSize: number): string {
  const dir = temps.fixture('riak-bitcask/basic');
  const p = path.join(dir, file);
  const bytes = fs.readFileSync(p);
  bytes.writeUInt32BE(valueSize, offset + 10);
  fs.writeFileSync(p, bytes);
  return dir;
}

describe('the Riak data decoder after a damaged length', () => {
  it('makes the bytes up to the next sound record one region, and decodes on from there', () => {
    const a = dataRecord(1, 'a', 'first');
    const b = dataRecord(2, 'b', 'second value');
    const c = dataRecord(3, 'c', 'third');
    b.writeUInt32BE(3, 10); // value_sz 12 -> 3: a reader that trusts it lands inside b's value
    const bytes = Buffer.concat([a, b, c]);
    const records = decodeDataFile(bytes);
    expect(records.map((r) => [r.offset, r.length, r.kind, r.status, r.problemKind])).toEqual([
      [0, a.length, 'put', 'valid', undefined],
      [a.length, b.length, 'garbage', 'corrupt', 'bad-crc'],
      [a.length + b.length, c.length, 'put', 'valid', undefined],
    ]);
    expect(records[1]!.problem).toContain(`its lengths are damaged; ${b.length} bytes skipped, up to the next sound record at ${a.length + b.length}`);
    // From any record's offset, the same records as from the start.
    expect([...riakBitcask.decodeRecords({ name: '1.bitcask.data', role: 'data', id: 1, size: bytes.length }, bytes, a.length)].map((r) => r.offset)).toEqual([a.length, a.length + b.length]);
  });

  it('a length that runs past the end of the file, with sound records after it, is no torn tail', () => {
    const a = dataRecord(1, 'a', 'first');
    const b = dataRecord(2, 'b', 'second');
    b.writeUInt32BE(5000, 10);
    const c = dataRecord(3, 'c', 'third');
    const records = decodeDataFile(Buffer.concat([a, b, c]));
    expect(records.map((r) => [r.offset, r.status, r.problemKind])).toEqual([
      [0, 'valid', undefined],
      [a.length, 'corrupt', 'impossible-length'],
      [a.length + b.length, 'valid', undefined],
    ]);
  });

  it('records damaged only in their bytes (their lengths lead to the next sound record) keep their keys', () => {
    const a = dataRecord(1, 'a', 'first');
    const b = dataRecord(2, 'b', 'second');
    const c = dataRecord(3, 'c', 'third');
    a[a.length - 1] ^= 0xff;
    b[b.length - 1] ^= 0xff;
    const records = decodeDataFile(Buffer.concat([a, b, c]));
    expect(records.map((r) => [r.offset, r.kind, r.status, Buffer.from(r.key ?? []).toString()])).toEqual([
      [0, 'put', 'corrupt', 'a'],
      [a.length, 'put', 'corrupt', 'b'],
      [a.length + b.length, 'put', 'valid', 'c'],
    ]);
  });
});

describe('riak-bitcask/basic with a damaged value_sz', () => {
  it('with the file\'s hint sound (Riak reads the file through it): every key is there; verify names one region and its size', async () => {
    const dir = withValueSize('1.bitcask.data', 682, 420); // key-002's record: 341 bytes, now claiming 441
    const list = await kvscope(['list', '--dir', dir]);
    expect(list.out).toEqual(LIVE_KEYS); // key-002 too: the hint names its (damaged) record
    // The keys come from the hint, as Riak takes them: no data record is read, so the open says nothing of the damage.
    expect(list.err).toEqual([]);
    // An open that reads the records finds it, and lists the same keys.
    const replayed = await openForeign(dir, { replayData: true });
    try {
      expect(replayed.warnings()).toEqual([
        'skipped bad-crc in 1.bitcask.data at 682: record header claims 441 bytes (key 7, value 420) but its CRC fails and no record starts where it would end: its lengths are damaged; 341 bytes skipped, up to the next sound record at 1023',
      ]);
      expect([...replayed.sortedKeys()].map((k) => Buffer.from(k, 'latin1').toString('utf8'))).toEqual(LIVE_KEYS);
    } finally {
      await replayed.close();
    }
    const get = await kvscope(['get', 'key-010', '--dir', dir]); // written only in 1.bitcask.data, after the damage
    expect(get).toMatchObject({ code: 0, out: [EXPECTED.live['key-010']] });
    const verify = await kvscope(['verify', '--dir', dir]);
    expect(verify.code).toBe(1);
    expect(verify.out.join('\n').split('\n').slice(1)).toEqual([
      '  1.bitcask.data@682  bad-crc  record header claims 441 bytes (key 7, value 420) but its CRC fails and no record starts where it would end: its lengths are damaged; 341 bytes skipped, up to the next sound record at 1023',
      '  1.bitcask.hint@50  hint-mismatch  hint entry says offset 682, 341 bytes, but the record there is damaged',
    ]);
  });

  it('in the newest file, running past its end: a damaged region (an open reading the records skips it), not a crash\'s torn last write; later records stand', async () => {
    const dir = withValueSize('4.bitcask.data', 2087, 3000); // utf8-value's delete (46 bytes), before its newest put at 2133
    const get = await kvscope(['get', 'utf8-value', '--dir', dir]);
    expect(get).toMatchObject({ code: 0, out: [EXPECTED.live['utf8-value']] });
    // From the hint (the damaged record, a delete, is never read): nothing said, every key exported.
    expect(get.err).toEqual([]);
    const exp = await kvscope(['export', '--dir', dir]);
    expect(exp.code).toBe(0);
    expect(exp.out.map((l) => (JSON.parse(l) as { key: string }).key).sort()).toEqual([...LIVE_KEYS].sort());
    // An open that reads the records: the damaged region, not a torn last write (it counts as damage skipped).
    const replayed = await openForeign(dir, { replayData: true });
    try {
      expect(replayed.warnings()).toEqual([
        'skipped impossible-length in 4.bitcask.data at 2087: record header claims 3024 bytes (key 10, value 3000), more than the 131 left in the file: its lengths are damaged; 46 bytes skipped, up to the next sound record at 2133',
      ]);
      expect(replayed.damageSkipped()).toHaveLength(1);
      expect(await replayed.get('utf8-value')).toEqual(Buffer.from(EXPECTED.live['utf8-value'] as string));
    } finally {
      await replayed.close();
    }
  });

  it('without a hint (Riak folds the data file by its lengths): later records are listed, not replayed, and the note says whose', async () => {
    const dir = withValueSize('1.bitcask.data', 682, 420);
    fs.rmSync(path.join(dir, '1.bitcask.hint'));
    const store = await openForeign(dir);
    try {
      expect(store.warnings()).toEqual([
        'skipped bad-crc in 1.bitcask.data at 682: record header claims 441 bytes (key 7, value 420) but its CRC fails and no record starts where it would end: its lengths are damaged; 341 bytes skipped, up to the next sound record at 1023; ' +
          'with no hint that checks out, Riak Bitcask reads this file by the damaged lengths and nothing sound after them: 9 later records not replayed ("key-003", "key-004", "key-005" and 6 more)',
      ]);
      expect(store.has('key-010')).toBe(false);
      const history = await store.history('key-010');
      expect(history.map((v) => [v.location.file, v.location.offset, v.status])).toEqual([['1.bitcask.data', 3410, 'unread']]);
    } finally {
      await store.close();
    }
  });
});
