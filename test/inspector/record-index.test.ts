/**
 * The incremental record index of native segments, through the inspector
 * service and directly: pages equal the engine's scanner on a segment with
 * damage in the middle (corrupt records, an impossible length, a batch cut
 * by damage, a torn tail); the first page of a 200 MiB segment is served
 * while the index is still incomplete; key and status filters; a file that
 * grows is indexed on from where the index stopped. No timing assertions.
 */
import { appendFileSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { flipByte } from '../engine/helpers.js';
import { encodeRecord, encodeRecordInto, encodeSegmentHeader } from '../../src/engine/native/codec.js';
import { memorySource } from '../../src/engine/native/byte-source.js';
import { committedRecords, scanRecords } from '../../src/engine/native/scan.js';
import { nativeFormat } from '../../src/engine/formats/native.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { InspectorService } from '../../src/inspector/service.js';
import { NativeSegmentIndex, range } from '../../src/inspector/record-index.js';
import type { RecordRow, RecordRowStatus } from '../../src/shared/contract.js';
import { describeKey } from '../../src/shared/keytext.js';

let base: string;
let n = 0;
let service: InspectorService;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'kvscope-recidx-'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));
beforeEach(() => {
  n++;
  service = new InspectorService({ opener: createEngineOpener(), configDir: join(base, `config-${n}`) });
});
afterEach(async () => {
  await service.close();
});

/** Every row of a file, page by page, asking again while the index or filter is incomplete. */
async function allRows(sessionId: string, file: string, extra: { key?: string; status?: RecordRowStatus } = {}, limit = 97): Promise<RecordRow[]> {
  const rows: RecordRow[] = [];
  for (let start = 0; ; ) {
    const page = await service.dispatch('records', { sessionId, file, start, limit, ...extra });
    expect(page.rows.length).toBeLessThanOrEqual(limit);
    rows.push(...page.rows);
    start += page.rows.length;
    if (page.complete && start >= page.total) {
      expect(rows.length).toBe(page.total);
      return rows;
    }
    if (page.rows.length === 0) await new Promise((r) => setTimeout(r, 5));
  }
}

interface Expected {
  offset: number;
  length: number;
  kind: string;
  status: RecordRowStatus;
  key?: string;
  sequence?: number;
  valueLength?: number;
  storedCrc?: number;
  computedCrc?: number;
}

/** What the engine's own decoder and scanner say, with live/shadowed from a store opened on the same directory. */
async function expectedRows(dir: string, file: string): Promise<Expected[]> {
  const bytes = readFileSync(join(dir, file));
  const decoded = nativeFormat.decodeFile({ name: file, role: 'data', id: Number.parseInt(file, 10), size: bytes.length }, bytes);
  const events = [...scanRecords(memorySource(bytes))];
  const uncommitted = new Set<number>();
  for (const ev of committedRecords(events)) {
    if (ev.kind !== 'incomplete-batch') continue;
    const first = events.findIndex((e) => e.offset === ev.offset);
    for (let i = first; i < first + ev.records; i++) uncommitted.add(events[i]!.offset);
  }
  const store = await Store.open(dir, { readOnly: true });
  try {
    return decoded.map((r) => {
      const e: Expected = { offset: r.offset, length: r.length, kind: r.kind, status: 'meta' };
      if (r.status === 'corrupt' || r.status === 'torn') e.status = r.status;
      else if (uncommitted.has(r.offset)) e.status = 'uncommitted';
      else if (r.kind === 'delete') e.status = 'tombstone';
      else if (r.kind === 'put') {
        const loc = store.locate(r.key!);
        e.status = loc && loc.file === file && loc.offset === r.offset ? 'live' : 'shadowed';
      }
      if (r.key !== undefined) e.key = Buffer.from(r.key).toString('latin1');
      if (r.sequence !== undefined) e.sequence = r.sequence;
      if (r.valueLength !== undefined) e.valueLength = r.valueLength;
      if (r.storedCrc !== undefined) e.storedCrc = r.storedCrc;
      if (r.computedCrc !== undefined) e.computedCrc = r.computedCrc;
      return e;
    });
  } finally {
    await store.close();
  }
}

function shape(r: RecordRow): Expected {
  const e: Expected = { offset: r.offset, length: r.length, kind: r.kind, status: r.status };
  for (const k of ['key', 'sequence', 'valueLength', 'storedCrc', 'computedCrc'] as const) if (r[k] !== undefined) (e as unknown as Record<string, unknown>)[k] = r[k];
  return e;
}

/** One segment of puts, re-puts, deletes, batches and binary keys, then damaged in the middle and torn at the end. */
async function damagedStore(): Promise<{ dir: string; file: string; damaged: number[] }> {
  const dir = join(base, `damaged-${n}`);
  const store = await Store.open(dir, { create: true, fsync: 'never' });
  for (let i = 0; i < 400; i++) {
    await store.put(`key:${String(i % 300).padStart(4, '0')}`, `value ${i} ${'.'.repeat(i % 17)}`);
    if (i % 23 === 0) await store.delete(`key:${String((i * 7) % 300).padStart(4, '0')}`);
    if (i % 50 === 10) {
      await store.batch([
        { type: 'put', key: `batch:${i}:a`, value: 'one' },
        { type: 'put', key: `batch:${i}:b`, value: 'two' },
        { type: 'delete', key: `key:${String(i).padStart(4, '0')}` },
      ]);
    }
  }
  await store.put(Buffer.from([0, 1, 0x5c, 0xff, 0x41]), 'binary key');
  await store.put('tail:1', 'the record before the torn one');
  await store.put('tail:2', 'this one is torn');
  const file = store.locate('tail:2')!.file;
  await store.close();
  const path = join(dir, file);
  const bytes = readFileSync(path);
  const records = [...scanRecords(memorySource(bytes))].filter((e) => e.kind === 'record');
  const damaged: number[] = [];
  // More damaged regions than the index's fresh scanners, so both of its paths run.
  for (let k = 5; k < records.length - 40; k += 17) {
    const r = records[k]!;
    flipByte(path, r.offset + r.length - 1); // bad CRC
    damaged.push(r.offset);
  }
  // An impossible key length.
  const bad = records[records.length - 20]!;
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.from([0xff, 0xff, 0xff, 0x7f]), 0, 4, bad.offset + 14);
  closeSync(fd);
  damaged.push(bad.offset);
  // The middle record of the batch written at i = 210: the batch is cut by damage.
  const batchB = records.find((r) => r.kind === 'record' && r.key.toString() === 'batch:210:b')!;
  flipByte(path, batchB.offset + 30);
  damaged.push(batchB.offset);
  // A torn tail.
  const last = records[records.length - 1]!;
  truncateSync(path, last.offset + 9);
  return { dir, file, damaged };
}

/** A writer holding keys first:0 .. first:(count - 1) in its first segment, and a record index of that segment, indexed to the end. */
async function writerAndIndex(dir: string, fsync: 'always' | 'never', count: number): Promise<{ writer: Store; file: string; path: string; index: NativeSegmentIndex }> {
  const writer = await Store.open(dir, { create: true, fsync });
  for (let i = 0; i < count; i++) await writer.put(`first:${i}`, `v${i}`);
  const file = writer.locate('first:0')!.file;
  const path = join(dir, file);
  const index = new NativeSegmentIndex({ name: file, role: 'data', id: 1, size: statSync(path).size }, path);
  await index.waitFor(() => false);
  return { writer, file, path, index };
}

describe('the record index of a native segment', () => {
  it('pages exactly what the engine scanner finds, damage, cut batches and torn tail included', async () => {
    const { dir, file, damaged } = await damagedStore();
    const expected = await expectedRows(dir, file);
    expect(expected.filter((e) => e.status === 'corrupt').length).toBeGreaterThan(20);
    expect(expected.filter((e) => e.status === 'uncommitted').length).toBeGreaterThan(0);
    expect(expected.at(-1)!.status).toBe('torn');
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    for (const limit of [1, 7, 200, 1000]) {
      const rows = await allRows(sessionId, file, {}, limit);
      expect(rows.map(shape)).toEqual(expected);
      rows.forEach((r, i) => expect(r.index).toBe(i));
    }
    // recordAt any byte: the record holding it, with the same fields as the format's decoder.
    const decoded = nativeFormat.decodeFile({ name: file, role: 'data', id: 1, size: statSync(join(dir, file)).size }, readFileSync(join(dir, file)));
    for (const i of [0, 1, 2, decoded.length - 2, decoded.length - 1, ...damaged.map((o) => decoded.findIndex((r) => r.offset === o))]) {
      const want = decoded[i]!;
      const got = (await service.dispatch('recordAt', { sessionId, file, offset: want.offset + Math.floor(want.length / 2) })).record!;
      expect(got.offset).toBe(want.offset);
      expect(got.index).toBe(i);
      expect(got.fields.map((f) => [f.name, f.start, f.end])).toEqual(want.fields.map((f) => [f.name, f.start, f.end]));
    }
    expect((await service.dispatch('recordAt', { sessionId, file, offset: statSync(join(dir, file)).size })).record).toBeNull();
    // The segments view of the completely indexed file counts the damage.
    const seg = (await service.dispatch('segments', { sessionId })).files.find((f) => f.file === file)!;
    expect(seg.corruptBytes).toBe(expected.filter((e) => e.status === 'corrupt' || e.status === 'torn').reduce((s, e) => s + e.length, 0));
    expect(seg.liveBytes + seg.staleBytes + seg.tombstoneBytes + seg.corruptBytes + seg.metaBytes).toBe(seg.bytes);
  });

  it('filters by key substring and by status, like filtering every row', async () => {
    const { dir, file } = await damagedStore();
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    const all = await allRows(sessionId, file);
    const cases: Array<{ key?: string; status?: RecordRowStatus }> = [
      { key: 'key:01' },
      { key: 'batch:' },
      { key: '\\x00\\x01' },
      { key: 'no such key' },
      ...(['live', 'shadowed', 'tombstone', 'uncommitted', 'corrupt', 'torn', 'meta'] as const).map((status) => ({ status })),
      { key: 'key:0', status: 'live' },
      { key: 'key:0', status: 'tombstone' },
    ];
    for (const c of cases) {
      const want = all.filter(
        (r) =>
          (c.key === undefined || (r.key !== undefined && (r.key.includes(c.key) || describeKey(r.key).display.includes(c.key)))) &&
          (c.status === undefined || r.status === c.status),
      );
      const got = await allRows(sessionId, file, c, 13);
      expect(got, JSON.stringify(c)).toEqual(want);
      const page = await service.dispatch('records', { sessionId, file, start: 0, limit: 5, ...c });
      expect(page.unfilteredTotal).toBe(all.length);
    }
    expect((await allRows(sessionId, file, { key: '\\x00\\x01' })).length).toBe(1);
  });

  it('serves the first page of a 200 MiB segment before the index is complete, then indexes the rest', async () => {
    const dir = join(base, `big-${n}`);
    mkdirSync(dir);
    const path = join(dir, '000001.data');
    const value = Buffer.alloc(64 * 1024, 0x61);
    const count = 3200;
    const fd = openSync(path, 'w');
    writeSync(fd, encodeSegmentHeader({ segmentId: 1, flags: 0, sequenceFloor: 0 }));
    const chunk = Buffer.allocUnsafe(64 * (value.length + 64));
    let at = 0;
    for (let i = 0; i < count; i++) {
      value.writeUInt32LE(i, 0);
      at += encodeRecordInto(chunk, at, 1, 0, i + 1, Buffer.from(`big:${String(i).padStart(5, '0')}`), value);
      if (at + value.length + 64 > chunk.length || i === count - 1) {
        writeSync(fd, chunk, 0, at);
        at = 0;
      }
    }
    closeSync(fd);
    const size = statSync(path).size;
    expect(size).toBeGreaterThan(200 * 1024 * 1024);
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    const first = await service.dispatch('records', { sessionId, file: '000001.data', start: 0, limit: 50 });
    expect(first.complete).toBe(false);
    expect(first.rows.length).toBe(50);
    expect(first.indexedBytes).toBeLessThan(size);
    expect(first.fileSize).toBe(size);
    expect(first.rows[1]).toMatchObject({ offset: 24, kind: 'put', key: 'big:00000', sequence: 1, valueLength: value.length, status: 'live' });
    // A filter answers with what it found so far, and finds all of it in the end.
    const filtered = await allRows(sessionId, '000001.data', { key: 'big:031' }, 20);
    expect(filtered.map((r) => r.key)).toEqual(Array.from({ length: 100 }, (_, i) => `big:0${3100 + i}`));
    // Jump to the last byte: indexes up to it.
    const last = (await service.dispatch('recordAt', { sessionId, file: '000001.data', offset: size - 1 })).record!;
    expect(last).toMatchObject({ index: count, key: `big:${String(count - 1).padStart(5, '0')}`, status: 'live' });
    let page = first;
    while (!page.complete) {
      await new Promise((r) => setTimeout(r, 10));
      page = await service.dispatch('records', { sessionId, file: '000001.data', start: 3000, limit: 10 });
    }
    expect(page).toMatchObject({ total: count + 1, unfilteredTotal: count + 1, indexedBytes: size });
    expect(page.rows.map((r) => r.key)).toEqual(Array.from({ length: 10 }, (_, i) => `big:0${2999 + i}`));
  }, 60_000);

  it('keeps a few bytes per record in typed columns', async () => {
    const dir = join(base, `many-${n}`);
    mkdirSync(dir);
    const path = join(dir, '000001.data');
    const parts = [encodeSegmentHeader({ segmentId: 1, flags: 0, sequenceFloor: 0 })];
    for (let i = 0; i < 50_000; i++) parts.push(encodeRecord(1, 0, i + 1, Buffer.from(`k${i}`), Buffer.from('v')));
    appendFileSync(path, Buffer.concat(parts));
    const index = new NativeSegmentIndex({ name: '000001.data', role: 'data', id: 1, size: statSync(path).size }, path);
    await index.waitFor(() => false);
    expect(index.complete).toBe(true);
    expect(index.count).toBe(50_001);
    expect(index.memoryBytes / index.count).toBeLessThanOrEqual(24);
    index.stop();
  });

  it('indexes appended records from where it stopped, and re-reads a torn tail that the appended bytes complete', async () => {
    const dir = join(base, `grow-${n}`);
    const { writer, file, path, index } = await writerAndIndex(dir, 'never', 100);
    expect(index.count).toBe(101);
    const generation = index.generation;
    for (let i = 0; i < 50; i++) await writer.put(`second:${i}`, `w${i}`);
    index.refresh();
    expect(index.complete).toBe(false);
    await index.waitFor(() => false);
    expect(index.count).toBe(151);
    expect(index.generation).toBe(generation); // nothing indexed was dropped
    await writer.close();

    // Half a record at the end: torn. The other half arrives: the same bytes are a valid record.
    const record = encodeRecord(1, 0, 1000, Buffer.from('late'), Buffer.from('arrives in two writes'));
    appendFileSync(path, record.subarray(0, 10));
    index.refresh();
    await index.waitFor(() => false);
    expect(index.entries([index.count - 1])[0]).toMatchObject({ status: 'torn', length: 10 });
    appendFileSync(path, record.subarray(10));
    index.refresh();
    await index.waitFor(() => false);
    expect(index.entries([index.count - 1])[0]).toMatchObject({ status: 'valid', key: 'late', length: record.length });
    expect(index.count).toBe(152);
    index.stop();

    // Through the service: the table of a session opened before the appends shows them.
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    const before = await allRows(sessionId, file);
    const again = await Store.open(dir, { fsync: 'never' });
    for (let i = 0; i < 20; i++) await again.put(`third:${i}`, `x${i}`);
    await again.close();
    const after = await allRows(sessionId, file);
    expect(after.slice(0, before.length).map((r) => r.offset)).toEqual(before.map((r) => r.offset));
    expect(after.slice(before.length).map((r) => r.key)).toEqual(Array.from({ length: 20 }, (_, i) => `third:${i}`));
    expect(after.map((r) => [r.offset, r.length])).toEqual((await expectedRows(dir, file)).map((e) => [e.offset, e.length]));
  });

  it('shows the preallocated space a syncing writer leaves at the end as one row, and indexes the appends that go over it', async () => {
    const { writer, path, index } = await writerAndIndex(join(base, `prealloc-${n}`), 'always', 40);
    const size = statSync(path).size;
    expect(index.count).toBe(42); // the header, 40 records, the zeros
    const dataEnd = writer.stats().perSegment[0]!.bytes;
    expect(index.entries([41])[0]).toMatchObject({ offset: dataEnd, length: size - dataEnd, kind: 'section', status: 'valid' });
    expect(index.detail(41).fields).toMatchObject([{ name: 'preallocated space', role: 'padding', start: dataEnd, end: size }]);
    const first = index.entries(range(0, 41));
    // A file time in whole seconds, which utimes can set back exactly; the index takes it in.
    const stamp = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    utimesSync(path, stamp, stamp);
    index.refresh();
    await index.waitFor(() => false);
    expect(index.count).toBe(42);
    for (let i = 0; i < 10; i++) await writer.put(`second:${i}`, `w${i}`);
    expect(statSync(path).size).toBe(size); // over the zeros: the file did not grow
    // Within one tick of the file system's clock the file's mtime does not move either: neither may tell the index.
    utimesSync(path, stamp, stamp);
    expect(statSync(path).mtimeMs).toBe(stamp.getTime());
    index.refresh();
    expect(index.count).toBe(41); // indexing goes on where the zeros began, not from the start
    await index.waitFor(() => false);
    expect(index.count).toBe(52);
    expect(index.entries(range(0, 41))).toEqual(first);
    expect(index.entries([50])[0]).toMatchObject({ key: 'second:9', status: 'valid' });
    expect(index.entries([51])[0]).toMatchObject({ kind: 'section', offset: writer.stats().perSegment[0]!.bytes });
    await writer.close(); // cuts the zeros off
    index.refresh();
    await index.waitFor(() => false);
    expect(index.count).toBe(51);
    expect(index.entries([50])[0]).toMatchObject({ key: 'second:9', status: 'valid' });
    index.stop();
  });

  it('indexes a rewritten file from scratch', async () => {
    const dir = join(base, `rewrite-${n}`);
    const writer = await Store.open(dir, { create: true, fsync: 'never' });
    for (let i = 0; i < 30; i++) await writer.put(`k:${i}`, `v${i}`);
    const file = writer.locate('k:0')!.file;
    await writer.close();
    const path = join(dir, file);
    const index = new NativeSegmentIndex({ name: file, role: 'data', id: 1, size: statSync(path).size }, path);
    await index.waitFor(() => false);
    const generation = index.generation;
    truncateSync(path, index.offsetAt(10));
    index.refresh();
    await index.waitFor(() => false);
    expect(index.generation).not.toBe(generation);
    expect(index.count).toBe(10);
    index.stop();
  });
});
