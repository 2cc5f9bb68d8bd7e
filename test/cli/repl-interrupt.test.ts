/**
 * Ctrl-C at an interactive `kvscope repl` prompt, through a real terminal (a
 * pty made by script(1)): the first drops the line and gives a new prompt,
 * a second in a row ends the session with the store closed cleanly (no
 * LOCK left, a keydir image written), exit 0. Before, the first Ctrl-C
 * killed the process at once (130), leaving the LOCK and no keydir image.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';
import { BIN } from './run-cli.js';

vi.setConfig({ testTimeout: 120_000 });
afterAll(cleanTempDirs);

describe('Ctrl-C in an interactive repl', () => {
  it('clears the line; a second in a row closes the store cleanly and exits 0', async () => {
    const dir = path.join(tempDir(), 'store');
    // `exec`: script(1) runs the command through $SHELL -c, and a shell that stays as node's parent (dash,
    // the /bin/sh script falls back to when SHELL is unset, as in CI) also gets the Ctrl-Cs and ends itself
    // by SIGINT after node exits 0, so the test would see 130 whatever node did.
    const child = spawn('script', ['-qfec', `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} -d ${JSON.stringify(dir)} repl`, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let seen = '';
    let waiting: { text: string; from: number; resolve: () => void } | undefined;
    const check = (): void => {
      if (waiting && seen.indexOf(waiting.text, waiting.from) >= 0) {
        const w = waiting;
        waiting = undefined;
        w.resolve();
      }
    };
    child.stdout.on('data', (d: Buffer) => {
      seen += d.toString('utf8');
      check();
    });
    const ended = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    /** Type `keys`, then wait until the terminal shows `text` after what it showed so far. */
    const typeAndWait = async (keys: string, text: string): Promise<void> => {
      const from = seen.length;
      const shown = new Promise<void>((resolve) => {
        waiting = { text, from, resolve };
      });
      child.stdin.write(keys);
      check();
      await Promise.race([shown, ended.then(() => Promise.reject(new Error(`ended before showing ${JSON.stringify(text)}; it showed: ${seen}`)))]);
    };
    await typeAndWait('', '> ');
    await typeAndWait('set a 1\n', 'OK');
    await typeAndWait('half a line\x03', 'To exit, press Ctrl-C again');
    // The session goes on: the dropped line was not run, the next one is.
    await typeAndWait('get a\n', '1\r\n');
    await typeAndWait('\x03', 'To exit');
    child.stdin.write('\x03');
    expect(await ended).toBe(0);
    expect(fs.readdirSync(dir).sort()).toEqual(['000001.data', '000001.hint', 'KEYDIR']);
    expect(seen).not.toContain('Unknown command');
  });
});
