/**
 * A mini-kvstore-v2 record of the 0.1 (b22e80f) or 0.2 (c548bfb) era whose
 * lengths run past the end of the segment. Before, it was one undecoded
 * "incomplete record" to the end of the file ("record needs 268 bytes but
 * only 128 are left"), its header not decoded: the hex view could not show
 * the length that runs over, nor the problem say which it is. Now its fields
 * are decoded as far as they lie in the file (as a304fea did for HEAD), the
 * length that runs over is marked, and the problem names the field.
 *
 * A damaged length in the MIDDLE of a segment was still "the write was cut
 * short", or, when it pointed inside the file, a bad CRC followed by bytes
 * read from the wrong place. Now, as in HEAD (a304fea), records found sound
 * after it make it a damaged length (corrupt, impossible-length) up to them,
 * and they decode (unread: the program stops the segment there). In the 0.1
 * era one record whose CRC (over key ‖ tomb ‖ value) checks out is enough; the
 * 0.2 era has no CRC, so sound records must run to the end of the file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/engine/crc.js';
import type { DecodedRecord } from '../../src/engine/formats/format.js';
import { decodeB22Segment, decodeC548Segment, miniKvstoreV2B22e80f, miniKvstoreV2C548bfb } from '../../src/engine/formats/mini-kvstore-v2.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { InspectorService } from '../../src/inspector/service.js';
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
    b.writeUInt32LE(250, 0);
    const bytes = Buffer.concat([a, b]);
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

/** A 0.2-era record: key_len:u64 · val_len:u64 · key · value (a delete: val_len u64::MAX, no value). */
function c548(key: string, value: string | null): Buffer {
  const k = Buffer.from(key);
  const v = Buffer.from(value ?? '');
  return Buffer.concat([u64(BigInt(k.length)), u64(value === null ? 0xffffffffffffffffn : BigInt(v.length)), k, v]);
}
const statuses = (records: DecodedRecord[]): [number, number, string, string, string | undefined][] =>
  records.map((r) => [r.offset, r.length, r.kind, r.status, r.problemKind]);

describe('a damaged length in the middle of a segment: the records after it recovered', () => {
  const a = b22('user', 'alice');
  const c = b22('greeting', 'hello world');
  const d = b22('gone', '', 1);
  /** a, b (its byte at `at` set to `value`), c, d: where each starts. */
  function b22Segment(at: number, value: number): { bytes: Buffer; o: number[] } {
    const b = b22('city', 'Paris');
    b[at] = value;
    const bytes = Buffer.concat([a, b, c, d]);
    return { bytes, o: [0, a.length, a.length + b.length, a.length + b.length + c.length] };
  }

  it('0.1 era, a key_len that runs past the end with records whose CRC checks out after it: a damaged length, not a cut-short write', () => {
    const { bytes, o } = b22Segment(0, 250);
    const records = decodeB22Segment(bytes);
    expect(statuses(records)).toEqual([
      [o[0], a.length, 'put', 'valid', undefined],
      [o[1], o[2]! - o[1]!, 'garbage', 'corrupt', 'impossible-length'],
      [o[2], c.length, 'put', 'valid', undefined],
      [o[3], d.length, 'delete', 'valid', undefined],
    ]);
    expect(records[1]!.problem).toBe(
      `record needs ${9 + 250 + 5 + 4} bytes (key_len 250, val_len 5), more than the ${bytes.length - o[1]!} left in the file, yet a record whose CRC checks out starts at ${o[2]}: a length is damaged, not a write cut short; the program stops reading this segment here`,
    );
    expect(fieldRows(records[1]!)).toEqual([
      ['key_len', o[1], o[1]! + 4, `250 (runs past the next sound record at ${o[2]})`],
      ['val_len', o[1]! + 4, o[1]! + 8, '5'],
      ['tombstone', o[1]! + 8, o[1]! + 9, '0 (live)'],
      ['undecodable bytes', o[1]! + 9, o[2], `${o[2]! - o[1]! - 9} bytes`],
    ]);
  });

  it('0.1 era, a val_len that points inside the file but short of the next record: a damaged length, where it was a bad CRC and then bytes read from the wrong place', () => {
    const { bytes, o } = b22Segment(4, 4); // val_len 5 -> 4: the record would end one byte early
    const records = decodeB22Segment(bytes);
    expect(statuses(records)).toEqual([
      [o[0], a.length, 'put', 'valid', undefined],
      [o[1], o[2]! - o[1]!, 'garbage', 'corrupt', 'impossible-length'],
      [o[2], c.length, 'put', 'valid', undefined],
      [o[3], d.length, 'delete', 'valid', undefined],
    ]);
    expect(records[1]!.problem).toMatch(
      new RegExp(`^record \\(key_len 4, val_len 4\\) would end at ${o[2]! - 1}, where no sound record starts, and its CRC does not check out \\(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\\), yet a record whose CRC checks out starts at ${o[2]}: a length is damaged`),
    );
    // Its fields as the header says, and the one byte left before the next record.
    expect(fieldRows(records[1]!).map(([name, start, end]) => [name, start, end])).toEqual([
      ['key_len', o[1], o[1]! + 4],
      ['val_len', o[1]! + 4, o[1]! + 8],
      ['tombstone', o[1]! + 8, o[1]! + 9],
      ['key', o[1]! + 9, o[1]! + 13],
      ['value', o[1]! + 13, o[1]! + 17],
      ['crc', o[1]! + 17, o[1]! + 21],
      ['undecodable bytes', o[1]! + 21, o[2]],
    ]);
  });

  it('0.1 era, a val_len that points inside the file past the next record: the val_len marked as running past it', () => {
    const { bytes, o } = b22Segment(4, 5 + 20);
    const records = decodeB22Segment(bytes);
    expect(statuses(records).map(([offset, length, , status]) => [offset, length, status])).toEqual([
      [o[0], a.length, 'valid'],
      [o[1], o[2]! - o[1]!, 'corrupt'],
      [o[2], c.length, 'valid'],
      [o[3], d.length, 'valid'],
    ]);
    expect(fieldRows(records[1]!).map(([name, , , display]) => [name, display])).toEqual([
      ['key_len', '4'],
      ['val_len', `25 (runs past the next sound record at ${o[2]})`],
      ['tombstone', '0 (live)'],
      ['key', '"city"'],
      ['undecodable bytes', `${o[2]! - o[1]! - 13} bytes`],
    ]);
  });

  it('0.1 era, a bad CRC whose lengths are right (the next record starts where it ends) is still a bad CRC, and decoding goes on there', () => {
    const { bytes, o } = b22Segment(9, 0x43); // 'c' of "city" -> 'C'
    expect(statuses(decodeB22Segment(bytes))).toEqual([
      [o[0], a.length, 'put', 'valid', undefined],
      [o[1], o[2]! - o[1]!, 'put', 'corrupt', 'bad-crc'],
      [o[2], c.length, 'put', 'valid', undefined],
      [o[3], d.length, 'delete', 'valid', undefined],
    ]);
  });

  it('0.1 era, a damaged length with nothing sound after it is still a cut-short write, or a bad CRC', () => {
    const last = b22('city', 'Paris');
    last.writeUInt32LE(250, 0);
    expect(statuses(decodeB22Segment(Buffer.concat([a, last])))[1]!.slice(3)).toEqual(['torn', 'torn-tail']);
    const short = b22('city', 'Paris');
    short.writeUInt32LE(4, 4);
    expect(statuses(decodeB22Segment(Buffer.concat([a, short])))[1]!.slice(3)).toEqual(['corrupt', 'bad-crc']);
  });

  it('0.2 era (no CRC), a key_len that runs past the end with sound records after it to the end: a damaged length', () => {
    const x = c548('user', 'alice');
    const y = c548('city', 'Paris');
    const z = c548('greeting', 'hello');
    const t = c548('gone', null);
    y.writeBigUInt64LE(250n, 0);
    const bytes = Buffer.concat([x, y, z, t]);
    const o = [0, x.length, x.length + y.length, x.length + y.length + z.length];
    const records = decodeC548Segment(bytes);
    expect(statuses(records)).toEqual([
      [o[0], x.length, 'put', 'valid', undefined],
      [o[1], y.length, 'garbage', 'corrupt', 'impossible-length'],
      [o[2], z.length, 'put', 'valid', undefined],
      [o[3], t.length, 'delete', 'valid', undefined],
    ]);
    expect(records[1]!.problem).toBe(
      `set record needs ${16 + 250 + 5} bytes (key_len 250, val_len 5), more than the ${bytes.length - o[1]!} left in the file, yet sound records follow from ${o[2]} to the end of the file: a length is damaged, not a write cut short; the program stops reading this segment here`,
    );
    expect(fieldRows(records[1]!).map(([name, , , display]) => [name, display])).toEqual([
      ['key_len', `250 (runs past the next sound record at ${o[2]})`],
      ['val_len', '5'],
      ['undecodable bytes', `${y.length - 16} bytes`],
    ]);
    // The record table decodes again from a row's offset: the same rows from the damaged one on.
    const file = { name: 'segment-0.dat', role: 'data' as const, id: 0, size: bytes.length };
    expect([...miniKvstoreV2C548bfb.decodeRecords(file, bytes, o[1])].map((r) => [r.offset, r.status])).toEqual(records.slice(1).map((r) => [r.offset, r.status]));
  });

  it('a damaged length detects as its era, as in HEAD', () => {
    const { bytes } = b22Segment(4, 4);
    const dir = temps.empty('kvscope-b22-damaged-');
    fs.mkdirSync(path.join(dir, 'data', 'segments'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'data', 'segments', 'segment_0.log'), bytes);
    const detection = miniKvstoreV2B22e80f.detect(dir)!;
    expect(detection.reason).toContain(`decodes cleanly but for one record with a damaged length (at ${a.length})`);
    expect(detection.confidence).toBeGreaterThanOrEqual(0.6);
  });
});

describe('the QA steps on the real fixtures', () => {
  it('b22e80f: val_len of segment_0.log\'s second record set inside the file: verify, records, the open\'s warnings and the record table say damaged length, the records after it unread', async () => {
    const dir = temps.fixture('mini-kvstore-v2/legacy-b22e80f-crc');
    const seg = path.join(dir, 'data', 'segments', 'segment_0.log');
    const bytes = fs.readFileSync(seg);
    bytes.writeUInt32LE(bytes.readUInt32LE(26) + 22, 26); // city's val_len 5 -> 27: ends inside the next record
    fs.writeFileSync(seg, bytes);

    const verify = await kvscope(['verify', '--dir', dir]);
    expect(verify.code).toBe(1);
    const problems = verify.out.filter((l) => l.includes('segment_0.log@'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/segment_0\.log@22  impossible-length  record \(key_len 4, val_len 27\) would end at 66, where no sound record starts, and its CRC does not check out .* yet a record whose CRC checks out starts at 44: a length is damaged/);

    const records = await kvscope(['records', '--segment', 'segment_0.log', '--dir', dir]);
    const rows = records.out.slice(1).map((l) => l.trim().split(/\s+/));
    expect(rows.map((r) => [r[0], r[2]])).toEqual([['0', 'put'], ['22', 'garbage'], ['44', 'put'], ['76', 'put'], ['95', 'put'], ['114', 'put']]);
    expect(rows.slice(2).map((r) => r.at(-2))).toEqual(['unread', 'unread', 'unread', 'unread']);

    const service = new InspectorService({ opener: createEngineOpener(), configDir: temps.empty('kvscope-b22-config-') });
    try {
      const open = await service.dispatch('openStore', { path: dir });
      expect(open.warnings.join('\n')).toMatch(/impossible-length in segment_0\.log at 22: .*a length is damaged.*; 4 later records not replayed/);
      expect(open.warnings.join('\n')).not.toMatch(/bad-crc|torn tail|cut short/);
      let page;
      do page = await service.dispatch('records', { sessionId: open.sessionId, file: 'segment_0.log', start: 0, limit: 100 });
      while (!page.complete);
      expect(page.rows.map((r) => [r.offset, r.status])).toEqual([[0, 'shadowed'], [22, 'corrupt'], [44, 'unread'], [76, 'unread'], [95, 'unread'], [114, 'unread']]);
      const detail = (await service.dispatch('recordAt', { sessionId: open.sessionId, file: 'segment_0.log', offset: 22 })).record!;
      expect(detail.fields.map((f) => [f.name, f.start, f.end])).toEqual([
        ['key_len', 22, 26],
        ['val_len', 26, 30],
        ['tombstone', 30, 31],
        ['key', 31, 35],
        ['undecodable bytes', 35, 44],
      ]);
      expect(detail.fields[1]!.display).toBe('27 (runs past the next sound record at 44)');
    } finally {
      await service.close();
    }
  });

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

    // The record after it (at 44) checks out: a damaged length, not a write cut short.
    const verify = await kvscope(['verify', '--dir', dir]);
    expect(verify.code).toBe(1);
    expect(verify.out.join('\n')).toContain(
      `segment_0.log@22  impossible-length  record needs 268 bytes (key_len 250, val_len 5), more than the ${bytes.length - 22} left in the file, yet a record whose CRC checks out starts at 44: a length is damaged, not a write cut short`,
    );
    expect(verify.out.join('\n')).not.toMatch(/cut short:|torn-tail/);

    const dump = await kvscope(['dump', '--segment', 'segment_0.log', '--json', '--dir', dir]);
    const row = dump.out.map((l) => JSON.parse(l) as DumpRow).find((r) => r.offset === 22)!;
    expect(row.fields.map((f) => [f.name, f.start, f.end])).toEqual([
      ['key_len', 22, 26],
      ['val_len', 26, 30],
      ['tombstone', 30, 31],
      ['undecodable bytes', 31, 44],
    ]);
    expect(row.fields[0]!.display).toBe('250 (runs past the next sound record at 44)');
  });

  it('c548bfb: val_len of segment-1.dat\'s first record set to 1 MiB: records names it, dump decodes its header', async () => {
    const dir = temps.fixture('mini-kvstore-v2/legacy-c548bfb-rotated');
    const seg = path.join(dir, 'data', 'segment-1.dat');
    const bytes = fs.readFileSync(seg);
    const keyLen = Number(bytes.readBigUInt64LE(0));
    bytes.writeBigUInt64LE(1n << 20n, 8);
    fs.writeFileSync(seg, bytes);

    // Its value was 65536 bytes: the next record (blob-c) starts where it ended, and sound records run from there to the end.
    const next = 16 + keyLen + 65536;
    const records = await kvscope(['records', '--segment', 'segment-1.dat', '--dir', dir]);
    expect(records.out[1]).toMatch(
      new RegExp(`^\\s+0\\s+${next} garbage .* corrupt\\s+set record needs \\d+ bytes \\(key_len ${keyLen}, val_len 1048576\\), more than the ${bytes.length} left in the file, yet sound records follow from ${next} to the end of the file: a length is damaged, not a write cut short`),
    );
    expect(records.out.slice(2).map((l) => l.trim().split(/\s+/).at(-2))).toEqual(Array(records.out.length - 2).fill('unread'));

    const dump = await kvscope(['dump', '--segment', 'segment-1.dat', '--json', '--dir', dir]);
    const row = JSON.parse(dump.out[0]!) as DumpRow;
    expect(row.fields.map((f) => [f.name, f.start, f.end])).toEqual([
      ['key_len', 0, 8],
      ['val_len', 8, 16],
      ['key', 16, 16 + keyLen],
      ['undecodable bytes', 16 + keyLen, next],
    ]);
    expect(row.fields[1]!.display).toBe(`1048576 (runs past the next sound record at ${next})`);
  });
});
