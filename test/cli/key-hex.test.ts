/**
 * --key-hex makes every key the command line names hex bytes: KEY
 * arguments, --prefix of list, scan and export, and the <key> of the repl's
 * commands (before, --prefix and the repl took the hex digits as text and
 * found nothing).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';
import { kvscope } from './run-cli.js';

vi.setConfig({ testTimeout: 180_000 });
afterAll(cleanTempDirs);

let cwd: string;
beforeAll(() => {
  cwd = tempDir();
  expect(kvscope(cwd, ['-d', 'hx', '--key-hex', 'set', '00ff01', 'bin']).code).toBe(0);
  expect(kvscope(cwd, ['-d', 'hx', 'set', 'text', 't']).code).toBe(0);
});

describe('--key-hex', () => {
  it('--prefix is hex bytes for list, scan and export', () => {
    expect(kvscope(cwd, ['-d', 'hx', 'list', '--key-hex', '--prefix', '00ff'])).toEqual({ code: 0, out: '\\x00\\xff\\x01\n', err: '' });
    expect(kvscope(cwd, ['-d', 'hx', 'scan', '--key-hex', '--prefix', '00'])).toEqual({ code: 0, out: '\\x00\\xff\\x01\tbin\n', err: '' });
    expect(kvscope(cwd, ['-d', 'hx', 'export', '--key-hex', '--prefix', '00ff01']).out).toBe('{"key":{"base64":"AP8B"},"value":"bin"}\n');
    const bad = kvscope(cwd, ['-d', 'hx', 'list', '--key-hex', '--prefix', 'te']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--prefix "te" is not hex bytes');
  });

  it('the repl takes its keys as hex bytes', () => {
    const r = kvscope(cwd, ['-d', 'hx', '--key-hex', 'repl'], 'get 00ff01\nset 00ff02 two words\nget 00ff02\ndelete 00ff02\n');
    expect(r).toEqual({ code: 0, out: 'bin\nOK\ntwo words\nDeleted\n', err: '' });
  });
});
