/**
 * The native kvscope format v1, as data. docs/FORMAT.md explains it in
 * prose; the codec (./codec.ts) reads and writes at the offsets computed from
 * these tables, and the record decoder for the hex pane names the same
 * fields with the same one-line explanations. All integers little-endian.
 */
import type { FieldSpec } from '../formats/format.js';
import { offsetsOf } from '../formats/field-layout.js';

export const FORMAT_VERSION = 1;
export const SEGMENT_MAGIC = 'KVSD';
export const HINT_MAGIC = 'KVSH';
export const IMAGE_MAGIC = 'KVSK';

export const RECORD_PUT = 1;
export const RECORD_TOMBSTONE = 2;
/** Record flags for atomic batches of two or more records (a single write has flags 0). */
export const FLAG_IN_BATCH = 0x01;
export const FLAG_BATCH_FIRST = 0x02;
export const FLAG_BATCH_END = 0x04;
/** Segment flag: written by compaction (sequence numbers need not ascend). */
export const SEGMENT_FLAG_COMPACTED = 0x0001;

/** Largest key and value the engine accepts (and the decoder believes). */
export const MAX_KEY_BYTES = 64 * 1024;
export const MAX_VALUE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_SEGMENT_SIZE = 64 * 1024 * 1024;
/** Offsets are stored as u32: a segment may not grow past this. */
export const MAX_SEGMENT_SIZE = 1024 * 1024 * 1024;
/**
 * What a segment can address: a record's offset and length are u32 in hint
 * files and the keydir (image), so every record must end at or below 4 GiB.
 * The segment size (MAX_SEGMENT_SIZE at most) keeps single records far
 * below it; a batch, written whole into one segment, is checked against it.
 */
export const SEGMENT_ADDRESS_LIMIT = 2 ** 32;

export const SEGMENT_HEADER_FIELDS = [
  { name: 'magic', role: 'magic', size: 4, explain: 'The bytes "KVSD": this file is a kvscope data segment.' },
  { name: 'version', role: 'version', size: 2, explain: 'Format version (u16); this kvscope reads version 1.' },
  { name: 'flags', role: 'flags', size: 2, explain: 'Segment flags (u16); bit 0 set when compaction wrote the segment.' },
  { name: 'segmentId', role: 'other', size: 4, explain: 'Segment id (u32); equals the number in the file name.' },
  { name: 'sequenceFloor', role: 'sequence', size: 8, explain: 'Highest sequence number the store had issued when compaction wrote this segment (u64); 0 otherwise.' },
  { name: 'headerCrc', role: 'crc', size: 4, explain: 'CRC-32 of the 20 header bytes before it (u32).' },
] as const satisfies readonly FieldSpec[];

export const RECORD_FIELDS = [
  { name: 'crc', role: 'crc', size: 4, explain: 'CRC-32 of every byte of the record after this field (u32).' },
  { name: 'type', role: 'type', size: 1, explain: 'Record type (u8): 1 = put, 2 = tombstone (delete).' },
  { name: 'flags', role: 'flags', size: 1, explain: 'Record flags (u8): bit 0 = part of an atomic batch, bit 1 = first of its batch, bit 2 = last of its batch.' },
  { name: 'sequence', role: 'sequence', size: 8, explain: 'Sequence number (u64): the record with the highest one is the newest, whatever file it is in.' },
  { name: 'keyLength', role: 'key-length', size: 4, explain: 'Key length in bytes (u32), at most 65536.' },
  { name: 'valueLength', role: 'value-length', size: 4, explain: 'Value length in bytes (u32), at most 64 MiB; 0 for a tombstone.' },
] as const satisfies readonly FieldSpec[];

export const RECORD_BODY_FIELDS = [
  { name: 'key', role: 'key', size: -1, explain: 'The key bytes.' },
  { name: 'value', role: 'value', size: -1, explain: 'The value bytes (none for a tombstone).' },
] as const satisfies readonly FieldSpec[];

export const HINT_HEADER_FIELDS = [
  { name: 'magic', role: 'magic', size: 4, explain: 'The bytes "KVSH": this file is a kvscope hint file.' },
  { name: 'version', role: 'version', size: 2, explain: 'Format version (u16).' },
  { name: 'flags', role: 'flags', size: 2, explain: 'Reserved (u16), 0.' },
  { name: 'segmentId', role: 'other', size: 4, explain: 'Id of the data segment this hint file describes (u32).' },
  { name: 'dataSize', role: 'other', size: 8, explain: 'Size of that data segment when the hint was written (u64); a different size makes the hint stale.' },
] as const satisfies readonly FieldSpec[];

export const HINT_ENTRY_FIELDS = [
  { name: 'type', role: 'type', size: 1, explain: 'Type of the record it points at (u8): 1 = put, 2 = tombstone.' },
  { name: 'flags', role: 'flags', size: 1, explain: 'Reserved (u8), 0.' },
  { name: 'sequence', role: 'sequence', size: 8, explain: 'Sequence number of the record (u64).' },
  { name: 'offset', role: 'offset', size: 4, explain: 'Offset of the record in the data segment (u32).' },
  { name: 'recordLength', role: 'other', size: 4, explain: 'Total length of the record in bytes (u32).' },
  { name: 'keyLength', role: 'key-length', size: 4, explain: 'Key length in bytes (u32).' },
] as const satisfies readonly FieldSpec[];

export const HINT_ENTRY_BODY_FIELDS = [{ name: 'key', role: 'key', size: -1, explain: 'The key bytes.' }] as const satisfies readonly FieldSpec[];

export const HINT_TRAILER_FIELDS = [
  { name: 'entryCount', role: 'other', size: 4, explain: 'Number of entries in the hint file (u32).' },
  { name: 'crc', role: 'crc', size: 4, explain: 'CRC-32 of every byte of the hint file before this field (u32).' },
] as const satisfies readonly FieldSpec[];

/** The keydir image (KEYDIR, ../keydir-image.ts): a header, then segmentCount segments, slotCount slots, ... */
export const IMAGE_HEADER_FIELDS = [
  { name: 'magic', role: 'magic', size: 4, explain: 'The bytes "KVSK": this file is a kvscope keydir image.' },
  { name: 'version', role: 'version', size: 2, explain: 'Image version (u16): 2 (written now; page checksums after the key bytes) or 1 (read too).' },
  { name: 'flags', role: 'flags', size: 2, explain: 'Reserved (u16), 0.' },
  { name: 'seed', role: 'other', size: 4, explain: 'Seed of the keydir\'s key hash (u32).' },
  { name: 'segmentCount', role: 'other', size: 4, explain: 'Segments described after the header (u32).' },
  { name: 'slotCount', role: 'other', size: 4, explain: 'Slots, up to the highest one used (u32).' },
  { name: 'freeSlotCount', role: 'other', size: 4, explain: 'Free slots among them (u32), listed after the slots.' },
  { name: 'tableSize', role: 'other', size: 4, explain: 'Entries of the hash table (u32, a power of two).' },
  { name: 'arenaBytes', role: 'other', size: 4, explain: 'Bytes of keys, stored back to back after the table (u32).' },
  { name: 'arenaGarbage', role: 'other', size: 4, explain: 'Of those, bytes no slot points at any more (u32).' },
  { name: 'headerCrc', role: 'crc', size: 4, explain: 'Version 2: CRC-32 of the 36 header bytes before this field, then the segment table (u32). Version 1: reserved, 0.' },
] as const satisfies readonly FieldSpec[];

export const IMAGE_SEGMENT_FIELDS = [
  { name: 'id', role: 'other', size: 4, explain: 'Segment id (u32): the data file NNNNNN.data.' },
  { name: 'records', role: 'other', size: 4, explain: 'Committed records in the segment (u32).' },
  { name: 'dataSize', role: 'other', size: 8, explain: 'Size of the data file when the image was written (u64); the image is used only if it still has it.' },
  { name: 'oldestSequence', role: 'sequence', size: 8, explain: 'Lowest sequence number in the segment (u64), 0 if none.' },
  { name: 'newestSequence', role: 'sequence', size: 8, explain: 'Highest sequence number in the segment (u64), 0 if none.' },
  { name: 'liveBytes', role: 'other', size: 8, explain: 'Bytes of the records the keydir points at (u64).' },
  { name: 'tombstoneBytes', role: 'other', size: 8, explain: 'Bytes of tombstones (u64).' },
] as const satisfies readonly FieldSpec[];

/**
 * Version 2: the slots, the free slots and the table, taken as one run of
 * bytes, have a CRC-32 per page of this size (the last page may be
 * shorter), so that a one-shot lookup can trust the few pages it reads,
 * without the whole image's checksum.
 */
export const IMAGE_PAGE_BYTES = 4096;

export const IMAGE_TRAILER_FIELDS = [{ name: 'crc', role: 'crc', size: 4, explain: 'CRC-32 of every byte of the image before this field (u32).' }] as const satisfies readonly FieldSpec[];

/** One key: the keydir's slot, eight u32 words. */
export const IMAGE_SLOT_FIELDS = [
  { name: 'hash', role: 'other', size: 4, explain: 'Hash of the key under the image\'s seed (u32).' },
  { name: 'segment', role: 'other', size: 4, explain: 'Segment id of the key\'s live record (u32).' },
  { name: 'offset', role: 'offset', size: 4, explain: 'Offset of the record in that segment (u32).' },
  { name: 'recordLength', role: 'other', size: 4, explain: 'Total length of the record in bytes (u32).' },
  { name: 'sequence', role: 'sequence', size: 8, explain: 'Sequence number of the record (u64).' },
  { name: 'keyAt', role: 'offset', size: 4, explain: 'Offset of the key in the key bytes (u32).' },
  { name: 'keyLength', role: 'key-length', size: 4, explain: 'Key length in bytes (u32); 0xffffffff marks a free slot.' },
] as const satisfies readonly FieldSpec[];

export const SEGMENT_HEADER = offsetsOf(SEGMENT_HEADER_FIELDS);
export const RECORD_HEADER = offsetsOf(RECORD_FIELDS);
export const HINT_HEADER = offsetsOf(HINT_HEADER_FIELDS);
export const HINT_ENTRY = offsetsOf(HINT_ENTRY_FIELDS);
export const HINT_TRAILER = offsetsOf(HINT_TRAILER_FIELDS);
export const IMAGE_HEADER = offsetsOf(IMAGE_HEADER_FIELDS);
export const IMAGE_SEGMENT = offsetsOf(IMAGE_SEGMENT_FIELDS);
export const IMAGE_SLOT = offsetsOf(IMAGE_SLOT_FIELDS);
export const IMAGE_TRAILER = offsetsOf(IMAGE_TRAILER_FIELDS);
