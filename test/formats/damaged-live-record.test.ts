/**
 * A key whose newest record in another engine's files is damaged
 * (docs/ARCHITECTURE.md, "Damage is kept"). Per format:
 *  - Riak Bitcask takes a data file's keys from its hint when the hint checks
 *    out (trailer CRC): a damaged record such a hint names is still the key's
 *    record. The key is listed, `get` fails (exit 3, not "Key not found"),
 *    export and scan leave it out by name, history lists it as corrupt.
 *    Without a valid hint the damaged record never wins.
 *  - Every other format replays only records that read: the damaged record
 *    never wins (the program would not find it either), and history lists it
 *    as corrupt where its key bytes read.
 * Nothing read changes a byte.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorruptRecordError } from '../../src/engine/errors.js';
import { openForeign } from '../../src/engine/foreign-store.js';
import { hashTree, kvscope, tempDirs } from './helpers.js';



const temps = tempDirs();
const copyOf = temps.fixture;

function flip(file: string, offset: number): void {
  const bytes = fs.readFileSync(file);
  bytes[offset] = bytes[offset]! ^ 0x01;
  fs.writeFileSync(file, bytes);
}

/** riak-bitcask/basic with a byte of utf8-value's live record (4.bitcask.data@2133, 42 bytes) changed. */
function riakWithDamagedLiveRecord(): string {
  const dir = copyOf('riak-bitcask/basic');
  flip(path.join(dir, '4.bitcask.data'), 2165);
  return dir;
}

describe('Riak: the damaged live record a valid hint names', () => {
  it('stays the key\'s record: listed, get fails as corrupt, history says corrupt', async () => {
    const dir = riakWithDamagedLiveRecord();
    const before = hashTree(dir);
    const store = await openForeign(dir);
    try {
      expect(store.has('utf8-value')).toBe(true);
      expect(store.sortedKeys()).toContain('utf8-value');
      await expect(store.get('utf8-value')).rejects.toBeInstanceOf(CorruptRecordError);
      const history = await store.history('utf8-value');
      expect(history.map((v) => [v.location.file, v.location.offset, v.kind, v.status])).toEqual([
        ['3.bitcask.data', 2104, 'put', 'shadowed'],
        ['4.bitcask.data', 2087, 'delete', 'tombstone'],
        ['4.bitcask.data', 2133, 'put', 'corrupt'],
      ]);
      // The open took 4.bitcask.data's keys from its hint, reading no record: stats say so and count no damage;
      // what reads the file (kvscope segments) counts its bytes as corrupt, not live.
      const stats = store.stats();
      expect(stats.figuresFrom).toBe('index');
      expect(stats.perSegment.find((s) => s.file === '4.bitcask.data')!.corruptBytes).toBe(0);
      expect(store.figuresWithDamage('4.bitcask.data', [[2133, 2175]])).toMatchObject({ corruptBytes: 42, liveBytes: stats.perSegment.find((s) => s.file === '4.bitcask.data')!.liveBytes - 42 });
    } finally {
      await store.close();
    }
    expect(hashTree(dir)).toEqual(before);
  });

  it('an open that reads every record finds it at the open: the same keys and history, its bytes counted corrupt', async () => {
    const dir = riakWithDamagedLiveRecord();
    const store = await openForeign(dir, { replayData: true });
    try {
      expect(store.has('utf8-value')).toBe(true);
      await expect(store.get('utf8-value')).rejects.toBeInstanceOf(CorruptRecordError);
      expect((await store.history('utf8-value')).map((v) => v.status)).toEqual(['shadowed', 'tombstone', 'corrupt']);
      const stats = store.stats();
      expect(stats.figuresFrom).toBeUndefined();
      expect(stats.perSegment.find((s) => s.file === '4.bitcask.data')!.corruptBytes).toBe(42);
    } finally {
      await store.close();
    }
  });

  it('through the CLI: get exits 3 naming the damage, export leaves the key out by name and exits 1', async () => {
    const dir = riakWithDamagedLiveRecord();
    const get = await kvscope(['get', 'utf8-value', '--dir', dir]);
    expect(get.code).toBe(3);
    expect(get.err.join('\n')).not.toContain('Key not found');
    expect(get.err.at(-1)).toMatch(/corrupt record in 4\.bitcask\.data at offset 2133/);
    const exp = await kvscope(['export', '--dir', dir]);
    expect(exp.code).toBe(1);
    expect(exp.err).toContainEqual(expect.stringMatching(/^kvscope: utf8-value: corrupt record in 4\.bitcask\.data at offset 2133.*; left out$/));
    const history = await kvscope(['history', 'utf8-value', '--dir', dir]);
    expect(history.code).toBe(0);
    expect(history.out.at(-1)).toMatch(/4\.bitcask\.data\s+2133\s+42\s+put\s+corrupt$/);
  });

  it('without a valid hint (Riak reads the data file and skips the record), an older version wins; history still lists it', async () => {
    const dir = riakWithDamagedLiveRecord();
    flip(path.join(dir, '4.bitcask.hint'), 20); // the hint's trailer CRC no longer matches: Riak ignores the hint
    const store = await openForeign(dir);
    try {
      expect(store.has('utf8-value')).toBe(false); // the delete before it (same timestamp) wins
      expect((await store.history('utf8-value')).map((v) => v.status)).toEqual(['shadowed', 'tombstone', 'corrupt']);
    } finally {
      await store.close();
    }
  });
});

describe('formats that replay only records that read', () => {
  it('mini-kvstore-v2 0.1 era: a bad-CRC record whose key reads is listed as corrupt and never wins', async () => {
    const dir = copyOf('mini-kvstore-v2/legacy-b22e80f-crc');
    const seg = path.join(dir, 'data', 'segments', 'segment_0.log');
    const first = fs.readFileSync(seg);
    const keyLength = first.readUInt32LE(0);
    flip(seg, 9 + keyLength); // the first record's first value byte: its key ("user") still reads
    const store = await openForeign(dir);
    try {
      const history = await store.history('user');
      expect(history[0]).toMatchObject({ location: { file: 'segment_0.log', offset: 0 }, status: 'corrupt' });
      expect(history.filter((v) => v.status === 'live')).toHaveLength(1);
      expect(history.find((v) => v.status === 'live')!.location.file).not.toBe('segment_0.log');
    } finally {
      await store.close();
    }
  });
});
