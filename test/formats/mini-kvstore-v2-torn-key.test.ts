/**
 * mini-kvstore-v2, every era: a record cut short after its key (a write a
 * crash cut off, the end of a segment) names its key as its bytes read,
 * unverified, in verify and in what the open reports, as a kvscope store's
 * and Riak's do; one cut inside its key names none. A 0.1-era record whose
 * CRC fails inside the file is given as itself, key and all, and so is one
 * of two such records side by side (their lengths lead to the next sound
 * record), where they were one region said to have a damaged length.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { damagedKeyOf, type DecodedRecord } from '../../src/engine/formats/format.js';
import { crc32 } from '../../src/engine/crc.js';
import { decodeB22Segment, decodeC548Segment, decodeHeadSegment } from '../../src/engine/formats/mini-kvstore-v2.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { keyToString } from '../../src/engine/keys.js';
import { hashDir } from '../engine/helpers.js';
import { tempDirs } from './helpers.js';

const temps = tempDirs();

const ERAS = [
  ['HEAD (e0ee513)', 'mini-kvstore-v2/segments', 'db', /^segment-(\d+)\.dat$/, decodeHeadSegment],
  ['0.1 (b22e80f)', 'mini-kvstore-v2/legacy-b22e80f-crc', 'data/segments', /^segment_(\d+)\.log$/, decodeB22Segment],
  ['0.2 (c548bfb)', 'mini-kvstore-v2/legacy-c548bfb-rotated', 'data', /^segment-(\d+)\.dat$/, decodeC548Segment],
] as const;

/** The newest segment's last put with a value of 2 bytes or more: the file and the record. */
function lastPut(dir: string, folder: string, pattern: RegExp, decode: (b: Uint8Array) => DecodedRecord[]): { file: string; record: DecodedRecord } {
  const files = fs.readdirSync(path.join(dir, folder)).filter((n) => pattern.test(n)).sort((a, b) => Number(pattern.exec(b)![1]) - Number(pattern.exec(a)![1]));
  for (const name of files) {
    const file = path.join(dir, folder, name);
    const record = decode(fs.readFileSync(file)).filter((r) => r.kind === 'put' && r.status === 'valid' && (r.valueLength ?? 0) >= 2).at(-1);
    if (record) return { file, record };
  }
  throw new Error(`no put in ${dir}`);
}

async function openAndVerify(dir: string, file: string, offset: number) {
  const before = hashDir(dir);
  const opened = await createEngineOpener().open(dir, { readOnly: true });
  try {
    const report = await opened.store.verify();
    return { problem: report.problems.find((p) => p.file === path.basename(file) && p.offset === offset), items: opened.openReport ?? [], warnings: opened.warnings };
  } finally {
    await opened.store.close();
    expect(hashDir(dir), 'opening and verifying change nothing').toEqual(before);
  }
}

describe.each(ERAS)('mini-kvstore-v2 %s: the key of a torn record', (_era, fixture, folder, pattern, decode) => {
  it('cut inside its value: the key as its bytes read, in verify, the open’s line and its report', async () => {
    const dir = temps.fixture(fixture);
    const { file, record } = lastPut(dir, folder, pattern, decode);
    const key = keyToString(record.key!);
    fs.truncateSync(file, record.valueOffset! + 1);
    const { problem, items, warnings } = await openAndVerify(dir, file, record.offset);
    expect(problem).toMatchObject({ kind: 'torn-tail', key: { key, from: 'record' } });
    expect(warnings.join('\n')).toContain(`; key (unverified, the record is torn): ${key}`);
    expect(items.map((i) => i.text).join('\n')).toContain(`at offset ${record.offset}, key (unverified, the record is torn): ${key})`);
  });

  it('cut inside its key: no key', async () => {
    const dir = temps.fixture(fixture);
    const { file, record } = lastPut(dir, folder, pattern, decode);
    const keyAt = record.fields.find((f) => f.name === 'key')!.start;
    expect(record.key!.length).toBeGreaterThan(1);
    fs.truncateSync(file, keyAt + 1);
    const { problem, warnings } = await openAndVerify(dir, file, record.offset);
    expect(problem?.kind).toBe('torn-tail');
    expect(problem?.key).toBeUndefined();
    expect(warnings.join('\n')).not.toContain('key (unverified');
  });
});

describe('mini-kvstore-v2 0.1 (b22e80f): two records side by side that both fail their CRC', () => {
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n, 0);
    return b;
  };
  /** key_len · val_len · tomb · key · value · crc over key ‖ tomb ‖ value. */
  const b22 = (key: string, value: string): Buffer => {
    const k = Buffer.from(key);
    const v = Buffer.from(value);
    return Buffer.concat([u32(k.length), u32(v.length), Buffer.from([0]), k, v, u32(crc32(Buffer.concat([k, Buffer.from([0]), v])))]);
  };

  it('are each given as themselves with their keys, bad CRCs, not one region of a damaged length', () => {
    const records = [b22('user', 'alice'), b22('city', 'Paris'), b22('lang', 'fr'), b22('zip', '75001')];
    records[1]![15]! ^= 0xff; // a value byte of each
    records[2]![15]! ^= 0xff;
    const decoded = decodeB22Segment(Buffer.concat(records));
    expect(decoded.map((r) => [r.offset, r.status, r.problemKind, damagedKeyOf(r) && keyToString(damagedKeyOf(r)!)])).toEqual([
      [0, 'valid', undefined, undefined],
      [22, 'corrupt', 'bad-crc', 'city'],
      [44, 'corrupt', 'bad-crc', 'lang'],
      [63, 'valid', undefined, undefined],
    ]);
    for (const r of decoded) expect(r.problem ?? '').not.toContain('a length is damaged');
  });

  it('a damaged length is still one region up to the next record whose CRC checks out', () => {
    const records = [b22('user', 'alice'), b22('city', 'Paris'), b22('zip', '75001')];
    records[1]!.writeUInt32LE(9, 4); // val_len 5 → 9: it would end inside the next record
    const decoded = decodeB22Segment(Buffer.concat(records));
    expect(decoded.map((r) => [r.offset, r.status, r.problemKind])).toEqual([
      [0, 'valid', undefined],
      [22, 'corrupt', 'impossible-length'],
      [44, 'valid', undefined],
    ]);
  });
});
