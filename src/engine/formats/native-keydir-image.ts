/**
 * The keydir image (KEYDIR, docs/FORMAT.md "Keydir image") decoded for the
 * record table and the hex pane: the header, one row per segment it
 * describes, one row per slot (a key: where its live record is), the free
 * slot list, the hash table and the key bytes as a row each, the page
 * checksums (version 2), and the checksum. Field ranges come from the
 * layout tables the engine writes the image with (../native/layout.ts).
 *
 * Decoding shows what the bytes say; whether the image still describes the
 * directory (and is used at open) is for verify and the open to say.
 */
import { crc32 } from '../crc.js';
import { readU64 } from '../native/codec.js';
import { headerCrcOf, imagePageSums } from '../keydir-image.js';
import {
  IMAGE_HEADER,
  IMAGE_HEADER_FIELDS,
  IMAGE_MAGIC,
  IMAGE_PAGE_BYTES,
  IMAGE_SEGMENT,
  IMAGE_SEGMENT_FIELDS,
  IMAGE_SLOT,
  IMAGE_SLOT_FIELDS,
  IMAGE_TRAILER,
  IMAGE_TRAILER_FIELDS,
} from '../native/layout.js';
import { dataFileName } from '../native/files.js';
import { damagedRecord, propertiesInOrder, RecordWithLazyFields, recordsFrom } from './decode-helpers.js';
import { fieldValues, hex32, layoutFields } from './field-layout.js';
import { addSequence, emptySummary, type DecodedField, type DecodedRecord, type FileSummary } from './format.js';

/** keyLength of a free slot. */
const FREE_SLOT = 0xffff_ffff;

function unreadable(buf: Buffer, reason: string): DecodedRecord[] {
  return [damagedRecord(0, buf.length, 'corrupt', 'bad-hint', reason)];
}

/** One opaque section (free slots, table, key bytes) as a row with one field; none when it is empty. */
function section(at: number, length: number, name: string, role: 'other' | 'key', display: string, explain: string): DecodedRecord[] {
  if (length === 0) return [];
  return [{ offset: at, length, kind: 'section', status: 'valid', label: name, fields: [{ name, role, start: at, end: at + length, display, explain }] }];
}

/** Where an image's sections lie, from the counts in its header (the decoder's own reading: damaged files included). */
interface SectionsOf {
  version: number;
  segmentCount: number;
  slotCount: number;
  freeSlotCount: number;
  tableSize: number;
  arenaBytes: number;
  slotsAt: number;
  freeAt: number;
  tableAt: number;
  arenaAt: number;
  pageSumsAt: number;
  pageCount: number;
  trailerAt: number;
}

/** The sections of the image in `buf`, or why the bytes cannot be read as one. */
function sectionsOf(buf: Buffer): SectionsOf | string {
  if (buf.length < IMAGE_HEADER.size + IMAGE_TRAILER.size) return 'shorter than a keydir image header and checksum';
  if (buf.toString('latin1', 0, 4) !== IMAGE_MAGIC) return `bad magic (not "${IMAGE_MAGIC}")`;
  const u32 = (name: keyof typeof IMAGE_HEADER) => buf.readUInt32LE(IMAGE_HEADER[name]);
  const segmentCount = u32('segmentCount');
  const slotCount = u32('slotCount');
  const freeSlotCount = u32('freeSlotCount');
  const tableSize = u32('tableSize');
  const arenaBytes = u32('arenaBytes');
  const slotsAt = IMAGE_HEADER.size + segmentCount * IMAGE_SEGMENT.size;
  const freeAt = slotsAt + slotCount * IMAGE_SLOT.size;
  const tableAt = freeAt + freeSlotCount * 4;
  const arenaAt = tableAt + tableSize * 8;
  const version = buf.readUInt16LE(IMAGE_HEADER.version);
  const pageSumsAt = arenaAt + arenaBytes;
  const pageCount = version === 1 ? 0 : Math.ceil((arenaAt - slotsAt) / IMAGE_PAGE_BYTES);
  const trailerAt = pageSumsAt + pageCount * 4;
  if (trailerAt + IMAGE_TRAILER.size !== buf.length) return `the header's section sizes add up to ${trailerAt + IMAGE_TRAILER.size} bytes, the file has ${buf.length}`;
  return { version, segmentCount, slotCount, freeSlotCount, tableSize, arenaBytes, slotsAt, freeAt, tableAt, arenaAt, pageSumsAt, pageCount, trailerAt };
}

/**
 * The records decodeKeydirImageFile gives for the image's slots, counted
 * (the slots that hold a key within the key bytes) with the range of their
 * sequences, without making a record of each: `kvscope segments`.
 */
export function summarizeKeydirImageFile(bytes: Uint8Array): FileSummary {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const summary = emptySummary();
  const sections = sectionsOf(buf);
  if (typeof sections === 'string') return summary;
  for (let slot = 0; slot < sections.slotCount; slot++) {
    const at = sections.slotsAt + slot * IMAGE_SLOT.size;
    const keyLength = buf.readUInt32LE(at + IMAGE_SLOT.keyLength);
    if (keyLength === FREE_SLOT || buf.readUInt32LE(at + IMAGE_SLOT.keyAt) + keyLength > sections.arenaBytes) continue;
    addSequence(summary, readU64(buf, at + IMAGE_SLOT.sequence));
  }
  return summary;
}

export function decodeKeydirImageFile(bytes: Uint8Array): DecodedRecord[] {
  return [...keydirImageRecords(bytes)];
}

/** A slot of the image, its fields made when first read (as a data record's). */
class KeydirSlotRecord extends RecordWithLazyFields implements DecodedRecord {
  readonly length = IMAGE_SLOT.size;
  readonly kind = 'slot' as const;
  readonly status: 'valid' | 'corrupt';
  /** "free slot" for a free one (undefined, left out of JSON, for a slot in use). */
  readonly label: string | undefined;
  readonly sequence: number | undefined;
  readonly key: Buffer | undefined;
  readonly problem: string | undefined;
  readonly problemKind: 'bad-hint' | undefined;
  readonly #buf: Buffer;

  constructor(buf: Buffer, readonly offset: number, arenaAt: number, arenaBytes: number) {
    super();
    const keyAt = buf.readUInt32LE(offset + IMAGE_SLOT.keyAt);
    const keyLength = buf.readUInt32LE(offset + IMAGE_SLOT.keyLength);
    const free = keyLength === FREE_SLOT;
    const keyInArena = keyAt + keyLength <= arenaBytes;
    this.label = free ? 'free slot' : undefined;
    this.sequence = free ? undefined : readU64(buf, offset + IMAGE_SLOT.sequence);
    this.key = !free && keyInArena ? buf.subarray(arenaAt + keyAt, arenaAt + keyAt + keyLength) : undefined;
    this.status = free || keyInArena ? 'valid' : 'corrupt';
    this.problem = free || keyInArena ? undefined : `the key (${keyLength} bytes at ${keyAt}) lies outside the ${arenaBytes} key bytes`;
    this.problemKind = free || keyInArena ? undefined : 'bad-hint';
    this.#buf = buf;
  }

  protected makeFields(): DecodedField[] {
    const buf = this.#buf;
    const at = this.offset;
    const keyLength = buf.readUInt32LE(at + IMAGE_SLOT.keyLength);
    const segment = buf.readUInt32LE(at + IMAGE_SLOT.segment);
    const free = keyLength === FREE_SLOT;
    return layoutFields(IMAGE_SLOT_FIELDS, at, fieldValues({
      hash: hex32(buf.readUInt32LE(at + IMAGE_SLOT.hash)),
      segment: free ? '(free slot)' : `${segment} (${dataFileName(segment)})`,
      offset: String(buf.readUInt32LE(at + IMAGE_SLOT.offset)),
      recordLength: String(buf.readUInt32LE(at + IMAGE_SLOT.recordLength)),
      sequence: String(readU64(buf, at + IMAGE_SLOT.sequence)),
      keyAt: String(buf.readUInt32LE(at + IMAGE_SLOT.keyAt)),
      keyLength: free ? '0xffffffff (free slot)' : String(keyLength),
    }));
  }

  toJSON(): object {
    return propertiesInOrder(this, ['offset', 'length', 'kind', 'status', 'label', 'fields', 'sequence', 'key', 'problem', 'problemKind']);
  }
}

/** decodeKeydirImageFile's records one at a time, from the record at `from` (a slot's place is computed, not walked to). */
export function* keydirImageRecords(bytes: Uint8Array, from = 0): Generator<DecodedRecord> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sections = sectionsOf(buf);
  if (typeof sections === 'string') {
    yield* recordsFrom(unreadable(buf, sections), from);
    return;
  }
  const { version, segmentCount, slotCount, freeSlotCount, tableSize, arenaBytes, slotsAt, freeAt, tableAt, arenaAt, pageSumsAt, pageCount, trailerAt } = sections;
  const u32 = (name: keyof typeof IMAGE_HEADER) => buf.readUInt32LE(IMAGE_HEADER[name]);

  if (from <= 0) yield headerRecord();

  /** The image's header, its checksum checked. */
  function headerRecord(): DecodedRecord {
    const storedHeaderCrc = u32('headerCrc');
    const computedHeaderCrc = headerCrcOf(buf.subarray(0, IMAGE_HEADER.size), buf.subarray(IMAGE_HEADER.size, slotsAt));
    const headerIntact = version === 1 || storedHeaderCrc === computedHeaderCrc;
    const header: DecodedRecord = {
      offset: 0,
      length: IMAGE_HEADER.size,
      kind: 'header',
      status: headerIntact ? 'valid' : 'corrupt',
      fields: layoutFields(IMAGE_HEADER_FIELDS, 0, fieldValues({
        magic: JSON.stringify(IMAGE_MAGIC),
        version: String(version),
        flags: String(buf.readUInt16LE(IMAGE_HEADER.flags)),
        seed: hex32(u32('seed')),
        segmentCount: String(segmentCount),
        slotCount: String(slotCount),
        freeSlotCount: String(freeSlotCount),
        tableSize: String(tableSize),
        arenaBytes: String(arenaBytes),
        arenaGarbage: String(u32('arenaGarbage')),
        headerCrc:
          version === 1 ? `${storedHeaderCrc} (version 1: reserved)` : headerIntact ? hex32(storedHeaderCrc) : `${hex32(storedHeaderCrc)} (computed ${hex32(computedHeaderCrc)})`,
      })),
    };
    if (!headerIntact) {
      header.problem = 'the checksum of the header and segment table does not match: an open will not use the image';
      header.problemKind = 'bad-hint';
    }
    return header;
  }

  for (let i = 0; i < segmentCount; i++) {
    const at = IMAGE_HEADER.size + i * IMAGE_SEGMENT.size;
    if (at < from) continue;
    const id = buf.readUInt32LE(at + IMAGE_SEGMENT.id);
    yield {
      offset: at,
      length: IMAGE_SEGMENT.size,
      kind: 'header',
      status: 'valid',
      fields: layoutFields(IMAGE_SEGMENT_FIELDS, at, fieldValues({
        id: `${id} (${dataFileName(id)})`,
        records: String(buf.readUInt32LE(at + IMAGE_SEGMENT.records)),
        dataSize: String(readU64(buf, at + IMAGE_SEGMENT.dataSize)),
        oldestSequence: String(readU64(buf, at + IMAGE_SEGMENT.oldestSequence)),
        newestSequence: String(readU64(buf, at + IMAGE_SEGMENT.newestSequence)),
        liveBytes: String(readU64(buf, at + IMAGE_SEGMENT.liveBytes)),
        tombstoneBytes: String(readU64(buf, at + IMAGE_SEGMENT.tombstoneBytes)),
      })),
    };
  }

  for (let slot = Math.max(0, Math.ceil((from - slotsAt) / IMAGE_SLOT.size)); slot < slotCount; slot++) {
    yield new KeydirSlotRecord(buf, slotsAt + slot * IMAGE_SLOT.size, arenaAt, arenaBytes);
  }

  if (freeAt >= from) yield* section(freeAt, tableAt - freeAt, 'free slots', 'other', `${freeSlotCount} slot indexes (u32)`, 'Indexes of the free slots among the slots (u32 each), reused before new slots.');
  if (tableAt >= from) yield* section(tableAt, arenaAt - tableAt, 'hash table', 'other', `${tableSize} entries`, "Open addressing with linear probing: per entry the key hash (u32) and slot index + 1 (u32), 0 where empty; a key's home entry is the top bits of its hash.");
  if (arenaAt >= from) yield* section(arenaAt, pageSumsAt - arenaAt, 'key bytes', 'key', `${arenaBytes} bytes, ${u32('arenaGarbage')} of them unused`, 'Every key, back to back; a slot points at its key with keyAt and keyLength.');

  if (pageCount > 0 && pageSumsAt >= from) {
    const expected = imagePageSums([buf.subarray(slotsAt, arenaAt)]);
    let wrong = 0;
    for (let page = 0; page < pageCount; page++) if (buf.readUInt32LE(pageSumsAt + page * 4) !== expected[page]) wrong++;
    const [row] = section(pageSumsAt, pageCount * 4, 'page checksums', 'other', `${pageCount} pages of ${IMAGE_PAGE_BYTES} bytes${wrong > 0 ? `, ${wrong} not matching` : ''}`, `CRC-32 of each ${IMAGE_PAGE_BYTES}-byte page of the slots, free slots and table, taken as one run of bytes (u32 each): a one-shot get trusts the pages it reads by them.`);
    if (wrong > 0) {
      row!.status = 'corrupt';
      row!.problem = `${wrong} page checksum(s) do not match their pages: a one-shot get will not trust those pages`;
      row!.problemKind = 'bad-hint';
    }
    yield row!;
  }

  const storedCrc = buf.readUInt32LE(trailerAt + IMAGE_TRAILER.crc);
  const computedCrc = crc32(buf.subarray(0, trailerAt)) >>> 0;
  const trailer: DecodedRecord = {
    offset: trailerAt,
    length: IMAGE_TRAILER.size,
    kind: 'trailer',
    status: storedCrc === computedCrc ? 'valid' : 'corrupt',
    storedCrc,
    computedCrc,
    fields: layoutFields(IMAGE_TRAILER_FIELDS, trailerAt, fieldValues({ crc: storedCrc === computedCrc ? hex32(storedCrc) : `${hex32(storedCrc)} (computed ${hex32(computedCrc)})` })),
  };
  if (storedCrc !== computedCrc) {
    trailer.problem = 'checksum does not match the image: an open will not use it';
    trailer.problemKind = 'bad-hint';
  }
  yield trailer;
}
