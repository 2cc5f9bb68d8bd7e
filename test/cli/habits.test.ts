/**
 * The seeds' command-line habits, as their users type them: kvdb's `del`
 * (its REPL's word for delete, and the DEL of tiny-log-kv's and kvdb's logs).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { kvscope } from './run-cli.js';

vi.setConfig({ testTimeout: 120_000 });

let cwd: string;
beforeAll(() => {
  cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'kvscope-habits-'));
});
afterAll(() => fs.rmSync(cwd, { recursive: true, force: true }));

describe('command names the seeds use', () => {
  it('del is delete, one-shot as in the repl: Deleted, then "Key not found" with exit 1', () => {
    expect(kvscope(cwd, ['-d', 'd', 'set', 'name', 'Jaya Krishna'])).toEqual({ code: 0, out: 'OK\n', err: '' });
    expect(kvscope(cwd, ['-d', 'd', 'del', 'name'])).toEqual({ code: 0, out: 'Deleted\n', err: '' });
    expect(kvscope(cwd, ['-d', 'd', 'get', 'name'])).toEqual({ code: 1, out: '', err: 'Key not found\n' });
    expect(kvscope(cwd, ['-d', 'd', 'del', 'name'])).toEqual({ code: 1, out: '', err: 'Key not found\n' });
    // Its options and usage are delete's, named as delete.
    expect(kvscope(cwd, ['-d', 'd', 'del', 'name', '--json'])).toEqual({ code: 1, out: '{"deleted":false}\n', err: 'Key not found\n' });
    const usage = kvscope(cwd, ['-d', 'd', 'del', 'a', '--prefix', 'x']);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('delete does not take --prefix');
    // Both help texts name it.
    expect(kvscope(cwd, ['--help']).out).toMatch(/^ {2}delete KEY \| del KEY/m);
    expect(kvscope(cwd, ['-d', 'd', 'repl'], 'help\n').out).toMatch(/^ {2}delete <key> \| del/m);
  });
});

describe('help', () => {
  it('the help command takes any option, as --help does (a shell alias kvscope="kvscope -d mydir" still gets help)', () => {
    const help = kvscope(cwd, ['--help']);
    expect(help.code).toBe(0);
    expect(kvscope(cwd, ['-d', 'd', 'help'])).toEqual(help);
    expect(kvscope(cwd, ['help', '--json', '--prefix', 'p'])).toEqual(help);
    expect(kvscope(cwd, ['help'])).toEqual(help);
  });
});

describe('unknown commands', () => {
  it('a name Object.prototype has (constructor, toString, __proto__) is an unknown command, exit 2, not a crash', () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      for (const args of [[name], ['-d', 'd', name]]) {
        expect(kvscope(cwd, args)).toEqual({ code: 2, out: '', err: `kvscope: unknown command "${name}"\nRun "kvscope --help" for usage.\n` });
      }
    }
  });
});
