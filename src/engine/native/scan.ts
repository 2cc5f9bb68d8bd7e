/**
 * Reading a native segment record by record, and what happens after damage.
 *
 * Resynchronisation (also in docs/FORMAT.md): when the bytes at offset X are
 * not a valid record (implausible header, checksum mismatch, or a record that
 * would run past the end of the file), the scanner looks for the next offset
 * Y > X, one byte at a time, at which a complete record with a plausible
 * header and a matching CRC starts. [X, Y) is reported as one corrupt region
 * and scanning goes on at Y. If no such Y exists, [X, end of file) is the
 * damaged tail: "torn" when the record at X is incomplete (the file ends
 * inside its header or inside the bytes its lengths announce), "corrupt"
 * otherwise. A random match is a 1 in 2^32 event per candidate offset.
 *
 * Preallocated space: a writer that syncs its appends writes zeros ahead of
 * them (docs/FORMAT.md, "Preallocated space"), so the file may end in zero
 * bytes that no record has been written over yet. When the bytes that are not
 * a valid record run as zeros to the end of the file, they are that space, not
 * damage: the scan ends with a `preallocated` event. No record can start in
 * such a run (a record's type byte is never 0), so resynchronisation stops
 * where it begins; and damage right before it is torn when the record it
 * starts would reach into the zeros (an append cut short: its first bytes
 * written, the rest still the zeros it was written over). A record that runs
 * past the end of the file is torn as before, unless every byte it has is 0.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';
import { computeRecordCrc, fieldsOf, getU64, implausibleHeader, readRecordHeader, recordLength, type RecordHeader } from './codec.js';
import { FLAG_BATCH_END, FLAG_BATCH_FIRST, FLAG_IN_BATCH, MAX_KEY_BYTES, MAX_VALUE_BYTES, RECORD_HEADER, RECORD_PUT, RECORD_TOMBSTONE, SEGMENT_HEADER } from './layout.js';
import type { ByteSource } from './byte-source.js';
import { readInto, type EngineFs } from '../fs.js';
import { crc32Combine, crc32Range } from '../crc.js';

export interface ScannedRecord {
  kind: 'record';
  offset: number;
  length: number;
  header: RecordHeader;
  computedCrc: number;
  /** A copy of the key bytes. */
  key: Buffer;
}

export interface ScannedDamage {
  kind: 'corrupt' | 'torn';
  offset: number;
  length: number;
  reason: string;
  /** For a region that starts with a decodable header: what it said. */
  header?: RecordHeader;
  computedCrc?: number;
  /**
   * The key bytes that header announces, when its lengths are plausible (within the format's limits) and the key
   * lies inside the region: a copy of the key as its bytes read. No checksum vouches for them (damagedKey).
   */
  key?: Buffer;
  /** How many records the region holds, when its headers' lengths show more than one (recordsInRegion). */
  records?: number;
}

/** Zeros from `offset` to the end of the file: space a writer reserved ahead of its appends. */
export interface ScannedPreallocated {
  kind: 'preallocated';
  offset: number;
  length: number;
}

export type ScanEvent = ScannedRecord | ScannedDamage | ScannedPreallocated;

type Probe =
  | { ok: true; header: RecordHeader; length: number; crc: number }
  | { ok: false; incomplete: boolean; reason: string; header?: RecordHeader; crc?: number };

/**
 * Bytes the checksums of failed candidates may cover in one scan: 64 MiB plus
 * four times the file. Damage makes the scanner try a candidate at every
 * offset, and each plausible header that fits costs a CRC over the length it
 * claims, so a file crafted with such a header every few bytes would cost
 * time quadratic in its size (a 1 MiB one took 13 s, a 64 MiB one hours).
 * Real damage stays far below this; once it is spent, a candidate whose
 * checksum would have to be computed is not checked and counts as damaged.
 */
function crcBudget(size: number): { left: number } {
  return { left: 64 * 1024 * 1024 + 4 * size };
}

function probe(src: ByteSource, at: number, budget: { left: number }): Probe {
  if (at + RECORD_HEADER.size > src.size) return { ok: false, incomplete: true, reason: `file ends ${src.size - at} bytes into a ${RECORD_HEADER.size}-byte record header` };
  const head = src.view(at, RECORD_HEADER.size);
  // Fewer bytes than the size said: the file shrank while it was read (a writer closing cuts the zeros it wrote ahead).
  if (head.length < RECORD_HEADER.size) return { ok: false, incomplete: true, reason: `file ends ${head.length} bytes into a ${RECORD_HEADER.size}-byte record header (it shrank while it was read)` };
  const header = readRecordHeader(head, 0);
  const bad = implausibleHeader(header);
  if (bad) return { ok: false, incomplete: false, reason: bad, header };
  const length = recordLength(header.keyLength, header.valueLength);
  if (at + length > src.size) {
    return { ok: false, incomplete: true, reason: `record of ${length} bytes runs ${at + length - src.size} bytes past the end of the file`, header };
  }
  if (length > budget.left) return { ok: false, incomplete: false, reason: 'not checked: this file has used up the checksum work allowed for resynchronising after damage', header };
  const whole = src.view(at, length);
  if (whole.length < length) return { ok: false, incomplete: true, reason: `record of ${length} bytes runs past the end of the file (it shrank while it was read)`, header };
  const crc = computeRecordCrc(whole);
  if (crc !== header.crc) {
    // Only failed checks are charged: a valid record moves the scan past its bytes.
    budget.left -= length;
    return { ok: false, incomplete: false, reason: `checksum mismatch: stored 0x${header.crc.toString(16).padStart(8, '0')}, computed 0x${crc.toString(16).padStart(8, '0')}`, header, crc };
  }
  return { ok: true, header, length, crc };
}

/**
 * The key a damaged region's header announces, when its key and value lengths are within the format's limits
 * and the key lies inside [at, end): its bytes, copied. Undefined when the header cannot be read, a length is
 * impossible, or the key is empty. Only damage pays for it: the scan of sound records never calls it.
 */
export function damagedKey(src: ByteSource, at: number, end: number, header: RecordHeader | undefined): Buffer | undefined {
  if (!header || header.keyLength === 0 || header.keyLength > MAX_KEY_BYTES || header.valueLength > MAX_VALUE_BYTES) return undefined;
  const from = at + RECORD_HEADER.size;
  if (from + header.keyLength > end) return undefined;
  const bytes = src.view(from, header.keyLength);
  return bytes.length === header.keyLength ? Buffer.from(bytes) : undefined;
}

/** Headers a damaged region's chain of lengths is followed through at most (recordsInRegion). */
const MAX_REGION_HOPS = 4096;

/**
 * Where the records of a damaged region [at, end) start, when it holds more than one: the header at `at` is
 * plausible (type, flags, lengths within the limits) and its length leads to another plausible header, and so on,
 * landing exactly on `end` (the next sound record, or the end of what was written). Two records side by side
 * that both fail their checksums make one region; their lengths, chained, show it. Undefined when the chain breaks,
 * overshoots or holds one record: nothing is told from bytes no header's length leads to. Only damage pays for it.
 */
export function recordsInRegion(src: ByteSource, at: number, end: number, header: RecordHeader | undefined): number[] | undefined {
  if (!header || implausibleHeader(header)) return undefined;
  const starts = [at];
  let q = at + recordLength(header.keyLength, header.valueLength);
  while (q < end && starts.length < MAX_REGION_HOPS) {
    if (q + RECORD_HEADER.size > end) return undefined;
    const head = src.view(q, RECORD_HEADER.size);
    if (head.length < RECORD_HEADER.size) return undefined;
    const h = readRecordHeader(head, 0);
    if (implausibleHeader(h)) return undefined;
    starts.push(q);
    q += recordLength(h.keyLength, h.valueLength);
  }
  return q === end && starts.length > 1 ? starts : undefined;
}

/** "; by their headers' lengths these 120 bytes hold 2 damaged records (at 4970 and 5030), none sound" for a region of several, else "". */
function severalRecords(starts: number[] | undefined, length: number): string {
  if (!starts) return '';
  const shown = starts.length <= 4 ? starts : starts.slice(0, 3);
  const list = shown.length === starts.length ? `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}` : `${shown.join(', ')} and ${starts.length - 3} more`;
  return `; by their headers' lengths these ${length} bytes hold ${starts.length} damaged records (at ${list}), none sound`;
}

/** Bytes looked at per step back from the end for zeros: a writer's preallocated space is at most ~1 MiB, so one step or two. */
const ZERO_PROBE_BYTES = 1024 * 1024;

/** Where the run of zero bytes that ends the file begins (`size` when the last byte is not zero), looking no further back than `floor`. */
export function trailingZerosFrom(src: ByteSource, floor: number): number {
  let end = src.size;
  while (end > floor) {
    const from = Math.max(floor, end - ZERO_PROBE_BYTES);
    const bytes = src.view(from, end - from);
    let i = bytes.length;
    while (i > 0 && bytes[i - 1] === 0) i--;
    if (i > 0) return from + i;
    end = from;
  }
  return floor;
}

/** Every record and damaged region of a segment, in file order, from `start`; preallocated space last, if the file ends in it. */
export function* scanRecords(src: ByteSource, start = SEGMENT_HEADER.size): Generator<ScanEvent> {
  let at = start;
  const budget = crcBudget(src.size);
  /** Start of the zeros that end the file: looked for at the first bytes that are not a record. */
  let zeros = -1;
  while (at < src.size) {
    const p = probe(src, at, budget);
    if (p.ok) {
      const key = Buffer.from(src.view(at + RECORD_HEADER.size, p.header.keyLength));
      yield { kind: 'record', offset: at, length: p.length, header: p.header, computedCrc: p.crc, key };
      at += p.length;
      continue;
    }
    if (zeros < 0) zeros = trailingZerosFrom(src, at);
    if (zeros <= at) {
      // Nothing but zeros to the end of the file (however few: appends may leave less room than a header).
      yield { kind: 'preallocated', offset: at, length: src.size - at };
      return;
    }
    // A record that runs past the end of the file is torn whatever bytes it has: the file ends inside it.
    const end = p.incomplete ? src.size : zeros;
    let next = at + 1;
    while (next < end && !probe(src, next, budget).ok) next++;
    if (next < end) {
      const key = damagedKey(src, at, next, p.header);
      const starts = recordsInRegion(src, at, next, p.header);
      const reason = p.reason + severalRecords(starts, next - at);
      yield { kind: 'corrupt', offset: at, length: next - at, reason, header: p.header, computedCrc: p.crc, ...(key ? { key } : {}), ...(starts ? { records: starts.length } : {}) };
      at = next;
      continue;
    }
    // The damaged tail of what was written; a record it starts that would reach into the zeros is an append cut short.
    const cutByZeros = end < src.size && (at + RECORD_HEADER.size > end || (p.crc !== undefined && at + recordLength(p.header!.keyLength, p.header!.valueLength) > end));
    const starts = cutByZeros || p.incomplete ? undefined : recordsInRegion(src, at, end, p.header);
    const reason = cutByZeros ? `record cut short: its bytes from offset ${end} on are still the zeros of preallocated space (${p.reason})` : p.reason + severalRecords(starts, end - at);
    const key = damagedKey(src, at, end, p.header);
    yield { kind: p.incomplete || cutByZeros ? 'torn' : 'corrupt', offset: at, length: end - at, reason, header: p.header, computedCrc: p.crc, ...(key ? { key } : {}), ...(starts ? { records: starts.length } : {}) };
    if (end < src.size) yield { kind: 'preallocated', offset: end, length: src.size - end };
    return;
  }
}

export interface IncompleteBatch {
  kind: 'incomplete-batch';
  offset: number;
  records: number;
  /** Bytes from offset to the end of the last record dropped (the records are side by side). */
  length: number;
  reason: string;
}

/**
 * Only what replay may apply: records of atomic batches are held back until
 * the batch's last record arrives; a batch cut short by damage or by the end
 * of the file, and batch members whose first record is missing, are dropped
 * whole and reported.
 */
export function* committedRecords(events: Iterable<ScanEvent>): Generator<ScanEvent | IncompleteBatch> {
  let pending: ScannedRecord[] = [];
  const dropPending = function* (reason: string): Generator<IncompleteBatch> {
    if (pending.length > 0) {
      const last = pending[pending.length - 1]!;
      yield { kind: 'incomplete-batch', offset: pending[0]!.offset, records: pending.length, length: last.offset + last.length - pending[0]!.offset, reason };
    }
    pending = [];
  };
  for (const ev of events) {
    if (ev.kind === 'preallocated') {
      yield* dropPending('the file ends inside the batch');
      yield ev;
      continue;
    }
    if (ev.kind !== 'record') {
      yield* dropPending('the batch is cut by damaged bytes');
      yield ev;
      continue;
    }
    const flags = ev.header.flags;
    if ((flags & FLAG_IN_BATCH) === 0) {
      yield* dropPending('the batch never ended');
      yield ev;
      continue;
    }
    if (flags & FLAG_BATCH_FIRST) {
      yield* dropPending('a new batch started before the last one ended');
      pending.push(ev);
    } else if (pending.length === 0 || pending[pending.length - 1]!.header.sequence + 1 !== ev.header.sequence) {
      yield* dropPending('batch records are not consecutive');
      yield { kind: 'incomplete-batch', offset: ev.offset, records: 1, length: ev.length, reason: 'batch record whose batch start is missing' };
      continue;
    } else {
      pending.push(ev);
    }
    if (flags & FLAG_BATCH_END) {
      yield* pending;
      pending = [];
    }
  }
  yield* dropPending('the file ends inside the batch');
}

/**
 * Called by walkCommittedRecords for each committed record: the record's
 * bytes are buf[at, at + length) (the key at at + RECORD_HEADER.size);
 * fileOffset is where the record starts in the file. buf is the walk's
 * window: its bytes stay as they are until the walk calls its `beforeRefill`
 * option, and after the walk returns.
 */
export type CommittedRecordFn = (buf: Buffer, at: number, fileOffset: number, type: number, sequence: number, keyLength: number, length: number) => void;

const WALK_WINDOW_BYTES = 4 * 1024 * 1024;
/** Records between two calls of walkCommittedRecords' pause. */
const WALK_PAUSE_RECORDS = 4096;

/**
 * The fast path of every full read of a segment (open, hint building,
 * compaction): committed records straight from a 4 MiB window, headers parsed
 * in place, no object per record, and the same checks as the scanner (plausible
 * header, CRC, atomic batches held back until their last record). It stops at
 * the first thing that is not a plain committed record — damage, a torn or
 * unfinished batch, a batch or record larger than the window — and returns the
 * file offset from which committedRecords(scanRecords(src, offset)) must go on:
 * no batch is pending there and no checksum work was spent, so the generic
 * scanner from that offset reports exactly what it would have reported reading
 * the segment from the start. Returns `size` when it reached the end.
 */
export interface WalkOptions {
  /** Awaited every WALK_PAUSE_RECORDS records, with the walk's file offset (progress, cancellation). */
  pause?: ((fileOffset: number) => Promise<void>) | undefined;
  /** Called before the walk reads new bytes over its window: the last moment the records handed over so far are still there. */
  beforeRefill?: (() => void) | undefined;
  /** The window's size (tests use small ones). */
  windowBytes?: number | undefined;
}

/**
 * The end of the run of whole records at the start of buf[0, length) whose
 * stored checksums all match, checked at once: the CRC-32 of the run's bytes
 * in one native call (zlib's, ~4.6 GiB/s here, against ~1 GiB/s for a CRC of
 * each 138-byte record in JavaScript) against the CRC the run would have if
 * each record's checksum is right, put together from the stored checksums
 * (crc32Combine). The run ends at the first header that cannot be a
 * record's. 0 when they differ, or when no whole record is there: then the
 * caller checks each record on its own. One bad record always makes them
 * differ (its error is multiplied by a power of x, never 0 modulo P); errors
 * in several records cancel out with odds of 1 in 2^32.
 */
export function soundRecordsEnd(buf: Buffer, length: number, fields: DataView = fieldsOf(buf)): number {
  let combined = 0;
  let at = 0;
  while (at + RECORD_HEADER.size <= length) {
    const type = buf[at + RECORD_HEADER.type]!;
    if (type !== RECORD_PUT && type !== RECORD_TOMBSTONE) break; // not a record (zeros a writer reserved, damage): the run ends
    const keyLength = fields.getUint32(at + RECORD_HEADER.keyLength, true);
    const valueLength = fields.getUint32(at + RECORD_HEADER.valueLength, true);
    if (keyLength > MAX_KEY_BYTES || valueLength > MAX_VALUE_BYTES) break;
    const end = at + RECORD_HEADER.size + keyLength + valueLength;
    if (end > length) break;
    // The record is its stored checksum's 4 bytes, then the bytes that checksum covers.
    combined = crc32Combine(crc32Range(buf, at, at + RECORD_HEADER.type, combined), fields.getUint32(at + RECORD_HEADER.crc, true), end - at - RECORD_HEADER.type);
    at = end;
  }
  if (at === 0 || zlibCrc32(buf.subarray(0, at)) >>> 0 !== combined) return 0;
  return at;
}

export async function walkCommittedRecords(efs: EngineFs, fd: number, size: number, start: number, onRecord: CommittedRecordFn, opts: WalkOptions = {}): Promise<number> {
  const { pause, beforeRefill, windowBytes = WALK_WINDOW_BYTES } = opts;
  const buf = Buffer.allocUnsafeSlow(Math.min(windowBytes, Math.max(0, size - start)));
  const fields = fieldsOf(buf);
  let winStart = start;
  let winLen = 0;
  /** The window's records before this (window-relative) offset are known to match their checksums (soundRecordsEnd). */
  let checkedEnd = 0;
  let at = start;
  /** File offset of the first record of a batch whose last record has not come yet, or -1. */
  let pending = -1;
  let pendingSequence = 0;
  let sincePause = 0;
  for (;;) {
    const resume = pending >= 0 ? pending : at;
    if (at >= size) return resume === at ? size : resume;
    if (pause && ++sincePause >= WALK_PAUSE_RECORDS) {
      sincePause = 0;
      await pause(at);
    }
    let rel = at - winStart;
    if (rel + RECORD_HEADER.size > winLen) {
      if (resume === winStart && winLen > 0) return resume; // the batch so far fills the window
      // The window refill is written out here and below on purpose: as a closure made per walk it made V8
      // drop the walk's optimized code, and as a function of the module some fresh-process opens took 0.82
      // instead of 0.6 s (3 of 11 runs, against none of 22 written out).
      beforeRefill?.();
      winStart = resume;
      winLen = readInto(efs, fd, buf, 0, Math.min(buf.length, size - resume), resume);
      checkedEnd = soundRecordsEnd(buf, winLen, fields);
      rel = at - winStart;
      if (rel + RECORD_HEADER.size > winLen) return resume;
    }
    const type = buf[rel + RECORD_HEADER.type]!;
    const flags = buf[rel + RECORD_HEADER.flags]!;
    const keyLength = fields.getUint32(rel + RECORD_HEADER.keyLength, true);
    const valueLength = fields.getUint32(rel + RECORD_HEADER.valueLength, true);
    if (
      (type !== RECORD_PUT && (type !== RECORD_TOMBSTONE || valueLength !== 0)) ||
      (flags & ~(FLAG_IN_BATCH | FLAG_BATCH_FIRST | FLAG_BATCH_END)) !== 0 ||
      keyLength > MAX_KEY_BYTES ||
      valueLength > MAX_VALUE_BYTES
    ) {
      return resume;
    }
    const length = RECORD_HEADER.size + keyLength + valueLength;
    if (at + length > size) return resume;
    if (rel + length > winLen) {
      if (resume === winStart) return resume; // a record or batch larger than the window
      beforeRefill?.();
      winStart = resume;
      winLen = readInto(efs, fd, buf, 0, Math.min(buf.length, size - resume), resume);
      checkedEnd = soundRecordsEnd(buf, winLen, fields);
      rel = at - winStart;
      if (rel + length > winLen) return resume;
    }
    if (rel + length > checkedEnd && crc32Range(buf, rel + RECORD_HEADER.type, rel + length) !== fields.getUint32(rel + RECORD_HEADER.crc, true)) return resume;
    const sequence = getU64(fields, rel + RECORD_HEADER.sequence);
    if ((flags & FLAG_IN_BATCH) === 0) {
      if (pending >= 0) return pending; // "the batch never ended"
      onRecord(buf, rel, at, type, sequence, keyLength, length);
    } else {
      if (flags & FLAG_BATCH_FIRST) {
        if (pending >= 0) return pending; // "a new batch started before the last one ended"
        pending = at;
      } else if (pending < 0 || pendingSequence + 1 !== sequence) {
        return resume; // a batch record whose start is missing, or not consecutive
      }
      pendingSequence = sequence;
      if (flags & FLAG_BATCH_END) {
        // Apply the whole batch, now complete: its records are in the window, already checked.
        for (let p = pending; p <= at; ) {
          const r = p - winStart;
          const kl = fields.getUint32(r + RECORD_HEADER.keyLength, true);
          const len = RECORD_HEADER.size + kl + fields.getUint32(r + RECORD_HEADER.valueLength, true);
          const seq = getU64(fields, r + RECORD_HEADER.sequence);
          onRecord(buf, r, p, buf[r + RECORD_HEADER.type]!, seq, kl, len);
          p += len;
        }
        pending = -1;
      }
    }
    at += length;
  }
}
