/**
 * The records of one file of an open store, indexed once per session (and
 * again only when the file changes on disk), so the record table can be paged
 * and a byte offset found without shipping a whole segment anywhere.
 *
 * Native data segments are scanned through a sliding file window (the
 * engine's scanner: same resynchronisation as replay and verify), keeping
 * one small entry per record; the fields of a record are decoded again, from
 * just its bytes, when it is selected. Every other file (hint files, foreign
 * formats) goes through its format description's decodeFile; those records
 * are kept whole. There is one decoder per format either way: the field
 * layout always comes from the format's DecodedRecord.fields.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { setImmediate as nextTick } from 'node:timers/promises';
import { realFs } from '../engine/fs.js';
import { fileSource, memorySource } from '../engine/native/byte-source.js';
import { SEGMENT_HEADER } from '../engine/native/layout.js';
import { committedRecords, scanRecords, type ScanEvent, type ScannedDamage } from '../engine/native/scan.js';
import { decodedFromScan, nativeFormat } from '../engine/formats/native.js';
import { filePath } from '../engine/formats/fs-probe.js';
import { decodeFormatFile } from '../engine/foreign-store.js';
import type { DecodedRecord, FormatDescription, FormatFile } from '../engine/formats/format.js';
import { keyToString } from '../engine/keys.js';

/** One record of a file, without its fields. */
export interface IndexEntry {
  offset: number;
  length: number;
  kind: DecodedRecord['kind'];
  status: DecodedRecord['status'];
  key?: string;
  sequence?: number;
  valueOffset?: number;
  valueLength?: number;
  storedCrc?: number;
  computedCrc?: number;
  problem?: string;
  problemKind?: DecodedRecord['problemKind'];
  /** A valid record of an atomic batch that never completed (native): replay ignores it. */
  uncommitted?: boolean;
}

function entryOf(r: DecodedRecord): IndexEntry {
  const e: IndexEntry = { offset: r.offset, length: r.length, kind: r.kind, status: r.status };
  if (r.key !== undefined) e.key = keyToString(r.key);
  if (r.sequence !== undefined) e.sequence = r.sequence;
  if (r.valueOffset !== undefined) e.valueOffset = r.valueOffset;
  if (r.valueLength !== undefined) e.valueLength = r.valueLength;
  if (r.storedCrc !== undefined) e.storedCrc = r.storedCrc;
  if (r.computedCrc !== undefined) e.computedCrc = r.computedCrc;
  if (r.problem !== undefined) e.problem = r.problem;
  if (r.problemKind !== undefined) e.problemKind = r.problemKind;
  return e;
}

export class FileRecords {
  private end: number | undefined;

  constructor(
    readonly file: FormatFile,
    readonly entries: IndexEntry[],
    /** mtime+size the index was built for. */
    readonly stamp: string,
    private readonly decodeAt: (index: number) => DecodedRecord,
  ) {}

  /** Bytes the records cover (the file's size when it was indexed). */
  get size(): number {
    this.end ??= this.entries.reduce((n, e) => Math.max(n, e.offset + e.length), 0);
    return this.end;
  }

  /** The index of the record holding byte `offset` (or the first one after it), -1 past the end. */
  indexAt(offset: number): number {
    const list = this.entries;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = list[mid]!;
      if (e.offset + e.length <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo < list.length ? lo : -1;
  }

  /** The record with its fields (decoded again from its own bytes for native segments). */
  detail(index: number): DecodedRecord {
    return this.decodeAt(index);
  }
}

function stampOf(root: string, file: FormatFile): { stamp: string; size: number } {
  const info = statSync(filePath(root, file.name));
  return { stamp: `${info.size}:${info.mtimeMs}`, size: info.size };
}

function readRange(path: string, offset: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const n = readSync(fd, buf, done, length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return buf.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

/** A native data segment, scanned through a window of the file. */
async function indexNativeSegment(root: string, file: FormatFile, size: number, stamp: string): Promise<FileRecords> {
  const path = filePath(root, file.name);
  const headerBytes = readRange(path, 0, Math.min(SEGMENT_HEADER.size, size));
  // The header (or a file too short for one) decoded by the format itself.
  const headerRecords = nativeFormat.decodeFile(file, headerBytes);
  const entries: IndexEntry[] = headerRecords.map(entryOf);
  const damage = new Map<number, ScannedDamage>();
  if (size > SEGMENT_HEADER.size) {
    const fd = realFs.openSync(path, 'r');
    try {
      const indexByOffset = new Map<number, number>();
      // Every event becomes an entry; what replay would apply comes out of committedRecords.
      const tap = function* (events: Iterable<ScanEvent>): Generator<ScanEvent> {
        for (const ev of events) {
          if (ev.kind !== 'record') damage.set(entries.length, ev);
          indexByOffset.set(ev.offset, entries.length);
          entries.push(entryOf(decodedFromScanLight(ev)));
          yield ev;
        }
      };
      let n = 0;
      for (const ev of committedRecords(tap(scanRecords(fileSource(realFs, fd, size), SEGMENT_HEADER.size)))) {
        if (ev.kind === 'incomplete-batch') {
          const first = indexByOffset.get(ev.offset);
          if (first !== undefined) {
            for (let i = first; i < first + ev.records && i < entries.length; i++) {
              entries[i]!.uncommitted = true;
              entries[i]!.problem = `part of an unfinished atomic batch that replay ignores: ${ev.reason}`;
            }
          }
        }
        if (++n % 20_000 === 0) await nextTick();
      }
    } finally {
      realFs.closeSync(fd);
    }
  }
  const headerCount = headerRecords.length;
  return new FileRecords(file, entries, stamp, (index) => {
    if (index < headerCount) return headerRecords[index]!;
    const d = damage.get(index);
    if (d) return decodedFromScan(d);
    const e = entries[index]!;
    const bytes = readRange(path, e.offset, e.length);
    for (const ev of scanRecords(memorySource(bytes), 0)) {
      if (ev.kind === 'record' && ev.length === e.length) return decodedFromScan({ ...ev, offset: e.offset });
      break;
    }
    // The file changed under us: show what is there now as damage.
    return decodedFromScan({ kind: 'corrupt', offset: e.offset, length: e.length, reason: 'the record changed on disk since the file was indexed' });
  });
}

/** decodedFromScan without building field objects we would throw away. */
function decodedFromScanLight(ev: Parameters<typeof decodedFromScan>[0]): DecodedRecord {
  if (ev.kind !== 'record') return decodedFromScan(ev);
  const deleted = ev.header.type === 2;
  return {
    offset: ev.offset,
    length: ev.length,
    kind: deleted ? 'delete' : 'put',
    status: 'valid',
    key: ev.key,
    ...(deleted ? {} : { valueOffset: ev.offset + 22 + ev.header.keyLength, valueLength: ev.header.valueLength }),
    sequence: ev.header.sequence,
    storedCrc: ev.header.crc,
    computedCrc: ev.computedCrc,
    fields: [],
  };
}

/** Any file of any format, decoded whole by its format description. */
async function indexWhole(format: FormatDescription, root: string, file: FormatFile, stamp: string): Promise<FileRecords> {
  const records = await decodeFormatFile(format, root, file);
  return new FileRecords(file, records.map(entryOf), stamp, (index) => records[index]!);
}

export async function buildFileRecords(format: FormatDescription, root: string, file: FormatFile): Promise<FileRecords> {
  const { stamp, size } = stampOf(root, file);
  if (format.id === nativeFormat.id && file.role === 'data') return indexNativeSegment(root, file, size, stamp);
  return indexWhole(format, root, file, stamp);
}

/** Per-session cache of file indexes; an index is rebuilt when its file's size or mtime changed. */
export class RecordIndexCache {
  private readonly cache = new Map<string, Promise<FileRecords>>();

  constructor(
    private readonly format: FormatDescription,
    private readonly root: string,
  ) {}

  files(): FormatFile[] {
    return this.format.listFiles(this.root).filter((f) => f.role === 'data' || f.role === 'hint');
  }

  /** Whether the file's records were decoded (or are being decoded) in this session. */
  has(name: string): boolean {
    return this.cache.has(name);
  }

  async get(name: string): Promise<FileRecords | undefined> {
    const file = this.files().find((f) => f.name === name);
    if (!file) return undefined;
    let stamp: string;
    try {
      stamp = stampOf(this.root, file).stamp;
    } catch {
      return undefined;
    }
    const cached = this.cache.get(name);
    if (cached) {
      const have = await cached.catch(() => undefined);
      if (have && have.stamp === stamp) return have;
    }
    const building = buildFileRecords(this.format, this.root, file);
    this.cache.set(name, building);
    building.catch(() => this.cache.delete(name));
    return building;
  }

  /** Bytes [offset, offset+length) of a file of the store (clipped to its size). */
  readBytes(name: string, offset: number, length: number): { size: number; bytes: Buffer } | undefined {
    const file = this.files().find((f) => f.name === name);
    if (!file) return undefined;
    const path = filePath(this.root, file.name);
    const size = statSync(path).size;
    const start = Math.min(offset, size);
    return { size, bytes: readRange(path, start, Math.min(length, size - start)) };
  }

  clear(): void {
    this.cache.clear();
  }
}

