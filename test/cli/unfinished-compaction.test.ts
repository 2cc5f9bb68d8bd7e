/**
 * A compaction interrupted before its commit leaves *.compacting files that
 * nothing reads and the next writer deletes. `stats`, `verify` and
 * `segments` say so (text and --json), naming the files and their bytes;
 * once a writer has opened the store, they say nothing of it.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { uncommittedCompaction } from '../../src/cli/commands.js';
import { cleanTempDirs, crashBeforeCompactionCommit, tempDir } from '../engine/helpers.js';

vi.setConfig({ testTimeout: 120_000 });

const BIN = path.resolve(__dirname, '../../bin/kvscope.js');

function kv(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { timeout: 30_000 });
  return { code: r.status, out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8') };
}

let crashed: string;
let compacting: { file: string; bytes: number }[];
/** The store closed cleanly (its keydir image written) after the compaction failed; its outputs not deleted. */
let imaged: string;

beforeAll(async () => {
  const dir = path.join(tempDir(), 'store');
  crashed = path.join(tempDir(), 'crashed');
  const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 512 });
  for (let i = 0; i < 100; i++) await store.put(`key-${i % 10}`, `value-${i}`);
  await store.close();
  const names = await crashBeforeCompactionCommit(dir, crashed);
  expect(names.some((n) => n.endsWith('.data.compacting'))).toBe(true);
  expect(fs.existsSync(path.join(crashed, 'COMPACTION'))).toBe(false);
  compacting = names.map((file) => ({ file, bytes: fs.statSync(path.join(crashed, file)).size }));
  // What the failed compaction leaves when its outputs cannot be deleted: the store closed cleanly beside them.
  expect(fs.existsSync(path.join(dir, 'KEYDIR'))).toBe(true);
  imaged = dir;
  for (const name of names) fs.copyFileSync(path.join(crashed, name), path.join(imaged, name));
});
afterAll(cleanTempDirs);

describe('a compaction interrupted before its commit', () => {
  it('stats, verify and segments name its files and bytes, in text', () => {
    const bytes = compacting.reduce((n, f) => n + f.bytes, 0);
    for (const command of ['stats', 'verify', 'segments']) {
      const r = kv(['--dir', crashed, command]);
      expect(r.code, command).toBe(0);
      const line = r.out.split('\n').find((l) => l.startsWith('An unfinished compaction was found'));
      expect(line, `${command}:\n${r.out}`).toBeDefined();
      expect(line).toContain('interrupted before its commit');
      expect(line).toContain('the next writer rolls back');
      expect(line).toContain(`${bytes} bytes`);
      for (const { file } of compacting) expect(line).toContain(file);
    }
  });

  it('and in --json, as uncommittedCompaction: {files, bytes}', () => {
    const bytes = compacting.reduce((n, f) => n + f.bytes, 0);
    for (const command of ['stats', 'verify', 'segments']) {
      const r = kv(['--dir', crashed, command, '--json']);
      expect(r.code, command).toBe(0);
      const out = JSON.parse(r.out) as { uncommittedCompaction?: unknown; ok?: boolean };
      expect(out.uncommittedCompaction, command).toEqual({ files: compacting, bytes });
      if (command === 'verify') expect(out.ok).toBe(true);
    }
  });

  it('beside a keydir image (taken without an open: image-stats.test.ts): stats gives the figures of an open and names the files', async () => {
    const bytes = compacting.reduce((n, f) => n + f.bytes, 0);
    const store = await Store.open(imaged, { readOnly: true });
    const opened = store.stats();
    await store.close();
    expect(opened.figuresFrom).toBe('index');
    const r = kv(['--dir', imaged, 'stats', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ ...opened, uncommittedCompaction: { files: compacting, bytes } });
    const text = kv(['--dir', imaged, 'stats']);
    expect(text.out).toContain('An unfinished compaction was found');
    expect(text.out).toContain('Figures from:        hints / keydir image');
  });

  it('says nothing once a writer has rolled it back', () => {
    const copy = path.join(tempDir(), 'copy');
    fs.cpSync(crashed, copy, { recursive: true });
    expect(kv(['--dir', copy, 'set', 'after', 'crash']).code).toBe(0);
    expect(fs.readdirSync(copy).filter((n) => n.includes('.compacting'))).toEqual([]);
    for (const command of ['stats', 'verify', 'segments']) {
      const r = kv(['--dir', copy, command]);
      expect(r.out, command).not.toContain('unfinished compaction');
      expect(JSON.parse(kv(['--dir', copy, command, '--json']).out), command).not.toHaveProperty('uncommittedCompaction');
    }
  });

  it('while a live writer holds the lock, is said to be under way in it', () => {
    const copy = path.join(tempDir(), 'writing');
    fs.cpSync(crashed, copy, { recursive: true });
    fs.writeFileSync(path.join(copy, 'LOCK'), `${process.pid} ${os.hostname()}\n`);
    const said = uncommittedCompaction(copy);
    expect(said?.json.uncommittedCompaction.writerPid).toBe(process.pid);
    expect(said?.text).toContain(`A compaction is under way in the writer (pid ${process.pid})`);
  });
});
