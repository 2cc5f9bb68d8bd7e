/**
 * The native kvscope store: segmented append-only data files, an in-memory
 * keydir, hint files, crash recovery, compaction, fsync policies and a
 * single-writer lock. docs/FORMAT.md describes the files; this class keeps
 * them and the keydir in step.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { basename } from 'node:path';
import type { EngineFs } from './fs.js';
import { makeDirectory, readAt, readInto, realFs, writeFully } from './fs.js';
import {
  AbortedError,
  ClosedError,
  CorruptRecordError,
  FailedStoreError,
  IoError,
  NOT_WRITABLE,
  NotAStoreError,
  ReadOnlyError,
  TooLargeError,
} from './errors.js';
import { Keydir, type Location, type PlacedEntries } from './keydir.js';
import type { KeyList } from './key-list.js';
import { keyToString, printableKey, toBytes } from './keys.js';
import { acquireLock, liveLockHolder, type AcquiredLock } from './lock.js';
import { computeRecordCrc, encodeRecordInto, fieldsOf, getU64, readRecordHeader, readU32, readU64, recordLength } from './native/codec.js';
import { fileSource } from './native/byte-source.js';
import {
  dataFileName,
  hintFileName,
  KEYDIR_IMAGE_FILE,
  listDirectory,
  pathOf,
  type DirectoryListing,
} from './native/files.js';
import {
  DEFAULT_SEGMENT_SIZE,
  FLAG_BATCH_END,
  FLAG_BATCH_FIRST,
  FLAG_IN_BATCH,
  MAX_KEY_BYTES,
  MAX_SEGMENT_SIZE,
  MAX_VALUE_BYTES,
  SEGMENT_ADDRESS_LIMIT,
  HINT_ENTRY,
  HINT_HEADER,
  HINT_TRAILER,
  RECORD_HEADER,
  RECORD_PUT,
  RECORD_TOMBSTONE,
  SEGMENT_HEADER,
} from './native/layout.js';
import { committedRecords, scanRecords, walkCommittedRecords, type CommittedRecordFn } from './native/scan.js';
import { buildHintBytes, HintBuilder, HintReadAhead, hintHeaderDescribes, loadHint, readHintEntryCount, writeHintBytes } from './hints.js';
import { prefault } from './prefault.js';
import { adoptSegmentFigures, deleteKeydirImage, imagesSupported, readKeydirImage, staleness, writeKeydirImage, type KeydirImage, type LoadedImage } from './keydir-image.js';
import { crc32Range } from './crc.js';
import { segmentStats, storeStats } from './stats.js';
import { createSegmentFile, isInterruptedCreation, PREALLOCATE_BYTES, READAHEAD_BYTES, readSegmentHeader, hasRoomToAppend, newestOrdinary, Segment, segmentWriterReopens } from './segment.js';
import { BLOCK_BYTES, BlockCache } from './block-cache.js';
import { CacheFill, PREPARE_FROM_BYTES, type BackgroundFill, type CacheableFile } from './cache-fill.js';
import { GroupCommit } from './group-commit.js';
import { keyHistory } from './key-history.js';
import { findDeletedKeys } from './deleted-keys.js';
import { nativeDeadSpace, type DeadSpace } from './dead-space.js';
import { permutedSteps } from './arrays.js';
import { runStepsPausing, Yielder } from './yielder.js';
import { dataFileSizesNow, finishInterruptedCompaction, nativeDataFiles, runCompaction, type CompactionContext, type CompactionHooks, type NativeSegmentFile, type WalkedDamage } from './compaction.js';
import { verifyNativeDirectory } from './verify.js';
import { isSymbolicLink, listedFile } from './formats/fs-probe.js';
import type {
  BatchOp,
  BrowsableStore,
  CompactResult,
  FsyncPolicy,
  DeletedKey,
  KeyVersion,
  OpenOptions,
  Problem,
  Progress,
  RecordLocation,
  RecoveryReport,
  ScanOptions,
  StoreStats,
  ValueWithLocation,
  VerifyReport,
} from './types.js';

export interface StoreOptions extends OpenOptions {
  /** File-system layer; tests inject faults through it. */
  fs?: EngineFs;
  /** Test hooks called between the steps of compaction. */
  compactionHooks?: CompactionHooks;
  /** Tests: the bytes a segment can address (SEGMENT_ADDRESS_LIMIT, 4 GiB), smaller so as not to write gigabytes. */
  segmentAddressLimit?: number;
}

/**
 * Where an append of `total` bytes (one record, or a batch, which never
 * spans segments) goes when the active segment holds `activeSize` bytes:
 * 'append' to it; 'rotate' first, when it would take the segment past the
 * segment size or past what a segment can address (a record offset or end
 * beyond `addressLimit`), unless the segment holds no record yet (a record
 * larger than the segment size gets a segment of its own); 'too-large' when
 * even a new segment could not address it all.
 */
export function appendPlacement(activeSize: number, total: number, segmentSize: number, addressLimit = SEGMENT_ADDRESS_LIMIT): 'append' | 'rotate' | 'too-large' {
  if (SEGMENT_HEADER.size + total > addressLimit) return 'too-large';
  if (activeSize > SEGMENT_HEADER.size && (activeSize + total > segmentSize || activeSize + total > addressLimit)) return 'rotate';
  return 'append';
}

/** Hint entries applied between two looks at the event loop. */
const HINT_ENTRIES_PER_SLICE = 16_384;
/** Default budget of the block cache for point reads. */
const DEFAULT_CACHE_BYTES = 256 * 1024 * 1024;
/** A scan for at most this many keys from the start picks them in one pass instead of sorting every key. */
const SMALLEST_PICK_MAX = 10_000;
/** How many times a reader opens again when a file it listed is gone (a writer's compaction removed it meanwhile). */
const READER_OPEN_ATTEMPTS = 10;

/** getSync reads records into one reused buffer up to this size; larger records get their own. */
const MAX_READ_BUFFER_BYTES = 1024 * 1024;

/** Records whose keys and values are touched together before any of them is copied (touchBytes). */
const TOUCH_GROUP = 32;
const touched = { sum: 0 };

/**
 * Load the first and last byte of the keys (and values, with `values`) of
 * records [from, to), so that their cache misses overlap: a batch's buffers
 * lie anywhere in the caller's memory, and copying them one after another
 * waits for each miss in turn (at 1M keys in the bench's random order, 0.5
 * of ~1 µs a record). The keys again before the keydir takes them: by then
 * the rest of the batch has pushed them out of the cache.
 */
function touchBytes(records: readonly PendingRecord[], from: number, to: number, values: boolean): void {
  let sum = 0;
  for (let i = from; i < to; i++) {
    const { key, value } = records[i]!;
    if (key.length > 0) sum += key[0]! + key[key.length - 1]!;
    if (values && value !== undefined && value.length > 0) sum += value[0]! + value[value.length - 1]!;
  }
  touched.sum = sum;
}

/** touchBytes one level up: the caller's key and value objects themselves, before batch() reads them one by one. */
function touchOps(ops: readonly BatchOp[], from: number, to: number): void {
  let sum = 0;
  for (let i = from; i < to; i++) {
    const op = ops[i]!;
    sum += op.key.length + (op.type === 'put' ? op.value.length : 0);
  }
  touched.sum = sum;
}

/**
 * Load the keydir rows of slots [from, to), so that their cache misses
 * overlap: compaction's commit visits the moved records' slots in file
 * order, which for a keydir whose slots are in hash order (opened from
 * hints) is no order at all.
 */
function touchSlots(kd: Keydir, slots: Int32Array, from: number, to: number): void {
  let sum = 0;
  for (let i = from; i < to; i++) sum += kd.segmentAt(slots[i]!);
  touched.sum = sum;
}

interface PendingRecord {
  type: number;
  key: Buffer;
  value?: Buffer;
}

/**
 * Whether compacting these segments would drop nothing: every record live,
 * no tombstone, no file empty. Rewriting them would change nothing but the
 * file names, so compaction leaves them (a second compaction in a row is a
 * no-op instead of a rewrite of the whole store).
 */
function nothingToDrop(segments: readonly Segment[]): boolean {
  return segments.every((s) => s.size > SEGMENT_HEADER.size && s.staleBytes === 0 && s.tombstoneBytes === 0);
}

/** Damage a caller found reading a segment's records (a region of `file`), for Store.compactionPlan. */
export interface DamageFound {
  file: string;
  offset: number;
  length: number;
  reason?: string;
}

/** What a compaction would do (Store.compactionPlan). */
export interface CompactionPlan {
  inputSegments: number[];
  recordsToDrop: number;
  bytesToReclaim: number;
  /**
   * Damage in an input that would refuse the compaction (`starts` false: the open saw it) or stop it before
   * its commit (`starts` true: found by whoever read the records and passed it): where, and what.
   */
  stops?: { file: string; offset: number; reason: string; starts: boolean };
  /** As CompactResult.emptyActive: the data file writes go to (or the next writer appends to), when it holds no record. */
  emptyActive?: string;
}

/** Appends up to this size are encoded in one reused buffer; larger ones get their own. */
const SCRATCH_MAX_BYTES = 8 * 1024 * 1024;

export class Store implements BrowsableStore {
  readonly format = 'kvscope';
  readonly recovery: RecoveryReport = { tornTails: [], skipped: [], hintFallbacks: [] };

  private readonly keydir = new Keydir();
  /**
   * Hint entries of every record in the active segment, gathered as they are
   * written (as Riak's Bitcask writes its hint file alongside), so that
   * sealing it, or closing the store, writes its hint without reading the
   * segment back. A segment reopened for appending starts from the entries
   * its replay gathered (`reopenedHint`).
   */
  private activeHint: { seg: Segment; builder: HintBuilder } | undefined;
  /** In a writer, the newest segment's hint entries gathered by its replay, for when it is reopened as the active segment. */
  private reopenedHint: { seg: Segment; builder: HintBuilder } | undefined;
  private readonly cache: BlockCache;
  private readBuffer = Buffer.allocUnsafeSlow(64 * 1024);
  /** Scratch for readAhead (its bytes are never used). */
  private readAheadBuffer: Buffer | undefined;
  /** How the cache fills while it has room: extents, then a worker thread (cache-fill.ts). */
  private readonly cacheFill: CacheFill;
  private readonly segments = new Map<number, Segment>();
  /** Offset of an unfinished batch that ends a segment (only a torn tail after it): cut off with the tail. */
  private readonly batchTails = new Map<Segment, Problem>();
  private active: Segment | undefined;
  private nextSequence = 1;
  private nextSegmentId = 1;
  private lock: AcquiredLock | undefined;
  private failure: unknown;
  private closed = false;
  private unsyncedAtClose: { file: string; cause: Error } | undefined;
  private compacting: Promise<CompactResult> | undefined;
  private background: Promise<void> = Promise.resolve();
  private readonly backgroundErrors: Error[] = [];
  private readonly groupCommit: GroupCommit;
  private readonly efs: EngineFs;
  private readonly segmentSize: number;
  private readonly addressLimit: number;
  readonly fsyncPolicy: FsyncPolicy;

  private constructor(
    readonly dir: string,
    readonly readOnly: boolean,
    private readonly options: StoreOptions,
  ) {
    this.efs = options.fs ?? realFs;
    this.cache = new BlockCache(options.cacheBytes ?? DEFAULT_CACHE_BYTES);
    this.cacheFill = new CacheFill({
      cache: this.cache,
      efs: this.efs,
      fileOf: (id) => this.cacheableFile(this.segments.get(id)),
      files: () => [...this.segments.values()].sort((a, b) => a.id - b.id).flatMap((seg) => this.cacheableFile(seg) ?? []),
      // A worker thread reads with node:fs: never with a test's EngineFs.
      background: options.fs === undefined && options.cacheWorker !== false,
    });
    this.cache.onMiss = (segment, index) => this.cacheFill.fill(segment, index);
    this.segmentSize = Math.min(Math.max(options.segmentSize ?? DEFAULT_SEGMENT_SIZE, SEGMENT_HEADER.size + RECORD_HEADER.size), MAX_SEGMENT_SIZE);
    this.addressLimit = options.segmentAddressLimit ?? SEGMENT_ADDRESS_LIMIT;
    this.fsyncPolicy = options.fsync ?? 'always';
    this.groupCommit = new GroupCommit(this.efs);
  }

  /** Open (or with `create`, create) a store. Read-only opens take no lock and change nothing on disk. */
  static async open(dir: string, options: StoreOptions = {}): Promise<Store> {
    for (let attempt = 1; ; attempt++) {
      const store = new Store(dir, options.readOnly ?? false, options);
      try {
        await store.load();
        return store;
      } catch (err) {
        store.releaseResources();
        // A reader takes no lock: a writer in another process may finish a compaction
        // between our listing and our opening its files. Read the directory again, after
        // a pause of random length, so as not to keep step with a writer that compacts back to back.
        if (!store.readOnly || (err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= READER_OPEN_ATTEMPTS) throw err;
        await sleep(Math.random() * 2 * attempt);
      }
    }
  }

  /** Pid of a live process holding the writer lock of dir, if any. */
  static lockHolder(dir: string, efs: EngineFs = realFs): number | undefined {
    return liveLockHolder(efs, dir);
  }

  // ------------------------------------------------------------------ opening

  private async load(): Promise<void> {
    const { efs, dir } = this;
    if (!efs.existsSync(dir)) {
      if (!this.options.create || this.readOnly) throw new NotAStoreError(dir, 'the directory does not exist');
      // One level at a time, saying which one could not be created and why (under a directory it may not write, on a
      // read-only file system), where a recursive mkdir gave the raw `EACCES: permission denied, mkdir 'ro/new'`.
      makeDirectory(dir, `the store directory ${dir}`, efs);
    }
    let listing: DirectoryListing;
    try {
      listing = listDirectory(efs, dir);
    } catch (err) {
      throw new NotAStoreError(dir, `cannot read the directory (${(err as Error).message})`);
    }
    const looksNative = listing.dataIds.length > 0 || listing.compactingIds.length > 0 || listing.hasManifest;
    if (!looksNative && !(this.options.create && !this.readOnly)) {
      throw new NotAStoreError(dir, listing.others.length > 0 ? `no kvscope segment files (NNNNNN.data) among ${listing.others.length} other entries` : 'the directory is empty');
    }
    // A new store only where there is nothing else: never beside another engine's files (whose keys kvscope would
    // then hide, detecting its own store first), nor among a directory's unrelated files.
    if (!looksNative && listing.others.length > 0) {
      const shown = listing.others.slice(0, 3).join(', ') + (listing.others.length > 3 ? ', …' : '');
      throw new NotAStoreError(dir, `no kvscope segment files (NNNNNN.data) among ${listing.others.length} other entries (${shown}); a new store is made only in an empty directory`);
    }

    // The keydir image, taken over below if it describes the segments as they are opened. Its reading is
    // the open's progress (in bytes of the image) until then; a replay, if it comes to one, starts over.
    const yielder = new Yielder('open', this.options.signal, this.options.onProgress);
    // Not read past its segment table when that already differs from the data files' sizes now.
    const readImage = (): Promise<LoadedImage> =>
      readKeydirImage(
        efs,
        dir,
        (done, total) => yielder.tick(done, total),
        dataFileSizesNow(efs, dir),
      );
    let image: LoadedImage | undefined = this.readOnly && listing.hasKeydirImage ? await readImage() : undefined;
    if (!this.readOnly) {
      // A segment it cannot read refuses the writer before it changes anything (its keydir image deleted, a lock taken).
      // One gone since the listing was removed by a writer that holds the lock, or held it: the lock decides.
      const checked = this.refuseUnreadableSegments(listing.dataIds, true);
      this.lock = acquireLock(efs, dir);
      if (this.lock.tookOverFrom !== undefined) this.recovery.staleLockTakenOver = this.lock.tookOverFrom;
      // Everything a writer does goes by what the directory holds under the lock: the writer that held it until
      // now may have rotated, compacted or left temporary files of its own since the listing above.
      try {
        listing = listDirectory(efs, dir);
      } catch (err) {
        throw new NotAStoreError(dir, `cannot read the directory (${(err as Error).message})`);
      }
      // Segments that came since (or went missing before the lock): checked too, still before anything changes.
      this.refuseUnreadableSegments(listing.dataIds.filter((id) => !checked.has(id)), false);
      // Under the lock (a writer that held it until we took it may have closed and written one since the
      // listing), read, then delete before anything changes: no image may outlive a change it does not describe.
      if (efs.existsSync(pathOf(dir, KEYDIR_IMAGE_FILE))) {
        image = await readImage();
        deleteKeydirImage(efs, dir);
      }
      const finished = finishInterruptedCompaction(efs, dir, listing);
      if (finished) this.recovery.compactionRecovered = finished;
      for (const tmp of listing.tmpFiles) efs.unlinkSync(pathOf(dir, tmp));
      // A crash between creating a segment and its header's fdatasync leaves a
      // file shorter than the header: it holds no record, so it goes (a torn tail cut off).
      // Only the newest file can be one (rotation syncs a segment's header before appending to it); an older
      // one that short was damaged later, and stays for verify and repair to show.
      const newestId = listing.dataIds.at(-1);
      const unborn = newestId !== undefined && efs.existsSync(pathOf(dir, dataFileName(newestId))) && isInterruptedCreation(efs, pathOf(dir, dataFileName(newestId)), newestId) ? [newestId] : [];
      for (const id of unborn) {
        const size = efs.statSize(pathOf(dir, dataFileName(id)));
        efs.unlinkSync(pathOf(dir, dataFileName(id)));
        this.recovery.tornTails.push({ file: dataFileName(id), offset: 0, length: size, kind: 'torn-tail', message: `file is ${size} bytes, shorter than the ${SEGMENT_HEADER.size}-byte segment header: its creation was cut short (removed)` });
      }
      if (finished || listing.tmpFiles.length > 0 || unborn.length > 0) {
        efs.fsyncDirSync(dir);
        listing = listDirectory(efs, dir);
      }
    }

    // Which files hold the data (a committed compaction's manifest decides, even read-only).
    const segmentFiles = nativeDataFiles(efs, dir, listing);
    const files = new Map(segmentFiles.map((f) => [f.id, f.name]));
    const ids = [...files.keys()];
    const allIds = [...ids, ...listing.compactingIds];
    this.nextSegmentId = (allIds.length ? Math.max(...allIds) : 0) + 1;

    let totalBytes = 0;
    const unreadable = new Set<number>();
    for (const id of ids) {
      const name = files.get(id)!;
      let fd: number;
      try {
        fd = efs.openSync(pathOf(dir, name), this.readOnly ? 'r' : 'r+');
      } catch (err) {
        this.unreadableSegment(name, err);
        unreadable.add(id);
        continue;
      }
      const size = efs.fstatSize(fd);
      let header;
      try {
        const read = readSegmentHeader(efs, fd, name, size);
        header = read.header;
        if (read.problem) this.recovery.skipped.push(read.problem);
      } catch (err) {
        efs.closeSync(fd);
        this.unreadableSegment(name, err);
        unreadable.add(id);
        continue;
      }
      totalBytes += size;
      const seg = new Segment(id, name, fd, size, header);
      this.segments.set(id, seg);
      if (header) this.nextSequence = Math.max(this.nextSequence, header.sequenceFloor + 1);
    }

    const readable = ids.filter((id) => !unreadable.has(id));
    if (!(image && unreadable.size === 0 && (await this.adoptKeydirImage(image, listing, yielder)))) await this.replayAll(readable, segmentFiles, yielder, totalBytes);
    yielder.report(totalBytes, totalBytes);

    if (!this.readOnly) {
      this.cutTornTails();
      this.openActiveSegment();
      for (const seg of this.segments.values()) {
        if (seg !== this.active && !seg.hasHint && seg.header) this.scheduleHint(seg);
      }
    }
    // A store this large is likely to be read at random: the cache's fill thread starts now, and waits
    // (reading nothing) until reads keep missing. Not earlier: its start would take the other core from the
    // open's reads on the thread pool (a 1M-key open from the image: ~85 → ~103 ms).
    if (totalBytes >= PREPARE_FROM_BYTES) this.cacheFill.prepare();
  }

  /**
   * A writer's check that it can open every segment of `ids` for writing,
   * before it changes anything. `beforeLock`: a segment gone since the
   * listing is passed over (a writer holding the lock compacted it away;
   * the lock then refuses us, or we list again under it). Returns the ids
   * found openable.
   */
  private refuseUnreadableSegments(ids: readonly number[], beforeLock: boolean): Set<number> {
    const openable = new Set<number>();
    for (const id of ids) {
      const name = dataFileName(id);
      let fd: number | undefined;
      try {
        fd = this.efs.openSync(pathOf(this.dir, name), 'r+');
        openable.add(id);
      } catch (err) {
        if (beforeLock && (err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        this.unreadableSegment(name, err);
      } finally {
        if (fd !== undefined) this.efs.closeSync(fd);
      }
    }
    return openable;
  }

  /**
   * A segment of the listing that cannot be opened or read (a dangling or
   * looping symbolic link, a directory with a segment's name, an I/O error).
   * Gone from the directory meanwhile (a writer's compaction): the error
   * goes on, so that a reader lists the directory again. Else a read-only
   * open goes on without it, said as a skipped problem (its keys are
   * missing, and export and scan say so); a writer refuses to open: it
   * would write over a store whose data it cannot see.
   */
  private unreadableSegment(name: string, err: unknown): void {
    const code = (err as NodeJS.ErrnoException).code;
    let listed = true;
    try {
      listed = this.efs.readdirSync(this.dir).includes(name);
    } catch {
      // The directory itself unreadable now: the error below says the file's.
    }
    // ENOENT from a name still listed is a link to nothing; from anything else, a file that went (compaction).
    if (code === undefined || !listed || (code === 'ENOENT' && !isSymbolicLink(pathOf(this.dir, name)))) throw err;
    const unreadable = listedFile(pathOf(this.dir, name))?.unreadable;
    // A file a writer cannot open for writing (a read-only file system, permissions) can still be read.
    if (!this.readOnly && unreadable === undefined && NOT_WRITABLE[code] !== undefined) {
      throw new IoError(`opening ${name}`, new Error(`the segment cannot be written (${NOT_WRITABLE[code]}); use --read-only to read it`));
    }
    const why = unreadable ?? (err as Error).message;
    if (!this.readOnly) {
      throw new IoError(`opening ${name}`, new Error(`the segment cannot be read (${why}); a writer does not open a store with a segment it cannot see ("kvscope verify" and read-only opens show the rest)`));
    }
    this.recovery.skipped.push({ file: name, offset: 0, length: 0, kind: 'unreadable', message: `the segment cannot be read (${why}): none of its records were replayed` });
  }

  /**
   * The damage this open met that may have cost committed keys or versions
   * (what export and scan exit 1 for): every skipped problem and torn tail
   * but those at the end of the newest ordinary segment, the write a crash
   * cut short (a torn tail, an unfinished batch, a header never finished).
   */
  damageSkipped(): Problem[] {
    const newest = this.newestOrdinarySegment();
    const batchTail = newest && this.batchTails.get(newest);
    const unfinished = (p: Problem): boolean => p.file === newest?.file && (p.kind === 'torn-tail' || p === batchTail);
    return [...this.recovery.skipped, ...this.recovery.tornTails].filter((p) => !unfinished(p));
  }

  /** Replay every segment into the keydir, in id order: from its hint when it has a sound one, else from its records. */
  private async replayAll(ids: number[], segmentFiles: readonly NativeSegmentFile[], yielder: Yielder, totalBytes: number): Promise<void> {
    const { efs, dir } = this;
    const hintOf = new Map(segmentFiles.flatMap((f) => (f.hint === undefined ? [] : [[f.id, f.hint] as const])));
    // Room in the keydir for every hint entry at once (their trailers give the counts), instead of growing step by step.
    let hintEntries = 0;
    let hintKeyBytes = 0;
    for (const id of ids) {
      const hint = hintOf.get(id);
      if (hint === undefined) continue;
      const path = pathOf(dir, hint);
      // Unchecked until the hint is loaded: a damaged trailer must not make the keydir reserve more than the file could hold.
      const room = Math.max(0, efs.statSize(path) - HINT_HEADER.size - HINT_TRAILER.size);
      const count = Math.min(readHintEntryCount(path, efs) ?? 0, Math.floor(room / HINT_ENTRY.size));
      hintEntries += count;
      hintKeyBytes += room - count * HINT_ENTRY.size;
    }
    this.keydir.reserve(hintEntries, hintKeyBytes);
    // Off this thread while it reads and checks the first hint: the keydir's new memory faulted in, and
    // each next hint file read while the one before is inserted.
    const memoryReady = prefault(this.keydir.untouchedMemory());
    // A hint is used only with its segment's header (a headerless segment is scanned).
    const hinted = new Set(ids.filter((id) => hintOf.has(id) && this.segments.get(id)!.header));
    const hints = new HintReadAhead(efs, dir, [...hinted].map((id) => ({ id, hint: hintOf.get(id)! })));

    const lastOrdinary = ids.filter((id) => !this.segments.get(id)!.compacted).at(-1);
    let done = 0;
    let scannedBytes = 0;
    let scannedRecords = 0;
    for (const id of ids) {
      const seg = this.segments.get(id)!;
      const scanned = !hintOf.has(id);
      // Segments scanned without a hint: room in the keydir for as many records as the ones scanned so far had per
      // byte; before any had a record, the walk makes room from its first window (walkWindowDone).
      const sized = !scanned || scannedRecords > 0;
      if (scanned && scannedRecords > 0) this.keydir.reserve(Math.ceil((seg.size * scannedRecords) / scannedBytes), Math.ceil((seg.size * scannedRecords * this.keydir.averageKeyBytes) / scannedBytes));
      // Every segment but the last ordinary one (the active segment when the store was closed) is sealed
      // and should have a hint; scanning one without is a fallback.
      if (scanned && seg.header && id !== lastOrdinary) this.recovery.hintFallbacks.push(`${hintFileName(id)}: missing`);
      // A writer may append to the newest ordinary segment again: gather its hint entries for when it does.
      const gather = !this.readOnly && id === lastOrdinary && this.hasRoomToAppend(seg) ? new HintBuilder() : undefined;
      if (gather) this.reopenedHint = { seg, builder: gather };
      await this.replaySegment(seg, hinted.has(id) ? hints : undefined, memoryReady, yielder, done, totalBytes, sized, gather);
      done += seg.size;
      if (scanned) {
        scannedBytes += seg.size;
        scannedRecords += seg.records;
      }
    }
    this.keydir.endReplay();
  }

  /**
   * The segment replaySegment is walking, for the walk's callbacks. Those are
   * the same two functions for every segment: a new closure per segment made
   * V8 throw away the walk's optimized code when the second segment began.
   */
  private walking:
    | {
        seg: Segment;
        gather: HintBuilder | undefined;
        yielder: Yielder;
        done: number;
        total: number;
        /** Whether the keydir has room for this segment's keys (else the walk makes it after its first window). */
        sized: boolean;
        /** Records walked so far, and the file offsets of the first and the end of the last. */
        records: number;
        start: number;
        end: number;
      }
    | undefined;
  private readonly walkedRecord: CommittedRecordFn = (buf, at, fileOffset, type, sequence, keyLength, length) => {
    const walking = this.walking!;
    this.applyRecord(buf, at + RECORD_HEADER.size, keyLength, type, sequence, walking.seg, fileOffset, length, true);
    walking.gather?.addRecord(buf, at, fileOffset, length);
    walking.records++;
    walking.end = fileOffset + length;
  };
  /**
   * Before the walk reads its next window: in a segment nothing made room
   * for, room in the keydir for as many more keys as the records so far per
   * byte, for the rest of the segment, made once. Growing by doubling instead
   * re-placed every key in the table and copied the columns at each step
   * (~0.1 s of a 1M-key open from data).
   */
  private readonly walkWindowDone = (): void => {
    const walking = this.walking!;
    if (walking.sized || walking.records === 0) return;
    walking.sized = true;
    const entries = Math.ceil((walking.records * (walking.seg.size - walking.end)) / (walking.end - walking.start));
    this.keydir.reserve(entries, Math.ceil(entries * this.keydir.averageKeyBytes));
  };
  /**
   * The hint replaySegment is replaying, for hintEntryApplied: the entries
   * the keydir does not place itself (Keydir.replayHintEntries) come back
   * here one at a time, to be applied as any replayed record.
   */
  private replayingHint: { seg: Segment; bytes: Buffer; fields: DataView } | undefined;
  private readonly placedEntries: PlacedEntries = { count: 0, bytes: 0, oldest: Infinity, newest: -1 };
  private readonly hintEntryApplied = (at: number): void => {
    const { seg, bytes, fields } = this.replayingHint!;
    const keyLength = fields.getUint32(at + HINT_ENTRY.keyLength, true);
    const sequence = getU64(fields, at + HINT_ENTRY.sequence);
    const offset = fields.getUint32(at + HINT_ENTRY.offset, true);
    const recordLength = fields.getUint32(at + HINT_ENTRY.recordLength, true);
    this.applyRecord(bytes, at + HINT_ENTRY.size, keyLength, bytes[at + HINT_ENTRY.type]!, sequence, seg, offset, recordLength, true);
  };
  private readonly walkPause = (offset: number): Promise<void> => this.walking!.yielder.tick(this.walking!.done + offset, this.walking!.total);

  /**
   * Take the keydir, and the segments' figures, over from the keydir image
   * when it describes the data files as they are (the same segments with the
   * same sizes): no segment is read, and no hint but, in a writer, the one of
   * the newest segment it will append to (its entries are gathered for the
   * hint written when it is sealed or closed). Otherwise the open goes on
   * from hints and data, and reports why.
   */
  private async adoptKeydirImage(loaded: LoadedImage, listing: DirectoryListing, yielder: Yielder): Promise<boolean> {
    const why = loaded.ok ? await this.takeOverImage(loaded.image, listing, yielder) : loaded.reason;
    if (why === undefined) {
      for (const seg of this.segments.values()) seg.figuresFromIndex = true;
      return true;
    }
    this.recovery.hintFallbacks.push(why);
    return false;
  }

  private async takeOverImage(image: KeydirImage, listing: DirectoryListing, yielder: Yielder): Promise<string | undefined> {
    const segments = [...this.segments.values()];
    const stale = staleness(image, segments);
    if (stale !== undefined) return `${KEYDIR_IMAGE_FILE}: stale, not used (${stale})`;
    const headless = segments.find((seg) => !seg.header);
    if (headless) return `${KEYDIR_IMAGE_FILE}: not used (${headless.file} has no sound header)`;
    // A writer appends to the newest ordinary segment again when it has room (openActiveSegment): its hint must go
    // on from every entry so far.
    const newest = this.segmentToReopen();
    let reopened: HintBuilder | undefined;
    if (!this.readOnly && newest) {
      reopened = new HintBuilder();
      if (newest.size > SEGMENT_HEADER.size) {
        const hint = listing.hintIds.has(newest.id) ? loadHint(this.efs, this.dir, newest.id, newest.size) : ({ ok: false, reason: `${hintFileName(newest.id)}: missing` } as const);
        if (!hint.ok) return `${KEYDIR_IMAGE_FILE}: not used by a writer without the newest segment's hint (${hint.reason})`;
        reopened.addEncoded(hint.bytes, HINT_HEADER.size, hint.entriesEnd, hint.entryCount);
      }
    }
    const problem = await this.keydir.adoptState(
      image.keydir,
      (id) => this.segments.has(id),
      () => yielder.tick(1, 1),
    );
    if (problem) return `${KEYDIR_IMAGE_FILE}: not a keydir, not used (${problem})`;
    if (reopened) this.reopenedHint = { seg: newest!, builder: reopened };
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      const described = image.segments[i]!;
      adoptSegmentFigures(seg, described);
      if (described.records > 0) this.nextSequence = Math.max(this.nextSequence, described.newestSequence + 1);
      // A writer writes a sealed segment's missing or stale hint again (in the background), as after a replay.
      seg.hasHint = listing.hintIds.has(seg.id) && (this.readOnly || hintHeaderDescribes(this.efs, this.dir, seg.id, seg.size));
    }
    return undefined;
  }

  /**
   * Replay one segment into the keydir, from its hint (read by `hints`, when it has one to use) if that
   * is sound, else from its records; nothing is inserted before `memoryReady` settles (see prefault.ts).
   * `gather`, when given, also collects the segment's hint entries (byte for byte what a scan would build).
   * `sized`: whether the keydir already has room for the segment's keys, should its records be walked.
   */
  private async replaySegment(
    seg: Segment,
    hints: HintReadAhead | undefined,
    memoryReady: Promise<void>,
    yielder: Yielder,
    done: number,
    total: number,
    sized: boolean,
    gather?: HintBuilder,
  ): Promise<void> {
    if (hints) {
      const hint = await hints.load(seg.id, seg.size);
      if (hint.ok) {
        // A hint with no entries inserts nothing: the next one is read and checked while the memory is faulted in.
        if (hint.entryCount > 0) await memoryReady;
        seg.hasHint = true;
        seg.figuresFromIndex = true;
        // Entries straight from the hint's bytes (checked whole by hints.load).
        const bytes = hint.bytes;
        const end = hint.entriesEnd;
        gather?.addEncoded(bytes, HINT_HEADER.size, end, hint.entryCount);
        const fields = fieldsOf(bytes, end);
        this.replayingHint = { seg, bytes, fields };
        const placed = this.placedEntries;
        try {
          for (let at = HINT_HEADER.size; at < end; ) {
            at = this.keydir.replayHintEntries(bytes, fields, at, end, HINT_ENTRIES_PER_SLICE, seg.id, this.hintEntryApplied, placed);
            if (placed.count > 0) {
              seg.noteRecords(placed.count, placed.oldest, placed.newest);
              seg.liveBytes += placed.bytes;
              if (placed.newest >= this.nextSequence) this.nextSequence = placed.newest + 1;
            }
            await yielder.step(done + Math.floor((seg.size * at) / end), total);
          }
        } finally {
          this.replayingHint = undefined;
        }
        return;
      }
      this.recovery.hintFallbacks.push(hint.reason);
    }
    const start = seg.header ? SEGMENT_HEADER.size : Math.min(seg.size, SEGMENT_HEADER.size);
    if (seg.size > start) await memoryReady;
    // The fast walk while every record is plain; the generic scanner from the first anomaly on.
    this.walking = { seg, gather, yielder, done, total, sized, records: 0, start, end: start };
    let stopped: number;
    try {
      stopped = await walkCommittedRecords(this.efs, seg.fd, seg.size, start, this.walkedRecord, { pause: this.walkPause, beforeRefill: this.walkWindowDone });
    } finally {
      this.walking = undefined;
    }
    if (stopped >= seg.size) return;
    let batchTail: Problem | undefined;
    for (const ev of committedRecords(scanRecords(fileSource(this.efs, seg.fd, seg.size), stopped))) {
      if (ev.kind === 'record') {
        batchTail = undefined;
        this.applyRecord(ev.key, 0, ev.key.length, ev.header.type, ev.header.sequence, seg, ev.offset, ev.length, true);
        gather?.add(ev.header.type, ev.header.sequence, ev.offset, ev.length, ev.key, 0, ev.key.length);
      } else if (ev.kind === 'preallocated') {
        // Zeros a syncing writer reserved: the data ends where they begin (a writer cuts them off below).
        seg.size = ev.offset;
      } else if (ev.kind === 'incomplete-batch') {
        batchTail = { file: seg.file, offset: ev.offset, kind: 'incomplete-batch', message: `${ev.records} record(s) of an unfinished batch ignored: ${ev.reason}` };
        this.recovery.skipped.push(batchTail);
      } else {
        if (ev.kind !== 'torn') batchTail = undefined;
        seg.corruptBytes += ev.length;
        const problem: Problem = {
          file: seg.file,
          offset: ev.offset,
          length: ev.length,
          kind: ev.kind === 'torn' ? 'torn-tail' : ev.header && ev.computedCrc !== undefined ? 'bad-crc' : 'impossible-length',
          message: ev.reason,
          // Its key as its bytes read, where its lengths are plausible (unverified: verify's words, damagedKey).
          ...(ev.key ? { key: { key: keyToString(ev.key), from: 'record' as const } } : {}),
          ...(ev.records ? { records: ev.records } : {}),
        };
        (ev.kind === 'torn' ? this.recovery.tornTails : this.recovery.skipped).push(problem);
      }
      await yielder.step(done + ev.offset, total);
    }
    if (batchTail) this.batchTails.set(seg, batchTail);
  }

  /**
   * Apply one committed record, its key given as bytes [keyStart, keyStart + keyLength), to the keydir;
   * the highest sequence number wins. During replay a tombstone is remembered (until the end of
   * replay) so that an older put read later (compaction outputs have higher ids) cannot resurrect the key.
   */
  private applyRecord(key: Uint8Array, keyStart: number, keyLength: number, type: number, sequence: number, seg: Segment, offset: number, length: number, replay: boolean): void {
    seg.noteRecord(sequence);
    if (sequence >= this.nextSequence) this.nextSequence = sequence + 1;
    if (type === RECORD_TOMBSTONE) {
      seg.tombstoneBytes += length;
      const removed = this.keydir.deleteIfNotNewer(key, undefined, keyStart, keyLength, seg.id, sequence, replay);
      if (removed >= 0) this.segments.get(removed)!.liveBytes -= this.keydir.replacedLength;
      return;
    }
    if (!this.keydir.setIfNewerBytes(key, keyStart, keyLength, seg.id, offset, length, sequence)) return;
    if (this.keydir.replacedSegment >= 0) this.segments.get(this.keydir.replacedSegment)!.liveBytes -= this.keydir.replacedLength;
    seg.liveBytes += length;
  }

  /** The open segment whose data file is named `file`, if any. */
  private segmentNamed(file: string): Segment | undefined {
    for (const seg of this.segments.values()) if (seg.file === file) return seg;
    return undefined;
  }

  /**
   * Cut off incomplete records at the end of the segment a writer was
   * appending to (a crash mid-append), and with them an unfinished batch they
   * end (replay ignores it; left in place it would stay an incomplete-batch
   * problem forever); and the preallocated space a syncing writer that did
   * not close left. Write mode only.
   *
   * Only the newest ordinary segment can end that way: rotation fdatasyncs a
   * segment before the next one is created, and compaction outputs are synced
   * before they count. A sealed segment that ends inside a record was damaged
   * after it was written, so its bytes stay for verify and repair to show.
   */
  private cutTornTails(): void {
    for (const seg of this.segments.values()) {
      // Zeros a syncing writer wrote ahead of its appends: no data, so not reported (the active segment's are written again as it goes).
      if (seg.fileSize > seg.size) this.truncateSegment(seg, seg.size);
    }
    const appendedTo = this.newestOrdinarySegment();
    const leftInPlace = ' (left in place: not the newest segment, so no crash of a writer explains it; the file was damaged after it was written)';
    for (const problem of this.recovery.tornTails) {
      const seg = this.segmentNamed(problem.file);
      if (!seg || problem.offset < SEGMENT_HEADER.size) continue;
      if (seg !== appendedTo) {
        problem.message += leftInPlace;
        continue;
      }
      seg.corruptBytes -= seg.size - problem.offset;
      this.truncateSegment(seg, problem.offset);
      problem.message += ' (cut off)';
    }
    for (const [seg, problem] of this.batchTails) {
      if (problem.offset < SEGMENT_HEADER.size || problem.offset >= seg.size) continue;
      if (seg !== appendedTo) {
        problem.message += leftInPlace;
        continue;
      }
      this.truncateSegment(seg, problem.offset);
      problem.message += ' (cut off)';
    }
    this.batchTails.clear();
  }

  /** The segment a writer opening now appends to: the newest ordinary one, when it has room and no damage. */
  private segmentToReopen(): Segment | undefined {
    return segmentWriterReopens(this.segments.values(), this.segmentSize);
  }

  /** The ordinary (not compacted) segment with the highest id: the one a writer appended to last. */
  private newestOrdinarySegment(): Segment | undefined {
    return newestOrdinary(this.segments.values());
  }

  private truncateSegment(seg: Segment, size: number): void {
    this.efs.ftruncateSync(seg.fd, size);
    this.efs.fdatasyncSync(seg.fd);
    seg.size = size;
    seg.fileSize = size;
  }

  /** Whether appending may go on in this segment: an ordinary one (its header read, not a compaction output) with room left. */
  private hasRoomToAppend(seg: Segment): boolean {
    return hasRoomToAppend(seg, this.segmentSize);
  }

  /**
   * Append to the segment the last writer appended to, when it has room (the
   * newest ordinary one: compaction outputs, which may have higher ids, are
   * never appended to); else start a new one. A writer that opens and writes
   * nothing (a `compact`, a REPL that only reads) so leaves no new empty
   * segment behind each time.
   */
  private openActiveSegment(): void {
    const newest = this.segmentToReopen();
    if (newest) {
      this.active = newest;
      if (this.reopenedHint?.seg === newest) this.activeHint = this.reopenedHint;
      if (this.efs.existsSync(pathOf(this.dir, hintFileName(newest.id)))) {
        this.efs.unlinkSync(pathOf(this.dir, hintFileName(newest.id)));
        this.efs.fsyncDirSync(this.dir);
      }
      newest.hasHint = false;
    } else {
      this.active = this.createSegment();
      this.activeHint = { seg: this.active, builder: new HintBuilder() };
    }
    this.reopenedHint = undefined;
  }

  private createSegment(flags = 0, sequenceFloor = 0): Segment {
    const id = this.nextSegmentId++;
    const file = dataFileName(id);
    const fd = createSegmentFile(this.efs, pathOf(this.dir, file), this.dir, { flags, segmentId: id, sequenceFloor });
    const seg = new Segment(id, file, fd, SEGMENT_HEADER.size, { version: 1, flags, segmentId: id, sequenceFloor });
    this.segments.set(id, seg);
    return seg;
  }

  // ------------------------------------------------------------------ reads

  keyCount(): number {
    return this.keydir.size;
  }

  sortedKeys(): readonly string[] {
    return this.keydir.sortedKeys();
  }

  unorderedKeys(): Iterable<string> {
    return this.keydir.unorderedKeys();
  }

  /** The n smallest keys, sorted, and the key count, without sorting or making a string per key. */
  smallestKeys(n: number): { keys: string[]; count: number } {
    return this.keydir.smallestKeys(n);
  }

  /** The sorted keys as a KeyList: the keydir's slots in key order, no string per key. */
  sortedKeyList(): KeyList {
    this.assertOpen();
    return this.keydir.sortedKeyList();
  }

  /** sortedKeyList() without blocking: sorts in steps, awaiting `pause` between them, and caches the result. */
  sortedKeyListInSteps(pause: () => Promise<void>): Promise<KeyList> {
    this.assertOpen();
    return this.keydir.sortedKeyListInSteps(pause);
  }

  has(key: Uint8Array | string): boolean {
    const keyBytes = toBytes(key);
    return this.keydir.slotOfBytes(keyBytes, 0, keyBytes.length) >= 0;
  }

  locate(key: Uint8Array | string): RecordLocation | undefined {
    const keyBytes = toBytes(key);
    const slot = this.keydir.slotOfBytes(keyBytes, 0, keyBytes.length);
    return slot < 0 ? undefined : this.toRecordLocation(this.keydir.locationAt(slot));
  }

  async get(key: Uint8Array | string): Promise<Buffer | undefined> {
    return this.getSync(key);
  }

  /**
   * One keydir lookup on the key's hash, one read (block cache or pread), a
   * CRC check, a copy of the value. The record itself confirms the key: only
   * when it does not (another key with the same hash, or damage) is the key
   * looked up again by its bytes, and that slot's record read with the usual
   * errors.
   */
  getSync(key: Uint8Array | string): Buffer | undefined {
    this.assertOpen();
    const keyBytes = toBytes(key);
    const kd = this.keydir;
    const candidate = kd.slotWithHashOf(keyBytes, 0, keyBytes.length);
    if (candidate < 0) return undefined;
    let value: Buffer | undefined;
    try {
      value = this.readSlot(candidate, keyBytes, false);
    } catch {
      // Said again below by the key's own slot, if the key has one.
    }
    if (value !== undefined) return value;
    const slot = kd.slotOfBytes(keyBytes, 0, keyBytes.length);
    return slot < 0 ? undefined : this.readSlot(slot, keyBytes);
  }

  /**
   * The value of the record a keydir slot points at, checked (CRC, sequence,
   * key); a copy. With `strict` false, a record that is not keyBytes' (or a
   * damaged one) gives undefined instead of an error.
   */
  private readSlot(slot: number, keyBytes: Uint8Array): Buffer;
  private readSlot(slot: number, keyBytes: Uint8Array, strict: false): Buffer | undefined;
  private readSlot(slot: number, keyBytes: Uint8Array, strict = true): Buffer | undefined {
    const kd = this.keydir;
    const segmentId = kd.segmentAt(slot);
    const offset = kd.offsetAt(slot);
    const length = kd.lengthAt(slot);
    const seg = this.segments.get(segmentId);
    if (!seg) throw new CorruptRecordError(dataFileName(segmentId), offset, 'segment is missing');
    // The index may come from a hint: never allocate what it claims before checking it fits in the segment.
    if (length < RECORD_HEADER.size || offset + length > seg.size) throw new CorruptRecordError(seg.file, offset, `the index says ${length} bytes, past the end of the ${seg.size}-byte segment`);
    let buf: Buffer = this.readBuffer;
    if (length > buf.length) {
      if (length <= MAX_READ_BUFFER_BYTES) {
        let size = buf.length;
        while (size < length) size *= 2;
        buf = this.readBuffer = Buffer.allocUnsafeSlow(size);
      } else {
        buf = Buffer.allocUnsafe(length);
      }
    }
    let done = 0;
    let view = 0;
    /** The cache slot whose block holds the whole record, where it lies (else -1). */
    let slotHolding = -1;
    if (this.cache.enabled && length <= BLOCK_BYTES && offset + length <= this.unchangingBytes(seg)) {
      // Bytes that never change while the store is open: serve them from cached blocks (a record may straddle two).
      const first = Math.floor(offset / BLOCK_BYTES);
      const last = Math.floor((offset + length - 1) / BLOCK_BYTES);
      if (first === last) {
        // Within one block: check the record where it lies, no copy.
        buf = this.cache.cached(seg.id, first) ?? this.cache.block(seg.id, first, (into) => this.readBlock(seg, first, into));
        view = offset - first * BLOCK_BYTES;
        done = Math.max(0, Math.min(length, this.cache.lastLength - view));
        slotHolding = this.cache.lastSlot;
      }
      for (let b = first; first !== last && b <= last; b++) {
        const block = this.cache.block(seg.id, b, (into) => this.readBlock(seg, b, into));
        const from = Math.max(offset, b * BLOCK_BYTES) - b * BLOCK_BYTES;
        const to = Math.min(offset + length - b * BLOCK_BYTES, this.cache.lastLength);
        if (to > from) done += block.copy(buf, done, from, to);
        if (to < Math.min(offset + length - b * BLOCK_BYTES, BLOCK_BYTES)) break;
      }
    } else {
      if (length <= READAHEAD_BYTES && seg.claimReadAhead(offset, offset + length)) this.readAhead(seg, offset, length);
      done = readInto(this.efs, seg.fd, buf, 0, length, offset);
    }
    if (done < length) throw new CorruptRecordError(seg.file, offset, `record is cut short: ${done} of ${length} bytes`);
    // The record is buf[view, view + length). Its checksum is taken each time its bytes come from the file,
    // and once per stay of its block in the cache (as LevelDB checks a block read into its cache, not each hit).
    const checked = slotHolding >= 0 && this.cache.isChecked(slotHolding, view);
    if (!checked && crc32Range(buf, view + RECORD_HEADER.type, view + length) !== readU32(buf, view + RECORD_HEADER.crc)) {
      if (!strict) return undefined;
      throw new CorruptRecordError(seg.file, offset, 'checksum mismatch');
    }
    const keyLength = readU32(buf, view + RECORD_HEADER.keyLength);
    const keyEnd = view + RECORD_HEADER.size + keyLength;
    const valueLength = readU32(buf, view + RECORD_HEADER.valueLength);
    const sequence = readU64(buf, view + RECORD_HEADER.sequence);
    const wholeRecord = RECORD_HEADER.size + keyLength + valueLength === length;
    // Marked only when the bytes checked were the record its header describes, no more and no less.
    if (!checked && wholeRecord && slotHolding >= 0) this.cache.markChecked(slotHolding, view);
    let sameKey = wholeRecord && sequence === kd.sequenceAt(slot) && keyLength === keyBytes.length;
    for (let i = 0; sameKey && i < keyLength; i++) sameKey = buf[view + RECORD_HEADER.size + i] === keyBytes[i];
    if (!sameKey) {
      if (!strict) return undefined;
      throw new CorruptRecordError(seg.file, offset, 'record does not hold the key the index expects');
    }
    const value = Buffer.allocUnsafe(valueLength);
    if (valueLength <= 128) for (let i = 0; i < valueLength; i++) value[i] = buf[keyEnd + i]!;
    else buf.copy(value, 0, keyEnd, view + length);
    return value;
  }

  /**
   * Block `index` of a sealed segment into `into`; how many bytes there were.
   * (While the cache has never-used room, a miss reads the 1 MiB extent
   * around the block instead, before this is asked: CacheFill.)
   */
  private readBlock(seg: Segment, index: number, into: Buffer): number {
    const at = index * BLOCK_BYTES;
    return readInto(this.efs, seg.fd, into, 0, Math.max(0, Math.min(BLOCK_BYTES, seg.size - at)), at);
  }

  /**
   * How many of a segment's first bytes can no longer change while the store
   * is open, so that the block cache may hold them: all of a sealed segment;
   * of the active one, the whole blocks below its end. Appends only add bytes
   * after the end, and a failed one is cut back to where it began, never
   * below; the block the end falls in is still being filled.
   */
  private unchangingBytes(seg: Segment): number {
    return seg === this.active ? seg.size - (seg.size % BLOCK_BYTES) : seg.size;
  }

  /** A segment's unchanging bytes as the cache's filling reads them (none: undefined). */
  private cacheableFile(seg: Segment | undefined): CacheableFile | undefined {
    if (seg === undefined) return undefined;
    const size = this.unchangingBytes(seg);
    return size === 0 ? undefined : { segment: seg.id, fd: seg.fd, size, path: pathOf(this.dir, seg.file) };
  }

  /** How the block cache is filling in the background: 'off', 'waiting' (for reads to keep missing), 'running', 'finished'. */
  get cacheWorker(): BackgroundFill {
    return this.cacheFill.background;
  }

  /** Resolves when the cache's worker thread has read all it planned to (at once if it never started). */
  cacheWorkerDone(): Promise<void> {
    return this.cacheFill.backgroundDone();
  }

  /**
   * Read the aligned blocks around a record once, so the kernel caches them
   * (a cold random read otherwise costs a disk read per 4 KiB page; lmdb's
   * mmap gets the same effect from fault-around). The bytes are not kept.
   */
  private readAhead(seg: Segment, offset: number, length: number): void {
    const from = Math.floor(offset / READAHEAD_BYTES) * READAHEAD_BYTES;
    const to = Math.min(seg.size, Math.ceil((offset + length) / READAHEAD_BYTES) * READAHEAD_BYTES);
    const scratch = (this.readAheadBuffer ??= Buffer.allocUnsafeSlow(2 * READAHEAD_BYTES));
    try {
      this.efs.readSync(seg.fd, scratch, 0, Math.min(scratch.length, to - from), from);
    } catch {
      // Only a hint to the page cache: the read of the record itself reports any error.
    }
  }

  async getWithLocation(key: Uint8Array | string): Promise<ValueWithLocation | undefined> {
    this.assertOpen();
    const keyBytes = toBytes(key);
    const slot = this.keydir.slotOfBytes(keyBytes, 0, keyBytes.length);
    if (slot < 0) return undefined;
    return { value: this.readSlot(slot, keyBytes), location: this.toRecordLocation(this.keydir.locationAt(slot)) };
  }

  private toRecordLocation(loc: Location): RecordLocation {
    // The segment's file as it is named now (a committed compaction's output may still be *.compacting).
    const file = this.segments.get(loc.segment)?.file ?? dataFileName(loc.segment);
    return { file, segment: loc.segment, offset: loc.offset, length: loc.length, sequence: loc.sequence };
  }

  /** Keys (as key strings) in key order within the bounds. */
  scanKeys(options: ScanOptions = {}): string[] {
    return this.scanSlots(options).map((slot) => this.keydir.keyAt(slot));
  }

  /** Keys and values in key order within the bounds. */
  async scan(options: ScanOptions = {}): Promise<Array<{ key: Buffer; value: Buffer }>> {
    const out: Array<{ key: Buffer; value: Buffer }> = [];
    const maxBytes = options.maxValueBytes ?? Infinity;
    let bytes = 0;
    this.forEachEntry(options, (key, value) => {
      out.push({ key, value });
      bytes += value.length;
      return bytes < maxBytes;
    });
    return out;
  }

  /**
   * scan() one entry at a time, holding none of them: `visit` gets each key
   * and value (copies, the caller's to keep) in key order. For a caller that
   * writes the entries out as it goes (`kvscope scan`, `kvscope export` of a
   * whole store), without an array of them all and without looking each key
   * up again. A visit that returns false ends the scan there.
   */
  forEachEntry(options: ScanOptions, visit: (key: Buffer, value: Buffer) => boolean | void): void {
    const slots = this.scanSlots(options);
    const kd = this.keydir;
    const onUnreadable = options.onUnreadable;
    for (let group = 0; group < slots.length; group += TOUCH_GROUP) {
      const end = Math.min(slots.length, group + TOUCH_GROUP);
      this.touchRecords(slots, group, end);
      for (let i = group; i < end; i++) {
        const slot = slots[i]!;
        const key = kd.keyCopyAt(slot);
        let value: Buffer;
        try {
          value = this.readSlot(slot, key);
        } catch (err) {
          if (!onUnreadable || !(err instanceof CorruptRecordError)) throw err;
          onUnreadable(key, err);
          continue;
        }
        if (visit(key, value) === false) return;
      }
    }
  }

  /**
   * Load the first byte of the records of slots [from, to) that the block
   * cache holds, so that their cache misses overlap before they are read one
   * by one (a range's records lie anywhere in the segments, in write order).
   */
  private touchRecords(slots: readonly number[], from: number, to: number): void {
    if (!this.cache.enabled) return;
    const kd = this.keydir;
    let sum = 0;
    for (let i = from; i < to; i++) {
      const slot = slots[i]!;
      sum += kd.firstKeyByte(slot);
      const seg = this.segments.get(kd.segmentAt(slot));
      if (seg === undefined) continue;
      const offset = kd.offsetAt(slot);
      const block = this.cache.cached(seg.id, Math.floor(offset / BLOCK_BYTES));
      if (block !== undefined) sum += block[offset % BLOCK_BYTES]!;
    }
    touched.sum = sum;
  }

  /** Keydir slots of the keys within the bounds, in key order (binary searches over the keydir's byte-sorted slots). */
  private scanSlots(options: ScanOptions): number[] {
    this.assertOpen();
    const kd = this.keydir;
    // The first few keys of a store not sorted yet: picked in one pass (`kvscope list --limit 10` on ten million keys).
    const limited = options.limit !== undefined && options.limit <= SMALLEST_PICK_MAX;
    if (limited && !options.prefix && !options.start && !options.end && !options.reverse && !kd.hasSortedSlots) return kd.smallestSlots(options.limit!);
    // With a prefix, only its keys are sorted (unless every key is sorted already).
    const slots = options.prefix ? kd.sortedSlotsWithPrefix(options.prefix) : kd.sortedSlots();
    const lowerBound = (b: Uint8Array): number => kd.lowerBoundIn(slots, b);
    let lo = 0;
    let hi = slots.length;
    if (options.start) lo = Math.max(lo, lowerBound(options.start));
    if (options.prefix) lo = Math.max(lo, lowerBound(options.prefix));
    if (options.end) hi = Math.min(hi, lowerBound(options.end));
    const prefix = options.prefix;
    const limit = options.limit ?? Infinity;
    const out: number[] = [];
    if (options.reverse) {
      for (let i = hi - 1; i >= lo && out.length < limit; i--) {
        const slot = slots[i]!;
        if (prefix !== undefined && !kd.keyStartsWith(slot, prefix)) {
          if (kd.compareKeyAt(slot, prefix, 0, prefix.length) < 0) break;
          continue;
        }
        out.push(slot);
      }
    } else {
      for (let i = lo; i < hi && out.length < limit; i++) {
        const slot = slots[i]!;
        if (prefix !== undefined && !kd.keyStartsWith(slot, prefix)) break;
        out.push(slot);
      }
    }
    return out;
  }

  /**
   * Every version of the key in the log that reads back intact, oldest first,
   * tombstones included (key-history.ts); a version its segment's hint lists
   * that does not read back (damaged since the hint was written), as
   * 'corrupt'; and so is the record the keydir holds as its live value when
   * it does not read back, so that the older good versions are seen beside it.
   */
  async history(key: Uint8Array | string): Promise<KeyVersion[]> {
    this.assertOpen();
    const keyBytes = toBytes(key);
    const live = this.locate(keyBytes);
    const versions = await keyHistory(this.efs, this.dir, [...this.segments.values()], keyBytes, live, new Yielder('history'));
    if (live && !versions.some((v) => v.location.segment === live.segment && v.location.offset === live.offset)) {
      const valueLength = Math.max(0, live.length - RECORD_HEADER.size - keyBytes.length);
      versions.push({ location: live, kind: 'put', valueLength, status: 'corrupt' });
      versions.sort((a, b) => a.location.sequence - b.location.sequence);
    }
    return versions;
  }

  /** The deleted keys, found by reading the hints (or records) of every segment (deleted-keys.ts). */
  async deletedKeys(opts: { onProgress?: (p: Progress) => void; signal?: AbortSignal } = {}): Promise<DeletedKey[]> {
    this.assertOpen();
    return findDeletedKeys(this.efs, this.dir, [...this.segments.values()], (key) => this.has(key), new Yielder('deleted keys', opts.signal, opts.onProgress));
  }

  /**
   * Dead bytes by key: every segment's committed records read (as verify reads them), a put dead unless the
   * keydir holds its key at its place, a tombstone always (dead-space.ts).
   */
  async deadSpace(opts: { onProgress?: (p: Progress) => void; signal?: AbortSignal } = {}): Promise<DeadSpace> {
    this.assertOpen();
    // Our own compaction closes and deletes segments: walk them between compactions.
    while (this.compacting) await this.compacting.catch(() => undefined);
    const segments = [...this.segments.values()].sort((a, b) => a.id - b.id);
    const liveAt = (key: Uint8Array, start: number, length: number, segment: number, offset: number): boolean => {
      const slot = this.keydir.slotOfBytes(key, start, length);
      return slot >= 0 && this.keydir.segmentAt(slot) === segment && this.keydir.offsetAt(slot) === offset;
    };
    return nativeDeadSpace(this.efs, segments, liveAt, (key) => this.has(key), new Yielder('dead space', opts.signal, opts.onProgress));
  }

  /** The value bytes of any record (for showing an old version). */
  readRecordValue(location: Pick<RecordLocation, 'segment' | 'offset' | 'length'>): Buffer {
    const seg = this.segments.get(location.segment);
    if (!seg) throw new CorruptRecordError(dataFileName(location.segment), location.offset, 'segment is not part of the store');
    if (location.length < RECORD_HEADER.size || location.offset + location.length > seg.size) throw new CorruptRecordError(seg.file, location.offset, `${location.length} bytes at this offset run past the end of the ${seg.size}-byte segment`);
    const bytes = readAt(this.efs, seg.fd, location.length, location.offset);
    if (bytes.length < RECORD_HEADER.size) throw new CorruptRecordError(seg.file, location.offset, 'record is cut short');
    const header = readRecordHeader(bytes, 0);
    if (recordLength(header.keyLength, header.valueLength) !== location.length || computeRecordCrc(bytes) !== header.crc) {
      throw new CorruptRecordError(seg.file, location.offset, 'checksum mismatch');
    }
    return bytes.subarray(RECORD_HEADER.size + header.keyLength);
  }

  stats(): StoreStats {
    const segments = [...this.segments.values()];
    // Read-only, the segment the next writer appends to (as a writer marks the one it holds).
    const active = this.active ?? this.segmentToReopen();
    return {
      ...storeStats(
        this.format,
        this.keydir.size,
        segments.map((s) => segmentStats(s, s === active)),
      ),
      figuresFrom: segments.some((s) => s.figuresFromIndex) ? 'index' : 'records',
    };
  }

  async verify(opts: { onProgress?: (p: Progress) => void; signal?: AbortSignal } = {}): Promise<VerifyReport> {
    this.assertOpen();
    // Our own compaction renames and deletes files: check the directory between compactions.
    while (this.compacting) await this.compacting.catch(() => undefined);
    return verifyNativeDirectory(this.dir, { ...opts, fs: this.efs });
  }

  // ------------------------------------------------------------------ writes

  async put(key: Uint8Array | string, value: Uint8Array | string): Promise<void> {
    await this.write([{ type: RECORD_PUT, key: toBytes(key), value: toBytes(value) }]);
  }

  /** Delete a key; false (and nothing written) when it did not exist. */
  async delete(key: Uint8Array | string): Promise<boolean> {
    return (await this.deleteAndLocate(key)) !== undefined;
  }

  /** Delete a key and say where its tombstone was written (where it was deleted); undefined (nothing written) when it did not exist. */
  async deleteAndLocate(key: Uint8Array | string): Promise<RecordLocation | undefined> {
    const keyBytes = toBytes(key);
    this.assertWritable('delete');
    if (this.keydir.slotOfBytes(keyBytes, 0, keyBytes.length) < 0) return undefined;
    return this.write([{ type: RECORD_TOMBSTONE, key: keyBytes }]);
  }

  /** Apply puts and deletes atomically: after a crash, all of them or none. */
  async batch(ops: readonly BatchOp[]): Promise<void> {
    if (ops.length === 0) return;
    const records = new Array<PendingRecord>(ops.length);
    for (let group = 0; group < ops.length; group += TOUCH_GROUP) {
      const end = Math.min(ops.length, group + TOUCH_GROUP);
      touchOps(ops, group, end);
      for (let i = group; i < end; i++) {
        const op = ops[i]!;
        records[i] = op.type === 'put' ? { type: RECORD_PUT, key: toBytes(op.key), value: toBytes(op.value) } : { type: RECORD_TOMBSTONE, key: toBytes(op.key) };
      }
    }
    await this.write(records);
  }

  /**
   * How many bytes of records (one record, or a batch: it never spans
   * segments) the next write can append without taking a segment past the
   * segment size: `left` in the active segment, and `segment` in a new one
   * (the segment size less its header), which a write that does not fit in
   * `left` rotates to first (appendPlacement). A writer that gathers its own
   * batches (import) keeps each one within `left`, or when its first record
   * does not fit there within `segment`, and its segments then stay within
   * the segment size as single writes do: a batch larger than `segment`
   * gets a segment of its own, past the size.
   */
  appendRoom(): { left: number; segment: number } {
    this.assertWritable('write');
    const limit = Math.min(this.segmentSize, this.addressLimit);
    const segment = Math.max(0, limit - SEGMENT_HEADER.size);
    const active = this.active!;
    // An empty active segment is as good as a new one (a write never rotates away from it).
    const left = active.size <= SEGMENT_HEADER.size ? segment : Math.max(0, limit - active.size);
    return { left, segment };
  }

  /** Appends the records (one write: a batch when several); where the last one was written. */
  private async write(records: PendingRecord[]): Promise<RecordLocation> {
    this.assertWritable('write');
    let total = 0;
    for (const r of records) {
      if (r.key.length > MAX_KEY_BYTES) throw new TooLargeError('key', r.key.length, MAX_KEY_BYTES);
      if (r.value && r.value.length > MAX_VALUE_BYTES) throw new TooLargeError('value', r.value.length, MAX_VALUE_BYTES);
      total += recordLength(r.key.length, r.value?.length ?? 0);
    }
    const placement = appendPlacement(this.active!.size, total, this.segmentSize, this.addressLimit);
    if (placement === 'too-large') throw new TooLargeError('batch', total, this.addressLimit - SEGMENT_HEADER.size);
    if (placement === 'rotate') this.rotate();
    const seg = this.active!;
    const start = seg.size;
    const buf = this.encodeBuffer(total);
    const firstSequence = this.nextSequence;
    let at = 0;
    for (let group = 0; group < records.length; group += TOUCH_GROUP) {
      const end = Math.min(records.length, group + TOUCH_GROUP);
      touchBytes(records, group, end, true);
      for (let i = group; i < end; i++) {
        const r = records[i]!;
        const flags = records.length === 1 ? 0 : FLAG_IN_BATCH | (i === 0 ? FLAG_BATCH_FIRST : 0) | (i === records.length - 1 ? FLAG_BATCH_END : 0);
        at += encodeRecordInto(buf, at, r.type, flags, firstSequence + i, r.key, r.value);
      }
    }
    try {
      // A small append that syncs goes over zeros written ahead of it, so that its fdatasync need not commit a new file size.
      if (this.fsyncPolicy !== 'never' && start + total > seg.fileSize && total <= PREALLOCATE_BYTES / 4) seg.preallocate(this.efs, start + total + seg.preallocationStep);
      writeFully(this.efs, seg.fd, buf, start);
    } catch (err) {
      this.undoPartialAppend(seg, start, err);
      throw new IoError(`appending to ${seg.file}`, err);
    }
    this.nextSequence += records.length;
    seg.size = start + total;
    if (seg.size > seg.fileSize) seg.fileSize = seg.size;
    at = start;
    const hint = this.activeHint?.seg === seg ? this.activeHint.builder : undefined;
    for (let group = 0; group < records.length; group += TOUCH_GROUP) {
      const end = Math.min(records.length, group + TOUCH_GROUP);
      touchBytes(records, group, end, false);
      for (let i = group; i < end; i++) {
        const r = records[i]!;
        const len = recordLength(r.key.length, r.value?.length ?? 0);
        this.applyRecord(r.key, 0, r.key.length, r.type, firstSequence + i, seg, at, len, false);
        hint?.add(r.type, firstSequence + i, at, len, r.key, 0, r.key.length);
        at += len;
      }
    }
    const last = records[records.length - 1]!;
    const lastLength = recordLength(last.key.length, last.value?.length ?? 0);
    const written: RecordLocation = { file: seg.file, segment: seg.id, offset: at - lastLength, length: lastLength, sequence: firstSequence + records.length - 1 };
    await this.makeDurable(seg);
    this.maybeAutoCompact();
    return written;
  }

  /**
   * A scratch buffer for encoding one append, reused from append to append
   * (write() encodes and writes it before its first await): a fresh 1 MB
   * buffer per batch made the garbage collector run full collections just
   * for the external memory churn.
   */
  private scratch = Buffer.allocUnsafeSlow(0);

  private encodeBuffer(bytes: number): Buffer {
    if (bytes > SCRATCH_MAX_BYTES) return Buffer.allocUnsafe(bytes);
    if (this.scratch.length < bytes) this.scratch = Buffer.allocUnsafeSlow(Math.min(SCRATCH_MAX_BYTES, Math.max(bytes, 2 * this.scratch.length, 64 * 1024)));
    return this.scratch.subarray(0, bytes);
  }

  private async makeDurable(seg: Segment): Promise<void> {
    if (this.fsyncPolicy === 'never') return;
    try {
      if (this.fsyncPolicy === 'always') this.efs.fdatasyncSync(seg.fd);
      else await this.groupCommit.sync(seg);
    } catch (err) {
      this.failure = err;
      throw new IoError(`fsync of ${seg.file}`, err);
    }
  }

  /** After a failed append, cut the file back so no half record stays; if even that fails, refuse writes until reopened. */
  private undoPartialAppend(seg: Segment, size: number, cause: unknown): void {
    try {
      this.efs.ftruncateSync(seg.fd, size);
      seg.fileSize = size;
    } catch {
      this.failure = cause;
    }
  }

  /** Seal the active segment (durable, hint scheduled) and start a new one. */
  private rotate(): void {
    const sealed = this.active!;
    try {
      sealed.cutPreallocated(this.efs);
      this.efs.fdatasyncSync(sealed.fd);
      sealed.sealed = true;
      this.active = this.createSegment();
    } catch (err) {
      this.failure = err;
      throw new IoError(`rotating ${sealed.file}`, err);
    }
    const hint = this.activeHint?.seg === sealed ? this.activeHint.builder : undefined;
    this.activeHint = { seg: this.active, builder: new HintBuilder() };
    this.scheduleHint(sealed, hint);
  }

  /** Write a sealed segment's hint file in the background: from the entries gathered while it was written, else by reading it. */
  private scheduleHint(seg: Segment, gathered?: HintBuilder): void {
    this.background = this.background.then(async () => {
      if (this.closed || !this.segments.has(seg.id) || seg === this.active) return;
      try {
        const bytes = gathered ? gathered.finish(seg.id, seg.size) : await buildHintBytes(this.efs, seg.id, seg.fd, seg.size, new Yielder('hint'));
        if (!this.segments.has(seg.id)) return;
        writeHintBytes(this.efs, this.dir, hintFileName(seg.id), bytes);
        seg.hasHint = true;
      } catch (err) {
        this.backgroundErrors.push(err as Error);
      }
    });
  }

  /** Wait for background work (hint files) to finish; returns errors it met. */
  async flushBackground(): Promise<Error[]> {
    await this.background;
    return [...this.backgroundErrors];
  }

  // ------------------------------------------------------------------ compaction

  /**
   * Whether data file `file`'s figures (stats) come from its hint or the
   * keydir image, which the open took without reading its records: damage
   * in them since is not counted there. False for a segment whose records
   * the open read (it counted their damage), or this process wrote.
   */
  figuresFromIndex(file: string): boolean {
    for (const seg of this.segments.values()) if (seg.file === file) return seg.figuresFromIndex;
    return false;
  }

  /**
   * Bytes of the live records (the ones the keydir points at) of data file
   * `file` that begin within one of `ranges` ([start, end) byte ranges,
   * sorted, not overlapping). The inspector takes them out of a segment's
   * live bytes where its records are damaged: the keydir, from a hint, may
   * point at a record whose checksum no longer matches.
   */
  liveBytesWithin(file: string, ranges: readonly (readonly [number, number])[]): number {
    this.assertOpen();
    const seg = this.segmentNamed(file);
    if (!seg || ranges.length === 0) return 0;
    const { n, offsets, lengths, order } = this.keydir.slotsByLocation([seg.id]);
    let bytes = 0;
    for (let k = 0, r = 0; k < n && r < ranges.length; ) {
      const offset = offsets[order[k]!]!;
      const [start, end] = ranges[r]!;
      if (offset >= end) r++;
      else {
        if (offset >= start) bytes += lengths[order[k]!]!;
        k++;
      }
    }
    return bytes;
  }

  /**
   * The live records of `inputs` as (segment, offset) → keydir slot, taken
   * now, so that a walk through a segment front to back finds each record's
   * slot by stepping a cursor. (Probing the keydir by key for every record
   * touched the key's slot at random: slot order follows the order keys were
   * inserted in, which for a store opened from hints is their hash order, not
   * their place on disk.)
   */
  private async liveRecordLookup(inputs: readonly Segment[], pause: () => Promise<void>): Promise<Pick<CompactionContext, 'liveSlot' | 'stoppedByDamage'>> {
    // Gathered at once (the snapshot), sorted in steps: ~140 ms at a million keys would stall the event loop.
    const byLocation = await runStepsPausing(this.keydir.slotsByLocationSteps(inputs.map((s) => s.id)), pause);
    const { rankOf, order, first } = byLocation;
    // The offsets and slots in location order, gathered once, so that the walk reads them front to back.
    // Read through `order` instead, they were read at random when the keydir's slots are in hash order (as
    // after an open from hints), one cache miss each, in the middle of every record's copy.
    const offsets = await runStepsPausing(permutedSteps(byLocation.offsets, order), pause);
    const slots = await runStepsPausing(permutedSteps(byLocation.slots, order), pause);
    // cursor[r] is where the walk through input r is.
    const cursor = first.slice(0, inputs.length);
    const offsetAt = (k: number) => offsets[k]!;
    // Which live records the walk found: one it did not is unreadable (damaged after it was indexed).
    const found = new Uint8Array(offsets.length);
    const liveSlot = (segment: number, offset: number): number => {
      const r = rankOf.get(segment);
      if (r === undefined) return -1;
      const start = first[r]!;
      const end = first[r + 1]!;
      let k = cursor[r]!;
      // Asked out of order (never, by compaction's walk): search from the start.
      if (k > start && offsetAt(k - 1) >= offset) k = start;
      while (k < end && offsetAt(k) < offset) k++;
      cursor[r] = k;
      if (k < end && offsetAt(k) === offset) {
        found[k] = 1;
        return slots[k]!;
      }
      return -1;
    };
    const stoppedByDamage = (damage: readonly WalkedDamage[]): Error | undefined => {
      const missed = found.indexOf(0);
      if (missed < 0) {
        // Every live record found, but damaged bytes among the stale ones: they would go with the inputs,
        // and with them what verify and repair could still show or save (as when the open saw them).
        const first = damage.find((d) => d.kind === 'damage');
        if (!first) return undefined;
        return new CorruptRecordError(
          inputs.find((s) => s.id === first.segment)!.file,
          first.offset,
          `damaged bytes (${first.reason}) that hold no live record; compaction would delete them with its inputs, so it stopped: no record was moved or deleted. verify shows the damage; repair writes a copy without it`,
        );
      }
      // Every live record the walk did not take, with what the walk met where it lies.
      const misses: Array<{ k: number; input: Segment; why: WalkedDamage | undefined }> = [];
      let r = 0;
      for (let k = missed; k < found.length; k++) {
        if (found[k] !== 0) continue;
        while (first[r + 1]! <= k) r++;
        const input = inputs[r]!;
        const offset = offsetAt(k);
        misses.push({ k, input, why: damage.find((d) => d.segment === input.id && offset >= d.offset && offset < d.offset + d.length) });
      }
      const keyOf = (k: number): string => printableKey(Buffer.from(this.keydir.keyAt(slots[k]!), 'latin1'));
      const keys = (of: typeof misses): string => {
        const shown = of.slice(0, 3).map((m) => keyOf(m.k)).join(', ');
        return of.length > 3 ? `${shown} and ${of.length - 3} more` : shown;
      };
      const stopped = '. Compaction stopped: no record was moved or deleted. verify shows the damage; repair writes a copy without it';
      // Damage and the incomplete batches side by side with it (before: the batch it cut; after: the
      // records of that batch whose start it took) are one stretch of what a scan does not keep.
      const stretchOf = (d: WalkedDamage): WalkedDamage[] => {
        const around = damage.filter((e) => e.segment === d.segment).sort((a, b) => a.offset - b.offset);
        let lo = around.indexOf(d);
        let hi = lo;
        while (lo > 0 && around[lo - 1]!.offset + around[lo - 1]!.length === around[lo]!.offset) lo--;
        while (hi + 1 < around.length && around[hi]!.offset + around[hi]!.length === around[hi + 1]!.offset) hi++;
        return around.slice(lo, hi + 1);
      };
      const damaged = misses.find((m) => m.why?.kind === 'damage');
      const dropped = misses.find((m) => m.why?.kind === 'batch');
      const lead = damaged ?? dropped;
      if (!lead) {
        const more = misses.length > 1 ? ` (and ${misses.length - 1} more live record(s) like it)` : '';
        return new CorruptRecordError(misses[0]!.input.file, offsetAt(missed), `the live record of key ${keyOf(missed)} cannot be read: its checksum fails or its bytes are gone${more}${stopped}`);
      }
      const stretch = stretchOf(lead.why!);
      const cause = stretch.find((d) => d.kind === 'damage');
      const withIt = misses.filter((m) => m.why?.kind === 'batch' && stretch.includes(m.why));
      const others = misses.length - withIt.length - (damaged ? 1 : 0);
      const elsewhere = others > 0 ? `; ${others} more live record(s) cannot be read elsewhere (verify lists every problem)` : '';
      const batchNote = (n: number): string =>
        `${n === 1 ? 'is' : 'are'} intact, but ${n === 1 ? 'belongs' : 'belong'} to an atomic batch that is incomplete ${cause ? 'without the damaged bytes' : 'on disk'}, and a scan drops such a batch whole (docs/FORMAT.md, "Atomic batches")`;
      if (damaged) {
        const dropNote = withIt.length > 0 ? `; the live record(s) of key(s) ${keys(withIt)} ${batchNote(withIt.length)}` : '';
        return new CorruptRecordError(lead.input.file, offsetAt(lead.k), `the live record of key ${keyOf(lead.k)} is damaged (${lead.why!.reason})${dropNote}${elsewhere}${stopped}`);
      }
      // No live record is damaged itself (the damaged one was overwritten since, say): the batch it cut holds some.
      const where = cause ?? lead.why!;
      const what = cause ? `damaged bytes (${cause.reason})` : `an incomplete atomic batch (${lead.why!.reason})`;
      return new CorruptRecordError(lead.input.file, where.offset, `${what}: the live record(s) of key(s) ${keys(withIt)} ${batchNote(withIt.length)}${elsewhere}${stopped}`);
    };
    return { liveSlot, stoppedByDamage };
  }

  /**
   * What a compaction would do now, without doing it. With `stops`, it would
   * not go through: an input holds damage the open saw (it would not
   * start), or damage that `damageFound` names, found by a caller that read
   * the inputs' records (`kvscope segments`): it would stop before its
   * commit. An open from hints or the keydir image reads no record, so
   * without `damageFound` the plan knows nothing of damage that came after
   * they were written (docs/FORMAT.md, "Damage after the fact").
   */
  compactionPlan(damageFound: readonly DamageFound[] = []): CompactionPlan {
    const candidates = this.compactionCandidates();
    const inputs = nothingToDrop(candidates) ? [] : candidates;
    const files = new Set(inputs.map((seg) => seg.file));
    const found = damageFound.filter((d) => files.has(d.file)).sort((a, b) => (a.file === b.file ? a.offset - b.offset : a.file < b.file ? -1 : 1))[0];
    // Every write takes a sequence number and every compaction changes the segments: until one of them,
    // the plan (a pass over every live key, ~0.1 s at a million) is the one computed last time.
    const state = `${this.nextSequence}|${inputs.map((s) => `${s.id}:${s.size}:${s.records}`).join(',')}`;
    if (this.lastPlan?.state !== state) this.lastPlan = { state, plan: this.computeCompactionPlan(inputs) };
    const { plan } = this.lastPlan;
    // The damage the open saw refuses it whatever the inputs hold (refuseDamagedInputs).
    const seen = this.seenDamage(candidates);
    const stops = seen
      ? { file: seen.file, offset: seen.offset, reason: seen.what, starts: false }
      : found && { file: found.file, offset: found.offset, reason: found.reason ?? `${found.length} damaged byte(s), found reading the records`, starts: true };
    const emptyActive = this.emptyActiveFile();
    return { ...plan, inputSegments: [...plan.inputSegments], ...(stops ? { stops } : {}), ...(emptyActive ? { emptyActive } : {}) };
  }

  private lastPlan: { state: string; plan: CompactionPlan } | undefined;

  private computeCompactionPlan(inputs: readonly Segment[]): CompactionPlan {
    const total = inputs.reduce((n, s) => n + s.size, 0);
    const records = inputs.reduce((n, s) => n + s.records, 0);
    // Pack the live records into outputs the way compaction will: input order, then offset order.
    const { n, lengths, order } = this.keydir.slotsByLocation(inputs.map((s) => s.id));
    let outputBytes = 0;
    let current = 0;
    for (let k = 0; k < n; k++) {
      const len = lengths[order[k]!]!;
      if (current === 0 || (current + len > this.segmentSize && current > SEGMENT_HEADER.size)) {
        outputBytes += current;
        current = SEGMENT_HEADER.size;
      }
      current += len;
    }
    outputBytes += current;
    return { inputSegments: inputs.map((s) => s.id), recordsToDrop: records - n, bytesToReclaim: Math.max(0, total - outputBytes) };
  }

  /**
   * Rewrite every segment except a fresh active one into new segments holding
   * only live records, with hints. Writes may go on meanwhile. Crash-safe at
   * every step (docs/FORMAT.md, "Compaction protocol"); cancelling leaves the
   * store as it was.
   */
  async compact(opts: { onProgress?: (p: Progress) => void; signal?: AbortSignal } = {}): Promise<CompactResult> {
    this.assertWritable('compact');
    // A compaction already running (an automatic one, say) is waited for: the caller asked for one that starts now.
    while (this.compacting) await this.compacting.catch(() => undefined);
    this.assertWritable('compact');
    const run = this.runCompaction(opts);
    this.compacting = run;
    try {
      return await run;
    } finally {
      this.compacting = undefined;
    }
  }

  private async runCompaction(opts: { onProgress?: (p: Progress) => void; signal?: AbortSignal }): Promise<CompactResult> {
    await this.background;
    const candidates = this.compactionCandidates();
    this.refuseDamagedInputs(candidates);
    if (nothingToDrop(candidates)) {
      const bytes = this.stats().totalBytes;
      const segments = this.segments.size;
      const emptyActive = this.emptyActiveFile();
      return {
        segmentsBefore: segments,
        segmentsAfter: segments,
        bytesBefore: bytes,
        bytesAfter: bytes,
        reclaimedBytes: 0,
        recordsDropped: 0,
        inputSegments: [],
        outputSegments: [],
        ...(emptyActive ? { emptyActive } : {}),
      };
    }
    // The active segment becomes an input: writes go on in a new one. A compaction that stops before its
    // commit undoes this (undoRotation) while the new segment is still empty.
    const sealed = this.active!.size > SEGMENT_HEADER.size ? this.active! : undefined;
    // The segments as they were when compaction was asked for: not the empty one the rotation below starts
    // (it is counted after, where it is). The bytes are counted after it, as the plan's reclaimed bytes are.
    const segmentsBefore = this.segments.size;
    if (sealed) this.rotate();
    const started = this.active!;
    await this.background;
    const inputs = [...this.segments.values()].filter((s) => s !== this.active);
    const bytesBefore = this.stats().totalBytes;
    try {
      const snapshot = new Yielder('compact', opts.signal, opts.onProgress);
      const live = await this.liveRecordLookup(inputs, () => snapshot.tick(0, 1));
      const result = await runCompaction({
        efs: this.efs,
        dir: this.dir,
        segmentSize: this.segmentSize,
        inputs,
        sequenceFloor: this.nextSequence - 1,
        allocateSegmentId: () => this.nextSegmentId++,
        ...live,
        commit: (outputs, moved) => {
          for (const out of outputs) this.segments.set(out.id, out);
          const kd = this.keydir;
          // A slot still points at the copied record unless its key was written, deleted (and the slot
          // perhaps reused) meanwhile: then its segment or sequence differ (new writes go to the active segment).
          for (let group = 0; group < moved.count; group += TOUCH_GROUP) {
            const end = Math.min(moved.count, group + TOUCH_GROUP);
            touchSlots(kd, moved.slots, group, end);
            for (let i = group; i < end; i++) {
              const slot = moved.slots[i]!;
              if (!kd.isLiveSlot(slot) || kd.segmentAt(slot) !== moved.from[i] || kd.sequenceAt(slot) !== moved.sequences[i]) continue;
              kd.moveSlot(slot, moved.to[i]!, moved.offsets[i]!, moved.lengths[i]!);
              this.segments.get(moved.to[i]!)!.liveBytes += moved.lengths[i]!;
            }
          }
          for (const seg of inputs) {
            this.segments.delete(seg.id);
            this.cacheFill.forget(seg.id);
            this.cache.dropSegment(seg.id);
            this.efs.closeSync(seg.fd);
          }
        },
        hooks: this.options.compactionHooks,
        signal: opts.signal,
        onProgress: opts.onProgress,
      });
      const bytesAfter = this.stats().totalBytes;
      const emptyActive = this.emptyActiveFile();
      return {
        ...(emptyActive ? { emptyActive } : {}),
        segmentsBefore,
        segmentsAfter: this.segments.size,
        bytesBefore,
        bytesAfter,
        reclaimedBytes: bytesBefore - bytesAfter,
        recordsDropped: result.recordsDropped,
        inputSegments: inputs.map((s) => s.id),
        outputSegments: result.outputs.map((s) => s.id),
      };
    } catch (err) {
      if (!(err instanceof AbortedError) && (err as { committed?: boolean }).committed) this.failure = err;
      else if (sealed) this.undoRotation(sealed, started);
      throw err;
    }
  }

  /**
   * A compaction that stopped before its commit (cancelled, or damage found)
   * leaves no trace of itself: the segment it sealed becomes the active one
   * again, and the one it started for the writes meanwhile goes, while no
   * write has gone into it (else both stay, as a rotation leaves them). A
   * cancelled compaction left an empty segment behind (24 bytes) each time.
   */
  private undoRotation(sealed: Segment, started: Segment): void {
    if (this.closed || this.failure !== undefined || this.active !== started || started.size > SEGMENT_HEADER.size || !this.segments.has(sealed.id)) return;
    // The hint the rotation wrote goes (a segment being appended to has none), its entries kept for the close's.
    const hintPath = pathOf(this.dir, hintFileName(sealed.id));
    let builder: HintBuilder | undefined;
    try {
      if (this.efs.existsSync(hintPath)) {
        const hint = loadHint(this.efs, this.dir, sealed.id, sealed.size);
        if (hint.ok) {
          builder = new HintBuilder();
          builder.addEncoded(hint.bytes, HINT_HEADER.size, hint.entriesEnd, hint.entryCount);
        }
        this.efs.unlinkSync(hintPath);
        sealed.hasHint = false;
      }
    } catch {
      return; // left as the rotation made it
    }
    try {
      this.efs.unlinkSync(pathOf(this.dir, started.file));
    } catch {
      // The new segment stays in use; the sealed one gets its hint again.
      this.scheduleHint(sealed, undefined);
      return;
    }
    this.segments.delete(started.id);
    try {
      this.efs.closeSync(started.fd);
      this.efs.fsyncDirSync(this.dir);
    } catch {
      // An empty segment a crash might bring back holds nothing.
    }
    sealed.sealed = false;
    // The block cache may hold the sealed segment's last, partial block: appends will fill it.
    this.cacheFill.forget(sealed.id);
    this.cache.dropSegment(sealed.id);
    this.active = sealed;
    this.activeHint = builder ? { seg: sealed, builder } : undefined;
  }

  /**
   * What a compaction starting now would rewrite: every segment but an empty
   * active one (read-only, the one a writer would append to: see openActiveSegment).
   */
  /** The data file writes go to (for a reader: the one the next writer appends to), when it holds no record. */
  private emptyActiveFile(): string | undefined {
    const active = this.active ?? this.segmentToReopen();
    return active && active.size <= SEGMENT_HEADER.size ? active.file : undefined;
  }

  private compactionCandidates(): Segment[] {
    const active = this.active ?? this.segmentToReopen();
    return [...this.segments.values()].filter((s) => s !== active || s.size > SEGMENT_HEADER.size);
  }

  /**
   * Compaction keeps only the records the keydir points at: the bytes of a
   * damaged region (a bad checksum, a torn tail left in place, a damaged
   * segment header) in its inputs would go with them, and with them what
   * verify and repair could still show or save. So it does not start.
   */
  private refuseDamagedInputs(inputs: readonly Segment[]): void {
    const seen = this.seenDamage(inputs);
    if (!seen) return;
    throw new CorruptRecordError(seen.file, seen.offset, `${seen.what}; compaction would delete them, so it did not start. verify shows the damage; repair writes a copy without it`);
  }

  /** The first of `inputs` in which the open saw damage, and where. */
  private seenDamage(inputs: readonly Segment[]): { file: string; offset: number; what: string } | undefined {
    const damaged = inputs.find((s) => s.corruptBytes > 0 || !s.header);
    if (!damaged) return undefined;
    // The damaged bytes, not a batch they left incomplete (its records are intact).
    const problems = [...this.recovery.skipped, ...this.recovery.tornTails].filter((p) => p.file === damaged.file);
    const problem = problems.find((p) => p.kind !== 'incomplete-batch') ?? problems[0];
    const what = damaged.header ? `${damaged.corruptBytes} damaged byte(s) in this segment (${problem?.kind ?? 'corrupt'})` : 'the segment header is damaged';
    return { file: damaged.file, offset: problem?.offset ?? 0, what };
  }

  /** Damage that stopped an automatic compaction: none is tried again while this store is open (each would stop the same way). */
  private autoCompactStoppedBy: CorruptRecordError | undefined;

  private maybeAutoCompact(): void {
    const ratio = this.options.autoCompactRatio;
    if (ratio === undefined || this.compacting || this.autoCompactStoppedBy) return;
    const sealed = [...this.segments.values()].filter((s) => s !== this.active);
    if (sealed.length < 2) return;
    const total = sealed.reduce((n, s) => n + s.size, 0);
    const live = sealed.reduce((n, s) => n + s.liveBytes, 0);
    if (total > 0 && (total - live) / total > ratio) {
      this.compact().catch((err: Error) => {
        this.backgroundErrors.push(err);
        if (err instanceof CorruptRecordError) this.autoCompactStoppedBy = err;
      });
    }
  }

  // ------------------------------------------------------------------ closing

  async close(): Promise<void> {
    this.cacheFill.stop();
    this.cache.clear();
    if (this.closed) return;
    if (this.compacting) await this.compacting.catch(() => undefined);
    await this.background;
    await this.groupCommit.idle();
    if (!this.readOnly && this.active && this.failure !== undefined) {
      // Not synced: the store refuses writes since a write failed (that error was thrown to its writer).
      this.unsyncedAtClose = { file: this.active.file, cause: new FailedStoreError(this.failure) };
    } else if (!this.readOnly && this.active) {
      let synced = false;
      try {
        this.active.cutPreallocated(this.efs);
        this.efs.fdatasyncSync(this.active.fd);
        synced = true;
        this.writeActiveHint();
      } catch (err) {
        // Nothing more can be done on close; without its hint the segment is scanned at the next open. A sync
        // that failed is said (closeFailure): under fsync 'never' it was the only one the segment's writes had.
        if (!synced) this.unsyncedAtClose = { file: this.active.file, cause: new IoError(`syncing ${this.active.file} at close`, err) };
      }
      try {
        // Only over data known to be on disk.
        if (synced) this.writeKeydirImage();
      } catch {
        /* without an image, the next open reads the hints */
      }
    }
    this.releaseResources();
  }

  /**
   * After close(): the active segment it could not sync (its fdatasync
   * failed, or an earlier failed write had left the store refusing writes),
   * and why. Writes to that segment that nothing synced before may then not
   * be on disk: under fsync 'never', every write since the segment was begun
   * (a segment is synced when it is sealed); under 'batch' and 'always', none
   * that was acknowledged. Undefined before close, after a close that synced,
   * and for a reader. close() itself does not throw for it: the store is
   * closed all the same.
   */
  get closeFailure(): { file: string; cause: Error } | undefined {
    return this.unsyncedAtClose;
  }

  /** The data file a writer's writes go to now (its active segment); undefined for a reader. */
  get activeFile(): string | undefined {
    return this.active?.file;
  }

  /**
   * On a clean close, the keydir image (keydir-image.ts), so that the next
   * open takes the keydir over instead of inserting every key from the
   * hints. Not when a segment is damaged: its problems are found and
   * reported again by an open that scans it.
   */
  private writeKeydirImage(): void {
    // In id order, as an open lists them.
    const segments = [...this.segments.values()].sort((a, b) => a.id - b.id);
    if (!imagesSupported || segments.some((seg) => !seg.header || seg.corruptBytes > 0)) return;
    writeKeydirImage(this.efs, this.dir, {
      keydir: this.keydir.exportState(),
      segments: segments.map((seg) => ({
        id: seg.id,
        size: seg.size,
        records: seg.records,
        oldestSequence: seg.records > 0 ? seg.oldestSequence : 0,
        newestSequence: seg.records > 0 ? seg.newestSequence : 0,
        liveBytes: seg.liveBytes,
        tombstoneBytes: seg.tombstoneBytes,
      })),
    });
  }

  /**
   * On a clean close, the active segment's hint (as Riak's Bitcask closes the
   * hint file it writes alongside the active file), so that the next open
   * reads no segment whole. A writer that reopens the segment deletes the
   * hint before appending to it; one that crashes leaves no hint, and the
   * segment is scanned as before.
   */
  private writeActiveHint(): void {
    const seg = this.active!;
    if (this.activeHint?.seg !== seg || seg.size <= SEGMENT_HEADER.size || seg.corruptBytes > 0) return;
    writeHintBytes(this.efs, this.dir, hintFileName(seg.id), this.activeHint.builder.finish(seg.id, seg.size));
  }

  private releaseResources(): void {
    this.closed = true;
    this.cacheFill.stop();
    for (const seg of this.segments.values()) {
      try {
        this.efs.closeSync(seg.fd);
      } catch {
        /* already closed */
      }
    }
    this.segments.clear();
    try {
      this.lock?.release();
    } catch {
      /* the lock file is gone already */
    }
    this.lock = undefined;
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError();
  }

  private assertWritable(what: string): void {
    this.assertOpen();
    if (this.readOnly) throw new ReadOnlyError(what);
    if (this.failure !== undefined) throw new FailedStoreError(this.failure);
  }

  /** Name of the store directory, for messages. */
  get name(): string {
    return basename(this.dir);
  }
}
