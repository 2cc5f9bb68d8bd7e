/**
 * The ONE contract for everything that crosses a process boundary: method
 * names, request schemas (validated at runtime with zod), response types and
 * the event messages pushed while jobs run. Main, preload, renderer and the
 * browser host all derive their channels and types from this file.
 *
 * Keys travel as "key strings": the key bytes decoded as latin1, one char per
 * byte (so JSON carries arbitrary bytes and the strings sort bytewise).
 */
import { z } from 'zod';
import type { ApiErrorShape } from './errors.js';
import { METHOD_NAMES, type MethodName } from './methods.js';

export { METHOD_NAMES, IPC_PREFIX, IPC_EVENT_CHANNEL, ipcChannel, type MethodName } from './methods.js';
export type { ApiErrorShape } from './errors.js';
export type { ByteRange, DiffHunk, DiffLine, ValueDiff } from './value-diff.js';
import type { ValueDiff } from './value-diff.js';

// ---------------------------------------------------------------- limits

export { LIMITS, TOKEN_HEADER } from './limits.js';
import { LIMITS } from './limits.js';
import { RECORD_ROW_STATUSES } from './record-status.js';
import type { DamagedKeyFrom } from './damaged-key.js';
export { RECORD_ROW_STATUSES } from './record-status.js';

// ---------------------------------------------------------------- primitives

/**
 * A directory path: bounded, no NUL byte, absolute or starting with `~` (the home directory: `~` or `~/…`). The
 * service resolves `~`, `.` and `..` (inspector/paths.ts): an absolute path may name any directory anyway, so a
 * `..` segment reaches nothing more. (A file name inside a store, FileNameSchema, is what must not escape: it
 * still refuses `..`.)
 */
export const PathSchema = z
  .string()
  .min(1, 'path is empty')
  .max(LIMITS.pathChars, `path is longer than ${LIMITS.pathChars} characters`)
  .refine((p) => !p.includes('\0'), 'path contains a NUL byte')
  .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || /^~([\\/]|$)/.test(p), 'path must be absolute (or start with ~/)');

/** A key string: latin1, one char per byte. The empty key is a key like any other (formats allow it). */
export const KeySchema = z
  .string()
  .max(LIMITS.keyChars, `key is longer than ${LIMITS.keyChars} bytes`)
  // eslint-disable-next-line no-control-regex
  .refine((k) => /^[\u0000-\u00ff]*$/.test(k), 'key string must be latin1 (one char per byte)');

export const SessionIdSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'malformed session id');
export const JobIdSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'malformed job id');
export const FormatIdSchema = z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9._-]*$/, 'malformed format id');
const Base64Schema = z
  .string()
  .max(LIMITS.valueBase64Chars, 'value is too large')
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'value is not base64');

export const FilterModeSchema = z.enum(['prefix', 'substring', 'glob']);
export type FilterMode = z.infer<typeof FilterModeSchema>;

export const FilterSchema = z.strictObject({
  mode: FilterModeSchema,
  pattern: z.string().max(LIMITS.patternChars, 'filter is too long'),
});
export type KeyFilter = z.infer<typeof FilterSchema>;

export const DelimiterSchema = z.enum([':', '/']);
export type Delimiter = z.infer<typeof DelimiterSchema>;

const session = { sessionId: SessionIdSchema };

/** A file of the open store, relative to its root ('/' separators, no '..', not absolute). */
export const FileNameSchema = z
  .string()
  .min(1, 'file name is empty')
  .max(1024, 'file name is too long')
  .refine((p) => !p.includes('\0'), 'file name contains a NUL byte')
  .refine((p) => !p.startsWith('/') && !p.includes('\\'), 'file name must be relative to the store')
  .refine((p) => !p.split('/').includes('..'), 'file name contains a ".." segment');

const FileOffsetSchema = z.number().int().min(0).max(2 ** 40);

export const RecordRowStatusSchema = z.enum(RECORD_ROW_STATUSES);
export type RecordRowStatus = z.infer<typeof RecordRowStatusSchema>;

export const DamageSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('tear'), file: FileNameSchema, offset: FileOffsetSchema }),
  z.strictObject({
    kind: z.literal('flip'),
    file: FileNameSchema,
    offset: FileOffsetSchema,
    /** XOR mask applied to the byte at offset (1..255), or to consecutive bytes when more are given. */
    mask: z.array(z.number().int().min(1).max(255)).min(1).max(64),
  }),
]);
export type Damage = z.infer<typeof DamageSchema>;

/**
 * One version of a key, named as its history names it: the record at `offset` of `file`, or the key's live value
 * (whichever record that is now).
 */
export const VersionRefSchema = z.union([
  z.strictObject({ file: FileNameSchema, offset: FileOffsetSchema }),
  z.strictObject({ live: z.literal(true) }),
]);
export type VersionRef = z.infer<typeof VersionRefSchema>;

// ---------------------------------------------------------------- requests

export const requestSchemas = {
  openStore: z.strictObject({
    path: PathSchema,
    format: FormatIdSchema.optional(),
    readWrite: z.boolean().optional(),
  }),
  closeStore: z.strictObject({ ...session }),
  setMode: z.strictObject({ ...session, readWrite: z.boolean() }),
  listKeys: z.strictObject({
    ...session,
    filter: FilterSchema.optional(),
    offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    limit: z.number().int().min(0).max(LIMITS.windowMax),
    /** A key to find in the (filtered) list: the answer says where it is (`found`), to scroll to it. */
    find: KeySchema.optional(),
  }),
  keyTree: z.strictObject({
    ...session,
    delimiter: DelimiterSchema,
    /** Key-string prefix of the branch to expand ('' = root). */
    prefix: z.string().max(LIMITS.keyChars),
    filter: FilterSchema.optional(),
    /**
     * The tree of the deleted keys (as deletedKeys lists them) instead of the live ones. Waits for them to be
     * found (started if need be); a search cancelled meanwhile is ABORTED.
     */
    deleted: z.literal(true).optional(),
  }),
  /**
   * The `limit` largest live values of the keys the key list shows (`filter` applied), largest first (ties in key
   * order): each key with its record's bytes on disk (header, key and value, as the key tree sums them) and where
   * that record is. Picked in one pass over the keys' sizes, no sort of them all.
   */
  largestValues: z.strictObject({
    ...session,
    filter: FilterSchema.optional(),
    limit: z.number().int().min(1).max(LIMITS.largestValuesMax),
  }),
  /**
   * The live value of `key`, or the window of it from `offset` (default 0) of at most `maxBytes`. `offset` may be
   * at most the value's size: exactly at the end answers an empty window (truncated false); past it is BAD_REQUEST
   * with `details: { offset, size }`. A key without a live value answers found false, whatever the offset.
   */
  getValue: z.strictObject({
    ...session,
    key: KeySchema,
    offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    maxBytes: z.number().int().min(0).max(LIMITS.valueWindowMax).optional(),
  }),
  putValue: z.strictObject({ ...session, key: KeySchema, valueBase64: Base64Schema }),
  deleteKey: z.strictObject({ ...session, key: KeySchema }),
  history: z.strictObject({ ...session, key: KeySchema }),
  /**
   * A window of the deleted keys (no live value, a tombstone as their newest record), sorted and filtered like
   * listKeys. The store does not keep them: the first request starts finding them (a kvscope store reads its
   * hints, or the records of a segment without one) and waits a moment; until that is done the answer is
   * `complete: false` with `progress`: ask again. `cancel: true` stops the search (the next request starts it again).
   */
  deletedKeys: z.strictObject({
    ...session,
    filter: FilterSchema.optional(),
    offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    limit: z.number().int().min(0).max(LIMITS.windowMax),
    find: KeySchema.optional(),
    cancel: z.literal(true).optional(),
  }),
  stats: z.strictObject({ ...session }),
  compact: z.strictObject({ ...session }),
  /**
   * Cancels a running job: `cancelled: true`, and the job ends with job-failed ABORTED. A job that already ended
   * answers `cancelled: false`; an id of no job this inspector started is NO_JOB (HTTP 404).
   */
  cancelJob: z.strictObject({ jobId: JobIdSchema }),
  listRecent: z.strictObject({}),
  addRecent: z.strictObject({ path: PathSchema, format: FormatIdSchema.optional() }),
  formats: z.strictObject({}),
  /** Native directory picker; only the Electron shell implements it (the host answers NOT_SUPPORTED). */
  chooseDirectory: z.strictObject({ title: z.string().max(200).optional() }),
  /**
   * Native file picker, as chooseDirectory only the Electron shell's: 'save' names a file to write (Export keys…;
   * a file already there is still the service's question), 'open' picks one file to read (Import JSON Lines…).
   * `path: null` when the person cancels.
   */
  chooseFile: z.strictObject({ mode: z.enum(['save', 'open']), title: z.string().max(200).optional() }),
  /** Every data and hint file with its byte breakdown (decodes each file once per session). */
  segments: z.strictObject({ ...session }),
  /**
   * A page of the records of one file, optionally filtered by key substring and status. A file the store does
   * not have (any more: a compaction removes the files it merges) is NOT_FOUND with `details: { file }`, here
   * and in recordAt, readBytes and recordValue.
   */
  records: z.strictObject({
    ...session,
    file: FileNameSchema,
    start: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    limit: z.number().int().min(1).max(LIMITS.recordWindowMax),
    key: z.string().max(LIMITS.patternChars, 'filter is too long').optional(),
    status: RecordRowStatusSchema.optional(),
  }),
  /** The record holding byte `offset` of a file (or the next one), with its fields. */
  recordAt: z.strictObject({ ...session, file: FileNameSchema, offset: FileOffsetSchema }),
  /** Raw bytes of a file, for the hex pane. */
  readBytes: z.strictObject({
    ...session,
    file: FileNameSchema,
    offset: FileOffsetSchema,
    length: z.number().int().min(1).max(LIMITS.bytesWindowMax),
  }),
  /** The value bytes of the record at `offset` of `file` (any version, not only the live one). */
  recordValue: z.strictObject({
    ...session,
    file: FileNameSchema,
    offset: FileOffsetSchema,
    maxBytes: z.number().int().min(0).max(LIMITS.valueWindowMax).optional(),
  }),
  /**
   * What changed from version `from` of `key` to version `to` (DiffVersionsResponse): a line diff of text, of the
   * indented form of JSON, the differing byte ranges of binary values; neither above a size limit; a version that
   * fails its checks is said, not diffed. A version its history does not list is NOT_FOUND, a tombstone BAD_REQUEST.
   */
  diffVersions: z.strictObject({
    ...session,
    key: KeySchema,
    from: VersionRefSchema,
    to: VersionRefSchema,
    /** Lines of context around each change (default 3). */
    context: z.number().int().min(0).max(100).optional(),
  }),
  /** Put the value of an old version of `key` again (a new record; native read-write only). */
  restoreVersion: z.strictObject({ ...session, key: KeySchema, file: FileNameSchema, offset: FileOffsetSchema }),
  /** Starts a verify job; its report comes with job-done (kind 'verify'). */
  verify: z.strictObject({ ...session }),
  /**
   * Starts a job finding where the dead space is: every record that is not live (an overwritten put, a tombstone)
   * counted against its key (a kvscope store's segments are read whole; another engine's versions are known), the
   * keys under `prefix` grouped `depth` levels of `delimiter` down (default ':' and 1), the `limit` branches and
   * the `limit` keys with the most dead bytes. Its result comes with job-done (kind 'dead-space').
   */
  deadSpace: z.strictObject({
    ...session,
    prefix: KeySchema.optional(),
    delimiter: z.enum([':', '/']).optional(),
    depth: z.number().int().min(1).max(100).optional(),
    limit: z.number().int().min(1).max(LIMITS.deadSpaceMax),
  }),
  /** Writes a repaired copy of the store to `to` (missing or empty); never touches the original. */
  repair: z.strictObject({ ...session, to: PathSchema }),
  /** Copies the store (to `to`, or a new temporary directory), damages the copy, reopens it and compares. */
  crashLab: z.strictObject({ ...session, to: PathSchema.optional(), damage: DamageSchema }),
  /** Follow another process's writes (read-only native sessions): events 'follow-changes'. */
  follow: z.strictObject({ ...session, enabled: z.boolean() }),
  /**
   * Starts a job copying the store's live keys (any format) into a new kvscope store at `to`, a directory that is
   * missing or empty and neither the store's nor inside it (else BAD_REQUEST, before any job). The store is only
   * read. Its result comes with job-done (kind 'copy'); a copy cancelled or failed removes the directory it
   * created (or empties again the empty one it was given).
   */
  copyStore: z.strictObject({ ...session, to: PathSchema }),
  /**
   * Starts a job writing the live keys the key list shows (`filter` applied) with their values to the file `path`,
   * as JSON Lines, byte for byte what `kvscope export` writes. A file already there is BAD_REQUEST with
   * `details: { exists: true }` unless `overwrite`; a directory, a missing parent or a path inside the store's
   * directory is BAD_REQUEST or NOT_FOUND, before any job. Its result comes with job-done (kind 'export'); the
   * file appears once whole: an export cancelled or failed leaves `path` as it was.
   */
  exportKeys: z.strictObject({ ...session, filter: FilterSchema.optional(), path: PathSchema, overwrite: z.literal(true).optional() }),
  /**
   * Starts a job importing the JSON Lines file `path` (what exportKeys and `kvscope export` write) into the open
   * kvscope store, read-write only, as `kvscope import FILE` does: every line is checked first, and a bad one
   * imports nothing (the job fails BAD_REQUEST naming the line, `details: { line }`); then the lines are written
   * in atomic batches. Cancelled while checking, nothing is imported (ABORTED); while writing, the whole batches
   * written stay and the job ends done with `interrupted: true`, saying through which line.
   */
  importFile: z.strictObject({ ...session, path: PathSchema }),
} satisfies Record<MethodName, z.ZodType>;

// ---------------------------------------------------------------- responses

export interface Location {
  file: string;
  segment: number;
  offset: number;
  length: number;
  sequence: number;
  /** Set when the format carries no sequence numbers: `sequence` is the record's place in the replay (sequence-text.ts). */
  sequenceIsOrder?: true;
  /** Set when the format's sequence is the writer's clock: `sequence` is seconds since 1970, shown as a date and time. */
  sequenceIsTimestamp?: true;
}

export interface SessionInfo {
  sessionId: string;
  path: string;
  /** Directory the format's files live in (may be a subfolder of path). */
  root: string;
  format: string;
  /** Whether this format can be written at all (only the native one). */
  writable: boolean;
  /** When writable is false: why, and what to do about it, in words for a person. */
  notWritableReason?: string;
  readOnly: boolean;
  keyCount: number;
  detection: { format: string; confidence: number; reason: string };
  /** Problems found while opening, in one line each (torn tails, skipped records): the terse lines the CLI prints. */
  warnings: string[];
  /** What the open found and did, in plain words for a person: damage that may have cost data, and notes. */
  openReport: OpenReportItem[];
}

/**
 * One thing the open found or did, said for a person. problem: damage that may have cost committed keys or
 * versions (a record skipped, a file that cannot be read). note: how the open went, nothing lost (a hint or the
 * keydir image not used, a crash's unfinished last write, an interrupted compaction finished, a stale lock).
 */
export interface OpenReportItem {
  kind: 'problem' | 'note';
  text: string;
  /** The technical line behind it (the CLI's), for who wants the particulars. */
  detail?: string;
}

export interface KeyEntry {
  /** Key string (latin1 of the bytes). */
  key: string;
  /** Printable form: UTF-8 when valid and printable, else escaped (\xNN). */
  display: string;
  hex: string;
  /** Whether display is the key's plain UTF-8 text (no escapes needed). */
  printable: boolean;
}

export interface ListKeysResponse {
  total: number;
  /** Live keys in the store, ignoring the filter. */
  unfilteredTotal: number;
  offset: number;
  keys: KeyEntry[];
  /** With `find`: that key's position in the (filtered) list, or -1 when the list does not hold it. */
  found?: number;
}

export interface DeletedKeyEntry extends KeyEntry {
  /** The key's newest tombstone: where it was deleted. */
  deletedAt: Location;
}

export interface DeletedKeysResponse {
  /** False while the deleted keys are still being found (or the search was cancelled): the rest is empty then. */
  complete: boolean;
  /** While not complete: bytes of the store's files read so far, of total. */
  progress?: { done: number; total: number };
  /** The search was cancelled (by this request or an earlier one); asking again without `cancel` starts it again. */
  cancelled?: true;
  total: number;
  /** Deleted keys in the store, ignoring the filter. */
  unfilteredTotal: number;
  offset: number;
  keys: DeletedKeyEntry[];
  /** With `find`: that key's position in the (filtered) list, or -1 when the list does not hold it. */
  found?: number;
}

export interface TreeNode {
  /** The segment after the parent's prefix, escaped for display. */
  label: string;
  /** Key-string prefix of this node (for a branch it ends with the delimiter). */
  prefix: string;
  kind: 'branch' | 'key';
  /** Keys at or below this node. */
  count: number;
  /**
   * Bytes on disk of the live records at or below this node (header, key and value, as the format counts a
   * record: their sum over the whole tree is the store's live bytes). Absent in the deleted keys' tree.
   */
  bytes?: number;
}

export interface KeyTreeResponse {
  prefix: string;
  nodes: TreeNode[];
  truncated: boolean;
}

export interface LargeValue extends KeyEntry {
  /** Bytes of the key's live record on disk (header, key and value). */
  bytes: number;
  location: Location;
}

export interface LargestValuesResponse {
  /** Keys the filter keeps (all live keys without one): what the values were picked from. */
  total: number;
  values: LargeValue[];
}

export interface GetValueResponse {
  key: string;
  found: boolean;
  /** Full value length in bytes. */
  size: number;
  /** Where the returned bytes start in the value (the request's offset). */
  offset: number;
  /** Bytes [offset, offset + returned) of the value, base64. */
  base64: string;
  /** Whether bytes of the value follow the returned ones (offset + returned < size): ask again from there to read on. */
  truncated: boolean;
  location?: Location;
}

export interface PutValueResponse {
  location?: Location;
  keyCount: number;
}

export interface DeleteKeyResponse {
  deleted: boolean;
  keyCount: number;
}

export interface VersionInfo {
  location: Location;
  kind: 'put' | 'delete';
  valueLength: number;
  /**
   * corrupt: the record the keydir holds as the key's live value fails its checksum (its value cannot be read).
   * unread: after damage at which another engine's program stops reading the file: it never read this version.
   */
  status: 'live' | 'shadowed' | 'tombstone' | 'corrupt' | 'unread';
}

export interface HistoryResponse {
  key: string;
  versions: VersionInfo[];
}

export interface DiffSide {
  /** Named as the live value. */
  live: boolean;
  location: Location;
  size: number;
  /** The version fails its checks: how (its value is not compared). */
  corrupt?: string;
}

export interface DiffVersionsResponse extends ValueDiff {
  key: string;
  from: DiffSide;
  to: DiffSide;
}

export interface SegmentInfo {
  file: string;
  segment: number;
  bytes: number;
  records: number;
  liveBytes: number;
  staleBytes: number;
  tombstoneBytes: number;
  corruptBytes: number;
  active: boolean;
}

export interface StatsResponse {
  format: string;
  keys: number;
  segments: number;
  totalBytes: number;
  liveBytes: number;
  /** Records that are not live (stale, tombstones, damaged): what compaction drops. */
  deadBytes: number;
  /** kvscope: segment headers (24 B a segment, an empty one included), neither live nor dead. */
  overheadBytes?: number;
  /** kvscope: bytes of the data files on disk, when more than totalBytes (zeros a syncing writer preallocated). */
  fileBytes?: number;
  /**
   * Bytes of records per byte of live records ((live + dead) / live in a kvscope store: 1 when every record
   * is live); null when there are no live bytes but some dead ones.
   */
  spaceAmplification: number | null;
  /**
   * kvscope: 'index' when some figures come from hint files or the keydir image, which describe the records
   * as written: damage since is not counted here (Verify and the Segments view read the records).
   */
  figuresFrom?: 'records' | 'index';
  /**
   * Another engine's store whose format opens data files from hints (Riak): the data files whose records the open
   * read instead of taking their keys from the hint, and why (no hint; a hint that does not check out or cover it).
   */
  recordsReadBecause?: Array<{ file: string; why: string }>;
  perSegment: SegmentInfo[];
  /** What compaction would do now; absent for read-only formats. */
  compactionPlan?: CompactionPlanInfo;
}

export interface CompactSummary {
  /** What compactionPlan() said just before the compaction started. */
  planned?: CompactionPlanInfo;
  inputSegments: number[];
  outputSegments: number[];
  segmentsBefore: number;
  segmentsAfter: number;
  bytesBefore: number;
  bytesAfter: number;
  reclaimedBytes: number;
  recordsDropped: number;
}

/** A branch (its prefix ends with the delimiter) or a key, with the dead bytes of the keys under it. */
export interface DeadSpaceBranch {
  /** Key string (latin1) of the prefix, and its printable form. */
  prefix: string;
  display: string;
  kind: 'branch' | 'key';
  /** Keys under it with dead records. */
  keys: number;
  deadBytes: number;
  deadRecords: number;
}

/** A key with dead records: its overwritten puts and tombstones, and whether it is live now. */
export interface DeadSpaceKey {
  key: string;
  display: string;
  deadBytes: number;
  overwritten: number;
  tombstones: number;
  live: boolean;
  /** Its versions in the log (its dead records, and its live one). */
  versions: number;
}

export interface DeadSpaceResult {
  prefix: string;
  delimiter: ':' | '/';
  depth: number;
  /** Under `prefix`: keys with dead records, their dead bytes and records. */
  keys: number;
  deadBytes: number;
  deadRecords: number;
  /** The whole store's: of overwritten puts and of tombstones. */
  overwrittenBytes: number;
  tombstoneBytes: number;
  /** Damaged records (no key's dead bytes) and a foreign format's records after damage its program never reads. */
  damagedBytes: number;
  unreadBytes: number;
  /** The branches with the most dead bytes, most first (at most `limit`), and how many there are. */
  branches: DeadSpaceBranch[];
  branchCount: number;
  /** The keys with the most dead bytes, most first (at most `limit`). */
  topKeys: DeadSpaceKey[];
}

export interface StartJobResponse {
  jobId: string;
}

export interface RecentEntry {
  path: string;
  format?: string;
  /** ISO time. */
  openedAt: string;
}

export interface RecentResponse {
  entries: RecentEntry[];
}

export interface FormatInfo {
  id: string;
  title: string;
  writable: boolean;
}

export interface SegmentFileInfo {
  file: string;
  /** keydir: the native keydir image (KEYDIR). */
  role: 'data' | 'hint' | 'keydir';
  id: number;
  bytes: number;
  records: number;
  liveBytes: number;
  staleBytes: number;
  tombstoneBytes: number;
  corruptBytes: number;
  /** Headers, hint entries, trailers, preallocated space: bytes that are not key versions. */
  metaBytes: number;
  /**
   * Bytes of sound records after damage at which the format's program stops reading the file (mini-kvstore-v2
   * b22e80f at a bad CRC): it never read them, so they are not counted live, stale or tombstones. Absent: none.
   */
  unreadBytes?: number;
  /**
   * A data file of a format that opens data files from hints (Riak) whose records the open read instead of taking
   * its keys from its hint: why (it has none; its hint does not check out, or does not describe the file to its end).
   */
  readInsteadOfHint?: string;
  oldestSequence: number | null;
  newestSequence: number | null;
  /** Set when the format's sequences are the writer's clock (seconds since 1970): the range is a span of time. */
  sequenceIsTimestamp?: true;
  active: boolean;
  /**
   * The name is in the directory but cannot be read as a file (a symbolic link
   * to nothing or looping, a directory, permission denied): why, in a few
   * words. Its figures are 0, and the record table cannot show it; the open
   * warned that its records were not read.
   */
  unreadable?: string;
}

export interface CompactionPlanInfo {
  inputSegments: number[];
  recordsToDrop: number;
  bytesToReclaim: number;
  /** The data file writes go to, when it holds no record (never an input: compacting it would only make it again). */
  emptyActive?: string;
  /**
   * Damage in an input at which a compaction would stop: refused at once (`starts` false: the open saw it),
   * or stopped before its commit (`starts` true: found when the records were read). Repair makes a clean copy.
   */
  stops?: { file: string; offset: number; reason: string; starts: boolean };
}

export interface SegmentsResponse {
  format: string;
  files: SegmentFileInfo[];
  compactionPlan?: CompactionPlanInfo;
  /**
   * A committed compaction a crash interrupted: its outputs (files still
   * named *.compacting) are read in place of these segments, which the next
   * writer deletes (they are not among `files`).
   */
  unfinishedCompaction?: { replacedSegments: string[] };
  /**
   * A compaction that has not reached its commit: its files (*.compacting, a
   * manifest not yet renamed), which no reader reads. Interrupted (a crash, a
   * kill: the next writer deletes them) when no live writer holds the lock;
   * else under way in that writer (`writerPid`).
   */
  uncommittedCompaction?: { files: { file: string; bytes: number }[]; bytes: number; writerPid: number | null };
}

export interface FieldInfo {
  name: string;
  role: string;
  start: number;
  end: number;
  display: string;
  explain: string;
}

export interface RecordRow {
  /** Position in the file's unfiltered record list. */
  index: number;
  offset: number;
  length: number;
  /** note: a row of no bytes that is no record (a text log's missing final newline, said in `problem`). */
  kind: 'put' | 'delete' | 'header' | 'hint' | 'slot' | 'section' | 'trailer' | 'garbage' | 'note';
  status: RecordRowStatus;
  sequence?: number;
  /** Set with `sequence` when the format's sequence is the writer's clock (seconds since 1970, sequence-text.ts). */
  sequenceIsTimestamp?: true;
  /** Key string (latin1) and its escaped display form. */
  key?: string;
  keyDisplay?: string;
  valueLength?: number;
  storedCrc?: number;
  computedCrc?: number;
  /** For corrupt and torn rows: why, in one sentence. */
  problem?: string;
  /** For corrupt and torn rows: the key the record belonged to, where one can be told. */
  damagedKey?: DamagedKeyInfo;
  /** For a row that holds no key (preallocated space, an image's hash table, a free slot): what it is, shown where a key would be. */
  label?: string;
}

/** A row of the record table that holds no record (RecordsResponse.frameRows). */
export type FrameRow = 'header' | 'trailer' | 'missing-newline note';

export interface RecordsResponse {
  file: string;
  fileSize: number;
  /** Rows matching the filter found so far (all of them once `complete`). */
  total: number;
  /** Records of the file indexed so far. */
  unfilteredTotal: number;
  /**
   * Rows of unfilteredTotal that frame the file rather than hold a record: its header (first row: a kvscope
   * segment's first 24 bytes, a hint's header) and trailer (last row, once `complete`: a hint's), or the note of
   * no bytes a text log ends with when its last line has no '\n' (last row, once `complete`; the line before it is
   * a record, applied). The segments view and verify do not count them, so the table says "965 records + header"
   * and "12 records + missing-newline note".
   */
  frameRows: FrameRow[];
  /**
   * Rows of unfilteredTotal (none of them frameRows) that hold a line the format's program reads and skips on
   * replay (status 'ignored': tiny-log-kv's "SET empty ", a "DEL" of a key with a space): no records either, as the
   * segments view and verify count, so the table says "5 records + 3 ignored lines".
   */
  ignoredRows: number;
  start: number;
  /** Fewer than asked for only at the end, or while not `complete`. */
  rows: RecordRow[];
  /**
   * False while the file is still being indexed (a large segment is indexed in
   * the background) or the filter is still scanning: total and unfilteredTotal
   * only grow until it is true; ask again to see more.
   */
  complete: boolean;
  /** Bytes of the file indexed so far (fileSize once the whole file is). */
  indexedBytes: number;
  /** With a filter: records of the index the filter has looked at so far. */
  scanned?: number;
}

export interface RecordDetail extends RecordRow {
  valueOffset?: number;
  fields: FieldInfo[];
}

export interface RecordAtResponse {
  file: string;
  /** null when the offset is past the last record. */
  record: RecordDetail | null;
  /** Records of the file indexed so far (the file is indexed at least up to the record). */
  indexedRecords: number;
  complete: boolean;
}

export interface BytesResponse {
  file: string;
  fileSize: number;
  offset: number;
  base64: string;
}

export interface ProblemInfo {
  file: string;
  offset: number;
  kind: string;
  length?: number;
  message: string;
  /** The key of the damaged record (or of the hint entry or keydir key that is wrong), where one can be told. */
  damagedKey?: DamagedKeyInfo;
}

/**
 * The key a damaged record belonged to (shared/damaged-key.ts words it). from: 'record', the key as its bytes read
 * (no checksum vouches for it); 'keydir' or 'hint', the key the keydir or a hint entry holds at the record's place.
 */
export interface DamagedKeyInfo {
  /** Key string (latin1) and its escaped display form. */
  key: string;
  display: string;
  from: DamagedKeyFrom;
  /** In a verify report: the key has a live value now, or is deleted (its newest record a tombstone); absent: neither (nothing to go to). */
  state?: 'live' | 'deleted';
}

export interface VerifyResult {
  ok: boolean;
  filesChecked: number;
  recordsChecked: number;
  problems: ProblemInfo[];
}

export interface LostRegion {
  file: string;
  offset: number;
  length: number;
  reason: string;
}

/** A data file a repair left out of its copy because it never held a record (a segment whose creation was cut short). */
export interface RemovedFile {
  file: string;
  /** Its size in bytes. */
  length: number;
  reason: string;
}

export interface RepairResult {
  source: string;
  target: string;
  format: string;
  /** 'replay': every committed native record rewritten in sequence order; 'live-import': the live keys copied (foreign formats). */
  method: 'replay' | 'live-import';
  recordsWritten: number;
  keys: number;
  lostRegions: LostRegion[];
  lostBytes: number;
  /** Records known to be lost (incomplete batches); bytes in lost regions may have held more. */
  lostRecords: number;
  removedFiles: RemovedFile[];
  /** Live keys the damaged store listed; those the copy lacks (display form, capped) and how many. */
  keysBefore: number;
  lostKeys: string[];
  lostKeyCount: number;
  notes: string[];
}

export interface KeyChange {
  key: string;
  display: string;
  before: number;
  after: number;
}

export interface CrashLabResult {
  copyDir: string;
  damage: Damage;
  format: string;
  keysBefore: number;
  keysAfter: number;
  /** Keys present before the damage and missing after recovery (display form, capped). */
  lost: string[];
  lostCount: number;
  /** Keys whose value differs after recovery (an older version came back, say). */
  changed: KeyChange[];
  changedCount: number;
  /** Keys that only exist after recovery. */
  appeared: string[];
  appearedCount: number;
  /** What reopening the copy reported (torn tails cut, records skipped), one terse line each. */
  recovery: string[];
  /** The same in plain words, as the open report says them (problems first, then notes), each line its detail. */
  recoveryReport: OpenReportItem[];
  /** What verify reports on the damaged copy. */
  problems: ProblemInfo[];
}

export interface CopyResult {
  /** The directory of the store copied, and its format. */
  source: string;
  format: string;
  /** The new kvscope store. */
  target: string;
  /** Keys written into it, of the live keys the store listed. */
  copied: number;
  keys: number;
  /** Keys whose value could not be read (damage), left out: display form, capped; and how many. */
  leftOut: string[];
  leftOutCount: number;
}

export interface ExportResult {
  /** The file written. */
  path: string;
  /** Lines written (one per key) and the file's size. */
  lines: number;
  bytes: number;
  /** Keys the list showed (the filter applied). */
  keys: number;
  /** Keys whose value could not be read (damage), left out: display form, capped; and how many. */
  leftOut: string[];
  leftOutCount: number;
}

export interface ImportResult {
  path: string;
  /** Lines in the file, and those holding a key (not blank). */
  lines: number;
  records: number;
  /** Lines written, through line `throughLine`: all of them unless `interrupted` (Cancel while writing). */
  imported: number;
  throughLine: number;
  interrupted: boolean;
  /** Live keys of the store after it. */
  keyCount: number;
}

export interface FollowChange {
  key: string;
  display: string;
  kind: 'put' | 'delete';
  sequence: number;
  file: string;
  offset: number;
  valueLength: number;
}

export interface FollowResponse {
  following: boolean;
  /** Pid of the process holding the writer lock, if any. */
  lockPid: number | null;
}

export type Ok = { ok: true };

export interface ResponseTypes {
  openStore: SessionInfo;
  closeStore: Ok;
  setMode: SessionInfo;
  listKeys: ListKeysResponse;
  keyTree: KeyTreeResponse;
  largestValues: LargestValuesResponse;
  getValue: GetValueResponse;
  putValue: PutValueResponse;
  deleteKey: DeleteKeyResponse;
  history: HistoryResponse;
  deletedKeys: DeletedKeysResponse;
  stats: StatsResponse;
  compact: StartJobResponse;
  cancelJob: { cancelled: boolean };
  listRecent: RecentResponse;
  addRecent: RecentResponse;
  formats: { formats: FormatInfo[] };
  chooseDirectory: { path: string | null };
  chooseFile: { path: string | null };
  segments: SegmentsResponse;
  records: RecordsResponse;
  recordAt: RecordAtResponse;
  readBytes: BytesResponse;
  recordValue: GetValueResponse;
  diffVersions: DiffVersionsResponse;
  restoreVersion: PutValueResponse;
  verify: StartJobResponse;
  deadSpace: StartJobResponse;
  repair: RepairResult;
  crashLab: CrashLabResult;
  follow: FollowResponse;
  copyStore: StartJobResponse;
  exportKeys: StartJobResponse;
  importFile: StartJobResponse;
}

// ---------------------------------------------------------------- events

export type KvscopeEvent =
  | { type: 'job-progress'; jobId: string; sessionId: string; phase: string; done: number; total: number }
  | { type: 'job-done'; jobId: string; sessionId: string; kind: 'compact'; result: CompactSummary }
  | { type: 'job-done'; jobId: string; sessionId: string; kind: 'verify'; report: VerifyResult }
  | { type: 'job-done'; jobId: string; sessionId: string; kind: 'copy'; result: CopyResult }
  | { type: 'job-done'; jobId: string; sessionId: string; kind: 'export'; result: ExportResult }
  | { type: 'job-done'; jobId: string; sessionId: string; kind: 'import'; result: ImportResult }
  | { type: 'job-done'; jobId: string; sessionId: string; kind: 'dead-space'; result: DeadSpaceResult }
  /**
   * Another process appended to a followed store, or changed its files without a change to a key (a
   * compaction: `changes` is empty). The session has been opened again: views read what they show again.
   */
  | {
      type: 'follow-changes';
      sessionId: string;
      changes: FollowChange[];
      dropped: number;
      keyCount: number;
      lockPid: number | null;
      /** The store could not be read again after these changes: keys, values and statistics are as before them. */
      reloadError?: ApiErrorShape;
    }
  | { type: 'job-failed'; jobId: string; sessionId: string; error: ApiErrorShape }
  | { type: 'store-changed'; sessionId: string }
  /** The shell asks the page to open a directory (menu, command line, dropped folder). */
  | { type: 'open-directory'; path: string }
  /** The shell asks the page to close the open store (File › Close). */
  | { type: 'close-store' };

// ---------------------------------------------------------------- derived types

export type RequestOf<M extends MethodName> = z.infer<(typeof requestSchemas)[M]>;
export type ResponseOf<M extends MethodName> = ResponseTypes[M];

export type EventListener = (event: KvscopeEvent) => void;

/** What the renderer sees as `window.kvscope` (Electron) or gets from the HTTP transport. */
export type KvscopeApi = { [M in MethodName]: (request: RequestOf<M>) => Promise<ResponseOf<M>> } & {
  /** Subscribe to events; returns an unsubscribe function. */
  onEvent(listener: EventListener): () => void;
};

/** The server side: one implementation per method. */
export type KvscopeHandlers = { [M in MethodName]: (request: RequestOf<M>) => Promise<ResponseOf<M>> };

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && (METHOD_NAMES as readonly string[]).includes(name);
}
