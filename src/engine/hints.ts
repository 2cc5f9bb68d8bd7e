/**
 * Building, writing and loading hint files. A hint lists every committed
 * record of a sealed segment (key, type, sequence, offset, length) so that
 * opening reads the hint instead of the whole segment.
 */
import { readAt, realFs, writeFully, type EngineFs } from './fs.js';
import { HINT_ENTRY, HINT_HEADER, HINT_TRAILER, RECORD_HEADER, SEGMENT_HEADER } from './native/layout.js';
import { checkHint, encodeHint, writeHintHeader, writeU64, type HintEntry } from './native/codec.js';
import { crc32 } from './crc.js';
import { fileSource } from './native/byte-source.js';
import { committedRecords, scanRecords, walkCommittedRecords } from './native/scan.js';
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

/** A hint file built entry by entry straight into its bytes (no object per entry). */
export class HintBuilder {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private at = HINT_HEADER.size;
  count = 0;

  add(type: number, sequence: number, offset: number, recordLength: number, key: Uint8Array, keyStart: number, keyLength: number): void {
    const need = this.at + HINT_ENTRY.size + keyLength + HINT_TRAILER.size;
    if (need > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(bigger, 0, 0, this.at);
      this.buf = bigger;
    }
    const b = this.buf;
    const at = this.at;
    b[at + HINT_ENTRY.type] = type;
    b[at + HINT_ENTRY.flags] = 0;
    writeU64(b, sequence, at + HINT_ENTRY.sequence);
    b.writeUInt32LE(offset, at + HINT_ENTRY.offset);
    b.writeUInt32LE(recordLength, at + HINT_ENTRY.recordLength);
    b.writeUInt32LE(keyLength, at + HINT_ENTRY.keyLength);
    b.set(key.subarray(keyStart, keyStart + keyLength), at + HINT_ENTRY.size);
    this.at = at + HINT_ENTRY.size + keyLength;
    this.count++;
  }

  /** The whole hint file, byte for byte what encodeHint makes of the same entries. */
  finish(segmentId: number, dataSize: number): Buffer {
    const b = this.buf;
    writeHintHeader(b, segmentId, dataSize);
    const at = this.at;
    b.writeUInt32LE(this.count, at + HINT_TRAILER.entryCount);
    b.writeUInt32LE(crc32(b.subarray(0, at + HINT_TRAILER.crc)), at + HINT_TRAILER.crc);
    return b.subarray(0, at + HINT_TRAILER.size);
  }
}

/** Scan a segment and build its hint file's bytes: the fast walk, then the generic scanner from where it stopped. */
export async function buildHintBytes(efs: EngineFs, segmentId: number, fd: number, size: number, yielder?: Yielder): Promise<Buffer> {
  const builder = new HintBuilder();
  const start = Math.min(size, SEGMENT_HEADER.size);
  const pause = yielder ? (offset: number) => yielder.tick(offset, size) : undefined;
  const stopped = await walkCommittedRecords(
    efs,
    fd,
    size,
    start,
    (buf, at, fileOffset, type, sequence, keyLength, length) => builder.add(type, sequence, fileOffset, length, buf, at + RECORD_HEADER.size, keyLength),
    pause,
  );
  if (stopped < size) {
    for (const ev of committedRecords(scanRecords(fileSource(efs, fd, size), stopped))) {
      if (ev.kind === 'record') {
        builder.add(ev.header.type, ev.header.sequence, ev.offset, ev.length, ev.key, 0, ev.key.length);
        if (yielder) await yielder.step(ev.offset, size);
      }
    }
  }
  return builder.finish(segmentId, size);
}

/** Write a hint file's bytes atomically: to a .tmp name, fsync, rename, fsync the directory. */
export function writeHintBytes(efs: EngineFs, dir: string, finalName: string, bytes: Buffer): void {
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

/** Write a hint file atomically: to a .tmp name, fsync, rename, fsync the directory. */
export function writeHintFile(efs: EngineFs, dir: string, finalName: string, segmentId: number, dataSize: number, entries: readonly HintEntry[]): void {
  writeHintBytes(efs, dir, finalName, encodeHint(segmentId, dataSize, entries));
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
