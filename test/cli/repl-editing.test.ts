/**
 * Line editing at an interactive `kvscope repl`, through a real terminal (a
 * pty made by script(1)): the up arrow recalls the previous line, Ctrl-R
 * searches the history, Tab completes a key from the store, and the history
 * is kept across sessions in ~/.kvscope_history (or the file
 * KVSCOPE_REPL_HISTORY names). Before, the REPL read its terminal as a pipe:
 * the arrow's escape sequence became part of the line (an unknown command)
 * and Tab a tab in the key.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';
import { ptyKvscope } from './pty.js';

vi.setConfig({ testTimeout: 120_000 });
afterAll(cleanTempDirs);

const UP = '\x1b[A';

describe('line editing in an interactive repl', () => {
  it('the up arrow recalls the lines before, newest first', async () => {
    const dir = path.join(tempDir(), 'store');
    const session = ptyKvscope(['-d', dir, 'repl'], { KVSCOPE_REPL_HISTORY: '' });
    await session.typeAndWait('set k hello\r', 'OK');
    await session.typeAndWait('get k\r', 'hello\r\n');
    await session.typeAndWait('set k world\r', 'OK');
    await session.typeAndWait(UP, 'set k world');
    await session.typeAndWait(UP, 'get k');
    await session.typeAndWait('\r', 'world\r\n');
    await session.typeAndWait('quit\r', '\n');
    expect(await session.ended).toBe(0);
    expect(session.seen()).not.toContain('Unknown command');
  });

  it('Tab completes a key from the store, quoted as the REPL reads it', async () => {
    const dir = path.join(tempDir(), 'store');
    const session = ptyKvscope(['-d', dir, 'repl'], { KVSCOPE_REPL_HISTORY: '' });
    await session.typeAndWait('set "my long key" v1\r', 'OK');
    await session.typeAndWait('set other v2\r', 'OK');
    await session.typeAndWait('get my', 'my');
    // Alone in its write: readline takes a Tab that comes with other keys as pasted text.
    await session.typeAndWait('\t', '\\ long\\ key ');
    await session.typeAndWait('\r', 'v1\r\n');
    await session.typeAndWait('quit\r', '\n');
    expect(await session.ended).toBe(0);
    expect(session.seen()).not.toContain('Key not found');
  });

  it('the history is kept in ~/.kvscope_history (mode 0600) and recalled by the next session', async () => {
    const home = tempDir();
    const dir = path.join(tempDir(), 'store');
    const env = { HOME: home, KVSCOPE_REPL_HISTORY: undefined };
    const first = ptyKvscope(['-d', dir, 'repl'], env);
    await first.typeAndWait('set x 42\r', 'OK');
    await first.typeAndWait('stats\r', 'Keys');
    first.type('\x04'); // Ctrl-D
    expect(await first.ended).toBe(0);
    const file = path.join(home, '.kvscope_history');
    expect(fs.readFileSync(file, 'utf8')).toBe('set x 42\nstats\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);

    const second = ptyKvscope(['-d', dir, 'repl'], env);
    await second.typeAndWait('', '> ');
    await second.typeAndWait(UP, 'stats');
    await second.typeAndWait(UP, 'set x 42');
    // Edited: the recalled line's value becomes 43.
    await second.typeAndWait('\x7f3\r', 'OK');
    await second.typeAndWait('get x\r', '43\r\n');
    await second.typeAndWait('quit\r', '\n');
    expect(await second.ended).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe('set x 42\nstats\nset x 43\nget x\nquit\n');
  });

  it('Ctrl-R finds a line of an earlier session by what it holds, and Enter runs it', async () => {
    const file = path.join(tempDir(), 'history');
    fs.writeFileSync(file, 'set x 42\nget x\nstats\n');
    const dir = path.join(tempDir(), 'store');
    const session = ptyKvscope(['-d', dir, 'repl'], { KVSCOPE_REPL_HISTORY: file });
    await session.typeAndWait('', '> ');
    await session.typeAndWait('\x12', "(reverse-i-search)'': ");
    // One key a write: readline takes keys that come together as pasted text.
    for (const [key, prompt] of [['x', "'x': "], [' ', "'x ': "], ['4', "'x 4': "]] as const) await session.typeAndWait(key, prompt);
    await session.typeAndWait('\r', 'OK');
    await session.typeAndWait('get x\r', '42\r\n');
    await session.typeAndWait('quit\r', '\n');
    expect(await session.ended).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe('set x 42\nget x\nstats\nset x 42\nget x\nquit\n');
  });

  it('a history file that cannot be read is said once, and the session goes on', async () => {
    const notAFile = tempDir(); // a directory
    const dir = path.join(tempDir(), 'store');
    const session = ptyKvscope(['-d', dir, 'repl'], { KVSCOPE_REPL_HISTORY: notAFile });
    await session.typeAndWait('', '> ');
    await session.typeAndWait('set a 1\r', 'OK');
    await session.typeAndWait('get a\r', '1\r\n');
    await session.typeAndWait('\x1b[A', 'get a'); // kept in memory all the same
    await session.typeAndWait('\x15quit\r', '\n');
    expect(await session.ended).toBe(0);
    expect(session.seen().split('cannot read the history file').length - 1).toBe(1);
    expect(fs.readdirSync(notAFile)).toEqual([]);
  });
});
