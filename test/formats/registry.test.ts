/**
 * The registry: unique ids, a clear error listing what was looked for,
 * forcing a format, and read-only store behaviour that does not depend on a
 * particular fixture.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ClosedError } from '../../src/engine/errors.js';
import { openForeign } from '../../src/engine/foreign-store.js';
import { FORMATS, NoSuchFormatError, UnknownFormatError, detectAll, detectFormat, getFormat } from '../../src/engine/formats/registry.js';
import { FormatIdSchema } from '../../src/shared/contract.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tempDir(files: Record<string, string | Buffer> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvscope-registry-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

describe('registry', () => {
  it('has unique, well-formed ids and read-only foreign formats with a summary', () => {
    const ids = FORMATS.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const f of FORMATS) {
      expect(FormatIdSchema.safeParse(f.id).success, f.id).toBe(true);
      expect(f.summary.length).toBeGreaterThan(50);
      expect(f.looksFor?.length).toBeGreaterThan(0);
      expect(getFormat(f.id)).toBe(f);
    }
  });

  it('throws UnknownFormatError listing what it looked for', () => {
    const dir = tempDir({ 'README.txt': 'nothing here' });
    expect(detectAll(dir)).toEqual([]);
    let error: unknown;
    try {
      detectFormat(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnknownFormatError);
    const unknown = error as UnknownFormatError;
    expect(unknown.code).toBe('NOT_A_STORE');
    expect(unknown.lookedFor).toHaveLength(FORMATS.length);
    expect(unknown.message).toContain('bitcask.data');
    expect(unknown.message).toContain('store.log');
  });

  it('throws UnknownFormatError for a missing directory', () => {
    expect(() => detectFormat('/nonexistent/kvscope/dir')).toThrow(UnknownFormatError);
  });

  it('rejects an unknown --format id', async () => {
    await expect(openForeign(tempDir(), { format: 'nope' })).rejects.toBeInstanceOf(NoSuchFormatError);
  });

  it('opens with a forced format, and refuses one whose files are absent', async () => {
    const dir = tempDir({ 'store.log': 'SET a 1\n' });
    const store = await openForeign(dir, { format: 'tiny-log-kv' });
    expect(store.format).toBe('tiny-log-kv');
    expect(store.keyCount()).toBe(1);
    await store.close();
    await expect(openForeign(dir, { format: 'riak-bitcask' })).rejects.toBeInstanceOf(UnknownFormatError);
  });

  it('tells the HEAD and c548bfb mini-kvstore-v2 eras apart by content, not by name', () => {
    const head = Buffer.concat([Buffer.from([0, 1, 0, 0, 0]), Buffer.from('k'), Buffer.from([1, 0, 0, 0]), Buffer.from('v')]);
    const c548 = Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('kv')]);
    expect(detectAll(tempDir({ 'segment-1.dat': head }))[0]!.format).toBe('mini-kvstore-v2');
    expect(detectAll(tempDir({ 'segment-1.dat': c548 }))[0]!.format).toBe('mini-kvstore-v2-c548bfb');
  });

  it('a mini-kvstore-v2 segment whose last write was cut short still decodes as its era, and is said to be cut short', () => {
    const headRecord = (k: string, v: string) => Buffer.concat([Buffer.from([0, k.length, 0, 0, 0]), Buffer.from(k), Buffer.from([v.length, 0, 0, 0]), Buffer.from(v)]);
    const c548Record = (k: string, v: string) => {
      const lengths = Buffer.alloc(16);
      lengths.writeUInt32LE(k.length, 0);
      lengths.writeUInt32LE(v.length, 8);
      return Buffer.concat([lengths, Buffer.from(k), Buffer.from(v)]);
    };
    for (const [format, record] of [
      ['mini-kvstore-v2', headRecord],
      ['mini-kvstore-v2-c548bfb', c548Record],
    ] as const) {
      const whole = Buffer.concat([record('user', 'alice'), record('city', 'Lyon')]);
      const cut = whole.subarray(0, whole.length - 3);
      const found = detectAll(tempDir({ 'segment-0.dat': cut }))[0]!;
      expect(found.format, format).toBe(format);
      expect(found.confidence, format).toBeGreaterThanOrEqual(0.6);
      expect(found.reason, format).toContain('segment-0.dat decodes cleanly up to its last record, cut short');
      expect(detectAll(tempDir({ 'segment-0.dat': whole }))[0]!.reason, format).toContain('segment-0.dat decodes cleanly');
    }
  });

  it('accepts kvdb at logs/wal.log, at logs/ itself, and at .kvdb/ (README location)', () => {
    expect(detectAll(tempDir({ 'logs/wal.log': 'SET a b\n' }))[0]).toMatchObject({ format: 'kvdb' });
    const dir = tempDir({ 'logs/wal.log': 'SET a b\n' });
    expect(detectAll(path.join(dir, 'logs'))[0]).toMatchObject({ format: 'kvdb', root: path.join(dir, 'logs') });
    expect(detectAll(tempDir({ '.kvdb/wal.log': 'SET a b\n' }))[0]).toMatchObject({ format: 'kvdb' });
  });
});

describe('ForeignStore basics', () => {
  it('serves values by positioned read, accepts text and byte keys, and refuses calls after close', async () => {
    const dir = tempDir({ 'store.log': 'SET café crème\nSET a 1\nSET a 2\nDEL b\n' });
    const store = await openForeign(dir);
    expect(store.readOnly).toBe(true);
    expect(store.sortedKeys()).toEqual(['a', Buffer.from('café').toString('latin1')]);
    expect((await store.get('café'))?.toString()).toBe('crème');
    expect((await store.get(Buffer.from('café')))?.toString()).toBe('crème');
    expect(await store.get('b')).toBeUndefined();
    expect((await store.history('a')).map((v) => v.status)).toEqual(['shadowed', 'live']);
    expect((await store.history('b')).map((v) => v.status)).toEqual(['tombstone']);
    const loc = store.locate('a')!;
    expect(loc).toMatchObject({ file: 'store.log', segment: 0, offset: 25, length: 8 });
    const stats = store.stats();
    expect(stats).toMatchObject({ format: 'tiny-log-kv', keys: 2, totalBytes: 39, liveBytes: 25 });
    expect(stats.perSegment[0]).toMatchObject({ staleBytes: 8, tombstoneBytes: 6, active: true });
    await store.close();
    expect(() => store.keyCount()).toThrow(ClosedError);
  });

  it('reports progress and honours an abort signal', async () => {
    const dir = tempDir({ 'store.log': 'SET a 1\n' });
    const seen: string[] = [];
    const store = await openForeign(dir, { onProgress: (p) => seen.push(`${p.phase}:${p.done}/${p.total}`) });
    // In bytes of the data files.
    expect(seen).toEqual(['open:0/8', 'open:8/8']);
    const controller = new AbortController();
    controller.abort();
    await expect(store.verify({ signal: controller.signal })).rejects.toMatchObject({ code: 'ABORTED' });
    await store.close();
  });

  it('says what detection found in words a person reads: file names as N, counts in the singular or plural, no pattern', () => {
    const cases: [string, Record<string, string | Buffer>, string][] = [
      ['mini-kvstore-v2', { 'segment-1.dat': Buffer.alloc(0), 'segment-2.dat': Buffer.alloc(0) }, '2 segment files named segment-N.dat, all empty'],
      ['mini-kvstore-v2-b22e80f', { 'segments/segment_0.log': Buffer.alloc(0) }, '1 segment file named segment_N.log, all empty'],
      ['riak-bitcask', { '1.bitcask.data': Buffer.alloc(0) }, '1 file named N.bitcask.data (all empty)'],
      ['kvscope', { '000001.data': 'not a segment', '000002.data': 'nor this' }, '2 files named NNNNNN.data, none starting with the magic "KVSD"'],
    ];
    for (const [format, files, reason] of cases) {
      const found = detectAll(tempDir(files)).find((d) => d.format === format)!;
      expect(found.reason, format).toBe(reason);
      expect(found.reason, format).not.toMatch(/\(s\)|\\d|\^/);
    }
  });
});
