/**
 * --read-only never changes a byte: every command that would write is
 * refused (exit 3) before it opens, locks or creates anything.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { cleanTempDirs, hashDir, tempDir } from '../engine/helpers.js';
import { kvscope } from './run-cli.js';

vi.setConfig({ testTimeout: 180_000 });
afterAll(cleanTempDirs);

describe('--read-only refuses every writer', () => {
  it('on a directory that does not exist: says --read-only creates nothing (not only that it does not exist), creates nothing', () => {
    const cwd = tempDir();
    fs.writeFileSync(path.join(cwd, 'x.jsonl'), '{"key": "a", "value": "b"}\n');
    for (const args of [['set', 'a', 'b'], ['delete', 'a'], ['import', 'x.jsonl'], ['compact']]) {
      const r = kvscope(cwd, ['-d', 'nope', '--read-only', ...args]);
      expect(r.code, args[0]).toBe(3);
      expect(r.err, args[0]).toBe('kvscope: cannot write: nope does not exist, and --read-only creates nothing\n');
      expect(fs.existsSync(path.join(cwd, 'nope'))).toBe(false);
    }
  });

  it('import --from: exit 3, the store untouched (no lock taken, no file changed)', () => {
    const cwd = tempDir();
    expect(kvscope(cwd, ['-d', 'src', 'set', 'a', '1']).code).toBe(0);
    expect(kvscope(cwd, ['-d', 'roi', 'set', 'b', '2']).code).toBe(0);
    const before = hashDir(path.join(cwd, 'roi'));
    const r = kvscope(cwd, ['-d', 'roi', '--read-only', 'import', '--from', 'src']);
    expect(r.code).toBe(3);
    expect(r.err).toContain('read-only');
    expect(r.out).toBe('');
    expect(hashDir(path.join(cwd, 'roi'))).toEqual(before);
    // A new directory is not created either.
    expect(kvscope(cwd, ['-d', 'new', '--read-only', 'import', '--from', 'src']).code).toBe(3);
    expect(fs.existsSync(path.join(cwd, 'new'))).toBe(false);
  });

  it('import --from while another writer holds the lock: refused for --read-only, not "open it read-only"', async () => {
    const cwd = tempDir();
    expect(kvscope(cwd, ['-d', 'src', 'set', 'a', '1']).code).toBe(0);
    const held = await Store.open(path.join(cwd, 'locked'), { create: true });
    try {
      const r = kvscope(cwd, ['-d', 'locked', '--read-only', 'import', '--from', 'src']);
      expect(r.code).toBe(3);
      expect(r.err).not.toContain('open it read-only');
      expect(r.err).toContain('read-only');
    } finally {
      await held.close();
    }
  });

  it('demo: exit 3, no directory created', () => {
    const cwd = tempDir();
    const r = kvscope(cwd, ['--read-only', 'demo', 'newdir']);
    expect(r.code).toBe(3);
    expect(r.err).toContain('read-only');
    expect(fs.existsSync(path.join(cwd, 'newdir'))).toBe(false);
  });
});
