/**
 * Compaction (merge): rewrite sealed segments into new ones that hold only
 * the live records, with hint files, then drop the old segments.
 *
 * Protocol (docs/FORMAT.md, "Compaction protocol"); a crash at any point
 * leaves a directory that opens with exactly the same live data:
 *   1. write outputs as NNNNNN.data.compacting + NNNNNN.hint.compacting,
 *      fdatasync each, fsync the directory      (crash: outputs are ignored
 *                                                and deleted on next open)
 *   2. write COMPACTION.tmp listing inputs and outputs, fdatasync, rename to
 *      COMPACTION, fsync the directory          (the commit point)
 *   3. rename outputs to their final names, fsync the directory
 *   4. unlink every input data and hint file, fsync the directory
 *   5. unlink COMPACTION, fsync the directory
 * A store that finds COMPACTION on open finishes steps 3-5 (opened for
 * writing) or reads as if they were done (read-only). Inputs are deleted
 * only after the outputs are durable and named in a durable manifest, the
 * order ALICE found LevelDB needs (create, fsync, rename, fsync dir, unlink).
 */
import type { EngineFs } from './fs.js';
import { writeFully } from './fs.js';
import { grown } from './arrays.js';
import { crc32AfterByteChange } from './crc.js';
import { HintBuilder } from './hints.js';
import { fileSource } from './native/byte-source.js';
import {
  COMPACTING_SUFFIX,
  COMPACTION_MANIFEST,
  dataFileName,
  hintFileName,
  pathOf,
  listDirectory,
  TMP_SUFFIX,
  type DirectoryListing,
} from './native/files.js';
import { readU32, writeU32 } from './native/codec.js';
import { RECORD_HEADER, RECORD_PUT, SEGMENT_FLAG_COMPACTED, SEGMENT_HEADER } from './native/layout.js';
import { committedRecords, scanRecords, walkCommittedRecords, type CommittedRecordFn } from './native/scan.js';
import { createSegmentFile, Segment } from './segment.js';
import { Yielder } from './yielder.js';
import { liveLockHolder } from './lock.js';
import type { Progress } from './types.js';

export type CompactionStep = 'outputs-written' | 'manifest-committed' | 'outputs-renamed' | 'inputs-deleted';

/** Test hooks: called after each step; throwing there simulates a crash at that point. */
export interface CompactionHooks {
  afterStep?(step: CompactionStep): void;
}

/** The live records compaction copied, as columns (one entry per record, no object each). */
export class MovedRecords {
  count = 0;
  /** The keydir slot that pointed at the record when it was copied. */
  slots = new Int32Array(1024);
  sequences = new Float64Array(1024);
  from = new Uint32Array(1024);
  to = new Uint32Array(1024);
  offsets = new Uint32Array(1024);
  lengths = new Uint32Array(1024);

  push(slot: number, sequence: number, from: number, to: number, offset: number, length: number): void {
    if (this.count === this.slots.length) this.grow(this.count * 2);
    const i = this.count++;
    this.slots[i] = slot;
    this.sequences[i] = sequence;
    this.from[i] = from;
    this.to[i] = to;
    this.offsets[i] = offset;
    this.lengths[i] = length;
  }

  private grow(capacity: number): void {
    this.slots = grown(this.slots, capacity);
    this.sequences = grown(this.sequences, capacity);
    this.from = grown(this.from, capacity);
    this.to = grown(this.to, capacity);
    this.offsets = grown(this.offsets, capacity);
    this.lengths = grown(this.lengths, capacity);
  }
}

export interface CompactionContext {
  efs: EngineFs;
  dir: string;
  segmentSize: number;
  inputs: Segment[];
  sequenceFloor: number;
  allocateSegmentId(): number;
  /**
   * The keydir slot of the record at `offset` of input `segment` when it was
   * live as compaction started, else -1; asked in ascending offsets per
   * segment. A record overwritten or deleted since is copied all the same:
   * commit() leaves such a key alone.
   */
  liveSlot(segment: number, offset: number): number;
  /**
   * After the walk: an error naming a record liveSlot had but the walk did not
   * find (its checksum fails, its bytes are gone, its batch is incomplete),
   * or else the first damaged region the walk met; undefined when there is
   * neither. Such a compaction stops before its commit: the keydir would
   * point into deleted inputs, and the damaged bytes would go with them.
   */
  stoppedByDamage(damage: readonly WalkedDamage[]): Error | undefined;
  /** Called once the manifest is durable: swap the outputs in, in memory. */
  commit(outputs: Segment[], moved: MovedRecords): void;
  hooks?: CompactionHooks | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((p: Progress) => void) | undefined;
}

/**
 * What the walk through the inputs did not take as committed records: a
 * damaged region (`damage`: a bad checksum, impossible lengths, a torn
 * tail), or intact records dropped with an atomic batch that damage or the
 * end of the file cut (`batch`, docs/FORMAT.md "Atomic batches").
 */
export interface WalkedDamage {
  segment: number;
  kind: 'damage' | 'batch';
  offset: number;
  length: number;
  reason: string;
}

interface Manifest {
  version: 1;
  inputs: number[];
  outputs: number[];
}

/** Compaction writes its outputs through a buffer of this size. */
const WRITE_BUFFER_BYTES = 4 * 1024 * 1024;

interface OutputFile {
  seg: Segment;
  hint: HintBuilder;
}

export async function runCompaction(ctx: CompactionContext): Promise<{ outputs: Segment[]; recordsDropped: number }> {
  const { efs, dir } = ctx;
  const yielder = new Yielder('compact', ctx.signal, ctx.onProgress);
  const totalBytes = ctx.inputs.reduce((n, s) => n + s.size, 0);
  const outputs: OutputFile[] = [];
  const moved = new MovedRecords();
  let recordsDropped = 0;
  let done = 0;

  const newOutput = (): OutputFile => {
    const id = ctx.allocateSegmentId();
    const name = dataFileName(id) + COMPACTING_SUFFIX;
    const fd = createSegmentFile(efs, pathOf(dir, name), dir, { flags: SEGMENT_FLAG_COMPACTED, segmentId: id, sequenceFloor: ctx.sequenceFloor });
    const out = { seg: new Segment(id, dataFileName(id), fd, SEGMENT_HEADER.size, { version: 1, flags: SEGMENT_FLAG_COMPACTED, segmentId: id, sequenceFloor: ctx.sequenceFloor }), hint: new HintBuilder() };
    outputs.push(out);
    return out;
  };

  // Records are copied into a write buffer and written in large chunks (one
  // writeSync per record made compaction syscall-bound); offsets are assigned
  // as if written at once. Outputs are *.compacting until the manifest commits,
  // so when the bytes reach the file changes nothing for crash safety.
  const buffer = Buffer.allocUnsafe(WRITE_BUFFER_BYTES);
  let buffered = 0;
  let bufferedAt = 0;
  let bufferedFor: OutputFile | undefined;

  // Live records that lie side by side in the input go into the buffer side
  // by side too, and are copied there as one run (a copy per record cost
  // ~0.1 s at a million records): the run is runSource[runFrom, runFrom +
  // runLength), bound for buffer[runTo, ...). The records in it whose batch
  // flags must go are fixed up once their bytes are there (fixAt, fixCrc).
  let runSource: Buffer | undefined;
  let runFrom = 0;
  let runLength = 0;
  let runTo = 0;
  let fixCount = 0;
  let fixAt = new Uint32Array(1024);
  let fixCrc = new Uint32Array(1024);
  const copyRun = (): void => {
    if (runLength === 0) return;
    runSource!.copy(buffer, runTo, runFrom, runFrom + runLength);
    for (let i = 0; i < fixCount; i++) clearBatchFlags(buffer, fixAt[i]!, fixCrc[i]!);
    runSource = undefined;
    runLength = 0;
    fixCount = 0;
  };
  const flush = (): void => {
    copyRun();
    if (bufferedFor && buffered > 0) writeFully(efs, bufferedFor.seg.fd, buffer.subarray(0, buffered), bufferedAt);
    buffered = 0;
  };

  // An output is complete when the next one starts: its hint is written then, and its data and hint
  // are fdatasync'ed on the thread pool while the walk goes on (~0.1 s of a 1M-key compaction's
  // fdatasyncs). The manifest waits for all of them.
  const syncing: Promise<unknown>[] = [];
  const complete = (o: OutputFile): void => {
    for (const synced of [efs.fdatasync(o.seg.fd), writeWholeDurably(efs, pathOf(dir, hintFileName(o.seg.id) + COMPACTING_SUFFIX), o.hint.finish(o.seg.id, o.seg.size))]) {
      // Awaited (and its error thrown) before the manifest is written; marked handled until then.
      synced.catch(() => undefined);
      syncing.push(synced);
    }
  };

  let out: OutputFile | undefined;
  /**
   * Copy one committed record (bytes[at, at + length), found at fileOffset of
   * input) if the keydir points at it. Its bytes must stay where they are
   * until copyRun().
   */
  const take = (input: Segment, bytes: Buffer, at: number, fileOffset: number, type: number, sequence: number, length: number): void => {
    const slot = type === RECORD_PUT ? ctx.liveSlot(input.id, fileOffset) : -1;
    if (slot < 0) {
      recordsDropped++;
      return;
    }
    if (!out || (out.seg.size + length > ctx.segmentSize && out.seg.size > SEGMENT_HEADER.size)) {
      flush();
      if (out) complete(out);
      out = newOutput();
    }
    const offset = out.seg.size;
    if (buffered + length > buffer.length) flush();
    if (buffered === 0) {
      bufferedAt = offset;
      bufferedFor = out;
    }
    // Batch flags mean nothing outside the original batch: the record is written alone. Only the
    // flags byte changes, so the CRC (checked when the record was read) is fixed up for that byte
    // instead of recomputed over the whole record.
    const flags = bytes[at + RECORD_HEADER.flags]!;
    const crc = flags === 0 ? 0 : crc32AfterByteChange(readU32(bytes, at + RECORD_HEADER.crc), flags, length - RECORD_HEADER.flags - 1);
    if (length > buffer.length) {
      const own = Buffer.allocUnsafe(length);
      bytes.copy(own, 0, at, at + length);
      if (flags !== 0) clearBatchFlags(own, 0, crc);
      writeFully(efs, out.seg.fd, own, offset);
    } else {
      if (bytes !== runSource || at !== runFrom + runLength || buffered !== runTo + runLength) {
        copyRun();
        runSource = bytes;
        runFrom = at;
        runTo = buffered;
      }
      runLength += length;
      if (flags !== 0) {
        if (fixCount === fixAt.length) {
          fixAt = grown(fixAt, 2 * fixCount);
          fixCrc = grown(fixCrc, 2 * fixCount);
        }
        fixAt[fixCount] = buffered;
        fixCrc[fixCount++] = crc;
      }
      buffered += length;
    }
    out.seg.size += length;
    out.seg.noteRecord(sequence);
    out.hint.addRecord(bytes, at, offset, length);
    moved.push(slot, sequence, input.id, out.seg.id, offset, length);
  };

  // The walk's callbacks are the same two functions for every input (a new closure per input made V8
  // throw away the walk's optimized code when the second input began).
  let walked: Segment | undefined;
  const walkedRecord: CommittedRecordFn = (bytes, at, fileOffset, type, sequence, _keyLength, length) => take(walked!, bytes, at, fileOffset, type, sequence, length);
  const walkPause = (offset: number): Promise<void> => yielder.tick(done + offset, totalBytes);
  const damage: WalkedDamage[] = [];
  try {
    for (const input of ctx.inputs) {
      const start = input.header ? SEGMENT_HEADER.size : 0;
      walked = input;
      // The fast walk while records are plain; the generic scanner from the first anomaly on.
      const stopped = await walkCommittedRecords(efs, input.fd, input.size, start, walkedRecord, { pause: walkPause, beforeRefill: copyRun });
      copyRun();
      if (stopped < input.size) {
        const src = fileSource(efs, input.fd, input.size);
        for (const ev of committedRecords(scanRecords(src, stopped))) {
          await yielder.step(done + ev.offset, totalBytes);
          if (ev.kind === 'corrupt' || ev.kind === 'torn') damage.push({ segment: input.id, kind: 'damage', offset: ev.offset, length: ev.length, reason: ev.reason });
          else if (ev.kind === 'incomplete-batch') damage.push({ segment: input.id, kind: 'batch', offset: ev.offset, length: ev.length, reason: ev.reason });
          if (ev.kind !== 'record') continue;
          take(input, src.view(ev.offset, ev.length), 0, ev.offset, ev.header.type, ev.header.sequence, ev.length);
          copyRun(); // the view's bytes may not outlive the next record
        }
      }
      done += input.size;
      await yielder.tick(done, totalBytes);
    }
    const unread = ctx.stoppedByDamage(damage);
    if (unread) throw unread;
    flush();
    // The last output has nothing left to overlap with.
    if (out) {
      efs.fdatasyncSync(out.seg.fd);
      writeWhole(efs, pathOf(dir, hintFileName(out.seg.id) + COMPACTING_SUFFIX), out.hint.finish(out.seg.id, out.seg.size));
    }
    if (syncing.length > 0) await Promise.all(syncing);
    for (const o of outputs) o.seg.hasHint = true;
    efs.fsyncDirSync(dir);
    ctx.hooks?.afterStep?.('outputs-written');
    yielder.check();
  } catch (err) {
    // No output's fd may close under an fdatasync still running on the thread pool.
    await Promise.allSettled(syncing);
    discardOutputs(efs, dir, outputs);
    throw err;
  }

  // The commit point: from here on the compaction happens, crash or not.
  const manifest: Manifest = { version: 1, inputs: ctx.inputs.map((s) => s.id), outputs: outputs.map((o) => o.seg.id) };
  let manifestInPlace = false;
  try {
    writeWhole(efs, pathOf(dir, COMPACTION_MANIFEST + TMP_SUFFIX), Buffer.from(JSON.stringify(manifest)));
    efs.renameSync(pathOf(dir, COMPACTION_MANIFEST + TMP_SUFFIX), pathOf(dir, COMPACTION_MANIFEST));
    manifestInPlace = true;
    efs.fsyncDirSync(dir);
  } catch (err) {
    // Once COMPACTION has its name the next open rolls the compaction forward
    // and deletes the inputs (whether or not the directory fsync worked), so
    // the outputs must stay: treat it as committed.
    if (manifestInPlace) throw Object.assign(err as Error, { committed: true });
    discardOutputs(efs, dir, outputs);
    throw err;
  }
  try {
    ctx.hooks?.afterStep?.('manifest-committed');
    ctx.commit(outputs.map((o) => o.seg), moved);
    renameOutputs(efs, dir, manifest.outputs);
    ctx.hooks?.afterStep?.('outputs-renamed');
    deleteInputs(efs, dir, manifest.inputs);
    ctx.hooks?.afterStep?.('inputs-deleted');
    efs.unlinkSync(pathOf(dir, COMPACTION_MANIFEST));
    efs.fsyncDirSync(dir);
  } catch (err) {
    // Committed: the next open finishes the job. The store must not write meanwhile.
    throw Object.assign(err as Error, { committed: true });
  }
  yielder.report(totalBytes, totalBytes);
  return { outputs: outputs.map((o) => o.seg), recordsDropped };
}

/** Finish (or roll back) a compaction a crash interrupted. Write mode only; returns what it did. */
export function finishInterruptedCompaction(efs: EngineFs, dir: string, listing: DirectoryListing): 'rolled-forward' | 'rolled-back' | undefined {
  if (listing.hasManifest) {
    const manifest = readManifest(efs, dir);
    if (manifest) {
      renameOutputs(efs, dir, manifest.outputs);
      deleteInputs(efs, dir, manifest.inputs);
      efs.unlinkSync(pathOf(dir, COMPACTION_MANIFEST));
      efs.fsyncDirSync(dir);
      return 'rolled-forward';
    }
    // Not the commit (see readManifest): rolled back with the outputs below, in this open, not the next.
    efs.unlinkSync(pathOf(dir, COMPACTION_MANIFEST));
  } else if (listing.compactingIds.length === 0 && listing.compactingHintIds.length === 0) {
    return undefined;
  }
  for (const id of listing.compactingIds) efs.unlinkSync(pathOf(dir, dataFileName(id) + COMPACTING_SUFFIX));
  for (const id of listing.compactingHintIds) efs.unlinkSync(pathOf(dir, hintFileName(id) + COMPACTING_SUFFIX));
  efs.fsyncDirSync(dir);
  return 'rolled-back';
}

/** A data segment as a native reader finds it: its file, and the hint file that describes it, if there is one. */
export interface NativeSegmentFile {
  id: number;
  name: string;
  /** The hint file of the segment (named *.hint.compacting beside a *.data.compacting output), if the directory has one. */
  hint: string | undefined;
}

/**
 * The data segments a native reader replays, by id: a committed compaction
 * whose cleanup a crash interrupted hides its inputs and shows its outputs
 * (still named *.compacting, with their *.hint.compacting), even to a
 * read-only reader. Every tool that reads segments one by one (open, verify,
 * the file list of `segments`, `records` and the inspector) takes them from here.
 */
export function nativeDataFiles(efs: EngineFs, dir: string, listing: DirectoryListing = listDirectory(efs, dir)): NativeSegmentFile[] {
  const files = new Map<number, NativeSegmentFile>();
  for (const id of listing.dataIds) files.set(id, { id, name: dataFileName(id), hint: listing.hintIds.has(id) ? hintFileName(id) : undefined });
  const manifest = listing.hasManifest ? readManifest(efs, dir) : undefined;
  if (manifest) {
    for (const id of manifest.inputs) files.delete(id);
    for (const id of listing.compactingIds) {
      if (!manifest.outputs.includes(id)) continue;
      const hint = listing.compactingHintIds.includes(id) ? hintFileName(id) + COMPACTING_SUFFIX : undefined;
      files.set(id, { id, name: dataFileName(id) + COMPACTING_SUFFIX, hint });
    }
  }
  return [...files.values()].sort((a, b) => a.id - b.id);
}

/**
 * The inputs of a committed compaction a crash interrupted before it deleted
 * them (hidden from readers; the next writer deletes them), or undefined when
 * none is left.
 */
export function unfinishedCompactionInputs(efs: EngineFs, dir: string, listing: DirectoryListing = listDirectory(efs, dir)): number[] | undefined {
  const manifest = listing.hasManifest ? readManifest(efs, dir) : undefined;
  const left = manifest?.inputs.filter((id) => listing.dataIds.includes(id) || listing.hintIds.has(id));
  return left?.length ? left : undefined;
}

/** A file of a compaction that has not reached its commit, and its size. */
export interface UncommittedCompactionFile {
  file: string;
  bytes: number;
}

/**
 * The files of a compaction that has not reached its commit (step 2): its
 * outputs (*.data.compacting, *.hint.compacting) and a manifest not yet
 * renamed (COMPACTION.tmp), with no readable COMPACTION to commit them. A
 * reader ignores them; the next writer to open the store deletes them (rolls
 * the compaction back). A compaction a writer is running has them too.
 * Undefined when there are none; a file gone meanwhile is left out.
 */
export function uncommittedCompactionFiles(efs: EngineFs, dir: string, listing: DirectoryListing = listDirectory(efs, dir)): UncommittedCompactionFile[] | undefined {
  if (listing.hasManifest && readManifest(efs, dir)) return undefined;
  const names = [
    ...listing.compactingIds.map((id) => dataFileName(id) + COMPACTING_SUFFIX),
    ...[...listing.compactingHintIds].sort((a, b) => a - b).map((id) => hintFileName(id) + COMPACTING_SUFFIX),
    ...listing.tmpFiles.filter((name) => name === COMPACTION_MANIFEST + TMP_SUFFIX),
  ];
  const files: UncommittedCompactionFile[] = [];
  for (const file of names) {
    try {
      files.push({ file, bytes: efs.statSize(pathOf(dir, file)) });
    } catch {
      // Gone: a writer rolled it back or committed it meanwhile.
    }
  }
  return files.length > 0 ? files : undefined;
}

/**
 * The compaction that has not reached its commit (uncommittedCompactionFiles),
 * with its bytes in all, and the pid of the live writer holding the lock when
 * there is one (the compaction is then under way there, not interrupted).
 * What `stats`, `verify`, `segments` and the inspector's Segments view say.
 */
export function uncommittedCompaction(efs: EngineFs, dir: string): { files: UncommittedCompactionFile[]; bytes: number; writerPid?: number } | undefined {
  const files = uncommittedCompactionFiles(efs, dir);
  if (!files) return undefined;
  const writerPid = liveLockHolder(efs, dir);
  return { files, bytes: files.reduce((n, f) => n + f.bytes, 0), ...(writerPid !== undefined ? { writerPid } : {}) };
}

/** A data file of a directory, with its size as dataFileSizesNow found it. */
export interface DataFileNow {
  id: number;
  name: string;
  size: number;
}

/** nativeDataFiles with their sizes as they are now, or undefined if one vanished meanwhile (a writer compacting). */
export function dataFileSizesNow(efs: EngineFs, dir: string, listing?: DirectoryListing): DataFileNow[] | undefined {
  try {
    return nativeDataFiles(efs, dir, listing ?? listDirectory(efs, dir)).map((f) => ({ id: f.id, name: f.name, size: efs.statSize(pathOf(dir, f.name)) }));
  } catch {
    return undefined;
  }
}

export function readManifest(efs: EngineFs, dir: string): Manifest | undefined {
  try {
    const parsed = JSON.parse(efs.readFileSync(pathOf(dir, COMPACTION_MANIFEST)).toString('utf8')) as Partial<Manifest>;
    if (parsed.version === 1 && Array.isArray(parsed.inputs) && Array.isArray(parsed.outputs)) return parsed as Manifest;
  } catch {
    /* an unreadable manifest cannot have been committed: it is written whole and renamed */
  }
  return undefined;
}

function renameOutputs(efs: EngineFs, dir: string, ids: number[]): void {
  for (const id of ids) {
    for (const name of [dataFileName(id), hintFileName(id)]) {
      const from = pathOf(dir, name + COMPACTING_SUFFIX);
      if (efs.existsSync(from)) efs.renameSync(from, pathOf(dir, name));
    }
  }
  efs.fsyncDirSync(dir);
}

function deleteInputs(efs: EngineFs, dir: string, ids: number[]): void {
  for (const id of ids) {
    for (const name of [dataFileName(id), hintFileName(id)]) {
      const path = pathOf(dir, name);
      if (efs.existsSync(path)) efs.unlinkSync(path);
    }
  }
  efs.fsyncDirSync(dir);
}

function discardOutputs(efs: EngineFs, dir: string, outputs: OutputFile[]): void {
  for (const o of outputs) {
    try {
      efs.closeSync(o.seg.fd);
    } catch {
      /* already closed */
    }
    for (const name of [dataFileName(o.seg.id), hintFileName(o.seg.id)]) {
      try {
        efs.unlinkSync(pathOf(dir, name + COMPACTING_SUFFIX));
      } catch {
        /* never created, or already gone */
      }
    }
  }
}

/** A record written alone (record[at, ...)): its batch flags cleared and its CRC set to `crc`, the CRC with them cleared. */
function clearBatchFlags(record: Buffer, at: number, crc: number): void {
  record[at + RECORD_HEADER.flags] = 0;
  writeU32(record, crc, at + RECORD_HEADER.crc);
}

/** writeWhole with the fdatasync on the thread pool: the bytes are written before it returns, durable when it resolves. */
async function writeWholeDurably(efs: EngineFs, path: string, bytes: Buffer): Promise<void> {
  const fd = efs.openSync(path, 'w', 0o644);
  try {
    writeFully(efs, fd, bytes, 0);
    await efs.fdatasync(fd);
  } finally {
    efs.closeSync(fd);
  }
}

function writeWhole(efs: EngineFs, path: string, bytes: Buffer): void {
  const fd = efs.openSync(path, 'w', 0o644);
  try {
    writeFully(efs, fd, bytes, 0);
    efs.fdatasyncSync(fd);
  } finally {
    efs.closeSync(fd);
  }
}
