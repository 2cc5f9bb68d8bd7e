/**
 * Crash lab: what does recovery keep when a file is torn or bytes flip?
 * Always on a COPY: the store is copied into a missing or empty directory
 * (or a new temporary one), the copy is damaged (a file cut at an offset, or
 * bytes XORed with a mask), reopened the way a program would reopen it after
 * a crash (native: for writing, so recovery runs and cuts torn tails;
 * foreign: read-only), and the keys and values before and after are
 * compared. The original is only read.
 */
import { createHash } from 'node:crypto';
import { closeSync, cpSync, lstatSync, mkdtempSync, openSync, readSync, truncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, relative } from 'node:path';
import { StoreError } from './errors.js';
import { KEYDIR_IMAGE_FILE, LOCK_FILE } from './native/files.js';
import { filePath } from './formats/fs-probe.js';
import { openStore, openedNotes, openedReport } from './open.js';
import { assertFreshTarget } from './repair.js';
import { makeDirectory } from './fs.js';
import type { OpenReportItem } from './recovery.js';
import { keyFromString } from './keys.js';
import type { BrowsableStore, Problem } from './types.js';

export type Damage =
  | { kind: 'tear'; file: string; offset: number }
  /** XOR the bytes from `offset` with `mask` (one mask byte per damaged byte). */
  | { kind: 'flip'; file: string; offset: number; mask: number[] };

export interface CrashLabOptions {
  /** Where the copy goes (missing or empty); default: a new directory under the system temp dir. */
  to?: string;
  damage: Damage;
  format?: string;
  /** How many keys each list in the report names at most. Default 1000. */
  listLimit?: number;
}

export interface CrashLabReport {
  copyDir: string;
  damage: Damage;
  format: string;
  keysBefore: number;
  keysAfter: number;
  /** Keys present before and missing (or unreadable) after recovery, as key strings (latin1). */
  lost: string[];
  lostCount: number;
  /** Keys whose value changed: key string and value sizes before and after. */
  changed: { key: string; before: number; after: number }[];
  changedCount: number;
  appeared: string[];
  appearedCount: number;
  /** What reopening the damaged copy reported, one terse line each (the CLI's). */
  recovery: string[];
  /** The same in plain words, as the inspector's open report says what an open found (problems, then notes). */
  recoveryReport: OpenReportItem[];
  /** verify on the damaged copy after recovery. */
  problems: Problem[];
}

/** Key string -> [value hash, value size], or undefined when the value cannot be read. */
async function snapshot(store: BrowsableStore): Promise<Map<string, { hash: string; size: number } | undefined>> {
  const out = new Map<string, { hash: string; size: number } | undefined>();
  for (const k of store.sortedKeys()) {
    try {
      const value = await store.get(keyFromString(k));
      out.set(k, value === undefined ? undefined : { hash: createHash('sha1').update(value).digest('hex'), size: value.length });
    } catch {
      out.set(k, undefined); // unreadable: a CRC check failed on the way
    }
  }
  return out;
}

/**
 * The path of the file a damage names inside `root`, checked: a path inside
 * the store as `segments` lists it (no absolute path, no "." or ".."
 * segment, so that nothing outside the copy is ever touched), a regular file
 * the copy holds, and an offset (and mask) that fit in it. Run on the
 * original before anything is copied, so a bad request leaves nothing behind.
 */
export function damagedFilePath(root: string, damage: Damage): string {
  const file = damage.file;
  const parts = file.split('/');
  if (isAbsolute(file) || file.includes('\\') || file.includes('\0') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new StoreError('BAD_REQUEST', `"${file}" is not a file of the store: name it by its path inside the store, as \`segments\` lists it`);
  }
  const name = parts[parts.length - 1]!;
  if (name === LOCK_FILE || name === KEYDIR_IMAGE_FILE) {
    throw new StoreError('BAD_REQUEST', `${file} is left out of the copy: after a crash there is no ${name} to damage (recovery works from the data and hint files)`);
  }
  const path = filePath(root, file);
  let size: number;
  try {
    const info = lstatSync(path);
    if (!info.isFile()) throw new Error('not a regular file');
    size = info.size;
  } catch {
    throw new StoreError('BAD_REQUEST', `no file ${file} in the store`);
  }
  if (damage.kind === 'tear') {
    if (damage.offset > size) throw new StoreError('BAD_REQUEST', `${file} has ${size} bytes; cannot tear it at ${damage.offset}`);
    return path;
  }
  if (damage.mask.length === 0 || damage.mask.some((m) => !Number.isInteger(m) || m < 1 || m > 255)) {
    throw new StoreError('BAD_REQUEST', 'a flip mask is one or more bytes from 0x01 to 0xff');
  }
  if (damage.offset + damage.mask.length > size) {
    throw new StoreError('BAD_REQUEST', `${file} has ${size} bytes; cannot flip ${damage.mask.length} byte(s) at ${damage.offset}`);
  }
  return path;
}

/** Apply the damage to a file of the copy. */
export function applyDamage(root: string, damage: Damage): void {
  const path = damagedFilePath(root, damage);
  if (damage.kind === 'tear') {
    truncateSync(path, damage.offset);
    return;
  }
  const fd = openSync(path, 'r+');
  try {
    const buf = Buffer.alloc(damage.mask.length);
    readSync(fd, buf, 0, buf.length, damage.offset);
    damage.mask.forEach((m, i) => (buf[i] = buf[i]! ^ m));
    writeSync(fd, buf, 0, buf.length, damage.offset);
  } finally {
    closeSync(fd);
  }
}

export async function runCrashLab(source: string, opts: CrashLabOptions): Promise<CrashLabReport> {
  const limit = opts.listLimit ?? 1000;
  const format = opts.format !== undefined ? { format: opts.format } : {};
  // Before: the original, read-only.
  const before = await openStore(source, { ...format, readOnly: true });
  let beforeKeys: Map<string, { hash: string; size: number } | undefined>;
  const formatId = before.detection.format;
  const rootInside = relative(source, before.detection.root);
  try {
    damagedFilePath(before.detection.root, opts.damage);
    beforeKeys = await snapshot(before.store);
  } finally {
    await before.store.close();
  }

  let copyDir: string;
  if (opts.to !== undefined) {
    assertFreshTarget(source, opts.to);
    makeDirectory(opts.to);
    copyDir = opts.to;
  } else {
    copyDir = mkdtempSync(join(tmpdir(), `kvscope-crashlab-${basename(source).replace(/[^A-Za-z0-9_-]/g, '') || 'store'}-`));
  }
  // Not the lock, nor the keydir image a clean close leaves: a program restarting after a crash finds
  // neither (a writer deletes the image as it opens), and it is recovery from the files that is shown.
  cpSync(source, copyDir, { recursive: true, filter: (src) => basename(src) !== LOCK_FILE && basename(src) !== KEYDIR_IMAGE_FILE });
  const copyRoot = join(copyDir, rootInside);
  applyDamage(copyRoot, opts.damage);

  // After: the copy, reopened as after a crash (native: for writing, so recovery runs).
  const after = await openStore(copyDir, { format: formatId, readOnly: formatId !== 'kvscope' });
  let afterKeys: Map<string, { hash: string; size: number } | undefined>;
  let recovery: string[];
  let recoveryReport: OpenReportItem[];
  let problems: Problem[];
  try {
    recovery = openedNotes(after);
    recoveryReport = openedReport(after);
    afterKeys = await snapshot(after.store);
    problems = (await after.store.verify()).problems;
  } finally {
    await after.store.close();
  }

  const lost: string[] = [];
  const changed: CrashLabReport['changed'] = [];
  const appeared: string[] = [];
  let lostCount = 0;
  let changedCount = 0;
  let appearedCount = 0;
  for (const [k, v] of beforeKeys) {
    const a = afterKeys.get(k);
    if (!afterKeys.has(k) || a === undefined) {
      lostCount++;
      if (lost.length < limit) lost.push(k);
    } else if (v !== undefined && a.hash !== v.hash) {
      changedCount++;
      if (changed.length < limit) changed.push({ key: k, before: v.size, after: a.size });
    }
  }
  for (const k of afterKeys.keys()) {
    if (!beforeKeys.has(k)) {
      appearedCount++;
      if (appeared.length < limit) appeared.push(k);
    }
  }
  const unreadable = [...afterKeys.entries()].filter(([k, v]) => v === undefined && beforeKeys.has(k)).length;
  if (unreadable > 0) {
    const line = `${unreadable} key(s) are still listed but their record fails its checksum when read (counted as lost)`;
    recovery.push(line);
    const text =
      unreadable === 1
        ? 'A key is still listed, but its record fails its checksum when it is read: it is counted as lost.'
        : `${unreadable} keys are still listed, but their records fail their checksums when they are read: they are counted as lost.`;
    recoveryReport.splice(recoveryReport.filter((r) => r.kind === 'problem').length, 0, { kind: 'problem', text, detail: line });
  }
  return {
    copyDir,
    damage: opts.damage,
    format: formatId,
    keysBefore: beforeKeys.size,
    keysAfter: [...afterKeys.values()].filter((v) => v !== undefined).length,
    lost,
    lostCount,
    changed,
    changedCount,
    appeared,
    appearedCount,
    recovery,
    recoveryReport,
    problems,
  };
}
