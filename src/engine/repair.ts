/**
 * Repair: never in place. Reads a damaged store and writes a repaired copy
 * into a directory that is missing or empty, then says what was lost.
 *
 * Native stores: every committed record of every data segment (the
 * scanner's resynchronisation skips damaged regions; batches cut short are
 * dropped whole, as replay does) is written again, in sequence order, into a
 * new native store. The newest version of each key therefore wins exactly as
 * it did in the damaged store, and the history of every key that survived is
 * kept (with new sequence numbers in the same order). Hint files are not
 * read: the data is the source of truth, and the copy gets fresh hints.
 *
 * Foreign formats: the live keys the format's replay yields are imported
 * into a native store (their history is not carried over).
 */
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { StoreError } from './errors.js';
import { makeDirectory, readAt, realFs } from './fs.js';
import { decodeSegmentHeader } from './native/codec.js';
import { fileSource } from './native/byte-source.js';
import { dataFileName, pathOf } from './native/files.js';
import { RECORD_HEADER, RECORD_TOMBSTONE, SEGMENT_HEADER } from './native/layout.js';
import { isInterruptedCreation } from './segment.js';
import { committedRecords, scanRecords } from './native/scan.js';
import { nativeDataFiles } from './compaction.js';
import { keyFromString } from './keys.js';
import { nativeFormat } from './formats/native.js';
import { openStore } from './open.js';
import { Store } from './store.js';
import { ForeignStore } from './foreign-store.js';
import { Yielder } from './yielder.js';
import type { Progress } from './types.js';

export interface LostRegion {
  file: string;
  offset: number;
  length: number;
  reason: string;
}

/** A data file the copy leaves out whole because it never held a record (not damage: nothing in it is lost). */
export interface RemovedFile {
  file: string;
  /** Its size in bytes. */
  length: number;
  reason: string;
}

export interface RepairReport {
  source: string;
  target: string;
  format: string;
  method: 'replay' | 'live-import';
  recordsWritten: number;
  keys: number;
  lostRegions: LostRegion[];
  lostBytes: number;
  lostRecords: number;
  /** Data files left out of the copy that held no record: the newest segment when its creation was cut short (a writer's open removes it too). */
  removedFiles: RemovedFile[];
  /** Live keys the damaged store listed when opened read-only. */
  keysBefore: number;
  /** Keys it listed that the copy does not have (key strings, latin1; at most 1000), and how many. */
  lostKeys: string[];
  lostKeyCount: number;
  notes: string[];
}

export interface RepairOptions {
  /** Format id of the source (detected when absent). */
  format?: string;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}


function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Where `path` is once every symbolic link on the way is followed. A path
 * that does not exist yet is where its nearest existing ancestor really is,
 * and the missing rest after it: a target `link/inner`, `link` a symbolic
 * link to the source, is inside the source, though `link/inner` is not yet
 * there to be resolved.
 */
export function realPathOf(path: string): string {
  let existing = resolve(path);
  const rest: string[] = [];
  for (;;) {
    try {
      return join(realpathSync(existing), ...rest);
    } catch {
      const parent = dirname(existing);
      if (parent === existing) return resolve(path);
      rest.unshift(basename(existing));
      existing = parent;
    }
  }
}

/** Neither directory is the other nor inside it (a copy or an import into its own source would read what it writes). */
export function assertSeparateDirectories(source: string, target: string, what: string): void {
  const s = realPathOf(source);
  const t = realPathOf(target);
  if (isInside(s, t) || isInside(t, s)) {
    throw new StoreError('BAD_REQUEST', `${what} must go outside the source: ${target} and ${source} overlap`);
  }
}

/**
 * A directory a copy may be written to: missing or empty, and neither the
 * source nor inside it (nor the source inside it).
 */
export function assertFreshTarget(source: string, target: string): void {
  assertSeparateDirectories(source, target, 'the copy');
  if (existsSync(target) && readdirSync(target).length > 0) {
    throw new StoreError('BAD_REQUEST', `${target} is not empty; name a new or empty directory`);
  }
}

interface Salvaged {
  sequence: number;
  type: number;
  segment: number;
  offset: number;
  length: number;
  keyLength: number;
}

/** Repair a native store directory into `target`. */
type PartialReport = Omit<RepairReport, 'keysBefore' | 'lostKeys' | 'lostKeyCount'>;

async function repairNative(source: string, target: string, opts: RepairOptions): Promise<PartialReport> {
  const efs = realFs;
  const files = nativeDataFiles(efs, source);
  const lostRegions: LostRegion[] = [];
  const removedFiles: RemovedFile[] = [];
  const notes: string[] = [];
  // The newest segment, when its creation was cut short (shorter than its header, which is all it would hold): it never
  // held a record, and a writer's open removes it (store.ts); an older one that short was damaged later, and is damage.
  const newest = files.filter((f) => f.name === dataFileName(f.id)).at(-1);
  const unborn = newest && isInterruptedCreation(efs, pathOf(source, newest.name), newest.id) ? newest : undefined;
  let lostRecords = 0;
  const salvaged: Salvaged[] = [];
  const fds = new Map<number, number>();
  const yielder = new Yielder('repair: reading', opts.signal, opts.onProgress);
  try {
    let total = 0;
    const sizes = new Map<number, number>();
    for (const f of files) {
      const fd = efs.openSync(pathOf(source, f.name), 'r');
      fds.set(f.id, fd);
      const size = efs.fstatSize(fd);
      sizes.set(f.id, size);
      total += size;
    }
    let done = 0;
    for (const f of files) {
      const fd = fds.get(f.id)!;
      const size = sizes.get(f.id)!;
      if (f === unborn) {
        removedFiles.push({ file: f.name, length: size, reason: `shorter than the ${SEGMENT_HEADER.size}-byte segment header: its creation was cut short` });
        done += size;
        continue;
      }
      const header = decodeSegmentHeader(readAt(efs, fd, Math.min(size, SEGMENT_HEADER.size), 0));
      if (!header.ok) {
        if (header.reason === 'version') throw new StoreError('FORMAT_VERSION', `${f.name}: unknown format version ${header.version ?? '?'}; cannot repair it`);
        lostRegions.push({ file: f.name, offset: 0, length: Math.min(size, SEGMENT_HEADER.size), reason: `segment header: ${header.reason}` });
      }
      for (const ev of committedRecords(scanRecords(fileSource(efs, fd, size), Math.min(size, SEGMENT_HEADER.size)))) {
        if (ev.kind === 'record') {
          salvaged.push({ sequence: ev.header.sequence, type: ev.header.type, segment: f.id, offset: ev.offset, length: ev.length, keyLength: ev.header.keyLength });
        } else if (ev.kind === 'incomplete-batch') {
          lostRecords += ev.records;
          notes.push(`${f.name}@${ev.offset}: ${ev.records} record(s) of an unfinished batch dropped (${ev.reason})`);
        } else if (ev.kind !== 'preallocated') {
          lostRegions.push({ file: f.name, offset: ev.offset, length: ev.length, reason: `${ev.kind === 'torn' ? 'torn tail' : 'corrupt'}: ${ev.reason}` });
        }
        await yielder.step(done + ('offset' in ev ? ev.offset : 0), total);
      }
      done += size;
    }
    // Sequence order; ties (the same record in two files) by file then offset.
    salvaged.sort((a, b) => a.sequence - b.sequence || a.segment - b.segment || a.offset - b.offset);
    const out = await Store.open(target, { create: true, fsync: 'never' });
    let recordsWritten = 0;
    const writeYielder = new Yielder('repair: writing', opts.signal, opts.onProgress);
    let lastSequence = -1;
    let lastKey = '';
    try {
      for (const [i, r] of salvaged.entries()) {
        const bytes = readAt(efs, fds.get(r.segment)!, r.length, r.offset);
        const key = bytes.subarray(RECORD_HEADER.size, RECORD_HEADER.size + r.keyLength);
        const keyString = key.toString('latin1');
        if (r.sequence === lastSequence && keyString === lastKey) continue; // the same record twice
        lastSequence = r.sequence;
        lastKey = keyString;
        if (r.type === RECORD_TOMBSTONE) {
          if (!out.has(key)) continue; // nothing to delete in the copy
          await out.batch([{ type: 'delete', key }]);
        } else {
          await out.put(key, bytes.subarray(RECORD_HEADER.size + r.keyLength));
        }
        recordsWritten++;
        await writeYielder.step(i, salvaged.length);
      }
      const keys = out.keyCount();
      await out.close();
      notes.unshift('Every committed record was written again in sequence order; hint files were not read (the copy has fresh ones).');
      return {
        source,
        target,
        format: nativeFormat.id,
        method: 'replay',
        recordsWritten,
        keys,
        lostRegions,
        lostBytes: lostRegions.reduce((n, r) => n + r.length, 0),
        lostRecords,
        removedFiles,
        notes,
      };
    } catch (err) {
      await out.close().catch(() => undefined);
      throw err;
    }
  } finally {
    for (const fd of fds.values()) efs.closeSync(fd);
  }
}

/** Repair a foreign store: its live keys, imported into a native store at `target`. */
async function repairForeign(source: string, target: string, opts: RepairOptions): Promise<PartialReport> {
  // Every data record read (not keys from hints): the report names every damaged region the copy lacks.
  const opened = await openStore(source, { ...(opts.format !== undefined ? { format: opts.format } : {}), readOnly: true, replayData: true });
  try {
    const store = opened.store;
    const problems = store instanceof ForeignStore ? store.openProblems() : [];
    const out = await Store.open(target, { create: true, fsync: 'never' });
    const yielder = new Yielder('repair: importing', opts.signal, opts.onProgress);
    let recordsWritten = 0;
    const notes = [`${opened.detection.format} is read-only in kvscope: the live keys were imported into a new kvscope store (their history is not carried over).`];
    try {
      const keys = store.sortedKeys();
      for (const [i, k] of keys.entries()) {
        const key = keyFromString(k);
        let value: Buffer | undefined;
        try {
          value = await store.get(key);
        } catch (err) {
          notes.push(`key ${JSON.stringify(k)} could not be read: ${(err as Error).message}`);
          continue;
        }
        if (value === undefined) continue;
        await out.put(key, value);
        recordsWritten++;
        await yielder.step(i, keys.length);
      }
      const keyCount = out.keyCount();
      await out.close();
      const lostRegions = problems.map((p) => ({ file: p.file, offset: p.offset, length: p.length ?? 0, reason: `${p.kind}: ${p.message}` }));
      return {
        source,
        target,
        format: opened.detection.format,
        method: 'live-import',
        recordsWritten,
        keys: keyCount,
        lostRegions,
        lostBytes: lostRegions.reduce((n, r) => n + r.length, 0),
        lostRecords: 0,
        removedFiles: [],
        notes,
      };
    } catch (err) {
      await out.close().catch(() => undefined);
      throw err;
    }
  } finally {
    await opened.store.close();
  }
}

/**
 * Write a repaired copy of the store at `source` into `target` (which must be
 * missing or empty). The source is only read.
 */
export async function repairStore(source: string, target: string, opts: RepairOptions = {}): Promise<RepairReport> {
  assertFreshTarget(source, target);
  const isNative = opts.format === nativeFormat.id || (opts.format === undefined && nativeFormat.detect(source) !== null);
  // What the damaged store itself lists (read-only: nothing changes), to say which keys the copy lacks.
  const before = await openStore(source, { ...(opts.format !== undefined ? { format: opts.format } : {}), readOnly: true });
  let keysBefore: readonly string[];
  try {
    keysBefore = [...before.store.sortedKeys()];
  } finally {
    await before.store.close();
  }
  makeDirectory(target);
  const report = await (isNative ? repairNative(source, target, opts) : repairForeign(source, target, opts));
  const copy = await Store.open(target, { readOnly: true });
  try {
    const lost = keysBefore.filter((k) => !copy.has(keyFromString(k)));
    return { ...report, keysBefore: keysBefore.length, lostKeys: lost.slice(0, 1000), lostKeyCount: lost.length };
  } finally {
    await copy.close();
  }
}
