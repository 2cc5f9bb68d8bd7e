/**
 * The directories repair and crash-lab write their copy to: never inside
 * the source (also through a symbolic link to it, when the target does not
 * exist yet), and a target they cannot create is a clear error, with
 * nothing created when they refuse.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';
import { kvscope } from './run-cli.js';

vi.setConfig({ testTimeout: 180_000 });
afterAll(cleanTempDirs);

describe('a target inside the source through a symbolic link', () => {
  const commands: [string, string[]][] = [
    ['repair', ['repair']],
    ['crash-lab', ['crash-lab', '--tear', '000001.data:10']],
  ];
  for (const [name, args] of commands) {
    it(`${name} --to link/inner (link -> the source): refused, exit 2, nothing created`, () => {
      const cwd = tempDir();
      expect(kvscope(cwd, ['-d', 'd1', 'set', 'a', '1']).code).toBe(0);
      fs.symlinkSync('d1', path.join(cwd, 'd1link'));
      const before = fs.readdirSync(path.join(cwd, 'd1')).sort();
      const r = kvscope(cwd, ['-d', 'd1', ...args, '--to', 'd1link/inner']);
      expect(r.code).toBe(2);
      expect(r.err).toContain('must go outside the source');
      expect(fs.readdirSync(path.join(cwd, 'd1')).sort()).toEqual(before);
      // Deeper, too: d1link/a/b would be d1/a/b.
      expect(kvscope(cwd, ['-d', 'd1', ...args, '--to', 'd1link/a/b']).code).toBe(2);
      expect(fs.readdirSync(path.join(cwd, 'd1')).sort()).toEqual(before);
    });
  }
});

describe('a target that cannot be created', () => {
  // Node's recursive mkdir looped for ever under /proc (ENOENT for /proc/nope, EEXIST for /proc) at 100% CPU:
  // the child was killed by the run's timeout, with no exit code.
  for (const [name, args] of [
    ['repair', ['repair']],
    ['crash-lab', ['crash-lab', '--tear', '000001.data:10']],
  ] as [string, string[]][]) {
    it(`${name} --to /proc/nope/x: a clear error, exit 3`, () => {
      const cwd = tempDir();
      expect(kvscope(cwd, ['-d', 'd1', 'set', 'a', '1']).code).toBe(0);
      const r = kvscope(cwd, ['-d', 'd1', ...args, '--to', '/proc/kvscope-nope/x']);
      expect(r.code).toBe(3);
      expect(r.err).toContain('cannot create /proc/kvscope-nope/x: mkdir /proc/kvscope-nope failed (ENOENT');
    });
  }

  it('repair --to FILE/inner: its parent is not a directory, exit 3', () => {
    const cwd = tempDir();
    expect(kvscope(cwd, ['-d', 'd1', 'set', 'a', '1']).code).toBe(0);
    fs.writeFileSync(path.join(cwd, 'afile'), 'x');
    const r = kvscope(cwd, ['-d', 'd1', 'repair', '--to', 'afile/inner']);
    expect(r.code).toBe(3);
    expect(r.err).toContain('is not a directory');
  });
});

describe('a store directory that is a file', () => {
  // Before, a write command's open listed the "directory" to see whether a new store could be made there, and
  // readdir's raw "ENOTDIR: not a directory, scandir 'afile'" was all it said.
  for (const args of [['set', 'k', 'v'], ['delete', 'k'], ['import', '-']]) {
    it(`${args[0]} with -d FILE: says the store is a file, not a directory, exit 3, the file unchanged`, () => {
      const cwd = tempDir();
      fs.writeFileSync(path.join(cwd, 'afile'), 'not a store\n');
      const r = kvscope(cwd, ['-d', 'afile', ...args], '');
      expect(r.code).toBe(3);
      expect(r.err).toBe('kvscope: afile is not a kvscope store: it is a file, not a directory (a store is a directory of segment files)\n');
      expect(fs.readFileSync(path.join(cwd, 'afile'), 'utf8')).toBe('not a store\n');
    });
  }
});
