/**
 * Public types of the storage engine. Everything the inspector and the CLI
 * need to know about a store, whatever its format, is declared here.
 *
 * Keys and values are bytes. Inside the engine a key is also carried as a
 * "key string": the same bytes decoded as latin1 (one char per byte), which
 * sorts exactly like the bytes and is cheap to hash. Use keyToString /
 * keyFromString in ./keys.ts to convert.
 */
import type { DeadSpace } from './dead-space.js';
import type { KeyList } from './key-list.js';

export type { KeyList };

export type FsyncPolicy = 'always' | 'batch' | 'never';

export interface OpenOptions {
  /** Open without the writer lock; never changes a byte on disk. Default false. */
  readOnly?: boolean;
  /** Create the directory and an empty store if missing. Default false. */
  create?: boolean;
  /** Rotate the active segment once it reaches this many bytes. Default 64 MiB. */
  segmentSize?: number;
  /** Durability policy. Default 'always'. */
  fsync?: FsyncPolicy;
  /**
   * Bytes of sealed segment files kept in memory for point reads (64 KiB
   * blocks; the CLOCK picks which goes when it is full). 0 turns the cache off. Default 256 MiB.
   */
  cacheBytes?: number;
  /**
   * Once random reads keep missing a cache with never-used room, read the
   * rest of the sealed segments into it from a worker thread, ahead of the
   * reads (never evicting anything). Default true; always off with a custom
   * `fs` (tests).
   */
  cacheWorker?: boolean;
  /** Compact automatically when dead bytes / total bytes of sealed segments exceeds this (0..1). Default: off. */
  autoCompactRatio?: number;
  /** Progress of the initial replay. */
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}

export interface Progress {
  phase: string;
  done: number;
  total: number;
}

/** Where a record lives. */
export interface RecordLocation {
  /** File name relative to the store root (e.g. "000003.kvs"). */
  file: string;
  segment: number;
  offset: number;
  /** Total record length in bytes. */
  length: number;
  sequence: number;
  /**
   * Set when the format carries no sequence numbers (some foreign ones): `sequence` is then the record's place
   * in the replay (1, 2, …), which orders versions but is not in the file (shown as "#N": shared/sequence-text.ts).
   */
  sequenceIsOrder?: true;
  /**
   * Set when the format's sequence is the writer's clock (Riak's tstamp, seconds since 1970): it orders versions
   * (the newest wins) but several may share one, so it is shown as a date and time, not a number (sequence-text.ts).
   */
  sequenceIsTimestamp?: true;
}

export interface ValueWithLocation {
  value: Buffer;
  location: RecordLocation;
}

/**
 * corrupt: the record the keydir holds as the key's live value, which no longer reads back intact.
 * unread: a sound record of another engine's file that its program never reads: it comes after
 * damage at which the program stops reading that file (mini-kvstore-v2 0.1 era; Riak without a
 * valid hint, after a damaged length). It takes no part in which version wins.
 */
export type VersionStatus = 'live' | 'shadowed' | 'tombstone' | 'corrupt' | 'unread';

export interface KeyVersion {
  location: RecordLocation;
  kind: 'put' | 'delete';
  valueLength: number;
  status: VersionStatus;
}

/** A key with no live value whose newest record is a tombstone: where it was deleted. */
export interface DeletedKey {
  /** Key string (latin1). */
  key: string;
  /** The key's newest tombstone. */
  deletedAt: RecordLocation;
}

export interface SegmentStats {
  file: string;
  segment: number;
  /** Bytes of the segment's data (its header and records): where the data ends. */
  bytes: number;
  /**
   * Bytes of the file, when it is longer than its data: it ends in zeros a syncing writer that is running
   * (or crashed) preallocated ahead of its appends (docs/FORMAT.md, "Preallocated space"). Absent otherwise.
   */
  fileBytes?: number;
  records: number;
  liveBytes: number;
  /** Bytes of records overwritten or deleted later. */
  staleBytes: number;
  tombstoneBytes: number;
  corruptBytes: number;
  /**
   * Bytes of sound records after damage at which the format's program stops reading the file (mini-kvstore-v2
   * b22e80f at a bad CRC, Riak where a damaged length lost its step): it never read them, so they are neither
   * live, stale nor tombstones to it. Foreign formats only; absent counts as 0.
   */
  unreadBytes?: number;
  hasHint: boolean;
  active: boolean;
  /** Sequence numbers of the segment's oldest and newest committed records (absent when it has none). */
  oldestSequence?: number;
  newestSequence?: number;
}

export interface StoreStats {
  format: string;
  keys: number;
  segments: number;
  /** Bytes of the segments' data (headers and records; not the preallocated zeros some file may end in: fileBytes). */
  totalBytes: number;
  liveBytes: number;
  /**
   * Bytes of records that are not live (stale, tombstones, damaged): what compaction drops. In a kvscope store,
   * segment headers are counted in neither (totalBytes = live + dead + 24 B a segment); another format's figures
   * count everything not live.
   */
  deadBytes: number;
  /** kvscope: segment headers (24 B a segment, an empty one included): totalBytes - liveBytes - deadBytes. Neither live nor dead. */
  overheadBytes?: number;
  /** kvscope: bytes of the data files on disk, when more than totalBytes (preallocated zeros: SegmentStats.fileBytes). */
  fileBytes?: number;
  /**
   * kvscope: (liveBytes + deadBytes) / liveBytes, bytes of records per byte of live records: 1 when every
   * record is live (compaction would reclaim nothing but headers of segments it merges). Infinity when no
   * record is live but some are dead, 1 when there are no records.
   */
  spaceAmplification: number;
  perSegment: SegmentStats[];
  /**
   * kvscope: where the segments' figures come from. 'records': the open read every segment's records (or this
   * process wrote or compacted them), so damage in them is counted (corruptBytes). 'index': some come from hint
   * files or the keydir image, which describe the records as they were written; damage since then is not
   * counted here (reading the records costs a scan of the store): verify and `kvscope segments` read them and
   * count it, and compaction stops at it (docs/FORMAT.md, "Damage after the fact").
   */
  figuresFrom?: 'records' | 'index';
  /**
   * Another engine's store whose format opens data files from hints: the
   * data files whose records the open read instead, and why (no hint, a hint
   * that does not check out or does not cover the file, or the open was
   * asked to read every data file: OpenForeignOptions.replayData).
   */
  recordsReadBecause?: Array<{ file: string; why: string }>;
}

export interface ScanOptions {
  prefix?: Uint8Array;
  /** Inclusive lower bound. */
  start?: Uint8Array;
  /** Exclusive upper bound. */
  end?: Uint8Array;
  limit?: number;
  /** scan(): stop once the values gathered add up to this many bytes (after at least one entry). */
  maxValueBytes?: number;
  reverse?: boolean;
  /**
   * forEachEntry: a key whose record cannot be read (its checksum fails, its
   * bytes are gone) goes here and the scan goes on; without it, the error is
   * thrown and the scan stops.
   */
  onUnreadable?: (key: Buffer, err: Error) => void;
}

export interface Problem {
  file: string;
  offset: number;
  kind:
    | 'bad-crc'
    | 'torn-tail'
    | 'impossible-length'
    | 'bad-header'
    | 'bad-hint'
    | 'stale-hint'
    | 'hint-mismatch'
    | 'duplicate-sequence'
    | 'out-of-order-sequence'
    | 'incomplete-batch'
    | 'unreadable';
  /** Bytes affected, when known. */
  length?: number;
  message: string;
  /** The key of the damaged record (or of the hint entry or keydir key that is wrong), when it can be told. */
  key?: DamagedKey;
  /** For a damaged region whose headers' lengths show it holds several records side by side: how many (the key is the first's). */
  records?: number;
}

/**
 * Which key a damaged record belonged to. `from` says how sure that is:
 * record: the key as its bytes read in the damaged record (its header's lengths plausible, the key inside the
 *   damaged bytes); the checksum that fails does not vouch for it.
 * keydir: the keydir's key for this record (the keydir image holds that key at the record's place);
 * hint: a hint entry's key for this record (the entry points at the record's place).
 * The last two are known for sure to have pointed there, whatever the record's bytes now read.
 */
export interface DamagedKey {
  /** Key string (latin1). */
  key: string;
  from: 'record' | 'keydir' | 'hint';
}

export interface VerifyReport {
  ok: boolean;
  filesChecked: number;
  recordsChecked: number;
  problems: Problem[];
}

export interface RecoveryReport {
  /** Torn tails found (and cut off when opened for writing). */
  tornTails: Problem[];
  /** Corrupt records skipped during replay. */
  skipped: Problem[];
  /** Hints that were missing, stale or corrupt, so the segment was scanned. */
  hintFallbacks: string[];
  /** A stale lock that was taken over, with the dead pid. */
  staleLockTakenOver?: number;
  /** A compaction interrupted by a crash that was finished or rolled back. */
  compactionRecovered?: 'rolled-forward' | 'rolled-back';
}

export interface CompactResult {
  segmentsBefore: number;
  segmentsAfter: number;
  bytesBefore: number;
  bytesAfter: number;
  reclaimedBytes: number;
  recordsDropped: number;
  inputSegments: number[];
  outputSegments: number[];
  /**
   * The data file writes go to, when it holds no record: never an input (a compaction would only make it
   * again), and below the outputs' ids when the compaction started it. Said, so that an empty segment left
   * after a compaction is not taken for one it forgot.
   */
  emptyActive?: string;
}

export type BatchOp =
  | { type: 'put'; key: Uint8Array | string; value: Uint8Array | string }
  | { type: 'delete'; key: Uint8Array | string };

/**
 * What every opened store offers, native or foreign. The inspector works
 * against this; the native Store adds writes.
 */
export interface BrowsableStore {
  readonly dir: string;
  readonly format: string;
  readonly readOnly: boolean;
  keyCount(): number;
  /** All live keys as key strings (latin1), sorted bytewise. Cached until the next write. */
  sortedKeys(): readonly string[];
  /** The same keys in no particular order, without sorting them (the first window of a big store needs no full sort). */
  unorderedKeys?(): Iterable<string>;
  /** The n smallest keys, sorted, and how many keys there are, in one pass without a full sort. */
  smallestKeys?(n: number): { keys: string[]; count: number };
  /** The sorted keys read by position, without a string per key (a store with millions of keys offers this). */
  sortedKeyList?(): KeyList;
  /** sortedKeyList() computed in steps, awaiting `pause` between them (for a server that must keep answering). */
  sortedKeyListInSteps?(pause: () => Promise<void>): Promise<KeyList>;
  has(key: Uint8Array | string): boolean;
  locate(key: Uint8Array | string): RecordLocation | undefined;
  /**
   * Where the engine stops reading data file `file`, for a format whose
   * program stops a file at damage (see VersionStatus 'unread'): sound
   * records from this offset on are never read. undefined when it reads the
   * whole file (and for kvscope's own stores).
   */
  unreadFrom?(file: string): number | undefined;
  /** Whether the open took data file `file`'s figures from an index (a hint), without reading its records. */
  figuresFromIndex?(file: string): boolean;
  /** Bytes of data file `file`'s live records that start within the [start, end) ranges. */
  liveBytesWithin?(file: string, ranges: readonly (readonly [number, number])[]): number;
  get(key: Uint8Array | string): Promise<Buffer | undefined>;
  getWithLocation(key: Uint8Array | string): Promise<ValueWithLocation | undefined>;
  history(key: Uint8Array | string): Promise<KeyVersion[]>;
  /**
   * The deleted keys (no live value, a tombstone as their newest record), sorted bytewise, each with its
   * newest tombstone. Not kept by the open: found when asked for (a native store reads its hints, or the
   * records of a segment without one).
   */
  deletedKeys(opts?: { onProgress?: (p: Progress) => void; signal?: AbortSignal }): Promise<DeletedKey[]>;
  /** Dead bytes (overwritten puts, tombstones) by key and prefix: a native store reads every segment, a foreign one its version table. */
  deadSpace(opts?: { onProgress?: (p: Progress) => void; signal?: AbortSignal }): Promise<DeadSpace>;
  stats(): StoreStats;
  verify(opts?: { onProgress?: (p: Progress) => void; signal?: AbortSignal }): Promise<VerifyReport>;
  close(): Promise<void>;
}
