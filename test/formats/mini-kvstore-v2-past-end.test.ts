/**
 * A mini-kvstore-v2 record of the 0.1 (b22e80f) or 0.2 (c548bfb) era whose
 * lengths run past the end of the segment. Before, it was one undecoded
 * "incomplete record" to the end of the file ("record needs 268 bytes but
 * only 128 are left"), its header not decoded: the hex view could not show
 * the length that runs over, nor the problem say which it is. Now its fields
 * are decoded as far as they lie in the file (as a304fea did for HEAD), the
 * length that runs over is marked, and the problem names the field.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/engine/crc.js';
import type { DecodedRecord } from '../../src/engine/formats/format.js';
import { decodeB22Segment, decodeC548Segment } from '../../src/engine/formats/mini-kvstore-v2.js';
import { kvscope, tempDirs } from './helpers.js';

const temps = tempDirs();

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n, 0);
  return b;
}
function u64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n, 0);
  return b;
}
/** A 0.1-era record: key_len · val_len · tomb · key · value · crc over key ‖ tomb ‖ value. */
function b22(key: string, value: string, tomb = 0): Buffer {
  const k = Buffer.from(key);
  const v = Buffer.from(value);
  return Buffer.concat([u32(k.length), u32(v.length), Buffer.from([tomb]), k, v, u32(crc32(Buffer.concat([k, Buffer.from([tomb]), v])))]);
}
function fieldRows(r: DecodedRecord): [string, number, number, string][] {
  return r.fields.map((f) => [f.name, f.start, f.end, f.display]);
}

describe('a 0.1-era (b22e80f) record whose lengths run past the end, decoded', () => {
  it('a key_len that runs over: the header decoded, key_len marked, the key as far as the file goes, and the problem names it', () => {
    const a = b22('user', 'alice');
    const b = b22('city', 'Paris');
    const c = b22('count', '1');
    b.writeUInt32LE(250, 0);
    const bytes = Buffer.concat([a, b, c]);
    const records = decodeB22Segment(bytes);
    const o = a.length;
    expect(records.map((r) => [r.offset, r.length, r.status, r.problemKind])).toEqual([
      [0, a.length, 'valid', undefined],
      [o, bytes.length - o, 'torn', 'torn-tail'],
    ]);
    expect(records[1]!.problem).toBe(`record needs ${9 + 250 + 5 + 4} bytes but only ${bytes.length - o} are left (its key, key_len 250, runs past the end of the file): the write was cut short`);
    expect(fieldRows(records[1]!)).toEqual([
      ['key_len', o, o + 4, '250 (runs past the end of the file)'],
      ['val_len', o + 4, o + 8, '5'],
      ['tombstone', o + 8, o + 9, '0 (live)'],
      ['key', o + 9, bytes.length, expect.stringMatching(new RegExp(`^0x63697479.* \\(cut short: ${bytes.length - o - 9} of 250 bytes\\)$`))],
    ]);
    expect(records[1]!.fields.map((f) => f.role)).toEqual(['key-length', 'value-length', 'type', 'key']);
  });

  it('a val_len far past the end: an impossible length, val_len marked, the bytes after the key left undecoded', () => {
    const a = b22('k1', 'one');
    const b = b22('k2', 'two');
    b.writeUInt32LE(0x7fffffff, 4);
    const bytes = Buffer.concat([a, b]);
    const [, r] = decodeB22Segment(bytes);
    const o = a.length;
    expect(r).toMatchObject({ offset: o, length: b.length, status: 'corrupt', problemKind: 'impossible-length' });
    expect(r!.problem).toBe(`record claims ${9 + 2 + 0x7fffffff + 4} bytes, far more than the ${b.length} left in the file (its value, val_len 2147483647, runs past the end of the file)`);
    expect(fieldRows(r!)).toEqual([
      ['key_len', o, o + 4, '2'],
      ['val_len', o + 4, o + 8, '2147483647 (runs past the end of the file)'],
      ['tombstone', o + 8, o + 9, '0 (live)'],
      ['key', o + 9, o + 11, '"k2"'],
      ['undecodable bytes', o + 11, bytes.length, `${bytes.length - o - 11} bytes`],
    ]);
  });

  it('a write cut inside the trailing CRC: every length fits, the crc is what runs past', () => {
    const a = b22('k1', 'one');
    const b = b22('k2', 'two');
    const bytes = Buffer.concat([a, b]).subarray(0, a.length + b.length - 2);
    const [, r] = decodeB22Segment(bytes);
    const o = a.length;
    expect(r!.problem).toBe(`record needs ${b.length} bytes but only ${b.length - 2} are left (its crc runs past the end of the file): the write was cut short`);
    expect(fieldRows(r!)).toEqual([
      ['key_len', o, o + 4, '2'],
      ['val_len', o + 4, o + 8, '3'],
      ['tombstone', o + 8, o + 9, '0 (live)'],
      ['key', o + 9, o + 11, '"k2"'],
      ['value', o + 11, o + 14, '"two"'],
      ['incomplete record', o + 14, o + 16, '2 bytes'],
    ]);
  });
});

describe('a 0.2-era (c548bfb) record whose lengths run past the end, decoded', () => {
  it('a u64 key_len beyond 2^53: impossible, said in full, key_len marked', () => {
    const bytes = Buffer.concat([u64(1n << 60n), u64(1n), Buffer.from('xx')]);
    const [r] = decodeC548Segment(bytes);
    expect(r).toMatchObject({ offset: 0, length: 18, status: 'corrupt', problemKind: 'impossible-length' });
    expect(r!.problem).toBe('set record claims more than 2^53 bytes, far more than the 18 left in the file (its key, key_len 1152921504606846976, runs past the end of the file)');
    expect(fieldRows(r!)).toEqual([
      ['key_len', 0, 8, '1152921504606846976 (runs past the end of the file)'],
      ['val_len', 8, 16, '1'],
      ['undecodable bytes', 16, 18, '2 bytes'],
    ]);
  });

  it('a delete cut inside its key: val_len says delete, the key as far as written', () => {
    const bytes = Buffer.concat([u64(5n), u64(0xffffffffffffffffn), Buffer.from('tem')]);
    const [r] = decodeC548Segment(bytes);
    expect(r).toMatchObject({ status: 'torn', problemKind: 'torn-tail' });
    expect(r!.problem).toBe('delete record needs 21 bytes but only 19 are left (its key, key_len 5, runs past the end of the file): the write was cut short');
    expect(fieldRows(r!)).toEqual([
      ['key_len', 0, 8, '5 (runs past the end of the file)'],
      ['val_len', 8, 16, 'u64::MAX (delete)'],
      ['key', 16, 19, '"tem" (cut short: 3 of 5 bytes)'],
    ]);
  });
});

describe('the QA steps on the real fixtures', () => {
  interface DumpRow {
    offset: number;
    status: string;
    problem?: string;
    fields: { name: string; start: number; end: number; display: string }[];
  }

  it('b22e80f: key_len of segment_0.log\'s second record set to 250: verify names it, dump decodes its header', async () => {
    const dir = temps.fixture('mini-kvstore-v2/legacy-b22e80f-crc');
    const seg = path.join(dir, 'data', 'segments', 'segment_0.log');
    const bytes = fs.readFileSync(seg);
    bytes.writeUInt32LE(250, 22);
    fs.writeFileSync(seg, bytes);

    const verify = await kvscope(['verify', '--dir', dir]);
    expect(verify.code).toBe(1);
    expect(verify.out.join('\n')).toContain(`segment_0.log@22  torn-tail  record needs 268 bytes but only ${bytes.length - 22} are left (its key, key_len 250, runs past the end of the file)`);

    const dump = await kvscope(['dump', '--segment', 'segment_0.log', '--json', '--dir', dir]);
    const row = dump.out.map((l) => JSON.parse(l) as DumpRow).find((r) => r.offset === 22)!;
    expect(row.fields.map((f) => [f.name, f.start, f.end])).toEqual([
      ['key_len', 22, 26],
      ['val_len', 26, 30],
      ['tombstone', 30, 31],
      ['key', 31, bytes.length],
    ]);
    expect(row.fields[0]!.display).toBe('250 (runs past the end of the file)');
  });

  it('c548bfb: val_len of segment-1.dat\'s first record set to 1 MiB: records names it, dump decodes its header', async () => {
    const dir = temps.fixture('mini-kvstore-v2/legacy-c548bfb-rotated');
    const seg = path.join(dir, 'data', 'segment-1.dat');
    const bytes = fs.readFileSync(seg);
    const keyLen = Number(bytes.readBigUInt64LE(0));
    bytes.writeBigUInt64LE(1n << 20n, 8);
    fs.writeFileSync(seg, bytes);

    const records = await kvscope(['records', '--segment', 'segment-1.dat', '--dir', dir]);
    expect(records.out[1]).toMatch(/^\s+0\s+\d+ garbage .* torn\s+set record needs \d+ bytes but only \d+ are left \(its value, val_len 1048576, runs past the end of the file\)/);

    const dump = await kvscope(['dump', '--segment', 'segment-1.dat', '--json', '--dir', dir]);
    const row = JSON.parse(dump.out[0]!) as DumpRow;
    expect(row.fields.map((f) => [f.name, f.start, f.end])).toEqual([
      ['key_len', 0, 8],
      ['val_len', 8, 16],
      ['key', 16, 16 + keyLen],
      ['value', 16 + keyLen, bytes.length],
    ]);
    expect(row.fields[1]!.display).toBe('1048576 (runs past the end of the file)');
  });
});
