/**
 * The native kvscope format as a format description: detection, file list
 * and a record decoder whose field ranges come from the same layout tables
 * the engine's codec uses (../native/layout.ts).
 */
import { readdirSync, openSync, readSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { checkHint, decodeSegmentHeader, forEachHintEntry, readU64, type RecordHeader } from '../native/codec.js';
import { memorySource } from '../native/byte-source.js';
import { parseDataFileName, hintFileName, listDirectory, COMPACTION_MANIFEST, KEYDIR_IMAGE_FILE, LOCK_FILE } from '../native/files.js';
import { realFs } from '../fs.js';
import { listedFile } from './fs-probe.js';
import { nativeDataFiles, unfinishedCompactionInputs } from '../compaction.js';
import { decodeKeydirImageFile, keydirImageRecords } from './native-keydir-image.js';
import {
  HINT_ENTRY,
  HINT_ENTRY_BODY_FIELDS,
  HINT_ENTRY_FIELDS,
  HINT_HEADER,
  HINT_HEADER_FIELDS,
  HINT_TRAILER,
  HINT_TRAILER_FIELDS,
  RECORD_BODY_FIELDS,
  RECORD_FIELDS,
  RECORD_HEADER,
  RECORD_TOMBSTONE,
  SEGMENT_HEADER,
  SEGMENT_HEADER_FIELDS,
  SEGMENT_MAGIC,
} from '../native/layout.js';
import { scanRecords, type ScanEvent, type ScannedDamage } from '../native/scan.js';
import { propertiesInOrder, RecordWithLazyFields, recordsFrom } from './decode-helpers.js';
import { fieldValues, hex32, layoutFields } from './field-layout.js';
import type { DecodedField, DecodedRecord, Detection, FileRole, FormatDescription, FormatFile } from './format.js';

function recordTypeName(type: number): string {
  return type === 1 ? 'put' : type === 2 ? 'tombstone' : `unknown (${type})`;
}

function flagsText(flags: number): string {
  if (flags === 0) return '0 (single write)';
  const parts = [flags & 1 ? 'in batch' : '', flags & 2 ? 'first' : '', flags & 4 ? 'last' : ''].filter(Boolean);
  return `0x${flags.toString(16).padStart(2, '0')} (${parts.join(', ')})`;
}

/** The fields of a key version: its header's, then its key and value. */
function recordFields(offset: number, h: RecordHeader, key: Buffer): DecodedField[] {
  return [
    ...layoutFields(RECORD_FIELDS, offset, fieldValues({
      crc: hex32(h.crc),
      type: recordTypeName(h.type),
      flags: flagsText(h.flags),
      sequence: String(h.sequence),
      keyLength: String(h.keyLength),
      valueLength: String(h.valueLength),
    })),
    ...layoutFields(
      RECORD_BODY_FIELDS,
      offset + RECORD_HEADER.size,
      fieldValues({ key: JSON.stringify(key.toString('latin1')), value: `${h.valueLength} bytes` }, { key: h.keyLength, value: h.valueLength }),
    ),
  ];
}

/**
 * A put or tombstone of a data segment, its fields made when first read (a
 * caller that prints or counts records never reads them).
 */
class NativeDataRecord extends RecordWithLazyFields implements DecodedRecord {
  readonly kind: 'put' | 'delete';
  readonly status = 'valid' as const;
  /** Undefined for a tombstone (left out of JSON). */
  readonly valueOffset: number | undefined;
  readonly valueLength: number | undefined;
  readonly sequence: number;
  readonly storedCrc: number;
  readonly #header: RecordHeader;

  constructor(
    readonly offset: number,
    readonly length: number,
    header: RecordHeader,
    readonly key: Buffer,
    readonly computedCrc: number,
  ) {
    super();
    const tombstone = header.type === RECORD_TOMBSTONE;
    this.kind = tombstone ? 'delete' : 'put';
    this.valueOffset = tombstone ? undefined : offset + RECORD_HEADER.size + header.keyLength;
    this.valueLength = tombstone ? undefined : header.valueLength;
    this.sequence = header.sequence;
    this.storedCrc = header.crc;
    this.#header = header;
  }

  protected makeFields(): DecodedField[] {
    return recordFields(this.offset, this.#header, this.key);
  }

  toJSON(): object {
    return propertiesInOrder(this, ['offset', 'length', 'kind', 'status', 'key', 'valueOffset', 'valueLength', 'sequence', 'storedCrc', 'computedCrc', 'fields']);
  }
}

/**
 * One scanner event of a data segment as a DecodedRecord with its fields (the
 * same decoding decodeFile does), so a caller that scans a window of a large
 * segment itself (the inspector's paged record table) gets identical records.
 */
export function decodedFromScan(ev: ScanEvent): DecodedRecord {
  if (ev.kind === 'record') return new NativeDataRecord(ev.offset, ev.length, ev.header, ev.key, ev.computedCrc);
  if (ev.kind === 'preallocated') {
    const explain = 'Zeros a writer that syncs its appends wrote ahead of them; its next appends go over them, and a clean close cuts them off.';
    return { offset: ev.offset, length: ev.length, kind: 'section', status: 'valid', label: 'preallocated space', fields: [{ name: 'preallocated space', role: 'padding', start: ev.offset, end: ev.offset + ev.length, display: `${ev.length} zero bytes`, explain }] };
  }
  return {
    offset: ev.offset,
    length: ev.length,
    kind: 'garbage',
    status: ev.kind,
    problem: ev.reason,
    problemKind: ev.kind === 'torn' ? 'torn-tail' : ev.header && ev.computedCrc !== undefined ? 'bad-crc' : 'impossible-length',
    ...(ev.header ? { storedCrc: ev.header.crc, sequence: ev.header.sequence } : {}),
    ...(ev.computedCrc !== undefined ? { computedCrc: ev.computedCrc } : {}),
    ...(ev.key ? { unverifiedKey: ev.key } : {}),
    fields: damagedFields(ev),
  };
}

/**
 * Fields of a damaged region: when it starts with a decodable record header,
 * what that header claims (and the key and value it announces, when they fit
 * in the region), then the rest as damaged bytes; otherwise one field.
 */
function damagedFields(ev: ScannedDamage): DecodedField[] {
  const whole: DecodedField = { name: 'damaged bytes', role: 'other', start: ev.offset, end: ev.offset + ev.length, display: `${ev.length} bytes`, explain: ev.reason };
  const h = ev.header;
  if (!h || ev.length < RECORD_HEADER.size) return [whole];
  const crc = ev.computedCrc !== undefined && ev.computedCrc !== h.crc ? `${hex32(h.crc)} (computed ${hex32(ev.computedCrc)})` : hex32(h.crc);
  const fields = layoutFields(RECORD_FIELDS, ev.offset, fieldValues({
    crc,
    type: recordTypeName(h.type),
    flags: flagsText(h.flags),
    sequence: String(h.sequence),
    keyLength: String(h.keyLength),
    valueLength: String(h.valueLength),
  }));
  let at = ev.offset + RECORD_HEADER.size;
  const end = ev.offset + ev.length;
  if (RECORD_HEADER.size + h.keyLength + h.valueLength <= ev.length) {
    // The key as its bytes read (unverified: the checksum fails), where its lengths are plausible.
    const key = ev.key ? `${JSON.stringify(ev.key.toString('latin1'))} (unverified)` : `${h.keyLength} bytes`;
    fields.push(...layoutFields(RECORD_BODY_FIELDS, at, fieldValues({ key, value: `${h.valueLength} bytes` }, { key: h.keyLength, value: h.valueLength })));
    at += h.keyLength + h.valueLength;
  }
  if (at < end) fields.push({ name: 'damaged bytes', role: 'other', start: at, end, display: `${end - at} bytes`, explain: ev.reason });
  return fields;
}

function decodeSegment(bytes: Uint8Array): DecodedRecord[] {
  const out: DecodedRecord[] = [];
  const header = decodeSegmentHeader(bytes);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length > 0 && bytes.length < SEGMENT_HEADER.size) {
    const problem = `file is ${bytes.length} bytes, shorter than the ${SEGMENT_HEADER.size}-byte segment header`;
    return [{ offset: 0, length: bytes.length, kind: 'garbage', status: 'torn', problem, fields: [{ name: 'partial header', role: 'other', start: 0, end: bytes.length, display: `${bytes.length} bytes`, explain: problem }] }];
  }
  if (bytes.length >= SEGMENT_HEADER.size) {
    const problem = header.ok ? undefined : { magic: 'bad magic', crc: 'header checksum mismatch', version: 'unknown format version', short: 'short header' }[header.reason];
    out.push({
      offset: 0,
      length: SEGMENT_HEADER.size,
      kind: 'header',
      status: header.ok ? 'valid' : 'corrupt',
      ...(problem ? { problem } : {}),
      fields: layoutFields(SEGMENT_HEADER_FIELDS, 0, fieldValues({
        magic: JSON.stringify(buf.toString('latin1', 0, 4)),
        version: String(buf.readUInt16LE(SEGMENT_HEADER.version)),
        flags: `0x${buf.readUInt16LE(SEGMENT_HEADER.flags).toString(16).padStart(4, '0')}`,
        segmentId: String(buf.readUInt32LE(SEGMENT_HEADER.segmentId)),
        sequenceFloor: String(readU64(buf, SEGMENT_HEADER.sequenceFloor)),
        headerCrc: hex32(buf.readUInt32LE(SEGMENT_HEADER.headerCrc)),
      })),
    });
  }
  for (const ev of scanRecords(memorySource(bytes), Math.min(SEGMENT_HEADER.size, bytes.length))) out.push(decodedFromScan(ev));
  return out;
}

function decodeHintFile(bytes: Uint8Array): DecodedRecord[] {
  return [...hintRecords(bytes)];
}

/** A hint entry, its fields made when first read (as a data record's). */
class NativeHintRecord extends RecordWithLazyFields implements DecodedRecord {
  readonly length: number;
  readonly kind = 'hint' as const;
  readonly status = 'valid' as const;
  readonly #type: number;
  readonly #dataOffset: number;
  readonly #recordLength: number;

  constructor(readonly offset: number, readonly key: Buffer, type: number, readonly sequence: number, dataOffset: number, recordLength: number) {
    super();
    this.length = HINT_ENTRY.size + key.length;
    this.#type = type;
    this.#dataOffset = dataOffset;
    this.#recordLength = recordLength;
  }

  protected makeFields(): DecodedField[] {
    const keyLength = this.key.length;
    return [
      ...layoutFields(HINT_ENTRY_FIELDS, this.offset, fieldValues({
        type: recordTypeName(this.#type),
        flags: '0',
        sequence: String(this.sequence),
        offset: String(this.#dataOffset),
        recordLength: String(this.#recordLength),
        keyLength: String(keyLength),
      })),
      ...layoutFields(HINT_ENTRY_BODY_FIELDS, this.offset + HINT_ENTRY.size, fieldValues({ key: JSON.stringify(this.key.toString('latin1')) }, { key: keyLength })),
    ];
  }

  toJSON(): object {
    return propertiesInOrder(this, ['offset', 'length', 'kind', 'status', 'key', 'sequence', 'fields']);
  }
}

/** A hint file's records one at a time (decodeHintFile's), from the record at `from`. */
function* hintRecords(bytes: Uint8Array, from = 0): Generator<DecodedRecord> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const check = checkHint(buf);
  if (!check.ok) {
    if (from === 0) yield { offset: 0, length: buf.length, kind: 'garbage', status: 'corrupt', problem: check.reason, fields: [{ name: 'hint file', role: 'other', start: 0, end: buf.length, display: `${buf.length} bytes`, explain: check.reason }] };
    return;
  }
  if (from === 0) {
    yield {
      offset: 0,
      length: HINT_HEADER.size,
      kind: 'header',
      status: 'valid',
      fields: layoutFields(HINT_HEADER_FIELDS, 0, fieldValues({
        magic: JSON.stringify(buf.toString('latin1', 0, 4)),
        version: String(buf.readUInt16LE(HINT_HEADER.version)),
        flags: '0',
        segmentId: String(check.segmentId),
        dataSize: String(check.dataSize),
      })),
    };
  }
  let at = Math.max(from, HINT_HEADER.size);
  while (at < check.entriesEnd) {
    const entryAt = at;
    let entry!: DecodedRecord;
    at = forEachHintEntry(buf, at, check.entriesEnd, 1, (keyAt, keyLength, type, sequence, offset, recordLength) => {
      entry = new NativeHintRecord(entryAt, buf.subarray(keyAt, keyAt + keyLength), type, sequence, offset, recordLength);
    });
    yield entry;
  }
  const trailerAt = check.entriesEnd;
  yield {
    offset: trailerAt,
    length: HINT_TRAILER.size,
    kind: 'trailer',
    status: 'valid',
    storedCrc: buf.readUInt32LE(trailerAt + HINT_TRAILER.crc),
    fields: layoutFields(HINT_TRAILER_FIELDS, trailerAt, fieldValues({ entryCount: String(check.entryCount), crc: hex32(buf.readUInt32LE(trailerAt + HINT_TRAILER.crc)) })),
  };
}

function startsWithMagic(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(4);
    return readSync(fd, buf, 0, 4, 0) === 4 && buf.toString('latin1') === SEGMENT_MAGIC;
  } finally {
    closeSync(fd);
  }
}

export const nativeFormat: FormatDescription = {
  id: 'kvscope',
  title: 'kvscope (native)',
  summary:
    'Segments NNNNNN.data with a 24-byte header ("KVSD", version, flags, id, sequence floor, CRC) and records crc32 · type · flags · sequence u64 · key length u32 · value length u32 · key · value, little-endian. Deletes are tombstone records (type 2). The record with the highest sequence number wins, whatever file holds it. Hint files NNNNNN.hint list the records of sealed segments. A clean close writes KEYDIR, the keydir itself (a slot per key: segment, offset, length, sequence), which the next open takes over if the segments are still exactly as it describes them. Compaction writes NNNNNN.data.compacting, commits through a COMPACTION manifest, renames, then deletes its inputs.',
  writable: true,
  looksFor: ['NNNNNN.data segment files starting with the magic "KVSD"'],
  winner: 'sequence',
  stopsFileAtFirstBadRecord: false,
  detect(dir: string): Detection | null {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return null;
    }
    const data = names.filter((n) => parseDataFileName(n) !== undefined);
    if (data.length === 0) return null;
    const withMagic = data.filter((n) => {
      try {
        return startsWithMagic(join(dir, n));
      } catch {
        return false;
      }
    }).length;
    if (withMagic === 0) return { format: 'kvscope', confidence: 0.3, root: dir, reason: `${data.length} file${data.length === 1 ? '' : 's'} named NNNNNN.data, none starting with the magic "KVSD"` };
    return { format: 'kvscope', confidence: withMagic === data.length ? 1 : 0.8, root: dir, reason: `${withMagic} of ${data.length} segment file${data.length === 1 ? '' : 's'} named NNNNNN.data ${withMagic === 1 ? 'starts' : 'start'} with the magic "KVSD"` };
  },
  listFiles(root: string): FormatFile[] {
    // The files a reader reads: a committed compaction a crash interrupted shows its outputs (*.compacting)
    // and hides its inputs, which the next writer deletes (nativeDataFiles).
    const listing = listDirectory(realFs, root);
    const segments = nativeDataFiles(realFs, root, listing);
    const replaced = new Set(unfinishedCompactionInputs(realFs, root, listing));
    const files: FormatFile[] = [];
    // A name that cannot be read as a file (a link to nothing, a directory) is listed as such, as in other formats: the
    // tools show it and verify reports it. One gone since the listing (a writer's compaction) is left out.
    const add = (name: string, role: FileRole, id: number) => {
      const listed = listedFile(join(root, name));
      if (listed) files.push({ name, role, id, size: listed.size, ...(listed.unreadable !== undefined ? { unreadable: listed.unreadable } : {}) });
    };
    for (const segment of segments) {
      add(segment.name, 'data', segment.id);
      if (segment.hint !== undefined) add(segment.hint, 'hint', segment.id);
    }
    // A hint without its segment is listed (verify reports it), unless a compaction replaced that segment.
    for (const id of listing.hintIds) if (!segments.some((s) => s.id === id) && !replaced.has(id)) add(hintFileName(id), 'hint', id);
    if (listing.hasKeydirImage) add(KEYDIR_IMAGE_FILE, 'keydir', -1);
    if (listing.hasManifest) add(COMPACTION_MANIFEST, 'manifest', -1);
    if (listing.hasLock) add(LOCK_FILE, 'lock', -1);
    const rank = { data: 0, hint: 1, keydir: 2, manifest: 3, lock: 4, other: 5 } as const;
    // Segments and their hints by id, then the store's own files (the keydir image, a manifest, the lock).
    const idOf = (f: FormatFile) => (f.id < 0 ? Number.MAX_SAFE_INTEGER : f.id);
    return files.sort((a, b) => idOf(a) - idOf(b) || rank[a.role] - rank[b.role]);
  },
  decodeFile(file: FormatFile, bytes: Uint8Array): DecodedRecord[] {
    if (file.role === 'data') return decodeSegment(bytes);
    if (file.role === 'hint') return decodeHintFile(bytes);
    if (file.role === 'keydir') return decodeKeydirImageFile(bytes);
    return [];
  },
  decodeRecords(file: FormatFile, bytes: Uint8Array, from = 0): Iterable<DecodedRecord> {
    if (file.role === 'hint') return hintRecords(bytes, from);
    if (file.role === 'keydir') return keydirImageRecords(bytes, from);
    // A data segment has an index of its own in the record table (NativeSegmentIndex).
    return recordsFrom(this.decodeFile(file, bytes), from);
  },
};
