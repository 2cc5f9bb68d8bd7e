/**
 * The keydir image: a writer's whole keydir, and its segments' figures,
 * written when it closes cleanly, so that the next open (a reader's, or a
 * writer's) takes the keydir over in a few large reads instead of inserting
 * every key from the hint files again (docs/FORMAT.md, "Keydir image"). It holds the keydir in its
 * own in-memory layout (little-endian u32 words), section after section.
 *
 * Version 2 adds a checksum of the header and segment table, and one per
 * page of the slots and the table, so that a one-shot lookup (image-lookup.ts)
 * can trust the few pages it reads, and so say that a key is absent.
 *
 * An image describes the data files exactly as they were at that close: it
 * is used only if the directory holds the same segments with the same
 * sizes. A writer reads it, then deletes it (unlink, fsync the directory)
 * before it changes anything, so no image outlives a change it does not
 * describe.
 */
import { endianness } from 'node:os';
import { crc32 } from './crc.js';
import { AbortedError } from './errors.js';
import { readAt, readFileAt, readIntoAsync, realFs, writeFileAtomically, type EngineFs } from './fs.js';
import { KeydirStateCheck, SLOT_WORDS, type KeydirState } from './keydir.js';
import { dataFileName, KEYDIR_IMAGE_FILE, pathOf } from './native/files.js';
import { readU64, writeU64 } from './native/codec.js';
import type { Segment } from './segment.js';
import { runSteps } from './yielder.js';
import { IMAGE_HEADER, IMAGE_MAGIC, IMAGE_PAGE_BYTES, IMAGE_SEGMENT, IMAGE_TRAILER } from './native/layout.js';

/** The version written. Version 1 (no header checksum, no page checksums) is read too. */
const VERSION = 2;

const TRAILER_BYTES = IMAGE_TRAILER.size;

/** A segment as an image records it. Sequences are 0 when the segment holds no record. */
export interface ImageSegment {
  id: number;
  size: number;
  records: number;
  oldestSequence: number;
  newestSequence: number;
  liveBytes: number;
  tombstoneBytes: number;
}

export interface KeydirImage {
  segments: ImageSegment[];
  keydir: KeydirState;
  /** Version 2: the page checksums as the image holds them (pageSumsProblem checks them). */
  pageSums?: Uint32Array;
}

export type LoadedImage = { ok: true; image: KeydirImage } | { ok: false; reason: string };

/** The bytes of a typed array's elements, as a Buffer over the same memory. */
function bytesOf(a: Uint32Array | Uint8Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * Why the image does not describe these segments (id and size, in id order)
 * as they are now, or undefined when it does: an image is used only then.
 */
export function staleness(image: Pick<KeydirImage, 'segments'>, segments: readonly { id: number; size: number }[]): string | undefined {
  if (image.segments.length !== segments.length) return `it describes ${image.segments.length} segments, the directory has ${segments.length}`;
  for (let i = 0; i < segments.length; i++) {
    const { id, size } = segments[i]!;
    const described = image.segments[i]!;
    if (described.id !== id) return `it describes segment ${described.id} where the directory has ${dataFileName(id)}`;
    if (described.size !== size) return `written for ${described.size} bytes of ${dataFileName(id)}, which has ${size}`;
  }
  return undefined;
}

/**
 * The CRC-32 of each IMAGE_PAGE_BYTES page of `parts` taken as one run of
 * bytes (the last page may be shorter): the slots, the free slots and the
 * table of a version 2 image.
 */
export function imagePageSums(parts: readonly Uint8Array[]): Uint32Array {
  return runSteps(imagePageSumsSteps(parts));
}

/** Pages summed between two steps of imagePageSumsSteps (4 MiB, ~2 ms). */
const PAGES_PER_STEP = 1024;

/** imagePageSums, yielding every PAGES_PER_STEP pages (verify runs on the loop that serves the inspector). */
function* imagePageSumsSteps(parts: readonly Uint8Array[]): Generator<void, Uint32Array> {
  const total = parts.reduce((n, part) => n + part.length, 0);
  const sums = new Uint32Array(Math.ceil(total / IMAGE_PAGE_BYTES));
  let page = 0;
  let filled = 0;
  let crc = 0;
  for (const part of parts) {
    for (let at = 0; at < part.length; ) {
      const take = Math.min(IMAGE_PAGE_BYTES - filled, part.length - at);
      crc = crc32(part.subarray(at, at + take), crc);
      at += take;
      filled += take;
      if (filled === IMAGE_PAGE_BYTES) {
        sums[page++] = crc;
        crc = 0;
        filled = 0;
        if (page % PAGES_PER_STEP === 0) yield;
      }
    }
  }
  if (filled > 0) sums[page] = crc;
  return sums;
}

/** The CRC-32 a version 2 header carries: of its bytes before the field, then the segment table. */
export function headerCrcOf(header: Uint8Array, segmentBytes: Uint8Array): number {
  return crc32(segmentBytes, crc32(header.subarray(0, IMAGE_HEADER.headerCrc)));
}

/**
 * Why a version 2 image's page checksums do not match its slots, free slots
 * and table, or undefined when they do (or it is version 1), yielding
 * between steps of the summing. An open does not need them (it takes the
 * whole image's checksum); verify asks.
 */
export function* pageSumsProblemSteps(image: KeydirImage): Generator<void, string | undefined> {
  if (image.pageSums === undefined) return undefined;
  const { slots, freeSlots, table } = image.keydir;
  const expected = yield* imagePageSumsSteps([bytesOf(slots), bytesOf(freeSlots), bytesOf(table)]);
  if (expected.length !== image.pageSums.length) return `${image.pageSums.length} page checksums for ${expected.length} pages`;
  for (let page = 0; page < expected.length; page++) {
    if (expected[page] !== image.pageSums[page]) return `the checksum of page ${page} of the slots and table does not match (a one-shot get will not trust that page)`;
  }
  return undefined;
}

/** Give a segment the figures an image describes it with (an open that takes the image over, image-stats). */
export function adoptSegmentFigures(seg: Segment, described: ImageSegment): void {
  seg.records = described.records;
  if (described.records > 0) {
    seg.oldestSequence = described.oldestSequence;
    seg.newestSequence = described.newestSequence;
  }
  seg.liveBytes = described.liveBytes;
  seg.tombstoneBytes = described.tombstoneBytes;
}

/** Only a little-endian host reads or writes images: the sections are its typed arrays' own bytes. */
export const imagesSupported = endianness() === 'LE';

/** Write the image atomically: a .tmp file, fdatasync, rename, fsync the directory. */
export function writeKeydirImage(efs: EngineFs, dir: string, image: KeydirImage): void {
  const { segments, keydir } = image;
  const head = Buffer.alloc(IMAGE_HEADER.size + segments.length * IMAGE_SEGMENT.size);
  head.write(IMAGE_MAGIC, IMAGE_HEADER.magic, 'latin1');
  head.writeUInt16LE(VERSION, IMAGE_HEADER.version);
  head.writeUInt32LE(keydir.seed, IMAGE_HEADER.seed);
  head.writeUInt32LE(segments.length, IMAGE_HEADER.segmentCount);
  head.writeUInt32LE(keydir.slots.length / SLOT_WORDS, IMAGE_HEADER.slotCount);
  head.writeUInt32LE(keydir.freeSlots.length, IMAGE_HEADER.freeSlotCount);
  head.writeUInt32LE(keydir.table.length / 2, IMAGE_HEADER.tableSize);
  head.writeUInt32LE(keydir.arena.length, IMAGE_HEADER.arenaBytes);
  head.writeUInt32LE(keydir.arenaGarbage, IMAGE_HEADER.arenaGarbage);
  segments.forEach((seg, i) => {
    const at = IMAGE_HEADER.size + i * IMAGE_SEGMENT.size;
    head.writeUInt32LE(seg.id, at + IMAGE_SEGMENT.id);
    head.writeUInt32LE(seg.records, at + IMAGE_SEGMENT.records);
    writeU64(head, seg.size, at + IMAGE_SEGMENT.dataSize);
    writeU64(head, seg.oldestSequence, at + IMAGE_SEGMENT.oldestSequence);
    writeU64(head, seg.newestSequence, at + IMAGE_SEGMENT.newestSequence);
    writeU64(head, seg.liveBytes, at + IMAGE_SEGMENT.liveBytes);
    writeU64(head, seg.tombstoneBytes, at + IMAGE_SEGMENT.tombstoneBytes);
  });
  head.writeUInt32LE(headerCrcOf(head.subarray(0, IMAGE_HEADER.size), head.subarray(IMAGE_HEADER.size)), IMAGE_HEADER.headerCrc);
  const paged = [bytesOf(keydir.slots), bytesOf(keydir.freeSlots), bytesOf(keydir.table)];
  const sections = [head, ...paged, bytesOf(keydir.arena), bytesOf(imagePageSums(paged))];
  let crc = 0;
  for (const section of sections) crc = crc32(section, crc);
  const trailer = Buffer.alloc(TRAILER_BYTES);
  trailer.writeUInt32LE(crc, 0);
  sections.push(trailer);

  writeFileAtomically(efs, dir, KEYDIR_IMAGE_FILE, sections);
}

/** Delete the image, if there is one, durably (unlink, fsync the directory). */
export function deleteKeydirImage(efs: EngineFs, dir: string): void {
  const path = pathOf(dir, KEYDIR_IMAGE_FILE);
  if (!efs.existsSync(path)) return;
  efs.unlinkSync(path);
  efs.fsyncDirSync(dir);
}

/** The large sections are read this much at a time, on the thread pool: whole slots and table entries. */
const READ_CHUNK_BYTES = 4 * 1024 * 1024;
const SLOT_BYTES = SLOT_WORDS * 4;
const TABLE_ENTRY_BYTES = 8;
/**
 * Chunk reads in flight at once: while this thread takes the CRC of the
 * chunks that have arrived, the thread pool reads the next ones and faults
 * in their fresh memory (a third of reading a 65 MB image into new arrays).
 */
const READS_IN_FLIGHT = 4;

/**
 * Fill the sections, one after another, with the file's bytes from `at` on,
 * exactly (or throw), and return the CRC continued over them: chunks read on
 * the thread pool, READS_IN_FLIGHT at a time, their CRC taken here in file
 * order as they arrive. `arrived` is told of each chunk (its section, and
 * its byte range there) as it arrives, then `pause` gets the file offset
 * reached. Returns or throws only once no read is in flight, so the caller may
 * close the fd and nothing writes into the sections after.
 */
async function readSections(
  efs: EngineFs,
  fd: number,
  sections: readonly (Uint32Array | Uint8Array)[],
  at: number,
  crc: number,
  pause: (offset: number) => Promise<void>,
  arrived: (section: number, from: number, to: number) => void,
): Promise<number> {
  const chunks: Array<{ bytes: Buffer; position: number; section: number; from: number }> = [];
  let position = at;
  sections.forEach((s, section) => {
    const bytes = bytesOf(s);
    for (let from = 0; from < bytes.length; from += READ_CHUNK_BYTES) {
      chunks.push({ bytes: bytes.subarray(from, Math.min(bytes.length, from + READ_CHUNK_BYTES)), position: position + from, section, from });
    }
    position += bytes.length;
  });
  const reads: Promise<number>[] = [];
  const startRead = (i: number): void => {
    const { bytes, position } = chunks[i]!;
    const read = readIntoAsync(efs, fd, bytes, 0, bytes.length, position);
    // Awaited in turn below; until then its failure is not unhandled.
    read.catch(() => undefined);
    reads.push(read);
  };
  try {
    for (let i = 0; i < Math.min(READS_IN_FLIGHT, chunks.length); i++) startRead(i);
    for (let i = 0; i < chunks.length; i++) {
      const { bytes, position, section, from } = chunks[i]!;
      const n = await reads[i]!;
      if (i + READS_IN_FLIGHT < chunks.length) startRead(i + READS_IN_FLIGHT);
      if (n < bytes.length) throw new Error('file ended early');
      crc = crc32(bytes, crc);
      arrived(section, from, from + bytes.length);
      await pause(position + bytes.length);
    }
    return crc;
  } finally {
    await Promise.allSettled(reads);
  }
}

/** An image's header and segment table, and where its other sections lie. */
export interface ImageLayout {
  version: number;
  fileSize: number;
  header: Buffer;
  segmentBytes: Buffer;
  segments: ImageSegment[];
  seed: number;
  slotCount: number;
  freeSlotCount: number;
  tableSize: number;
  arenaBytes: number;
  /** File offsets of the slots, the table and the key bytes. */
  slotsAt: number;
  tableAt: number;
  arenaAt: number;
  /** Version 2: the page checksums' file offset and count (pages of [slotsAt, arenaAt)); version 1: none (0). */
  pageSumsAt: number;
  pageCount: number;
}

/**
 * Read an image's header and segment table from its open file, checked:
 * magic, version, section sizes that add up to the file's size, and (version
 * 2) their checksum. The reason it is not an image otherwise (without the
 * file name).
 */
export function readImageLayout(efs: EngineFs, fd: number): ImageLayout | string {
  const fileSize = efs.fstatSize(fd);
  if (fileSize < IMAGE_HEADER.size + TRAILER_BYTES) return 'shorter than its header';
  const header = readAt(efs, fd, IMAGE_HEADER.size, 0);
  if (header.toString('latin1', 0, 4) !== IMAGE_MAGIC) return 'bad magic';
  const version = header.readUInt16LE(IMAGE_HEADER.version);
  if (version !== 1 && version !== 2) return `unknown version ${version}`;
  const segmentCount = header.readUInt32LE(IMAGE_HEADER.segmentCount);
  const slotCount = header.readUInt32LE(IMAGE_HEADER.slotCount);
  const freeSlotCount = header.readUInt32LE(IMAGE_HEADER.freeSlotCount);
  const tableSize = header.readUInt32LE(IMAGE_HEADER.tableSize);
  const arenaBytes = header.readUInt32LE(IMAGE_HEADER.arenaBytes);
  // Sizes first: nothing is allocated for sections the file could not hold.
  const slotsAt = IMAGE_HEADER.size + segmentCount * IMAGE_SEGMENT.size;
  const tableAt = slotsAt + slotCount * SLOT_BYTES + freeSlotCount * 4;
  const arenaAt = tableAt + tableSize * TABLE_ENTRY_BYTES;
  const pageSumsAt = arenaAt + arenaBytes;
  const pageCount = version === 1 ? 0 : Math.ceil((arenaAt - slotsAt) / IMAGE_PAGE_BYTES);
  const expected = pageSumsAt + pageCount * 4 + TRAILER_BYTES;
  if (expected !== fileSize) return `its sections take ${expected} bytes, the file has ${fileSize}`;
  const segmentBytes = readAt(efs, fd, segmentCount * IMAGE_SEGMENT.size, IMAGE_HEADER.size);
  if (version === 2 && header.readUInt32LE(IMAGE_HEADER.headerCrc) !== headerCrcOf(header, segmentBytes)) return 'the checksum of its header and segment table does not match';
  const segments = decodeSegments(segmentBytes, segmentCount);
  const seed = header.readUInt32LE(IMAGE_HEADER.seed);
  return { version, fileSize, header, segmentBytes, segments, seed, slotCount, freeSlotCount, tableSize, arenaBytes, slotsAt, tableAt, arenaAt, pageSumsAt, pageCount };
}

function decodeSegments(bytes: Buffer, count: number): ImageSegment[] {
  const segments: ImageSegment[] = [];
  for (let i = 0; i < count; i++) {
    const s = i * IMAGE_SEGMENT.size;
    segments.push({
      id: bytes.readUInt32LE(s + IMAGE_SEGMENT.id),
      records: bytes.readUInt32LE(s + IMAGE_SEGMENT.records),
      size: readU64(bytes, s + IMAGE_SEGMENT.dataSize),
      oldestSequence: readU64(bytes, s + IMAGE_SEGMENT.oldestSequence),
      newestSequence: readU64(bytes, s + IMAGE_SEGMENT.newestSequence),
      liveBytes: readU64(bytes, s + IMAGE_SEGMENT.liveBytes),
      tombstoneBytes: readU64(bytes, s + IMAGE_SEGMENT.tombstoneBytes),
    });
  }
  return segments;
}

/**
 * Read the image, checked whole: header, sizes that add up to the file's,
 * its checksum, and that its keydir is one a keydir could have, naming only
 * the segments the image describes (KeydirStateCheck, as the slots and the
 * table arrive; Keydir.adoptState then takes the state over without a
 * second check). Whether it describes the directory as it is now, the
 * caller checks (staleness). `pause`, awaited between chunks of the large
 * sections, gets the bytes of the file read so far and its size.
 *
 * With `segmentsNow` (the directory's data files and their sizes as the
 * caller just found them), an image whose segment table does not describe
 * them is not read any further: a stale image costs its header, not its
 * keys (65 MB at a million). The caller still compares the image it gets
 * with the segments it opens.
 */
export async function readKeydirImage(
  efs: EngineFs,
  dir: string,
  pause: (done: number, total: number) => Promise<void> = async () => {},
  segmentsNow?: readonly { id: number; size: number }[],
): Promise<LoadedImage> {
  if (!imagesSupported) return { ok: false, reason: `${KEYDIR_IMAGE_FILE}: not read on a big-endian host` };
  let fd: number;
  try {
    fd = efs.openSync(pathOf(dir, KEYDIR_IMAGE_FILE), 'r');
  } catch (err) {
    return { ok: false, reason: `${KEYDIR_IMAGE_FILE}: ${(err as Error).message}` };
  }
  try {
    const layout = readImageLayout(efs, fd);
    if (typeof layout === 'string') return { ok: false, reason: `${KEYDIR_IMAGE_FILE}: ${layout}` };
    const { fileSize, header, segmentBytes, segments, slotCount, freeSlotCount, tableSize, arenaBytes } = layout;
    const stale = segmentsNow && staleness({ segments }, segmentsNow);
    if (stale !== undefined) return { ok: false, reason: `${KEYDIR_IMAGE_FILE}: stale, not used (${stale})` };
    const slots = new Uint32Array(slotCount * SLOT_WORDS);
    const freeSlots = new Uint32Array(freeSlotCount);
    const table = new Uint32Array(tableSize * 2);
    const arena = Buffer.allocUnsafeSlow(arenaBytes);
    const arenaGarbage = header.readUInt32LE(IMAGE_HEADER.arenaGarbage);
    // The keydir is checked as its slots and table arrive, while the next chunks are read.
    const ids = new Set(segments.map((seg) => seg.id));
    const check = new KeydirStateCheck({ slotCount, freeSlotCount, tableSize, arenaBytes, arenaGarbage }, (id) => ids.has(id));
    const pageSums = layout.version === 1 ? undefined : new Uint32Array(layout.pageCount);
    const sections = pageSums ? [slots, freeSlots, table, arena, pageSums] : [slots, freeSlots, table, arena];
    const arrived = (section: number, from: number, to: number): void => {
      if (section === 0) check.slotsArrived(slots, from / SLOT_BYTES, to / SLOT_BYTES);
      else if (section === 2) check.tableArrived(table, from / TABLE_ENTRY_BYTES, to / TABLE_ENTRY_BYTES);
    };
    const at = layout.slotsAt;
    const crc = await readSections(efs, fd, sections, at, crc32(segmentBytes, crc32(header)), (offset) => pause(offset, fileSize), arrived);
    if (readAt(efs, fd, TRAILER_BYTES, layout.pageSumsAt + layout.pageCount * 4).readUInt32LE(0) !== crc) return { ok: false, reason: `${KEYDIR_IMAGE_FILE}: checksum does not match its contents` };

    const keydir: KeydirState = { seed: layout.seed, slots, freeSlots, table, arena, arenaGarbage };
    const problem = check.finish(keydir);
    if (problem !== undefined) return { ok: false, reason: `${KEYDIR_IMAGE_FILE}: not a keydir, not used (${problem})` };
    return { ok: true, image: { segments, keydir, ...(pageSums ? { pageSums } : {}) } };
  } catch (err) {
    // Cancelled while reading: the open is cancelled, not an image to do without.
    if (err instanceof AbortedError) throw err;
    return { ok: false, reason: `${KEYDIR_IMAGE_FILE}: ${(err as Error).message}` };
  } finally {
    efs.closeSync(fd);
  }
}

/** Keys an image's header counts (used slots; no other check, for listings), or undefined when it cannot be read. */
export function readKeydirImageKeyCount(path: string, efs: EngineFs = realFs): number | undefined {
  try {
    const header = readFileAt(efs, path, IMAGE_HEADER.size, 0);
    if (header.length < IMAGE_HEADER.size || header.toString('latin1', 0, 4) !== IMAGE_MAGIC) return undefined;
    return Math.max(0, header.readUInt32LE(IMAGE_HEADER.slotCount) - header.readUInt32LE(IMAGE_HEADER.freeSlotCount));
  } catch {
    return undefined;
  }
}
