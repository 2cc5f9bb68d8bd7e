/**
 * Riak Bitcask: a damaged record whose lengths still lead to the next sound
 * record carries its key (as its bytes read, unverified) into verify's
 * problem; one whose lengths are damaged names no key.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ForeignStore, openForeign } from '../../src/engine/foreign-store.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
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

describe('Riak: the key of a torn last record', () => {
  /** user:1, user:2 sound, then user:3's record cut `keep` bytes in; the torn problem and the open's warnings and report. */
  async function tornAfter(keep: number) {
    const dir = temps.empty('riak-torn-key-');
    const records = [dataRecord(1, 'user:1', 'one'), dataRecord(2, 'user:2', 'two-two'), dataRecord(3, 'user:3', 'three')];
    const at = records[0]!.length + records[1]!.length;
    fs.writeFileSync(path.join(dir, '1.bitcask.data'), Buffer.concat(records).subarray(0, at + keep));
    const opened = await createEngineOpener().open(dir, { readOnly: true });
    const store = opened.store as ForeignStore;
    try {
      const report = await store.verify();
      return { at, problem: report.problems.find((p) => p.offset === at), warnings: opened.warnings, items: opened.openReport };
    } finally {
      await store.close();
    }
  }

  it('cut inside its value: the key as its bytes read, in verify, the open’s line and its note', async () => {
    const { at, problem, warnings, items } = await tornAfter(14 + 6 + 2);
    expect(problem).toMatchObject({ kind: 'torn-tail', key: { key: 'user:3', from: 'record' } });
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`^torn tail in 1\\.bitcask\\.data at ${at}: .*; key \\(unverified, the record is torn\\): user:3 \\(the last write, cut short: left in place\\)$`))]);
    expect(items?.map((i) => i.text)).toEqual([
      `The last write to 1.bitcask.data was left unfinished, as a crash leaves it (at offset ${at}, key (unverified, the record is torn): user:3); everything written before it is intact.`,
    ]);
  });

  it('cut inside its key: no key', async () => {
    const { problem, warnings } = await tornAfter(14 + 4);
    expect(problem?.kind).toBe('torn-tail');
    expect(problem?.key).toBeUndefined();
    expect(warnings[0]).not.toContain('key (');
  });

  it('a flipped value byte mid-file: the open report names the key it skipped', async () => {
    const dir = temps.empty('riak-open-key-');
    const records = [dataRecord(1, 'user:1', 'one'), dataRecord(2, 'user:2', 'two-two'), dataRecord(3, 'user:3', 'three')];
    const bytes = Buffer.concat(records);
    bytes[records[0]!.length + 14 + 6 + 2]! ^= 0xff;
    fs.writeFileSync(path.join(dir, '1.bitcask.data'), bytes);
    const opened = await createEngineOpener().open(dir, { readOnly: true });
    await opened.store.close();
    expect(opened.openReport?.filter((i) => i.kind === 'problem').map((i) => i.text)).toEqual([
      `Skipped a damaged record (its checksum does not match its bytes) in 1.bitcask.data at offset ${records[0]!.length}, key (unverified, the record fails its checksum): user:2; keys or versions it held may be missing.`,
    ]);
  });
});
