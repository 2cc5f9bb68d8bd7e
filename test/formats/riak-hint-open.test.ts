/**
 * A Riak cask opened from its hint files, as Riak opens it (bitcask
 * scan_key_files → fold_keys(recovery): a data file's keys come from its
 * hint when the hint's trailer CRC matches, and the data file is not read).
 * kvscope takes a file's keys from its hint only when the hint also
 * describes the data file record by record up to its end; otherwise, and
 * when there is no hint, it replays the data file, and says why.
 *
 * The reads are counted through node:fs/promises (the foreign store's only
 * way to the files): an open from sound hints reads no byte of a data file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { openForeign, type ForeignStore } from '../../src/engine/foreign-store.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { InspectorService } from '../../src/inspector/service.js';
import { expectedLive, FIXTURES, kvscope, tempDirs, type ExpectedJson } from './helpers.js';
import { dataRecord, hintEntry, withTrailer } from './riak-files.js';
import { flipByte } from '../engine/helpers.js';

/** Bytes read by the foreign store, by file name, since the last reset. */
const reads = vi.hoisted(() => new Map<string, number>());

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const { basename } = await import('node:path');
  const count = (file: unknown, n: number): void => {
    const name = basename(String(file));
    reads.set(name, (reads.get(name) ?? 0) + n);
  };
  const readFile = async (...args: Parameters<typeof real.readFile>) => {
    const bytes = await real.readFile(...args);
    count(args[0], bytes.length);
    return bytes;
  };
  const open = async (...args: Parameters<typeof real.open>) => {
    const handle = await real.open(...args);
    const read = handle.read.bind(handle) as (...a: unknown[]) => Promise<{ bytesRead: number }>;
    (handle as unknown as { read: typeof read }).read = async (...a: unknown[]) => {
      const r = await read(...a);
      count(args[0], r.bytesRead);
      return r;
    };
    return handle;
  };
  return { ...real, default: { ...real, readFile, open }, readFile, open };
});

const temps = tempDirs();
const CASES = ['riak-bitcask/basic', 'riak-bitcask/merged', 'riak-bitcask/many'];

function expectedOf(fixture: string): Map<string, Buffer> {
  return expectedLive(JSON.parse(fs.readFileSync(path.join(FIXTURES, fixture, 'expected.json'), 'utf8')) as ExpectedJson);
}

/** Bytes the store read from data files (`*.bitcask.data`). */
function dataBytesRead(): number {
  let n = 0;
  for (const [name, bytes] of reads) if (name.endsWith('.bitcask.data')) n += bytes;
  return n;
}

/** Every key a data file of the store holds a record of (deleted ones too), as latin1 strings. */
async function everyKey(store: ForeignStore): Promise<string[]> {
  const keys = new Set<string>();
  for (const file of store.files().filter((f) => f.role === 'data')) {
    for (const r of await store.records(file.name)) if (r.key) keys.add(Buffer.from(r.key).toString('latin1'));
  }
  return [...keys];
}

async function liveOf(store: ForeignStore): Promise<Map<string, Buffer>> {
  const live = new Map<string, Buffer>();
  for (const key of store.sortedKeys()) live.set(key, (await store.get(Buffer.from(key, 'latin1')))!);
  return live;
}

beforeEach(() => reads.clear());

describe('a Riak cask opened from its hints', () => {
  it.each(CASES)('%s: every data file from its hint, no data byte read; the live keys and values as a replay of the data files gives them', async (fixture) => {
    const dir = path.join(FIXTURES, fixture, 'data');
    const store = await openForeign(dir);
    const replayed = await openForeign(dir, { replayData: true });
    try {
      expect(store.openedFrom().every((f) => f.from === 'hint')).toBe(true);
      expect(replayed.openedFrom().every((f) => f.from === 'records')).toBe(true);
      const live = await liveOf(store);
      expect(live).toEqual(await liveOf(replayed));
      expect(live).toEqual(expectedOf(fixture));
      // Every key's versions, and every file's figures, the same both ways.
      for (const key of await everyKey(replayed)) {
        const bytes = Buffer.from(key, 'latin1');
        expect(await store.history(bytes), key).toEqual(await replayed.history(bytes));
      }
      const [a, b] = [store.stats(), replayed.stats()];
      expect(a.perSegment).toEqual(b.perSegment);
      expect({ ...a, figuresFrom: undefined }).toEqual({ ...b, figuresFrom: undefined, recordsReadBecause: undefined });
      expect(a.figuresFrom).toBe('index');
      expect(b.figuresFrom).toBeUndefined();
      // The replay says why it read each file: it was asked to (kvscope --no-hints).
      expect(b.recordsReadBecause?.map((r) => r.why)).toEqual(replayed.openedFrom().map((f) => `the open was asked to read every data file, not its hint ${f.file.replace('.data', '.hint')}`));
    } finally {
      await store.close();
      await replayed.close();
    }
  });

  it.each(CASES)('%s: the open reads no byte of its data files (their hints are sound), only the hints; a replay reads them whole', async (fixture) => {
    const dir = path.join(FIXTURES, fixture, 'data');
    const names = fs.readdirSync(dir);
    const sizeOf = (suffix: string) => names.filter((n) => n.endsWith(suffix)).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
    await (await openForeign(dir)).close();
    expect(dataBytesRead()).toBe(0);
    expect([...reads].filter(([n]) => n.endsWith('.bitcask.hint')).reduce((n, [, b]) => n + b, 0)).toBe(sizeOf('.bitcask.hint'));
    reads.clear();
    await (await openForeign(dir, { replayData: true })).close();
    expect(dataBytesRead()).toBe(sizeOf('.bitcask.data'));
  });

  it('a hint with a byte changed does not check out: its data file is replayed, and the open says why', async () => {
    const dir = temps.fixture('riak-bitcask/basic');
    flipByte(path.join(dir, '3.bitcask.hint'), 18); // the first entry's first key byte, after its 18-byte header
    const store = await openForeign(dir);
    try {
      expect(store.openedFrom()).toEqual([
        { file: '1.bitcask.data', from: 'hint' },
        { file: '2.bitcask.data', from: 'hint' },
        { file: '3.bitcask.data', from: 'records', why: expect.stringMatching(/^its hint 3\.bitcask\.hint was not used: its trailer's CRC 0x[0-9a-f]{8} does not match the 0x[0-9a-f]{8} of its entries$/) },
        { file: '4.bitcask.data', from: 'hint' },
      ]);
      expect(reads.get('3.bitcask.data')).toBe(fs.statSync(path.join(dir, '3.bitcask.data')).size);
      expect(reads.get('1.bitcask.data') ?? 0).toBe(0);
      expect(await liveOf(store)).toEqual(expectedOf('riak-bitcask/basic'));
      expect(store.stats().recordsReadBecause).toEqual([{ file: '3.bitcask.data', why: store.openedFrom()[2]!.why }]);
    } finally {
      await store.close();
    }
    const stats = await kvscope(['stats', '--dir', dir]);
    expect(stats.out.join('\n')).toMatch(/\nRecords read: {8}3\.bitcask\.data \(its hint 3\.bitcask\.hint was not used: its trailer's CRC/);
  });

  it('a hint without its trailer (cut short) is not used', async () => {
    const dir = temps.fixture('riak-bitcask/basic');
    const hint = path.join(dir, '4.bitcask.hint');
    fs.truncateSync(hint, fs.statSync(hint).size - 18);
    const store = await openForeign(dir);
    try {
      expect(store.openedFrom()[3]).toEqual({ file: '4.bitcask.data', from: 'records', why: 'its hint 4.bitcask.hint was not used: it does not end with its trailer (not closed cleanly, or cut short)' });
      expect(await liveOf(store)).toEqual(expectedOf('riak-bitcask/basic'));
    } finally {
      await store.close();
    }
  });

  it('a data file longer than its hint covers (records written after the hint) is replayed: the later record counts', async () => {
    const dir = temps.fixture('riak-bitcask/basic');
    const data = path.join(dir, '4.bitcask.data');
    const size = fs.statSync(data).size;
    const later = dataRecord(1795391756, 'written-after-the-hint', 'a value the hint does not know');
    fs.appendFileSync(data, later);
    const store = await openForeign(dir);
    try {
      expect(store.openedFrom()[3]).toEqual({
        file: '4.bitcask.data',
        from: 'records',
        why: `its hint 4.bitcask.hint was not used: it covers ${size} of the data file's ${size + later.length} bytes (records written after it)`,
      });
      expect(reads.get('4.bitcask.data')).toBe(size + later.length);
      expect((await store.get('written-after-the-hint'))?.toString()).toBe('a value the hint does not know');
      const expected = expectedOf('riak-bitcask/basic');
      expected.set('written-after-the-hint', Buffer.from('a value the hint does not know'));
      expect(await liveOf(store)).toEqual(expected);
    } finally {
      await store.close();
    }
  });

  it('a data file shorter than its hint describes is replayed', async () => {
    const dir = temps.fixture('riak-bitcask/basic');
    const data = path.join(dir, '4.bitcask.data');
    const size = fs.statSync(data).size;
    fs.truncateSync(data, size - 10);
    const store = await openForeign(dir);
    try {
      expect(store.openedFrom()[3]).toEqual({ file: '4.bitcask.data', from: 'records', why: `its hint 4.bitcask.hint was not used: it describes ${size} bytes of records; the data file has ${size - 10}` });
      expect(store.warnings()).toEqual([expect.stringMatching(/^torn tail in 4\.bitcask\.data at /)]);
    } finally {
      await store.close();
    }
  });

  it('a data file without a hint (the active file) is replayed; the others still come from theirs', async () => {
    const dir = temps.fixture('riak-bitcask/merged');
    fs.rmSync(path.join(dir, '4.bitcask.hint'));
    const store = await openForeign(dir);
    try {
      expect(store.openedFrom()).toEqual([
        { file: '4.bitcask.data', from: 'records', why: 'it has no hint file' },
        { file: '5.bitcask.data', from: 'hint' },
      ]);
      expect(reads.get('5.bitcask.data') ?? 0).toBe(0);
      expect(await liveOf(store)).toEqual(expectedOf('riak-bitcask/merged'));
    } finally {
      await store.close();
    }
  });
});

describe('tombstones in a Riak hint', () => {
  it('entries without the tombstone bit whose value has a tombstone\'s size: the records are read, each by itself, and say which they are', async () => {
    const dir = temps.fixture('riak-bitcask/basic');
    // 4.bitcask.hint as a hint written before the tombstone bit existed would be: the bit cleared, the trailer's CRC made again.
    const hint = path.join(dir, '4.bitcask.hint');
    const bytes = fs.readFileSync(hint);
    const entries = bytes.subarray(0, bytes.length - 18);
    let cleared = 0;
    let tombstoneBytes = 0;
    for (let at = 0; at < entries.length; at += 18 + entries.readUInt16BE(at + 4)) {
      if (entries[at + 10]! & 0x80) {
        entries[at + 10]! &= 0x7f;
        cleared++;
        tombstoneBytes += entries.readUInt32BE(at + 6);
      }
    }
    expect(cleared).toBe(12);
    fs.writeFileSync(hint, withTrailer(Buffer.from(entries)));
    const store = await openForeign(dir);
    expect(reads.get('4.bitcask.data')).toBe(tombstoneBytes); // only the twelve records, not the file
    const replayed = await openForeign(dir, { replayData: true });
    try {
      expect(store.openedFrom()[3]).toEqual({ file: '4.bitcask.data', from: 'hint' });
      expect(await liveOf(store)).toEqual(expectedOf('riak-bitcask/basic'));
      for (const key of await everyKey(replayed)) {
        const bytes = Buffer.from(key, 'latin1');
        expect(await store.history(bytes), key).toEqual(await replayed.history(bytes));
      }
      expect((await store.history('key-007')).map((v) => v.status)).toContain('tombstone');
    } finally {
      await store.close();
      await replayed.close();
    }
  });

  it('a put whose value has a tombstone\'s size stays a put; a tombstone without the bit still deletes', async () => {
    const dir = temps.fixture('riak-bitcask/basic');
    const put = dataRecord(1795391760, 'twenty-two', 'exactly 22 bytes here!');
    const tomb = dataRecord(1795391760, 'key-001', 'bitcask_tombstone');
    fs.writeFileSync(path.join(dir, '9.bitcask.data'), Buffer.concat([put, tomb]));
    fs.writeFileSync(
      path.join(dir, '9.bitcask.hint'),
      withTrailer(Buffer.concat([hintEntry(1795391760, 'twenty-two', put.length, 0, false), hintEntry(1795391760, 'key-001', tomb.length, put.length, false)])),
    );
    const store = await openForeign(dir);
    const replayed = await openForeign(dir, { replayData: true });
    try {
      expect(store.openedFrom().at(-1)).toEqual({ file: '9.bitcask.data', from: 'hint' });
      expect((await store.get('twenty-two'))?.toString()).toBe('exactly 22 bytes here!');
      expect(store.has('key-001')).toBe(false);
      expect(await liveOf(store)).toEqual(await liveOf(replayed));
    } finally {
      await store.close();
      await replayed.close();
    }
  });
});

describe('the cap on records read for their kind (MAX_UNSURE_READS, 1,024 a file)', () => {
  /**
   * A cask of one data file and its hint (written without the tombstone bit, as before the bit existed): `unsure`
   * records whose value has a tombstone's size (17 bytes), in threes (put a, put b, the tombstone of a), then
   * three records the hint says for sure (values of another size). Their sizes, and the live keys a replay gives.
   */
  function caskWithUnsure(unsure: number): { dir: string; unsureBytes: number; dataSize: number } {
    const dir = temps.empty('kvscope-hint-unsure-');
    const records: Buffer[] = [];
    const entries: Buffer[] = [];
    let offset = 0;
    let unsureBytes = 0;
    const add = (key: string, value: string): void => {
      const r = dataRecord(1795391760, key, value);
      entries.push(hintEntry(1795391760, key, r.length, offset, false));
      records.push(r);
      offset += r.length;
      if (value.length === 17) unsureBytes += r.length;
    };
    for (let i = 0; i < unsure; i++) {
      const group = Math.floor(i / 3);
      if (i % 3 === 0) add(`a-${group}`, 'seventeen bytes!!');
      else if (i % 3 === 1) add(`b-${group}`, 'seventeen bytes!!');
      else add(`a-${group}`, 'bitcask_tombstone');
    }
    for (const key of ['sure-1', 'sure-2', 'sure-3']) add(key, `the value of ${key}`); // 19 bytes: no tombstone's size
    fs.writeFileSync(path.join(dir, '1.bitcask.data'), Buffer.concat(records));
    fs.writeFileSync(path.join(dir, '1.bitcask.hint'), withTrailer(Buffer.concat(entries)));
    return { dir, unsureBytes, dataSize: offset };
  }

  it('1,024 such entries: the hint is used, and those records alone are read, each by itself', async () => {
    const { dir, unsureBytes, dataSize } = caskWithUnsure(1024);
    const store = await openForeign(dir);
    expect(reads.get('1.bitcask.data')).toBe(unsureBytes);
    expect(unsureBytes).toBeLessThan(dataSize);
    const replayed = await openForeign(dir, { replayData: true });
    try {
      expect(store.openedFrom()).toEqual([{ file: '1.bitcask.data', from: 'hint' }]);
      expect(store.has('a-0')).toBe(false); // its tombstone, known from its record, not the hint
      expect(store.sortedKeys()).toContain('b-0');
      expect(await liveOf(store)).toEqual(await liveOf(replayed));
    } finally {
      await store.close();
      await replayed.close();
    }
  });

  it('1,025: past the cap the hint is not used; the data file is replayed (read once, whole), the open says why, and the keys are the same', async () => {
    const { dir, dataSize } = caskWithUnsure(1025);
    const store = await openForeign(dir);
    expect(reads.get('1.bitcask.data')).toBe(dataSize);
    const replayed = await openForeign(dir, { replayData: true });
    try {
      expect(store.openedFrom()).toEqual([
        { file: '1.bitcask.data', from: 'records', why: 'its hint 1.bitcask.hint was not used: 1025 of its entries have a tombstone\'s size without the tombstone bit (a hint written before the bit existed?)' },
      ]);
      expect(store.stats().recordsReadBecause).toEqual([{ file: '1.bitcask.data', why: store.openedFrom()[0]!.why }]);
      expect(store.has('a-0')).toBe(false);
      expect(store.sortedKeys()).toContain('a-341'); // the 1,024th record puts it; its tombstone would be the 1,026th
      expect(await liveOf(store)).toEqual(await liveOf(replayed));
    } finally {
      await store.close();
      await replayed.close();
    }
  });
});

describe('damage since the hints were written: what reads the records counts it as a replay does', () => {
  /** Copies of riak-bitcask/basic damaged where a sound hint still names the record. */
  const damages: Array<[string, (dir: string) => void]> = [
    ['a byte of a live record', (dir) => flipByte(path.join(dir, '4.bitcask.data'), 2165)],
    ['a byte of a tombstone', (dir) => flipByte(path.join(dir, '4.bitcask.data'), 2100)],
    ['a byte of a stale record', (dir) => flipByte(path.join(dir, '1.bitcask.data'), 30)],
    ['a record\'s value_sz', (dir) => {
      const p = path.join(dir, '1.bitcask.data');
      const bytes = fs.readFileSync(p);
      bytes.writeUInt32BE(420, 692);
      fs.writeFileSync(p, bytes);
    }],
  ];

  it.each(damages)('%s: kvscope segments and the inspector\'s segments view give the figures of a replay; history and values the same', async (_what, damage) => {
    const dir = temps.fixture('riak-bitcask/basic');
    damage(dir);
    const replayed = await openForeign(dir, { replayData: true });
    const store = await openForeign(dir);
    try {
      expect(store.openedFrom().every((f) => f.from === 'hint')).toBe(true);
      const want = new Map(replayed.stats().perSegment.map((s) => [s.file, s]));
      const segments = await kvscope(['segments', '--json', '--dir', dir]);
      const rows = (JSON.parse(segments.out.join('')) as { files: Array<{ file: string; role: string; liveBytes: number; staleBytes: number; tombstoneBytes: number; corruptBytes: number; records: number }> }).files;
      for (const row of rows.filter((r) => r.role === 'data')) {
        const s = want.get(row.file)!;
        expect({ ...row }, row.file).toMatchObject({ liveBytes: s.liveBytes, staleBytes: s.staleBytes, tombstoneBytes: s.tombstoneBytes, corruptBytes: s.corruptBytes });
      }
      const service = new InspectorService({ opener: createEngineOpener(), configDir: temps.empty('kvscope-hint-open-config-') });
      try {
        const { sessionId } = await service.dispatch('openStore', { path: dir });
        for (const f of (await service.dispatch('segments', { sessionId })).files.filter((f) => f.role === 'data')) {
          const s = want.get(f.file)!;
          expect({ live: f.liveBytes, corrupt: f.corruptBytes }, f.file).toEqual({ live: s.liveBytes, corrupt: s.corruptBytes });
        }
      } finally {
        await service.close();
      }
      // A damaged version's value length: the hint's where the open took it from the hint; a replay that resynchronised
      // over a damaged length has only the damaged region's, and says 0.
      const shown = (versions: Awaited<ReturnType<ForeignStore['history']>>) => versions.map((v) => (v.status === 'corrupt' ? { ...v, valueLength: undefined } : v));
      for (const key of await everyKey(replayed)) {
        const bytes = Buffer.from(key, 'latin1');
        expect(shown(await store.history(bytes)), key).toEqual(shown(await replayed.history(bytes)));
      }
      // The live keys: those of a replay that keeps the records a sound hint names (keysFromValidHint), read or failing alike.
      expect(store.sortedKeys()).toEqual(replayed.sortedKeys());
      for (const key of store.sortedKeys()) {
        const [a, b] = await Promise.all([store.get(Buffer.from(key, 'latin1')).catch((e: Error) => e.message), replayed.get(Buffer.from(key, 'latin1')).catch((e: Error) => e.constructor.name)]);
        if (typeof b === 'string') expect(a, key).toMatch(/damaged|not the one/);
        else expect(a, key).toEqual(b);
      }
    } finally {
      await store.close();
      await replayed.close();
    }
  });
});

