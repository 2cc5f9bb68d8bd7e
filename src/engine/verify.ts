/**
 * Verify a native store directory without changing it: every segment header,
 * every record's CRC, batches, every hint file against the records it points
 * at, and sequence numbers (no duplicates; ascending inside a segment that
 * compaction did not write), and the keydir image: intact, describing the
 * segments as they are, and every key in it pointing at its record. Works
 * while another process writes.
 */
import type { EngineFs } from './fs.js';
import { startingOverWhileFilesGo } from './start-over.js';
import { readAt, realFs } from './fs.js';
import { checkHint, readRecordHeader, computeRecordCrc, type RecordHeader } from './native/codec.js';
import { fileSource } from './native/byte-source.js';
import { isSymbolicLink, listedFile } from './formats/fs-probe.js';
import { COMPACTION_MANIFEST, dataFileName, hintFileName, KEYDIR_IMAGE_FILE, listDirectory, pathOf } from './native/files.js';
import { pageSumsProblemSteps, readKeydirImage, staleness } from './keydir-image.js';
import { Keydir, SLOT_WORDS, type SlotsByLocation } from './keydir.js';
import { IMAGE_HEADER, IMAGE_SEGMENT, RECORD_HEADER, SEGMENT_HEADER } from './native/layout.js';
import { committedRecords, scanRecords, walkCommittedRecords, type CommittedRecordFn } from './native/scan.js';
import { HintClaims, KeydirClaims, type RecordClaims } from './record-claims.js';
import { HintReadAhead } from './hints.js';
import { FirstSeen } from './first-seen.js';
import { readSegmentHeader } from './segment.js';
import { nativeDataFiles, readManifest } from './compaction.js';
import { runStepsPausing, Yielder } from './yielder.js';
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
  return startingOverWhileFilesGo(() => verifyOnce(dir, opts));
}

async function verifyOnce(dir: string, opts: VerifyOptions): Promise<VerifyReport> {
  const efs = opts.fs ?? realFs;
  const listing = listDirectory(efs, dir);
  const problems: Problem[] = [];
  // The segments a reader replays: a committed compaction a crash interrupted shows its outputs (*.compacting) instead of its inputs.
  const manifest = listing.hasManifest ? readManifest(efs, dir) : undefined;
  if (listing.hasManifest && !manifest) {
    // Gone since the listing: the compaction it committed has finished (it deletes the manifest last). Not a
    // problem of the store, but a stale listing: start over (startingOverWhileFilesGo), as for any file that went.
    if (!efs.existsSync(pathOf(dir, COMPACTION_MANIFEST))) {
      throw Object.assign(new Error(`ENOENT: ${COMPACTION_MANIFEST} went after the directory was listed`), { code: 'ENOENT' });
    }
    problems.push({ file: COMPACTION_MANIFEST, offset: 0, kind: 'unreadable', message: `${COMPACTION_MANIFEST} cannot be read (the next writer rolls the compaction back)` });
  }
  const segments = nativeDataFiles(efs, dir, listing);
  const ids = segments.map((s) => s.id);
  const nameOf = new Map(segments.map((s) => [s.id, s.name]));
  const yielder = new Yielder('verify', opts.signal, opts.onProgress);
  const sizes = new Map<number, number>();
  // Segments listed but not readable as files (a dangling or looping link, a directory): why, for a problem each.
  const unreadable = new Map<number, string>();
  let total = 0;
  for (const { id, name } of segments) {
    let size: number;
    try {
      size = efs.statSize(pathOf(dir, name));
    } catch (err) {
      unreadable.set(id, unreadableWhy(efs, dir, name, err));
      sizes.set(id, 0);
      continue;
    }
    sizes.set(id, size);
    total += size;
  }
  let files = 0;
  let done = 0;

  // Each hint read on the thread pool while the segment before it is checked (the first one while the image is).
  const hintReads = new HintReadAhead(efs, dir, segments.flatMap(({ id, hint }) => (hint === undefined ? [] : [{ id, hint }])));

  // The keydir image first (its bytes count first in the progress): its keys are checked as the segments are read.
  let image: CheckedImage | undefined;
  const imageProblems: Problem[] = [];
  if (listing.hasKeydirImage) {
    files++;
    const imageBytes = efs.statSize(pathOf(dir, KEYDIR_IMAGE_FILE));
    total += imageBytes;
    const checked = await checkKeydirImage(efs, dir, ids, sizes, (fraction) => yielder.tick(Math.floor(fraction * imageBytes), total));
    if ('problem' in checked) imageProblems.push(checked.problem);
    else image = checked;
    done = imageBytes;
  }

  // sequence → where it was first seen (segment id · 2^32 + offset), to find duplicates across the store.
  const seen = new FirstSeen();
  let records = 0;
  // The segment being read, for the record callback (one function for every segment: see walkCommittedRecords).
  let file = '';
  let id = 0;
  let ascending = true;
  let lastSequence = -1;
  let hintClaims: HintClaims | undefined;
  let keyClaims: KeydirClaims | undefined;
  const checkRecord = (offset: number, length: number, type: number, sequence: number, key: Uint8Array, keyStart: number, keyLength: number): void => {
    records++;
    const first = seen.firstPlace(sequence, id * TWO_32 + offset);
    if (first >= 0) {
      const where = `${nameOf.get(Math.floor(first / TWO_32))}@${first % TWO_32}`;
      problems.push({ file, offset, kind: 'duplicate-sequence', length, message: `sequence ${sequence} also used at ${where}` });
    }
    if (ascending && sequence <= lastSequence) problems.push({ file, offset, kind: 'out-of-order-sequence', length, message: `sequence ${sequence} follows ${lastSequence}` });
    lastSequence = Math.max(lastSequence, sequence);
    hintClaims?.meet(offset, length, type, sequence, key, keyStart, keyLength);
    keyClaims?.meet(offset, length, type, sequence, key, keyStart, keyLength);
  };
  const walkedRecord: CommittedRecordFn = (buf, at, offset, type, sequence, keyLength, length) =>
    checkRecord(offset, length, type, sequence, buf, at + RECORD_HEADER.size, keyLength);
  const pause = (offset: number): Promise<void> => yielder.tick(done + offset, total);

  for (const segment of segments) {
    id = segment.id;
    file = segment.name;
    const size = sizes.get(id)!;
    const cannotRead = (why: string): void => {
      files++;
      problems.push({ file, offset: 0, kind: 'unreadable', length: 0, message: `the segment cannot be read (${why}): a reader replays none of its records` });
    };
    if (unreadable.has(id)) {
      cannotRead(unreadable.get(id)!);
      continue;
    }
    let fd: number;
    try {
      fd = efs.openSync(pathOf(dir, file), 'r');
    } catch (err) {
      cannotRead(unreadableWhy(efs, dir, file, err));
      continue;
    }
    let headerRead: ReturnType<typeof readSegmentHeader>;
    try {
      headerRead = readSegmentHeader(efs, fd, file, size);
    } catch (err) {
      efs.closeSync(fd);
      cannotRead(unreadableWhy(efs, dir, file, err));
      continue;
    }
    try {
      files++;
      const { header, problem } = headerRead;
      if (problem) problems.push(problem);
      if (header && header.segmentId !== id) problems.push({ file, offset: 8, kind: 'bad-header', message: `header says segment ${header.segmentId}, file name says ${id}` });
      ascending = header ? (header.flags & 1) === 0 : true;
      lastSequence = -1;
      const hintProblems: Problem[] = [];
      hintClaims = undefined;
      if (segment.hint !== undefined) {
        files++;
        const hint = await readHintClaims(hintReads, id, size, () => pause(0));
        if ('problem' in hint) hintProblems.push(hint.problem);
        else hintClaims = hint.claims;
      }
      keyClaims = image ? new KeydirClaims(image.keydir, image.byLocation, image.byLocation.rankOf.get(id)!) : undefined;

      // The fast walk while records are plain; the generic scanner, with its reports, from the first anomaly on.
      const start = header ? SEGMENT_HEADER.size : Math.min(size, SEGMENT_HEADER.size);
      const stopped = await walkCommittedRecords(efs, fd, size, start, walkedRecord, { pause });
      // The segment's damaged records by offset: a hint entry or a keydir key pointing at one names its key.
      const damaged = new Map<number, Problem>();
      for (const ev of committedRecords(scanRecords(fileSource(efs, fd, size), stopped))) {
        if (ev.kind === 'record') {
          checkRecord(ev.offset, ev.length, ev.header.type, ev.header.sequence, ev.key, 0, ev.key.length);
        } else if (ev.kind === 'incomplete-batch') {
          problems.push({ file, offset: ev.offset, kind: 'incomplete-batch', message: `${ev.records} record(s) of an unfinished batch: ${ev.reason}` });
        } else if (ev.kind !== 'preallocated') {
          // Preallocated space is no problem: a writer's zeros ahead of its appends (cut off by its clean close or the next writer's open).
          const kind = ev.kind === 'torn' ? 'torn-tail' : ev.computedCrc !== undefined ? 'bad-crc' : 'impossible-length';
          const problem: Problem = { file, offset: ev.offset, kind, length: ev.length, message: ev.reason, ...(ev.key ? { key: { key: ev.key.toString('latin1'), from: 'record' as const } } : {}), ...(ev.records ? { records: ev.records } : {}) };
          problems.push(problem);
          damaged.set(ev.offset, problem);
        }
        await yielder.step(done + ('offset' in ev ? ev.offset : 0), total);
      }

      // Claims no committed record matched, and wrong even read on their own.
      const [hints, keys] = [hintClaims, keyClaims];
      if (hints) {
        for (const i of falseClaims(efs, fd, size, hints)) {
          const where = `${file}@${hints.offsetOf(i)} (${hints.lengthOf(i)} bytes)`;
          const key = hints.keyOf(i);
          hintProblems.push({ file: segment.hint!, offset: hints.entryAt(i), kind: 'hint-mismatch', message: `entry points at ${where}, which is not the record it describes`, key: { key, from: 'hint' } });
          // The damaged record it points at: a hint entry's key, unless the keydir's names it (below).
          const record = damaged.get(hints.offsetOf(i));
          if (record) record.key = { key, from: 'hint' };
        }
      }
      problems.push(...hintProblems);
      if (keys && image) {
        for (const i of falseClaims(efs, fd, size, keys)) {
          image.mismatch(keys.slotOf(i), id);
          const record = damaged.get(keys.offsetOf(i));
          if (record) record.key = { key: keys.keyOf(i), from: 'keydir' };
        }
      }
    } finally {
      efs.closeSync(fd);
    }
    done += size;
  }
  // The hints of a committed compaction's inputs are no problem: the next writer deletes them with their segments.
  for (const hintId of listing.hintIds) {
    if (!sizes.has(hintId) && !manifest?.inputs.includes(hintId)) problems.push({ file: hintFileName(hintId), offset: 0, kind: 'bad-hint', message: `hint file without a data segment ${dataFileName(hintId)}` });
  }
  if (image) imageProblems.push(...image.problems());
  problems.push(...imageProblems);
  yielder.report(total, total);
  return { ok: problems.length === 0, filesChecked: files, recordsChecked: records, problems };
}

const TWO_32 = 0x1_0000_0000;

/**
 * Why a listed segment cannot be read, when it is still there (a dangling or
 * looping link, a directory with its name, an I/O error); a file gone from
 * the directory meanwhile (a writer's compaction) rethrows, so that verify
 * lists the directory again.
 */
function unreadableWhy(efs: EngineFs, dir: string, name: string, err: unknown): string {
  let listed = false;
  try {
    listed = efs.readdirSync(dir).includes(name);
  } catch {
    // The directory unreadable now: rethrown below.
  }
  const code = (err as NodeJS.ErrnoException).code;
  // ENOENT from a name still listed is a link to nothing; from anything else, a file that went (compaction).
  if (code === undefined || !listed || (code === 'ENOENT' && !isSymbolicLink(pathOf(dir, name)))) throw err;
  return listedFile(pathOf(dir, name))?.unreadable ?? (err as Error).message;
}

/**
 * The record at [offset, offset + length) of a data file of `dataSize` bytes,
 * when one is there whole: inside the file, its checksum right, and its own
 * lengths adding up to `length`. What a reader following a hint entry or a
 * keydir image's key finds.
 */
function recordAt(efs: EngineFs, fd: number, dataSize: number, offset: number, length: number): { header: RecordHeader; key: Buffer } | undefined {
  if (length < RECORD_HEADER.size || offset + length > dataSize) return undefined;
  const bytes = readAt(efs, fd, length, offset);
  const header = readRecordHeader(bytes, 0);
  if (header.crc !== computeRecordCrc(bytes) || RECORD_HEADER.size + header.keyLength + header.valueLength !== length) return undefined;
  return { header, key: bytes.subarray(RECORD_HEADER.size, RECORD_HEADER.size + header.keyLength) };
}

/**
 * The claims no committed record of the segment matched that are wrong
 * even read on their own: what a reader following one finds at its place is
 * not a whole record it describes.
 */
function falseClaims(efs: EngineFs, fd: number, dataSize: number, claims: RecordClaims): number[] {
  const wrong: number[] = [];
  for (const i of claims.unmatched()) {
    const length = claims.lengthOf(i);
    const found = recordAt(efs, fd, dataSize, claims.offsetOf(i), length);
    if (!found || !claims.describes(i, length, found.header.type, found.header.sequence, found.key, 0, found.key.length)) wrong.push(i);
  }
  return wrong;
}

/** A segment's hint file as claims to check against its records, or why it cannot be used. */
async function readHintClaims(hints: HintReadAhead, id: number, dataSize: number, pause: () => Promise<void>): Promise<{ claims: HintClaims } | { problem: Problem }> {
  const file = hints.nameOf(id);
  const bytes = await hints.bytes(id);
  // As a read in line would: a hint that vanished (a compaction finished) makes verify start over.
  if (bytes instanceof Error) throw bytes;
  await pause();
  const check = checkHint(bytes);
  if (!check.ok) return { problem: { file, offset: check.offset, kind: 'bad-hint', message: check.reason } };
  if (check.segmentId !== id) return { problem: { file, offset: 8, kind: 'bad-hint', message: `describes segment ${check.segmentId}` } };
  if (check.dataSize !== dataSize) {
    return { problem: { file, offset: 12, kind: 'stale-hint', message: `written for ${check.dataSize} bytes of data, segment has ${dataSize} (the hint will be ignored)` } };
  }
  await pause();
  return { claims: await runStepsPausing(HintClaims.ofSteps(bytes, check.entriesEnd, check.entryCount), pause) };
}

/** Keys of a keydir image reported one by one, of each kind of problem; the rest are counted in one more problem. */
const MAX_IMAGE_MISMATCHES = 20;

/** A problem for each of the first MAX_IMAGE_MISMATCHES slots, and one that counts the rest. */
function namedThenCounted(slots: readonly number[], named: (slot: number, i: number) => Problem, counted: (more: number) => Problem): Problem[] {
  const out = slots.slice(0, MAX_IMAGE_MISMATCHES).map(named);
  if (slots.length > MAX_IMAGE_MISMATCHES) out.push(counted(slots.length - MAX_IMAGE_MISMATCHES));
  return out;
}

/** A keydir image that is intact, describes the directory's segments as they are, and is a keydir a keydir could have. */
interface CheckedImage {
  keydir: Keydir;
  byLocation: SlotsByLocation;
  /** Note a key that does not point at its record. */
  mismatch(slot: number, segment: number): void;
  /** The mismatches noted, the first MAX_IMAGE_MISMATCHES by name. */
  problems(): Problem[];
}

/**
 * Read and check the keydir image: intact, not stale (the same segments with
 * the same sizes as the directory), and a keydir a keydir could have. Its
 * keys are then checked against the records as verify reads the segments.
 */
async function checkKeydirImage(
  efs: EngineFs,
  dir: string,
  ids: readonly number[],
  sizes: Map<number, number>,
  pause: (fraction: number) => Promise<void>,
): Promise<CheckedImage | { problem: Problem }> {
  const file = KEYDIR_IMAGE_FILE;
  const loaded = await readKeydirImage(efs, dir, (done, total) => pause((done / total) * 0.8));
  if (!loaded.ok) return { problem: { file, offset: 0, kind: 'bad-hint', message: loaded.reason } };
  const { segments, keydir: state } = loaded.image;
  const stale = staleness(loaded.image, ids.map((id) => ({ id, size: sizes.get(id)! })));
  if (stale !== undefined) return { problem: { file, offset: IMAGE_HEADER.size, kind: 'stale-hint', message: `${stale} (the image will be ignored)` } };
  // The page checksums a one-shot get trusts (version 2); an open takes the whole image's checksum instead.
  const pages = await runStepsPausing(pageSumsProblemSteps(loaded.image), () => pause(0.85));
  const pageSumsAt = IMAGE_HEADER.size + segments.length * IMAGE_SEGMENT.size + state.slots.byteLength + state.freeSlots.byteLength + state.table.byteLength + state.arena.byteLength;
  const keydir = new Keydir();
  const impossible = await keydir.adoptState(state, (id) => sizes.has(id), () => pause(0.9));
  const slotsAt = IMAGE_HEADER.size + segments.length * IMAGE_SEGMENT.size;
  if (impossible) return { problem: { file, offset: slotsAt, kind: 'bad-hint', message: `not a keydir: ${impossible}` } };
  const byLocation = await runStepsPausing(keydir.slotsByLocationSteps(ids), () => pause(0.95));
  const slotOffset = (slot: number) => slotsAt + slot * SLOT_WORDS * 4;
  // Keys a lookup by key would not find (an open takes the image over without this check).
  const lost = await runStepsPausing(keydir.slotsNotFoundByKeySteps(), () => pause(0.97));
  const mismatched: number[] = [];
  const mismatchedIn: number[] = [];
  return {
    keydir,
    byLocation,
    mismatch(slot, segment) {
      mismatched.push(slot);
      mismatchedIn.push(segment);
    },
    problems() {
      return [
        ...(pages === undefined ? [] : [{ file, offset: pageSumsAt, kind: 'bad-hint' as const, message: pages }]),
        ...namedThenCounted(
          lost,
          (slot) => ({
            file,
            offset: slotOffset(slot),
            kind: 'bad-hint',
            message: `key ${JSON.stringify(keydir.keyAt(slot))} (slot ${slot}) is not found by a lookup of that key: the hash the slot holds is not the key's, or another slot holds the same key (delete ${file}: the next open rebuilds the keydir from hints and data)`,
          }),
          (more) => ({ file, offset: slotsAt, kind: 'bad-hint', message: `${more} more keys are not found by a lookup of their own key` }),
        ),
        ...namedThenCounted(
          mismatched,
          (slot, i) => {
            const where = `${dataFileName(mismatchedIn[i]!)}@${keydir.offsetAt(slot)} (${keydir.lengthAt(slot)} bytes)`;
            return { file, offset: slotOffset(slot), kind: 'hint-mismatch', message: `key ${JSON.stringify(keydir.keyAt(slot))} points at ${where}, which is not its record`, key: { key: keydir.keyAt(slot), from: 'keydir' } };
          },
          (more) => ({ file, offset: slotsAt, kind: 'hint-mismatch', message: `${more} more keys point at records that are not theirs` }),
        ),
      ];
    },
  };
}
