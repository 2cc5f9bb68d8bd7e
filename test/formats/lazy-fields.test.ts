/**
 * The native decoders make a record's fields when they are first read
 * (decode-helpers.ts, keepFields). To everyone else they must look like a
 * plain property: written as JSON, spread, read twice (the same array), and
 * replaced by an assignment.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeFormat } from '../../src/engine/formats/native.js';
import type { DecodedRecord } from '../../src/engine/formats/format.js';
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

describe('fields made when first read', () => {
  it('behave as a plain property for key versions, hint entries and keydir slots', async () => {
    const dir = await smallStore();
    const files = nativeFormat.listFiles(dir);
    const kinds = new Set<string>();
    for (const role of ['data', 'hint', 'keydir'] as const) {
      const file = files.find((f) => f.role === role)!;
      const records = nativeFormat.decodeFile(file, fs.readFileSync(path.join(dir, file.name)));
      for (const r of records.filter((x) => x.kind === 'put' || x.kind === 'delete' || x.kind === 'hint' || x.kind === 'slot')) {
        kinds.add(r.kind);
        const first = r.fields;
        expect(first.length).toBeGreaterThan(3);
        expect(first.every((f) => f.start >= r.offset && f.end <= r.offset + r.length)).toBe(true);
        // Kept: the same array when read again.
        expect(r.fields).toBe(first);
        // Own and enumerable: JSON and spreading carry them.
        expect(Object.keys(r)).toContain('fields');
        expect((JSON.parse(JSON.stringify(r)) as DecodedRecord).fields).toEqual(JSON.parse(JSON.stringify(first)));
        expect({ ...r }.fields).toBe(first);
      }
      // An assignment before any read replaces them.
      const fresh = nativeFormat.decodeFile(file, fs.readFileSync(path.join(dir, file.name))).find((x) => x.kind !== 'header' && x.kind !== 'trailer')!;
      fresh.fields = [];
      expect(fresh.fields).toEqual([]);
    }
    expect(kinds).toEqual(new Set(['put', 'delete', 'hint', 'slot']));
  });
});
