/**
 * A mini-kvstore-v2 (HEAD) record whose key_len or val_len runs past the end
 * of the segment. Before, it was always "the write was cut short", one
 * opaque "incomplete record" to the end of the file, its header not decoded:
 * the hex view could not show the bad length, and a corrupt length in the
 * middle of a segment (sound records after it) was called a torn write.
 *
 * Now its fields are decoded as far as they go (op, key_len, and on), and
 * when sound records follow it exactly to the end of the file it is a
 * damaged length (corrupt, impossible-length) up to them, not a torn tail;
 * those records are decoded, and the replay (which stops the segment at the
 * damage, as the program does) lists them as never read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DecodedRecord } from '../../src/engine/formats/format.js';
import { decodeHeadSegment, miniKvstoreV2 } from '../../src/engine/formats/mini-kvstore-v2.js';
import { kvscope, tempDirs } from './helpers.js';

const temps = tempDirs();

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n, 0);
  return b;
}
const set = (k: string, v: string): Buffer => Buffer.concat([Buffer.from([0]), u32(Buffer.byteLength(k)), Buffer.from(k), u32(Buffer.byteLength(v)), Buffer.from(v)]);
const del = (k: string): Buffer => Buffer.concat([Buffer.from([1]), u32(Buffer.byteLength(k)), Buffer.from(k)]);

function fieldRows(r: DecodedRecord): [string, number, number, string][] {
  return r.fields.map((f) => [f.name, f.start, f.end, f.display]);
}

describe('a HEAD record whose lengths run past the end of the segment, decoded', () => {
  it('with sound records after it to the end: a damaged length, its header decoded, and decoding goes on', () => {
    const a = set('count', '3');
    const b = set('café', 'crème brûlée');
    const c = set('user', 'bob');
    const d = del('temp');
    b.writeUInt32LE(250, 1); // key_len 4 -> 250
    const bytes = Buffer.concat([a, b, c, d]);
    const records = decodeHeadSegment(bytes);
    const at = [0, a.length, a.length + b.length, a.length + b.length + c.length];
    expect(records.map((r) => [r.offset, r.length, r.kind, r.status, r.problemKind])).toEqual([
      [at[0], a.length, 'put', 'valid', undefined],
      [at[1], b.length, 'garbage', 'corrupt', 'impossible-length'],
      [at[2], c.length, 'put', 'valid', undefined],
      [at[3], d.length, 'delete', 'valid', undefined],
    ]);
    const damaged = records[1]!;
    expect(fieldRows(damaged)).toEqual([
      ['op', at[1]!, at[1]! + 1, '0 (set)'],
      ['key_len', at[1]! + 1, at[1]! + 5, `250 (runs past the next sound record at ${at[2]})`],
      ['undecodable bytes', at[1]! + 5, at[2]!, `${b.length - 5} bytes`],
    ]);
    expect(damaged.fields.find((f) => f.name === 'key_len')!.role).toBe('key-length');
    expect(damaged.problem).toMatch(/key_len 250.*sound records follow from \d+ to the end of the file: a length is damaged, not a write cut short/);
    expect(damaged.problem).not.toMatch(/the write was cut short/);
    // The record table decodes again from a row's offset.
    const file = { name: 'segment-2.dat', role: 'data' as const, id: 2, size: bytes.length };
    expect([...miniKvstoreV2.decodeRecords(file, bytes, at[1])].map((r) => r.offset)).toEqual(at.slice(1));
  });

  it('a damaged val_len: key and val_len decoded, the val_len shown running over', () => {
    const a = set('k1', 'one');
    const b = set('k2', 'two');
    const c = set('k3', 'three');
    b.writeUInt32LE(0x01000000, 1 + 4 + 2);
    const records = decodeHeadSegment(Buffer.concat([a, b, c]));
    expect(records.map((r) => r.status)).toEqual(['valid', 'corrupt', 'valid']);
    expect(fieldRows(records[1]!).map(([name, , , display]) => [name, display])).toEqual([
      ['op', '0 (set)'],
      ['key_len', '2'],
      ['key', '"k2"'],
      ['val_len', `16777216 (runs past the next sound record at ${a.length + b.length})`],
      ['undecodable bytes', '3 bytes'],
    ]);
  });

  it('a write cut short (nothing sound after it): still a torn tail, its fields decoded as far as written', () => {
    const a = set('count', '3');
    const b = set('café', 'crème');
    const bytes = Buffer.concat([a, b]).subarray(0, a.length + 1 + 4 + 5 + 4 + 2);
    const records = decodeHeadSegment(bytes);
    expect(records.map((r) => [r.offset, r.length, r.status, r.problemKind])).toEqual([
      [0, a.length, 'valid', undefined],
      [a.length, bytes.length - a.length, 'torn', 'torn-tail'],
    ]);
    expect(records[1]!.problem).toBe(`set record (key_len 5, val_len 6) needs 20 bytes but only ${bytes.length - a.length} are left: the write was cut short`);
    const o = a.length;
    expect(fieldRows(records[1]!)).toEqual([
      ['op', o, o + 1, '0 (set)'],
      ['key_len', o + 1, o + 5, '5'],
      ['key', o + 5, o + 10, '"café"'],
      ['val_len', o + 10, o + 14, '6 (runs past the end of the file)'],
      ['value', o + 14, o + 16, '"cr" (cut short: 2 of 6 bytes)'],
    ]);
  });
});

describe('the QA steps: key_len of the second record of segment-2.dat flipped', () => {
  it('verify, records and dump show a damaged length with its header decoded, not a cut-short write', async () => {
    const dir = temps.fixture('mini-kvstore-v2/segments');
    const seg = path.join(dir, 'db', 'segment-2.dat');
    const bytes = fs.readFileSync(seg);
    bytes[16] ^= 0xff;
    fs.writeFileSync(seg, bytes);

    const verify = await kvscope(['verify', '--dir', dir]);
    expect(verify.code).toBe(1);
    const problem = verify.out.find((l) => l.includes('segment-2.dat@15'));
    expect(problem).toMatch(/impossible-length\s+set record needs 259 bytes \(key_len 250\), more than the 129 left in the file, yet sound records follow from 48/);
    expect(problem).not.toMatch(/the write was cut short/);

    const records = await kvscope(['records', '--segment', 'segment-2.dat', '--dir', dir]);
    expect(records.out.find((l) => /^\s+15\s/.test(l))).toMatch(/^\s+15\s+33 garbage .* corrupt\s+set record needs 259 bytes/);
    // The records after it decode; the program stops reading the segment at the damage, so they are never read.
    expect(records.out.slice(3).map((l) => l.trim().split(/\s+/).at(-2))).toEqual(['unread', 'unread', 'unread', 'unread', 'unread', 'unread']);

    const dump = await kvscope(['dump', '--segment', '2', '--json', '--dir', dir]);
    const row = dump.out.map((l) => JSON.parse(l) as { offset: number; fields: { name: string; start: number; end: number; display: string }[] }).find((r) => r.offset === 15)!;
    expect(row.fields.map((f) => [f.name, f.start, f.end, f.display])).toEqual([
      ['op', 15, 16, '0 (set)'],
      ['key_len', 16, 20, '250 (runs past the next sound record at 48)'],
      ['undecodable bytes', 20, 48, '28 bytes'],
    ]);
  });

  it('a damaged length in the first segment still detects as this layout (as a cut-short last record does)', () => {
    const dir = temps.fixture('mini-kvstore-v2/segments');
    const seg = path.join(dir, 'db', 'segment-1.dat');
    const bytes = fs.readFileSync(seg);
    bytes[20] ^= 0xff; // key_len of the second record
    fs.writeFileSync(seg, bytes);
    const detection = miniKvstoreV2.detect(dir)!;
    expect(detection.confidence).toBeGreaterThanOrEqual(0.6);
    expect(detection.reason).toContain('decodes cleanly but for one record with a damaged length (at 18)');
  });
});
