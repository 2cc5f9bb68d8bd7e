/**
 * One key read through the keydir image as it lies on disk, for a one-shot
 * read (`kvscope get`): the image's header and segment table, the table
 * entries from the key's home on, the slot an entry with the key's hash
 * names, and the record that slot points at. A handful of small reads,
 * where opening the store takes the whole keydir over (65 MB at a million
 * keys, ~0.08 s; 650 MB at ten million).
 *
 * Nothing the image says is believed unless it is shown to hold. The image
 * must describe the data files as they are now (the same segments, the
 * same sizes: a writer deletes it before it changes anything). A value is
 * given only when its record is intact (its CRC), a put, of this key, with
 * the sequence the slot gives. "Absent" is said only by a version 2 image,
 * whose header and segment table match their checksum and every page of
 * the table and slots read matches its page checksum (the whole image's
 * checksum is never taken here), when the key's probe run ends without an
 * entry for it. Anything else gives undefined: the caller then opens the
 * store, which reads the image whole (its checksum and its consistency) or
 * replays the hints and data, and so answers or reports damage with the
 * store's usual checks.
 */
import { readAt, realFs, type EngineFs } from './fs.js';
import { readImageLayout, staleness, type ImageLayout } from './keydir-image.js';
import { FREE_SLOT_MARK, SLOT_WORD, SLOT_WORDS } from './keydir.js';
import { computeRecordCrc, readRecordHeader, readU32, recordLength } from './native/codec.js';
import { dataFileSizesNow, type DataFileNow } from './compaction.js';
import { KEYDIR_IMAGE_FILE, listDirectory, pathOf, type DirectoryListing } from './native/files.js';
import { hashBytes } from './native/key-hash.js';
import { IMAGE_PAGE_BYTES, MAX_VALUE_BYTES, RECORD_HEADER, RECORD_PUT } from './native/layout.js';
import { crc32 } from './crc.js';

/** Table entries read at once from the key's home on. */
const ENTRIES_PER_READ = 64;
/** Table entries looked at before giving up (the keydir moves to another seed long before a probe this long). */
const MAX_PROBE = 4096;
const SLOT_BYTES = SLOT_WORDS * 4;
const TWO_32 = 0x1_0000_0000;

/**
 * Reads of a version 2 image's slots and table, each checked against the
 * checksums of the pages it lies in (whole pages are read); undefined for
 * bytes whose page does not match. The last pages read are kept: a probe
 * reads on along the same page.
 */
class CheckedPages {
  private keptFrom = 0;
  private kept: Buffer | undefined;

  constructor(
    private readonly efs: EngineFs,
    private readonly fd: number,
    private readonly layout: ImageLayout,
  ) {}

  read(length: number, position: number): Buffer | undefined {
    const { slotsAt, arenaAt, pageSumsAt } = this.layout;
    if (position < slotsAt || position + length > arenaAt) return undefined;
    if (this.kept !== undefined && position >= this.keptFrom && position + length <= this.keptFrom + this.kept.length) {
      return this.kept.subarray(position - this.keptFrom, position - this.keptFrom + length);
    }
    const first = Math.floor((position - slotsAt) / IMAGE_PAGE_BYTES);
    const last = Math.floor((position + length - 1 - slotsAt) / IMAGE_PAGE_BYTES);
    const from = slotsAt + first * IMAGE_PAGE_BYTES;
    const pages = readAt(this.efs, this.fd, Math.min(arenaAt, slotsAt + (last + 1) * IMAGE_PAGE_BYTES) - from, from);
    const sums = readAt(this.efs, this.fd, (last - first + 1) * 4, pageSumsAt + first * 4);
    if (sums.length < (last - first + 1) * 4) return undefined;
    for (let page = 0; page <= last - first; page++) {
      const bytes = pages.subarray(page * IMAGE_PAGE_BYTES, (page + 1) * IMAGE_PAGE_BYTES);
      if (bytes.length === 0 || crc32(bytes) !== readU32(sums, page * 4)) return undefined;
    }
    this.keptFrom = from;
    this.kept = pages;
    return pages.subarray(position - from, position - from + length);
  }
}

/**
 * The value of `key` read through the keydir image of `dir`; 'absent' when
 * a version 2 image shows the key has none (see above); undefined when the
 * image cannot say (none, stale, damaged, version 1 and the key not in it,
 * its record not confirming it): then open the store.
 */
export function getThroughKeydirImage(dir: string, key: Uint8Array, efs: EngineFs = realFs): Buffer | 'absent' | undefined {
  if (key.length === 0) return undefined;
  return throughCurrentImage(dir, efs, (fd, layout, dataFiles) => lookUp(efs, dir, fd, layout, dataFiles, key));
}

/**
 * For a one-shot read of the image as it lies (a key here, the stats in
 * image-stats.ts): `read` given the image's open file, its layout (checked
 * by readImageLayout), the data files as they are now, when the image
 * describes them (the same segments, the same sizes), and the directory's
 * listing they came from. Undefined when there is no such image, or
 * anything throws: the caller then opens the store.
 */
export function throughCurrentImage<T>(
  dir: string,
  efs: EngineFs,
  read: (fd: number, layout: ImageLayout, dataFiles: DataFileNow[], listing: DirectoryListing) => T | undefined,
): T | undefined {
  let fd: number;
  try {
    fd = efs.openSync(pathOf(dir, KEYDIR_IMAGE_FILE), 'r');
  } catch {
    return undefined;
  }
  try {
    const layout = readImageLayout(efs, fd);
    if (typeof layout === 'string') return undefined;
    const listing = listDirectory(efs, dir);
    const dataFiles = dataFileSizesNow(efs, dir, listing);
    if (dataFiles === undefined || staleness(layout, dataFiles) !== undefined) return undefined;
    return read(fd, layout, dataFiles, listing);
  } catch {
    return undefined;
  } finally {
    efs.closeSync(fd);
  }
}

/** The key looked up in an image that describes the data files as they are (see above). */
function lookUp(efs: EngineFs, dir: string, fd: number, layout: ImageLayout, dataFiles: DataFileNow[], key: Uint8Array): Buffer | 'absent' | undefined {
  if (layout.tableSize === 0 || (layout.tableSize & (layout.tableSize - 1)) !== 0) return undefined;
  const fileOf = new Map(dataFiles.map((f) => [f.id, f]));
  // A version 1 image has no page checksums: what it says is read as it lies, and never taken for "absent".
  const checked = layout.version === 1 ? undefined : new CheckedPages(efs, fd, layout);
  const readImage = (length: number, position: number): Buffer | undefined => {
    if (checked) return checked.read(length, position);
    const bytes = readAt(efs, fd, length, position);
    return bytes.length < length ? undefined : bytes;
  };

  const hash = hashBytes(key, 0, key.length, layout.seed);
  const mask = layout.tableSize - 1;
  const bits = Math.log2(layout.tableSize);
  let index = bits === 0 ? 0 : hash >>> (32 - bits);
  for (let probed = 0; probed < Math.min(layout.tableSize, MAX_PROBE); ) {
    const count = Math.min(ENTRIES_PER_READ, layout.tableSize - index);
    const entries = readImage(count * 8, layout.tableAt + index * 8);
    if (entries === undefined) return undefined;
    for (let e = 0; e < count; e++, probed++) {
      const slotPlusOne = readU32(entries, e * 8 + 4);
      // The end of the run the key would be in, every entry before it checked: the key has no value.
      if (slotPlusOne === 0) return checked ? 'absent' : undefined;
      if (readU32(entries, e * 8) !== hash) continue;
      if (slotPlusOne > layout.slotCount) return undefined;
      const slot = readImage(SLOT_BYTES, layout.slotsAt + (slotPlusOne - 1) * SLOT_BYTES);
      if (slot === undefined) return undefined;
      const word = (w: number) => readU32(slot, w * 4);
      // A table entry and the slot it names disagree on the hash: not a keydir (the open's check would say so).
      if (word(SLOT_WORD.hash) !== hash) return undefined;
      if (word(SLOT_WORD.keyLength) === FREE_SLOT_MARK || word(SLOT_WORD.keyLength) !== key.length) continue;
      const segment = word(SLOT_WORD.segment);
      const offset = word(SLOT_WORD.offset);
      const length = word(SLOT_WORD.length);
      const sequence = word(SLOT_WORD.sequenceHigh) * TWO_32 + word(SLOT_WORD.sequenceLow);
      const file = fileOf.get(segment);
      // Read only what a record of this key can be: a damaged length never makes a large allocation.
      if (file === undefined || length < RECORD_HEADER.size + key.length || length > RECORD_HEADER.size + key.length + MAX_VALUE_BYTES || offset + length > file.size) return undefined;
      const value = confirmedValue(efs, pathOf(dir, file.name), offset, length, key, sequence);
      // Another key with the same hash: go on along the run.
      if (value === 'other key') continue;
      return value;
    }
    index = (index + count) & mask;
  }
  return undefined;
}

/**
 * The value of the record at `offset` if it is intact, a put of `key` with
 * `sequence`; 'other key' when it is an intact record of another key;
 * undefined for anything else.
 */
function confirmedValue(efs: EngineFs, path: string, offset: number, length: number, key: Uint8Array, sequence: number): Buffer | 'other key' | undefined {
  const fd = efs.openSync(path, 'r');
  let record: Buffer;
  try {
    record = readAt(efs, fd, length, offset);
  } finally {
    efs.closeSync(fd);
  }
  if (record.length < length) return undefined;
  const header = readRecordHeader(record, 0);
  if (computeRecordCrc(record) !== header.crc) return undefined;
  const { keyLength } = header;
  if (recordLength(keyLength, header.valueLength) !== length) return undefined;
  if (keyLength !== key.length || !record.subarray(RECORD_HEADER.size, RECORD_HEADER.size + keyLength).equals(key)) return 'other key';
  if (header.type !== RECORD_PUT || header.sequence !== sequence) return undefined;
  return record.subarray(RECORD_HEADER.size + keyLength);
}
