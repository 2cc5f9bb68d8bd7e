/**
 * Verify a native store directory without changing it: every segment header,
 * every record's CRC, batches, every hint file against the records it points
 * at, and sequence numbers (no duplicates; ascending inside a segment that
 * compaction did not write), and the keydir image: intact, describing the
 * segments as they are, and every key in it pointing at its record. Works
 * while another process writes.
 */
import type { EngineFs } from './fs.js';
import { readAt, realFs } from './fs.js';
import { decodeHint, readRecordHeader, computeRecordCrc, type RecordHeader } from './native/codec.js';
import { fileSource } from './native/byte-source.js';
import { COMPACTION_MANIFEST, dataFileName, hintFileName, KEYDIR_IMAGE_FILE, listDirectory, pathOf } from './native/files.js';
import { IMAGE_HEADER, IMAGE_SEGMENT, readKeydirImage, staleness } from './keydir-image.js';
import { Keydir, SLOT_WORDS } from './keydir.js';
import { Uint32List } from './arrays.js';
import { RECORD_HEADER, SEGMENT_HEADER } from './native/layout.js';
import { committedRecords, scanRecords } from './native/scan.js';
import { readSegmentHeader } from './segment.js';
import { readManifest } from './compaction.js';
import { Yielder } from './yielder.js';
import type { Problem, Progress, VerifyReport } from './types.js';

export interface VerifyOptions {
  fs?: EngineFs;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}

/**
 * Verify a directory. A file of the listing that vanishes meanwhile (a writer
 * finished a compaction) makes the listing stale: verify starts over.
 */
export async function verifyNativeDirectory(dir: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await verifyOnce(dir, opts);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 5) throw err;
    }
  }
}

async function verifyOnce(dir: string, opts: VerifyOptions): Promise<VerifyReport> {
  const efs = opts.fs ?? realFs;
  const listing = listDirectory(efs, dir);
  let ids = listing.dataIds;
  if (listing.hasManifest) {
    const manifest = readManifest(efs, dir);
    if (manifest) ids = ids.filter((id) => !manifest.inputs.includes(id));
    else listingProblem(`${COMPACTION_MANIFEST} cannot be read`);
  }
  const problems: Problem[] = [];
  function listingProblem(message: string): void {
    problems.push({ file: COMPACTION_MANIFEST, offset: 0, kind: 'unreadable', message });
  }
  const yielder = new Yielder('verify', opts.signal, opts.onProgress);
  const sizes = new Map<number, number>();
  let total = 0;
  for (const id of ids) {
    const size = efs.statSize(pathOf(dir, dataFileName(id)));
    sizes.set(id, size);
    total += size;
  }
  // sequence → first place seen, to find duplicates across the store.
  const seen = new Map<number, string>();
  let records = 0;
  let done = 0;
  let files = 0;

  for (const id of ids) {
    const file = dataFileName(id);
    const size = sizes.get(id)!;
    const fd = efs.openSync(pathOf(dir, file), 'r');
    try {
      files++;
      const { header, problem } = readSegmentHeader(efs, fd, file, size);
      if (problem) problems.push(problem);
      if (header && header.segmentId !== id) problems.push({ file, offset: 8, kind: 'bad-header', message: `header says segment ${header.segmentId}, file name says ${id}` });
      const ascending = header ? (header.flags & 1) === 0 : true;
      let lastSequence = -1;
      for (const ev of committedRecords(scanRecords(fileSource(efs, fd, size), header ? SEGMENT_HEADER.size : Math.min(size, SEGMENT_HEADER.size)))) {
        if (ev.kind === 'record') {
          records++;
          const seq = ev.header.sequence;
          const where = `${file}@${ev.offset}`;
          const first = seen.get(seq);
          if (first !== undefined) problems.push({ file, offset: ev.offset, kind: 'duplicate-sequence', length: ev.length, message: `sequence ${seq} also used at ${first}` });
          else seen.set(seq, where);
          if (ascending && seq <= lastSequence) problems.push({ file, offset: ev.offset, kind: 'out-of-order-sequence', length: ev.length, message: `sequence ${seq} follows ${lastSequence}` });
          lastSequence = Math.max(lastSequence, seq);
        } else if (ev.kind === 'incomplete-batch') {
          problems.push({ file, offset: ev.offset, kind: 'incomplete-batch', message: `${ev.records} record(s) of an unfinished batch: ${ev.reason}` });
        } else {
          const kind = ev.kind === 'torn' ? 'torn-tail' : ev.computedCrc !== undefined ? 'bad-crc' : 'impossible-length';
          problems.push({ file, offset: ev.offset, kind, length: ev.length, message: ev.reason });
        }
        await yielder.step(done + ('offset' in ev ? ev.offset : 0), total);
      }
      if (listing.hintIds.has(id)) {
        files++;
        problems.push(...(await verifyHint(efs, dir, id, fd, size, () => yielder.step(done + size, total))));
      }
    } finally {
      efs.closeSync(fd);
    }
    done += size;
  }
  for (const id of listing.hintIds) {
    if (!sizes.has(id)) problems.push({ file: hintFileName(id), offset: 0, kind: 'bad-hint', message: `hint file without a data segment ${dataFileName(id)}` });
  }
  if (listing.hasKeydirImage) {
    files++;
    // Counted in the progress as the segments' bytes plus the image's.
    const imageBytes = efs.statSize(pathOf(dir, KEYDIR_IMAGE_FILE));
    const segmentBytes = total;
    total += imageBytes;
    problems.push(...(await verifyKeydirImage(efs, dir, sizes, (fraction) => yielder.step(segmentBytes + Math.floor(fraction * imageBytes), total))));
  }
  yielder.report(total, total);
  return { ok: problems.length === 0, filesChecked: files, recordsChecked: records, problems };
}

/**
 * The record at [offset, offset + length) of a data file of `dataSize` bytes,
 * when one is there whole: inside the file, its checksum right, and its own
 * lengths adding up to `length`. What hint entries and keydir images point at.
 */
function recordAt(efs: EngineFs, fd: number, dataSize: number, offset: number, length: number): { header: RecordHeader; key: Buffer } | undefined {
  if (length < RECORD_HEADER.size || offset + length > dataSize) return undefined;
  const bytes = readAt(efs, fd, length, offset);
  const header = readRecordHeader(bytes, 0);
  if (header.crc !== computeRecordCrc(bytes) || RECORD_HEADER.size + header.keyLength + header.valueLength !== length) return undefined;
  return { header, key: bytes.subarray(RECORD_HEADER.size, RECORD_HEADER.size + header.keyLength) };
}

/** Check a hint file: intact, not stale, and every entry points at the record it describes. */
async function verifyHint(efs: EngineFs, dir: string, id: number, fd: number, dataSize: number, step: () => Promise<void>): Promise<Problem[]> {
  const file = hintFileName(id);
  const decoded = decodeHint(efs.readFileSync(pathOf(dir, file)));
  if (!decoded.ok) return [{ file, offset: decoded.offset, kind: 'bad-hint', message: decoded.reason }];
  const { hint } = decoded;
  if (hint.segmentId !== id) return [{ file, offset: 8, kind: 'bad-hint', message: `describes segment ${hint.segmentId}` }];
  if (hint.dataSize !== dataSize) return [{ file, offset: 12, kind: 'stale-hint', message: `written for ${hint.dataSize} bytes of data, segment has ${dataSize} (the hint will be ignored)` }];
  const problems: Problem[] = [];
  let at = 20;
  for (const e of hint.entries) {
    const found = recordAt(efs, fd, dataSize, e.offset, e.recordLength);
    const ok = found && found.header.type === e.type && found.header.sequence === e.sequence && found.key.equals(e.key);
    if (!ok) problems.push({ file, offset: at, kind: 'hint-mismatch', message: `entry points at ${dataFileName(id)}@${e.offset} (${e.recordLength} bytes), which is not the record it describes` });
    at += 22 + e.key.length;
    await step();
  }
  return problems;
}

/** Mismatched keys of a keydir image reported one by one; the rest are counted in one more problem. */
const MAX_IMAGE_MISMATCHES = 20;

/**
 * Check the keydir image: intact, not stale (the same segments with the same
 * sizes as the directory), a keydir a keydir could have, and every key in it
 * pointing at a record with that key and sequence number.
 */
async function verifyKeydirImage(efs: EngineFs, dir: string, sizes: Map<number, number>, step: (fraction: number) => Promise<void>): Promise<Problem[]> {
  const file = KEYDIR_IMAGE_FILE;
  // Reading and checking the image count as the first half of its part of the progress, its keys as the second.
  const loaded = await readKeydirImage(efs, dir, (done, total) => step(done / total / 2));
  if (!loaded.ok) return [{ file, offset: 0, kind: 'bad-hint', message: loaded.reason }];
  const { segments, keydir: state } = loaded.image;
  const stale = staleness(loaded.image, [...sizes].map(([id, size]) => ({ id, size })));
  if (stale !== undefined) return [{ file, offset: IMAGE_HEADER.size, kind: 'stale-hint', message: `${stale} (the image will be ignored)` }];
  const keydir = new Keydir();
  const impossible = await keydir.adoptState(state, (id) => sizes.has(id), () => step(0.5));
  if (impossible) return [{ file, offset: IMAGE_HEADER.size + segments.length * IMAGE_SEGMENT.bytes, kind: 'bad-hint', message: `not a keydir: ${impossible}` }];
  const slotsAt = IMAGE_HEADER.size + segments.length * IMAGE_SEGMENT.bytes;
  const problems: Problem[] = [];
  let mismatches = 0;
  const fds = new Map<number, number>();
  const live = new Uint32List();
  keydir.forEachSlot((slot) => live.push(slot));
  const slots = live.done();
  try {
    for (let i = 0; i < slots.length; i++) {
      await step(0.5 + i / slots.length / 2);
      const slot = slots[i]!;
      const segment = keydir.segmentAt(slot);
      const offset = keydir.offsetAt(slot);
      const length = keydir.lengthAt(slot);
      let fd = fds.get(segment);
      if (fd === undefined) fds.set(segment, (fd = efs.openSync(pathOf(dir, dataFileName(segment)), 'r')));
      const found = recordAt(efs, fd, sizes.get(segment)!, offset, length);
      const key = keydir.keyAt(slot);
      if (found && found.header.sequence === keydir.sequenceAt(slot) && found.key.toString('latin1') === key) continue;
      if (++mismatches <= MAX_IMAGE_MISMATCHES) {
        problems.push({ file, offset: slotsAt + slot * SLOT_WORDS * 4, kind: 'hint-mismatch', message: `key ${JSON.stringify(key)} points at ${dataFileName(segment)}@${offset} (${length} bytes), which is not its record` });
      }
    }
  } finally {
    for (const fd of fds.values()) efs.closeSync(fd);
  }
  if (mismatches > MAX_IMAGE_MISMATCHES) problems.push({ file, offset: slotsAt, kind: 'hint-mismatch', message: `${mismatches - MAX_IMAGE_MISMATCHES} more keys point at records that are not theirs` });
  return problems;
}
