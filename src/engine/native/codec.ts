/**
 * Encoding and decoding of native records, segment headers and hint files,
 * at the offsets laid down in ./layout.ts. Pure functions over bytes.
 */
import { crc32, crc32Range } from '../crc.js';
import {
  FLAG_BATCH_END,
  FLAG_BATCH_FIRST,
  FLAG_IN_BATCH,
  FORMAT_VERSION,
  HINT_ENTRY,
  HINT_HEADER,
  HINT_MAGIC,
  HINT_TRAILER,
  MAX_KEY_BYTES,
  MAX_VALUE_BYTES,
  RECORD_HEADER,
  RECORD_PUT,
  RECORD_TOMBSTONE,
  SEGMENT_HEADER,
  SEGMENT_MAGIC,
} from './layout.js';

const TWO_32 = 0x1_0000_0000;
const TWO_64 = 2 ** 64;
const KNOWN_RECORD_FLAGS = FLAG_IN_BATCH | FLAG_BATCH_FIRST | FLAG_BATCH_END;

/*
 * Little-endian integers in the per-record and per-entry loops are read and
 * written byte by byte here, not with Buffer#readUInt32LE and friends: in
 * Node 20 those validate their offset through a wrapper that V8 does not
 * inline, ~14 ns a call against ~4 ns (measured on this machine), and a
 * replayed hint entry or record takes five or six of them. Like Buffer's,
 * these throw a RangeError for bytes outside the array, so a bounds slip
 * stays an error instead of reading undefined as 0, and the writers one for
 * a value the field cannot hold. The two hottest loops, a hint's entries at
 * open and the data walk, read through a DataView instead (fieldsOf), one
 * load a field.
 */

function outOfRange(buf: Uint8Array, at: number, width: number): RangeError {
  return new RangeError(`${width}-byte integer at offset ${at} lies outside ${buf.length} bytes`);
}

/**
 * A DataView over bytes [0, length) of buf, for the hottest loops (a hint's
 * entries at open, the data walk): in optimized code `getUint32(at, true)` is
 * one load, where readU32 takes four and their shifts (five fields of 1M hint
 * entries: ~6 ms against ~18 ms). It throws a RangeError outside the bytes,
 * as readU32 does.
 */
export function fieldsOf(buf: Uint8Array, length = buf.length): DataView {
  return new DataView(buf.buffer, buf.byteOffset, length);
}

/** u64 little-endian at `at` of a fieldsOf view (exact below 2^53, as readU64). */
export function getU64(fields: DataView, at: number): number {
  return fields.getUint32(at + 4, true) * TWO_32 + fields.getUint32(at, true);
}

/** u32 little-endian at buf[at]. */
export function readU32(buf: Uint8Array, at: number): number {
  if (!(at >= 0 && at + 4 <= buf.length)) throw outOfRange(buf, at, 4);
  return (buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16) | (buf[at + 3]! << 24)) >>> 0;
}

/** Write value (an integer in [0, 2^32)) as u32 little-endian at buf[at]; a value outside that range is a RangeError, as with Buffer#writeUInt32LE. */
export function writeU32(buf: Uint8Array, value: number, at: number): void {
  if (!(at >= 0 && at + 4 <= buf.length)) throw outOfRange(buf, at, 4);
  if (value < 0 || value > 0xffff_ffff) throw new RangeError(`${value} is not a u32`);
  buf[at] = value;
  buf[at + 1] = value >>> 8;
  buf[at + 2] = value >>> 16;
  buf[at + 3] = value >>> 24;
}

/** Write value (an integer in [0, 2^53), exactly) as u64 little-endian at buf[at]; a negative value or one of 2^64 or more is a RangeError. */
export function writeU64(buf: Uint8Array, value: number, at: number): void {
  if (!(at >= 0 && at + 8 <= buf.length)) throw outOfRange(buf, at, 8);
  if (value < 0 || value >= TWO_64) throw new RangeError(`${value} is not a u64`);
  // >>> 0 is the low 32 bits of any integer below 2^53; a floating-point % would cost a call.
  writeU32(buf, value >>> 0, at);
  writeU32(buf, value < TWO_32 ? 0 : Math.floor(value / TWO_32), at + 4);
}

/** u64 little-endian at buf[at], as a number (exact below 2^53). */
export function readU64(buf: Uint8Array, at: number): number {
  return readU32(buf, at + 4) * TWO_32 + readU32(buf, at);
}

// ---------------------------------------------------------------- segment header

export interface SegmentHeader {
  version: number;
  flags: number;
  segmentId: number;
  sequenceFloor: number;
}

export function encodeSegmentHeader(h: Omit<SegmentHeader, 'version'>): Buffer {
  const buf = Buffer.alloc(SEGMENT_HEADER.size);
  buf.write(SEGMENT_MAGIC, SEGMENT_HEADER.magic, 'latin1');
  buf.writeUInt16LE(FORMAT_VERSION, SEGMENT_HEADER.version);
  buf.writeUInt16LE(h.flags, SEGMENT_HEADER.flags);
  buf.writeUInt32LE(h.segmentId, SEGMENT_HEADER.segmentId);
  writeU64(buf, h.sequenceFloor, SEGMENT_HEADER.sequenceFloor);
  buf.writeUInt32LE(crc32(buf.subarray(0, SEGMENT_HEADER.headerCrc)), SEGMENT_HEADER.headerCrc);
  return buf;
}

export type HeaderResult =
  | { ok: true; header: SegmentHeader }
  | { ok: false; reason: 'short' | 'magic' | 'crc' | 'version'; version?: number };

export function decodeSegmentHeader(bytes: Uint8Array): HeaderResult {
  if (bytes.length < SEGMENT_HEADER.size) return { ok: false, reason: 'short' };
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, SEGMENT_HEADER.size);
  if (buf.toString('latin1', 0, 4) !== SEGMENT_MAGIC) return { ok: false, reason: 'magic' };
  const stored = buf.readUInt32LE(SEGMENT_HEADER.headerCrc);
  if (stored !== crc32(buf.subarray(0, SEGMENT_HEADER.headerCrc))) return { ok: false, reason: 'crc' };
  const version = buf.readUInt16LE(SEGMENT_HEADER.version);
  if (version !== FORMAT_VERSION) return { ok: false, reason: 'version', version };
  return {
    ok: true,
    header: {
      version,
      flags: buf.readUInt16LE(SEGMENT_HEADER.flags),
      segmentId: buf.readUInt32LE(SEGMENT_HEADER.segmentId),
      sequenceFloor: readU64(buf, SEGMENT_HEADER.sequenceFloor),
    },
  };
}

// ---------------------------------------------------------------- records

export interface RecordHeader {
  crc: number;
  type: number;
  flags: number;
  sequence: number;
  keyLength: number;
  valueLength: number;
}

export function recordLength(keyLength: number, valueLength: number): number {
  return RECORD_HEADER.size + keyLength + valueLength;
}

/** Encode one record into `out` at `at` (out must have room); returns bytes written. */
export function encodeRecordInto(
  out: Buffer,
  at: number,
  type: number,
  flags: number,
  sequence: number,
  key: Uint8Array,
  value: Uint8Array | undefined,
): number {
  const valueLength = value ? value.length : 0;
  out[at + RECORD_HEADER.type] = type;
  out[at + RECORD_HEADER.flags] = flags;
  writeU64(out, sequence, at + RECORD_HEADER.sequence);
  writeU32(out, key.length, at + RECORD_HEADER.keyLength);
  writeU32(out, valueLength, at + RECORD_HEADER.valueLength);
  out.set(key, at + RECORD_HEADER.size);
  if (value) out.set(value, at + RECORD_HEADER.size + key.length);
  const end = at + RECORD_HEADER.size + key.length + valueLength;
  writeU32(out, crc32Range(out, at + RECORD_HEADER.type, end), at + RECORD_HEADER.crc);
  return end - at;
}

export function encodeRecord(type: number, flags: number, sequence: number, key: Uint8Array, value?: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(recordLength(key.length, value ? value.length : 0));
  encodeRecordInto(out, 0, type, flags, sequence, key, value);
  return out;
}

export function readRecordHeader(b: Uint8Array, at: number): RecordHeader {
  return {
    crc: readU32(b, at + RECORD_HEADER.crc),
    type: b[at + RECORD_HEADER.type]!,
    flags: b[at + RECORD_HEADER.flags]!,
    sequence: readU64(b, at + RECORD_HEADER.sequence),
    keyLength: readU32(b, at + RECORD_HEADER.keyLength),
    valueLength: readU32(b, at + RECORD_HEADER.valueLength),
  };
}

/** Why a record header cannot be the start of a valid record, or undefined when it is plausible. */
export function implausibleHeader(h: RecordHeader): string | undefined {
  if (h.type !== RECORD_PUT && h.type !== RECORD_TOMBSTONE) return `unknown record type ${h.type}`;
  if ((h.flags & ~KNOWN_RECORD_FLAGS) !== 0) return `unknown flags 0x${h.flags.toString(16)}`;
  if (h.keyLength > MAX_KEY_BYTES) return `key length ${h.keyLength} exceeds the maximum ${MAX_KEY_BYTES}`;
  if (h.valueLength > MAX_VALUE_BYTES) return `value length ${h.valueLength} exceeds the maximum ${MAX_VALUE_BYTES}`;
  if (h.type === RECORD_TOMBSTONE && h.valueLength !== 0) return `tombstone with value length ${h.valueLength}`;
  return undefined;
}

/** CRC the record's stored checksum should equal: everything after the CRC field. */
export function computeRecordCrc(record: Uint8Array): number {
  return crc32(record.subarray(RECORD_HEADER.type));
}

// ---------------------------------------------------------------- hint files

export interface HintEntry {
  type: number;
  sequence: number;
  offset: number;
  recordLength: number;
  key: Buffer;
}

export interface HintFile {
  segmentId: number;
  dataSize: number;
  entries: HintEntry[];
}

/** The hint header (magic, version, flags, segment id, data size) at the start of `buf`. */
export function writeHintHeader(buf: Buffer, segmentId: number, dataSize: number): void {
  buf.write(HINT_MAGIC, HINT_HEADER.magic, 'latin1');
  buf.writeUInt16LE(FORMAT_VERSION, HINT_HEADER.version);
  buf.writeUInt16LE(0, HINT_HEADER.flags);
  buf.writeUInt32LE(segmentId, HINT_HEADER.segmentId);
  writeU64(buf, dataSize, HINT_HEADER.dataSize);
}

export function encodeHint(segmentId: number, dataSize: number, entries: readonly HintEntry[]): Buffer {
  let size = HINT_HEADER.size + HINT_TRAILER.size;
  for (const e of entries) size += HINT_ENTRY.size + e.key.length;
  const buf = Buffer.alloc(size);
  writeHintHeader(buf, segmentId, dataSize);
  let at = HINT_HEADER.size;
  for (const e of entries) {
    buf[at + HINT_ENTRY.type] = e.type;
    buf[at + HINT_ENTRY.flags] = 0;
    writeU64(buf, e.sequence, at + HINT_ENTRY.sequence);
    writeU32(buf, e.offset, at + HINT_ENTRY.offset);
    writeU32(buf, e.recordLength, at + HINT_ENTRY.recordLength);
    writeU32(buf, e.key.length, at + HINT_ENTRY.keyLength);
    buf.set(e.key, at + HINT_ENTRY.size);
    at += HINT_ENTRY.size + e.key.length;
  }
  buf.writeUInt32LE(entries.length, at + HINT_TRAILER.entryCount);
  buf.writeUInt32LE(crc32(buf.subarray(0, at + HINT_TRAILER.crc)), at + HINT_TRAILER.crc);
  return buf;
}

export type HintResult = { ok: true; hint: HintFile } | { ok: false; offset: number; reason: string };

export type HintCheck =
  | { ok: true; segmentId: number; dataSize: number; entryCount: number; entriesEnd: number }
  | { ok: false; offset: number; reason: string };

/** Check a whole hint file (checksum, version, every entry's bounds) without allocating per entry. */
export function checkHint(bytes: Buffer): HintCheck {
  if (bytes.length < HINT_HEADER.size + HINT_TRAILER.size) return { ok: false, offset: 0, reason: 'shorter than a hint header and trailer' };
  if (bytes.toString('latin1', 0, 4) !== HINT_MAGIC) return { ok: false, offset: 0, reason: 'bad magic' };
  const trailerAt = bytes.length - HINT_TRAILER.size;
  const storedCrc = bytes.readUInt32LE(trailerAt + HINT_TRAILER.crc);
  if (storedCrc !== crc32(bytes.subarray(0, trailerAt + HINT_TRAILER.crc))) {
    return { ok: false, offset: trailerAt + HINT_TRAILER.crc, reason: 'hint checksum does not match its contents' };
  }
  const version = bytes.readUInt16LE(HINT_HEADER.version);
  if (version !== FORMAT_VERSION) return { ok: false, offset: HINT_HEADER.version, reason: `unknown hint version ${version}` };
  const expectedCount = bytes.readUInt32LE(trailerAt + HINT_TRAILER.entryCount);
  let count = 0;
  let at = HINT_HEADER.size;
  // The walk reads each key length with one load (fieldsOf), inside the bounds checked just before.
  const fields = fieldsOf(bytes, trailerAt);
  while (at < trailerAt) {
    if (at + HINT_ENTRY.size > trailerAt) return { ok: false, offset: at, reason: 'hint entry runs into the trailer' };
    const keyLength = fields.getUint32(at + HINT_ENTRY.keyLength, true);
    if (keyLength > MAX_KEY_BYTES || at + HINT_ENTRY.size + keyLength > trailerAt) {
      return { ok: false, offset: at, reason: `impossible key length ${keyLength}` };
    }
    at += HINT_ENTRY.size + keyLength;
    count++;
  }
  if (count !== expectedCount) return { ok: false, offset: trailerAt, reason: `trailer counts ${expectedCount} entries, file has ${count}` };
  return { ok: true, segmentId: bytes.readUInt32LE(HINT_HEADER.segmentId), dataSize: readU64(bytes, HINT_HEADER.dataSize), entryCount: count, entriesEnd: trailerAt };
}

/**
 * Call fn for up to `max` entries of a hint file checked by checkHint,
 * starting at byte `from`; returns where it stopped. A key comes as where it
 * lies in `bytes` (keyAt, keyLength), no copy or string made: the caller
 * takes what it needs of it.
 */
export function forEachHintEntry(
  bytes: Buffer,
  from: number,
  end: number,
  max: number,
  fn: (keyAt: number, keyLength: number, type: number, sequence: number, offset: number, recordLength: number) => void,
): number {
  let at = from;
  for (let n = 0; n < max && at < end; n++) {
    const keyLength = readU32(bytes, at + HINT_ENTRY.keyLength);
    const keyAt = at + HINT_ENTRY.size;
    fn(keyAt, keyLength, bytes[at + HINT_ENTRY.type]!, readU64(bytes, at + HINT_ENTRY.sequence), readU32(bytes, at + HINT_ENTRY.offset), readU32(bytes, at + HINT_ENTRY.recordLength));
    at = keyAt + keyLength;
  }
  return at;
}

/** Decode a whole hint file; any damage makes the whole hint unusable. */
export function decodeHint(bytes: Buffer): HintResult {
  const check = checkHint(bytes);
  if (!check.ok) return check;
  const entries: HintEntry[] = [];
  forEachHintEntry(bytes, HINT_HEADER.size, check.entriesEnd, Infinity, (keyAt, keyLength, type, sequence, offset, recordLength) => {
    entries.push({ type, sequence, offset, recordLength, key: Buffer.from(bytes.subarray(keyAt, keyAt + keyLength)) });
  });
  return { ok: true, hint: { segmentId: check.segmentId, dataSize: check.dataSize, entries } };
}
