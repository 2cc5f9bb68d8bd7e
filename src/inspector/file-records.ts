/**
 * The records of one file as the inspector's record table sees them, and
 * what every kind of index of them shares: the FileRecords contract, the
 * class byte a record is filtered by, waiting for indexing that runs in the
 * background in time slices, and the byte summary of a whole file.
 *
 * The indexes: NativeSegmentIndex (record-index.ts) for native data
 * segments, StreamedFileRecords (streamed-file-records.ts) for every other
 * file.
 */
import { setImmediate as nextTick } from 'node:timers/promises';
import type { DecodedRecord, FormatFile } from '../engine/formats/format.js';
import { keyToString } from '../engine/keys.js';
import { Waiters } from './waiters.js';

/** One record of a file, without its fields: made for the rows of one page, never kept for a whole file. */
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
  /** For a corrupt or torn record: its key as its bytes read (key string, latin1; DecodedRecord.unverifiedKey). */
  damagedKey?: string;
  /** A valid record of an atomic batch that never completed (native): replay ignores it. */
  uncommitted?: boolean;
  /** For a row that holds no key (preallocated space, an image's table, a free slot): what it is (DecodedRecord.label). */
  label?: string;
}

/** What a record is, without reading it: enough for every status but live/shadowed. */
export const CLASS_META = 0;
export const CLASS_PUT = 1;
export const CLASS_DELETE = 2;
export const CLASS_CORRUPT = 3;
export const CLASS_TORN = 4;
/** A line the format's program reads and skips on replay (kind garbage, status valid: text-lines' ignoredLine). */
export const CLASS_IGNORED = 5;
/** Or'ed into the class of a valid record of an atomic batch that never completed. */
export const CLASS_UNCOMMITTED = 8;

/** The class of a decoded record (one of CLASS_*, maybe with CLASS_UNCOMMITTED). */
export function classOf(e: { kind: DecodedRecord['kind']; status: DecodedRecord['status']; uncommitted?: boolean }): number {
  if (e.status === 'corrupt') return CLASS_CORRUPT;
  if (e.status === 'torn') return CLASS_TORN;
  if (e.kind === 'garbage') return CLASS_IGNORED;
  const base = e.kind === 'put' ? CLASS_PUT : e.kind === 'delete' ? CLASS_DELETE : CLASS_META;
  return e.uncommitted ? base | CLASS_UNCOMMITTED : base;
}

export function entryOf(r: DecodedRecord): IndexEntry {
  const e: IndexEntry = { offset: r.offset, length: r.length, kind: r.kind, status: r.status };
  if (r.key !== undefined) e.key = keyToString(r.key);
  if (r.sequence !== undefined) e.sequence = r.sequence;
  if (r.valueOffset !== undefined) e.valueOffset = r.valueOffset;
  if (r.valueLength !== undefined) e.valueLength = r.valueLength;
  if (r.storedCrc !== undefined) e.storedCrc = r.storedCrc;
  if (r.computedCrc !== undefined) e.computedCrc = r.computedCrc;
  if (r.problem !== undefined) e.problem = r.problem;
  if (r.problemKind !== undefined) e.problemKind = r.problemKind;
  if (r.unverifiedKey !== undefined) e.damagedKey = keyToString(r.unverifiedKey);
  if (r.label !== undefined) e.label = r.label;
  return e;
}

/** Byte figures of a completely indexed file, for the segments view. */
export interface RecordSummary {
  bytes: number;
  /** Puts, tombstones and hint entries. */
  records: number;
  /** Committed valid puts: live or shadowed, which only the keydir can tell. */
  putBytes: number;
  tombstoneBytes: number;
  uncommittedBytes: number;
  corruptBytes: number;
  /** The corrupt and torn rows, as [start, end) byte ranges in file order. */
  damaged: Array<[number, number]>;
  metaBytes: number;
  oldestSequence: number | null;
  newestSequence: number | null;
}

/** The records of one file, as far as they are indexed. */
export interface FileRecords {
  readonly file: FormatFile;
  /** Records indexed so far (all of them once `complete`). */
  readonly count: number;
  /** Of `count`, the lines the format's program skips on replay (CLASS_IGNORED): rows, not records. */
  readonly ignoredCount: number;
  /** Whether every byte of the file (as big as it was when last looked at) is indexed. */
  readonly complete: boolean;
  /** Bytes of the file indexed so far. */
  readonly indexedBytes: number;
  /** The file's size when last looked at. */
  readonly fileSize: number;
  /** Changes whenever indexed records are dropped or replaced (file rewritten, damaged tail re-read): filters start again. */
  readonly generation: number;
  offsetAt(i: number): number;
  lengthAt(i: number): number;
  /** CLASS_* of record i. */
  classAt(i: number): number;
  /** The index of the record holding byte `offset` (or the first one after it); -1 when not indexed (yet) or past the end. */
  indexAt(offset: number): number;
  /** The records at `indices` (ascending) with key, sequence, sizes and CRCs (read from the file for native segments). */
  entries(indices: ArrayLike<number>): IndexEntry[];
  /** Calls `visit` for each record in [from, to) that has a key, with a view of the key bytes valid during the call. */
  forEachKey(from: number, to: number, visit: (i: number, key: Buffer) => void): void;
  /** Record i with its fields (decoded again from its own bytes for native segments). */
  detail(i: number): DecodedRecord;
  /** Resolves once `ready()` holds or the file is completely indexed (or after `maxMs`); indexing runs meanwhile. */
  waitFor(ready: () => boolean, maxMs?: number): Promise<void>;
  /** Resolves after the next indexing slice (at once when complete). */
  progressed(): Promise<void>;
  summary(): RecordSummary;
  /** Looks at the file again: appended bytes are indexed from where indexing stopped; a rewritten file from scratch. */
  refresh(): void;
  /** Indexing goes on in the background until the whole file is indexed. */
  start(): void;
  stop(): void;
}

/** How long one background slice may hold the event loop. */
const SLICE_MS = 8;

/** Waiting for indexing, shared by both kinds of file. */
export abstract class Progressing {
  private readonly waiters = new Waiters();
  private ticks: Array<() => void> = [];
  private running = false;
  protected stopped = false;
  abstract readonly complete: boolean;
  /** Indexes for about `ms`, stopping early when `wanted()` holds. */
  protected abstract advance(deadline: number, wanted: () => boolean): void;

  protected wanted = (): boolean => this.waiters.anyReady();

  private settle(): void {
    const ticks = this.ticks;
    this.ticks = [];
    for (const t of ticks) t();
    this.waiters.settle(this.complete || this.stopped);
  }

  /** Indexing goes on in the background until the file is complete. */
  start(): void {
    this.ensureRunning();
  }

  protected ensureRunning(): void {
    if (this.running || this.complete || this.stopped) return;
    this.running = true;
    void (async () => {
      try {
        while (!this.complete && !this.stopped) {
          this.advance(performance.now() + SLICE_MS, this.wanted);
          this.settle();
          await nextTick();
        }
      } finally {
        this.running = false;
        this.settle();
      }
    })();
  }

  waitFor(ready: () => boolean, maxMs = Infinity): Promise<void> {
    if (this.complete || this.stopped || ready()) return Promise.resolve();
    const answered = this.waiters.add(ready, maxMs);
    this.ensureRunning();
    return answered;
  }

  progressed(): Promise<void> {
    if (this.complete || this.stopped) return Promise.resolve();
    const p = new Promise<void>((resolve) => this.ticks.push(resolve));
    this.ensureRunning();
    return p;
  }

  stop(): void {
    this.stopped = true;
    this.settle();
  }
}

let generations = 0;

/** A new generation number for an index (FileRecords.generation). */
export function nextGeneration(): number {
  return ++generations;
}

export function summarize(records: FileRecords, sequenceAt: (i: number) => number | undefined, isRecord: (i: number) => boolean): RecordSummary {
  const s: RecordSummary = { bytes: 0, records: 0, putBytes: 0, tombstoneBytes: 0, uncommittedBytes: 0, corruptBytes: 0, damaged: [], metaBytes: 0, oldestSequence: null, newestSequence: null };
  for (let i = 0; i < records.count; i++) {
    const length = records.lengthAt(i);
    const cls = records.classAt(i);
    s.bytes += length;
    if (isRecord(i)) s.records++;
    if (cls === CLASS_CORRUPT || cls === CLASS_TORN) {
      s.corruptBytes += length;
      s.damaged.push([records.offsetAt(i), records.offsetAt(i) + length]);
    } else {
      const seq = sequenceAt(i);
      if (seq !== undefined) {
        s.oldestSequence = s.oldestSequence === null ? seq : Math.min(s.oldestSequence, seq);
        s.newestSequence = s.newestSequence === null ? seq : Math.max(s.newestSequence, seq);
      }
      if (cls & CLASS_UNCOMMITTED) s.uncommittedBytes += length;
      else if (cls === CLASS_PUT) s.putBytes += length;
      else if (cls === CLASS_DELETE) s.tombstoneBytes += length;
      else s.metaBytes += length;
    }
  }
  return s;
}
