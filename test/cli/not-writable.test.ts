/**
 * A writer in a directory it cannot write (a read-only file system, a store
 * the user may only read): the message says it cannot be written and points
 * to --read-only. Before, a segment it could not open for writing was said
 * to be one that "cannot be read", and a lock it could not create came as
 * the raw `EROFS: read-only file system, open '…/LOCK.26490.new'`.
 *
 * The file system's refusal is made by a preload (so that the test needs no
 * mount and no other user): fs.openSync of the chosen files for writing
 * throws EROFS, as on a read-only mount.
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
const refused = new RegExp(process.env.KVSCOPE_TEST_EROFS);
fs.openSync = function (p, flags, ...rest) {
  const writing = typeof flags === 'string' ? /[wa+]/.test(flags) : (flags & 3) !== 0;
  if (writing && refused.test(String(p))) {
    const err = new Error("EROFS: read-only file system, open '" + p + "'");
    Object.assign(err, { code: 'EROFS', errno: -30, syscall: 'open', path: String(p) });
    throw err;
  }
  return open.call(this, p, flags, ...rest);
};
syncBuiltinESMExports();
`;

function onReadOnlyFs(cwd: string, refused: string, args: string[]): { code: number | null; err: string } {
  const preload = path.join(cwd, 'erofs.mjs');
  fs.writeFileSync(preload, READ_ONLY_FS_PRELOAD);
  const r = spawnSync(process.execPath, ['--import', preload, BIN, ...args], { cwd, env: { ...process.env, KVSCOPE_TEST_EROFS: refused }, timeout: 60_000 });
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
