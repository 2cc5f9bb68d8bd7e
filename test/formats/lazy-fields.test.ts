/**
 * The decoders make a record's fields when they are first read
 * (decode-helpers.ts, keepFields). To everyone else they must look like a
 * plain property: written as JSON, spread, read twice (the same array), and
 * replaced by an assignment.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeFormat } from '../../src/engine/formats/native.js';
import { riakBitcask } from '../../src/engine/formats/riak-bitcask.js';
import { FORMATS } from '../../src/engine/formats/registry.js';
import { discoverFixtures } from './helpers.js';
import type { DecodedRecord, FormatDescription } from '../../src/engine/formats/format.js';
import { Store } from '../../src/engine/store.js';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';

afterAll(cleanTempDirs);

async function smallStore(): Promise<string> {
  const dir = tempDir();
  const s = await Store.open(dir, { create: true, fsync: 'never' });
  for (let i = 0; i < 20; i++) await s.put(`k${i}`, `v${i}`);
  await s.delete('k3');
  await s.close();
  return dir;
}

/** DecodedRecord's properties. */
const RECORD_PROPERTIES = ['offset', 'length', 'kind', 'status', 'key', 'valueOffset', 'valueLength', 'sequence', 'storedCrc', 'computedCrc', 'problem', 'fields', 'problemKind', 'label', 'pointsTo'];

/** What a plain property does: JSON, spreading, reading twice, and an assignment that replaces it. */
function expectPlainFields(records: DecodedRecord[], again: () => DecodedRecord[], kinds: Set<string>): void {
  for (const r of records.filter((x) => x.kind === 'put' || x.kind === 'delete' || x.kind === 'hint' || x.kind === 'slot')) {
    kinds.add(r.kind);
    const first = r.fields;
    expect(first.length).toBeGreaterThanOrEqual(3);
    expect(first.every((f) => f.start >= r.offset && f.end <= r.offset + r.length)).toBe(true);
    // Kept: the same array when read again.
    expect(r.fields).toBe(first);
    // Own and enumerable: JSON and spreading carry them. Nothing else is (a record's file bytes would go with it).
    expect(Object.keys(r)).toContain('fields');
    for (const name of Object.keys(r)) expect(RECORD_PROPERTIES, name).toContain(name);
    expect((JSON.parse(JSON.stringify(r)) as DecodedRecord).fields).toEqual(JSON.parse(JSON.stringify(first)));
    expect({ ...r }.fields).toBe(first);
  }
  // An assignment before any read replaces them.
  const fresh = again().find((x) => x.kind !== 'header' && x.kind !== 'trailer')!;
  fresh.fields = [];
  expect(fresh.fields).toEqual([]);
}

function decodeAll(format: FormatDescription, dir: string, role: string, kinds: Set<string>): void {
  for (const file of format.listFiles(dir).filter((f) => f.role === role && f.size > 0)) {
    const decode = () => format.decodeFile(file, fs.readFileSync(path.join(dir, file.name)));
    expectPlainFields(decode(), decode, kinds);
    // One at a time (replay's way): the same records.
    if (format.decodeRecords) expect(JSON.stringify([...format.decodeRecords(file, fs.readFileSync(path.join(dir, file.name)))])).toBe(JSON.stringify(decode()));
  }
}

describe('fields made when first read', () => {
  it('behave as a plain property for key versions, hint entries and keydir slots', async () => {
    const dir = await smallStore();
    const kinds = new Set<string>();
    for (const role of ['data', 'hint', 'keydir'] as const) decodeAll(nativeFormat, dir, role, kinds);
    expect(kinds).toEqual(new Set(['put', 'delete', 'hint', 'slot']));
  });

  it('behave as a plain property for Riak Bitcask data records and hint entries', () => {
    // The fixture written by Riak's own code: puts, tombstones and hint entries.
    const dir = path.resolve(import.meta.dirname, '../../../shared/fixtures/riak-bitcask/merged/data');
    const kinds = new Set<string>();
    for (const role of ['data', 'hint'] as const) decodeAll(riakBitcask, dir, role, kinds);
    expect(kinds).toEqual(new Set(['put', 'delete', 'hint']));
  });

  it('behave as a plain property for the mini-kvstore-v2 eras and the text logs, on every fixture', () => {
    const ids = ['mini-kvstore-v2', 'mini-kvstore-v2-b22e80f', 'mini-kvstore-v2-c548bfb', 'tiny-log-kv', 'kvstore-rs', 'kvdb'];
    const kindsOf = new Map(ids.map((id) => [id, new Set<string>()]));
    for (const fixture of discoverFixtures()) {
      for (const format of FORMATS.filter((f) => ids.includes(f.id))) {
        const detection = format.detect(fixture.dataDir);
        if (detection && detection.confidence >= 0.5) decodeAll(format, detection.root, 'data', kindsOf.get(format.id)!);
      }
    }
    for (const [id, kinds] of kindsOf) expect(kinds, id).toEqual(new Set(['put', 'delete']));
  });
});
