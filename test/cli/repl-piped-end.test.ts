/**
 * A piped `kvscope repl` (a script feeding it, another reading it) holds the
 * writer's lock for as long as it runs: when its reader goes (`kvscope repl
 * | head -1`), its output cannot be written (a full disk) or it is sent
 * SIGTERM, it ends after the line it is running,
 * the store closed cleanly (no LOCK left, hints and keydir image written).
 * Before, the process ended at once, leaving the LOCK for the next command
 * to take over with a recovery note, and no keydir image.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';
import { BIN } from './run-cli.js';

vi.setConfig({ testTimeout: 60_000 });
afterAll(cleanTempDirs);

/** A repl on `dir` with both ends piped; `said(text)` resolves once its stdout has said `text`. */
function pipedRepl(dir: string, stdout: 'pipe' | number = 'pipe'): { child: ChildProcessWithoutNullStreams; said(text: string): Promise<void>; ended: Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string }> } {
  const child = spawn(process.execPath, [BIN, '-d', dir, 'repl'], { stdio: ['pipe', stdout, 'pipe'] }) as ChildProcessWithoutNullStreams;
  let out = '';
  let err = '';
  const waiting: { text: string; resolve(): void }[] = [];
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiting.filter((w) => out.includes(w.text))) w.resolve();
  });
  child.stdout?.on('error', () => undefined);
  child.stdin.on('error', () => undefined);
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, err })));
  return { child, said: (text) => (out.includes(text) ? Promise.resolve() : new Promise((resolve) => waiting.push({ text, resolve }))), ended };
}

async function keysOf(dir: string): Promise<string[]> {
  const store = await Store.open(dir, { readOnly: true });
  try {
    return [...store.sortedKeys()];
  } finally {
    await store.close();
  }
}

describe('a piped repl', () => {
  it('whose reader has gone ends after the line it runs, the store closed (no LOCK), though its input is still open', async () => {
    const dir = path.join(tempDir(), 'store');
    const repl = pipedRepl(dir);
    repl.child.stdin.write('set a 1\n');
    await repl.said('OK');
    // The reader goes (as head does after its line); the next line's OK then meets EPIPE.
    repl.child.stdout.destroy();
    repl.child.stdin.write('set b 2\n');
    const r = await repl.ended;
    // Not an error: what it ran went well.
    expect([r.code, r.signal]).toEqual([0, null]);
    expect(r.err).toBe('');
    expect(fs.readdirSync(dir).sort()).toEqual(['000001.data', '000001.hint', 'KEYDIR']);
    expect(await keysOf(dir)).toEqual(['a', 'b']);
  });

  it('whose output cannot be written (a full disk) says so and ends after the line it runs, the store closed, exit 3', async () => {
    const dir = path.join(tempDir(), 'store');
    const full = fs.openSync('/dev/full', 'w');
    try {
      const repl = pipedRepl(dir, full);
      // Its OK cannot be written; the input stays open.
      repl.child.stdin.write('set a 1\n');
      const r = await repl.ended;
      expect([r.code, r.signal]).toEqual([3, null]);
      expect(r.err).toBe('kvscope: cannot write the output: ENOSPC: no space left on device, write\n');
      expect(fs.readdirSync(dir).sort()).toEqual(['000001.data', '000001.hint', 'KEYDIR']);
      expect(await keysOf(dir)).toEqual(['a']);
    } finally {
      fs.closeSync(full);
    }
  });

  it('sent SIGTERM ends after the line it runs, the store closed (no LOCK), then ends by SIGTERM', async () => {
    const dir = path.join(tempDir(), 'store');
    const repl = pipedRepl(dir);
    repl.child.stdin.write('set a 1\n');
    await repl.said('OK');
    repl.child.kill('SIGTERM');
    const r = await repl.ended;
    expect([r.code, r.signal]).toEqual([null, 'SIGTERM']);
    expect(fs.readdirSync(dir).sort()).toEqual(['000001.data', '000001.hint', 'KEYDIR']);
    expect(await keysOf(dir)).toEqual(['a']);
  });
});
