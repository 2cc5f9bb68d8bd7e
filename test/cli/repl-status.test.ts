/**
 * A piped repl session (stdin not a terminal) ends with exit 1 when any of
 * its lines failed (sqlite3's convention: every line runs; the status says
 * whether all went well): an unknown command, a usage error, a key not
 * found, as well as an error. Before, only errors (an unterminated quote)
 * made it 1, and `bogus`, `set x` and `get nokey` left it at 0.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';
import { kvscope } from './run-cli.js';

vi.setConfig({ testTimeout: 180_000 });
afterAll(cleanTempDirs);

describe('piped repl exit status', () => {
  const cwd = tempDir();
  it('0 when every line went well', () => {
    expect(kvscope(cwd, ['-d', 's', 'repl'], 'set a 1\nget a\nlist\n')).toEqual({ code: 0, out: 'OK\n1\nKeys (1):\n  a\n', err: '' });
  });
  for (const [line, said] of [
    ['bogus', 'Unknown command: bogus'],
    ['set x', 'Usage: set <key> <value>'],
    ['get', 'Usage: get <key>'],
    ['get nokey', 'Key not found'],
    ['delete nokey', 'Key not found'],
    ['set "a', 'unterminated'],
  ]) {
    it(`1 after a failing line (${line}), every line still run`, () => {
      const r = kvscope(cwd, ['-d', 's', 'repl'], `${line}\nset b 2\nget b\n`);
      expect(r.code).toBe(1);
      expect(r.err).toContain(said);
      expect(r.out.endsWith('OK\n2\n')).toBe(true);
    });
  }
});
