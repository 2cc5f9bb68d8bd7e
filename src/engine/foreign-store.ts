/**
 * A read-only store over any registered format description: the generic
 * replay that turns decoded records into live keys, plus browsing (get,
 * history, stats) and verification.
 *
 * It never writes a byte: every file is opened with flag 'r', nothing is
 * locked, created or truncated. Values are not kept in memory; `get` reads
 * them back with a positioned read at the offset the decoder reported.
 *
 * Replay rule (from FormatDescription.winner):
 *  - 'file-order': data files in listFiles order, records in file order; the
 *    last valid put or delete of a key wins.
 *  - 'sequence': the valid put or delete with the highest `sequence` wins;
 *    on equal sequences the later one in replay order wins (Riak: newest
 *    timestamp, then higher file id, then later offset).
 * A delete that wins removes the key. Corrupt and torn records are never
 * replayed; with `stopsFileAtFirstBadRecord` nothing after the first bad
 * record of a file is replayed either (those records are still listed).
 *
 * A format whose program opens a data file from its hint (Riak:
 * FormatDescription.readHint) has that file's versions taken from the hint
 * when the hint checks out and describes the whole file, without reading the
 * data file; else the file is replayed, and openedFrom() says why. Such a
 * version's record is checked when it is read (get, history): damage since
 * the hint was written is found there, by verify and by `segments`, not by
 * the open; stats say their figures come from hints (figuresFrom 'index').
 */
import * as fsp from 'node:fs/promises';
import { ClosedError, CorruptRecordError, IoError, StoreError } from './errors.js';
import { keyToString, toBytes } from './keys.js';
import type {
  BrowsableStore,
  DeletedKey,
  KeyVersion,
  Problem,
  Progress,
  RecordLocation,
  SegmentStats,
  StoreStats,
  ValueWithLocation,
  VerifyReport,
} from './types.js';
import { addToSummary, countsAsRecord, damagedKeyOf, emptySummary, type DecodedRecord, type Detection, type FileSummary, type FormatDescription, type FormatFile, type HintIndex } from './formats/format.js';
import { filePath } from './formats/fs-probe.js';
import { keySuffix } from './recovery.js';
import { showBytes } from './formats/decode-helpers.js';
import { decodedFromScan, nativeFormat } from './formats/native.js';
import { realFs } from './fs.js';
import { fileSource } from './native/byte-source.js';
import { SEGMENT_HEADER } from './native/layout.js';
import { scanRecords } from './native/scan.js';
import { Yielder } from './yielder.js';
import { DataRecords, HintChecker } from './foreign-hint-check.js';
import { SlotKeyList, type KeyList } from './key-list.js';
import { VersionTable, type Version } from './foreign-versions.js';
import { foreignDeadSpace, type DeadSpace } from './dead-space.js';
import { UnknownFormatError, detectFormat, lookedFor, requireFormat } from './formats/registry.js';

/** How many keys of the records a stop left unread a note names. */
const UNREAD_KEYS_SHOWN = 3;

export interface OpenForeignOptions {
  /** Format id to use instead of detecting one (`--format <id>`). */
  format?: string;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /**
   * Read every data file's records, even where the file's hint would do
   * (FormatDescription.readHint): the open then finds every damaged record
   * (repair wants them all), at the cost of reading the whole store.
   */
  replayData?: boolean;
}

/** How many data records whose kind a hint leaves unsure (HintIndex.unsure) an open reads before it reads the whole file instead. */
const MAX_UNSURE_READS = 1024;

/** Where the open took a data file's keys from: its hint (its records not read) or its records, and why not its hint. */
export interface OpenedFrom {
  file: string;
  from: 'hint' | 'records';
  /** Why the records were read, for a format whose hints could have stood for them (also when the caller asked for the records: replayData). */
  why?: string;
}

/** The record standing for bytes[start, end) that the format's decoder failed on (a decoder bug). */
function undecodedRecord(format: FormatDescription, err: unknown, start: number, end: number): DecodedRecord {
  const message = `the ${format.id} decoder failed on this file: ${err instanceof Error ? err.message : String(err)}`;
  return {
    offset: start,
    length: end - start,
    kind: 'garbage',
    status: 'corrupt',
    problemKind: 'unreadable',
    problem: message,
    fields: [{ name: 'undecoded bytes', role: 'other', start, end, display: `${end - start} bytes`, explain: message }],
  };
}

/** Decode one file; a decoder bug becomes one unreadable record instead of an exception. */
export function decodeSafely(format: FormatDescription, file: FormatFile, bytes: Uint8Array): DecodedRecord[] {
  try {
    return format.decodeFile(file, bytes);
  } catch (err) {
    return [undecodedRecord(format, err, 0, bytes.length)];
  }
}

/**
 * decodeSafely's records one at a time, through the format's
 * decodeRecords. A decoder bug after some records becomes one unreadable
 * record for the rest of the file.
 */
export function* decodeSafelyOneByOne(format: FormatDescription, file: FormatFile, bytes: Uint8Array): Generator<DecodedRecord> {
  let end = 0;
  try {
    for (const record of format.decodeRecords(file, bytes)) {
      end = record.offset + record.length;
      yield record;
    }
  } catch (err) {
    yield undecodedRecord(format, err, end, bytes.length);
  }
}

/** A listed file that cannot be read (FormatFile.unreadable): never opened, as a pipe would block and a directory or a dangling link has nothing to read. */
function unreadableFileError(file: FormatFile): IoError {
  return new IoError(`reading ${file.name}`, new Error(`${file.name} cannot be read: ${file.unreadable}`));
}

/** Read a whole format file, read-only. */
export async function readWhole(root: string, file: FormatFile): Promise<Buffer> {
  if (file.unreadable !== undefined) throw unreadableFileError(file);
  try {
    return await fsp.readFile(filePath(root, file.name), { flag: 'r' });
  } catch (err) {
    throw new IoError(`reading ${file.name}`, err);
  }
}

/** Read and decode every record of one file of a format, without opening a store. */
export async function decodeFormatFile(format: FormatDescription, root: string, file: FormatFile): Promise<DecodedRecord[]> {
  return decodeSafely(format, file, await readWhole(root, file));
}

/**
 * decodeFormatFile's records one at a time. A native segment is read a
 * window at a time (a 1M-key segment's records held at once took `kvscope
 * dump` to 0.9 GB); other files are read whole, and their records decoded
 * one at a time (decodeRecords).
 */
export async function* decodedRecordsOf(format: FormatDescription, root: string, file: FormatFile): AsyncGenerator<DecodedRecord> {
  if (format.id === nativeFormat.id && file.role === 'data') {
    if (file.unreadable !== undefined) throw unreadableFileError(file);
    let fd: number;
    try {
      fd = realFs.openSync(filePath(root, file.name), 'r');
    } catch (err) {
      throw new IoError(`reading ${file.name}`, err);
    }
    try {
      const size = realFs.fstatSize(fd);
      const header = Buffer.alloc(Math.min(size, SEGMENT_HEADER.size));
      realFs.readSync(fd, header, 0, header.length, 0);
      yield* nativeFormat.decodeFile(file, header);
      if (size > SEGMENT_HEADER.size) for (const ev of scanRecords(fileSource(realFs, fd, size), SEGMENT_HEADER.size)) yield decodedFromScan(ev);
    } finally {
      realFs.closeSync(fd);
    }
    return;
  }
  yield* decodeSafelyOneByOne(format, file, await readWhole(root, file));
}

/** No data file of a foreign store could be read: the open fails (exit 3), naming each file and why. */
export class UnreadableDataError extends StoreError {
  constructor(
    readonly format: FormatDescription,
    /** Each data file's name and why it cannot be read. */
    readonly files: ReadonlyMap<string, string>,
  ) {
    const said = [...files].map(([name, why]) => `${name} cannot be read: ${why}`);
    super('IO', said.length === 1 ? `${format.id} data file ${said[0]}` : `none of the ${said.length} ${format.id} data files can be read: ${said.join('; ')}`);
  }
}

function problemOf(file: FormatFile, record: DecodedRecord): Problem {
  const key = damagedKeyOf(record);
  return {
    file: file.name,
    offset: record.offset,
    kind: record.problemKind ?? (record.status === 'torn' ? 'torn-tail' : 'bad-header'),
    length: record.length,
    message: record.problem ?? `${record.status} record`,
    ...(key ? { key: { key: keyToString(key), from: 'record' as const } } : {}),
  };
}

function emptySegmentStats(file: FormatFile, hasHint: boolean): SegmentStats {
  return {
    file: file.name,
    segment: file.id,
    bytes: 0,
    records: 0,
    liveBytes: 0,
    staleBytes: 0,
    tombstoneBytes: 0,
    corruptBytes: 0,
    unreadBytes: 0,
    hasHint,
    active: false,
  };
}

/** Up to `length` bytes of an open file from `position`: fewer only where the file ends first. */
async function readUpTo(fh: fsp.FileHandle, length: number, position: number): Promise<Buffer> {
  const bytes = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(bytes, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return bytes.subarray(0, done);
}

export class ForeignStore implements BrowsableStore {
  readonly readOnly = true;
  readonly format: string;
  /** Directory the format's files live in (may be a subfolder of `dir`). */
  readonly root: string;

  private readonly versions: VersionTable;
  /** The data files, in replay order (Version.fileIndex). */
  private readonly dataFiles: readonly FormatFile[];
  private sorted: string[] | undefined;
  /** The live keys' indexes (VersionTable.keys) in byte order, once sorted, and them as a KeyList. */
  private sortedIndexes: Uint32Array | undefined;
  private sortedList: SlotKeyList | undefined;
  private readonly handles = new Map<string, Promise<fsp.FileHandle>>();
  private readonly replayProblems: Problem[] = [];
  private segmentStats: SegmentStats[] = [];
  /** Per data file read by the replay: its record count and sequence range (what `kvscope segments` shows), and its size then. */
  private readonly summaries = new Map<string, { size: number; summary: FileSummary }>();
  /** Per data file the program stops reading at damage: the offset from which it reads nothing (unreadFrom). */
  private readonly stopOffsets = new Map<string, number>();
  /** Per data file, in replay order: where its keys came from. */
  private readonly sources: OpenedFrom[] = [];
  /** The data files whose keys came from their hints (by index in dataFiles). */
  private readonly hinted = new Set<number>();
  private closed = false;

  private constructor(
    /** The directory the user opened. */
    readonly dir: string,
    readonly description: FormatDescription,
    readonly detection: Detection,
    private readonly fileList: readonly FormatFile[],
  ) {
    this.format = description.id;
    this.root = detection.root;
    this.versions = new VersionTable(description.winner === 'sequence');
    this.dataFiles = fileList.filter((f) => f.role === 'data');
  }

  /** Use openForeign(). */
  static async open(dir: string, opts: OpenForeignOptions = {}): Promise<ForeignStore> {
    const { description, detection } = chooseFormat(dir, opts.format);
    const files = description.listFiles(detection.root);
    if (!files.some((f) => f.role === 'data')) {
      throw new UnknownFormatError(dir, lookedFor([description]), `no ${description.id} data files found`);
    }
    const store = new ForeignStore(dir, description, detection, files);
    await store.replay(opts);
    return store;
  }

  // ---------------------------------------------------------------- replay

  private async replay(opts: OpenForeignOptions): Promise<void> {
    const dataFiles = this.dataFiles;
    const hintIds = new Set(this.fileList.filter((f) => f.role === 'hint').map((f) => f.id));
    // Progress in bytes of the data files; the event loop is given back every few milliseconds
    // (a cask's file can hold millions of records), and a cancel is seen there.
    const yielder = new Yielder('open', opts.signal, opts.onProgress);
    const total = dataFiles.reduce((n, f) => n + f.size, 0);
    let before = 0;
    let ordinal = 0;
    const unreadableWhy = new Map<string, string>();
    for (const [i, file] of dataFiles.entries()) {
      yielder.check();
      yielder.report(before, total);
      const seg = emptySegmentStats(file, hintIds.has(file.id));
      const fromHint = await this.keysFromHint(file, i, ordinal, seg, opts, yielder, before, total);
      if (typeof fromHint === 'number') {
        ordinal = fromHint;
        this.hinted.add(i);
        this.sources.push({ file: file.name, from: 'hint' });
        this.segmentStats.push(seg);
        before += file.size;
        continue;
      }
      this.sources.push({ file: file.name, from: 'records', ...(fromHint !== undefined ? { why: fromHint } : {}) });
      let bytes: Buffer;
      try {
        bytes = await readWhole(this.root, file);
      } catch (err) {
        if (!(err instanceof IoError)) throw err;
        // Its keys and deletes are missing from what follows: said (a warning, and verify's problem), not passed over.
        const why = file.unreadable ?? (err.cause instanceof Error ? err.cause.message : err.message);
        unreadableWhy.set(file.name, why);
        this.replayProblems.push({ file: file.name, offset: 0, kind: 'unreadable', length: 0, message: `the file cannot be read (${why}): none of its records were replayed` });
        this.segmentStats.push(seg);
        before += file.size;
        continue;
      }
      seg.bytes = bytes.length;
      // The problem the program stops reading this file at (none: it reads the whole file), and the records after it it never reads.
      let stoppedAt: Problem | undefined;
      const unread = { records: 0, keys: [] as Uint8Array[] };
      const summary = emptySummary();
      let hintClaims: Map<number, DecodedRecord> | null | undefined;
      for (const record of decodeSafelyOneByOne(this.description, file, bytes)) {
        if ((++ordinal & 1023) === 0) await yielder.tick(before + record.offset, total);
        // As the segments view counts (addToSummary): a line the program ignores, a header, is no record.
        if (countsAsRecord(record)) seg.records++;
        addToSummary(summary, record);
        if (record.status !== 'valid') {
          seg.corruptBytes += record.length;
          const problem = problemOf(file, record);
          this.replayProblems.push(problem);
          // A damaged record a trusted hint names is the key's record to the program (listed, failing to read);
          // one whose key bytes read is kept for the key's history. Neither gives a value.
          if (this.description.keysFromValidHint && hintIds.has(file.id)) hintClaims ??= await this.validHintClaims(file);
          const claim = hintClaims?.get(record.offset);
          const damaged = (key: Uint8Array, kind: 'put' | 'delete', valueLength: number, sequence: number | undefined, replayed: boolean): void =>
            this.versions.add(key, { fileIndex: i, ordinal, offset: record.offset, length: record.length, kind, valueOffset: 0, valueLength, sequence, replayed, damaged: true });
          if (claim?.key !== undefined && claim.pointsTo !== undefined) {
            damaged(claim.key, claim.pointsTo.kind, Math.max(0, claim.pointsTo.length - (record.length - (record.valueLength ?? 0))), claim.sequence, stoppedAt === undefined);
          } else if ((record.kind === 'put' || record.kind === 'delete') && record.key !== undefined) {
            damaged(record.key, record.kind, record.valueLength ?? 0, record.sequence, false);
          }
          // Riak reads a file through lengths that a 'garbage' region's damage broke only without a hint that checks out.
          const lostStep = this.description.stopsAtLostStep === true && record.kind === 'garbage' && !hintClaims;
          if (stoppedAt === undefined && (this.description.stopsFileAtFirstBadRecord || lostStep)) {
            stoppedAt = problem;
            this.stopOffsets.set(file.name, record.offset + record.length);
          }
          continue;
        }
        if ((record.kind !== 'put' && record.kind !== 'delete') || record.key === undefined) {
          seg.staleBytes += record.length; // a line the program ignores, a header, ...
          continue;
        }
        if (stoppedAt !== undefined) {
          unread.records++;
          if (unread.keys.length < UNREAD_KEYS_SHOWN + 1) unread.keys.push(record.key);
        }
        this.versions.add(record.key, {
          fileIndex: i,
          ordinal,
          offset: record.offset,
          length: record.length,
          kind: record.kind,
          valueOffset: record.valueOffset ?? 0,
          valueLength: record.valueLength ?? 0,
          sequence: record.sequence,
          replayed: stoppedAt === undefined,
        });
      }
      if (stoppedAt && unread.records > 0) stoppedAt.message += this.unreadAfter(unread);
      this.segmentStats.push(seg);
      this.summaries.set(file.name, { size: bytes.length, summary });
      before += file.size;
    }
    yielder.report(total, total);
    // Nothing at all could be read (a single-file format's one file, say): the open fails, naming the files and why,
    // as the format's own program fails to open it; an empty store with a note would hide that.
    if (dataFiles.length > 0 && unreadableWhy.size === dataFiles.length) throw new UnreadableDataError(this.description, unreadableWhy);
    this.countBytes();
  }

  /**
   * What stopping at a problem cost, for its note (the problem that stops a file):
   * how many later records of the file it never reads, and whose.
   */
  private unreadAfter(unread: { records: number; keys: Uint8Array[] }): string {
    // A format that stops a file at its first bad record says so in the problem already.
    const reader = this.description.stopsFileAtFirstBadRecord
      ? ''
      : ` with no hint that checks out, ${this.description.title} reads this file by the damaged lengths and nothing sound after them:`;
    const shown = unread.keys.slice(0, UNREAD_KEYS_SHOWN).map((k) => showBytes(k));
    const more = unread.records - shown.length;
    return `;${reader} ${unread.records} later record${unread.records === 1 ? '' : 's'} not replayed (${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''})`;
  }

  /**
   * The data file's key versions from its hint, without reading the data
   * file, when the format can (readHint) and the hint stands for the file:
   * the replay's ordinal after them. Otherwise why not (undefined when
   * there is no reason to say: a format without such hints, or a data file
   * that cannot be read, which the replay says).
   */
  private async keysFromHint(file: FormatFile, fileIndex: number, ordinal: number, seg: SegmentStats, opts: OpenForeignOptions, yielder: Yielder, before: number, total: number): Promise<number | string | undefined> {
    const readHint = this.description.readHint;
    if (!readHint || file.unreadable !== undefined) return undefined;
    const hint = this.fileList.find((f) => f.role === 'hint' && f.id === file.id);
    if (!hint) return 'it has no hint file';
    if (opts.replayData === true) return `the open was asked to read every data file, not its hint ${hint.name}`;
    let bytes: Buffer;
    try {
      bytes = await readWhole(this.root, hint);
    } catch (err) {
      return `its hint ${hint.name} cannot be read (${err instanceof IoError && err.cause instanceof Error ? err.cause.message : String(err)})`;
    }
    let index: HintIndex;
    try {
      index = readHint(bytes, file.size);
    } catch (err) {
      return `the ${this.description.id} hint reader failed on ${hint.name}: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (!index.usable) return `its hint ${hint.name} was not used: ${index.why}`;
    // The data file is opened (as Riak opens it before folding the hint), not read: one that cannot be is replayed, which says why.
    try {
      await this.handle(file);
    } catch {
      return undefined;
    }
    // The few records whose kind the hint cannot tell: read, each by itself.
    const kinds = new Map<number, 'put' | 'delete'>();
    if (index.unsure.length > MAX_UNSURE_READS) {
      return `its hint ${hint.name} was not used: ${index.unsure.length} of its entries have a tombstone's size without the tombstone bit (a hint written before the bit existed?)`;
    }
    for (const { offset, length } of index.unsure) {
      const record = await this.recordAt(file, offset, length);
      if (record === undefined || record.status !== 'valid' || record.length !== length || (record.kind !== 'put' && record.kind !== 'delete')) {
        return `its hint ${hint.name} was not used: the record at ${offset}, whose kind its entry does not say for sure, does not read`;
      }
      kinds.set(offset, record.kind);
    }
    let n = ordinal;
    for (const e of index.entries()) {
      if ((++n & 1023) === 0) await yielder.tick(before + e.offset, total);
      const kind = kinds.get(e.offset) ?? e.kind;
      const put = kind === 'put';
      this.versions.add(e.key, {
        fileIndex,
        ordinal: n,
        offset: e.offset,
        length: e.length,
        kind,
        valueOffset: put ? e.valueOffset : 0,
        valueLength: put ? e.valueLength : 0,
        sequence: e.sequence,
        replayed: true,
        fromHint: true,
      });
    }
    seg.bytes = file.size;
    seg.records = index.count;
    return n;
  }

  /** The `length`-byte record of a data file at `offset`, decoded from a positioned read (undefined where none reads there). */
  private async recordAt(file: FormatFile, offset: number, length: number): Promise<DecodedRecord | undefined> {
    let fh: fsp.FileHandle;
    try {
      fh = await this.handle(file);
    } catch {
      return undefined;
    }
    const bytes = await readUpTo(fh, length, offset);
    try {
      for (const r of this.description.decodeRecords(file, bytes)) return r.offset === 0 ? r : undefined;
    } catch {
      // A decoder bug: no record reads there.
    }
    return undefined;
  }

  /**
   * The entries of the data file's hint, by the offset of the record each
   * names, when the hint checks out whole (every entry possible, the
   * trailer's CRC right): what a program that trusts such a hint
   * (keysFromValidHint) takes the file's keys from. null when there is no
   * such hint or it does not check out.
   */
  private async validHintClaims(data: FormatFile): Promise<Map<number, DecodedRecord> | null> {
    const hint = this.fileList.find((f) => f.role === 'hint' && f.id === data.id);
    if (!hint) return null;
    let bytes: Buffer;
    try {
      bytes = await readWhole(this.root, hint);
    } catch {
      return null;
    }
    const claims = new Map<number, DecodedRecord>();
    let trailer = false;
    for (const r of decodeSafelyOneByOne(this.description, hint, bytes)) {
      if (r.status !== 'valid') return null;
      if (r.kind === 'trailer') trailer = true;
      else if (r.pointsTo !== undefined) claims.set(r.pointsTo.offset, r);
    }
    return trailer ? claims : null;
  }

  private countBytes(): void {
    this.versions.forEachStanding((fileIndex, length, standing) => {
      const seg = this.segmentStats[fileIndex]!;
      if (standing === 'live') seg.liveBytes += length;
      else if (standing === 'tombstone') seg.tombstoneBytes += length;
      else if (standing === 'unread') seg.unreadBytes! += length;
      else seg.staleBytes += length;
    });
    // The file the format's writer appends to (Riak: the one its write lock names, else none); by default the
    // highest id for formats that number their files, else the last in replay order.
    const named = this.description.activeDataFile ? this.description.activeDataFile(this.root, this.fileList) : undefined;
    const active =
      named === undefined
        ? this.segmentStats.reduce<SegmentStats | undefined>((best, s) => (best === undefined || s.segment >= best.segment ? s : best), undefined)
        : this.segmentStats.find((s) => s.file === named);
    if (active) active.active = true;
  }

  // ---------------------------------------------------------------- browsing

  private check(): void {
    if (this.closed) throw new ClosedError();
  }

  private location(v: Version): RecordLocation {
    const file = this.dataFiles[v.fileIndex]!;
    const location: RecordLocation = { file: file.name, segment: file.id, offset: v.offset, length: v.length, sequence: v.sequence ?? v.ordinal };
    if (v.sequence === undefined) location.sequenceIsOrder = true;
    else if (this.description.sequenceIsTimestamp) location.sequenceIsTimestamp = true;
    return location;
  }

  /** The live version of a key, if it has one. */
  private liveVersion(key: Uint8Array | string): Version | undefined {
    const row = this.versions.liveRow(toBytes(key));
    return row < 0 ? undefined : this.versions.version(row);
  }

  /** The files of the store as listed when it was opened, in replay order (data, hints, locks...). */
  files(): readonly FormatFile[] {
    return this.fileList;
  }

  /**
   * A data file's record count and sequence range as the replay decoded it
   * (the summary decoding the file again gives), while the file still has
   * the size it had then; else undefined.
   */
  dataFileSummary(file: FormatFile): FileSummary | undefined {
    const replayed = this.summaries.get(file.name);
    return replayed && replayed.size === file.size ? { ...replayed.summary } : undefined;
  }

  /**
   * Damage found while opening (torn tails, corrupt records skipped, files
   * that cannot be read), one line each, in the words of a native open's
   * recoveryNotes.
   */
  warnings(): string[] {
    return this.replayProblems.map((p) => {
      if (p.kind === 'torn-tail') return `torn tail in ${p.file} at ${p.offset}: ${p.message}${keySuffix(p)}${this.isUnfinishedLastWrite(p) ? this.lastWriteNote(p) : ''}`;
      return `skipped ${p.kind} in ${p.file} at ${p.offset}: ${p.message}${keySuffix(p)}`;
    });
  }

  /**
   * The damage the open met that may have cost committed keys or versions:
   * every problem but a torn tail at the end of the file written last (the
   * newest non-empty data file), which is a write a crash cut short.
   */
  damageSkipped(): Problem[] {
    return this.replayProblems.filter((p) => !this.isUnfinishedLastWrite(p));
  }

  /**
   * What became of the last write, cut short: a torn record's bytes are left
   * in place, unread; a text log's last line without '\n' the program applies
   * as it stands (its problem is the note of no bytes at the end of the file
   * that text-lines' unterminatedLine gives, the only torn tail of no bytes).
   */
  private lastWriteNote(p: Problem): string {
    return p.length === 0 ? ` (that last line applied, as ${this.format} applies it)` : ' (the last write, cut short: left in place)';
  }

  private isUnfinishedLastWrite(p: Problem): boolean {
    if (p.kind !== 'torn-tail') return false;
    let newest: FormatFile | undefined;
    for (const f of this.dataFiles) if (f.size > 0 && (newest === undefined || f.id >= newest.id)) newest = f;
    return newest !== undefined && p.file === newest.name && p.offset + (p.length ?? 0) >= newest.size;
  }

  /** Damage found while opening, as problems. */
  openProblems(): readonly Problem[] {
    return this.replayProblems;
  }

  keyCount(): number {
    this.check();
    return this.versions.liveKeys;
  }

  sortedKeys(): readonly string[] {
    this.check();
    this.sorted ??= Array.from(this.sortedKeyIndexes(), (k) => this.versions.keys.keyAt(k));
    return this.sorted;
  }

  /** The live keys in byte order, without a string per key (the same object once sorted). */
  sortedKeyList(): KeyList {
    this.sortedKeyIndexes();
    return this.sortedList!;
  }

  /** sortedKeyList, sorted in steps of a few milliseconds with `pause` awaited between them. */
  async sortedKeyListInSteps(pause: () => Promise<void>): Promise<KeyList> {
    this.check();
    if (this.sortedIndexes === undefined) this.keepSorted(await this.versions.keys.inByteOrderInSteps(this.versions.liveKeyIndexes(), pause));
    return this.sortedList!;
  }

  private sortedKeyIndexes(): Uint32Array {
    this.check();
    if (this.sortedIndexes === undefined) this.keepSorted(this.versions.keys.inByteOrder(this.versions.liveKeyIndexes()));
    return this.sortedIndexes!;
  }

  private keepSorted(indexes: Uint32Array): void {
    if (this.sortedIndexes !== undefined) return; // sorted meanwhile: keep the list already handed out
    this.sortedIndexes = indexes;
    // Read-only: a record's size never changes under the list (following another writer opens the store again).
    const versions = this.versions;
    this.sortedList = new SlotKeyList(versions.keys, indexes, { sizesVersion: 0, lengthAt: (k) => versions.liveLengthOf(k) });
  }

  /** The n smallest live keys, sorted, and the key count, without sorting them all or making a string per key. */
  smallestKeys(n: number): { keys: string[]; count: number } {
    this.check();
    const keys = this.versions.keys;
    const best = this.sortedIndexes ? Array.from(this.sortedIndexes.subarray(0, Math.max(0, n))) : keys.smallest(this.versions.liveKeyIndexes(), n);
    return { keys: best.map((k) => keys.keyAt(k)), count: this.versions.liveKeys };
  }

  unorderedKeys(): Iterable<string> {
    this.check();
    return this.versions.liveKeyNames();
  }

  has(key: Uint8Array | string): boolean {
    this.check();
    return this.versions.liveRow(toBytes(key)) >= 0;
  }

  locate(key: Uint8Array | string): RecordLocation | undefined {
    this.check();
    const v = this.liveVersion(key);
    return v && this.location(v);
  }

  unreadFrom(file: string): number | undefined {
    return this.stopOffsets.get(file);
  }

  async get(key: Uint8Array | string): Promise<Buffer | undefined> {
    return (await this.getWithLocation(key))?.value;
  }

  async getWithLocation(key: Uint8Array | string): Promise<ValueWithLocation | undefined> {
    this.check();
    const bytes = toBytes(key);
    const v = this.liveVersion(bytes);
    if (!v) return undefined;
    return { value: await this.readValue(v, bytes), location: this.location(v) };
  }

  private handle(file: FormatFile): Promise<fsp.FileHandle> {
    let h = this.handles.get(file.name);
    if (!h) {
      h = fsp.open(filePath(this.root, file.name), 'r');
      h.catch(() => this.handles.delete(file.name));
      this.handles.set(file.name, h);
    }
    return h;
  }

  /** Positioned read of a value; its length was checked against the file size when decoded. */
  private async readValue(v: Version, key: Uint8Array): Promise<Buffer> {
    const file = this.dataFiles[v.fileIndex]!;
    if (v.damaged) {
      const problem = this.replayProblems.find((p) => p.file === file.name && p.offset === v.offset);
      throw new CorruptRecordError(file.name, v.offset, `the key's record is damaged (${problem?.message ?? 'it fails its checks'})`);
    }
    if (v.fromHint) {
      // The open took this version from the hint without reading the record: it is read whole and checked now.
      const checked = await this.checkedRecord(v, key);
      if (typeof checked === 'string') throw new CorruptRecordError(file.name, v.offset, checked);
      return checked;
    }
    return this.readVersionBytes(v, v.valueOffset, v.valueLength);
  }

  /** `length` bytes of version v's data file from `position` (in v's record), read whole. */
  private async readVersionBytes(v: Version, position: number, length: number): Promise<Buffer> {
    const file = this.dataFiles[v.fileIndex]!;
    let fh: fsp.FileHandle;
    try {
      fh = await this.handle(file);
    } catch (err) {
      throw new IoError(`opening ${file.name}`, err);
    }
    const bytes = await readUpTo(fh, length, position);
    if (bytes.length < length) throw new CorruptRecordError(file.name, v.offset, 'the file is shorter than when the store was opened');
    return bytes;
  }

  /**
   * The value of a version the open took from a hint, read with its whole
   * record, which must check out (the format's decoder) and be the record the
   * hint described (offset, length, key, kind); else why not. What a
   * replay would have found at the open, found at the read.
   */
  private async checkedRecord(v: Version, key: Uint8Array): Promise<Buffer | string> {
    const file = this.dataFiles[v.fileIndex]!;
    const bytes = await this.readVersionBytes(v, v.offset, v.length);
    let record: DecodedRecord | undefined;
    try {
      for (const r of this.description.decodeRecords(file, bytes)) {
        record = r;
        break;
      }
    } catch {
      record = undefined;
    }
    const named = `the hint names a ${v.length}-byte ${v.kind} here`;
    if (record === undefined) return `the key's record does not read (${named})`;
    if (record.status !== 'valid') return `the key's record is damaged (${record.problem ?? `${record.status} record`})`;
    if (record.length !== v.length || record.kind !== v.kind) return `the key's record is not the one its hint names (${named}; the record there is a ${record.length}-byte ${record.kind})`;
    if (record.key === undefined || Buffer.compare(record.key, key) !== 0) {
      return `the key's record is not the one its hint names (${named}; the record there has another key)`;
    }
    const start = v.valueOffset - v.offset;
    return bytes.subarray(start, start + v.valueLength);
  }

  async history(key: Uint8Array | string): Promise<KeyVersion[]> {
    this.check();
    const bytes = toBytes(key);
    const { rows, live } = this.versions.history(bytes);
    const out: KeyVersion[] = [];
    for (const row of rows) {
      const v = this.versions.version(row);
      // A version taken from a hint is checked here, as a replay would have at the open.
      const damaged = v.damaged === true || (v.fromHint === true && typeof (await this.checkedRecord(v, bytes).catch(() => 'unreadable')) === 'string');
      out.push({
        location: this.location(v),
        kind: v.kind,
        valueLength: v.kind === 'put' ? v.valueLength : 0,
        status: damaged ? 'corrupt' : !v.replayed ? 'unread' : v.kind === 'delete' ? 'tombstone' : row === live ? 'live' : 'shadowed',
      });
    }
    return out;
  }

  /** The keys whose winning version is a delete, from the versions the open kept (nothing is read). */
  async deletedKeys(): Promise<DeletedKey[]> {
    this.check();
    const out: DeletedKey[] = [];
    for (const { key, row } of this.versions.deletedKeyRows()) out.push({ key, deletedAt: this.location(this.versions.version(row)) });
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Dead bytes by key, from the versions the open kept (nothing is read; dead-space.ts). */
  async deadSpace(opts: { onProgress?: (p: Progress) => void; signal?: AbortSignal } = {}): Promise<DeadSpace> {
    this.check();
    const versions = this.versions;
    const dead = await foreignDeadSpace(versions.keys, (visit) => versions.forEachRow(visit), (key) => versions.liveRow(key) >= 0, new Yielder('dead space', opts.signal, opts.onProgress));
    // Damage whose key is unknown is in no version: the files' corrupt bytes, as stats counts them.
    dead.totals.damagedBytes = this.segmentStats.reduce((n, s) => n + s.corruptBytes, 0);
    return dead;
  }

  stats(): StoreStats {
    this.check();
    const perSegment = this.segmentStats.map((s) => ({ ...s }));
    const totalBytes = perSegment.reduce((n, s) => n + s.bytes, 0);
    const liveBytes = perSegment.reduce((n, s) => n + s.liveBytes, 0);
    return {
      format: this.format,
      keys: this.versions.liveKeys,
      segments: perSegment.length,
      totalBytes,
      liveBytes,
      deadBytes: totalBytes - liveBytes,
      spaceAmplification: liveBytes > 0 ? totalBytes / liveBytes : totalBytes > 0 ? Number.POSITIVE_INFINITY : 1,
      perSegment,
      // Hints describe the records as they were written: damage since is counted by what reads them (verify, segments).
      ...(this.hinted.size > 0 ? { figuresFrom: 'index' as const } : {}),
      // Why files of a format that opens from hints were read instead (also when no hint was used: every one damaged, or replayData).
      ...(this.sources.some((s) => s.why !== undefined) ? { recordsReadBecause: this.sources.flatMap((s) => (s.why !== undefined ? [{ file: s.file, why: s.why }] : [])) } : {}),
    };
  }

  /**
   * Per data file, in replay order: whether the open took its keys from its
   * hint, without reading its records, or read them, and why not from the
   * hint where the format's hints could have stood for them.
   */
  openedFrom(): readonly OpenedFrom[] {
    return this.sources;
  }

  /** Whether the open took a data file's keys (and its figures) from its hint, without reading its records. */
  figuresFromIndex(file: string): boolean {
    const i = this.dataFiles.findIndex((f) => f.name === file);
    return i >= 0 && this.hinted.has(i);
  }

  /**
   * A data file's byte figures once reading it found the damaged regions
   * `damaged` ([start, end)): the open's own where it read the file (it
   * counted its damage); where it took them from the hint, the records that
   * start in a damaged region are corrupt bytes, not live, stale or
   * tombstone ones, which gives what an open reading the file counts.
   */
  figuresWithDamage(file: string, damaged: readonly (readonly [number, number])[]): { liveBytes: number; staleBytes: number; tombstoneBytes: number; corruptBytes: number; unreadBytes: number } | undefined {
    const i = this.dataFiles.findIndex((f) => f.name === file);
    const seg = this.segmentStats[i];
    if (!seg) return undefined;
    const { liveBytes, staleBytes, tombstoneBytes, corruptBytes } = seg;
    const unreadBytes = seg.unreadBytes ?? 0;
    if (!this.hinted.has(i) || damaged.length === 0) return { liveBytes, staleBytes, tombstoneBytes, corruptBytes, unreadBytes };
    const within = this.versions.standingWithin(i, damaged);
    return {
      liveBytes: liveBytes - within.live,
      staleBytes: staleBytes - within.stale,
      tombstoneBytes: tombstoneBytes - within.tombstone,
      unreadBytes: unreadBytes - within.unread,
      corruptBytes: damaged.reduce((n, [start, end]) => n + end - start, 0),
    };
  }

  /** Bytes of a data file's live records that start within the [start, end) ranges (the inspector's segments view, as the native store's). */
  liveBytesWithin(file: string, ranges: readonly (readonly [number, number])[]): number {
    const i = this.dataFiles.findIndex((f) => f.name === file);
    return i < 0 ? 0 : this.versions.standingWithin(i, ranges).live;
  }

  // ---------------------------------------------------------------- inspection

  /** Every record of one file (data, hint or lock), decoded from the bytes on disk now. */
  async records(fileName: string): Promise<DecodedRecord[]> {
    this.check();
    const file = this.description.listFiles(this.root).find((f) => f.name === fileName) ?? this.fileList.find((f) => f.name === fileName);
    if (!file) throw new IoError(`listing records of ${fileName}`, new Error(`no file named ${fileName} in this ${this.format} store`));
    return decodeFormatFile(this.description, this.root, file);
  }

  /**
   * Re-reads every file and reports damage: bad CRCs, torn tails, impossible
   * lengths, unreadable lines, bad hint files and hint entries that do not
   * point at the record they describe.
   */
  async verify(opts: { onProgress?: (p: Progress) => void; signal?: AbortSignal } = {}): Promise<VerifyReport> {
    this.check();
    const files = this.description.listFiles(this.root);
    const problems: Problem[] = [];
    const hintIds = new Set(files.filter((f) => f.role === 'hint').map((f) => f.id));
    // A data file with a hint keeps what the hint's entries are checked against; a hint is checked as it is
    // read when its data file came before it (Riak's order), else after every file (read again then).
    const dataById = new Map<number, DataRecords>();
    const dataLeft = new Set(files.filter((f) => f.role === 'data').map((f) => f.id));
    const hintProblems: Problem[][] = [];
    const hintsLater: { file: FormatFile; at: number }[] = [];
    // The records that check out, as the segments view counts records (countsAsRecord: no header, trailer or
    // ignored line), and none of the damaged rows or notes (a text log's missing final newline), which are problems.
    let recordsChecked = 0;
    let decoded = 0;
    // Progress in bytes, the event loop given back every few milliseconds (as the open).
    const yielder = new Yielder('verify', opts.signal, opts.onProgress);
    const total = files.reduce((n, f) => n + f.size, 0);
    let before = 0;
    for (const file of files) {
      yielder.check();
      yielder.report(before, total);
      let bytes: Buffer;
      try {
        bytes = await readWhole(this.root, file);
      } catch (err) {
        const why = file.unreadable ?? (err instanceof Error ? err.message : String(err));
        problems.push({ file: file.name, offset: 0, kind: 'unreadable', length: 0, message: `the file cannot be read (${why})${file.role === 'data' ? ': a replay reads none of its records' : ''}` });
        before += file.size;
        continue;
      }
      const data = file.role === 'data' && hintIds.has(file.id) ? new DataRecords() : undefined;
      let hint: HintChecker | undefined;
      if (file.role === 'hint') {
        if (dataLeft.has(file.id)) {
          hintsLater.push({ file, at: hintProblems.length });
          hintProblems.push([]);
        } else hint = new HintChecker(file, dataById.get(file.id));
      }
      for (const r of decodeSafelyOneByOne(this.description, file, bytes)) {
        if ((++decoded & 1023) === 0) await yielder.tick(before + r.offset, total);
        if (r.status !== 'valid') problems.push(problemOf(file, r));
        else if (countsAsRecord(r)) recordsChecked++;
        data?.add(r);
        hint?.entry(r);
      }
      if (data) dataById.set(file.id, data);
      if (file.role === 'data') dataLeft.delete(file.id);
      if (hint) hintProblems.push(hint.finish());
      before += file.size;
    }
    for (const { file, at } of hintsLater) {
      const hint = new HintChecker(file, dataById.get(file.id));
      let n = 0;
      try {
        for (const r of decodeSafelyOneByOne(this.description, file, await readWhole(this.root, file))) {
          if ((++n & 1023) === 0) await yielder.tick(total, total);
          hint.entry(r);
        }
      } catch {
        // Unreadable now: its records' problems were said when it was read.
      }
      hintProblems[at] = hint.finish();
    }
    for (const list of hintProblems) problems.push(...list);
    yielder.report(total, total);
    return { ok: problems.length === 0, filesChecked: files.length, recordsChecked, problems };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const handles = [...this.handles.values()];
    this.handles.clear();
    for (const h of handles) {
      try {
        await (await h).close();
      } catch {
        // Never opened, or already closed: nothing to release.
      }
    }
  }
}

// ---------------------------------------------------------------- entry points

function chooseFormat(dir: string, formatId: string | undefined): { description: FormatDescription; detection: Detection } {
  if (formatId !== undefined) {
    const description = requireFormat(formatId);
    const detection = description.detect(dir) ?? {
      format: description.id,
      confidence: 0,
      root: dir,
      reason: `format ${description.id} chosen by the caller; its detector did not recognise the folder`,
    };
    return { description, detection };
  }
  const detection = detectFormat(dir)[0]!;
  return { description: requireFormat(detection.format), detection };
}

/**
 * Open a directory of any registered format as a read-only store. Detects
 * the format unless `opts.format` names one. Throws UnknownFormatError when
 * nothing matches.
 */
export function openForeign(dir: string, opts: OpenForeignOptions = {}): Promise<ForeignStore> {
  return ForeignStore.open(dir, opts);
}

/** Every record of one file of an open store (for the inspector's record list and hex pane). */
export function listRecords(store: ForeignStore, file: string): Promise<DecodedRecord[]> {
  return store.records(file);
}
