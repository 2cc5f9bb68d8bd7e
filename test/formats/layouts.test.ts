/**
 * Hand-built bytes for the mini-kvstore-v2 eras and the text formats: exact
 * field ranges, and the replay quirks of each real program.
 */
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/engine/crc.js';
import type { DecodedRecord } from '../../src/engine/formats/format.js';
import { fixedSize, headerOffset, layoutFields } from '../../src/engine/formats/field-layout.js';
import { decodeWal } from '../../src/engine/formats/kvdb.js';
import { decodeDefaultJson } from '../../src/engine/formats/kvstore-rs.js';
import { decodeB22Segment, decodeC548Segment, decodeHeadSegment } from '../../src/engine/formats/mini-kvstore-v2.js';
import { decodeStoreLog } from '../../src/engine/formats/tiny-log-kv.js';

function ranges(r: DecodedRecord): [string, number, number][] {
  return r.fields.map((f) => [f.name, f.start, f.end]);
}
function text(bytes: Uint8Array | undefined): string | undefined {
  return bytes && Buffer.from(bytes).toString('utf8');
}
function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n, 0);
  return b;
}
function u64le(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n, 0);
  return b;
}

describe('field-layout', () => {
  const specs = [
    { name: 'a', role: 'crc', size: 4, explain: '' },
    { name: 'b', role: 'key-length', size: 2, explain: '' },
    { name: 'key', role: 'key', size: -1, explain: '' },
    { name: 'pad', role: 'padding', size: -1, explain: '' },
    { name: 'tail', role: 'crc', size: 4, explain: '' },
  ] as const;

  it('computes the fixed header and its offsets from the table', () => {
    expect(fixedSize(specs)).toBe(6);
    expect(headerOffset(specs, 'b')).toBe(4);
    expect(() => headerOffset(specs, 'nope')).toThrow();
  });

  it('tiles from the start offset, dropping empty non-key fields but keeping an empty key', () => {
    const fields = layoutFields(specs, 100, { key: { display: '""', size: 0 } });
    expect(fields.map((f) => [f.name, f.start, f.end])).toEqual([
      ['a', 100, 104],
      ['b', 104, 106],
      ['key', 106, 106],
      ['tail', 106, 110],
    ]);
  });
});

describe('mini-kvstore-v2 HEAD', () => {
  it('lays out set and delete records', () => {
    const set = Buffer.concat([Buffer.from([0]), u32le(2), Buffer.from('ab'), u32le(3), Buffer.from('xyz')]);
    const del = Buffer.concat([Buffer.from([1]), u32le(1), Buffer.from('k')]);
    const records = decodeHeadSegment(Buffer.concat([set, del]));
    expect(ranges(records[0]!)).toEqual([
      ['op', 0, 1],
      ['key_len', 1, 5],
      ['key', 5, 7],
      ['val_len', 7, 11],
      ['value', 11, 14],
    ]);
    expect(records[0]).toMatchObject({ kind: 'put', valueOffset: 11, valueLength: 3 });
    expect(ranges(records[1]!)).toEqual([
      ['op', 14, 15],
      ['key_len', 15, 19],
      ['key', 19, 20],
    ]);
    expect(records[1]!.kind).toBe('delete');
  });

  it('stops at an unknown op byte with one corrupt record to the end', () => {
    const set = Buffer.concat([Buffer.from([0]), u32le(1), Buffer.from('a'), u32le(1), Buffer.from('b')]);
    const records = decodeHeadSegment(Buffer.concat([set, Buffer.from([9, 1, 2, 3]), set]));
    expect(records.map((r) => [r.offset, r.length, r.status, r.problemKind])).toEqual([
      [0, 11, 'valid', undefined],
      [11, 15, 'corrupt', 'bad-header'],
    ]);
  });
});

describe('mini-kvstore-v2 b22e80f', () => {
  function rec(key: string, value: string, tomb = 0): Buffer {
    const k = Buffer.from(key);
    const v = Buffer.from(value);
    const crc = crc32(Buffer.concat([k, Buffer.from([tomb]), v]));
    return Buffer.concat([u32le(k.length), u32le(v.length), Buffer.from([tomb]), k, v, u32le(crc)]);
  }

  it('lays out a record with its trailing CRC', () => {
    const records = decodeB22Segment(Buffer.concat([rec('ab', 'xyz'), rec('ab', '', 1)]));
    expect(ranges(records[0]!)).toEqual([
      ['key_len', 0, 4],
      ['val_len', 4, 8],
      ['tombstone', 8, 9],
      ['key', 9, 11],
      ['value', 11, 14],
      ['crc', 14, 18],
    ]);
    expect(records[0]).toMatchObject({ kind: 'put', status: 'valid', valueOffset: 11, valueLength: 3 });
    expect(records[1]).toMatchObject({ kind: 'delete', status: 'valid', offset: 18 });
    expect(records[1]!.valueOffset).toBeUndefined();
  });

  it('reports a bad CRC or a bad tombstone flag as corrupt, with no value to read', () => {
    const badCrc = rec('ab', 'xyz');
    badCrc[badCrc.length - 1]! ^= 0xff;
    const badFlag = rec('cd', 'uvw', 2);
    const records = decodeB22Segment(Buffer.concat([badCrc, badFlag]));
    expect(records[0]).toMatchObject({ kind: 'put', status: 'corrupt', problemKind: 'bad-crc', offset: 0, length: 18 });
    expect(records[0]!.problem).toMatch(/^stored CRC 0x[0-9a-f]{8} does not match computed 0x[0-9a-f]{8}: the program stops reading/);
    expect(records[0]!.valueOffset).toBeUndefined();
    expect(records[0]!.fields.at(-1)!.display).toMatch(/ \(computed 0x[0-9a-f]{8}\)$/);
    expect(records[1]).toMatchObject({ kind: 'put', status: 'corrupt', problemKind: 'bad-header', problem: 'tombstone flag 2 is neither 0 nor 1', offset: 18 });
    expect(records[1]!.valueOffset).toBeUndefined();
    expect(records[1]!.fields.find((f) => f.name === 'tombstone')!.display).toBe('2 (invalid)');
  });

  it('matches the CRC the real program wrote (fixture bytes)', () => {
    // First record of legacy-b22e80f-crc segment_0.log: user=alice.
    const bytes = Buffer.from('04000000050000000075736572616c6963653dfd9438', 'hex');
    expect(decodeB22Segment(bytes)[0]).toMatchObject({ status: 'valid', storedCrc: 0x3894fd3d });
  });
});

describe('mini-kvstore-v2 c548bfb', () => {
  it('lays out set and delete (val_len = u64::MAX) records', () => {
    const set = Buffer.concat([u64le(2n), u64le(3n), Buffer.from('abxyz')]);
    const del = Buffer.concat([u64le(1n), u64le(0xffffffffffffffffn), Buffer.from('k')]);
    const records = decodeC548Segment(Buffer.concat([set, del]));
    expect(ranges(records[0]!)).toEqual([
      ['key_len', 0, 8],
      ['val_len', 8, 16],
      ['key', 16, 18],
      ['value', 18, 21],
    ]);
    expect(ranges(records[1]!)).toEqual([
      ['key_len', 21, 29],
      ['val_len', 29, 37],
      ['key', 37, 38],
    ]);
    expect(records.map((r) => r.kind)).toEqual(['put', 'delete']);
  });

  it('reports absurd lengths as impossible without allocating them', () => {
    const records = decodeC548Segment(Buffer.concat([u64le(1n << 60n), u64le(1n), Buffer.from('xx')]));
    expect(records).toEqual([expect.objectContaining({ offset: 0, length: 18, status: 'corrupt', problemKind: 'impossible-length' })]);
  });
});

describe('tiny-log-kv lines', () => {
  it('splits a SET line into command, separators, key, value and newline', () => {
    const [r] = decodeStoreLog(Buffer.from('SET user alice\n'));
    expect(ranges(r!)).toEqual([
      ['command', 0, 3],
      ['separator', 3, 4],
      ['key', 4, 8],
      ['separator_2', 8, 9],
      ['value', 9, 14],
      ['newline', 14, 15],
    ]);
    expect(r).toMatchObject({ kind: 'put', valueOffset: 9, valueLength: 5 });
  });

  it('trims like Rust (Unicode white space, not a BOM) and ignores what the program ignores', () => {
    const records = decodeStoreLog(Buffer.from('  SET k  v w \u00a0\r\nSET empty \nDEL my key\n\uFEFFSET bom x\nDEL k\n'));
    expect(records[0]).toMatchObject({ kind: 'put' });
    expect(text(records[0]!.key)).toBe('k');
    const r0 = records[0]!;
    expect(Buffer.from('  SET k  v w \u00a0\r\n').subarray(r0.valueOffset!, r0.valueOffset! + r0.valueLength!).toString()).toBe(' v w');
    expect(ranges(r0).map(([n]) => n)).toEqual(['leading_space', 'command', 'separator', 'key', 'separator_2', 'value', 'trailing_space', 'newline']);
    expect(records.slice(1, 4).map((r) => [r.kind, r.status])).toEqual([
      ['garbage', 'valid'],
      ['garbage', 'valid'],
      ['garbage', 'valid'], // Rust's trim keeps U+FEFF, so the command is "\uFEFFSET"
    ]);
    expect(records[4]).toMatchObject({ kind: 'delete' });
  });

  it('applies a last line without newline, as BufRead::lines() returns it, and notes the missing newline', () => {
    const records = decodeStoreLog(Buffer.from('SET a b\nSET c d'));
    expect(records.map((r) => [r.offset, r.length, r.kind, r.status, r.problemKind])).toEqual([
      [0, 8, 'put', 'valid', undefined],
      [8, 7, 'put', 'valid', undefined],
      [15, 0, 'note', 'torn', 'torn-tail'],
    ]);
  });
});

describe('kvdb lines', () => {
  it('splits at the first space after "SET " without trimming; DEL takes the rest of the line', () => {
    const records = decodeWal(Buffer.from('SET k v w \nSET  x\nSET lonely\nDEL a b\nset k v\n'));
    expect(ranges(records[0]!)).toEqual([
      ['command', 0, 3],
      ['separator', 3, 4],
      ['key', 4, 5],
      ['separator_2', 5, 6],
      ['value', 6, 10],
      ['newline', 10, 11],
    ]);
    expect(text(records[1]!.key)).toBe('');
    expect(records[1]!.valueLength).toBe(1);
    expect(records[2]).toMatchObject({ kind: 'garbage', status: 'valid' });
    expect(records[3]).toMatchObject({ kind: 'delete' });
    expect(text(records[3]!.key)).toBe('a b');
    expect(records[4]).toMatchObject({ kind: 'garbage' });
  });

  it('reports a line that is not UTF-8 (the real program would refuse to open)', () => {
    const records = decodeWal(Buffer.concat([Buffer.from('SET a '), Buffer.from([0xff]), Buffer.from('\n')]));
    expect(records[0]).toMatchObject({ status: 'corrupt', problemKind: 'unreadable', offset: 0, length: 8 });
  });
});

describe('kvstore-rs lines', () => {
  it('splits at the tab and reads __DELETED__ as a delete', () => {
    const records = decodeDefaultJson(Buffer.from('user\talice\nuser\t__DELETED__\nbroken\n'));
    expect(ranges(records[0]!)).toEqual([
      ['key', 0, 4],
      ['separator', 4, 5],
      ['value', 5, 10],
      ['newline', 10, 11],
    ]);
    expect(records[1]).toMatchObject({ kind: 'delete', status: 'valid' });
    expect(ranges(records[1]!).map(([n]) => n)).toEqual(['key', 'separator', 'tombstone', 'newline']);
    expect(records[2]).toMatchObject({ status: 'corrupt', problemKind: 'unreadable', offset: 28 });
  });
});
