/**
 * Riak Bitcask (basho/bitcask, confirmed against data written by commit
 * d84c8d9 on OTP 25).
 *
 * A cask is a folder of `<N>.bitcask.data` files, each with a
 * `<N>.bitcask.hint` beside it, N a file id from 1 (not zero-padded).
 *
 *   data record: crc:u32 · tstamp:u32 · key_sz:u16 · value_sz:u32 · key · value
 *                (big-endian; crc = CRC-32 of everything after the crc field)
 *   hint entry:  tstamp:u32 · key_sz:u16 · total_sz:u32 · tombstone:1 bit · offset:63 bits · key
 *   hint trailer (18 bytes, last): tstamp 0 · key_sz 0 · total_sz = CRC-32 of all
 *                preceding hint bytes · offset 2^63-1
 *
 * A delete is an ordinary data record whose value starts with
 * "bitcask_tombstone" (version 2 appends the u32 id of the file that held
 * the removed value). Merge writes its output with a *higher* file id than the
 * still-active file but keeps the original timestamps, so replay order alone
 * is not enough: the newest timestamp wins, and only on equal timestamps does
 * the later file / later offset win (winner 'sequence', sequence = tstamp).
 * `bitcask.write.lock` / `bitcask.merge.lock` hold "<pid> <file>" while a
 * writer or a merge runs.
 */
import { crc32, crc32Range } from '../crc.js';
import type { DecodedField, DecodedRecord, FieldSpec, FileRole, FormatDescription, FormatFile, HintEntry, HintIndex } from './format.js';
import { damagedRecord, hex32, pastEndRecord, propertiesInOrder, RecordWithLazyFields, recordsFrom, showBytes, viewOf } from './decode-helpers.js';
import { fixedSize, headerOffset, layoutFields } from './field-layout.js';
import { candidateRoots, filePath, listedFile, listDir, readHead } from './fs-probe.js';

// ------------------------------------------------------------------ layouts

const DATA_FIELDS: readonly FieldSpec[] = [
  { name: 'crc', role: 'crc', size: 4, explain: 'CRC-32 of every byte of the record after this field (big-endian)' },
  { name: 'tstamp', role: 'timestamp', size: 4, explain: "Writer's clock in seconds since 1970; the newest timestamp wins" },
  { name: 'key_sz', role: 'key-length', size: 2, explain: 'Key length in bytes (u16, big-endian)' },
  { name: 'value_sz', role: 'value-length', size: 4, explain: 'Value length in bytes (u32, big-endian)' },
  { name: 'key', role: 'key', size: -1, explain: 'The key bytes' },
  { name: 'value', role: 'value', size: -1, explain: 'The value bytes' },
];

/** Same header; the value is a tombstone marker, optionally followed by a file id. */
const TOMBSTONE_FIELDS: readonly FieldSpec[] = [
  ...DATA_FIELDS.slice(0, 5),
  {
    name: 'tombstone',
    role: 'type',
    size: -1,
    explain: 'Value starting with "bitcask_tombstone": this record deletes the key',
  },
  {
    name: 'removed_file_id',
    role: 'other',
    size: -1,
    explain: 'Id of the data file that held the value this tombstone removes (u32, big-endian)',
  },
];

const HINT_FIELDS: readonly FieldSpec[] = [
  { name: 'tstamp', role: 'timestamp', size: 4, explain: 'Timestamp of the data record this entry describes' },
  { name: 'key_sz', role: 'key-length', size: 2, explain: 'Key length in bytes' },
  { name: 'total_sz', role: 'value-length', size: 4, explain: 'Total size of the data record (14 + key + value)' },
  {
    name: 'tombstone_offset',
    role: 'offset',
    size: 8,
    explain: 'Top bit: 1 if the record is a tombstone; low 63 bits: offset of the record in the data file',
  },
  { name: 'key', role: 'key', size: -1, explain: 'The key bytes' },
];

const TRAILER_FIELDS: readonly FieldSpec[] = [
  { name: 'tstamp', role: 'timestamp', size: 4, explain: 'Always 0 in the trailer' },
  { name: 'key_sz', role: 'key-length', size: 2, explain: 'Always 0 in the trailer' },
  { name: 'hint_crc', role: 'crc', size: 4, explain: 'CRC-32 of every hint byte before the trailer' },
  { name: 'end_marker', role: 'offset', size: 8, explain: 'Always 2^63-1: marks the end of the hint file' },
];

const LOCK_FIELDS: readonly FieldSpec[] = [
  { name: 'pid', role: 'other', size: -1, explain: 'OS process id of the Erlang VM holding the lock' },
  { name: 'separator', role: 'padding', size: -1, explain: 'A space' },
  { name: 'file', role: 'text', size: -1, explain: 'The data file the lock holder is writing' },
  { name: 'rest', role: 'other', size: -1, explain: 'Rest of the lock file (usually a newline)' },
];

const DATA_HEADER = fixedSize(DATA_FIELDS);
const AT_CRC = headerOffset(DATA_FIELDS, 'crc');
const AT_TSTAMP = headerOffset(DATA_FIELDS, 'tstamp');
const AT_KEY_SZ = headerOffset(DATA_FIELDS, 'key_sz');
const AT_VALUE_SZ = headerOffset(DATA_FIELDS, 'value_sz');

const HINT_HEADER = fixedSize(HINT_FIELDS);
const AT_H_TSTAMP = headerOffset(HINT_FIELDS, 'tstamp');
const AT_H_KEY_SZ = headerOffset(HINT_FIELDS, 'key_sz');
const AT_H_TOTAL_SZ = headerOffset(HINT_FIELDS, 'total_sz');
const AT_H_OFFSET = headerOffset(HINT_FIELDS, 'tombstone_offset');

const TOMBSTONE_PREFIX = Buffer.from('bitcask_tombstone', 'latin1');
const DATA_NAME = /^(\d+)\.bitcask\.data$/;
const HINT_NAME = /^(\d+)\.bitcask\.hint$/;
const LOCK_NAMES = ['bitcask.write.lock', 'bitcask.merge.lock'];

// ------------------------------------------------------------------ data files

/** Whether the value at bytes[start, end) starts with the tombstone marker. */
function isTombstone(bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start < TOMBSTONE_PREFIX.length) return false;
  for (let i = 0; i < TOMBSTONE_PREFIX.length; i++) if (bytes[start + i] !== TOMBSTONE_PREFIX[i]) return false;
  return true;
}

/** Splits a tombstone value into its marker and (for versions 1 and 2) the 4-byte file id. */
function splitTombstone(value: Uint8Array): { markerSize: number; fileId?: number } {
  const versioned = value.length === TOMBSTONE_PREFIX.length + 5;
  const version = value[TOMBSTONE_PREFIX.length];
  if (versioned && (version === 0x31 || version === 0x32)) {
    return { markerSize: TOMBSTONE_PREFIX.length + 1, fileId: viewOf(value).getUint32(TOMBSTONE_PREFIX.length + 1) };
  }
  return { markerSize: value.length };
}

/** The hex view's fields of the data record at `pos` (its header already read). */
function dataRecordFields(bytes: Uint8Array, pos: number, storedCrc: number, computedCrc: number, tstamp: number, keySize: number, valueSize: number, tombstone: boolean): DecodedField[] {
  const keyStart = pos + DATA_HEADER;
  const valueStart = keyStart + keySize;
  const value = bytes.subarray(valueStart, valueStart + valueSize);
  const header = {
    crc: { display: hex32(storedCrc) + (storedCrc === computedCrc ? '' : ` (computed ${hex32(computedCrc)})`) },
    tstamp: { display: `${tstamp} (${new Date(tstamp * 1000).toISOString()})` },
    key_sz: { display: String(keySize) },
    value_sz: { display: String(valueSize) },
    key: { display: showBytes(bytes.subarray(keyStart, valueStart)), size: keySize },
  };
  if (!tombstone) return layoutFields(DATA_FIELDS, pos, { ...header, value: { display: showBytes(value), size: valueSize } });
  const { markerSize, fileId } = splitTombstone(value);
  return layoutFields(TOMBSTONE_FIELDS, pos, {
    ...header,
    tombstone: { display: showBytes(value.subarray(0, markerSize)), size: markerSize },
    removed_file_id: { display: fileId === undefined ? '' : String(fileId), size: valueSize - markerSize },
  });
}

/**
 * A data record of a cask, read from `bytes` at `offset` (its header already
 * checked to fit), its fields made when first read (opening a cask never
 * reads them).
 */
class RiakDataRecord extends RecordWithLazyFields implements DecodedRecord {
  readonly offset: number;
  readonly length: number;
  readonly kind: 'put' | 'delete';
  readonly status: 'valid' | 'corrupt';
  readonly key: Uint8Array;
  readonly sequence: number;
  readonly storedCrc: number;
  readonly computedCrc: number;
  /** Undefined for a tombstone (left out of JSON). */
  readonly valueOffset: number | undefined;
  readonly valueLength: number | undefined;
  /** Undefined for a sound record. */
  readonly problemKind: 'bad-crc' | undefined;
  readonly problem: string | undefined;
  readonly #bytes: Uint8Array;

  constructor(bytes: Uint8Array, offset: number, storedCrc: number, tstamp: number, keySize: number, valueSize: number) {
    super();
    const length = DATA_HEADER + keySize + valueSize;
    const valueStart = offset + DATA_HEADER + keySize;
    const computedCrc = crc32Range(bytes, offset + AT_CRC + 4, offset + length);
    const tombstone = isTombstone(bytes, valueStart, offset + length);
    const valid = storedCrc === computedCrc;
    this.offset = offset;
    this.length = length;
    this.kind = tombstone ? 'delete' : 'put';
    this.status = valid ? 'valid' : 'corrupt';
    this.key = bytes.subarray(offset + DATA_HEADER, valueStart);
    this.sequence = tstamp;
    this.storedCrc = storedCrc;
    this.computedCrc = computedCrc;
    this.valueOffset = tombstone ? undefined : valueStart;
    this.valueLength = tombstone ? undefined : valueSize;
    this.problemKind = valid ? undefined : 'bad-crc';
    this.problem = valid ? undefined : `stored CRC ${hex32(storedCrc)} does not match computed ${hex32(computedCrc)}`;
    this.#bytes = bytes;
  }

  protected makeFields(): DecodedField[] {
    const keySize = this.key.length;
    return dataRecordFields(this.#bytes, this.offset, this.storedCrc, this.computedCrc, this.sequence, keySize, this.length - DATA_HEADER - keySize, this.kind === 'delete');
  }

  toJSON(): object {
    return propertiesInOrder(this, ['offset', 'length', 'kind', 'status', 'key', 'sequence', 'storedCrc', 'computedCrc', 'fields', 'valueOffset', 'valueLength', 'problemKind', 'problem']);
  }
}

export function decodeDataFile(bytes: Uint8Array): DecodedRecord[] {
  return [...dataRecords(bytes)];
}

/**
 * The CRC bytes the search for the next sound record may compute in one
 * decode of a file, beyond four times the file's size: real damage needs a
 * few records' worth; a file crafted with a plausible header every few bytes
 * would otherwise cost time quadratic in its size. Once spent, a candidate
 * whose CRC would have to be computed is taken as not a record.
 */
const RESYNC_CRC_ALLOWANCE = 64 * 1024 * 1024;

/** A complete record whose CRC matches starts at `pos` (the search's test; `budget` pays for the CRC). */
function soundRecordAt(view: DataView, bytes: Uint8Array, pos: number, budget: { left: number }): boolean {
  if (bytes.length - pos < DATA_HEADER) return false;
  const length = DATA_HEADER + view.getUint16(pos + AT_KEY_SZ) + view.getUint32(pos + AT_VALUE_SZ);
  if (pos + length > bytes.length || budget.left < length) return false;
  budget.left -= length;
  return view.getUint32(pos + AT_CRC) === crc32Range(bytes, pos + AT_CRC + 4, pos + length);
}

/** The first offset after `pos` where a sound record starts, or undefined. */
function nextSoundRecord(view: DataView, bytes: Uint8Array, pos: number, budget: { left: number }): number | undefined {
  for (let at = pos + 1; at + DATA_HEADER <= bytes.length; at++) if (soundRecordAt(view, bytes, at, budget)) return at;
  return undefined;
}

/**
 * Where the records from `pos` end when walked by their own lengths up to
 * `end`: `end` itself when they tile [pos, end) exactly (their lengths are
 * sound, only their contents damaged), else -1.
 */
function walksTo(view: DataView, pos: number, end: number): number {
  let at = pos;
  while (at < end) {
    if (end - at < DATA_HEADER) return -1;
    at += DATA_HEADER + view.getUint16(at + AT_KEY_SZ) + view.getUint32(at + AT_VALUE_SZ);
  }
  return at === end ? end : -1;
}

/**
 * A data file's records one at a time (decodeDataFile's), from the record at `from`.
 *
 * A record that fails (bad CRC, or lengths running past the end of the
 * file) whose lengths still lead, record by record, to the next sound
 * record (or the end of the file) is damaged only in its bytes: it is
 * given as itself, key and all, and decoding goes on after it. One whose
 * lengths do not — a damaged key_sz or value_sz, which throws a reader that
 * trusts them out of step — makes the bytes up to the next offset where a
 * sound record starts one corrupt region, and decoding goes on there (as a
 * kvscope segment resynchronises). Riak's own data-file fold trusts the
 * lengths and walks on out of step, reading nothing sound after such damage;
 * it reads those records through a valid hint, which names where each
 * starts: the replay applies that (stopsAtLostStep). With no sound record
 * after the damage, the rest of the file is one torn or corrupt tail.
 */
function* dataRecords(bytes: Uint8Array, from = 0): Generator<DecodedRecord> {
  const view = viewOf(bytes);
  const budget = { left: RESYNC_CRC_ALLOWANCE + 4 * bytes.length };
  let found: { at: number | undefined } | null = null;
  let pos = from;
  while (pos < bytes.length) {
    if (bytes.length - pos < DATA_HEADER) {
      yield pastEndRecord(pos, bytes.length, pos + DATA_HEADER, 'record header');
      break;
    }
    const storedCrc = view.getUint32(pos + AT_CRC);
    const tstamp = view.getUint32(pos + AT_TSTAMP);
    const keySize = view.getUint16(pos + AT_KEY_SZ);
    const valueSize = view.getUint32(pos + AT_VALUE_SZ);
    const length = DATA_HEADER + keySize + valueSize;
    const fits = pos + length <= bytes.length;
    const record = fits ? new RiakDataRecord(bytes, pos, storedCrc, tstamp, keySize, valueSize) : undefined;
    if (record?.status === 'valid') {
      yield record;
      pos += length;
      continue;
    }
    // One search serves every damaged record before the sound one it finds (or, finding none, the rest of the file).
    if (found === null || (found.at !== undefined && found.at <= pos)) found = { at: nextSoundRecord(view, bytes, pos, budget) };
    const next = found.at;
    if (next !== undefined && walksTo(view, pos, next) < 0) {
      const claim = `record header claims ${length} bytes (key ${keySize}, value ${valueSize})`;
      const why = fits ? 'but its CRC fails and no record starts where it would end' : `, more than the ${bytes.length - pos} left in the file`;
      yield damagedRecord(pos, next, 'corrupt', fits ? 'bad-crc' : 'impossible-length',
        `${claim}${fits ? ' ' : ''}${why}: its lengths are damaged; ${next - pos} bytes skipped, up to the next sound record at ${next}`);
      pos = next;
      continue;
    }
    if (!record) {
      const torn = pastEndRecord(pos, bytes.length, pos + length, `record (key ${keySize} bytes, value ${valueSize} bytes)`);
      // An append cut short after its key: the key as its bytes read (unverified; never from an impossible length).
      const keyEnd = pos + DATA_HEADER + keySize;
      yield torn.status === 'torn' && keySize > 0 && keyEnd <= bytes.length ? { ...torn, unverifiedKey: bytes.subarray(pos + DATA_HEADER, keyEnd) } : torn;
      break;
    }
    yield record;
    pos += length;
  }
}

// ------------------------------------------------------------------ hint files

const OFFSET_HIGH_MASK = 0x7fffffff;

export function decodeHintFile(bytes: Uint8Array): DecodedRecord[] {
  return [...hintRecords(bytes)];
}

/** A hint entry, its fields made when first read (as a data record's). */
class RiakHintRecord extends RecordWithLazyFields implements DecodedRecord {
  readonly length: number;
  readonly kind = 'hint' as const;
  readonly status: 'valid' | 'corrupt';
  readonly key: Uint8Array;
  readonly sequence: number;
  /** Undefined for an impossible entry (left out of JSON), which says why instead. */
  readonly pointsTo: { offset: number; length: number; kind: 'put' | 'delete' } | undefined;
  readonly problemKind: 'bad-hint' | undefined;
  readonly problem: string | undefined;
  readonly #totalSize: number;
  readonly #tombstoneBit: number;
  readonly #dataOffset: number;

  constructor(bytes: Uint8Array, readonly offset: number, tstamp: number, keySize: number, totalSize: number, tombstoneBit: number, dataOffset: number) {
    super();
    this.length = HINT_HEADER + keySize;
    this.key = bytes.subarray(offset + HINT_HEADER, offset + this.length);
    this.sequence = tstamp;
    const possible = isPossibleEntry(keySize, totalSize, dataOffset);
    this.status = possible ? 'valid' : 'corrupt';
    this.pointsTo = possible ? { offset: dataOffset, length: totalSize, kind: tombstoneBit ? 'delete' : 'put' } : undefined;
    this.problemKind = possible ? undefined : 'bad-hint';
    this.problem = possible ? undefined : `impossible hint entry: total_sz ${totalSize} or offset ${dataOffset} cannot describe a record with a ${keySize}-byte key`;
    this.#totalSize = totalSize;
    this.#tombstoneBit = tombstoneBit;
    this.#dataOffset = dataOffset;
  }

  protected makeFields(): DecodedField[] {
    return layoutFields(HINT_FIELDS, this.offset, {
      tstamp: { display: `${this.sequence} (${new Date(this.sequence * 1000).toISOString()})` },
      key_sz: { display: String(this.key.length) },
      total_sz: { display: String(this.#totalSize) },
      tombstone_offset: { display: `tombstone=${this.#tombstoneBit} offset=${this.#dataOffset}` },
      key: { display: showBytes(this.key), size: this.key.length },
    });
  }

  toJSON(): object {
    return propertiesInOrder(this, ['offset', 'length', 'kind', 'status', 'key', 'sequence', 'fields', 'pointsTo', 'problemKind', 'problem']);
  }
}

/** Whether the 18 header bytes at `pos` are the trailer's (tstamp 0, key_sz 0, tombstone 0, offset 2^63 - 1). */
/** The offset (63 bits) of the data record named by the hint entry at `pos`: exact below 2^53, which any real file is. */
function entryDataOffset(view: DataView, pos: number): number {
  return (view.getUint32(pos + AT_H_OFFSET) & OFFSET_HIGH_MASK) * 2 ** 32 + view.getUint32(pos + AT_H_OFFSET + 4);
}

/** Whether a hint entry's total_sz and offset can describe a data record with a `keySize`-byte key. */
function isPossibleEntry(keySize: number, totalSize: number, dataOffset: number): boolean {
  return totalSize >= DATA_HEADER + keySize && Number.isSafeInteger(dataOffset);
}

function isTrailer(view: DataView, pos: number): boolean {
  return (
    view.getUint32(pos + AT_H_TSTAMP) === 0 &&
    view.getUint16(pos + AT_H_KEY_SZ) === 0 &&
    view.getUint32(pos + AT_H_OFFSET) === OFFSET_HIGH_MASK &&
    view.getUint32(pos + AT_H_OFFSET + 4) === 0xffffffff
  );
}

/**
 * What a decode from the start has seen by the record at `from`: whether a
 * trailer ended there (what follows a trailer is one run of bytes after it)
 * and whether an impossible entry came before (no end marker is given
 * then). A walk over the entries' headers only.
 */
function hintStateAt(view: DataView, from: number): { afterTrailer: boolean; sawDamage: boolean } {
  let sawDamage = false;
  for (let pos = 0; pos < from && view.byteLength - pos >= HINT_HEADER; ) {
    if (isTrailer(view, pos)) return { afterTrailer: pos + HINT_HEADER === from, sawDamage };
    const keySize = view.getUint16(pos + AT_H_KEY_SZ);
    if (!isPossibleEntry(keySize, view.getUint32(pos + AT_H_TOTAL_SZ), entryDataOffset(view, pos))) sawDamage = true;
    pos += HINT_HEADER + keySize;
  }
  return { afterTrailer: false, sawDamage };
}

/**
 * A hint file's records one at a time (decodeHintFile's), from the record at
 * `from` (which a walk over the headers before it puts in context: see
 * hintStateAt).
 */
function* hintRecords(bytes: Uint8Array, from = 0): Generator<DecodedRecord> {
  const view = viewOf(bytes);
  let pos = from;
  let sawTrailer = false;
  const before = from > 0 ? hintStateAt(view, from) : { afterTrailer: false, sawDamage: false };
  let sawDamage = before.sawDamage;
  if (before.afterTrailer) {
    if (from < bytes.length) yield damagedRecord(from, bytes.length, 'corrupt', 'bad-hint', 'bytes after the hint trailer');
    return;
  }
  while (pos < bytes.length) {
    if (bytes.length - pos < HINT_HEADER) {
      sawDamage = true;
      yield damagedRecord(pos, bytes.length, 'torn', 'bad-hint', `hint file ends inside an entry header (${bytes.length - pos} bytes left)`);
      break;
    }
    const tstamp = view.getUint32(pos + AT_H_TSTAMP);
    const keySize = view.getUint16(pos + AT_H_KEY_SZ);
    const totalSize = view.getUint32(pos + AT_H_TOTAL_SZ);

    if (isTrailer(view, pos)) {
      yield trailerRecord(bytes, pos, totalSize);
      sawTrailer = true;
      pos += HINT_HEADER;
      if (pos < bytes.length) yield damagedRecord(pos, bytes.length, 'corrupt', 'bad-hint', 'bytes after the hint trailer');
      break;
    }

    const length = HINT_HEADER + keySize;
    if (pos + length > bytes.length) {
      sawDamage = true;
      yield damagedRecord(pos, bytes.length, 'torn', 'bad-hint', `hint entry with a ${keySize}-byte key runs past the end of the file`);
      break;
    }
    const tombstoneBit = view.getUint32(pos + AT_H_OFFSET) >>> 31;
    const record = new RiakHintRecord(bytes, pos, tstamp, keySize, totalSize, tombstoneBit, entryDataOffset(view, pos));
    if (record.status !== 'valid') sawDamage = true;
    yield record;
    pos += length;
  }
  if (!sawTrailer && !sawDamage) {
    // Zero-length marker at the end: the trailer is missing (hint of a file still being written, or cut short).
    yield damagedRecord(bytes.length, bytes.length, 'torn', 'bad-hint', 'hint file has no trailer: it was not closed cleanly');
  }
}

function trailerRecord(bytes: Uint8Array, pos: number, storedCrc: number): DecodedRecord {
  const computedCrc = crc32(bytes.subarray(0, pos));
  const ok = storedCrc === computedCrc;
  const record: DecodedRecord = {
    offset: pos,
    length: HINT_HEADER,
    kind: 'trailer',
    status: ok ? 'valid' : 'corrupt',
    storedCrc,
    computedCrc,
    fields: layoutFields(TRAILER_FIELDS, pos, {
      tstamp: { display: '0' },
      key_sz: { display: '0' },
      hint_crc: { display: hex32(storedCrc) + (ok ? '' : ` (computed ${hex32(computedCrc)})`) },
      end_marker: { display: '2^63-1' },
    }),
  };
  if (!ok) {
    record.problemKind = 'bad-hint';
    record.problem = `hint CRC ${hex32(storedCrc)} does not match the ${hex32(computedCrc)} computed over the entries: Riak ignores this hint file`;
  }
  return record;
}

/** A tombstone's value sizes: "bitcask_tombstone" (version 0), and versions 1 and 2 with their 4-byte file id. */
const TOMBSTONE_SIZES: readonly number[] = [TOMBSTONE_PREFIX.length, TOMBSTONE_PREFIX.length + 5];

/**
 * The hint as its data file's keys (FormatDescription.readHint), when it is
 * one Riak would take them from and it describes the whole data file:
 *  - it ends with the trailer, and the trailer's CRC is that of every byte
 *    before it (bitcask_fileops has_valid_hintfile: what Riak's open checks
 *    before folding the hint instead of the data file);
 *  - its entries run up to the trailer exactly, each a possible one;
 *  - they describe the data file record by record: the first at offset 0,
 *    each next where the one before ends, the last ending where the data
 *    file ends. A data file longer than its hint covers (records written
 *    after the hint, as the active file's are) or shorter is read instead.
 * The tombstone bit says a delete (Riak 2.x sets it for every tombstone).
 * An entry without it whose value has a tombstone's size (17 or 22 bytes)
 * may be a tombstone in a hint written before the bit existed: its offset is
 * listed as unsure, for the caller to read the record.
 */
export function readHint(bytes: Uint8Array, dataSize: number): HintIndex {
  if (bytes.length < HINT_HEADER) return { usable: false, why: 'it is too short to hold its trailer' };
  const view = viewOf(bytes);
  const end = bytes.length - HINT_HEADER;
  if (!isTrailer(view, end)) return { usable: false, why: 'it does not end with its trailer (not closed cleanly, or cut short)' };
  const stored = view.getUint32(end + AT_H_TOTAL_SZ);
  const computed = crc32Range(bytes, 0, end);
  if (stored !== computed) return { usable: false, why: `its trailer's CRC ${hex32(stored)} does not match the ${hex32(computed)} of its entries` };
  let pos = 0;
  let covered = 0;
  let entries = 0;
  const unsure: Array<{ offset: number; length: number }> = [];
  while (pos < end) {
    if (end - pos < HINT_HEADER) return { usable: false, why: `its entries do not end where its trailer starts (${end - pos} bytes left at ${pos})` };
    const keySize = view.getUint16(pos + AT_H_KEY_SZ);
    const totalSize = view.getUint32(pos + AT_H_TOTAL_SZ);
    const dataOffset = entryDataOffset(view, pos);
    if (pos + HINT_HEADER + keySize > end) return { usable: false, why: `its entry at ${pos} runs into its trailer` };
    if (!isPossibleEntry(keySize, totalSize, dataOffset)) return { usable: false, why: `its entry at ${pos} is impossible (total_sz ${totalSize}, offset ${dataOffset}, key ${keySize} bytes)` };
    if (dataOffset !== covered) return { usable: false, why: `its entry at ${pos} names offset ${dataOffset} where the data file's next record starts at ${covered}: it does not describe the data file record by record` };
    if (view.getUint32(pos + AT_H_OFFSET) >>> 31 === 0 && TOMBSTONE_SIZES.includes(totalSize - DATA_HEADER - keySize)) unsure.push({ offset: dataOffset, length: totalSize });
    covered += totalSize;
    entries++;
    pos += HINT_HEADER + keySize;
  }
  if (covered !== dataSize) {
    return { usable: false, why: covered < dataSize ? `it covers ${covered} of the data file's ${dataSize} bytes (records written after it)` : `it describes ${covered} bytes of records; the data file has ${dataSize}` };
  }
  return {
    usable: true,
    count: entries,
    unsure,
    *entries(): Generator<HintEntry> {
      const entry: HintEntry = { key: bytes.subarray(0, 0), offset: 0, length: 0, kind: 'put', sequence: 0, valueOffset: 0, valueLength: 0 };
      for (let at = 0; at < end; ) {
        const keySize = view.getUint16(at + AT_H_KEY_SZ);
        const totalSize = view.getUint32(at + AT_H_TOTAL_SZ);
        const offset = entryDataOffset(view, at);
        const tombstone = view.getUint32(at + AT_H_OFFSET) >>> 31 === 1;
        entry.key = bytes.subarray(at + HINT_HEADER, at + HINT_HEADER + keySize);
        entry.offset = offset;
        entry.length = totalSize;
        entry.kind = tombstone ? 'delete' : 'put';
        entry.sequence = view.getUint32(at + AT_H_TSTAMP);
        entry.valueOffset = tombstone ? 0 : offset + DATA_HEADER + keySize;
        entry.valueLength = tombstone ? 0 : totalSize - DATA_HEADER - keySize;
        yield entry;
        at += HINT_HEADER + keySize;
      }
    },
  };
}

// ------------------------------------------------------------------ lock files

/** A lock file's parts: "<pid> <file>" and whatever follows the line (each part empty where the bytes lack it). */
function lockFileParts(bytes: Uint8Array): { pid: string; sep: string; file: string; rest: string } {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const [, pid = '', sep = '', file = '', rest = ''] = /^(\d*)( ?)([^\n]*)([\s\S]*)$/.exec(text)!;
  return { pid, sep, file, rest };
}

export function decodeLockFile(bytes: Uint8Array): DecodedRecord[] {
  if (bytes.length === 0) return [];
  const { pid, sep, file, rest } = lockFileParts(bytes);
  return [
    {
      offset: 0,
      length: bytes.length,
      kind: 'header',
      status: 'valid',
      fields: layoutFields(LOCK_FIELDS, 0, {
        pid: { display: pid, size: pid.length },
        separator: { display: JSON.stringify(sep), size: sep.length },
        file: { display: JSON.stringify(file), size: file.length },
        rest: { display: JSON.stringify(rest), size: rest.length },
      }),
    },
  ];
}

/**
 * The data file Riak's writer appends to: the one `bitcask.write.lock` names
 * ("<pid> <dir>/<N>.bitcask.data"), which the writer takes at its first write
 * and rewrites at each new file (bitcask_lockops:write_activefile). Without
 * the lock no file is written: a writer opened later starts a fresh file
 * numbered above every other (bitcask_fileops:create_file), never appends to
 * an existing one, so neither the last file a writer closed nor a merge's
 * output (higher-numbered than the file that was active) is active.
 */
function activeDataFile(root: string, files: readonly FormatFile[]): string | null {
  const lock = files.find((f) => f.name === 'bitcask.write.lock' && f.unreadable === undefined);
  const bytes = lock ? readHead(filePath(root, lock.name), 4096) : undefined;
  if (!bytes) return null;
  const { pid, sep, file } = lockFileParts(bytes);
  const base = pid !== '' && sep === ' ' ? file.split('/').pop() : undefined;
  return files.find((f) => f.role === 'data' && f.name === base)?.name ?? null;
}

// ------------------------------------------------------------------ description

function roleOf(name: string): { role: FileRole; id: number } | undefined {
  const data = DATA_NAME.exec(name);
  if (data) return { role: 'data', id: Number(data[1]) };
  const hint = HINT_NAME.exec(name);
  if (hint) return { role: 'hint', id: Number(hint[1]) };
  if (LOCK_NAMES.includes(name)) return { role: 'lock', id: -1 };
  return undefined;
}

const ROLE_ORDER: Record<FileRole, number> = { data: 0, hint: 1, keydir: 2, lock: 3, manifest: 4, other: 5 };

function listFiles(root: string): FormatFile[] {
  const files: FormatFile[] = [];
  for (const name of listDir(root)) {
    const kind = roleOf(name);
    if (!kind) continue;
    const listed = listedFile(filePath(root, name));
    if (!listed) continue;
    files.push({ name, role: kind.role, id: kind.id, ...listed });
  }
  // Numeric id order, each data file before its hint, locks last.
  files.sort((a, b) => {
    const ida = a.id < 0 ? Number.MAX_SAFE_INTEGER : a.id;
    const idb = b.id < 0 ? Number.MAX_SAFE_INTEGER : b.id;
    return ida - idb || ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || (a.name < b.name ? -1 : 1);
  });
  return files;
}

/** Does the first data record of a file check out (sane lengths and a matching CRC)? */
function firstRecordChecks(path: string, size: number): boolean {
  const head = readHead(path, Math.min(size, 64 * 1024));
  if (!head || head.length < DATA_HEADER) return false;
  const first = decodeDataFile(head)[0];
  return first !== undefined && first.status === 'valid';
}

function detect(dir: string) {
  for (const root of candidateRoots(dir, [])) {
    const data = listFiles(root).filter((f) => f.role === 'data');
    if (data.length === 0) continue;
    const sample = data.find((f) => f.size > 0);
    const checks = sample ? firstRecordChecks(filePath(root, sample.name), sample.size) : false;
    return {
      format: riakBitcask.id,
      confidence: sample === undefined ? 0.6 : checks ? 0.95 : 0.3,
      root,
      reason: `${data.length} file${data.length === 1 ? '' : 's'} named N.bitcask.data` + (sample === undefined ? ' (all empty)' : checks ? `; first record of ${sample.name} has a valid CRC` : `; but the first record of ${sample.name} does not check out`),
    };
  }
  return null;
}

function decodeFile(file: FormatFile, bytes: Uint8Array): DecodedRecord[] {
  switch (file.role) {
    case 'data':
      return decodeDataFile(bytes);
    case 'hint':
      return decodeHintFile(bytes);
    case 'lock':
      return decodeLockFile(bytes);
    default:
      return bytes.length === 0 ? [] : [damagedRecord(0, bytes.length, 'corrupt', 'unreadable', 'not a Bitcask file')];
  }
}

export const riakBitcask: FormatDescription = {
  id: 'riak-bitcask',
  title: 'Riak Bitcask',
  summary:
    'Folder of <N>.bitcask.data files (N from 1, numeric order), each with a <N>.bitcask.hint index. ' +
    'Data record: crc:u32 · tstamp:u32 · key_sz:u16 · value_sz:u32 · key · value, big-endian, CRC-32 over everything after the crc. ' +
    'A delete is a record whose value starts with "bitcask_tombstone" (v2 adds the id of the file that held the old value). ' +
    'The newest timestamp wins; on equal timestamps the higher file id, then the later offset. Merge writes a higher-numbered ' +
    'file that keeps the original timestamps. Hint entries (tstamp · key_sz · total_sz · tombstone bit · 63-bit offset · key) ' +
    'end with an 18-byte trailer holding the CRC-32 of the hint file.',
  writable: false,
  detect,
  listFiles,
  decodeFile,
  decodeRecords: (file, bytes, from) =>
    file.role === 'data' ? dataRecords(bytes, from) : file.role === 'hint' ? hintRecords(bytes, from) : recordsFrom(decodeFile(file, bytes), from),
  winner: 'sequence',
  sequenceIsTimestamp: true,
  stopsFileAtFirstBadRecord: false,
  stopsAtLostStep: true,
  keysFromValidHint: true,
  readHint,
  activeDataFile,
  looksFor: ['<N>.bitcask.data (+ <N>.bitcask.hint) in the folder itself'],
};
