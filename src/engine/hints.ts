/**
 * Building, writing and loading hint files. A hint lists every committed
 * record of a sealed segment (key, type, sequence, offset, length) so that
 * opening reads the hint instead of the whole segment.
 */
import { readFileAt, realFs, writeFileAtomically, type EngineFs } from './fs.js';
import { FORMAT_VERSION, HINT_ENTRY, HINT_HEADER, HINT_MAGIC, HINT_TRAILER, RECORD_HEADER, SEGMENT_HEADER } from './native/layout.js';
import { checkHint, encodeHint, readU32, readU64, writeHintHeader, writeU32, writeU64, type HintEntry } from './native/codec.js';
import { copyBytes, grown } from './arrays.js';
import { hashBytes } from './native/key-hash.js';
import { crc32 } from './crc.js';
import { fileSource } from './native/byte-source.js';
import { committedRecords, scanRecords, walkCommittedRecords } from './native/scan.js';
import { hintFileName, pathOf } from './native/files.js';
import type { Yielder } from './yielder.js';

/** Scan a segment and collect hint entries for its committed records. */
export async function buildHintEntries(efs: EngineFs, fd: number, size: number, yielder?: Yielder): Promise<HintEntry[]> {
  const entries: HintEntry[] = [];
  for (const ev of committedRecords(scanRecords(fileSource(efs, fd, size)))) {
    if (ev.kind === 'record') {
      entries.push({ type: ev.header.type, sequence: ev.header.sequence, offset: ev.offset, recordLength: ev.length, key: ev.key });
      if (yielder) await yielder.step(ev.offset, size);
    }
  }
  return entries;
}

/**
 * Hint entries are ordered by this many top bits of their key's hash: the
 * keydir's home slot is the top bits of the same hash, so each bucket's
 * entries land within 1/4096 of the table (at 1M keys, 512 slots: 4 KiB),
 * which is front to back as far as the CPU's caches can tell.
 */
export const ORDER_BITS = 12;
const ORDER_BUCKETS = 1 << ORDER_BITS;

/** Each entry's bucket (the top ORDER_BITS of its key's hash), each bucket's bytes, and whether the buckets ascend so far. */
interface Buckets {
  digits: Uint16Array;
  /** bytes[d + 1]: the bytes of bucket d's entries. */
  bytes: Uint32Array;
  ordered: boolean;
}

function newBuckets(capacity: number): Buckets {
  return { digits: new Uint16Array(Math.max(1, capacity)), bytes: new Uint32Array(ORDER_BUCKETS + 1), ordered: true };
}

/** Note entry i's bucket (its key's hash with KEY_ORDER_SEED, and its size in bytes); entries come in order. */
function noteBucket(b: Buckets, i: number, keyHash: number, entryBytes: number): void {
  const digit = keyHash >>> (32 - ORDER_BITS);
  if (i === b.digits.length) b.digits = grown(b.digits, 2 * i);
  if (i > 0 && digit < b.digits[i - 1]!) b.ordered = false;
  b.digits[i] = digit;
  b.bytes[digit + 1]! += entryBytes;
}

/**
 * A hint file built entry by entry straight into its bytes (no object per
 * entry). finish() puts the entries in the order of the top bits of their
 * keys' hash with the keydir's fixed seed (KEY_ORDER_SEED; file order within
 * a bucket): the keydir places a key by the top bits of that hash, so
 * opening inserts a hint's entries into its table front to back, not at
 * random.
 */
export class HintBuilder {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private at = HINT_HEADER.size;
  count = 0;
  /**
   * Each entry's bucket and each bucket's bytes, noted as entries are added,
   * so that finish() moves the entries without reading them twice;
   * undefined once addEncoded() added entries whose buckets were not noted
   * (finish() then works them out).
   */
  private buckets: Buckets | undefined = newBuckets(1024);

  /** Room for entryBytes more bytes of entries (and the trailer); returns where they go. */
  private reserve(entryBytes: number): number {
    const need = this.at + entryBytes + HINT_TRAILER.size;
    if (need > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(bigger, 0, 0, this.at);
      this.buf = bigger;
    }
    return this.at;
  }

  add(type: number, sequence: number, offset: number, recordLength: number, key: Uint8Array, keyStart: number, keyLength: number): void {
    const at = this.reserve(HINT_ENTRY.size + keyLength);
    if (this.buckets) noteBucket(this.buckets, this.count, hashBytes(key, keyStart, keyStart + keyLength), HINT_ENTRY.size + keyLength);
    const b = this.buf;
    b[at + HINT_ENTRY.type] = type;
    b[at + HINT_ENTRY.flags] = 0;
    writeU64(b, sequence, at + HINT_ENTRY.sequence);
    writeU32(b, offset, at + HINT_ENTRY.offset);
    writeU32(b, recordLength, at + HINT_ENTRY.recordLength);
    writeU32(b, keyLength, at + HINT_ENTRY.keyLength);
    copyBytes(key, keyStart, b, at + HINT_ENTRY.size, keyLength);
    this.at = at + HINT_ENTRY.size + keyLength;
    this.count++;
  }

  /**
   * add() for a record whose bytes are at hand (record[at, at + recordLength),
   * checked): the entry's type, sequence, key length and key are copied from
   * the record's header and key, which hold them in the same encoding.
   */
  addRecord(record: Uint8Array, at: number, offset: number, recordLength: number): void {
    const kl = at + RECORD_HEADER.keyLength;
    const keyLength = readU32(record, kl);
    const to = this.reserve(HINT_ENTRY.size + keyLength);
    const keyStart = at + RECORD_HEADER.size;
    // Hashed here, from the record's bytes at hand: reading the hash the keydir holds instead was slower
    // for a keydir whose slots are in hash order (one opened from hints), a random access per record.
    if (this.buckets) noteBucket(this.buckets, this.count, hashBytes(record, keyStart, keyStart + keyLength), HINT_ENTRY.size + keyLength);
    const b = this.buf;
    b[to + HINT_ENTRY.type] = record[at + RECORD_HEADER.type]!;
    b[to + HINT_ENTRY.flags] = 0;
    copyBytes(record, at + RECORD_HEADER.sequence, b, to + HINT_ENTRY.sequence, 8);
    writeU32(b, offset, to + HINT_ENTRY.offset);
    writeU32(b, recordLength, to + HINT_ENTRY.recordLength);
    copyBytes(record, kl, b, to + HINT_ENTRY.keyLength, 4);
    copyBytes(record, keyStart, b, to + HINT_ENTRY.size, keyLength);
    this.at = to + HINT_ENTRY.size + keyLength;
    this.count++;
  }

  /** Each entry's bucket and each bucket's bytes, worked out from the entries (after addEncoded()). */
  private bucketsFromEntries(): Buckets {
    const b = this.buf;
    const buckets = newBuckets(this.count);
    for (let i = 0, at = HINT_HEADER.size; i < this.count; i++) {
      const keyLength = readU32(b, at + HINT_ENTRY.keyLength);
      const key = at + HINT_ENTRY.size;
      noteBucket(buckets, i, hashBytes(b, key, key + keyLength), HINT_ENTRY.size + keyLength);
      at = key + keyLength;
    }
    return buckets;
  }

  /**
   * Put the entries in the order of the top ORDER_BITS bits of their key's
   * hash, file order within (a stable counting sort that moves the entries
   * front to back, by the buckets noted as they were added). Nothing to do
   * when they already are in that order (a loaded hint's entries, nothing
   * added).
   */
  private orderByKeyHash(): void {
    const n = this.count;
    if (n < 2) return;
    const { digits, bytes: bucketStart, ordered } = this.buckets ?? this.bucketsFromEntries();
    this.buckets = undefined;
    if (ordered) return;
    const b = this.buf;
    const end = this.at;
    bucketStart[0] = HINT_HEADER.size;
    for (let d = 1; d <= ORDER_BUCKETS; d++) bucketStart[d]! += bucketStart[d - 1]!;
    const out = Buffer.allocUnsafe(end + HINT_TRAILER.size);
    for (let i = 0, at = HINT_HEADER.size; at < end; i++) {
      const length = HINT_ENTRY.size + readU32(b, at + HINT_ENTRY.keyLength);
      copyBytes(b, at, out, bucketStart[digits[i]!]!, length);
      bucketStart[digits[i]!]! += length;
      at += length;
    }
    this.buf = out;
  }

  /** Entries already encoded (a loaded hint's bytes[start, end), holding count entries), appended as they are. */
  addEncoded(bytes: Uint8Array, start: number, end: number, count: number): void {
    this.buckets = undefined;
    const at = this.reserve(end - start);
    copyBytes(bytes, start, this.buf, at, end - start);
    this.at = at + end - start;
    this.count += count;
  }

  /** The whole hint file: byte for byte what encodeHint makes of the same entries in key-hash order (ORDER_BITS). */
  finish(segmentId: number, dataSize: number): Buffer {
    this.orderByKeyHash();
    const b = this.buf;
    writeHintHeader(b, segmentId, dataSize);
    const at = this.at;
    writeU32(b, this.count, at + HINT_TRAILER.entryCount);
    writeU32(b, crc32(b.subarray(0, at + HINT_TRAILER.crc)), at + HINT_TRAILER.crc);
    return b.subarray(0, at + HINT_TRAILER.size);
  }
}

/** Scan a segment and build its hint file's bytes: the fast walk, then the generic scanner from where it stopped. */
export async function buildHintBytes(efs: EngineFs, segmentId: number, fd: number, size: number, yielder?: Yielder): Promise<Buffer> {
  const builder = new HintBuilder();
  const start = Math.min(size, SEGMENT_HEADER.size);
  const pause = yielder ? (offset: number) => yielder.tick(offset, size) : undefined;
  const stopped = await walkCommittedRecords(
    efs,
    fd,
    size,
    start,
    (buf, at, fileOffset, _type, _sequence, _keyLength, length) => builder.addRecord(buf, at, fileOffset, length),
    { pause },
  );
  if (stopped < size) {
    for (const ev of committedRecords(scanRecords(fileSource(efs, fd, size), stopped))) {
      if (ev.kind === 'record') {
        builder.add(ev.header.type, ev.header.sequence, ev.offset, ev.length, ev.key, 0, ev.key.length);
        if (yielder) await yielder.step(ev.offset, size);
      }
    }
  }
  return builder.finish(segmentId, size);
}

/** Write a hint file's bytes atomically: to a .tmp name, fsync, rename, fsync the directory. */
export function writeHintBytes(efs: EngineFs, dir: string, finalName: string, bytes: Buffer): void {
  writeFileAtomically(efs, dir, finalName, [bytes]);
}

/** Write a hint file atomically: to a .tmp name, fsync, rename, fsync the directory. */
export function writeHintFile(efs: EngineFs, dir: string, finalName: string, segmentId: number, dataSize: number, entries: readonly HintEntry[]): void {
  writeHintBytes(efs, dir, finalName, encodeHint(segmentId, dataSize, entries));
}

/** A hint file checked whole (checksum, bounds, segment, size): entries lie in bytes [HINT_HEADER.size, entriesEnd). */
export type LoadedHint = { ok: true; bytes: Buffer; entriesEnd: number; entryCount: number } | { ok: false; reason: string };

/** Load the hint of a segment if it is usable: intact, for this segment, and not stale. */
export function loadHint(efs: EngineFs, dir: string, segmentId: number, dataSize: number, name = hintFileName(segmentId)): LoadedHint {
  let bytes: Buffer;
  try {
    bytes = efs.readFileSync(pathOf(dir, name));
  } catch (err) {
    return { ok: false, reason: `${name}: ${(err as Error).message}` };
  }
  return usableHint(bytes, name, segmentId, dataSize);
}

/** A hint file's bytes checked as loadHint checks them: intact, for this segment, and not stale. */
export function usableHint(bytes: Buffer, name: string, segmentId: number, dataSize: number): LoadedHint {
  const check = checkHint(bytes);
  if (!check.ok) return { ok: false, reason: `${name}: ${check.reason} (offset ${check.offset})` };
  if (check.segmentId !== segmentId) return { ok: false, reason: `${name}: describes segment ${check.segmentId}` };
  if (check.dataSize !== dataSize) return { ok: false, reason: `${name}: stale (written for ${check.dataSize} bytes, segment has ${dataSize})` };
  return { ok: true, bytes, entriesEnd: check.entriesEnd, entryCount: check.entryCount };
}

/**
 * Hint files read on the thread pool one ahead of their use (EngineFs.readFile):
 * while one hint's keys are inserted, the next one is read. Opening a 1M-key
 * store reads ~38 MB of hints; read in line, the inserting thread waited for
 * every byte of them.
 */
export class HintReadAhead {
  private readonly reads = new Map<number, Promise<Buffer | Error>>();
  private readonly ids: number[];
  private readonly names: Map<number, string>;

  /** `hints`: the segments whose hint files will be loaded, in the order they will be, each with its hint file's name. */
  constructor(
    private readonly efs: EngineFs,
    private readonly dir: string,
    hints: ReadonlyArray<{ id: number; hint: string }>,
  ) {
    this.ids = hints.map((h) => h.id);
    this.names = new Map(hints.map((h) => [h.id, h.hint]));
    this.read(0);
  }

  private read(index: number): void {
    const id = this.ids[index];
    if (id === undefined || this.reads.has(id)) return;
    // Never rejects: a failed read is a reason not to use the hint, as in loadHint.
    this.reads.set(id, this.efs.readFile(pathOf(this.dir, this.nameOf(id))).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))));
  }

  /** The name of a segment's hint file. */
  nameOf(segmentId: number): string {
    return this.names.get(segmentId) ?? hintFileName(segmentId);
  }

  /**
   * The bytes of a segment's hint file, or why they could not be read. Once
   * they are in, the next segment's hint starts reading (not before: two
   * reads at once would only share the disk and the thread pool).
   */
  async bytes(segmentId: number): Promise<Buffer | Error> {
    const index = this.ids.indexOf(segmentId);
    this.read(index);
    const bytes = await (this.reads.get(segmentId) ?? Promise.resolve(new Error('not among the hints to read')));
    this.reads.delete(segmentId);
    if (index >= 0) this.read(index + 1);
    return bytes;
  }

  /** The hint of a segment, checked as loadHint checks it (see bytes()). */
  async load(segmentId: number, dataSize: number): Promise<LoadedHint> {
    const bytes = await this.bytes(segmentId);
    const name = this.nameOf(segmentId);
    if (bytes instanceof Error) return { ok: false, reason: `${name}: ${bytes.message}` };
    return usableHint(bytes, name, segmentId, dataSize);
  }
}

/**
 * Whether the hint file of segment `segmentId` says in its header that it
 * describes that segment at `dataSize` bytes (magic, version, id, size; its
 * entries and checksum are not read). What a writer that took the keydir
 * over from the image checks of each sealed segment's hint, so that a
 * missing or stale one is written again, as a replay would have.
 */
export function hintHeaderDescribes(efs: EngineFs, dir: string, segmentId: number, dataSize: number): boolean {
  try {
    const h = readFileAt(efs, pathOf(dir, hintFileName(segmentId)), HINT_HEADER.size, 0);
    return (
      h.length === HINT_HEADER.size &&
      h.toString('latin1', 0, 4) === HINT_MAGIC &&
      h.readUInt16LE(HINT_HEADER.version) === FORMAT_VERSION &&
      h.readUInt32LE(HINT_HEADER.segmentId) === segmentId &&
      readU64(h, HINT_HEADER.dataSize) === dataSize
    );
  } catch {
    return false;
  }
}

/** Entry count from a hint file's trailer (no checks; for listings), or undefined when it cannot be read. */
export function readHintEntryCount(path: string, efs: EngineFs = realFs): number | undefined {
  try {
    const size = efs.statSize(path);
    if (size < HINT_HEADER.size + HINT_TRAILER.size) return undefined;
    return readFileAt(efs, path, 4, size - HINT_TRAILER.size + HINT_TRAILER.entryCount).readUInt32LE(0);
  } catch {
    return undefined;
  }
}
