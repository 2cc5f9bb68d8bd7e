/**
 * Bytes on the command line that are not UTF-8 reach Node as U+FFFD, their
 * own bytes lost: a KEY, VALUE or --prefix holding U+FFFD is refused (exit 2)
 * and the message says the ways that work (--key-hex, import), instead of
 * storing ef bf bd and saying OK.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';
import { BIN, kvscope } from './run-cli.js';

vi.setConfig({ testTimeout: 180_000 });
afterAll(cleanTempDirs);

/** kvscope with a command line the shell builds: printf writes the bytes \xff (not UTF-8) into the arguments. */
function viaShell(cwd: string, line: string): { code: number | null; out: string; err: string } {
  const r = spawnSync('sh', ['-c', `exec "$0" "$1" ${line}`, process.execPath, BIN], { cwd, timeout: 60_000 });
  return { code: r.status, out: r.stdout.toString(), err: r.stderr.toString() };
}

describe('invalid UTF-8 in arguments', () => {
  it('set KEY, set VALUE, get KEY and --prefix with \\xff are refused (exit 2), nothing stored', async () => {
    const cwd = tempDir();
    expect(kvscope(cwd, ['-d', 's', 'set', 'plain', 'v']).code).toBe(0);
    const key = viaShell(cwd, `-d s set "$(printf 'k\\377')" v`);
    expect(key.code).toBe(2);
    expect(key.out).toBe('');
    expect(key.err).toContain('--key-hex');
    const value = viaShell(cwd, `-d s set k "$(printf 'v\\377')"`);
    expect(value.code).toBe(2);
    expect(value.err).toContain('kvscope import');
    expect(viaShell(cwd, `-d s get "$(printf 'k\\377')"`).code).toBe(2);
    expect(viaShell(cwd, `-d s list --prefix "$(printf '\\377')"`).code).toBe(2);
    const store = await Store.open(`${cwd}/s`, { readOnly: true });
    expect(store.sortedKeys()).toEqual(['plain']);
    await store.close();
  });

  it('a real U+FFFD key goes in through --key-hex', () => {
    const cwd = tempDir();
    expect(kvscope(cwd, ['-d', 's', '--key-hex', 'set', '6befbfbd', 'v']).code).toBe(0);
    expect(kvscope(cwd, ['-d', 's', 'get', 'k\uFFFD', '--key-hex']).code).toBe(2); // not hex
    expect(kvscope(cwd, ['-d', 's', '--key-hex', 'get', '6befbfbd']).out).toBe('v\n');
  });
});
