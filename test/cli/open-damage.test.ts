/**
 * Damage an open meets is said, never hidden (README, "Damage is said"):
 * the CLI's read commands print what the replay of another engine's files,
 * or a read-only open of a kvscope store, skipped (`kvscope: recovery: …`
 * on stderr, never stdout); export and scan, which promise the data, exit 1
 * when damage may have cost keys; a torn tail at the end of the newest file
 * (a crash's unfinished last write) is a note, exit 0. The inspector's
 * openStore returns the same lines as `warnings`. Nothing read changes a
 * byte (hashes before and after).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_OPEN_NOTES } from '../../src/cli/commands.js';
import { Store } from '../../src/engine/store.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { InspectorService } from '../../src/inspector/service.js';
import { FIXTURES, hashTree, kvscope, tempDirs } from '../formats/helpers.js';



const temps = tempDirs();
const copyOf = temps.fixture;

function patch(file: string, offset: number, bytes: number[]): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.writeSync(fd, Buffer.from(bytes), 0, bytes.length, offset);
  } finally {
    fs.closeSync(fd);
  }
}

/** Every read command on `dir`: their codes, stdout and stderr; and that the directory did not change. */
async function readCommands(dir: string, key: string) {
  const before = hashTree(dir);
  const r = {
    list: await kvscope(['list', '--dir', dir]),
    scan: await kvscope(['scan', '--dir', dir]),
    export: await kvscope(['export', '--dir', dir]),
    stats: await kvscope(['stats', '--dir', dir]),
    history: await kvscope(['history', key, '--dir', dir]),
    get: await kvscope(['get', key, '--dir', dir]),
  };
  expect(hashTree(dir)).toEqual(before);
  return r;
}

describe('another engine\'s damaged files, through the CLI', () => {
  it('mini-kvstore-v2 HEAD with a length field overwritten: keys are lost, said, and export and scan exit 1', async () => {
    const dir = copyOf('mini-kvstore-v2/segments');
    patch(path.join(dir, 'db', 'segment-1.dat'), 52, [0xff, 0xff, 0xff, 0x7f]);
    const r = await readCommands(dir, 'user');
    for (const [name, run] of Object.entries(r)) {
      expect(run.err.filter((l) => l.startsWith('kvscope: recovery: skipped impossible-length in segment-1.dat at 36')), name).toHaveLength(1);
      expect(run.out.join('\n'), name).not.toContain('recovery');
    }
    expect(r.export.code).toBe(1);
    expect(r.scan.code).toBe(1);
    expect(r.export.err.at(-1)).toMatch(/the open skipped 1 damaged record\(s\) or file\(s\).*kvscope verify/);
    // Unaffected answers keep their codes.
    expect(r.list.code).toBe(0);
    expect(r.stats.code).toBe(0);
    expect(r.history.code).toBe(0);
    expect(r.get.code).toBe(0);
    const verify = await kvscope(['verify', '--dir', dir]);
    expect(verify.code).toBe(1);
    expect(verify.err).toEqual([]); // verify's report says it, on stdout
  });

  it('mini-kvstore-v2 0.1 era with a bad CRC: the rest of the segment is dropped, as the program does, and said', async () => {
    const dir = copyOf('mini-kvstore-v2/legacy-b22e80f-crc');
    const seg = path.join(dir, 'data', 'segments', 'segment_0.log');
    const bytes = fs.readFileSync(seg);
    patch(seg, 9, [bytes[9]! ^ 0xff]);
    const r = await kvscope(['export', '--dir', dir]);
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/^kvscope: recovery: skipped bad-crc in segment_0\.log at 0: /);
  });

  it('Riak: a byte of a live record changed, in a file without a hint: said by every read command; export exits 1', async () => {
    const dir = copyOf('riak-bitcask/basic');
    patch(path.join(dir, '4.bitcask.data'), 2165, [0x01]);
    fs.rmSync(path.join(dir, '4.bitcask.hint')); // the open reads the file's records
    const r = await readCommands(dir, 'utf8-value');
    for (const [name, run] of Object.entries(r)) expect(run.err.join('\n'), name).toContain('kvscope: recovery: skipped bad-crc in 4.bitcask.data at 2133');
    expect(r.export.code).toBe(1);
    expect(r.export.out.join('\n')).not.toContain('recovery');
  });

  it('Riak: the same with the file\'s hint sound: the open takes the keys from it (no note); reading the key says it, export exits 1', async () => {
    const dir = copyOf('riak-bitcask/basic');
    patch(path.join(dir, '4.bitcask.data'), 2165, [0x01]);
    const r = await readCommands(dir, 'utf8-value');
    for (const [name, run] of Object.entries(r)) expect(run.err.join('\n'), name).not.toContain('kvscope: recovery:');
    expect(r.get.code).toBe(3);
    expect(r.get.err.at(-1)).toMatch(/corrupt record in 4\.bitcask\.data at offset 2133/);
    for (const run of [r.export, r.scan]) {
      expect(run.code).toBe(1);
      expect(run.err).toContainEqual(expect.stringMatching(/^kvscope: utf8-value: corrupt record in 4\.bitcask\.data at offset 2133.*; left out$/));
    }
    expect(r.stats.out.join('\n')).toContain('Figures from:        hint files, records not read (damage since they were written: kvscope verify, segments)');
    expect(r.history.out.at(-1)).toMatch(/4\.bitcask\.data\s+2133\s+42\s+put\s+corrupt$/);
    expect([r.list.code, r.stats.code, r.history.code]).toEqual([0, 0, 0]);
  });

  it('a torn tail at the end of the newest segment (a crash\'s last write) is a note: export exits 0', async () => {
    const dir = copyOf('mini-kvstore-v2/edge-cases');
    const seg = path.join(dir, 'db', 'segment-3.dat');
    fs.truncateSync(seg, 30); // inside the delete of "gone" at 25..34
    const r = await readCommands(dir, 'gone');
    expect(r.export.code).toBe(0);
    expect(r.export.err).toEqual([expect.stringMatching(/^kvscope: recovery: torn tail in segment-3\.dat at 25: .*\(the last write, cut short: left in place\)$/)]);
    expect(r.get.out).toEqual(['soon']); // the program itself reads the key back: the delete never finished
    expect(r.get.err).toHaveLength(1);
  });

  it('caps the notes at MAX_OPEN_NOTES lines and counts the rest', async () => {
    const dir = copyOf('tiny-log-kv/basic');
    const log = path.join(dir, 'store.log');
    fs.appendFileSync(log, Buffer.from(Array.from({ length: MAX_OPEN_NOTES + 5 }, (_, i) => `\xff\xfe broken line ${i}\n`).join(''), 'latin1'));
    const r = await kvscope(['list', '--dir', dir]);
    expect(r.code).toBe(0);
    const notes = r.err.filter((l) => l.startsWith('kvscope: recovery: '));
    expect(notes).toHaveLength(MAX_OPEN_NOTES + 1);
    expect(notes.at(-1)).toMatch(/… and \d+ more; "kvscope verify" lists every problem/);
  });
});

describe('a kvscope store opened read-only', () => {
  /** A store of three keys in one segment read from its records: no hint, no keydir image. */
  async function threeKeys(): Promise<{ dir: string; offsets: number[]; segment: string }> {
    const dir = temps.empty('kvscope-open-damage-');
    const store = await Store.open(dir, { create: true });
    for (const k of ['a', 'b', 'c']) await store.put(k, `value of ${k}`);
    const offsets = ['a', 'b', 'c'].map((k) => store.locate(k)!.offset);
    const segment = store.locate('a')!.file;
    await store.close();
    for (const name of fs.readdirSync(dir)) if (!name.endsWith('.data')) fs.rmSync(path.join(dir, name));
    return { dir, offsets, segment };
  }

  it('a corrupt record in the middle of a segment: said, and export and scan exit 1', async () => {
    const { dir, offsets, segment } = await threeKeys();
    const file = path.join(dir, segment);
    const at = offsets[2]! - 1; // the last byte of b's value
    patch(file, at, [fs.readFileSync(file)[at]! ^ 0x01]);
    const r = await readCommands(dir, 'b');
    for (const [name, run] of Object.entries(r)) expect(run.err.join('\n'), name).toContain(`kvscope: recovery: skipped bad-crc in ${segment} at ${offsets[1]}`);
    expect(r.export.code).toBe(1);
    expect(r.scan.code).toBe(1);
    expect(r.export.out.map((l) => JSON.parse(l).key)).toEqual(['a', 'c']);
    expect(r.list.code).toBe(0);
  });

  it('a torn tail at the end of the newest segment: a note, export exits 0', async () => {
    const { dir, offsets, segment } = await threeKeys();
    fs.truncateSync(path.join(dir, segment), offsets[2]! + 5);
    const r = await readCommands(dir, 'a');
    expect(r.export.code).toBe(0);
    expect(r.export.err).toEqual([expect.stringMatching(new RegExp(`^kvscope: recovery: torn tail in ${segment} at ${offsets[2]}: `))]);
  });
});

describe('the inspector opening a damaged copy', () => {
  it('returns the replay\'s problems as warnings (the renderer\'s banner shows them)', async () => {
    const dir = copyOf('riak-bitcask/basic');
    patch(path.join(dir, '4.bitcask.data'), 2165, [0x01]);
    fs.rmSync(path.join(dir, '4.bitcask.hint')); // the open reads the file's records (with a sound hint it reads none)
    const configDir = temps.empty('kvscope-open-damage-config-');
    const service = new InspectorService({ opener: createEngineOpener(), configDir });
    const before = hashTree(dir);
    try {
      const info = await service.dispatch('openStore', { path: dir });
      expect(info.warnings).toEqual([expect.stringMatching(/^skipped bad-crc in 4\.bitcask\.data at 2133: stored CRC/)]);
      const clean = await service.dispatch('openStore', { path: path.join(FIXTURES, 'riak-bitcask/basic/data') });
      expect(clean.warnings).toEqual([]);
    } finally {
      await service.close();
    }
    expect(hashTree(dir)).toEqual(before);
  });
});
