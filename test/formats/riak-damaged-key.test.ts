/**
 * Riak Bitcask: a damaged record whose lengths still lead to the next sound
 * record carries its key (as its bytes read, unverified) into verify's
 * problem; one whose lengths are damaged names no key.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openForeign } from '../../src/engine/foreign-store.js';
import { tempDirs } from './helpers.js';
import { dataRecord } from './riak-files.js';

const temps = tempDirs();

async function problemsAfter(damage: (bytes: Buffer, secondAt: number) => void): Promise<Array<{ offset: number; kind: string; key?: unknown }>> {
  const dir = temps.empty('riak-damaged-key-');
  const records = [dataRecord(1, 'user:1', 'one'), dataRecord(2, 'user:2', 'two-two'), dataRecord(3, 'user:3', 'three')];
  const bytes = Buffer.concat(records);
  damage(bytes, records[0]!.length);
  fs.writeFileSync(path.join(dir, '1.bitcask.data'), bytes);
  const store = await openForeign(dir, { replayData: true });
  try {
    const report = await store.verify();
    return report.problems.map((p) => ({ offset: p.offset, kind: p.kind, ...(p.key ? { key: p.key } : {}) }));
  } finally {
    await store.close();
  }
}

describe('Riak: the key of a damaged record', () => {
  it('a flipped value byte: the key as its bytes read, unverified', async () => {
    const problems = await problemsAfter((bytes, at) => {
      bytes[at + 14 + 6 + 2]! ^= 0xff; // header 14 bytes, key 'user:2', then the value
    });
    expect(problems).toEqual([{ offset: dataRecord(1, 'user:1', 'one').length, kind: 'bad-crc', key: { key: 'user:2', from: 'record' } }]);
  });

  it('a damaged key_sz: no key', async () => {
    const problems = await problemsAfter((bytes, at) => {
      bytes[at + 8]! ^= 0x40; // key_sz (u16 big-endian at 8): 6 → 16390, past the end of the file
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.key).toBeUndefined();
  });
});
