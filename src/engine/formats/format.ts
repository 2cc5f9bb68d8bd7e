import type { BrowsableStore, Problem } from '../types.js';

/**
 * A format description: everything kvscope knows about one engine's on-disk
 * layout, in one place. The detector, the file lister, the record decoder
 * (with the byte range of every field, for the hex pane) and the replay rules
 * that turn records into live keys all come from here. The native kvscope
 * format is one of these, not a special case.
 */

/** What a field means, so the UI can colour it and tools can find it. */
export type FieldRole =
  | 'magic'
  | 'version'
  | 'crc'
  | 'type'
  | 'flags'
  | 'sequence'
  | 'timestamp'
  | 'key-length'
  | 'value-length'
  | 'key'
  | 'value'
  | 'offset'
  | 'text'
  | 'padding'
  | 'other';

/** One decoded field: absolute byte range in its file, end exclusive. */
export interface DecodedField {
  name: string;
  role: FieldRole;
  start: number;
  end: number;
  /** The decoded value, as shown to a person ("0x1a2b3c4d", "42", "put"). */
  display: string;
  /** One line, taken from the format description. */
  explain: string;
}

/**
 * put, delete: a key version. header, trailer: a file's own fields. hint: a
 * hint file's entry. slot: a key of a keydir image (where its live record
 * is). section: a large block of one kind (an image's hash table). garbage:
 * bytes that decode as nothing. note: a row of no bytes that says something
 * of the place it is at (a text log's missing final newline), no record.
 */
export type RecordKind = 'put' | 'delete' | 'header' | 'hint' | 'slot' | 'section' | 'trailer' | 'garbage' | 'note';

/** Every record kind, so that a kind can be kept as its index in one byte (columns of records). */
export const RECORD_KINDS: readonly RecordKind[] = ['put', 'delete', 'header', 'hint', 'slot', 'section', 'trailer', 'garbage', 'note'];
const KIND_INDEX = new Map(RECORD_KINDS.map((k, i) => [k, i]));

/** The kind's index in RECORD_KINDS. */
export function recordKindIndex(kind: RecordKind): number {
  return KIND_INDEX.get(kind)!;
}

/** Whether a decoded row counts as one of a file's records: a key version, a hint entry, a used slot (a free one has no key). */
export function countsAsRecord(r: { kind: RecordKind; key?: unknown }): boolean {
  return r.kind === 'put' || r.kind === 'delete' || r.kind === 'hint' || (r.kind === 'slot' && r.key !== undefined);
}

/** How many records a file holds (countsAsRecord) and the range of the sequences its valid records carry. */
export interface FileSummary {
  records: number;
  oldestSequence: number | null;
  newestSequence: number | null;
  /** A native segment's regions that hold no valid record (bad checksum, torn tail), found reading it. */
  damaged?: Array<{ offset: number; length: number }>;
}

export function emptySummary(): FileSummary {
  return { records: 0, oldestSequence: null, newestSequence: null };
}

/** Widen the summary's sequence range to hold `sequence`. */
function widenRange(summary: FileSummary, sequence: number): void {
  if (summary.oldestSequence === null || sequence < summary.oldestSequence) summary.oldestSequence = sequence;
  if (summary.newestSequence === null || sequence > summary.newestSequence) summary.newestSequence = sequence;
}

/** Count one more record, with its sequence. */
export function addSequence(summary: FileSummary, sequence: number): void {
  summary.records++;
  widenRange(summary, sequence);
}

/** Add a decoded record to a file's summary: what `kvscope segments` counts, for any format. */
export function addToSummary(summary: FileSummary, r: DecodedRecord): void {
  if (countsAsRecord(r)) summary.records++;
  if (r.status === 'valid' && r.sequence !== undefined && r.kind !== 'header') widenRange(summary, r.sequence);
}

/**
 * valid: decoded and checksum (if any) matches.
 * corrupt: bytes that could not be decoded as a valid record (bad CRC,
 *   impossible lengths, unparseable line); the decoder resynchronised after it.
 * torn: an incomplete record at the very end of a file (a crash mid-append).
 */
export type RecordStatus = 'valid' | 'corrupt' | 'torn';

export interface DecodedRecord {
  /** Absolute offset of the record's first byte in its file. */
  offset: number;
  /** Total bytes the record occupies (for corrupt/torn: the bytes skipped). */
  length: number;
  kind: RecordKind;
  status: RecordStatus;
  key?: Uint8Array;
  /**
   * For a corrupt or torn record whose header's lengths are plausible and whose key lies inside its bytes: the
   * key as its bytes read. No checksum vouches for it. (A damaged record a format gives as itself, kind put or
   * delete, carries it as `key`: damagedKeyOf reads both.)
   */
  unverifiedKey?: Uint8Array;
  /** Offset and length of the value bytes inside the file (absent for deletes). */
  valueOffset?: number;
  valueLength?: number;
  /** Native sequence number, Riak timestamp, ...; absent where the format has none. */
  sequence?: number;
  storedCrc?: number;
  computedCrc?: number;
  /** Why the record is corrupt or torn, in one sentence. */
  problem?: string;
  /** Fields in byte order; for a valid record they tile [offset, offset+length) exactly. */
  fields: DecodedField[];
  /** For corrupt/torn records: which kind of problem verify should report. */
  problemKind?: Problem['kind'];
  /** For a row that holds no key (a section, a free slot): what it is, in a few words ("preallocated space", "hash table", "free slot"), where a record would show its key. */
  label?: string;
  /**
   * For hint entries: the record this entry says exists in the data file
   * with the same id as the hint file, so verify can check it is really there.
   */
  pointsTo?: { offset: number; length: number; kind: 'put' | 'delete' };
}

/** The key bytes of a corrupt or torn record, as they read (no checksum vouches for them); undefined for a sound one or where none can be told. */
export function damagedKeyOf(r: DecodedRecord): Uint8Array | undefined {
  if (r.status === 'valid') return undefined;
  return r.unverifiedKey ?? r.key;
}

/**
 * A damaged record's key in a store, and how sure it is: the keydir's key for this record when the store's
 * keydir (from hints or the keydir image, which never read the record) holds that key at this record's place;
 * else the key as its bytes read (damagedKeyOf). Undefined when no key can be told.
 */
export function damagedKeyIn(store: Pick<BrowsableStore, 'locate'>, file: string, r: DecodedRecord): { key: Uint8Array; from: 'record' | 'keydir' } | undefined {
  const key = damagedKeyOf(r);
  if (!key) return undefined;
  const at = store.locate(key);
  return { key, from: at && at.file === file && at.offset === r.offset ? 'keydir' : 'record' };
}

/**
 * One hint entry as a key version of the data file (FormatDescription.readHint).
 */
export interface HintEntry {
  key: Uint8Array;
  /** The data record's offset and total length. */
  offset: number;
  length: number;
  kind: 'put' | 'delete';
  sequence: number;
  valueOffset: number;
  valueLength: number;
}

/** What a hint says of its data file: its entries, or why it cannot stand for the file. */
export type HintIndex =
  | { usable: false; why: string }
  | {
      usable: true;
      /** How many entries (records of the data file) it has. */
      count: number;
      /**
       * The data records (offset, length) whose kind the entry cannot tell for sure
       * (a Riak entry without the tombstone bit whose value has a
       * tombstone's size: a hint written before the bit existed would
       * look so): the data record says.
       */
      unsure: Array<{ offset: number; length: number }>;
      /** Every entry, in order (one object, reused from entry to entry). */
      entries(): Iterable<HintEntry>;
    };

/** keydir: the native keydir image (KEYDIR). */
export type FileRole = 'data' | 'hint' | 'keydir' | 'lock' | 'manifest' | 'other';

/** Files whose bytes kvscope decodes record by record: data, hint and keydir-image files. */
export function hasRecords(file: { role: FileRole }): boolean {
  return file.role === 'data' || file.role === 'hint' || file.role === 'keydir';
}

export interface FormatFile {
  /** Path relative to the format's root directory, with '/' separators. */
  name: string;
  role: FileRole;
  /** Numeric id used for ordering (segment number), or -1. */
  id: number;
  size: number;
  /**
   * Set when the name is there but cannot be read as a file (a dangling or
   * looping symbolic link, a directory): why, in a few words. Its size is
   * then 0; a replay and verify report it instead of reading it.
   */
  unreadable?: string;
}

export interface Detection {
  format: string;
  /** 0..1: how sure the detector is. */
  confidence: number;
  /** The directory the format's files are relative to (may be a subfolder of what was opened). */
  root: string;
  /** One sentence: what was found. */
  reason: string;
}

/** A static description of one field of a fixed layout, used to build DecodedField. */
export interface FieldSpec {
  name: string;
  role: FieldRole;
  /** Size in bytes; 'key'/'value' fields are variable and marked with -1. */
  size: number;
  explain: string;
}

/**
 * One engine's format. Implementations live beside this file, one per engine
 * (native.ts, riak-bitcask.ts, mini-kvstore-v2.ts, ...), and are listed in
 * registry.ts.
 */
export interface FormatDescription {
  /** Stable id used on the command line (`--format <id>`) and in the contract. */
  id: string;
  title: string;
  /** One paragraph for the UI: layout, tombstones, which record wins, compaction naming. */
  summary: string;
  /** Only the native format can be written; every foreign format is read-only. */
  writable: boolean;
  /**
   * Look at a directory (the one the user opened, or the engine's own folder
   * inside it) and say whether it holds this format. Reads names and at most
   * a few header bytes; never writes.
   */
  detect(dir: string): Detection | null;
  /** Files of the format under root, in replay order. */
  listFiles(root: string): FormatFile[];
  /**
   * Decode every record of one file. Never throws on bad bytes: damage comes
   * back as 'corrupt' / 'torn' records with a problem and an offset.
   */
  decodeFile(file: FormatFile, bytes: Uint8Array): DecodedRecord[];
  /**
   * decodeFile's records one at a time: a caller that does not keep them (a
   * replay) then never holds a large file's records at once. The same
   * records in the same order. With `from`, the offset of a record
   * decodeFile gives for these bytes, the records start with that one: the
   * record table keeps only where each record is and decodes a record again
   * when it is shown. A decoder that cannot start in the middle gives
   * recordsFrom(decodeFile(file, bytes), from) (decode-helpers.ts).
   */
  decodeRecords(file: FormatFile, bytes: Uint8Array, from?: number): Iterable<DecodedRecord>;
  /**
   * How records become live keys. 'file-order': replay files in listFiles
   * order and records in file order; the last put or delete of a key wins.
   * 'sequence': the record with the highest `sequence` wins, wherever it is.
   */
  winner: 'file-order' | 'sequence';
  /**
   * Whether a record's `sequence` is the writer's clock in seconds since 1970 (Riak's tstamp) rather than a
   * count: locations then say sequenceIsTimestamp and are shown as a date and time (shared/sequence-text.ts).
   */
  sequenceIsTimestamp?: boolean;
  /** Whether the real program stops replaying a file at its first bad record. */
  stopsFileAtFirstBadRecord: boolean;
  /**
   * Whether the real program, reading a data file's records itself (not
   * through a hint that checks out, see keysFromValidHint), reads nothing
   * after a 'garbage' region its decoder resynchronised over: damaged
   * lengths it trusts and walks on from, out of step (Riak's fold). Records
   * after it are then listed but not replayed.
   */
  stopsAtLostStep?: boolean;
  /**
   * Whether the real program takes a data file's keys from its hint file
   * (the hint with the same id) when that hint checks out whole, without
   * reading the data (Riak: the trailer's CRC). A damaged data record such a
   * hint names is then still the key's record to the program: the key is
   * listed, and reading it fails. Without this, a damaged record is never
   * replayed.
   */
  keysFromValidHint?: boolean;
  /**
   * A data file's key versions from its hint file alone, for an open that
   * does not read the data file (as Riak opens a cask): given the hint's
   * bytes and the data file's size, either the entries (in the data file's
   * record order) or why the hint cannot stand for the data file. A usable
   * hint checks out whole and describes every byte of the data file, record
   * by record. Formats without such hints leave it out.
   */
  readHint?(hint: Uint8Array, dataSize: number): HintIndex;
  /**
   * The data file the format's writer appends to (stats and segments mark it
   * active), given `files` (listFiles' answer for `root`): a name, or null
   * when the next write goes to a file that does not exist yet (Riak between
   * writers: a writer's first write creates a file numbered above every
   * other). Formats that leave it out: the data file with the highest id, or
   * the last in replay order.
   */
  activeDataFile?(root: string, files: readonly FormatFile[]): string | null;
  /**
   * What the detector looks for, for people ("N.bitcask.data in the folder"),
   * listed when no format matches a directory.
   */
  looksFor?: readonly string[];
}
