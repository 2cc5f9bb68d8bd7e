/**
 * Building, writing and loading hint files. A hint lists every committed
 * record of a sealed segment (key, type, sequence, offset, length) so that
 * opening reads the hint instead of the whole segment.
 */
import { readAt, realFs, writeFully, type EngineFs } from './fs.js';
import { HINT_HEADER, HINT_TRAILER } from './native/layout.js';
import { checkHint, encodeHint, type HintEntry } from './native/codec.js';
import { fileSource } from './native/byte-source.js';
import { committedRecords, scanRecords } from './native/scan.js';
import { hintFileName, pathOf, TMP_SUFFIX } from './native/files.js';
import type { Yielder } from './yielder.js';

/** Scan a segment and collect hint entries for its committed records. */
export async function buildHintEntries(efs: EngineFs, fd: number, size: number, yielder?: Yielder): Promise<HintEntry[]> {
  const entries: HintEntry[] = [];
  for (const ev of committedRecords(scanRecords(fileSource(efs, fd, size)))) {
    if (ev.kind === 'record') {
      entries.push({ type: ev.header.type, sequence: ev.header.sequence, offset: ev.offset, recordLength: ev.length, key: ev.key });
      if (yielder) await yielder.step(ev.offset, size);
    }
  }
  return entries;
}

/** Write a hint file atomically: to a .tmp name, fsync, rename, fsync the directory. */
export function writeHintFile(efs: EngineFs, dir: string, finalName: string, segmentId: number, dataSize: number, entries: readonly HintEntry[]): void {
  const bytes = encodeHint(segmentId, dataSize, entries);
  const tmp = pathOf(dir, finalName + TMP_SUFFIX);
  const fd = efs.openSync(tmp, 'w', 0o644);
  try {
    writeFully(efs, fd, bytes, 0);
    efs.fdatasyncSync(fd);
  } finally {
    efs.closeSync(fd);
  }
  efs.renameSync(tmp, pathOf(dir, finalName));
  efs.fsyncDirSync(dir);
}

/** A hint file checked whole (checksum, bounds, segment, size): entries lie in bytes [HINT_HEADER.size, entriesEnd). */
export type LoadedHint = { ok: true; bytes: Buffer; entriesEnd: number; entryCount: number } | { ok: false; reason: string };

/** Load the hint of a segment if it is usable: intact, for this segment, and not stale. */
export function loadHint(efs: EngineFs, dir: string, segmentId: number, dataSize: number, name = hintFileName(segmentId)): LoadedHint {
  let bytes: Buffer;
  try {
    bytes = efs.readFileSync(pathOf(dir, name));
  } catch (err) {
    return { ok: false, reason: `${name}: ${(err as Error).message}` };
  }
  const check = checkHint(bytes);
  if (!check.ok) return { ok: false, reason: `${name}: ${check.reason} (offset ${check.offset})` };
  if (check.segmentId !== segmentId) return { ok: false, reason: `${name}: describes segment ${check.segmentId}` };
  if (check.dataSize !== dataSize) return { ok: false, reason: `${name}: stale (written for ${check.dataSize} bytes, segment has ${dataSize})` };
  return { ok: true, bytes, entriesEnd: check.entriesEnd, entryCount: check.entryCount };
}

/** Entry count from a hint file's trailer (no checks; for listings), or undefined when it cannot be read. */
export function readHintEntryCount(path: string, efs: EngineFs = realFs): number | undefined {
  try {
    const size = efs.statSize(path);
    if (size < HINT_HEADER.size + HINT_TRAILER.size) return undefined;
    const fd = efs.openSync(path, 'r');
    try {
      return readAt(efs, fd, 4, size - HINT_TRAILER.size + HINT_TRAILER.entryCount).readUInt32LE(0);
    } finally {
      efs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
}
