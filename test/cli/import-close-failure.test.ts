/**
 * An import under --fsync never whose close cannot sync the active segment
 * (an I/O error at its fdatasync). Under --fsync never nothing syncs a
 * segment but its sealing (rotation) and the close, and Store.close()
 * swallowed that error: an interrupted import then said "N lines were
 * imported", which its README promises durable once said, and a finished
 * one "Imported N lines", exit 0. Now both say that the close failed, which
 * lines are on disk (those in the segments sealed before) and which may
 * not be.
 *
 * Run in this process (main), as the entry runs it, with node:fs's
 * fdatasyncSync wrapped: for a data file it fails with EIO (injected) when
 * Store.close calls it (the bytes are written all the same, so the store
 * read after shows which segment each line went to), and an interrupted
 * import is stopped by a SIGINT emitted on `process` (listeners only, as in
 * interrupt-twice.test.ts) when the third segment is sealed (synced).
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EXIT_INTERRUPTED, EXIT_STORE, type Io } from '../../src/cli/commands.js';
import { main } from '../../src/cli/main.js';
import { Store } from '../../src/engine/store.js';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';

vi.setConfig({ testTimeout: 120_000 });
afterAll(cleanTempDirs);

const LINES = 30_000;
/** Segments sealed before an interrupted import is stopped. */
const INTERRUPT_AFTER_SEALED = 3;

const fdatasyncSync = fs.fdatasyncSync;
let failedSyncs = 0;
let sealed = 0;
let interrupt = false;
beforeEach(() => {
  failedSyncs = 0;
  sealed = 0;
  interrupt = false;
  fs.fdatasyncSync = (fd: number): void => {
    if (!/\.data$/.test(fs.readlinkSync(`/proc/self/fd/${fd}`))) return fdatasyncSync(fd);
    if (/\bat Store\.close \(/.test(new Error().stack ?? '')) {
      failedSyncs++;
      throw Object.assign(new Error('EIO: i/o error (injected), fdatasync'), { code: 'EIO' });
    }
    fdatasyncSync(fd);
    // A segment sealed (not the header of the one rotation then creates).
    const stack = new Error().stack ?? '';
    if (/\bat Store\.rotate \(/.test(stack) && !/\bcreateSegment/.test(stack) && ++sealed === INTERRUPT_AFTER_SEALED && interrupt) process.emit('SIGINT', 'SIGINT');
  };
  syncBuiltinESMExports();
});
afterEach(() => {
  fs.fdatasyncSync = fdatasyncSync;
  syncBuiltinESMExports();
});

/** `kvscope …argv` in this process; with `interrupted`, Ctrl-C once INTERRUPT_AFTER_SEALED segments are sealed. */
async function run(argv: string[], interrupted: boolean): Promise<{ code: number; out: string[]; err: string[] }> {
  interrupt = interrupted;
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t), stdin: Readable.from([]) };
  const code = await main(argv, io);
  expect(sealed).toBeGreaterThanOrEqual(INTERRUPT_AFTER_SEALED);
  return { code, out, err };
}

/** The lines in each data file of the store, in file order (every line a new key, in order). */
async function linesPerSegment(dir: string): Promise<{ file: string; records: number }[]> {
  const store = await Store.open(dir, { readOnly: true });
  try {
    return store.stats().perSegment.map((s) => ({ file: s.file, records: s.records }));
  } finally {
    await store.close();
  }
}

describe('an import under --fsync never whose close cannot sync', () => {
  const root = tempDir();
  const file = path.join(root, 'keys.jsonl');
  fs.writeFileSync(file, Array.from({ length: LINES }, (_, i) => JSON.stringify({ key: `key-${String(i + 1).padStart(6, '0')}`, value: `value-${i + 1}` })).join('\n') + '\n');
  const args = (dir: string): string[] => ['--dir', dir, '--fsync', 'never', '--segment-size', '256KiB', 'import', file];

  it('interrupted: says the close failed, which lines are on disk and which may not be; not "imported"', async () => {
    const dir = path.join(root, 'interrupted');
    const r = await run(args(dir), true);
    expect(r.code).toBe(EXIT_INTERRUPTED);
    expect(failedSyncs).toBe(1);
    const segments = await linesPerSegment(dir);
    const written = segments.reduce((n, s) => n + s.records, 0);
    const last = segments.at(-1)!;
    const synced = written - last.records;
    // Whole batches: three segments sealed, and some in the fourth.
    expect(written).toBeLessThan(LINES);
    expect(segments.length).toBe(INTERRUPT_AFTER_SEALED + 1);
    expect(last.records).toBeGreaterThan(0);
    const n = (x: number): string => x.toLocaleString('en-US');
    expect(r.err).toEqual([
      `kvscope: interrupted: ${n(written)} of the file's ${n(LINES)} lines were written (lines 1–${n(written)} of ${file}), ` +
        `but closing the store failed (syncing ${last.file} at close failed: EIO: i/o error (injected), fdatasync): ` +
        `under --fsync never, lines 1–${n(synced)} are on disk (synced when their segments were sealed), lines ${n(synced + 1)}–${n(written)} (in ${last.file}) may not be; ` +
        'the rest were not imported',
    ]);
    expect(r.err[0]).not.toContain('were imported');
  });

  it('interrupted, --json: "closeFailed", and how many lines were synced, beside "imported" (written)', async () => {
    const dir = path.join(root, 'interrupted-json');
    const r = await run([...args(dir), '--json'], true);
    expect(r.code).toBe(EXIT_INTERRUPTED);
    const segments = await linesPerSegment(dir);
    const written = segments.reduce((n, s) => n + s.records, 0);
    const synced = written - segments.at(-1)!.records;
    expect(JSON.parse(r.out.join(''))).toEqual({
      imported: written,
      throughLine: written,
      interrupted: true,
      closeFailed: `syncing ${segments.at(-1)!.file} at close failed: EIO: i/o error (injected), fdatasync`,
      synced,
      syncedThroughLine: synced,
    });
  });

  it('finished: an error (exit 3) saying so, not "Imported N lines"', async () => {
    const dir = path.join(root, 'finished');
    const r = await run(args(dir), false);
    expect(r.code).toBe(EXIT_STORE);
    expect(r.out).toEqual([]);
    const segments = await linesPerSegment(dir);
    const last = segments.at(-1)!;
    const synced = LINES - last.records;
    expect(r.err).toEqual([
      `kvscope: 30,000 lines were written, but closing the store failed (syncing ${last.file} at close failed: EIO: i/o error (injected), fdatasync): ` +
        `under --fsync never, lines 1–${synced.toLocaleString('en-US')} are on disk (synced when their segments were sealed), lines ${(synced + 1).toLocaleString('en-US')}–30,000 (in ${last.file}) may not be`,
    ]);
  });

  it('import --from, interrupted: the first keys (in key order) on disk, the others maybe not', async () => {
    const source = path.join(root, 'source');
    const writer = await Store.open(source, { create: true, fsync: 'never' });
    for (let i = 0; i < LINES; i += 10_000) {
      await writer.batch(Array.from({ length: 10_000 }, (_, j) => ({ type: 'put' as const, key: `key-${String(i + j + 1).padStart(6, '0')}`, value: `value-${i + j + 1}` })));
    }
    await writer.close();
    const dir = path.join(root, 'from');
    const r = await run(['--dir', dir, '--fsync', 'never', '--segment-size', '256KiB', 'import', '--from', source], true);
    expect(r.code).toBe(EXIT_INTERRUPTED);
    const segments = await linesPerSegment(dir);
    const written = segments.reduce((n, s) => n + s.records, 0);
    const last = segments.at(-1)!;
    const synced = written - last.records;
    const n = (x: number): string => x.toLocaleString('en-US');
    const key = (i: number): string => `key-${String(i).padStart(6, '0')}`;
    expect(r.err).toEqual([
      `kvscope: interrupted: ${n(written)} of the source's ${n(LINES)} keys were written (in key order, through ${key(written)}), ` +
        `but closing the store failed (syncing ${last.file} at close failed: EIO: i/o error (injected), fdatasync): ` +
        `under --fsync never, the first ${n(synced)} (through ${key(synced)}) are on disk (synced when their segments were sealed), the other ${n(written - synced)} (in ${last.file}) may not be; ` +
        'the rest were not imported',
    ]);
  });

  it('with --fsync batch, every batch was synced as it was written: "imported", as before', async () => {
    const dir = path.join(root, 'batch');
    const r = await run(['--dir', dir, '--fsync', 'batch', '--segment-size', '256KiB', 'import', file], true);
    expect(r.code).toBe(EXIT_INTERRUPTED);
    expect(failedSyncs).toBe(1);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/^kvscope: interrupted: [\d,]+ of the file's 30,000 lines were imported \(lines 1–[\d,]+ of .*\); the rest were not$/);
  });
});

describe('set, delete and the repl under --fsync never whose close cannot sync', () => {
  /** `kvscope …argv` in this process, with `input` on stdin. */
  async function runOnce(argv: string[], input = ''): Promise<{ code: number; out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t), stdin: Readable.from([input]) };
    return { code: await main(argv, io), out, err };
  }
  const closeFailed = 'kvscope: closing the store failed (syncing 000001.data at close failed: EIO: i/o error (injected), fdatasync): under --fsync never, what this command wrote to 000001.data may not be on disk';

  it('set: exit 3 saying the write may not be on disk, no "OK" (before: "OK", exit 0)', async () => {
    const dir = path.join(tempDir(), 'store');
    const r = await runOnce(['--dir', dir, '--fsync', 'never', 'set', 'k', 'v']);
    expect(failedSyncs).toBe(1);
    expect(r).toEqual({ code: EXIT_STORE, out: [], err: [closeFailed] });
  });

  it('delete and a piped repl: the same', async () => {
    const dir = path.join(tempDir(), 'store');
    fs.fdatasyncSync = fdatasyncSync;
    syncBuiltinESMExports();
    expect((await runOnce(['--dir', dir, 'set', 'k', 'v'])).code).toBe(0);
    fs.fdatasyncSync = (fd: number): void => {
      if (/\.data$/.test(fs.readlinkSync(`/proc/self/fd/${fd}`)) && /\bat Store\.close \(/.test(new Error().stack ?? '')) {
        throw Object.assign(new Error('EIO: i/o error (injected), fdatasync'), { code: 'EIO' });
      }
      fdatasyncSync(fd);
    };
    syncBuiltinESMExports();
    expect(await runOnce(['--dir', dir, '--fsync', 'never', 'delete', 'k'])).toEqual({ code: EXIT_STORE, out: [], err: [closeFailed] });
    const repl = await runOnce(['--dir', dir, '--fsync', 'never', 'repl'], 'set a 1\n');
    expect(repl.code).toBe(EXIT_STORE);
    expect(repl.err.at(-1)).toBe(closeFailed);
  });

  it('with --fsync always (the default) the write was synced before "OK": as before', async () => {
    const dir = path.join(tempDir(), 'store');
    const r = await runOnce(['--dir', dir, 'set', 'k', 'v']);
    expect(failedSyncs).toBe(1);
    expect(r).toEqual({ code: 0, out: ['OK'], err: [] });
  });
});
