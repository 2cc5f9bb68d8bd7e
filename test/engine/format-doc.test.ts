/**
 * docs/FORMAT.md against the files the engine really writes: a store is
 * filled, rotated, closed, reopened and compacted through the Store, and
 * every file it leaves is decoded by the decoder below, written from
 * FORMAT.md's tables and rules alone (offsets and constants typed out here,
 * CRC-32 from zlib, the key hash from the doc's pseudo-code), never from
 * src/engine/native/layout.ts or the codec. When the doc and the code part,
 * this fails. (test/engine/format.test.ts goes the other way: hand-built
 * bytes, decoded by the engine.)
 */
import * as fs from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { cleanTempDirs, tempDir } from './helpers.js';

afterEach(cleanTempDirs);

// ------------------------------------------------------------ the decoder, from FORMAT.md

const u16 = (b: Buffer, at: number): number => b.readUInt16LE(at);
const u32 = (b: Buffer, at: number): number => b.readUInt32LE(at);
const u64 = (b: Buffer, at: number): number => Number(b.readBigUInt64LE(at));

interface SegmentHeader {
  magic: string;
  version: number;
  flags: number;
  segmentId: number;
  sequenceFloor: number;
  headerCrcOk: boolean;
}

interface Rec {
  offset: number;
  length: number;
  type: number;
  flags: number;
  sequence: number;
  key: Buffer;
  value: Buffer;
}

/** "Segment header (24 bytes)". */
function segmentHeader(b: Buffer): SegmentHeader {
  return {
    magic: b.toString('latin1', 0, 4),
    version: u16(b, 4),
    flags: u16(b, 6),
    segmentId: u32(b, 8),
    sequenceFloor: u64(b, 12),
    headerCrcOk: u32(b, 20) === crc32(b.subarray(0, 20)),
  };
}

/**
 * "Record (22-byte header + key + value)", record after record from byte 24;
 * zeros that run to the end of the file are preallocated space ("Preallocated
 * space"). Anything else that does not decode fails the test: the engine's own
 * files hold no damage.
 */
function records(b: Buffer): { records: Rec[]; dataEnd: number } {
  const out: Rec[] = [];
  let at = 24;
  while (at < b.length) {
    if (b.subarray(at).every((x) => x === 0)) return { records: out, dataEnd: at };
    const keyLength = u32(b, at + 14);
    const valueLength = u32(b, at + 18);
    const length = 22 + keyLength + valueLength;
    const type = b[at + 4]!;
    const flags = b[at + 5]!;
    expect(type === 1 || type === 2, `type ${type} at ${at}`).toBe(true);
    expect(flags & ~0x07, `flags at ${at}`).toBe(0);
    expect(keyLength).toBeLessThanOrEqual(65_536);
    expect(valueLength).toBeLessThanOrEqual(64 * 1024 * 1024);
    if (type === 2) expect(valueLength, `tombstone at ${at}`).toBe(0);
    expect(at + length, `record at ${at} ends inside the file`).toBeLessThanOrEqual(b.length);
    expect(u32(b, at), `record CRC at ${at} covers bytes 4 to the end of the value`).toBe(crc32(b.subarray(at + 4, at + length)));
    out.push({
      offset: at,
      length,
      type,
      flags,
      sequence: u64(b, at + 6),
      key: b.subarray(at + 22, at + 22 + keyLength),
      value: b.subarray(at + 22 + keyLength, at + length),
    });
    at += length;
  }
  return { records: out, dataEnd: at };
}

/** "Hint file". */
function hintFile(b: Buffer) {
  const head = { magic: b.toString('latin1', 0, 4), version: u16(b, 4), flags: u16(b, 6), segmentId: u32(b, 8), dataSize: u64(b, 12) };
  const trailerAt = b.length - 8;
  const entries: Array<{ type: number; flags: number; sequence: number; offset: number; length: number; key: Buffer }> = [];
  for (let at = 20; at < trailerAt; ) {
    const keyLength = u32(b, at + 18);
    entries.push({ type: b[at]!, flags: b[at + 1]!, sequence: u64(b, at + 2), offset: u32(b, at + 10), length: u32(b, at + 14), key: b.subarray(at + 22, at + 22 + keyLength) });
    at += 22 + keyLength;
    expect(at).toBeLessThanOrEqual(trailerAt);
  }
  return { head, entries, entryCount: u32(b, trailerAt), crcOk: u32(b, trailerAt + 4) === crc32(b.subarray(0, trailerAt + 4)) };
}

/** The key hash of "Hint file", line by line. */
function keyHash(key: Buffer, seed = 0x9e3779b9): number {
  let h = (seed ^ key.length) >>> 0;
  for (const x of key) h = Number((BigInt((h ^ x) >>> 0) * 0x01000193n) % 2n ** 32n);
  const mul = (a: number, m: bigint): number => Number((BigInt(a >>> 0) * m) % 2n ** 32n);
  h = (h ^ (h >>> 16)) >>> 0;
  h = mul(h, 0x85ebca6bn);
  h = (h ^ (h >>> 13)) >>> 0;
  h = mul(h, 0xc2b2ae35n);
  h = (h ^ (h >>> 16)) >>> 0;
  return h;
}

/** "Keydir image": header (40 bytes), then sections 1–7 with no padding. */
function keydirImage(b: Buffer) {
  const head = {
    magic: b.toString('latin1', 0, 4),
    version: u16(b, 4),
    flags: u16(b, 6),
    seed: u32(b, 8),
    segmentCount: u32(b, 12),
    slotCount: u32(b, 16),
    freeSlotCount: u32(b, 20),
    tableSize: u32(b, 24),
    arenaBytes: u32(b, 28),
    arenaGarbage: u32(b, 32),
    headerCrc: u32(b, 36),
  };
  let at = 40;
  const segmentsAt = at;
  const segments = [];
  for (let i = 0; i < head.segmentCount; i++, at += 48) {
    segments.push({ id: u32(b, at), records: u32(b, at + 4), size: u64(b, at + 8), oldest: u64(b, at + 16), newest: u64(b, at + 24), liveBytes: u64(b, at + 32), tombstoneBytes: u64(b, at + 40) });
  }
  const slotsAt = at;
  const slots = [];
  for (let i = 0; i < head.slotCount; i++, at += 32) {
    const w = (n: number) => u32(b, at + 4 * n);
    slots.push({ hash: w(0), segment: w(1), offset: w(2), length: w(3), sequence: w(5) * 2 ** 32 + w(4), keyAt: w(6), keyLength: w(7) });
  }
  const freeSlots = [];
  for (let i = 0; i < head.freeSlotCount; i++, at += 4) freeSlots.push(u32(b, at));
  const table = [];
  for (let i = 0; i < head.tableSize; i++, at += 8) table.push({ hash: u32(b, at), slot1: u32(b, at + 4) });
  const pagedEnd = at;
  const arena = b.subarray(at, at + head.arenaBytes);
  at += head.arenaBytes;
  const pageCount = Math.ceil((pagedEnd - slotsAt) / 4096);
  const pageSums = [];
  for (let i = 0; i < pageCount; i++, at += 4) pageSums.push(u32(b, at));
  const trailerAt = at;
  return {
    head,
    headerCrcExpected: crc32(b.subarray(segmentsAt, slotsAt), crc32(b.subarray(0, 36))),
    segments,
    slots,
    freeSlots,
    table,
    arena,
    pageSums,
    pageSumsExpected: Array.from({ length: pageCount }, (_, i) => crc32(b.subarray(slotsAt + i * 4096, Math.min(pagedEnd, slotsAt + (i + 1) * 4096)))),
    fileEndsAfterTrailer: trailerAt + 4 === b.length,
    trailerOk: u32(b, trailerAt) === crc32(b.subarray(0, trailerAt)),
  };
}

// ------------------------------------------------------------ reading a whole store with it

const DATA_NAME = /^(\d{6,})\.data$/;

interface DecodedSegment {
  id: number;
  name: string;
  size: number;
  header: SegmentHeader;
  records: Rec[];
  dataEnd: number;
}

function readSegments(dir: string): DecodedSegment[] {
  return fs
    .readdirSync(dir)
    .filter((n) => DATA_NAME.test(n))
    .map((name) => {
      const bytes = fs.readFileSync(path.join(dir, name));
      const header = segmentHeader(bytes);
      return { id: Number(DATA_NAME.exec(name)![1]), name, size: bytes.length, header, ...records(bytes) };
    })
    .sort((a, b) => a.id - b.id);
}

/** "Which record wins": the live keys (latin1) and the record each points at. */
function winners(segments: DecodedSegment[]): Map<string, { seg: DecodedSegment; rec: Rec }> {
  const newest = new Map<string, { seg: DecodedSegment; rec: Rec }>();
  for (const seg of segments) {
    for (const rec of seg.records) {
      const k = rec.key.toString('latin1');
      const had = newest.get(k);
      if (!had || had.rec.sequence < rec.sequence) newest.set(k, { seg, rec });
    }
  }
  for (const [k, w] of newest) if (w.rec.type === 2) newest.delete(k);
  return newest;
}

function expectSoundSegments(segments: DecodedSegment[]): void {
  for (const seg of segments) {
    expect(seg.header, seg.name).toMatchObject({ magic: 'KVSD', version: 1, segmentId: seg.id, headerCrcOk: true });
    expect(seg.header.flags & ~1, `${seg.name}: only bit 0 of the segment flags is defined`).toBe(0);
    if ((seg.header.flags & 1) === 0) {
      expect(seg.header.sequenceFloor, `${seg.name}: an ordinary segment's floor`).toBe(0);
      const seqs = seg.records.map((r) => r.sequence);
      expect(seqs, `${seg.name}: sequence numbers ascend in an ordinary segment`).toEqual([...seqs].sort((a, b) => a - b));
    }
    // "Atomic batches": 0x03, then 0x01 …, then 0x05, with consecutive sequence numbers; a single write has 0.
    let open: Rec | undefined;
    for (const r of seg.records) {
      if (open) {
        expect(r.sequence, `${seg.name}@${r.offset}: batch sequences are consecutive`).toBe(open.sequence + 1);
        expect([0x01, 0x05]).toContain(r.flags);
        open = r.flags === 0x05 ? undefined : r;
      } else {
        expect([0x00, 0x03], `${seg.name}@${r.offset}: flags outside a batch`).toContain(r.flags);
        if (r.flags === 0x03) open = r;
      }
    }
    expect(open, `${seg.name}: no batch is left open`).toBeUndefined();
  }
  const all = segments.flatMap((s) => s.records.map((r) => r.sequence));
  expect(new Set(all).size, 'sequence numbers are unique across the store').toBe(all.length);
}

function expectHintDescribes(dir: string, seg: DecodedSegment): void {
  const hintName = `${seg.name.slice(0, -'.data'.length)}.hint`;
  const hint = hintFile(fs.readFileSync(path.join(dir, hintName)));
  expect(hint.head).toEqual({ magic: 'KVSH', version: 1, flags: 0, segmentId: seg.id, dataSize: seg.size });
  expect(hint.crcOk, `${hintName}: CRC of every preceding byte`).toBe(true);
  expect(hint.entryCount).toBe(hint.entries.length);
  // One entry per committed record, each naming its record exactly.
  const byOffset = new Map(seg.records.map((r) => [r.offset, r]));
  expect(hint.entries.map((e) => e.offset).sort((a, b) => a - b)).toEqual(seg.records.map((r) => r.offset));
  for (const e of hint.entries) {
    const r = byOffset.get(e.offset)!;
    expect({ type: e.type, flags: e.flags, sequence: e.sequence, length: e.length, key: e.key.toString('hex') }).toEqual({ type: r.type, flags: 0, sequence: r.sequence, length: r.length, key: r.key.toString('hex') });
  }
  // Written in the order of the top 12 bits of the key hash, in file order within a bucket.
  const order = hint.entries.map((e) => [keyHash(e.key) >>> 20, e.offset] as const);
  const sorted = [...order].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  expect(order, `${hintName}: entries in key-hash bucket order`).toEqual(sorted);
}

function expectImageDescribes(dir: string, segments: DecodedSegment[]): void {
  const img = keydirImage(fs.readFileSync(path.join(dir, 'KEYDIR')));
  expect(img.head).toMatchObject({ magic: 'KVSK', version: 2, flags: 0, seed: 0x9e3779b9, segmentCount: segments.length });
  expect(img.head.headerCrc, 'header CRC: bytes 0–35, then the segments section').toBe(img.headerCrcExpected);
  expect(img.fileEndsAfterTrailer, 'sections add up to the file').toBe(true);
  expect(img.trailerOk, 'trailer: CRC of every preceding byte').toBe(true);
  expect(img.pageSums).toEqual(img.pageSumsExpected);

  const live = winners(segments);
  // 1. Segments, in id order, with their figures.
  expect(img.segments.map((s) => s.id)).toEqual(segments.map((s) => s.id));
  for (const [i, seg] of segments.entries()) {
    const seqs = seg.records.map((r) => r.sequence);
    const liveBytes = [...live.values()].filter((w) => w.seg === seg).reduce((n, w) => n + w.rec.length, 0);
    const tombstoneBytes = seg.records.filter((r) => r.type === 2).reduce((n, r) => n + r.length, 0);
    expect(img.segments[i], seg.name).toEqual({
      id: seg.id,
      records: seg.records.length,
      size: seg.size,
      oldest: seqs.length ? Math.min(...seqs) : 0,
      newest: seqs.length ? Math.max(...seqs) : 0,
      liveBytes,
      tombstoneBytes,
    });
  }
  // 2–3. Slots and free slots: every live key once, at its winning record.
  const free = new Set(img.freeSlots);
  expect(free.size).toBe(img.freeSlots.length);
  const used = img.slots.map((s, i) => ({ ...s, i })).filter((s) => s.keyLength !== 0xffffffff);
  expect(img.slots.map((s, i) => (s.keyLength === 0xffffffff ? i : -1)).filter((i) => i >= 0)).toEqual([...free].sort((a, b) => a - b));
  const slotKeys = new Map(used.map((s) => [img.arena.subarray(s.keyAt, s.keyAt + s.keyLength).toString('latin1'), s]));
  expect(slotKeys.size).toBe(used.length);
  expect([...slotKeys.keys()].sort()).toEqual([...live.keys()].sort());
  for (const [k, s] of slotKeys) {
    const w = live.get(k)!;
    expect({ hash: s.hash, segment: s.segment, offset: s.offset, length: s.length, sequence: s.sequence }, k).toEqual({
      hash: keyHash(Buffer.from(k, 'latin1'), img.head.seed),
      segment: w.seg.id,
      offset: w.rec.offset,
      length: w.rec.length,
      sequence: w.rec.sequence,
    });
  }
  expect(img.head.arenaGarbage, 'arenaGarbage: key bytes no slot points at').toBe(img.head.arenaBytes - used.reduce((n, s) => n + s.keyLength, 0));
  // 4. Table: a power of two, each used slot once, found by linear probing from its home (top log2(tableSize) bits).
  const { tableSize } = img.head;
  expect(tableSize & (tableSize - 1)).toBe(0);
  const bits = Math.log2(tableSize);
  const filled = img.table.map((e, i) => ({ ...e, i })).filter((e) => e.slot1 !== 0);
  expect(filled.map((e) => e.slot1 - 1).sort((a, b) => a - b)).toEqual(used.map((s) => s.i));
  for (const e of filled) {
    expect(e.hash).toBe(img.slots[e.slot1 - 1]!.hash);
    for (let j = bits === 0 ? 0 : e.hash >>> (32 - bits); j !== e.i; j = (j + 1) % tableSize) expect(img.table[j]!.slot1, `no empty entry between home and entry ${e.i}`).not.toBe(0);
  }
}

// ------------------------------------------------------------ the store

const latin = (s: string) => Buffer.from(s, 'latin1');

async function fill(dir: string, fsync: 'never' | 'always' = 'never'): Promise<Map<string, string>> {
  const model = new Map<string, string>();
  const store = await Store.open(dir, { create: true, segmentSize: 300, fsync });
  const put = async (k: string, v: string) => {
    await store.put(latin(k), latin(v));
    model.set(k, v);
  };
  await put('', 'the empty key');
  await put('empty value', '');
  for (let i = 0; i < 30; i++) await put(`key${i % 12}`, `value ${i} ${'x'.repeat(i)}`);
  await store.delete(latin('key3'));
  model.delete('key3');
  await store.batch([
    { type: 'put', key: latin('b1'), value: latin('one') },
    { type: 'delete', key: latin('key4') },
    { type: 'put', key: latin('b2'), value: latin('two') },
  ]);
  model.set('b1', 'one').set('b2', 'two').delete('key4');
  await store.batch([
    { type: 'put', key: latin('pair1'), value: latin('p') },
    { type: 'put', key: latin('pair2'), value: latin('q') },
  ]);
  model.set('pair1', 'p').set('pair2', 'q');
  await store.close();
  return model;
}

function valuesOf(segments: DecodedSegment[]): Map<string, string> {
  return new Map([...winners(segments)].map(([k, w]) => [k, w.rec.value.toString('latin1')]));
}

describe('docs/FORMAT.md decodes the files the engine writes', () => {
  it('a closed store: data segments, their hints and the keydir image', async () => {
    const dir = tempDir();
    const model = await fill(dir);
    const names = fs.readdirSync(dir).sort();
    const segments = readSegments(dir);
    expect(segments.length, 'the small segment size rotated').toBeGreaterThan(3);
    expect(names).toEqual([...segments.flatMap((s) => [s.name, s.name.replace('.data', '.hint')]), 'KEYDIR'].sort());
    for (const seg of segments) expect(seg.name).toBe(`${String(seg.id).padStart(6, '0')}.data`);

    expectSoundSegments(segments);
    for (const seg of segments) {
      expect(seg.dataEnd, `${seg.name}: a clean close leaves no preallocated zeros`).toBe(seg.size);
      expectHintDescribes(dir, seg);
    }
    expect(valuesOf(segments)).toEqual(model);
    // The batches as the doc draws them.
    const flat = segments.flatMap((s) => s.records);
    const batch = flat.filter((r) => r.flags !== 0);
    expect(batch.map((r) => [r.type, r.flags, r.key.toString('latin1')])).toEqual([
      [1, 0x03, 'b1'],
      [2, 0x01, 'key4'],
      [1, 0x05, 'b2'],
      [1, 0x03, 'pair1'],
      [1, 0x05, 'pair2'],
    ]);
    expect(new Set(batch.slice(0, 3).map((r) => segments.find((s) => s.records.includes(r))!.id)).size, 'a batch never spans segments').toBe(1);
    expectImageDescribes(dir, segments);
  });

  it('a segment of many keys: its hint in key-hash bucket order, an image of many pages', async () => {
    const dir = tempDir();
    const store = await Store.open(dir, { create: true, fsync: 'never' });
    const ops = Array.from({ length: 3000 }, (_, i) => ({ type: 'put' as const, key: `user:${i}`, value: `v${i}` }));
    for (let i = 0; i < ops.length; i += 500) await store.batch(ops.slice(i, i + 500));
    for (let i = 0; i < 3000; i += 7) await store.delete(`user:${i}`);
    await store.close();
    const segments = readSegments(dir);
    expect(segments.length).toBe(1);
    expectSoundSegments(segments);
    expectHintDescribes(dir, segments[0]!);
    expectImageDescribes(dir, segments);
    expect(winners(segments).size).toBe(3000 - Math.ceil(3000 / 7));
  });

  it("the doc's example record: put \"a\" = \"xy\" with sequence 7", async () => {
    const dir = tempDir();
    const store = await Store.open(dir, { create: true, fsync: 'never' });
    for (let i = 1; i < 7; i++) await store.put(`filler${i}`, '');
    await store.put('a', 'xy');
    await store.close();
    const [seg] = readSegments(dir);
    const rec = seg!.records.at(-1)!;
    const bytes = fs.readFileSync(path.join(dir, seg!.name)).subarray(rec.offset, rec.offset + rec.length);
    expect(bytes.length).toBe(25);
    expect(bytes.subarray(4).toString('hex')).toBe('01000700000000000000010000000200000061' + '7879');
  });

  it('a running writer: its LOCK line, and zeros ahead of a synced append', async () => {
    const dir = tempDir();
    const store = await Store.open(dir, { create: true, fsync: 'always' });
    try {
      await store.put('k', 'v');
      expect(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8')).toBe(`${process.pid} ${hostname()}\n`);
      const [seg] = readSegments(dir);
      expect(seg!.records.map((r) => r.key.toString())).toEqual(['k']);
      expect(seg!.size - seg!.dataEnd, 'zeros 4 KiB past the first append').toBe(4096);
    } finally {
      await store.close();
    }
    expect(fs.existsSync(path.join(dir, 'LOCK'))).toBe(false);
    const [seg] = readSegments(dir);
    expect(seg!.size, 'cut back to its data at a clean close').toBe(seg!.dataEnd);
  });

  it('a writer that reopens deletes the image and the hint of the segment it appends to', async () => {
    const dir = tempDir();
    await fill(dir);
    const newest = readSegments(dir).at(-1)!;
    const store = await Store.open(dir, { segmentSize: 300, fsync: 'never' });
    try {
      expect(fs.existsSync(path.join(dir, 'KEYDIR'))).toBe(false);
      expect(fs.existsSync(path.join(dir, newest.name.replace('.data', '.hint')))).toBe(false);
    } finally {
      await store.close();
    }
  });

  it('compaction: its outputs, the COMPACTION manifest at the commit point, and the directory after', async () => {
    const dir = tempDir();
    const model = await fill(dir);
    const before = readSegments(dir);
    const highest = Math.max(...before.flatMap((s) => s.records.map((r) => r.sequence)));
    const seen: Record<string, string[]> = {};
    let manifest: unknown;
    let outputsAtCommit: DecodedSegment[] = [];
    const store = await Store.open(dir, {
      segmentSize: 300,
      fsync: 'never',
      compactionHooks: {
        afterStep(step) {
          seen[step] = fs.readdirSync(dir).sort();
          if (step === 'manifest-committed') {
            manifest = JSON.parse(fs.readFileSync(path.join(dir, 'COMPACTION'), 'utf8'));
            outputsAtCommit = fs
              .readdirSync(dir)
              .filter((n) => /^\d{6,}\.data\.compacting$/.test(n))
              .map((name) => {
                const bytes = fs.readFileSync(path.join(dir, name));
                return { id: Number(name.slice(0, name.indexOf('.'))), name, size: bytes.length, header: segmentHeader(bytes), ...records(bytes) };
              });
          }
        },
      },
    });
    try {
      await store.compact();
    } finally {
      await store.close();
    }
    // Step 1: outputs *.data.compacting and *.hint.compacting, flag bit 0, sequenceFloor set.
    const compacting = seen['outputs-written']!.filter((n) => n.endsWith('.compacting'));
    expect(compacting.length).toBeGreaterThan(0);
    for (const n of compacting) expect(n).toMatch(/^\d{6,}\.(data|hint)\.compacting$/);
    expect(seen['outputs-written']).not.toContain('COMPACTION');
    // Step 2: the manifest, {"version":1,"inputs":[ids],"outputs":[ids]}.
    const inputIds = before.map((s) => s.id);
    expect(manifest).toEqual({ version: 1, inputs: inputIds, outputs: outputsAtCommit.map((s) => s.id).sort((a, b) => a - b) });
    for (const out of outputsAtCommit) {
      expect(out.header).toMatchObject({ magic: 'KVSD', flags: 1, segmentId: out.id, sequenceFloor: highest, headerCrcOk: true });
      expect(out.id).toBeGreaterThan(Math.max(...inputIds));
      for (const r of out.records) expect([r.type, r.flags], 'tombstones dropped, batch records copied with flags 0').toEqual([1, 0]);
    }
    // Steps 3–5: outputs renamed, inputs and their hints unlinked, the manifest unlinked.
    const after = readSegments(dir);
    expect(fs.readdirSync(dir).filter((n) => n.includes('compacting') || n === 'COMPACTION')).toEqual([]);
    for (const id of inputIds) expect(after.map((s) => s.id)).not.toContain(id);
    for (const out of outputsAtCommit) expect(after.map((s) => s.id)).toContain(out.id);
    expectSoundSegments(after);
    // The segment compaction started for the writes after it holds no record yet: a clean close writes it no hint.
    const empty = after.filter((s) => s.records.length === 0);
    expect(empty.map((s) => [s.size, s.header.flags])).toEqual([[24, 0]]);
    expect(fs.existsSync(path.join(dir, empty[0]!.name.replace('.data', '.hint')))).toBe(false);
    for (const seg of after) if (seg.records.length > 0) expectHintDescribes(dir, seg);
    expect(valuesOf(after)).toEqual(model);
    expectImageDescribes(dir, after);
  });
});
