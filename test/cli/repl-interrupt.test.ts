/**
 * Ctrl-C at an interactive `kvscope repl` prompt, through a real terminal (a
 * pty made by script(1)): the first drops the line and gives a new prompt,
 * a second in a row ends the session with the store closed cleanly (no
 * LOCK left, a keydir image written), exit 0. Before, the first Ctrl-C
 * killed the process at once (130), leaving the LOCK and no keydir image.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';
import { ptyKvscope } from './pty.js';

vi.setConfig({ testTimeout: 120_000 });
afterAll(cleanTempDirs);

describe('Ctrl-C in an interactive repl', () => {
  it('clears the line; a second in a row closes the store cleanly and exits 0', async () => {
    const dir = path.join(tempDir(), 'store');
    const history = path.join(tempDir(), 'history');
    const session = ptyKvscope(['-d', dir, 'repl'], { KVSCOPE_REPL_HISTORY: history });
    await session.typeAndWait('', '> ');
    await session.typeAndWait('set a 1\r', 'OK');
    await session.typeAndWait('half a line\x03', 'To exit, press Ctrl-C again');
    // The session goes on: the dropped line was not run, the next one is.
    await session.typeAndWait('get a\r', '1\r\n');
    await session.typeAndWait('\x03', 'To exit');
    session.type('\x03');
    expect(await session.ended).toBe(0);
    expect(fs.readdirSync(dir).sort()).toEqual(['000001.data', '000001.hint', 'KEYDIR']);
    expect(session.seen()).not.toContain('Unknown command');
    // The dropped line is not history either.
    expect(fs.readFileSync(history, 'utf8')).toBe('set a 1\nget a\n');
  });

  it('a Ctrl-C on a line typed since the last one drops that line instead of ending the session', async () => {
    const dir = path.join(tempDir(), 'store');
    const session = ptyKvscope(['-d', dir, 'repl'], { KVSCOPE_REPL_HISTORY: '' });
    await session.typeAndWait('set a 1\r', 'OK');
    await session.typeAndWait('\x03', 'To exit');
    // The line before recalled (up arrow): that Ctrl-C is not the second in a row.
    await session.typeAndWait('\x1b[A', 'set a 1');
    await session.typeAndWait('\x03', 'To exit');
    await session.typeAndWait('get a\r', '1\r\n');
    await session.typeAndWait('\x03', 'To exit');
    session.type('\x03');
    expect(await session.ended).toBe(0);
    expect(fs.readdirSync(dir).sort()).toEqual(['000001.data', '000001.hint', 'KEYDIR']);
  });

  it('Ctrl-D on an empty line ends the session with the store closed cleanly', async () => {
    const dir = path.join(tempDir(), 'store');
    const session = ptyKvscope(['-d', dir, 'repl'], { KVSCOPE_REPL_HISTORY: '' });
    await session.typeAndWait('set a 1\r', 'OK');
    session.type('\x04');
    expect(await session.ended).toBe(0);
    expect(fs.readdirSync(dir).sort()).toEqual(['000001.data', '000001.hint', 'KEYDIR']);
  });
});
