/**
 * The order of file-system calls, recorded through an EngineFs wrapper and
 * checked against docs/FORMAT.md ("Durability", "Compaction protocol"), in the
 * order ALICE (Pillai et al., OSDI 2014) found LevelDB needs: a new file is
 * created, written and fdatasync'ed, then its directory fsync'ed, before
 * anything depends on it; every rename and unlink is followed by a directory
 * fsync; compaction outputs are durable before the manifest, the manifest's
 * rename and directory fsync come before any input is unlinked.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';
import { FaultFs, type Call, type CallKind } from './fault-fs.js';

afterEach(cleanTempDirs);

const base = (p: string): string => path.basename(p);

/** Index of the first call matching, at or after `from`; -1 if none. */
function find(log: Call[], kind: CallKind, name: RegExp | string, from = 0): number {
  for (let i = from; i < log.length; i++) {
    const c = log[i]!;
    if (c.kind !== kind) continue;
    const n = base(c.path);
    if (typeof name === 'string' ? n === name : name.test(n)) return i;
  }
  return -1;
}

function findLast(log: Call[], kind: CallKind, name: RegExp | string, before = log.length): number {
  for (let i = before - 1; i >= 0; i--) {
    const c = log[i]!;
    if (c.kind !== kind) continue;
    const n = base(c.path);
    if (typeof name === 'string' ? n === name : name.test(n)) return i;
  }
  return -1;
}

/** The first directory fsync after index i (of the store directory). */
function dirSyncAfter(log: Call[], i: number, dir: string): number {
  for (let j = i + 1; j < log.length; j++) if (log[j]!.kind === 'fsyncDirSync' && log[j]!.path === dir) return j;
  return -1;
}

/** Asserts a < b < c ... with every index found. */
function inOrder(...indexes: number[]): void {
  for (const i of indexes) expect(i).toBeGreaterThanOrEqual(0);
  for (let k = 1; k < indexes.length; k++) expect(indexes[k]!).toBeGreaterThan(indexes[k - 1]!);
}

/**
 * A file written atomically (fs.ts writeFileAtomically): `name.tmp` opened, written, fdatasync'ed,
 * closed, renamed to `name`, then the directory fsync'ed, in that order, before any other file is
 * opened, written, renamed, cut or removed. Returns where the .tmp was opened.
 */
function writtenAtomically(log: Call[], name: string, dir: string): number {
  const open = find(log, 'openSync', `${name}.tmp`);
  const write = find(log, 'writeSync', `${name}.tmp`, open);
  const sync = find(log, 'fdatasyncSync', `${name}.tmp`, write);
  const close = find(log, 'closeSync', `${name}.tmp`, sync);
  const rename = find(log, 'renameSync', `${name}.tmp`, close);
  expect(base(log[rename]!.detail!)).toBe(name);
  const dirSync = dirSyncAfter(log, rename, dir);
  inOrder(open, write, sync, close, rename, dirSync);
  const nextChange = log.findIndex((c, i) => i > rename && ['openSync', 'writeSync', 'renameSync', 'ftruncateSync', 'unlinkSync'].includes(c.kind));
  if (nextChange >= 0) expect(dirSync, `${name}: the directory is fsync'ed before the next change`).toBeLessThan(nextChange);
  return open;
}

/** Every rename and unlink in the log is followed by a directory fsync before the log ends. */
function everyNameChangeIsSynced(log: Call[], dir: string): void {
  log.forEach((c, i) => {
    if ((c.kind === 'renameSync' || c.kind === 'unlinkSync') && c.path.startsWith(dir)) {
      expect(dirSyncAfter(log, i, dir), `${c.kind} ${base(c.path)} at #${i} is followed by a directory fsync`).toBeGreaterThan(i);
    }
  });
}

const v = (n: number): string => 'v'.repeat(n);

describe('durability protocol order', () => {
  it('creating a store: segment created, header written and fdatasync\'ed, directory fsync\'ed before the first append', async () => {
    const dir = tempDir();
    const efs = new FaultFs();
    efs.arm();
    const store = await Store.open(path.join(dir, 's'), { create: true, fs: efs });
    await store.put('k', 'v');
    await store.close();
    const d = path.join(dir, 's');
    const log = efs.log;
    const open = find(log, 'openSync', '000001.data');
    expect(log[open]!.detail).toBe('wx+'); // O_CREAT|O_EXCL: never reuses a file
    const header = find(log, 'writeSync', '000001.data', open);
    const sync = find(log, 'fdatasyncSync', '000001.data', header);
    const dirSync = dirSyncAfter(log, sync, d);
    const append = find(log, 'writeSync', '000001.data', header + 1);
    const appendSync = find(log, 'fdatasyncSync', '000001.data', append);
    inOrder(open, header, sync, dirSync, append, appendSync);
    everyNameChangeIsSynced(log, d);
  });

  it('rotation: the sealed segment is fdatasync\'ed, the new one is created, fdatasync\'ed and its directory entry fsync\'ed before a record goes into it', async () => {
    const dir = tempDir();
    const efs = new FaultFs();
    const store = await Store.open(dir, { create: true, fs: efs, segmentSize: 24 + 2 * 60 });
    await store.put('a', v(30));
    await store.put('b', v(30));
    efs.arm();
    await store.put('c', v(30)); // does not fit: rotates
    await store.flushBackground();
    await store.close();
    const log = efs.log;
    const sealedSync = find(log, 'fdatasyncSync', '000001.data');
    const open = find(log, 'openSync', '000002.data');
    const header = find(log, 'writeSync', '000002.data', open);
    const headerSync = find(log, 'fdatasyncSync', '000002.data', header);
    const dirSync = dirSyncAfter(log, headerSync, dir);
    const append = find(log, 'writeSync', '000002.data', header + 1);
    const appendSync = find(log, 'fdatasyncSync', '000002.data', append);
    inOrder(sealedSync, open, header, headerSync, dirSync, append, appendSync);
    // Nothing was appended to the sealed segment after its fdatasync.
    expect(find(log, 'writeSync', '000001.data', sealedSync)).toBe(-1);
    everyNameChangeIsSynced(log, dir);
  });

  it('hint writing: written to a .tmp, fdatasync\'ed and closed, renamed, then the directory fsync\'ed', async () => {
    const dir = tempDir();
    const efs = new FaultFs();
    const store = await Store.open(dir, { create: true, fs: efs, segmentSize: 24 + 2 * 60 });
    efs.arm();
    for (const k of ['a', 'b', 'c', 'd']) await store.put(k, v(30));
    await store.flushBackground();
    await store.close();
    const log = efs.log;
    const open = writtenAtomically(log, '000001.hint', dir);
    // The hint describes a sealed segment: that segment was fdatasync'ed before the hint was written.
    inOrder(find(log, 'fdatasyncSync', '000001.data'), open);
    everyNameChangeIsSynced(log, dir);
  });

  it('keydir image: written at close after the active segment is durable (.tmp, fdatasync, close, rename, directory fsync); deleted by the next writer before anything else changes', async () => {
    const dir = tempDir();
    const efs = new FaultFs();
    const store = await Store.open(dir, { create: true, fs: efs, fsync: 'never' });
    await store.put('a', v(30));
    efs.arm();
    await store.close();
    let log = efs.log;
    // Only after the active segment is durable.
    inOrder(find(log, 'fdatasyncSync', '000001.data'), writtenAtomically(log, 'KEYDIR', dir));
    everyNameChangeIsSynced(log, dir);

    efs.arm();
    const writer = await Store.open(dir, { fs: efs, fsync: 'never' });
    await writer.put('b', v(30));
    log = efs.log;
    const unlink = find(log, 'unlinkSync', 'KEYDIR');
    const unlinkSynced = dirSyncAfter(log, unlink, dir);
    inOrder(unlink, unlinkSynced);
    // Nothing but the lock was written, truncated, renamed or removed before the image was gone for good.
    // (The lock is written as LOCK.<pid>.new, linked to LOCK, and that name removed.)
    const firstChange = log.findIndex((c, i) => i !== unlink && !/^LOCK(\.|$)/.test(base(c.path) ?? '') && ['writeSync', 'ftruncateSync', 'renameSync', 'unlinkSync'].includes(c.kind));
    expect(firstChange).toBeGreaterThan(unlinkSynced);
    await writer.close();
  });

  it('cutting a torn tail: ftruncate, then fdatasync, before anything is appended', async () => {
    const dir = tempDir();
    const s = await Store.open(dir, { create: true });
    await s.put('a', '1');
    await s.put('b', '2');
    await s.close();
    const file = path.join(dir, '000001.data');
    fs.truncateSync(file, fs.statSync(file).size - 3);
    const efs = new FaultFs();
    efs.arm();
    const store = await Store.open(dir, { fs: efs });
    await store.put('c', '3');
    await store.close();
    const log = efs.log;
    const cut = find(log, 'ftruncateSync', '000001.data');
    const sync = find(log, 'fdatasyncSync', '000001.data', cut);
    const append = find(log, 'writeSync', '000001.data', sync);
    inOrder(cut, sync, append);
  });

  it('compaction: outputs durable, then manifest written, fdatasync\'ed, renamed and its directory fsync\'ed, then outputs renamed, then inputs unlinked, then manifest unlinked — each name change followed by a directory fsync', async () => {
    const dir = tempDir();
    const seed = await Store.open(dir, { create: true, segmentSize: 24 + 3 * 60 });
    for (let i = 0; i < 20; i++) await seed.put(`k${i % 5}`, v(25 + i));
    await seed.delete('k1');
    await seed.close();
    const efs = new FaultFs();
    const store = await Store.open(dir, { fs: efs, segmentSize: 24 + 3 * 60 });
    await store.flushBackground();
    efs.arm();
    const result = await store.compact();
    await store.close();
    const log = efs.log;
    expect(result.outputSegments.length).toBeGreaterThan(0);
    expect(result.inputSegments.length).toBeGreaterThan(1);

    const manifestOpen = find(log, 'openSync', 'COMPACTION.tmp');
    const manifestWrite = find(log, 'writeSync', 'COMPACTION.tmp', manifestOpen);
    const manifestSync = find(log, 'fdatasyncSync', 'COMPACTION.tmp', manifestWrite);
    const manifestRename = find(log, 'renameSync', 'COMPACTION.tmp', manifestSync);
    expect(base(log[manifestRename]!.detail!)).toBe('COMPACTION');
    const commitDirSync = dirSyncAfter(log, manifestRename, dir);
    inOrder(manifestOpen, manifestWrite, manifestSync, manifestRename, commitDirSync);

    // Step 1: every output (data and hint) created, written, fdatasync'ed; the directory fsync'ed; all before the manifest.
    // An output finished while compaction goes on is fdatasync'ed on the thread pool ('fdatasync', then
    // 'fdatasync-done' when it has finished), the last one in line ('fdatasyncSync').
    const outputSync = (name: string): { start: number; done: number } => {
      const inLine = findLast(log, 'fdatasyncSync', name, manifestOpen);
      const pooled = findLast(log, 'fdatasync', name, manifestOpen);
      if (inLine > pooled) return { start: inLine, done: inLine };
      return { start: pooled, done: pooled < 0 ? -1 : find(log, 'fdatasync-done', name, pooled) };
    };
    let pooledOutputs = 0;
    for (const id of result.outputSegments) {
      const name = `${String(id).padStart(6, '0')}`;
      const dataOpen = find(log, 'openSync', `${name}.data.compacting`);
      expect(log[dataOpen]!.detail).toBe('wx+');
      const lastDataWrite = findLast(log, 'writeSync', `${name}.data.compacting`, manifestOpen);
      const dataSync = outputSync(`${name}.data.compacting`);
      const hintOpen = find(log, 'openSync', `${name}.hint.compacting`);
      const hintWrite = find(log, 'writeSync', `${name}.hint.compacting`, hintOpen);
      const hintSync = outputSync(`${name}.hint.compacting`);
      if (dataSync.start !== dataSync.done) pooledOutputs++;
      inOrder(dataOpen, lastDataWrite, dataSync.start, manifestOpen);
      inOrder(dataSync.start - 1, dataSync.done, manifestOpen);
      inOrder(hintOpen, hintWrite, hintSync.start, manifestOpen);
      inOrder(hintSync.start - 1, hintSync.done, manifestOpen);
      // No write to an output after its fdatasync started.
      expect(find(log, 'writeSync', `${name}.data.compacting`, dataSync.start)).toBe(-1);
    }
    expect(pooledOutputs, 'every output but the last synced on the thread pool').toBe(result.outputSegments.length - 1);
    const lastOutputSync = Math.max(...result.outputSegments.flatMap((id) => [`${String(id).padStart(6, '0')}.data.compacting`, `${String(id).padStart(6, '0')}.hint.compacting`].map((n) => outputSync(n).done)));
    inOrder(lastOutputSync, dirSyncAfter(log, lastOutputSync, dir), manifestOpen);

    // Step 3: outputs renamed only after the commit point's directory fsync; then a directory fsync.
    const outputRenames = log.flatMap((c, i) => (c.kind === 'renameSync' && /\.compacting$/.test(c.path) ? [i] : []));
    expect(outputRenames.length).toBe(result.outputSegments.length * 2);
    for (const i of outputRenames) expect(i).toBeGreaterThan(commitDirSync);
    const renamedDirSync = dirSyncAfter(log, Math.max(...outputRenames), dir);

    // Step 4: inputs unlinked only after the manifest is durable and the outputs are renamed (and that fsync'ed).
    const inputNames = new Set(result.inputSegments.flatMap((id) => [`${String(id).padStart(6, '0')}.data`, `${String(id).padStart(6, '0')}.hint`]));
    const inputUnlinks = log.flatMap((c, i) => (c.kind === 'unlinkSync' && inputNames.has(base(c.path)) ? [i] : []));
    expect(inputUnlinks.length).toBeGreaterThanOrEqual(result.inputSegments.length);
    for (const i of inputUnlinks) expect(i).toBeGreaterThan(renamedDirSync);
    const unlinkedDirSync = dirSyncAfter(log, Math.max(...inputUnlinks), dir);

    // Step 5: the manifest goes last, and that is fsync'ed too.
    const manifestUnlink = find(log, 'unlinkSync', 'COMPACTION');
    inOrder(unlinkedDirSync, manifestUnlink, dirSyncAfter(log, manifestUnlink, dir));
    everyNameChangeIsSynced(log, dir);
  });

  it('the checks above fail on a wrong order (negative control)', () => {
    const d = '/x';
    const log: Call[] = [
      { kind: 'renameSync', path: '/x/COMPACTION.tmp', detail: '/x/COMPACTION' },
      { kind: 'unlinkSync', path: '/x/000001.data' },
    ];
    expect(() => everyNameChangeIsSynced(log, d)).toThrow();
    expect(() => inOrder(1, 0)).toThrow();
  });
});
