/**
 * The native decoder on hand-built bytes. Every offset below is computed by
 * hand from the format (docs/FORMAT.md), not from the layout tables, and the
 * CRCs come from zlib's CRC-32, not from the engine's.
 */
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { nativeFormat } from '../../src/engine/formats/native.js';
import type { DecodedRecord } from '../../src/engine/formats/format.js';

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

function segmentHeader(id: number, floor = 0, flags = 0): Buffer {
  const body = Buffer.concat([Buffer.from('KVSD'), u16(1), u16(flags), u32(id), u64(floor)]);
  return Buffer.concat([body, u32(crc32(body))]);
}

function record(type: number, flags: number, seq: number, key: string, value: string): Buffer {
  const body = Buffer.concat([Buffer.from([type, flags]), u64(seq), u32(Buffer.byteLength(key)), u32(Buffer.byteLength(value)), Buffer.from(key), Buffer.from(value)]);
  return Buffer.concat([u32(crc32(body)), body]);
}

const ranges = (r: DecodedRecord): Array<[string, number, number]> => r.fields.map((f) => [f.name, f.start, f.end]);

function expectTiles(r: DecodedRecord): void {
  let at = r.offset;
  for (const f of r.fields) {
    expect(f.start, `${r.kind}@${r.offset} ${f.name}`).toBe(at);
    expect(f.end).toBeGreaterThanOrEqual(f.start);
    at = f.end;
  }
  expect(at, `${r.kind}@${r.offset} ends`).toBe(r.offset + r.length);
}

const dataFile = (bytes: Buffer) => ({ name: '000001.data', role: 'data' as const, id: 1, size: bytes.length });

describe('native decoder', () => {
  it('zlib crc32 is the standard CRC-32 (check value)', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
  });

  it('decodes a segment header, a put and a tombstone with exact field ranges', () => {
    const bytes = Buffer.concat([segmentHeader(1, 7), record(1, 0, 8, 'ab', 'xyz'), record(2, 0, 9, 'ab', '')]);
    expect(bytes.length).toBe(24 + 27 + 24);
    const records = nativeFormat.decodeFile(dataFile(bytes), bytes);
    expect(records.map((r) => [r.kind, r.status, r.offset, r.length])).toEqual([
      ['header', 'valid', 0, 24],
      ['put', 'valid', 24, 27],
      ['delete', 'valid', 51, 24],
    ]);
    const [header, put, del] = records as [DecodedRecord, DecodedRecord, DecodedRecord];
    expect(ranges(header)).toEqual([
      ['magic', 0, 4],
      ['version', 4, 6],
      ['flags', 6, 8],
      ['segmentId', 8, 12],
      ['sequenceFloor', 12, 20],
      ['headerCrc', 20, 24],
    ]);
    expect(header.fields.find((f) => f.name === 'sequenceFloor')!.display).toBe('7');
    expect(ranges(put)).toEqual([
      ['crc', 24, 28],
      ['type', 28, 29],
      ['flags', 29, 30],
      ['sequence', 30, 38],
      ['keyLength', 38, 42],
      ['valueLength', 42, 46],
      ['key', 46, 48],
      ['value', 48, 51],
    ]);
    expect(Buffer.from(put.key!).toString()).toBe('ab');
    expect(put.sequence).toBe(8);
    expect(put.valueOffset).toBe(48);
    expect(put.valueLength).toBe(3);
    expect(bytes.subarray(put.valueOffset!, put.valueOffset! + put.valueLength!).toString()).toBe('xyz');
    expect(put.storedCrc).toBe(bytes.readUInt32LE(24));
    expect(put.computedCrc).toBe(put.storedCrc);
    expect(ranges(del)).toEqual([
      ['crc', 51, 55],
      ['type', 55, 56],
      ['flags', 56, 57],
      ['sequence', 57, 65],
      ['keyLength', 65, 69],
      ['valueLength', 69, 73],
      ['key', 73, 75],
      ['value', 75, 75],
    ]);
    expect(del.sequence).toBe(9);
    expect(del.valueOffset).toBeUndefined();
    for (const r of records) expectTiles(r);
  });

  it('shows batch flags, a corrupt region and a torn tail at their byte ranges', () => {
    const good = record(1, 0x03, 1, 'k', 'v1');
    const bad = record(1, 0x05, 2, 'k2', 'v2');
    bad[bad.length - 1]! ^= 0xff; // value byte: CRC mismatch
    const next = record(1, 0, 3, 'k3', 'v3');
    const torn = record(1, 0, 4, 'k4', 'value4').subarray(0, 10);
    const bytes = Buffer.concat([segmentHeader(1), good, bad, next, torn]);
    const records = nativeFormat.decodeFile(dataFile(bytes), bytes);
    const a = 24;
    const b = a + good.length;
    const c = b + bad.length;
    const d = c + next.length;
    expect(records.map((r) => [r.kind, r.status, r.offset, r.length])).toEqual([
      ['header', 'valid', 0, 24],
      ['put', 'valid', a, good.length],
      ['garbage', 'corrupt', b, bad.length],
      ['put', 'valid', c, next.length],
      ['garbage', 'torn', d, 10],
    ]);
    expect(records[1]!.fields.find((f) => f.name === 'flags')!.display).toMatch(/0x03.*first/);
    for (const r of records) expectTiles(r);
  });

  it('marks a damaged segment header corrupt and still decodes the records', () => {
    const header = segmentHeader(1);
    header[9]! ^= 0x01;
    const bytes = Buffer.concat([header, record(1, 0, 1, 'a', 'b')]);
    const records = nativeFormat.decodeFile(dataFile(bytes), bytes);
    expect(records.map((r) => [r.kind, r.status, r.offset])).toEqual([
      ['header', 'corrupt', 0],
      ['put', 'valid', 24],
    ]);
  });

  it('decodes a hint file with entries and a trailer', () => {
    const entry = (type: number, seq: number, offset: number, length: number, key: string): Buffer =>
      Buffer.concat([Buffer.from([type, 0]), u64(seq), u32(offset), u32(length), u32(Buffer.byteLength(key)), Buffer.from(key)]);
    const head = Buffer.concat([Buffer.from('KVSH'), u16(1), u16(0), u32(1), u64(75)]);
    const body = Buffer.concat([head, entry(1, 8, 24, 27, 'ab'), entry(2, 9, 51, 24, 'ab'), u32(2)]);
    const bytes = Buffer.concat([body, u32(crc32(body))]);
    expect(bytes.length).toBe(20 + 24 + 24 + 8);
    const records = nativeFormat.decodeFile({ name: '000001.hint', role: 'hint', id: 1, size: bytes.length }, bytes);
    expect(records.map((r) => [r.kind, r.status, r.offset, r.length])).toEqual([
      ['header', 'valid', 0, 20],
      ['hint', 'valid', 20, 24],
      ['hint', 'valid', 44, 24],
      ['trailer', 'valid', 68, 8],
    ]);
    expect(ranges(records[0]!)).toEqual([
      ['magic', 0, 4],
      ['version', 4, 6],
      ['flags', 6, 8],
      ['segmentId', 8, 12],
      ['dataSize', 12, 20],
    ]);
    expect(ranges(records[1]!)).toEqual([
      ['type', 20, 21],
      ['flags', 21, 22],
      ['sequence', 22, 30],
      ['offset', 30, 34],
      ['recordLength', 34, 38],
      ['keyLength', 38, 42],
      ['key', 42, 44],
    ]);
    expect(records[2]!.sequence).toBe(9);
    expect(ranges(records[3]!)).toEqual([
      ['entryCount', 68, 72],
      ['crc', 72, 76],
    ]);
    expect(records[3]!.fields[0]!.display).toBe('2');
    for (const r of records) expectTiles(r);

    // One flipped bit anywhere makes the whole hint unusable, shown as one damaged region.
    const damaged = Buffer.from(bytes);
    damaged[40]! ^= 0x04;
    const bad = nativeFormat.decodeFile({ name: '000001.hint', role: 'hint', id: 1, size: damaged.length }, damaged);
    expect(bad.map((r) => [r.kind, r.status, r.offset, r.length])).toEqual([['garbage', 'corrupt', 0, 76]]);
  });
});
