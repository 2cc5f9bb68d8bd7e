/**
 * The keydir image decoded for the record table and the hex pane: every key
 * of the store as a slot row pointing where the store says its record is,
 * rows and fields that tile the file, and damage shown, not thrown.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { SLOT_WORDS } from '../../src/engine/keydir.js';
import { IMAGE_SLOT } from '../../src/engine/native/layout.js';
import { nativeFormat } from '../../src/engine/formats/native.js';
import type { DecodedRecord } from '../../src/engine/formats/format.js';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';

afterEach(cleanTempDirs);

/** Segments 1 and 2 sealed, 3 active; some keys overwritten, some deleted (their slots freed). */
async function closedStore(): Promise<{ dir: string; live: Map<string, { segment: number; offset: number; length: number; sequence: number }> }> {
  const dir = tempDir() + '/s';
  const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 600 });
  for (let i = 0; i < 30; i++) await store.put(`key-${i}`, `value-${i}`);
  for (let i = 0; i < 30; i += 3) await store.put(`key-${i}`, `again-${i}`);
  for (let i = 1; i < 30; i += 7) await store.delete(`key-${i}`);
  expect(await store.flushBackground()).toEqual([]);
  const live = new Map<string, { segment: number; offset: number; length: number; sequence: number }>();
  for (const key of store.sortedKeys()) {
    const { segment, offset, length, sequence } = store.locate(key)!;
    live.set(key, { segment, offset, length, sequence });
  }
  await store.close();
  return { dir, live };
}

function decode(dir: string): DecodedRecord[] {
  const file = nativeFormat.listFiles(dir).find((f) => f.role === 'keydir');
  expect(file, 'the keydir image is listed, as role keydir').toMatchObject({ name: 'KEYDIR' });
  return nativeFormat.decodeFile(file!, fs.readFileSync(path.join(dir, 'KEYDIR')));
}

const field = (r: DecodedRecord, name: string) => r.fields.find((f) => f.name === name)!.display;

describe('native keydir image decoder', () => {
  it('lists the image after the segments and their hints', async () => {
    const { dir } = await closedStore();
    const files = nativeFormat.listFiles(dir).map((f) => `${f.name}:${f.role}`);
    expect(files.at(-1)).toBe('KEYDIR:keydir');
    expect(files[0]).toBe('000001.data:data');
  });

  it('has a slot row per key, pointing where the store found its record', async () => {
    const { dir, live } = await closedStore();
    const rows = decode(dir);
    const keys = rows.filter((r) => r.kind === 'slot' && r.key !== undefined);
    expect(keys.map((r) => Buffer.from(r.key!).toString()).sort()).toEqual([...live.keys()].sort());
    for (const r of keys) {
      const want = live.get(Buffer.from(r.key!).toString())!;
      expect(r.sequence).toBe(want.sequence);
      expect(field(r, 'segment')).toBe(`${want.segment} (${String(want.segment).padStart(6, '0')}.data)`);
      expect([field(r, 'offset'), field(r, 'recordLength')]).toEqual([String(want.offset), String(want.length)]);
      expect(r.status).toBe('valid');
    }
    const header = rows[0]!;
    expect(header.kind).toBe('header');
    const freeSlots = Number(field(header, 'freeSlotCount'));
    expect(freeSlots).toBeGreaterThan(0);
    const free = rows.filter((r) => r.kind === 'slot' && r.key === undefined);
    expect(free).toHaveLength(freeSlots);
    expect(free.every((r) => field(r, 'keyLength') === '0xffffffff (free slot)')).toBe(true);
    expect(free.every((r) => r.label === 'free slot')).toBe(true);
    expect(rows.filter((r) => r.kind === 'slot' && r.key !== undefined).every((r) => r.label === undefined)).toBe(true);
    // One row per segment the image describes, after the header.
    const segmentRows = rows.filter((r, i) => i > 0 && r.kind === 'header');
    expect(segmentRows.map((r) => field(r, 'id'))).toEqual(['1 (000001.data)', '2 (000002.data)', '3 (000003.data)']);
    expect(segmentRows.map((r) => field(r, 'dataSize'))).toEqual(['000001.data', '000002.data', '000003.data'].map((f) => String(fs.statSync(path.join(dir, f)).size)));
  });

  it('tiles the file: rows back to back from 0 to its end, fields back to back within each row', async () => {
    const { dir } = await closedStore();
    const rows = decode(dir);
    let at = 0;
    for (const r of rows) {
      expect(r.offset, `${r.kind} row`).toBe(at);
      let f = r.offset;
      for (const x of r.fields) {
        expect([x.name, x.start]).toEqual([x.name, f]);
        f = x.end;
      }
      expect(f, `${r.kind} row at ${r.offset}`).toBe(r.offset + r.length);
      at += r.length;
    }
    expect(at).toBe(fs.statSync(path.join(dir, 'KEYDIR')).size);
    expect(rows.at(-1)).toMatchObject({ kind: 'trailer', status: 'valid' });
    expect(rows.filter((r) => r.kind === 'section').map((r) => r.fields[0]!.name)).toEqual(['free slots', 'hash table', 'key bytes', 'page checksums']);
    expect(rows.every((r) => r.status === 'valid')).toBe(true);
    expect(field(rows[0]!, 'version')).toBe('2');
  });

  it('a slot is the keydir’s eight u32 words', () => {
    expect(IMAGE_SLOT.size).toBe(SLOT_WORDS * 4);
  });

  it('shows damage instead of throwing: a bad checksum, a key outside the key bytes, a short file', async () => {
    const { dir } = await closedStore();
    const good = fs.readFileSync(path.join(dir, 'KEYDIR'));
    const slotsAt = 40 + good.readUInt32LE(12) * 48;
    const arenaAt = slotsAt + good.readUInt32LE(16) * 32 + good.readUInt32LE(20) * 4 + good.readUInt32LE(24) * 8;
    const pageSumsAt = arenaAt + good.readUInt32LE(28);
    const flipped = Buffer.from(good);
    flipped[arenaAt + 2]! ^= 1; // a key byte
    const rows = nativeFormat.decodeFile({ name: 'KEYDIR', role: 'keydir', id: -1, size: flipped.length }, flipped);
    expect(rows.at(-1)).toMatchObject({ kind: 'trailer', status: 'corrupt', problemKind: 'bad-hint' });
    expect(rows.at(-1)!.storedCrc).not.toBe(rows.at(-1)!.computedCrc);

    // A page checksum that does not match its page, the image's checksum made right: that row says so.
    const wrongSum = Buffer.from(good);
    wrongSum.writeUInt32LE((wrongSum.readUInt32LE(pageSumsAt) ^ 0x100) >>> 0, pageSumsAt);
    wrongSum.writeUInt32LE(zlibCrc32(wrongSum.subarray(0, wrongSum.length - 4)), wrongSum.length - 4);
    const sums = nativeFormat.decodeFile({ name: 'KEYDIR', role: 'keydir', id: -1, size: wrongSum.length }, wrongSum);
    expect(sums.filter((r) => r.status !== 'valid').map((r) => [r.kind, r.offset, r.problemKind])).toEqual([['section', pageSumsAt, 'bad-hint']]);
    expect(sums.find((r) => r.status !== 'valid')!.problem).toContain('1 page checksum');
    // The header's seed changed, the image's checksum made right: the header's own checksum says so.
    const seed = Buffer.from(good);
    seed.writeUInt32LE((seed.readUInt32LE(8) ^ 1) >>> 0, 8);
    seed.writeUInt32LE(zlibCrc32(seed.subarray(0, seed.length - 4)), seed.length - 4);
    const header = nativeFormat.decodeFile({ name: 'KEYDIR', role: 'keydir', id: -1, size: seed.length }, seed);
    expect(header.filter((r) => r.status !== 'valid').map((r) => [r.kind, r.offset, r.problemKind])).toEqual([['header', 0, 'bad-hint']]);
    expect(field(header[0]!, 'headerCrc')).toContain('computed');

    const outside = Buffer.from(good);
    const firstUsed = rows.findIndex((r) => r.kind === 'slot' && r.key !== undefined);
    const slotAt = rows[firstUsed]!.offset;
    expect((slotAt - slotsAt) % 32).toBe(0);
    outside.writeUInt32LE(outside.readUInt32LE(28) + 1, slotAt + IMAGE_SLOT.keyAt); // keyAt past the key bytes
    const bad = nativeFormat.decodeFile({ name: 'KEYDIR', role: 'keydir', id: -1, size: outside.length }, outside);
    expect(bad[firstUsed]).toMatchObject({ kind: 'slot', status: 'corrupt' });
    expect(bad[firstUsed]!.problem).toContain('outside');

    for (const cut of [0, 10, 44, good.length - 1]) {
      const short = good.subarray(0, cut);
      const r = nativeFormat.decodeFile({ name: 'KEYDIR', role: 'keydir', id: -1, size: cut }, short);
      expect(r, `cut at ${cut}`).toHaveLength(1);
      expect(r[0]).toMatchObject({ offset: 0, length: cut, kind: 'garbage', status: 'corrupt' });
    }
  });
});
