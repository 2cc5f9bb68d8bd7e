/**
 * StreamedFileRecords keeps a file's records in columns and decodes a record
 * again when it is shown. Whatever it answers must be what the whole-file
 * decode answers (DecodedFileRecords): rows, classes, keys, offsets, the
 * summary and every record's fields, on every fixture file of the formats
 * that decode a record at a time (Riak Bitcask, the three mini-kvstore-v2
 * eras and the three text logs), on
 * a native store's hints and keydir image, and on damaged copies of them. And decodeRecords(from) must
 * start with the record at `from`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { FormatDescription, FormatFile } from '../../src/engine/formats/format.js';
import { nativeFormat } from '../../src/engine/formats/native.js';
import { riakBitcask } from '../../src/engine/formats/riak-bitcask.js';
import { FORMATS } from '../../src/engine/formats/registry.js';
import { Store } from '../../src/engine/store.js';
import { range } from '../../src/inspector/record-index.js';
import { DecodedFileRecords } from './decoded-file-records.js';
import { StreamedFileRecords } from '../../src/inspector/streamed-file-records.js';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';
import { discoverFixtures } from '../formats/helpers.js';

afterAll(cleanTempDirs);

interface Sample {
  name: string;
  format: FormatDescription;
  file: FormatFile;
  bytes: Buffer;
}

const json = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

async function expectSameAsWhole(format: FormatDescription, file: FormatFile, bytes: Buffer): Promise<void> {
  const whole = format.decodeFile(file, bytes);
  const decoded = new DecodedFileRecords(file, whole, 'stamp', bytes.length);
  const streamed = new StreamedFileRecords(file, bytes, format, 'stamp', bytes.length);
  await streamed.waitFor(() => false);
  expect(streamed.complete).toBe(true);
  expect(streamed.count).toBe(decoded.count);
  expect(streamed.ignoredCount).toBe(decoded.ignoredCount);
  expect(streamed.indexedBytes).toBe(decoded.indexedBytes);
  const all = range(0, decoded.count);
  expect(json(streamed.entries(all))).toEqual(json(decoded.entries(all)));
  expect(Array.from(all, (i) => streamed.classAt(i))).toEqual(Array.from(all, (i) => decoded.classAt(i)));
  expect(json(streamed.summary())).toEqual(json(decoded.summary()));
  const keys = (r: StreamedFileRecords | DecodedFileRecords): string[] => {
    const out: string[] = [];
    r.forEachKey(0, r.count, (i, key) => out.push(`${i}:${key.toString('hex')}`));
    return out;
  };
  expect(keys(streamed)).toEqual(keys(decoded));
  for (let at = 0; at <= bytes.length + 1; at += Math.max(1, Math.floor(bytes.length / 97))) expect(streamed.indexAt(at), `indexAt(${at})`).toBe(decoded.indexAt(at));
  for (const i of all) {
    expect(json(streamed.detail(i)), `record ${i}`).toEqual(json(whole[i]));
    // Where the record table starts decoding again to show it.
    const [first] = format.decodeRecords!(file, bytes, whole[i]!.offset);
    expect(json(first), `decodeRecords from record ${i} at ${whole[i]!.offset}`).toEqual(json(whole[i]));
  }
}

/** Every fixture file of every format that decodes a record at a time. */
function fixtureSamples(): Sample[] {
  const out: Sample[] = [];
  for (const fixture of discoverFixtures()) {
    for (const format of FORMATS.filter((f) => f.decodeRecords)) {
      const detection = format.detect(fixture.dataDir);
      if (!detection || detection.confidence < 0.5) continue;
      for (const file of format.listFiles(detection.root)) {
        out.push({ name: `${fixture.name} ${file.name}`, format, file, bytes: fs.readFileSync(path.join(detection.root, file.name)) });
      }
    }
  }
  return out;
}

async function nativeSamples(): Promise<Sample[]> {
  const dir = tempDir();
  const s = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 4096 });
  for (let i = 0; i < 300; i++) await s.put(`key-${i % 120}`, `value ${i}`);
  await s.delete('key-7');
  await s.close();
  return nativeFormat
    .listFiles(dir)
    .filter((f) => f.role === 'hint' || f.role === 'keydir')
    .map((file) => ({ name: `native ${file.name}`, format: nativeFormat, file, bytes: fs.readFileSync(path.join(dir, file.name)) }));
}

describe('StreamedFileRecords', () => {
  it('answers as the whole-file decode on every fixture file, native hint and keydir image', async () => {
    const samples = [...fixtureSamples(), ...(await nativeSamples())];
    expect(new Set(samples.map((s) => s.format.id))).toEqual(
      new Set(['riak-bitcask', 'mini-kvstore-v2', 'mini-kvstore-v2-b22e80f', 'mini-kvstore-v2-c548bfb', 'tiny-log-kv', 'kvdb', 'kvstore-rs', 'kvscope']),
    );
    expect(samples.filter((s) => s.format === riakBitcask && s.file.role === 'data').length).toBeGreaterThan(3);
    expect(samples.filter((s) => s.format === riakBitcask && s.file.role === 'hint').length).toBeGreaterThan(3);
    expect(samples.filter((s) => s.format === nativeFormat && s.file.role === 'hint').length).toBeGreaterThan(1);
    expect(samples.filter((s) => s.format === nativeFormat && s.file.role === 'keydir').length).toBe(1);
    for (const s of samples) await expectSameAsWhole(s.format, s.file, s.bytes);
  });

  it('answers as the whole-file decode on damaged files', async () => {
    const native = await nativeSamples();
    const samples = [
      ...fixtureSamples().filter((s) => s.format === riakBitcask && s.file.role !== 'lock' && s.bytes.length > 0).slice(0, 4),
      ...['mini-kvstore-v2', 'mini-kvstore-v2-b22e80f', 'mini-kvstore-v2-c548bfb', 'tiny-log-kv', 'kvdb', 'kvstore-rs'].map(
        (id) => fixtureSamples().find((s) => s.format.id === id && s.bytes.length > 0)!,
      ),
      native.find((s) => s.file.role === 'hint')!,
      native.find((s) => s.file.role === 'keydir')!,
    ];
    for (const s of samples) {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.option(fc.nat(), { nil: undefined }), async (edits, cut) => {
          const bytes = Buffer.from(s.bytes);
          for (const [pos, value] of edits) bytes[pos % bytes.length] = value;
          const damaged = cut === undefined ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
          await expectSameAsWhole(s.format, { ...s.file, size: damaged.length }, damaged);
        }),
        { numRuns: 40 },
      );
    }
  });

  it('names a torn record\'s key as the whole-file decode does, when the cut leaves it whole', async () => {
    // A Riak record: crc 4, tstamp 4, key size 2, value size 4, then the key: cut one byte into its value.
    const s = fixtureSamples().find((x) => x.format === riakBitcask && x.file.role === 'data' && x.bytes.length > 0)!;
    const cut = 14 + s.bytes.readUInt16BE(8) + 1;
    const bytes = Buffer.from(s.bytes).subarray(0, cut);
    const whole = s.format.decodeFile({ ...s.file, size: cut }, bytes);
    expect(whole[0]!.unverifiedKey).toBeDefined();
    await expectSameAsWhole(s.format, { ...s.file, size: cut }, bytes);
  });

  it('indexes in slices, answering the first page before the whole file is read', async () => {
    const records: Buffer[] = [];
    for (let i = 0; i < 50_000; i++) {
      const body = Buffer.alloc(10 + 12 + 20);
      body.writeUInt32BE(1000 + i, 0);
      body.writeUInt16BE(12, 4);
      body.writeUInt32BE(20, 6);
      body.write(`key-${String(i).padStart(8, '0')}`, 10, 'latin1');
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE((await import('../../src/engine/crc.js')).crc32(body), 0);
      records.push(crc, body);
    }
    const bytes = Buffer.concat(records);
    const file: FormatFile = { name: '1.bitcask.data', role: 'data', id: 1, size: bytes.length };
    const streamed = new StreamedFileRecords(file, bytes, riakBitcask, 'stamp', bytes.length);
    await streamed.waitFor(() => streamed.count >= 200);
    expect(streamed.count).toBeGreaterThanOrEqual(200);
    expect(streamed.complete).toBe(false);
    expect(streamed.entries([0, 199]).map((e) => e.key)).toEqual(['key-00000000', 'key-00000199']);
    await streamed.waitFor(() => false);
    expect(streamed.count).toBe(50_000);
    expect(streamed.detail(49_999).key?.toString()).toBe('key-00049999');
  });
});
