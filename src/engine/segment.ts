/**
 * One data segment as the store holds it open: its file descriptor, size,
 * header facts and the byte accounting behind stats().
 */
import { grown } from './arrays.js';
import type { EngineFs } from './fs.js';
import { readAt, readFileAt, writeFully } from './fs.js';
import { decodeSegmentHeader, encodeSegmentHeader, type SegmentHeader } from './native/codec.js';
import { SEGMENT_FLAG_COMPACTED, SEGMENT_HEADER } from './native/layout.js';
import { FormatVersionError } from './errors.js';
import type { Problem } from './types.js';

/**
 * How far ahead of its appends a writer that syncs them reserves the file,
 * at most, as zeros (docs/FORMAT.md, "Preallocated space"). An fdatasync
 * after an append that grows the file also commits the new size to the file
 * system's journal; one after writing over bytes the file already has does
 * not, and measured ~25% faster here (docs/BENCHMARKS.md, eleventh pass).
 * A writer reserves PREALLOCATE_FIRST_BYTES past its first append, then each
 * time as much again as it has reserved in the segment so far, so that a
 * one-shot `kvscope put` writes one page of zeros, not a megabyte.
 */
export const PREALLOCATE_BYTES = 1024 * 1024;
export const PREALLOCATE_FIRST_BYTES = 4096;
const ZEROS = Buffer.alloc(PREALLOCATE_BYTES);

/** Size and alignment of the blocks a point read pulls in on first touch. */
export const READAHEAD_BYTES = 64 * 1024;

export class Segment {
  records = 0;
  /** Lowest and highest sequence number of the committed records in the segment (Infinity / -Infinity when none). */
  oldestSequence = Infinity;
  newestSequence = -Infinity;
  liveBytes = 0;
  tombstoneBytes = 0;
  corruptBytes = 0;
  hasHint = false;
  /** Set when the open took the segment's figures from its hint or the keydir image, without reading its records (StoreStats.figuresFrom). */
  figuresFromIndex = false;
  /** Set when rotation sealed the segment with a successful fdatasync: every append to it is durable. */
  sealed = false;
  /**
   * Bytes of the file when it ends in preallocated space (zeros a syncing
   * writer wrote ahead of its appends) beyond `size`, where the data ends.
   * Not kept up by writers that never preallocate (compaction): only a
   * value above `size` means anything.
   */
  fileSize: number;
  /** Bytes of zeros this process has preallocated in the segment (the next step is as many again, within limits). */
  private preallocated = 0;
  /** One bit per READAHEAD_BYTES block of the file: set once a read has pulled that block in whole. */
  private readAhead = new Uint8Array(0);

  constructor(
    readonly id: number,
    readonly file: string,
    public fd: number,
    public size: number,
    readonly header: SegmentHeader | undefined,
  ) {
    this.fileSize = size;
  }

  /** Count one committed record of the segment. */
  noteRecord(sequence: number): void {
    this.records++;
    if (sequence < this.oldestSequence) this.oldestSequence = sequence;
    if (sequence > this.newestSequence) this.newestSequence = sequence;
  }

  /** Count `count` committed records of the segment, their sequence numbers from `oldest` to `newest`. */
  noteRecords(count: number, oldest: number, newest: number): void {
    this.records += count;
    if (oldest < this.oldestSequence) this.oldestSequence = oldest;
    if (newest > this.newestSequence) this.newestSequence = newest;
  }

  /**
   * Whether the blocks under [offset, end) still need reading ahead; marks
   * them as read. Used by point reads: the first read that lands in a block
   * reads the whole block, so a cold store warms in 64 KiB steps, not pages.
   */
  claimReadAhead(offset: number, end: number): boolean {
    const first = Math.floor(offset / READAHEAD_BYTES);
    const last = Math.floor((end - 1) / READAHEAD_BYTES);
    if (last >> 3 >= this.readAhead.length) this.readAhead = grown(this.readAhead, Math.max((last >> 3) + 1, this.readAhead.length * 2));
    let missing = false;
    for (let b = first; b <= last; b++) {
      if ((this.readAhead[b >> 3]! & (1 << (b & 7))) === 0) missing = true;
      this.readAhead[b >> 3]! |= 1 << (b & 7);
    }
    return missing;
  }

  /** How many bytes of zeros to reserve past the next append: what was preallocated so far, from PREALLOCATE_FIRST_BYTES up to PREALLOCATE_BYTES. */
  get preallocationStep(): number {
    return Math.min(PREALLOCATE_BYTES, Math.max(PREALLOCATE_FIRST_BYTES, this.preallocated));
  }

  /** Write zeros from the end of the file up to `end`, so that appends up to there do not grow the file. Does not sync. */
  preallocate(efs: EngineFs, end: number): void {
    const from = Math.max(this.fileSize, this.size);
    for (let at = from; at < end; ) {
      const n = Math.min(end - at, ZEROS.length);
      writeFully(efs, this.fd, ZEROS.subarray(0, n), at);
      at += n;
      this.fileSize = at;
    }
    if (end > from) this.preallocated += end - from;
  }

  /** Cut the file back to where its data ends, dropping preallocated space. Does not sync. */
  cutPreallocated(efs: EngineFs): void {
    if (this.fileSize <= this.size) return;
    efs.ftruncateSync(this.fd, this.size);
    this.fileSize = this.size;
  }

  get compacted(): boolean {
    return ((this.header?.flags ?? 0) & SEGMENT_FLAG_COMPACTED) !== 0;
  }

  get staleBytes(): number {
    return Math.max(0, this.size - SEGMENT_HEADER.size - this.liveBytes - this.tombstoneBytes - this.corruptBytes);
  }
}

/**
 * The segment a writer opening the store appends to (Store.openActiveSegment):
 * the newest ordinary one (compaction outputs, which may have higher ids, are
 * never appended to) when its header is sound, it has room below
 * `segmentSize` and no damage; undefined when a writer would start a new one.
 * What stats and segments mark active in a reader, as a writer marks the
 * segment it holds.
 */
export function segmentWriterReopens(segments: Iterable<Segment>, segmentSize: number): Segment | undefined {
  const newest = newestOrdinary(segments);
  return newest && hasRoomToAppend(newest, segmentSize) && newest.corruptBytes === 0 ? newest : undefined;
}

/** The ordinary (not compacted) segment with the highest id: the one a writer appended to last. */
export function newestOrdinary(segments: Iterable<Segment>): Segment | undefined {
  let newest: Segment | undefined;
  for (const seg of segments) if (!seg.compacted && (!newest || seg.id > newest.id)) newest = seg;
  return newest;
}

/** Whether a writer may append to the segment: an ordinary one (not a compaction's output) with a sound header, below `segmentSize`. */
export function hasRoomToAppend(seg: Segment, segmentSize: number): boolean {
  return seg.header !== undefined && !seg.compacted && seg.size < segmentSize;
}

/**
 * Read and check a segment's header. An unknown version is an error (we
 * cannot read the file); a damaged header is reported and the records are
 * scanned anyway.
 */
export function readSegmentHeader(efs: EngineFs, fd: number, file: string, size: number): { header?: SegmentHeader; problem?: Problem } {
  const result = decodeSegmentHeader(readAt(efs, fd, SEGMENT_HEADER.size, 0));
  if (result.ok) return { header: result.header };
  if (result.reason === 'version') throw new FormatVersionError(file, result.version ?? -1);
  const why = { short: `file is ${size} bytes, shorter than the ${SEGMENT_HEADER.size}-byte segment header`, magic: 'does not start with the magic "KVSD"', crc: 'segment header checksum mismatch' }[result.reason];
  return { problem: { file, offset: 0, kind: result.reason === 'short' ? 'torn-tail' : 'bad-header', length: Math.min(size, SEGMENT_HEADER.size), message: why } };
}

/**
 * Whether a data file is what a crash inside createSegmentFile leaves: shorter
 * than the segment header and holding only the start of the header an
 * ordinary segment with this id gets (usually nothing at all). Such a file
 * can hold no record; the writer removes it on open.
 */
export function isInterruptedCreation(efs: EngineFs, path: string, id: number): boolean {
  const size = efs.statSize(path);
  if (size >= SEGMENT_HEADER.size) return false;
  if (size === 0) return true;
  return readFileAt(efs, path, size, 0).equals(encodeSegmentHeader({ flags: 0, segmentId: id, sequenceFloor: 0 }).subarray(0, size));
}

/** Create a new, empty segment file (header only), durable with its directory entry. */
export function createSegmentFile(efs: EngineFs, path: string, dir: string, header: Omit<SegmentHeader, 'version'>): number {
  const fd = efs.openSync(path, 'wx+', 0o644);
  try {
    const bytes = encodeSegmentHeader(header);
    writeFully(efs, fd, bytes, 0);
    efs.fdatasyncSync(fd);
    efs.fsyncDirSync(dir);
    return fd;
  } catch (err) {
    try {
      efs.closeSync(fd);
      efs.unlinkSync(path);
    } catch {
      /* the original error is what matters */
    }
    throw err;
  }
}
