/**
 * whispem/mini-kvstore-v2: three on-disk formats from three eras of the same
 * repository, each confirmed by fixtures written by the real program.
 *
 *  - `mini-kvstore-v2` (HEAD e0ee513): `db/segment-<N>.dat`, N from 1, no
 *    padding, replayed in NUMERIC order (by name, segment-10 would come
 *    before segment-2). Put: op:u8=0 · key_len:u32 LE · key · val_len:u32 LE ·
 *    value; delete: op:u8=1 · key_len:u32 LE · key. No CRC. A record whose
 *    lengths run past the end of the segment is a torn tail, unless sound
 *    records follow it to the end of the file: then its length is damaged
 *    (the decoder goes on at them; the program stops reading there).
 *  - `mini-kvstore-v2-b22e80f` (0.1 era): `data/segments/segment_<n>.log`,
 *    replayed in NAME order. key_len:u32 LE · val_len:u32 LE · tomb:u8 · key ·
 *    value · crc:u32 LE, CRC-32 over key ‖ tomb ‖ value (not the lengths).
 *    Replay stops a file at its first bad CRC or truncated record. A record
 *    whose lengths run past the end, or whose CRC fails where no sound record
 *    starts at its end, has a damaged length when a record whose CRC checks
 *    out starts after it (the decoder goes on there).
 *  - `mini-kvstore-v2-c548bfb` (0.2 era): `data/segment-<id>.dat`, id from 0,
 *    numeric order. key_len:u64 LE · val_len:u64 LE · key · value; a delete
 *    has val_len = u64::MAX and no value bytes. No CRC: as in HEAD, a record
 *    whose lengths run past the end has a damaged length when sound records
 *    follow it to the end of the file (a wrong length that stays inside the
 *    file reads as a record; the damage shows at the next one).
 *
 * In every era the last record of a key wins in replay order, and the
 * program stops reading a segment at the first record it cannot read.
 */
import { isUtf8 } from 'node:buffer';
import * as path from 'node:path';
import { crc32Range } from '../crc.js';
import type { DecodedField, DecodedRecord, Detection, FieldSpec, FormatDescription, FormatFile } from './format.js';
import { damagedRecord, hex32, pastEndRecord, propertiesInOrder, RecordWithLazyFields, readU64LE, showBytes, viewOf } from './decode-helpers.js';
import { type FieldValue, fixedSize, headerOffset, layoutFields } from './field-layout.js';
import { candidateRoots, filePath, listedFile, listDir, readHead } from './fs-probe.js';

// ------------------------------------------------------------------ shared: segment folders

interface SegmentNaming {
  /** Matches a segment file name; group 1 is the id. */
  pattern: RegExp;
  /** The names, for people ("segment-N.dat"): what detection says it found. */
  shown: string;
  /** Replay order of segment files. */
  order: 'numeric' | 'name';
  /** The engine's own folders inside the directory it runs in. */
  innerFolders: readonly string[];
  /** Name of the folder the segments normally live in (a small detection bonus). */
  usualFolder: string;
}

function listSegments(root: string, naming: SegmentNaming): FormatFile[] {
  const files: FormatFile[] = [];
  for (const name of listDir(root)) {
    const m = naming.pattern.exec(name);
    if (!m) continue;
    const listed = listedFile(filePath(root, name));
    if (!listed) continue;
    files.push({ name, role: 'data', id: Number(m[1]), ...listed });
  }
  if (naming.order === 'numeric') files.sort((a, b) => a.id - b.id || (a.name < b.name ? -1 : 1));
  else files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return files;
}

/** "3 segment files named segment-N.dat": what detection found, in words. */
function segmentFiles(n: number, naming: SegmentNaming): string {
  return `${n} segment file${n === 1 ? '' : 's'} named ${naming.shown}`;
}

/** How much of the first non-empty segment detection decodes to check the layout. */
const SNIFF_BYTES = 64 * 1024;

/**
 * Finds segments in `dir` or one of the engine's folders inside it and
 * checks that the first non-empty one decodes cleanly with `decode` (a
 * different era's bytes do not), which tells apart eras that share a
 * file-name pattern.
 */
function detectSegments(
  dir: string,
  format: string,
  naming: SegmentNaming,
  decode: (bytes: Uint8Array) => DecodedRecord[],
): Detection | null {
  for (const root of candidateRoots(dir, naming.innerFolders)) {
    const segments = listSegments(root, naming);
    if (segments.length === 0) continue;
    const folderBonus = path.basename(root) === naming.usualFolder ? 0.05 : 0;
    const sample = segments.find((f) => f.size > 0);
    if (!sample) {
      return { format, confidence: 0.4 + folderBonus, root, reason: `${segmentFiles(segments.length, naming)}, all empty` };
    }
    const head = readHead(filePath(root, sample.name), SNIFF_BYTES) ?? new Uint8Array();
    const records = decode(head);
    const cut = head.length < sample.size;
    // A last record cut short after good ones is this layout: where the sniff stopped, or a write cut short (a crash).
    // The latter is less sure (another era's bytes can read as a record or two, then a cut one), but far from 'not this layout'.
    const tornEnd = records.length > 1 && records[records.length - 1]!.status === 'torn';
    // So is one record with a damaged length between good ones, where sound records follow it to the end (the HEAD decoder goes on after it only then).
    const bad = records.filter((r) => r.status !== 'valid');
    const damagedLength = bad.length === 1 && bad[0]!.problemKind === 'impossible-length' && bad[0] !== records[0] && bad[0] !== records[records.length - 1] ? bad[0] : undefined;
    const clean =
      records.length > 0 &&
      records[0]!.status === 'valid' &&
      records.every((r, i) => r.status === 'valid' || (tornEnd && i === records.length - 1) || r === damagedLength);
    const cutShort = clean && tornEnd && !cut;
    const how = !clean
      ? 'does not decode as this layout'
      : cutShort
        ? 'decodes cleanly up to its last record, cut short'
        : damagedLength
          ? `decodes cleanly but for one record with a damaged length (at ${damagedLength.offset})`
          : 'decodes cleanly';
    return {
      format,
      confidence: (!clean ? 0.1 : cutShort || damagedLength ? 0.6 : 0.9) + folderBonus,
      root,
      reason: `${segmentFiles(segments.length, naming)}; ${sample.name} ${how}`,
    };
  }
  return null;
}

/** A field of a record whose header was read: its value shown, and its size (a key or value: what its length says). */
interface HeaderReadField {
  display: string;
  size: number;
  /** For a key or a value: the field its size comes from, and that size as stored (a u64 may exceed 2^53). */
  lengthField?: { name: string; stored: string };
}

/**
 * A record of the 0.1 or 0.2 era (every length in its header, which is whole)
 * whose lengths run past the end of the file: a torn tail, or an impossible
 * length when it claims far more (pastEndRecord). Its fields are decoded as
 * far as they lie inside the file, so that the hex view shows the length that
 * runs over, and the problem names the field that runs past the end. A torn
 * key or value is shown as far as it was written; one of a record that claims
 * an impossible length is not (its bytes are likely other records'): what is
 * left is one undecoded field.
 *
 * With `next`, a sound record found after it (`next.why` says how it was
 * found), it is no write cut short but a damaged length: the record is the
 * region up to that record, corrupt.
 */
function pastEndHeaderRecord(
  bytes: Uint8Array,
  pos: number,
  what: string,
  specs: readonly FieldSpec[],
  values: Readonly<Record<string, HeaderReadField>>,
  next?: SoundAfter,
): DecodedRecord {
  const claimedEnd = claimedEndOf(pos, specs, values);
  if (next !== undefined) {
    const needs = Number.isFinite(claimedEnd) ? `${claimedEnd - pos} bytes` : 'more than 2^53 bytes';
    const problem = `${what} needs ${needs} (${lengthsOf(specs, values)}), more than the ${bytes.length - pos} left in the file, yet ${next.why}: a length is damaged, not a write cut short; the program stops reading this segment here`;
    return withHeaderFields(pos, damagedRecord(pos, next.at, 'corrupt', 'impossible-length', problem), specs, values, `the next sound record at ${next.at}`);
  }
  const over = fieldRunningPast(pos, specs, values, bytes.length);
  const length = over && values[over.name]?.lengthField;
  const runsOver = over && `its ${over.name}${length ? `, ${length.name} ${length.stored},` : ''} runs past the end of the file`;
  return withHeaderFields(pos, withTornKey(bytes, pos, pastEndRecord(pos, bytes.length, claimedEnd, what, runsOver), specs, values), specs, values, 'the end of the file');
}

/**
 * A torn record (a write cut short, not an impossible length) whose key lies whole inside the file: `record`
 * with the key as its bytes read (unverified: no checksum of the record is there to vouch for it). An empty key
 * is not named (nothing to tell it by).
 */
function withTornKey(bytes: Uint8Array, pos: number, record: DecodedRecord, specs: readonly FieldSpec[], values: Readonly<Record<string, HeaderReadField>>): DecodedRecord {
  if (record.status !== 'torn') return record;
  let at = pos;
  for (const spec of specs) {
    const size = sizeOf(spec, values);
    if (spec.name === 'key') {
      if (size > 0 && at + size <= bytes.length) record.unverifiedKey = bytes.subarray(at, at + size);
      break;
    }
    at += size;
  }
  return record;
}

/** A sound record found after a damaged one, and how it was found ("sound records follow from 48 to the end of the file"). */
interface SoundAfter {
  at: number;
  why: string;
}

/** A field's size as the header says (a key or value: its length field). */
function sizeOf(spec: FieldSpec, values: Readonly<Record<string, HeaderReadField>>): number {
  return spec.size >= 0 ? spec.size : values[spec.name]!.size;
}

/** Where a record whose header was read says it ends (Infinity for a u64 length beyond 2^53). */
function claimedEndOf(pos: number, specs: readonly FieldSpec[], values: Readonly<Record<string, HeaderReadField>>): number {
  return specs.reduce((end, spec) => end + sizeOf(spec, values), pos);
}

/** The first field of the record at `pos` that ends past `limit`, if any. */
function fieldRunningPast(pos: number, specs: readonly FieldSpec[], values: Readonly<Record<string, HeaderReadField>>, limit: number): FieldSpec | undefined {
  let end = pos;
  for (const spec of specs) {
    end += sizeOf(spec, values);
    if (end > limit) return spec;
  }
  return undefined;
}

/** "key_len 250, val_len 3": the lengths a header says. */
function lengthsOf(specs: readonly FieldSpec[], values: Readonly<Record<string, HeaderReadField>>): string {
  return specs.flatMap((spec) => (values[spec.name]?.lengthField ? [`${values[spec.name]!.lengthField!.name} ${values[spec.name]!.lengthField!.stored}`] : [])).join(', ');
}

/**
 * `record` (a torn or damaged one, one opaque field from `pos` to its end)
 * with its header's fields decoded as far as they lie inside it: a torn key
 * or value as far as it was written; a damaged record's key or value that does
 * not fit is not decoded (its bytes are other records'). The length field of
 * the first field that runs past the record's end is marked so (`past`: what
 * it runs past); what is left is one undecoded field.
 */
function withHeaderFields(
  pos: number,
  record: DecodedRecord,
  specs: readonly FieldSpec[],
  values: Readonly<Record<string, HeaderReadField>>,
  past: string,
): DecodedRecord {
  const regionEnd = record.offset + record.length;
  const over = fieldRunningPast(pos, specs, values, regionEnd);
  const fields: DecodedField[] = [];
  let at = pos;
  for (const spec of specs) {
    const full = sizeOf(spec, values);
    const size = Math.min(full, regionEnd - at);
    // A fixed field that does not fit; a key or value that does not, of a record that is not torn.
    if (size < full && (spec.size >= 0 || record.status !== 'torn')) break;
    const value = values[spec.name]!;
    const isOverLength = over !== undefined && values[over.name]?.lengthField?.name === spec.name;
    const display = size < full ? `${value.display} (cut short: ${size} of ${Number.isFinite(full) ? full : value.lengthField?.stored} bytes)` : `${value.display}${isOverLength ? ` (runs past ${past})` : ''}`;
    fields.push(...layoutFields([spec], at, { [spec.name]: { display, size } }));
    at += size;
    if (size < full) break;
  }
  if (at < regionEnd) fields.push({ ...record.fields[0]!, start: at, display: `${regionEnd - at} bytes` });
  record.fields = fields;
  return record;
}

/** How many records a search for sound records may walk in all, beyond one per byte of the segment. */
const RESYNC_STEPS = 1 << 16;

/**
 * The first offset at or after `from` from which sound records follow one
 * another exactly to the end of the file, if any (within `budget.left`
 * records walked). `soundEnd` gives the end of the record at an offset when
 * it is sound, else -1. For the eras without a checksum: after a record whose
 * lengths run past the end, such records show its length is damaged, as a
 * write cut short leaves nothing after it.
 */
function nextSoundChain(bytes: Uint8Array, from: number, soundEnd: (at: number) => number, budget: { left: number }): SoundAfter | undefined {
  for (let q = from; q < bytes.length; q++) {
    let at = q;
    while (at < bytes.length && budget.left-- > 0) {
      const end = soundEnd(at);
      if (end < 0) break;
      at = end;
    }
    if (at === bytes.length) return { at: q, why: `sound records follow from ${q} to the end of the file` };
    if (budget.left <= 0) return undefined;
  }
  return undefined;
}

// ------------------------------------------------------------------ HEAD (e0ee513)

const HEAD_PUT_FIELDS: readonly FieldSpec[] = [
  { name: 'op', role: 'type', size: 1, explain: 'Operation: 0 = set, 1 = delete' },
  { name: 'key_len', role: 'key-length', size: 4, explain: 'Key length in bytes (u32, little-endian)' },
  { name: 'key', role: 'key', size: -1, explain: 'The key bytes (UTF-8 text)' },
  { name: 'val_len', role: 'value-length', size: 4, explain: 'Value length in bytes (u32, little-endian)' },
  { name: 'value', role: 'value', size: -1, explain: 'The value bytes' },
];
const HEAD_DELETE_FIELDS: readonly FieldSpec[] = HEAD_PUT_FIELDS.slice(0, 3);
const HEAD_HEADER = fixedSize(HEAD_PUT_FIELDS);
const HEAD_AT_OP = headerOffset(HEAD_PUT_FIELDS, 'op');
const HEAD_AT_KEY_LEN = headerOffset(HEAD_PUT_FIELDS, 'key_len');
const HEAD_VAL_LEN_SIZE = HEAD_PUT_FIELDS.find((f) => f.name === 'val_len')!.size;

const OP_SET = 0;
const OP_DELETE = 1;

/**
 * A set or delete of the eras without a checksum (HEAD and 0.2), its fields
 * made when first read by the era's subclass.
 */
abstract class SetOrDeleteRecord extends RecordWithLazyFields implements DecodedRecord {
  readonly status = 'valid' as const;
  readonly kind: 'put' | 'delete';
  /** Undefined for a delete (left out of JSON). */
  readonly valueOffset: number | undefined;
  readonly valueLength: number | undefined;
  /** Private (#): never spread, cloned or written as JSON with the record. */
  readonly #bytes: Uint8Array;

  constructor(bytes: Uint8Array, readonly offset: number, readonly length: number, readonly key: Uint8Array, valueOffset?: number) {
    super();
    this.kind = valueOffset === undefined ? 'delete' : 'put';
    this.valueOffset = valueOffset;
    this.valueLength = valueOffset === undefined ? undefined : offset + length - valueOffset;
    this.#bytes = bytes;
  }

  /** The key's fields as the layouts name them. */
  protected keyFields(): Record<'key_len' | 'key', FieldValue> {
    return { key_len: { display: String(this.key.length) }, key: { display: showBytes(this.key), size: this.key.length } };
  }

  /** The value's fields, for a set. */
  protected valueFields(valueOffset: number): Record<'val_len' | 'value', FieldValue> {
    const value = this.#bytes.subarray(valueOffset, this.offset + this.length);
    return { val_len: { display: String(value.length) }, value: { display: showBytes(value), size: value.length } };
  }

  toJSON(): object {
    return propertiesInOrder(this, ['offset', 'length', 'kind', 'status', 'key', 'valueOffset', 'valueLength', 'fields']);
  }
}

class HeadRecord extends SetOrDeleteRecord {
  protected makeFields(): DecodedField[] {
    if (this.valueOffset === undefined) return layoutFields(HEAD_DELETE_FIELDS, this.offset, { op: { display: '1 (delete)' }, ...this.keyFields() });
    return layoutFields(HEAD_PUT_FIELDS, this.offset, { op: { display: '0 (set)' }, ...this.keyFields(), ...this.valueFields(this.valueOffset) });
  }
}

export function decodeHeadSegment(bytes: Uint8Array): DecodedRecord[] {
  return [...headRecords(bytes)];
}

/** A HEAD segment's records one at a time, from the record at `from`. */
function* headRecords(bytes: Uint8Array, from = 0): Generator<DecodedRecord> {
  const view = viewOf(bytes);
  const budget = { left: RESYNC_STEPS + bytes.length };
  let pos = from;
  while (pos < bytes.length) {
    if (bytes.length - pos < HEAD_HEADER) {
      yield pastEndRecord(pos, bytes.length, pos + HEAD_HEADER, 'record header');
      return;
    }
    const op = view.getUint8(pos + HEAD_AT_OP);
    if (op !== OP_SET && op !== OP_DELETE) {
      yield damagedRecord(pos, bytes.length, 'corrupt', 'bad-header', `unknown operation byte ${op} (expected 0 or 1): the program stops reading this segment here`);
      return;
    }
    const keyLen = view.getUint32(pos + HEAD_AT_KEY_LEN, true);
    const keyStart = pos + HEAD_HEADER;
    const keyEnd = keyStart + keyLen;
    // Where the record would end (past the end of the file when it runs over; a set's val_len unread then counts as 0).
    let end = keyEnd;
    if (op === OP_SET) end = keyEnd + HEAD_VAL_LEN_SIZE > bytes.length ? keyEnd + HEAD_VAL_LEN_SIZE : keyEnd + HEAD_VAL_LEN_SIZE + view.getUint32(keyEnd, true);
    if (end > bytes.length) {
      const next = nextSoundChain(bytes, pos + 1, (at) => soundHeadRecordEnd(bytes, view, at), budget)?.at;
      yield pastEndHeadRecord(bytes, view, pos, end, next);
      if (next === undefined) return;
      pos = next;
      continue;
    }
    yield new HeadRecord(bytes, pos, end - pos, bytes.subarray(keyStart, keyEnd), op === OP_SET ? keyEnd + HEAD_VAL_LEN_SIZE : undefined);
    pos = end;
  }
}

/**
 * The end of the HEAD record at `at` when it is sound (op 0 or 1, a UTF-8
 * key, lengths inside the file), else -1.
 */
function soundHeadRecordEnd(bytes: Uint8Array, view: DataView, at: number): number {
  if (bytes.length - at < HEAD_HEADER) return -1;
  const op = bytes[at + HEAD_AT_OP]!;
  if (op !== OP_SET && op !== OP_DELETE) return -1;
  const keyEnd = at + HEAD_HEADER + view.getUint32(at + HEAD_AT_KEY_LEN, true);
  if (keyEnd > bytes.length || !isUtf8(bytes.subarray(at + HEAD_HEADER, keyEnd))) return -1;
  if (op === OP_DELETE) return keyEnd;
  if (keyEnd + HEAD_VAL_LEN_SIZE > bytes.length) return -1;
  const end = keyEnd + HEAD_VAL_LEN_SIZE + view.getUint32(keyEnd, true);
  return end <= bytes.length ? end : -1;
}

/**
 * A HEAD record whose lengths run past the end of the file, its fields
 * decoded as far as they go (so that the hex view shows the length that
 * runs over). With sound records from `next` to the end of the file it is
 * no write cut short but a damaged length: the region up to `next` is
 * corrupt. Otherwise it is the torn tail of the file.
 */
function pastEndHeadRecord(bytes: Uint8Array, view: DataView, pos: number, claimedEnd: number, next: number | undefined): DecodedRecord {
  const op = bytes[pos + HEAD_AT_OP]!;
  const keyLen = view.getUint32(pos + HEAD_AT_KEY_LEN, true);
  const keyStart = pos + HEAD_HEADER;
  const valLenAt = keyStart + keyLen;
  // A set's val_len when it lies inside the file (after the key: unread, it counts as 0).
  const valLen = op === OP_SET && valLenAt + HEAD_VAL_LEN_SIZE <= bytes.length ? view.getUint32(valLenAt, true) : undefined;
  const what = op === OP_SET ? 'set record' : 'delete record';
  const lengths = `key_len ${keyLen}${valLen === undefined ? '' : `, val_len ${valLen}`}`;
  const record =
    next === undefined
      ? pastEndRecord(pos, bytes.length, claimedEnd, `${what} (${lengths})`)
      : damagedRecord(
          pos,
          next,
          'corrupt',
          'impossible-length',
          `${what} needs ${claimedEnd - pos} bytes (${lengths}), more than the ${bytes.length - pos} left in the file, yet sound records follow from ${next} to the end of the file: a length is damaged, not a write cut short; the program stops reading this segment here`,
        );
  const shown = (from: number, size: number): string => showBytes(bytes.subarray(from, Math.min(bytes.length, from + size)));
  const values: Record<string, HeaderReadField> = {
    op: { display: op === OP_SET ? '0 (set)' : '1 (delete)', size: 1 },
    key_len: { display: String(keyLen), size: 4 },
    key: { display: shown(keyStart, keyLen), size: keyLen, lengthField: { name: 'key_len', stored: String(keyLen) } },
    val_len: { display: String(valLen ?? 0), size: HEAD_VAL_LEN_SIZE },
    value: { display: shown(valLenAt + HEAD_VAL_LEN_SIZE, valLen ?? 0), size: valLen ?? 0, lengthField: { name: 'val_len', stored: String(valLen ?? 0) } },
  };
  const specs = op === OP_SET ? HEAD_PUT_FIELDS : HEAD_DELETE_FIELDS;
  return withHeaderFields(pos, withTornKey(bytes, pos, record, specs, values), specs, values, next === undefined ? 'the end of the file' : `the next sound record at ${next}`);
}

const HEAD_NAMING: SegmentNaming = {
  pattern: /^segment-(\d+)\.dat$/,
  shown: 'segment-N.dat',
  order: 'numeric',
  innerFolders: ['db'],
  usualFolder: 'db',
};

export const miniKvstoreV2: FormatDescription = {
  id: 'mini-kvstore-v2',
  title: 'mini-kvstore-v2 (0.3, HEAD e0ee513)',
  summary:
    'Folder db/ of segment-<N>.dat files (N from 1, no padding); every program start opens a new segment. ' +
    'Segments replay in numeric order (segment-10 after segment-9), records in file order, the last record of a key wins. ' +
    'Set: op:u8=0 · key_len:u32 LE · key · val_len:u32 LE · value; delete: op:u8=1 · key_len:u32 LE · key. No checksum. ' +
    'Compaction at this version deletes every segment and writes nothing back.',
  writable: false,
  detect: (dir) => detectSegments(dir, 'mini-kvstore-v2', HEAD_NAMING, decodeHeadSegment),
  listFiles: (root) => listSegments(root, HEAD_NAMING),
  decodeFile: (_file, bytes) => decodeHeadSegment(bytes),
  decodeRecords: (_file, bytes, from) => headRecords(bytes, from),
  winner: 'file-order',
  stopsFileAtFirstBadRecord: true,
  looksFor: ['segment-<N>.dat in the folder or in db/ (op byte first)'],
};

// ------------------------------------------------------------------ 0.1 era (b22e80f)

const B22_FIELDS: readonly FieldSpec[] = [
  { name: 'key_len', role: 'key-length', size: 4, explain: 'Key length in bytes (u32, little-endian)' },
  { name: 'val_len', role: 'value-length', size: 4, explain: 'Value length in bytes (u32, little-endian; 0 for a delete)' },
  { name: 'tombstone', role: 'type', size: 1, explain: 'Tombstone flag: 0 = live value, 1 = delete' },
  { name: 'key', role: 'key', size: -1, explain: 'The key bytes (UTF-8 text)' },
  { name: 'value', role: 'value', size: -1, explain: 'The value bytes' },
  { name: 'crc', role: 'crc', size: 4, explain: 'CRC-32 of key ‖ tombstone byte ‖ value (u32, little-endian)' },
];
const B22_HEADER = fixedSize(B22_FIELDS);
const B22_AT_KEY_LEN = headerOffset(B22_FIELDS, 'key_len');
const B22_AT_VAL_LEN = headerOffset(B22_FIELDS, 'val_len');
const B22_AT_TOMB = headerOffset(B22_FIELDS, 'tombstone');
const B22_CRC_SIZE = B22_FIELDS.find((f) => f.name === 'crc')!.size;

/** A 0.1-era record (tomb 0 or 1, or a bad CRC or flag), its fields made when first read. */
class B22Record extends RecordWithLazyFields implements DecodedRecord {
  readonly kind: 'put' | 'delete';
  readonly status: 'valid' | 'corrupt';
  /** Undefined for a sound record (left out of JSON). */
  readonly problemKind: 'bad-crc' | 'bad-header' | undefined;
  readonly problem: string | undefined;
  /** Set for a sound put only. */
  readonly valueOffset: number | undefined;
  readonly valueLength: number | undefined;
  readonly #bytes: Uint8Array;
  readonly #tomb: number;

  constructor(
    bytes: Uint8Array,
    readonly offset: number,
    readonly length: number,
    readonly key: Uint8Array,
    tomb: number,
    readonly storedCrc: number,
    readonly computedCrc: number,
  ) {
    super();
    this.kind = tomb === 1 ? 'delete' : 'put';
    const badCrc = storedCrc !== computedCrc;
    const badFlag = !badCrc && tomb > 1;
    this.status = badCrc || badFlag ? 'corrupt' : 'valid';
    this.problemKind = badCrc ? 'bad-crc' : badFlag ? 'bad-header' : undefined;
    this.problem = badCrc
      ? `stored CRC ${hex32(storedCrc)} does not match computed ${hex32(computedCrc)}: the program stops reading this segment here`
      : badFlag ? `tombstone flag ${tomb} is neither 0 nor 1` : undefined;
    const live = !badCrc && tomb === 0;
    this.valueOffset = live ? offset + B22_HEADER + key.length : undefined;
    this.valueLength = live ? length - B22_HEADER - key.length - B22_CRC_SIZE : undefined;
    this.#bytes = bytes;
    this.#tomb = tomb;
  }

  protected makeFields(): DecodedField[] {
    const tomb = this.#tomb;
    const valueStart = this.offset + B22_HEADER + this.key.length;
    const value = this.#bytes.subarray(valueStart, this.offset + this.length - B22_CRC_SIZE);
    return layoutFields(B22_FIELDS, this.offset, {
      key_len: { display: String(this.key.length) },
      val_len: { display: String(value.length) },
      tombstone: { display: tomb === 0 ? '0 (live)' : tomb === 1 ? '1 (deleted)' : `${tomb} (invalid)` },
      key: { display: showBytes(this.key), size: this.key.length },
      value: { display: showBytes(value), size: value.length },
      crc: { display: hex32(this.storedCrc) + (this.storedCrc === this.computedCrc ? '' : ` (computed ${hex32(this.computedCrc)})`) },
    });
  }

  toJSON(): object {
    return propertiesInOrder(this, ['offset', 'length', 'kind', 'status', 'key', 'storedCrc', 'computedCrc', 'fields', 'problemKind', 'problem', 'valueOffset', 'valueLength']);
  }
}

export function decodeB22Segment(bytes: Uint8Array): DecodedRecord[] {
  return [...b22Records(bytes)];
}

/** A 0.1-era segment's records one at a time, from the record at `from`. */
function* b22Records(bytes: Uint8Array, from = 0): Generator<DecodedRecord> {
  const view = viewOf(bytes);
  const budget = { left: B22_RESYNC_BYTES + 16 * bytes.length };
  let pos = from;
  while (pos < bytes.length) {
    if (bytes.length - pos < B22_HEADER) {
      yield pastEndRecord(pos, bytes.length, pos + B22_HEADER, 'record header');
      return;
    }
    const keyLen = view.getUint32(pos + B22_AT_KEY_LEN, true);
    const valLen = view.getUint32(pos + B22_AT_VAL_LEN, true);
    const tombAt = pos + B22_AT_TOMB;
    const keyStart = pos + B22_HEADER;
    const valueStart = keyStart + keyLen;
    const crcAt = valueStart + valLen;
    const end = crcAt + B22_CRC_SIZE;
    const header = (): Record<string, HeaderReadField> => {
      const tomb = view.getUint8(tombAt);
      const shown = (from: number, size: number): string => showBytes(bytes.subarray(from, Math.min(bytes.length, from + size)));
      return {
        key_len: { display: String(keyLen), size: 4 },
        val_len: { display: String(valLen), size: 4 },
        tombstone: { display: tomb === 0 ? '0 (live)' : tomb === 1 ? '1 (deleted)' : `${tomb} (invalid)`, size: 1 },
        key: { display: shown(keyStart, keyLen), size: keyLen, lengthField: { name: 'key_len', stored: String(keyLen) } },
        value: { display: shown(valueStart, valLen), size: valLen, lengthField: { name: 'val_len', stored: String(valLen) } },
        crc: { display: crcAt + B22_CRC_SIZE <= bytes.length ? hex32(view.getUint32(crcAt, true)) : '', size: B22_CRC_SIZE },
      };
    };
    if (end > bytes.length) {
      // A write cut short leaves nothing after it; a record whose CRC checks out after it shows a damaged length.
      const next = nextB22Record(bytes, view, pos + 1, budget);
      yield pastEndHeaderRecord(bytes, pos, 'record', B22_FIELDS, header(), next);
      if (next === undefined) return;
      pos = next.at;
      continue;
    }
    const computedCrc = b22Crc(bytes, keyStart, valueStart, tombAt, crcAt);
    const storedCrc = view.getUint32(crcAt, true);
    if (storedCrc !== computedCrc && end < bytes.length && soundB22RecordEnd(bytes, view, end) < 0) {
      // No sound record starts where this one says it ends: when one whose CRC checks out starts elsewhere, a length is damaged.
      const next = nextB22Record(bytes, view, pos + 1, budget);
      // Records whose lengths lead, header by header, to that sound record are damaged only in their bytes (two side
      // by side that both fail their CRC): each is given as itself, key and all, not one region of a damaged length.
      if (next !== undefined && !b22LengthsLeadTo(bytes, view, end, next.at)) {
        const problem = `record (key_len ${keyLen}, val_len ${valLen}) would end at ${end}, where no sound record starts, and its CRC does not check out (stored ${hex32(storedCrc)}, computed ${hex32(computedCrc)}), yet ${next.why}: a length is damaged; the program stops reading this segment here`;
        yield withHeaderFields(pos, damagedRecord(pos, next.at, 'corrupt', 'impossible-length', problem), B22_FIELDS, header(), `the next sound record at ${next.at}`);
        pos = next.at;
        continue;
      }
    }
    yield new B22Record(bytes, pos, end - pos, bytes.subarray(keyStart, valueStart), view.getUint8(tombAt), storedCrc, computedCrc);
    pos = end;
  }
}

/** Whether 0.1-era headers (tomb 0 or 1), followed by their lengths from `from`, land exactly on `to`. Only damage pays for it. */
function b22LengthsLeadTo(bytes: Uint8Array, view: DataView, from: number, to: number): boolean {
  let q = from;
  while (q < to) {
    if (to - q < B22_HEADER + B22_CRC_SIZE || bytes[q + B22_AT_TOMB]! > 1) return false;
    q += B22_HEADER + view.getUint32(q + B22_AT_KEY_LEN, true) + view.getUint32(q + B22_AT_VAL_LEN, true) + B22_CRC_SIZE;
  }
  return q === to;
}

/** CRC-32 over key ‖ tomb ‖ value, three ranges that are not contiguous. */
function b22Crc(bytes: Uint8Array, keyStart: number, valueStart: number, tombAt: number, crcAt: number): number {
  return crc32Range(bytes, valueStart, crcAt, crc32Range(bytes, tombAt, tombAt + 1, crc32Range(bytes, keyStart, valueStart)));
}

/** The end of the 0.1-era record at `at` when it is sound (tomb 0 or 1, lengths inside the file, its CRC checks out), else -1. */
function soundB22RecordEnd(bytes: Uint8Array, view: DataView, at: number): number {
  if (bytes.length - at < B22_HEADER || bytes[at + B22_AT_TOMB]! > 1) return -1;
  const keyStart = at + B22_HEADER;
  const valueStart = keyStart + view.getUint32(at + B22_AT_KEY_LEN, true);
  const crcAt = valueStart + view.getUint32(at + B22_AT_VAL_LEN, true);
  if (crcAt + B22_CRC_SIZE > bytes.length) return -1;
  return view.getUint32(crcAt, true) === b22Crc(bytes, keyStart, valueStart, at + B22_AT_TOMB, crcAt) ? crcAt + B22_CRC_SIZE : -1;
}

/** Bytes a search for a sound 0.1-era record may checksum in all, beyond 16 per byte of the segment. */
const B22_RESYNC_BYTES = 1 << 24;

/**
 * The first record at or after `from` whose CRC checks out (within
 * `budget.left` bytes checksummed): the CRC over its key, tomb and value
 * makes one such record enough to show that a length before it is damaged
 * (a write cut short leaves nothing after it, and a record whose CRC checks
 * out found by chance inside other bytes is about one in 2^32).
 */
function nextB22Record(bytes: Uint8Array, view: DataView, from: number, budget: { left: number }): SoundAfter | undefined {
  for (let q = from; q + B22_HEADER + B22_CRC_SIZE <= bytes.length && budget.left > 0; q++) {
    if (bytes[q + B22_AT_TOMB]! > 1) continue;
    const lengths = view.getUint32(q + B22_AT_KEY_LEN, true) + view.getUint32(q + B22_AT_VAL_LEN, true);
    if (q + B22_HEADER + lengths + B22_CRC_SIZE > bytes.length) continue;
    budget.left -= lengths + 1;
    if (soundB22RecordEnd(bytes, view, q) >= 0) return { at: q, why: `a record whose CRC checks out starts at ${q}` };
  }
  return undefined;
}

const B22_NAMING: SegmentNaming = {
  pattern: /^segment_(\d+)\.log$/,
  shown: 'segment_N.log',
  order: 'name',
  innerFolders: ['data/segments', 'segments'],
  usualFolder: 'segments',
};

export const miniKvstoreV2B22e80f: FormatDescription = {
  id: 'mini-kvstore-v2-b22e80f',
  title: 'mini-kvstore-v2 (0.1 era, b22e80f)',
  summary:
    'Folder data/segments/ of segment_<n>.log files (n from 0); every program run writes a new one, rotating above 2 MiB. ' +
    'Record: key_len:u32 LE · val_len:u32 LE · tomb:u8 · key · value · crc:u32 LE, CRC-32 over key ‖ tomb ‖ value. ' +
    'A delete has tomb = 1 and no value. Segments replay sorted by NAME (so segment_10 comes before segment_2), ' +
    'the last record of a key wins, and a segment stops at its first bad CRC or truncated record. ' +
    'Compaction writes the live records, sorted by key, to the next segment and deletes the others.',
  writable: false,
  detect: (dir) => detectSegments(dir, 'mini-kvstore-v2-b22e80f', B22_NAMING, decodeB22Segment),
  listFiles: (root) => listSegments(root, B22_NAMING),
  decodeFile: (_file, bytes) => decodeB22Segment(bytes),
  decodeRecords: (_file, bytes, from) => b22Records(bytes, from),
  winner: 'file-order',
  stopsFileAtFirstBadRecord: true,
  looksFor: ['segment_<n>.log in the folder, in segments/ or in data/segments/'],
};

// ------------------------------------------------------------------ 0.2 era (c548bfb)

const C548_PUT_FIELDS: readonly FieldSpec[] = [
  { name: 'key_len', role: 'key-length', size: 8, explain: 'Key length in bytes (u64, little-endian)' },
  { name: 'val_len', role: 'value-length', size: 8, explain: 'Value length in bytes (u64, little-endian); u64::MAX marks a delete' },
  { name: 'key', role: 'key', size: -1, explain: 'The key bytes (UTF-8 text)' },
  { name: 'value', role: 'value', size: -1, explain: 'The value bytes' },
];
const C548_DELETE_FIELDS: readonly FieldSpec[] = C548_PUT_FIELDS.slice(0, 3);
const C548_HEADER = fixedSize(C548_PUT_FIELDS);
const C548_AT_KEY_LEN = headerOffset(C548_PUT_FIELDS, 'key_len');
const C548_AT_VAL_LEN = headerOffset(C548_PUT_FIELDS, 'val_len');
const U64_MAX = 0xffffffffffffffffn;

class C548Record extends SetOrDeleteRecord {
  protected makeFields(): DecodedField[] {
    if (this.valueOffset === undefined) return layoutFields(C548_DELETE_FIELDS, this.offset, { ...this.keyFields(), val_len: { display: 'u64::MAX (delete)' } });
    return layoutFields(C548_PUT_FIELDS, this.offset, { ...this.keyFields(), ...this.valueFields(this.valueOffset) });
  }
}

export function decodeC548Segment(bytes: Uint8Array): DecodedRecord[] {
  return [...c548Records(bytes)];
}

/** A 0.2-era segment's records one at a time, from the record at `from`. */
function* c548Records(bytes: Uint8Array, from = 0): Generator<DecodedRecord> {
  const view = viewOf(bytes);
  const budget = { left: RESYNC_STEPS + bytes.length };
  let pos = from;
  while (pos < bytes.length) {
    if (bytes.length - pos < C548_HEADER) {
      yield pastEndRecord(pos, bytes.length, pos + C548_HEADER, 'record header');
      return;
    }
    const keyLen = readU64LE(view, pos + C548_AT_KEY_LEN);
    const valLen = readU64LE(view, pos + C548_AT_VAL_LEN);
    const keyStart = pos + C548_HEADER;
    const keyEnd = keyStart + keyLen.num;
    const tombstone = valLen.big === U64_MAX;
    const end = tombstone ? keyEnd : keyEnd + valLen.num;
    if (end > bytes.length) {
      // Infinity (a length beyond 2^53) always lands here and is reported as impossible.
      const shown = (from: number, size: number): string => (from >= bytes.length ? '' : showBytes(bytes.subarray(from, Math.min(bytes.length, from + size))));
      // No checksum: sound records from somewhere after it exactly to the end of the file show a damaged length (as in HEAD).
      const next = nextSoundChain(bytes, pos + 1, (at) => soundC548RecordEnd(bytes, view, at), budget);
      yield pastEndHeaderRecord(bytes, pos, tombstone ? 'delete record' : 'set record', tombstone ? C548_DELETE_FIELDS : C548_PUT_FIELDS, {
        key_len: { display: String(keyLen.big), size: 8 },
        val_len: { display: tombstone ? 'u64::MAX (delete)' : String(valLen.big), size: 8 },
        key: { display: shown(keyStart, keyLen.num), size: keyLen.num, lengthField: { name: 'key_len', stored: String(keyLen.big) } },
        value: { display: shown(keyEnd, valLen.num), size: valLen.num, lengthField: { name: 'val_len', stored: String(valLen.big) } },
      }, next);
      if (next === undefined) return;
      pos = next.at;
      continue;
    }
    yield new C548Record(bytes, pos, end - pos, bytes.subarray(keyStart, keyEnd), tombstone ? undefined : keyEnd);
    pos = end;
  }
}

/** The end of the 0.2-era record at `at` when it is sound (a UTF-8 key, lengths inside the file), else -1. */
function soundC548RecordEnd(bytes: Uint8Array, view: DataView, at: number): number {
  if (bytes.length - at < C548_HEADER) return -1;
  const keyEnd = at + C548_HEADER + readU64LE(view, at + C548_AT_KEY_LEN).num;
  if (keyEnd > bytes.length || !isUtf8(bytes.subarray(at + C548_HEADER, keyEnd))) return -1;
  const valLen = readU64LE(view, at + C548_AT_VAL_LEN);
  if (valLen.big === U64_MAX) return keyEnd;
  return keyEnd + valLen.num <= bytes.length ? keyEnd + valLen.num : -1;
}

const C548_NAMING: SegmentNaming = {
  pattern: /^segment-(\d+)\.dat$/,
  shown: 'segment-N.dat',
  order: 'numeric',
  innerFolders: ['data'],
  usualFolder: 'data',
};

export const miniKvstoreV2C548bfb: FormatDescription = {
  id: 'mini-kvstore-v2-c548bfb',
  title: 'mini-kvstore-v2 (0.2 era, c548bfb)',
  summary:
    'Folder data/ of segment-<id>.dat files (id from 0), rotating when the active one reaches 1 MiB. ' +
    'Record: key_len:u64 LE · val_len:u64 LE · key · value; a delete has val_len = u64::MAX and no value bytes. No checksum. ' +
    'Segments replay in numeric order, the last record of a key wins, a segment stops at its first unreadable record. ' +
    'Compaction rewrites the live records into a fresh segment-0.dat.',
  writable: false,
  detect: (dir) => detectSegments(dir, 'mini-kvstore-v2-c548bfb', C548_NAMING, decodeC548Segment),
  listFiles: (root) => listSegments(root, C548_NAMING),
  decodeFile: (_file, bytes) => decodeC548Segment(bytes),
  decodeRecords: (_file, bytes, from) => c548Records(bytes, from),
  winner: 'file-order',
  stopsFileAtFirstBadRecord: true,
  looksFor: ['segment-<id>.dat in the folder or in data/ (u64 lengths first)'],
};
