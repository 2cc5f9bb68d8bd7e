/**
 * Ctrl-C (a real SIGINT to the child process) during import, compact and
 * verify: the work stops, the store is closed cleanly, stderr says what was
 * done, and the process then ends by SIGINT as before (a shell says 130). An
 * interrupted import says how many lines went in, and exactly those are in
 * the store.
 *
 * The child is stopped at a known point, never by timing:
 * - import reads a FIFO, once (it keeps a copy for its second pass), and a
 *   preload (HOLD_PRELOAD, KVSCOPE_TEST_SPOOL_BYTES) lets its second pass
 *   read two whole batches and some of that copy, then holds the read: the
 *   test waits until the store holds the two batches, then interrupts while
 *   the import waits for more lines;
 * - compact and verify run with a preload (HOLD_PRELOAD) that holds their
 *   first yield to the event loop (the engine's Yielder, in the function
 *   named by KVSCOPE_TEST_HOLD_IN) until SIGINT (or SIGTERM, SIGHUP) comes, and says "HELD" on
 *   stderr when it holds. Its listener goes at the first such signal;
 *   where no other listener is there (the command before this change), it
 *   raises the signal again, so the process dies by it as Node's default
 *   does.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { cleanTempDirs, dataFiles, hashDir, tempDir } from '../engine/helpers.js';

vi.setConfig({ testTimeout: 180_000 });
afterAll(cleanTempDirs);

const BIN = path.resolve(__dirname, '../../bin/kvscope.js');

const HOLD_PRELOAD = `
import timers from 'node:timers/promises';
import { syncBuiltinESMExports } from 'node:module';
import fs, { writeSync } from 'node:fs';
import { PassThrough } from 'node:stream';
const original = timers.setImmediate;
const holdIn = process.env.KVSCOPE_TEST_HOLD_IN;
let held = false;
let release;
const interrupted = new Promise((resolve) => (release = resolve));
const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
for (const name of signals) {
  process.on(name, function onSignal() {
    for (const s of signals) process.off(s, onSignal);
    if (process.listenerCount(name) === 0) process.kill(process.pid, name);
    else release();
  });
}
timers.setImmediate = function (...args) {
  if (!held && holdIn) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 100;
    const stack = new Error().stack ?? '';
    Error.stackTraceLimit = limit;
    if (stack.includes(holdIn)) {
      held = true;
      // Nothing else may keep the event loop alive meanwhile: Node would end with the work held.
      const alive = setInterval(() => undefined, 1000);
      void interrupted.then(() => clearInterval(alive));
      writeSync(2, 'HELD\\n');
      return interrupted.then(() => original(...args));
    }
  }
  return original(...args);
};
// The copy an import keeps of a FIFO (or of stdin) for its second pass, read up to KVSCOPE_TEST_SPOOL_BYTES:
// then the read waits, as for a pipe whose writer is slow, until the import stops it.
const spoolBytes = Number(process.env.KVSCOPE_TEST_SPOOL_BYTES ?? 0);
if (spoolBytes > 0) {
  const createReadStream = fs.createReadStream;
  fs.createReadStream = function (file, ...rest) {
    if (typeof file !== 'string' || !file.includes('kvscope-import-')) return createReadStream.call(this, file, ...rest);
    const held = new PassThrough();
    const read = createReadStream.call(this, file, { end: spoolBytes - 1 });
    read.pipe(held, { end: false });
    // Nothing else keeps the event loop alive meanwhile: Node would end with the read held.
    read.on('end', () => {
      const alive = setInterval(() => undefined, 1000);
      held.on('close', () => clearInterval(alive));
    });
    return held;
  };
}
syncBuiltinESMExports();
`;

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** Start the command; `ready` resolves when its stderr has said `marker`. */
function start(args: string[], options: { preload?: string; holdIn?: string; marker?: string; env?: Record<string, string> } = {}): { ready: Promise<void>; ended: Promise<Ended>; interrupt(signal?: NodeJS.Signals): void } {
  const child = spawn(process.execPath, [...(options.preload ? ['--import', options.preload] : []), BIN, ...args], {
    env: { ...process.env, ...(options.holdIn ? { KVSCOPE_TEST_HOLD_IN: options.holdIn } : {}), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let markSeen: () => void;
  const ready = new Promise<void>((resolve) => (markSeen = resolve));
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    if (options.marker && err.includes(options.marker)) markSeen();
  });
  const ended = new Promise<Ended>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, out, err: options.marker ? err.replace(`${options.marker}\n`, '') : err })));
  // A command that ends before it holds must not leave the test waiting.
  void ended.then(() => markSeen());
  return { ready, ended, interrupt: (signal = 'SIGINT') => child.kill(signal) };
}

/** A store of `keys` keys, each written twice (so that compaction has something to drop). */
async function bigStore(dir: string, keys: number): Promise<void> {
  const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 4 * 1024 * 1024 });
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < keys; i += 10_000) {
      await store.batch(Array.from({ length: Math.min(10_000, keys - i) }, (_, j) => ({ type: 'put' as const, key: `key-${i + j}`, value: `${round}:${'v'.repeat(100)}` })));
    }
  }
  await store.close();
}

describe('Ctrl-C', () => {
  const root = tempDir();
  const preload = path.join(root, 'hold.mjs');
  fs.writeFileSync(preload, HOLD_PRELOAD);
  const storeDir = path.join(root, 'big');
  const built = bigStore(storeDir, 100_000);

  it('during import: says how many lines went in (whole batches, lines 1–N), and exactly those are in the store', async () => {
    const fifo = path.join(root, 'keys.fifo');
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [fifo]);
    const line = (i: number): string => `${JSON.stringify({ key: `key-${String(i).padStart(6, '0')}`, value: `value-${i}` })}\n`;
    const all = Array.from({ length: 30_000 }, (_, i) => line(i + 1)).join('');
    const dir = path.join(root, 'imported');
    // The FIFO is read once (the import keeps a copy for its second pass); that second pass gets 25,000 lines
    // (two batches of 10,000 and 5,000 gathered), then nothing more: the import waits.
    const held = Buffer.byteLength(Array.from({ length: 25_000 }, (_, i) => line(i + 1)).join(''));
    const run = start(['--dir', dir, '--fsync', 'always', 'import', fifo], { preload, env: { KVSCOPE_TEST_SPOOL_BYTES: String(held) } });
    await new Promise<void>((resolve, reject) => fs.createWriteStream(fifo).on('error', reject).end(all, resolve));
    // Wait (not for a time: for the store) until the two batches are in.
    for (;;) {
      if (fs.existsSync(dir) && dataFiles(dir).length > 0) {
        try {
          const reader = await Store.open(dir, { readOnly: true });
          const n = reader.keyCount();
          await reader.close();
          if (n >= 20_000) break;
        } catch {
          // Opened while the writer was creating its files: look again.
        }
      }
      await sleep(50);
    }
    run.interrupt();
    const r = await run.ended;
    // Ended by SIGINT, after saying what it did: what a shell shows as exit status 130.
    expect([r.code, r.signal]).toEqual([null, 'SIGINT']);
    expect(r.out).toBe('');
    expect(r.err).toBe(`kvscope: interrupted: 20,000 of the file's 30,000 lines were imported (lines 1–20,000 of ${fifo}); the rest were not\n`);
    // What it says went in is in, and nothing else.
    const store = await Store.open(dir, { readOnly: true });
    expect(store.keyCount()).toBe(20_000);
    expect((await store.get('key-020000'))?.toString()).toBe('value-20000');
    expect(await store.get('key-020001')).toBeUndefined();
    await store.close();
  });

  it('during verify: says how far it got, nothing on stdout', async () => {
    await built;
    const run = start(['--dir', storeDir, 'verify'], { preload, holdIn: 'verifyOnce', marker: 'HELD' });
    await run.ready;
    run.interrupt();
    const r = await run.ended;
    // Ended by SIGINT, after saying what it did: what a shell shows as exit status 130.
    expect([r.code, r.signal]).toEqual([null, 'SIGINT']);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^kvscope: verify interrupted after [\d.]+ (B|KiB|MiB) of [\d.]+ MiB \(\d+%\); no report\n$/);
  });

  it('during verify --json: an {"interrupted": true} object on stdout, with how far it got', async () => {
    await built;
    const run = start(['--dir', storeDir, 'verify', '--json'], { preload, holdIn: 'verifyOnce', marker: 'HELD' });
    await run.ready;
    run.interrupt();
    const r = await run.ended;
    expect([r.code, r.signal]).toEqual([null, 'SIGINT']);
    const said = JSON.parse(r.out) as Record<string, unknown>;
    expect(said).toMatchObject({ interrupted: true, while: 'verifying' });
    expect(said.totalBytes).toBeGreaterThan(0);
  });

  it('during compact --json: an {"interrupted": true, "compacted": false} object on stdout', async () => {
    await built;
    const run = start(['--dir', storeDir, 'compact', '--json'], { preload, holdIn: 'runCompaction', marker: 'HELD' });
    await run.ready;
    run.interrupt();
    const r = await run.ended;
    expect([r.code, r.signal]).toEqual([null, 'SIGINT']);
    expect(JSON.parse(r.out)).toEqual({ interrupted: true, compacted: false, while: 'compacting' });
  });

  it('during import --json, while its lines are checked: {"imported": 0, "throughLine": 0, "interrupted": true}', async () => {
    const fifo = path.join(root, 'checking.fifo');
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [fifo]);
    const run = start(['--dir', path.join(root, 'checked'), 'import', fifo, '--json']);
    // The FIFO opens for writing once the import has opened it for reading: its Ctrl-C handler is there by then.
    const writer = fs.createWriteStream(fifo);
    writer.on('error', () => undefined);
    await new Promise<void>((resolve) => writer.on('open', () => resolve()));
    writer.write('{"key":"a","value":"1"}\n');
    run.interrupt();
    const r = await run.ended;
    writer.destroy();
    expect([r.code, r.signal]).toEqual([null, 'SIGINT']);
    expect(JSON.parse(r.out)).toEqual({ imported: 0, throughLine: 0, interrupted: true });
    expect(r.err).toContain('nothing was imported');
  });

  it('during compact: says the store is unchanged, and it is (every data and hint file as it was)', async () => {
    await built;
    const files = (): Record<string, string> => Object.fromEntries(Object.entries(hashDir(storeDir)).filter(([name]) => /\.(data|hint)$/.test(name)));
    const before = files();
    const run = start(['--dir', storeDir, 'compact'], { preload, holdIn: 'runCompaction', marker: 'HELD' });
    await run.ready;
    run.interrupt();
    const r = await run.ended;
    // Ended by SIGINT, after saying what it did: what a shell shows as exit status 130.
    expect([r.code, r.signal]).toEqual([null, 'SIGINT']);
    expect(r.out).toBe('');
    expect(r.err).toBe('kvscope: compaction interrupted; the store is unchanged\n');
    expect(files()).toEqual(before);
    expect(fs.readdirSync(storeDir).filter((n) => n.includes('.compacting') || n === 'LOCK')).toEqual([]);
    const store = await Store.open(storeDir, { readOnly: true });
    expect(store.keyCount()).toBe(100_000);
    await store.close();
  });
});

describe('SIGTERM and SIGHUP', () => {
  const root = tempDir();
  const preload = path.join(root, 'hold.mjs');
  fs.writeFileSync(preload, HOLD_PRELOAD);
  const storeDir = path.join(root, 'big');
  const built = bigStore(storeDir, 20_000);

  // kill, timeout(1) or a service manager stop a long compaction with SIGTERM: before, Node's default ended the
  // process at once, leaving its LOCK (the next writer said it took over a dead process's lock) and no keydir image.
  it('during compact: stops it as Ctrl-C does (the store unchanged, the lock released), then ends by SIGTERM', async () => {
    await built;
    const files = (): Record<string, string> => Object.fromEntries(Object.entries(hashDir(storeDir)).filter(([name]) => /\.(data|hint)$/.test(name)));
    const before = files();
    const run = start(['--dir', storeDir, 'compact'], { preload, holdIn: 'runCompaction', marker: 'HELD' });
    await run.ready;
    run.interrupt('SIGTERM');
    const r = await run.ended;
    // What a shell shows as exit status 143.
    expect([r.code, r.signal]).toEqual([null, 'SIGTERM']);
    expect(r.err).toBe('kvscope: compaction interrupted; the store is unchanged\n');
    expect(files()).toEqual(before);
    expect(fs.readdirSync(storeDir).filter((n) => n.includes('.compacting') || n === 'LOCK')).toEqual([]);
  });

  it('during verify: says how far it got and ends by SIGHUP (a closed terminal)', async () => {
    await built;
    const run = start(['--dir', storeDir, 'verify'], { preload, holdIn: 'verifyOnce', marker: 'HELD' });
    await run.ready;
    run.interrupt('SIGHUP');
    const r = await run.ended;
    expect([r.code, r.signal]).toEqual([null, 'SIGHUP']);
    expect(r.err).toMatch(/^kvscope: verify interrupted after [\d.]+ (B|KiB|MiB) of [\d.]+ MiB \(\d+%\); no report\n$/);
  });

  it('during du --dead: stops reading the records, says how far it got, ends by SIGTERM', async () => {
    await built;
    const run = start(['--dir', storeDir, 'du', '--dead'], { preload, holdIn: 'nativeDeadSpace', marker: 'HELD' });
    await run.ready;
    run.interrupt('SIGTERM');
    const r = await run.ended;
    expect([r.code, r.signal]).toEqual([null, 'SIGTERM']);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^kvscope: du --dead interrupted after [\d.]+ (B|KiB|MiB) of [\d.]+ MiB \(\d+%\); no report\n$/);
  });
});
