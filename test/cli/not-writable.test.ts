/**
 * A writer in a directory it cannot write (a read-only file system, a store
 * the user may only read): the message says it cannot be written and points
 * to --read-only. Before, a segment it could not open for writing was said
 * to be one that "cannot be read", and a lock it could not create came as
 * the raw `EROFS: read-only file system, open '…/LOCK.26490.new'`.
 *
 * A new store whose directory cannot be created there gave the raw
 * `EROFS: read-only file system, mkdir 'ro/new'` (or EACCES, or ENOENT for
 * /proc/x, where Node's recursive mkdir looped for ever): it now says the
 * store directory cannot be created, which mkdir failed and why.
 *
 * The file system's refusal is made by a preload (so that the test needs no
 * mount and no other user, and works as root, whom modes do not stop):
 * fs.openSync of the chosen files for writing, and fs.mkdirSync of the
 * chosen directories, throw EROFS (or KVSCOPE_TEST_ERRNO), as on a
 * read-only mount.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';
import { BIN, kvscope } from './run-cli.js';

vi.setConfig({ testTimeout: 120_000 });
afterAll(cleanTempDirs);

const READ_ONLY_FS_PRELOAD = `
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
const open = fs.openSync;
const mkdir = fs.mkdirSync;
const refused = new RegExp(process.env.KVSCOPE_TEST_EROFS);
const code = process.env.KVSCOPE_TEST_ERRNO || 'EROFS';
const text = { EROFS: 'read-only file system', EACCES: 'permission denied' }[code];
function refusal(syscall, p) {
  const err = new Error(code + ': ' + text + ', ' + syscall + " '" + p + "'");
  Object.assign(err, { code, syscall, path: String(p) });
  return err;
}
fs.openSync = function (p, flags, ...rest) {
  const writing = typeof flags === 'string' ? /[wa+]/.test(flags) : (flags & 3) !== 0;
  if (writing && refused.test(String(p))) throw refusal('open', p);
  return open.call(this, p, flags, ...rest);
};
fs.mkdirSync = function (p, ...rest) {
  if (refused.test(String(p))) throw refusal('mkdir', p);
  return mkdir.call(this, p, ...rest);
};
syncBuiltinESMExports();
`;

function onReadOnlyFs(cwd: string, refused: string, args: string[], errno: 'EROFS' | 'EACCES' = 'EROFS'): { code: number | null; err: string } {
  const preload = path.join(cwd, 'erofs.mjs');
  fs.writeFileSync(preload, READ_ONLY_FS_PRELOAD);
  const env = { ...process.env, KVSCOPE_TEST_EROFS: refused, KVSCOPE_TEST_ERRNO: errno };
  const r = spawnSync(process.execPath, ['--import', preload, BIN, ...args], { cwd, env, timeout: 60_000 });
  return { code: r.status, err: r.stderr.toString() };
}

describe('a writer on a directory it cannot write', () => {
  it('the lock file: "cannot take the writer lock: DIR is not writable (EROFS…); use --read-only"', () => {
    const cwd = tempDir();
    expect(kvscope(cwd, ['-d', 's', 'set', 'a', '1']).code).toBe(0);
    const r = onReadOnlyFs(cwd, String.raw`LOCK(\.\d+\.new)?$`, ['-d', 's', 'set', 'b', '2']);
    expect(r.code).toBe(3);
    expect(r.err).toBe('kvscope: cannot take the writer lock: s is not writable (EROFS: read-only file system); use --read-only to read it\n');
  });

  it('a segment: "cannot be written (read-only file system)", not "cannot be read"', () => {
    const cwd = tempDir();
    expect(kvscope(cwd, ['-d', 's', 'set', 'a', '1']).code).toBe(0);
    const r = onReadOnlyFs(cwd, String.raw`\.data$`, ['-d', 's', 'set', 'b', '2']);
    expect(r.code).toBe(3);
    expect(r.err).toContain('cannot be written (read-only file system); use --read-only to read it');
    expect(r.err).not.toContain('cannot be read');
  });
});

describe('a new store whose directory cannot be created', () => {
  it('on a read-only file system: "cannot create the store directory ro/new: mkdir … failed (EROFS: read-only file system)", exit 3', () => {
    const cwd = tempDir();
    fs.mkdirSync(path.join(cwd, 'ro'));
    const r = onReadOnlyFs(cwd, String.raw`(^|[/\\])ro[/\\]new([/\\]|$)`, ['-d', 'ro/new', 'set', 'k', 'v']);
    expect(r.code).toBe(3);
    expect(r.err).toBe(`kvscope: cannot create the store directory ro/new: mkdir ${path.join(cwd, 'ro', 'new')} failed (EROFS: read-only file system)\n`);
    expect(fs.existsSync(path.join(cwd, 'ro', 'new'))).toBe(false);
  });

  it('under a directory the user may not write: "… (EACCES: ro is not writable)", exit 3', () => {
    const cwd = tempDir();
    fs.mkdirSync(path.join(cwd, 'ro'));
    fs.writeFileSync(path.join(cwd, 'in.jsonl'), '{"key": "k", "value": "v"}\n');
    const r = onReadOnlyFs(cwd, String.raw`(^|[/\\])ro[/\\]new([/\\]|$)`, ['-d', 'ro/new/deeper', 'import', 'in.jsonl'], 'EACCES');
    expect(r.code).toBe(3);
    expect(r.err).toBe(`kvscope: cannot create the store directory ro/new/deeper: mkdir ${path.join(cwd, 'ro', 'new')} failed (EACCES: ${path.join(cwd, 'ro')} is not writable)\n`);
  });

  // Node's recursive mkdir looped for ever here (ENOENT for /proc/nope, EEXIST for /proc), at 100% CPU.
  it('under /proc, which takes no new directories: a clear error, exit 3, not a hang', () => {
    const cwd = tempDir();
    const r = kvscope(cwd, ['-d', '/proc/kvscope-nope/s', 'set', 'k', 'v']);
    expect(r.code).toBe(3);
    expect(r.err).toBe('kvscope: cannot create the store directory /proc/kvscope-nope/s: mkdir /proc/kvscope-nope failed (ENOENT: /proc takes no new directories)\n');
  });
});
