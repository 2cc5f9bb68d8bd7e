/**
 * The records of one file of an open store, for the paged record table, a
 * jump to a byte offset, and the record filters.
 *
 * Native data segments (up to 1 GiB) are indexed incrementally into typed
 * columns: per record only its offset (Float64, 8 bytes) and a class byte —
 * 9 bytes a record, at most twice that while the arrays grow by doubling.
 * Lengths come from the next offset (records and damaged regions tile the
 * file), and everything else (sequence, key, value size, CRC) is read again
 * from the file for the rows on screen only. Indexing runs in time slices in
 * the background and stops early whenever a request is waiting for a record
 * it has not reached yet, so the first page of a 1 GB segment is answered
 * after indexing its first few hundred records. When the file grows (an
 * active segment, follow mode) indexing resumes where it stopped; a torn or
 * damaged tail, and an atomic batch left open at the end, are re-read then,
 * since the appended bytes may complete them.
 *
 * Valid records are recognised by a fast path (plausible header, record
 * inside the file, matching CRC: the scanner's test, without its per-record
 * allocations); at any other offset the engine's scanner (native/scan.ts)
 * itself reads the damaged region, so the table resynchronises like replay and
 * verify. After 16 damaged regions one scanner reads on to the end of the
 * file, so a file crafted to be all damage costs at most 16 of the scanner's
 * resynchronisation budgets (a scan from the start spends one; only once that
 * one is used up can the two disagree, on such a crafted file). What replay
 * ignores (records of an atomic batch that never completed) follows the same
 * rules as committedRecords.
 *
 * Every other file (hint files, the keydir image, other engines' files) is
 * indexed the same way from its format's decodeRecords
 * (StreamedFileRecords, streamed-file-records.ts). Both answer through the
 * FileRecords interface (file-records.ts), and the field layout always
 * comes from the format's DecodedRecord.fields.
 */
import { closeSync, openSync, realpathSync, statSync } from 'node:fs';
import { relative, isAbsolute } from 'node:path';
import { ApiError } from '../shared/errors.js';
import { crc32 } from '../engine/crc.js';
import { grown } from '../engine/arrays.js';
import { readInto, realFs } from '../engine/fs.js';
import { memorySource, windowedSource, type ByteSource } from '../engine/native/byte-source.js';
import { computeRecordCrc, implausibleHeader, readRecordHeader, type RecordHeader } from '../engine/native/codec.js';
import { FLAG_BATCH_END, FLAG_BATCH_FIRST, FLAG_IN_BATCH, RECORD_HEADER, RECORD_TOMBSTONE, SEGMENT_HEADER } from '../engine/native/layout.js';
import { scanRecords, type ScanEvent, type ScannedDamage, type ScannedPreallocated } from '../engine/native/scan.js';
import { decodedFromScan, nativeFormat } from '../engine/formats/native.js';
import { filePath } from '../engine/formats/fs-probe.js';
import { readWhole } from '../engine/foreign-store.js';
import { StreamedFileRecords } from './streamed-file-records.js';
import { hasRecords, type DecodedRecord, type FormatDescription, type FormatFile } from '../engine/formats/format.js';
import {
  CLASS_CORRUPT,
  CLASS_DELETE,
  CLASS_META,
  CLASS_PUT,
  CLASS_TORN,
  CLASS_UNCOMMITTED,
  classOf,
  entryOf,
  Progressing,
  summarize,
  type FileRecords,
  type IndexEntry,
  type RecordSummary,
} from './file-records.js';

function readRange(path: string, offset: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    return readFd(fd, offset, length);
  } finally {
    closeSync(fd);
  }
}

function readFd(fd: number, offset: number, length: number, into?: Buffer): Buffer {
  const buf = into ?? Buffer.allocUnsafe(length);
  return buf.subarray(0, readInto(realFs, fd, buf, 0, length, offset));
}

/** A file's bytes for the scanner through a window, opening the file for each read (no descriptor kept between slices). */
function pathSource(path: string, size: number): ByteSource {
  return windowedSource(size, (position, length) => readRange(path, position, length));
}

function nonZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return true;
  return false;
}

function statOf(path: string): { size: number; mtimeMs: number } {
  const info = statSync(path);
  return { size: info.size, mtimeMs: info.mtimeMs };
}

const WINDOW_BYTES = 4 * 1024 * 1024;
/**
 * Damaged regions after which indexing goes back to its fast path; after
 * that many, one scanner reads to the end of the file, so a file crafted to
 * be all damage costs no more than this many resynchronisation budgets.
 */
const FRESH_SCANNERS = 16;
/** Bytes read at a time for keys (filters, pages). */
const KEY_CHUNK_BYTES = 1024 * 1024;
/** Bytes of a record read to find its key when the record is large (its key is read again if longer). */
const HEAD_GUESS = RECORD_HEADER.size + 1024;

/** An atomic batch whose last record has not been seen yet. */
interface OpenBatch {
  first: number;
  count: number;
  lastSequence: number;
}

/** A native data segment, indexed incrementally into typed columns. */
export class NativeSegmentIndex extends Progressing implements FileRecords {
  private offsets = new Float64Array(1024);
  private classes = new Uint8Array(1024);
  private n = 0;
  /** Where indexing goes on: the end of the last indexed record. */
  private at = 0;
  private size = 0;
  private mtimeMs = 0;
  private gen = 0;
  private header: DecodedRecord[] = [];
  /** The header bytes the index was built on: a file whose header changed is indexed again. */
  private headerBytes: Buffer = Buffer.alloc(0);
  /** Regions that are not records, by index: damage, and preallocated space at the end. */
  private damage = new Map<number, ScannedDamage | ScannedPreallocated>();
  /** Why a record is uncommitted, by index. */
  private batchProblems = new Map<number, string>();
  private batch: OpenBatch | undefined;
  /** The open batch that the last damaged region cut: re-read with it when the file grows. */
  private cutBatch: { damage: number; first: number } | undefined;
  /** The engine's scanner, reading from the first offset that is not a valid record. */
  private scanner: { events: Generator<ScanEvent>; size: number } | undefined;
  /** Scanners started since indexing started (each has its own resynchronisation budget). */
  private scanners = 0;
  private oldest: number | null = null;
  private newest: number | null = null;
  /** Indexing after the file grows starts again at this record (a damaged tail or an unfinished batch may complete). */
  private resumeAt = 0;
  /** Reused read buffer while indexing (released when complete). */
  private window: Buffer | undefined;
  private windowStart = 0;
  private windowLength = 0;
  private keyBuffer: Buffer | undefined;

  constructor(
    readonly file: FormatFile,
    private readonly path: string,
  ) {
    super();
    this.reset();
  }

  get count(): number {
    return this.n;
  }
  /** A native segment holds no line its replay skips. */
  get ignoredCount(): number {
    return 0;
  }
  get complete(): boolean {
    return this.at >= this.size;
  }
  get indexedBytes(): number {
    return this.at;
  }
  get fileSize(): number {
    return this.size;
  }
  get generation(): number {
    return this.gen;
  }
  /** Bytes held by the index's columns. */
  get memoryBytes(): number {
    return this.offsets.byteLength + this.classes.byteLength;
  }

  offsetAt(i: number): number {
    return this.offsets[i]!;
  }
  lengthAt(i: number): number {
    return (i + 1 < this.n ? this.offsets[i + 1]! : this.at) - this.offsets[i]!;
  }
  classAt(i: number): number {
    return this.classes[i]!;
  }

  indexAt(offset: number): number {
    if (offset >= this.at) return -1;
    const offsets = this.offsets;
    let lo = 0;
    let hi = this.n;
    // The last record starting at or before offset.
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (offsets[mid]! <= offset) lo = mid + 1;
      else hi = mid;
    }
    return Math.max(0, lo - 1);
  }

  /** Starts over from byte 0. */
  private reset(): void {
    const st = statOf(this.path);
    this.gen++;
    this.size = st.size;
    this.mtimeMs = st.mtimeMs;
    this.offsets = new Float64Array(1024);
    this.classes = new Uint8Array(1024);
    this.n = 0;
    this.damage = new Map();
    this.batchProblems = new Map();
    this.batch = undefined;
    this.cutBatch = undefined;
    this.oldest = null;
    this.newest = null;
    this.scanner = undefined;
    this.scanners = 0;
    this.windowLength = 0;
    this.headerBytes = readRange(this.path, 0, Math.min(SEGMENT_HEADER.size, st.size));
    // The header (or a file too short for one) decoded by the format itself.
    this.header = nativeFormat.decodeFile(this.file, this.headerBytes);
    for (const r of this.header) this.push(r.offset, classOf(r));
    this.at = this.header.reduce((n, r) => Math.max(n, r.offset + r.length), 0);
    this.resumeAt = this.n;
    if (this.at >= this.size) this.finish();
  }

  refresh(): void {
    let st: { size: number; mtimeMs: number };
    try {
      st = statOf(this.path);
    } catch {
      return;
    }
    // Appends grow the file, or go over the preallocated space it ends in.
    const last = this.damage.get(this.n - 1);
    const appendedFrom = this.complete && last?.kind === 'preallocated' ? last.offset : this.size;
    // Appends over the zeros change neither the size nor, within one tick of the file system's clock, the
    // mtime: then the first bytes of the zeros say it (a record's type byte is never 0).
    const unchanged = st.size === this.size && st.mtimeMs === this.mtimeMs;
    if (unchanged && (appendedFrom === this.size || !nonZero(readRange(this.path, appendedFrom, RECORD_HEADER.size)))) return;
    const appended =
      (st.size > this.size || (appendedFrom < this.size && st.size >= appendedFrom)) &&
      this.headerBytes.length === SEGMENT_HEADER.size &&
      readRange(this.path, 0, SEGMENT_HEADER.size).equals(this.headerBytes);
    if (!appended) {
      this.reset();
      this.ensureRunning();
      return;
    }
    if (this.complete) {
      // Re-read the uncertain tail: a torn record or an open batch may be complete now.
      const r = this.resumeAt;
      if (r < this.n) {
        this.gen++;
        for (const i of this.damage.keys()) if (i >= r) this.damage.delete(i);
        for (const i of this.batchProblems.keys()) if (i >= r) this.batchProblems.delete(i);
        this.at = this.offsets[r]!;
        this.n = r;
      }
      this.batch = undefined;
      this.cutBatch = undefined;
      this.scanner = undefined;
    }
    // The window may hold zeros that appends have gone over since it was read.
    this.windowLength = 0;
    this.size = st.size;
    this.mtimeMs = st.mtimeMs;
    this.ensureRunning();
  }

  private push(offset: number, cls: number): void {
    if (this.n === this.offsets.length) {
      this.offsets = grown(this.offsets, Math.max(1024, this.n * 2));
      this.classes = grown(this.classes, this.offsets.length);
    }
    this.offsets[this.n] = offset;
    this.classes[this.n] = cls;
    this.n++;
  }

  private dropBatch(reason: string): void {
    const b = this.batch;
    if (!b) return;
    for (let i = b.first; i < b.first + b.count; i++) this.markUncommitted(i, reason);
    this.batch = undefined;
  }

  private markUncommitted(i: number, reason: string): void {
    this.classes[i] = this.classes[i]! | CLASS_UNCOMMITTED;
    this.batchProblems.set(i, `part of an unfinished atomic batch that replay ignores: ${reason}`);
  }

  /** The rules of committedRecords, one record at a time. */
  private onBatchRecord(i: number, flags: number, sequence: number): void {
    if ((flags & FLAG_IN_BATCH) === 0) {
      this.dropBatch('the batch never ended');
      return;
    }
    if (flags & FLAG_BATCH_FIRST) {
      this.dropBatch('a new batch started before the last one ended');
      this.batch = { first: i, count: 1, lastSequence: sequence };
    } else if (!this.batch || this.batch.lastSequence + 1 !== sequence) {
      this.dropBatch('batch records are not consecutive');
      this.markUncommitted(i, 'batch record whose batch start is missing');
      return;
    } else {
      this.batch.count++;
      this.batch.lastSequence = sequence;
    }
    if (flags & FLAG_BATCH_END) this.batch = undefined;
  }

  private finish(): void {
    // The uncertain tail, read again when the file changes: damage at the end (a torn record may be whole
    // by then), and preallocated space with the damage right before it (a writer appends over the zeros).
    let tailDamage = this.n;
    if (this.damage.get(tailDamage - 1)?.kind === 'preallocated') tailDamage--;
    if (tailDamage > this.header.length && this.damage.has(tailDamage - 1)) tailDamage--;
    let resume = tailDamage;
    if (this.cutBatch && this.cutBatch.damage === tailDamage) resume = Math.min(resume, this.cutBatch.first);
    if (this.batch) resume = Math.min(resume, this.batch.first);
    this.dropBatch('the file ends inside the batch');
    this.resumeAt = Math.max(this.header.length, resume);
    this.window = undefined;
    // Give back what doubling left unused.
    if (this.offsets.length > this.n + 1024) {
      this.offsets = this.offsets.slice(0, this.n);
      this.classes = this.classes.slice(0, this.n);
    }
  }

  /** `length` bytes at `position` from the indexing window (reading the next window when needed). */
  private view(fd: number, position: number, length: number): Buffer {
    if (!this.window) {
      // A fresh buffer holds none of the file: the old window's bounds must not vouch for it.
      this.window = Buffer.allocUnsafe(WINDOW_BYTES);
      this.windowLength = 0;
    }
    if (position < this.windowStart || position + length > this.windowStart + this.windowLength) {
      this.windowStart = position;
      this.windowLength = readFd(fd, position, Math.min(WINDOW_BYTES, this.size - position), this.window).length;
    }
    const o = position - this.windowStart;
    return this.window.subarray(o, o + length);
  }

  /** CRC of a record too large for the window, read through it piece by piece. Same value as computeRecordCrc. */
  private streamedCrc(fd: number, at: number, length: number): number {
    let crc = 0;
    for (let p = at + RECORD_HEADER.type; p < at + length; ) {
      const n = Math.min(WINDOW_BYTES, at + length - p);
      crc = crc32(this.view(fd, p, n), crc);
      p += n;
    }
    return crc;
  }

  protected advance(deadline: number, wanted: () => boolean): void {
    if (this.complete) return;
    const fd = openSync(this.path, 'r');
    try {
      let steps = 0;
      let checked = this.at;
      while (this.at < this.size) {
        // Look at the clock every 256 records, or every 4 MiB when records are large.
        if ((++steps & 255) === 0 || this.at - checked > WINDOW_BYTES) {
          if (performance.now() >= deadline || wanted()) break;
          checked = this.at;
        }
        const at = this.at;
        if (!this.scanner) {
          const header = this.validRecordAt(fd, at);
          if (header) {
            this.onRecord(at, RECORD_HEADER.size + header.keyLength + header.valueLength, header);
            continue;
          }
          // Not a valid record here: the engine's scanner takes over.
          this.scanner = { events: scanRecords(pathSource(this.path, this.size), at), size: this.size };
          this.scanners++;
        }
        const scanner = this.scanner;
        const next = scanner.events.next();
        if (next.done) {
          // The scanner reached the size the file had when it started; the file has grown since.
          this.scanner = undefined;
          continue;
        }
        const ev = next.value;
        if (ev.offset !== at) throw new Error(`record index: the scanner went on at ${ev.offset}, not ${at}`);
        if (ev.kind !== 'record' && ev.offset + ev.length === scanner.size && this.size > scanner.size) {
          // A damaged tail of the file as it was; the file has grown since: look again.
          this.scanner = undefined;
          continue;
        }
        if (ev.kind === 'record') this.onRecord(at, ev.length, ev.header);
        else {
          if (this.batch) this.cutBatch = { damage: this.n, first: this.batch.first };
          this.dropBatch(ev.kind === 'preallocated' ? 'the file ends inside the batch' : 'the batch is cut by damaged bytes');
          this.damage.set(this.n, ev);
          this.push(at, ev.kind === 'preallocated' ? CLASS_META : ev.kind === 'torn' ? CLASS_TORN : CLASS_CORRUPT);
          this.at = at + ev.length;
          // Back to the fast path after the first few damaged regions; then one scanner (one resynchronisation budget) to the end.
          if (this.scanners < FRESH_SCANNERS) this.scanner = undefined;
        }
      }
    } finally {
      closeSync(fd);
    }
    if (this.complete) this.finish();
  }

  /**
   * The header of the valid record at `at`, or undefined: the scanner's test
   * (plausible header, record inside the file, matching CRC) without its
   * allocations.
   */
  private validRecordAt(fd: number, at: number): RecordHeader | undefined {
    if (at + RECORD_HEADER.size > this.size) return undefined;
    const header = readRecordHeader(this.view(fd, at, RECORD_HEADER.size), 0);
    const length = RECORD_HEADER.size + header.keyLength + header.valueLength;
    if (implausibleHeader(header) || at + length > this.size) return undefined;
    const crc = length <= WINDOW_BYTES ? computeRecordCrc(this.view(fd, at, length)) : this.streamedCrc(fd, at, length);
    return crc === header.crc ? header : undefined;
  }

  private onRecord(at: number, length: number, header: RecordHeader): void {
    const i = this.n;
    this.push(at, header.type === RECORD_TOMBSTONE ? CLASS_DELETE : CLASS_PUT);
    this.at = at + length;
    const seq = header.sequence;
    if (this.oldest === null || seq < this.oldest) this.oldest = seq;
    if (this.newest === null || seq > this.newest) this.newest = seq;
    this.onBatchRecord(i, header.flags, seq);
  }

  /**
   * Header and key bytes of records, read in chunks of about a megabyte
   * over runs of small records, and record by record (header and key only)
   * where values are large.
   */
  private heads(indices: ArrayLike<number>, visit: (i: number, header: RecordHeader, key: Buffer) => void): void {
    if (indices.length === 0) return;
    const fd = openSync(this.path, 'r');
    // One buffer per index, reused: a filter over a 1 GB file reads through it thousands of times.
    const buf = (this.keyBuffer ??= Buffer.allocUnsafe(KEY_CHUNK_BYTES));
    let bufStart = 0;
    let bufLength = 0;
    try {
      for (let x = 0; x < indices.length; x++) {
        const i = indices[x]!;
        if (i >= this.n) break;
        const cls = this.classes[i]!;
        if (i < this.header.length || cls === CLASS_CORRUPT || cls === CLASS_TORN || this.damage.has(i)) continue;
        const offset = this.offsets[i]!;
        const length = this.lengthAt(i);
        const want = Math.min(length, HEAD_GUESS);
        if (offset < bufStart || offset + want > bufStart + bufLength) {
          // Read from this record on, over the records that follow while they are small and close.
          let end = offset + want;
          for (let y = x + 1; y < indices.length && indices[y]! < this.n; y++) {
            const k = indices[y]!;
            const o = this.offsets[k]!;
            const e = o + Math.min(this.lengthAt(k), HEAD_GUESS);
            if (e - offset > KEY_CHUNK_BYTES || o - end > 64 * 1024) break;
            end = e;
          }
          bufStart = offset;
          bufLength = readFd(fd, offset, end - offset, buf).length;
        }
        const o = offset - bufStart;
        if (o + RECORD_HEADER.size > bufLength) continue;
        const header = readRecordHeader(buf, o);
        const keyEnd = RECORD_HEADER.size + header.keyLength;
        if (keyEnd > length) continue;
        const key = o + keyEnd <= bufLength ? buf.subarray(o + RECORD_HEADER.size, o + keyEnd) : readFd(fd, offset + RECORD_HEADER.size, header.keyLength);
        visit(i, header, key);
      }
    } finally {
      closeSync(fd);
    }
  }

  forEachKey(from: number, to: number, visit: (i: number, key: Buffer) => void): void {
    this.heads(range(from, Math.min(to, this.n)), (i, _h, key) => visit(i, key));
  }

  entries(indices: ArrayLike<number>): IndexEntry[] {
    const out: IndexEntry[] = [];
    const read = new Map<number, IndexEntry>();
    this.heads(indices, (i, h, key) => {
      const offset = this.offsets[i]!;
      const length = this.lengthAt(i);
      const cls = this.classes[i]!;
      const deleted = (cls & ~CLASS_UNCOMMITTED) === CLASS_DELETE;
      if (RECORD_HEADER.size + h.keyLength + h.valueLength !== length || (h.type === RECORD_TOMBSTONE) !== deleted) return;
      const e: IndexEntry = { offset, length, kind: deleted ? 'delete' : 'put', status: 'valid', key: key.toString('latin1'), sequence: h.sequence, storedCrc: h.crc, computedCrc: h.crc };
      if (!deleted) {
        e.valueOffset = offset + RECORD_HEADER.size + h.keyLength;
        e.valueLength = h.valueLength;
      }
      if (cls & CLASS_UNCOMMITTED) {
        e.uncommitted = true;
        e.problem = this.batchProblems.get(i);
      }
      read.set(i, e);
    });
    for (let x = 0; x < indices.length; x++) {
      const i = indices[x]!;
      if (i >= this.n) break;
      if (i < this.header.length) out.push(entryOf(this.header[i]!));
      else if (this.damage.has(i)) out.push(entryOf(decodedFromScan(this.damage.get(i)!)));
      else out.push(read.get(i) ?? changedOnDisk(this.offsets[i]!, this.lengthAt(i)));
    }
    return out;
  }

  detail(i: number): DecodedRecord {
    if (i < this.header.length) return this.header[i]!;
    const d = this.damage.get(i);
    if (d) return decodedFromScan(d);
    const offset = this.offsets[i]!;
    const length = this.lengthAt(i);
    const bytes = readRange(this.path, offset, length);
    for (const ev of scanRecords(memorySource(bytes), 0)) {
      if (ev.kind !== 'record' || ev.length !== length) break;
      return decodedFromScan({ ...ev, offset });
    }
    return decodedFromScan(changedRegion(offset, length));
  }

  summary(): RecordSummary {
    const s = summarize(this, () => undefined, (i) => {
      const base = this.classes[i]! & ~CLASS_UNCOMMITTED;
      return i >= this.header.length && (base === CLASS_PUT || base === CLASS_DELETE);
    });
    s.oldestSequence = this.oldest;
    s.newestSequence = this.newest;
    return s;
  }

  override stop(): void {
    super.stop();
    this.window = undefined;
  }
}

/** The integers [from, to). */
export function range(from: number, to: number): Uint32Array {
  const out = new Uint32Array(Math.max(0, to - from));
  for (let i = 0; i < out.length; i++) out[i] = from + i;
  return out;
}

function changedRegion(offset: number, length: number): ScannedDamage {
  return { kind: 'corrupt', offset, length, reason: 'the record changed on disk since the file was indexed' };
}

/** What the page shows for a record whose bytes are no longer what was indexed. */
function changedOnDisk(offset: number, length: number): IndexEntry {
  return entryOf(decodedFromScan(changedRegion(offset, length)));
}

/** Per-session cache of file indexes: grown when a file grows, rebuilt when it is rewritten. */
export class RecordIndexCache {
  private readonly cache = new Map<string, { records: Promise<FileRecords>; stamp: string }>();

  constructor(
    private readonly format: FormatDescription,
    private readonly root: string,
  ) {}

  files(): FormatFile[] {
    return this.format.listFiles(this.root).filter(hasRecords);
  }

  /**
   * A file the format lists, and its path, when it lies inside the store: a
   * symbolic link in the store to a file elsewhere (/etc/passwd) is not read
   * for the renderer. Undefined when there is no such file.
   */
  private fileNamed(name: string): { file: FormatFile; path: string } | undefined {
    const file = this.files().find((f) => f.name === name);
    if (!file) return undefined;
    const path = filePath(this.root, file.name);
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      return { file, path }; // unreadable: the read says why
    }
    const inside = relative(realpathSync(this.root), real);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) throw new ApiError('FORBIDDEN', `${name} is a link to a file outside the store; it is not read`, { file: name });
    return { file, path };
  }

  /** The file's index when it exists in this session and covers the whole file (as it is now). */
  async completed(name: string): Promise<FileRecords | undefined> {
    if (!this.cache.has(name)) return undefined;
    const records = await this.get(name);
    return records?.complete ? records : undefined;
  }

  /** The file's index, started when the file is first asked for; indexing goes on in the background. */
  async get(name: string): Promise<FileRecords | undefined> {
    const named = this.fileNamed(name);
    if (!named) {
      this.forget(name);
      return undefined;
    }
    const { file, path } = named;
    let st: { size: number; mtimeMs: number };
    try {
      st = statOf(path);
    } catch {
      this.forget(name);
      return undefined;
    }
    const stamp = `${st.size}:${st.mtimeMs}`;
    const cached = this.cache.get(name);
    if (cached) {
      const have = await cached.records.catch(() => undefined);
      if (have instanceof NativeSegmentIndex) {
        have.refresh();
        return have;
      }
      if (have && cached.stamp === stamp) return have;
      have?.stop();
    }
    const format = this.format;
    const records: Promise<FileRecords> =
      format.id === nativeFormat.id && file.role === 'data'
        ? Promise.resolve().then(() => new NativeSegmentIndex(file, path))
        : readWhole(this.root, file).then((bytes) => new StreamedFileRecords(file, bytes, format, stamp, st.size));
    this.cache.set(name, { records, stamp });
    records.catch(() => this.cache.delete(name));
    return records;
  }

  /** Bytes [offset, offset+length) of a file of the store (clipped to its size). */
  readBytes(name: string, offset: number, length: number): { size: number; bytes: Buffer } | undefined {
    const path = this.fileNamed(name)?.path;
    if (!path) return undefined;
    try {
      const size = statSync(path).size;
      const start = Math.min(offset, size);
      return { size, bytes: readRange(path, start, Math.min(length, size - start)) };
    } catch (err) {
      // Listed a moment ago, removed since (a writer's compaction): the same answer as a file not listed.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** A file that is gone: its index (and any indexing still going on) is dropped. */
  private forget(name: string): void {
    const cached = this.cache.get(name);
    if (!cached) return;
    this.cache.delete(name);
    void cached.records.then((r) => r.stop()).catch(() => undefined);
  }

  clear(): void {
    for (const { records } of this.cache.values()) void records.then((r) => r.stop()).catch(() => undefined);
    this.cache.clear();
  }
}
