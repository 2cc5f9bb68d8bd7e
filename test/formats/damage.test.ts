/**
 * Damaged copies of the real fixtures: a file truncated mid-record and a
 * byte changed inside a record must be reported by verify at the right file
 * and offset, opening must still work, and no decoder may throw — also under
 * random damage (fast-check).
 */
import * as fs from 'node:fs';
import { encodeHint, encodeRecord, encodeSegmentHeader } from '../../src/engine/native/codec.js';
import { nativeFormat } from '../../src/engine/formats/native.js';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeSafely, listRecords, openForeign } from '../../src/engine/foreign-store.js';
import type { DecodedRecord, FormatDescription, FormatFile } from '../../src/engine/formats/format.js';
import { FORMATS } from '../../src/engine/formats/registry.js';
import type { Problem } from '../../src/engine/types.js';
import { copyToTemp, discoverFixtures, removeTemp } from './helpers.js';

const cases = discoverFixtures();
const temps: string[] = [];
afterEach(() => {
  while (temps.length > 0) removeTemp(temps.pop()!);
});

function tempCopy(dir: string): string {
  const copy = copyToTemp(dir);
  temps.push(copy);
  return copy;
}

/**
 * How to damage one record of each format so that the damage is detectable:
 * which field to change, to what, and the problem verify must report.
 */
const CORRUPTION: Record<string, { field: string; at: 'first' | 'last'; set: (old: number) => number; kind: Problem['kind'] }> = {
  'riak-bitcask': { field: 'value', at: 'first', set: (b) => b ^ 0x01, kind: 'bad-crc' },
  'mini-kvstore-v2-b22e80f': { field: 'value', at: 'first', set: (b) => b ^ 0x01, kind: 'bad-crc' },
  'mini-kvstore-v2': { field: 'op', at: 'first', set: () => 7, kind: 'bad-header' },
  'mini-kvstore-v2-c548bfb': { field: 'key_len', at: 'last', set: () => 0x40, kind: 'impossible-length' },
  'tiny-log-kv': { field: 'key', at: 'first', set: () => 0xff, kind: 'unreadable' },
  kvdb: { field: 'key', at: 'first', set: () => 0xff, kind: 'unreadable' },
  'kvstore-rs': { field: 'separator', at: 'first', set: () => 0x20, kind: 'unreadable' },
};

/** A valid put with a non-empty value in the middle of the first non-empty data file. */
async function pickRecord(dir: string): Promise<{ file: FormatFile; record: DecodedRecord; format: string }> {
  const store = await openForeign(dir);
  try {
    for (const file of store.files()) {
      if (file.role !== 'data' || file.size === 0) continue;
      const puts = (await listRecords(store, file.name)).filter((r) => r.status === 'valid' && r.kind === 'put' && (r.valueLength ?? 0) > 0);
      if (puts.length > 0) return { file, record: puts[Math.floor(puts.length / 2)]!, format: store.format };
    }
  } finally {
    await store.close();
  }
  throw new Error(`no put record in ${dir}`);
}

describe.each(cases.map((c) => [c.name, c] as const))('damaged copy of %s', (_name, fixture) => {
  it('reports a file truncated mid-record as a torn tail at that record', async () => {
    const dir = tempCopy(fixture.dataDir);
    const store0 = await openForeign(dir);
    const root = store0.root;
    await store0.close();
    const { file, record } = await pickRecord(dir);
    const cut = record.offset + Math.floor(record.length / 2);
    fs.truncateSync(path.join(root, file.name), cut);

    const store = await openForeign(dir);
    const report = await store.verify();
    expect(report.ok).toBe(false);
    // A text line cut where what is left still parses ("SET greeting hel") is applied as the program reads it;
    // its missing newline is noted at the cut.
    const at = report.problems.find((p) => p.file === file.name && p.kind === 'torn-tail')?.offset;
    expect([record.offset, cut]).toContain(at);
    expect(store.warnings().length).toBeGreaterThan(0);
    await store.close();
  });

  it('reports a changed byte inside a record at that record', async () => {
    const dir = tempCopy(fixture.dataDir);
    const { file, record, format } = await pickRecord(dir);
    const how = CORRUPTION[format];
    expect(how, `a corruption recipe for ${format}`).toBeDefined();
    const field = record.fields.find((f) => f.name === how!.field)!;
    expect(field, `field ${how!.field}`).toBeDefined();
    const store0 = await openForeign(dir);
    const filePath = path.join(store0.root, file.name);
    await store0.close();
    const bytes = fs.readFileSync(filePath);
    const pos = how!.at === 'first' ? field.start : field.end - 1;
    bytes[pos] = how!.set(bytes[pos]!);
    fs.writeFileSync(filePath, bytes);

    const store = await openForeign(dir);
    const report = await store.verify();
    expect(report.problems).toContainEqual(expect.objectContaining({ file: file.name, offset: record.offset, kind: how!.kind }));
    // The damaged record is never served as a live value: where it is still the key's record (a Riak hint the
    // program trusts names it), reading the key fails.
    for (const key of store.sortedKeys()) {
      const loc = store.locate(Buffer.from(key, 'latin1'))!;
      if (loc.file === file.name && loc.offset === record.offset) await expect(store.get(Buffer.from(key, 'latin1'))).rejects.toThrow(/corrupt record/);
    }
    await store.close();
  });
});

describe('stopping at the first bad record (mini-kvstore-v2 b22e80f)', () => {
  const fixture = cases.find((c) => c.name === 'mini-kvstore-v2/legacy-b22e80f-crc');
  it.runIf(fixture !== undefined)('drops the rest of a segment after a bad CRC, like the real program', async () => {
    const dir = tempCopy(fixture!.dataDir);
    const seg = path.join(dir, 'data', 'segments', 'segment_0.log');
    const bytes = fs.readFileSync(seg);
    bytes[9] ^= 0xff; // first key byte of the first record ("user")
    fs.writeFileSync(seg, bytes);
    const store = await openForeign(dir);
    expect(store.has('pad')).toBe(false); // only written later in segment_0
    expect((await store.get('user'))?.toString()).toBe('bob'); // rewritten in segment_1
    expect(store.openProblems()).toEqual([expect.objectContaining({ file: 'segment_0.log', offset: 0, kind: 'bad-crc' })]);
    const pad = await store.history('pad');
    expect(pad.map((v) => v.status)).toEqual(['unread']); // listed, but never read by the program
    await store.close();
  });
});

describe('Riak hint files', () => {
  const fixture = cases.find((c) => c.name === 'riak-bitcask/basic');

  it.runIf(fixture !== undefined)('reports a hint file whose trailer CRC no longer matches', async () => {
    const dir = tempCopy(fixture!.dataDir);
    const hint = path.join(dir, '1.bitcask.hint');
    const bytes = fs.readFileSync(hint);
    bytes[20] ^= 0x01; // inside the first entry's key
    fs.writeFileSync(hint, bytes);
    const store = await openForeign(dir);
    const report = await store.verify();
    expect(report.problems).toContainEqual(expect.objectContaining({ file: '1.bitcask.hint', offset: bytes.length - 18, kind: 'bad-hint' }));
    await store.close();
  });

  it.runIf(fixture !== undefined)('reports a hint entry pointing at the wrong place (with a valid hint CRC)', async () => {
    const dir = tempCopy(fixture!.dataDir);
    const hint = path.join(dir, '1.bitcask.hint');
    const bytes = fs.readFileSync(hint);
    const store0 = await openForeign(dir);
    const entries = (await listRecords(store0, '1.bitcask.hint')).filter((r) => r.kind === 'hint');
    await store0.close();
    const second = entries[1]!;
    const offsetField = second.fields.find((f) => f.name === 'tombstone_offset')!;
    bytes.writeUInt32BE(bytes.readUInt32BE(offsetField.start + 4) + 3, offsetField.start + 4);
    // Recompute the trailer CRC so that only the entry is wrong.
    const { crc32 } = await import('../../src/engine/crc.js');
    bytes.writeUInt32BE(crc32(bytes.subarray(0, bytes.length - 18)), bytes.length - 18 + 6);
    fs.writeFileSync(hint, bytes);

    const store = await openForeign(dir);
    const report = await store.verify();
    expect(report.problems).toEqual([
      expect.objectContaining({ file: '1.bitcask.hint', offset: second.offset, kind: 'hint-mismatch' }),
      expect.objectContaining({ file: '1.bitcask.hint', kind: 'stale-hint' }),
    ]);
    await store.close();
  });
});

// ---------------------------------------------------------------- random damage

/** Records must tile the whole file, and every valid record's fields must tile the record. */
function checkDecoding(format: FormatDescription, file: FormatFile, bytes: Uint8Array): void {
  const records = decodeSafely(format, file, bytes);
  expect(records.every((r) => r.problem === undefined || !r.problem.startsWith(`the ${format.id} decoder failed`))).toBe(true);
  let at = 0;
  for (const r of records) {
    expect(r.offset).toBe(at);
    expect(r.length).toBeGreaterThanOrEqual(0);
    at += r.length;
    if (r.status === 'valid') {
      let f = r.offset;
      for (const field of r.fields) {
        expect(field.start).toBe(f);
        f = field.end;
      }
      expect(f).toBe(r.offset + r.length);
    }
    if (r.valueOffset !== undefined) expect(r.valueOffset + (r.valueLength ?? 0)).toBeLessThanOrEqual(bytes.length);
  }
  expect(at).toBe(bytes.length);
}

/** One sample file per role of each format, taken from the fixtures. */
function samples(): { format: FormatDescription; file: FormatFile; bytes: Buffer }[] {
  const out: { format: FormatDescription; file: FormatFile; bytes: Buffer }[] = [];
  const seen = new Set<string>();
  for (const fixture of cases) {
    for (const format of FORMATS) {
      const detection = format.detect(fixture.dataDir);
      if (!detection || detection.confidence < 0.5) continue;
      for (const file of format.listFiles(detection.root)) {
        const id = `${format.id}:${file.role}`;
        if (seen.has(id) || file.size === 0 || file.size > 8192) continue;
        seen.add(id);
        out.push({ format, file, bytes: fs.readFileSync(path.join(detection.root, file.name)) });
      }
    }
  }
  out.push(...nativeSamples());
  return out;
}

/** The native format has no fixture under ../shared: build one segment and its hint from the codec. */
function nativeSamples(): { format: FormatDescription; file: FormatFile; bytes: Buffer }[] {
  const records = [
    encodeRecord(1, 0, 1, Buffer.from('alpha'), Buffer.from('one')),
    encodeRecord(1, 1 | 2, 2, Buffer.from('beta'), Buffer.from('two')),
    encodeRecord(2, 1 | 4, 3, Buffer.from('alpha')),
  ];
  const data = Buffer.concat([encodeSegmentHeader({ flags: 0, segmentId: 1, sequenceFloor: 0 }), ...records]);
  let at = 24;
  const entries = records.map((r, i) => {
    const e = { type: r[4]!, sequence: i + 1, offset: at, recordLength: r.length, key: Buffer.from(i === 1 ? 'beta' : 'alpha') };
    at += r.length;
    return e;
  });
  const hint = encodeHint(1, data.length, entries);
  return [
    { format: nativeFormat, file: { name: '000001.data', role: 'data', id: 1, size: data.length }, bytes: data },
    { format: nativeFormat, file: { name: '000001.hint', role: 'hint', id: 1, size: hint.length }, bytes: hint },
  ];
}

describe('decoders never throw and always cover the file', () => {
  const all = samples();

  it('has samples for every format', () => {
    expect(new Set(all.map((s) => s.format.id))).toEqual(new Set(FORMATS.map((f) => f.id)));
  });

  it.each(all.map((s) => [`${s.format.id} ${s.file.role}`, s] as const))('%s under random byte changes and truncation', (_n, s) => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        fc.option(fc.nat(), { nil: undefined }),
        (edits, cut) => {
          const bytes = Buffer.from(s.bytes);
          for (const [pos, value] of edits) bytes[pos % bytes.length] = value;
          const damaged = cut === undefined ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
          checkDecoding(s.format, { ...s.file, size: damaged.length }, damaged);
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each(FORMATS.map((f) => [f.id, f] as const))('%s on random bytes', (_n, format) => {
    const files = new Map<string, FormatFile>();
    for (const s of all.filter((x) => x.format === format)) files.set(s.file.role, s.file);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        for (const file of files.values()) checkDecoding(format, { ...file, size: bytes.length }, bytes);
      }),
      { numRuns: 300 },
    );
  });
});
