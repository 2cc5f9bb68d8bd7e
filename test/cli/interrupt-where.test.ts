/**
 * Where verify and du --dead say they were stopped, at the points interrupt.test.ts cannot reach with a real
 * signal (which stops them somewhere in their reading): during the open, as the open ends (the store open,
 * its reading not begun), and at du --dead's first progress (0 bytes of all). verify and du --dead say the
 * second differently: verify "as it began" (it had begun), du --dead "while opening the store" (it counts
 * itself begun at its first progress).
 *
 * Run in this process (main), as the entry runs it; the stop is a SIGINT emitted on `process` (listeners only,
 * as in interrupt-twice.test.ts) from the engine call named, just before it runs or at its first progress.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { EXIT_INTERRUPTED, type Io } from '../../src/cli/commands.js';
import { main } from '../../src/cli/main.js';
import { formatBytes } from '../../src/cli/units.js';
import { Store } from '../../src/engine/store.js';
import type { Progress } from '../../src/engine/types.js';
import { cleanTempDirs, dataFiles, tempDir } from '../engine/helpers.js';

afterAll(cleanTempDirs);
afterEach(() => vi.restoreAllMocks());

const stop = (): void => void process.emit('SIGINT', 'SIGINT');
// Taken before any spy replaces them (a test spies on one twice).
const open = Store.open.bind(Store);
const { verify, deadSpace } = Store.prototype;

/** `kvscope …argv` in this process. */
async function run(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t), stdin: Readable.from([]) };
  return { code: await main(argv, io), out, err };
}

/** Stopped as the store opens (its first check of the signal ends the open). */
function stopDuringOpen(): void {
  vi.spyOn(Store, 'open').mockImplementation((dir, options) => {
    stop();
    return open(dir, options);
  });
}

/** Stopped once the store is open, just before `method` runs. */
function stopBefore(method: 'verify' | 'deadSpace'): void {
  const original = (method === 'verify' ? verify : deadSpace) as (this: Store, ...args: unknown[]) => Promise<unknown>;
  vi.spyOn(Store.prototype, method).mockImplementation(function (this: Store, ...args: unknown[]) {
    stop();
    return original.apply(this, args);
  } as never);
}

/** Stopped at du --dead's first progress: its report of 0 bytes read of all. */
function stopAtFirstDeadSpaceProgress(): void {
  vi.spyOn(Store.prototype, 'deadSpace').mockImplementation(function (this: Store, opts = {}) {
    let stopped = false;
    const onProgress = (p: Progress): void => {
      opts.onProgress?.(p);
      if (p.phase === 'dead space' && !stopped) {
        stopped = true;
        stop();
      }
    };
    return deadSpace.call(this, { ...opts, onProgress });
  });
}

describe('where an interrupted verify or du --dead says it was', () => {
  const dir = path.join(tempDir(), 'store');
  let bytes = 0;
  const built = (async () => {
    const store = await Store.open(dir, { create: true });
    for (let round = 0; round < 2; round++) await store.batch(Array.from({ length: 100 }, (_, i) => ({ type: 'put' as const, key: `key-${i}`, value: `${round}` })));
    await store.close();
    bytes = dataFiles(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
  })();

  it('verify, during the open: nothing was checked', async () => {
    await built;
    stopDuringOpen();
    expect(await run(['--dir', dir, 'verify'])).toEqual({ code: EXIT_INTERRUPTED, out: [], err: ['kvscope: verify interrupted while opening the store; nothing was checked'] });
    stopDuringOpen();
    expect(await run(['--dir', dir, 'verify', '--json'])).toEqual({ code: EXIT_INTERRUPTED, out: ['{"interrupted":true,"while":"opening"}'], err: ['kvscope: verify interrupted while opening the store; nothing was checked'] });
  });

  it('verify, the store open and its check not begun: "as it began"', async () => {
    await built;
    stopBefore('verify');
    expect(await run(['--dir', dir, 'verify'])).toEqual({ code: EXIT_INTERRUPTED, out: [], err: ['kvscope: verify interrupted as it began; no report'] });
    stopBefore('verify');
    expect(await run(['--dir', dir, 'verify', '--json'])).toEqual({
      code: EXIT_INTERRUPTED,
      out: ['{"interrupted":true,"while":"verifying","checkedBytes":0,"totalBytes":0}'],
      err: ['kvscope: verify interrupted as it began; no report'],
    });
  });

  it('du --dead, during the open', async () => {
    await built;
    stopDuringOpen();
    expect(await run(['--dir', dir, 'du', '--dead'])).toEqual({ code: EXIT_INTERRUPTED, out: [], err: ['kvscope: du --dead interrupted while opening the store; no report'] });
    stopDuringOpen();
    expect(await run(['--dir', dir, 'du', '--dead', '--json'])).toEqual({ code: EXIT_INTERRUPTED, out: ['{"interrupted":true,"while":"opening"}'], err: ['kvscope: du --dead interrupted while opening the store; no report'] });
  });

  it('du --dead, the store open and its reading not begun: "while opening the store", where verify says "as it began"', async () => {
    await built;
    stopBefore('deadSpace');
    expect(await run(['--dir', dir, 'du', '--dead'])).toEqual({ code: EXIT_INTERRUPTED, out: [], err: ['kvscope: du --dead interrupted while opening the store; no report'] });
  });

  it('du --dead, at its first progress: after 0 B of all the segments\' bytes (0%)', async () => {
    await built;
    expect(bytes).toBeGreaterThan(0);
    stopAtFirstDeadSpaceProgress();
    expect(await run(['--dir', dir, 'du', '--dead'])).toEqual({ code: EXIT_INTERRUPTED, out: [], err: [`kvscope: du --dead interrupted after 0 B of ${formatBytes(bytes)} (0%); no report`] });
    stopAtFirstDeadSpaceProgress();
    expect(await run(['--dir', dir, 'du', '--dead', '--json'])).toEqual({
      code: EXIT_INTERRUPTED,
      out: [JSON.stringify({ interrupted: true, while: 'reading', readBytes: 0, totalBytes: bytes })],
      err: [`kvscope: du --dead interrupted after 0 B of ${formatBytes(bytes)} (0%); no report`],
    });
  });
});
