/**
 * mini-kvstore-v2, every era: a record cut short after its key (a write a
 * crash cut off, the end of a segment) names its key as its bytes read,
 * unverified, in verify and in what the open reports, as a kvscope store's
 * and Riak's do; one cut inside its key names none. (A 0.1-era record whose
 * CRC fails inside the file is given as itself, key and all, already.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DecodedRecord } from '../../src/engine/formats/format.js';
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
