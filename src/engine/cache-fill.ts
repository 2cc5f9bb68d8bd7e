/**
 * How the block cache fills while it has room: a miss reads the aligned 1 MiB
 * extent around its block straight into a run of fresh slots, and once reads
 * keep missing, a worker thread reads the rest of the segments' unchanging
 * bytes (sealed segments, the active one's whole blocks) into the cache ahead
 * of them, on the other core.
 *
 * A cold store's first random reads each wait for a disk read, and the first
 * write to each page of the cache's memory is a page fault (about a third of
 * a cold read pass at 1M keys). The worker takes both off the reading thread:
 * it preads extents into runs of slots the cache reserved for it, one job per
 * extent, and publishes each job's state in shared memory, so that a read
 * that is never interrupted by the event loop still sees a job finish:
 *
 *   QUEUED --worker--> READING --> DONE (bytes read) | FAILED
 *      \--reader--> TAKEN (the reader reads that extent itself, now)
 *      \--forget/stop--> CANCELLED
 *
 * A miss on a block whose job is DONE adopts the run's blocks into the cache;
 * QUEUED, the reader takes the job and reads the extent itself; READING, it
 * waits for the worker (one 1 MiB read). The store CRC-checks each record
 * the first time it serves it from a block, whoever read the block's bytes.
 *
 * The worker only reads after START_AFTER_EXTENTS extent misses (a one-shot
 * `kvscope get` never pays for the reading), only with the real file system
 * (a test's EngineFs cannot be called from another thread), and only fills
 * capacity the cache has never used: it never evicts anything. A large
 * store starts its thread as its open ends (prepare), idle until then, so
 * that the thread's own start is not waited out when reads begin.
 */
import { Worker } from 'node:worker_threads';
import { BLOCK_BYTES, type BlockCache } from './block-cache.js';
import type { EngineFs } from './fs.js';
import { readInto } from './fs.js';

/** Blocks a cold miss reads at once while the cache has never-used room (1 MiB). */
export const EXTENT_BLOCKS = 16;
const EXTENT_BYTES = EXTENT_BLOCKS * BLOCK_BYTES;
/** Extent misses before the worker starts. */
export const START_AFTER_EXTENTS = 8;
/** Bytes of data files from which a store starts the worker's thread as its open ends (CacheFill.prepare). */
export const PREPARE_FROM_BYTES = 16 * 1024 * 1024;
/** Never-used slots the worker leaves for the reader's own misses (so the CLOCK always has a victim). */
const KEEP_FRESH_BLOCKS = 4 * EXTENT_BLOCKS;
/** How long a reader waits for a job the worker is reading before giving up on it. */
const WAIT_MS = 10_000;

const QUEUED = 0;
const READING = 1;
const DONE = 2;
const FAILED = 3;
const TAKEN = 4;
const CANCELLED = 5;

/** A segment's file, as the cache may read it: `size` bytes that no longer change. */
export interface CacheableFile {
  segment: number;
  fd: number;
  size: number;
  path: string;
}

export interface CacheFillOptions {
  cache: BlockCache;
  efs: EngineFs;
  /** The file of a segment whose blocks may be cached (not deleted, unchanging bytes), or undefined. */
  fileOf(segment: number): CacheableFile | undefined;
  /** Every such file, for the worker's plan. */
  files(): CacheableFile[];
  /** Whether a worker may fill the cache (the real file system, option not off). */
  background: boolean;
}

/**
 * The worker: plain JavaScript (no module to resolve in any build), node:fs
 * only. It waits for its plan (a message), reads the jobs in it, and ends.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
parentPort.once('message', ({ slabs, state, bytesRead, paths, fileOfJob, offsets, lengths, slabOfJob, slabOffsets }) => {
const targets = slabs.map((memory) => new Uint8Array(memory));
let fd = -1, open = -1;
for (let job = 0; job < state.length; job++) {
  if (Atomics.compareExchange(state, job, ${QUEUED}, ${READING}) !== ${QUEUED}) continue;
  let done = 0, failed = false;
  try {
    if (open !== fileOfJob[job]) {
      if (fd >= 0) fs.closeSync(fd);
      fd = -1;
      fd = fs.openSync(paths[fileOfJob[job]], 'r');
      open = fileOfJob[job];
    }
    const target = targets[slabOfJob[job]], at = slabOffsets[job];
    while (done < lengths[job]) {
      const n = fs.readSync(fd, target, at + done, lengths[job] - done, offsets[job] + done);
      if (n === 0) break;
      done += n;
    }
  } catch {
    failed = true;
  }
  Atomics.store(bytesRead, job, done);
  Atomics.store(state, job, failed ? ${FAILED} : ${DONE});
  Atomics.notify(state, job);
}
if (fd >= 0) fs.closeSync(fd);
});
`;

export type BackgroundFill = 'off' | 'waiting' | 'running' | 'finished';

/**
 * Wait until a[index] is no longer `value`, at most `ms`. Atomics.wait where
 * the thread may block (Node's main thread, workers); a thread that may not
 * (a host that disallows it) spins on Atomics.load instead: the wait is one
 * 1 MiB read at most.
 */
function waitWhile(a: Int32Array<ArrayBufferLike>, index: number, value: number, ms: number): void {
  try {
    Atomics.wait(a, index, value, ms);
    return;
  } catch {
    const until = performance.now() + ms;
    while (Atomics.load(a, index) === value && performance.now() < until);
  }
}

export class CacheFill {
  private extentMisses = 0;
  private worker: Worker | undefined;
  /** A worker started ahead (prepare), waiting for its plan. */
  private ready: Worker | undefined;
  private finished: Promise<void> | undefined;
  /** Per job: its state (shared), bytes the worker read (shared), segment, first block, first slot, blocks. */
  private state: Int32Array<ArrayBufferLike> = new Int32Array(0);
  private bytesRead: Int32Array<ArrayBufferLike> = new Int32Array(0);
  private jobSegment = new Int32Array(0);
  private jobBlock = new Int32Array(0);
  private jobSlot = new Int32Array(0);
  private jobBlocks = new Int32Array(0);
  /** Segment → per extent (block / EXTENT_BLOCKS), its job + 1 while not settled (0: none). */
  private readonly jobsOf = new Map<number, Int32Array>();
  private stopped = false;

  constructor(private readonly o: CacheFillOptions) {}

  get background(): BackgroundFill {
    if (!this.o.background || this.stopped) return 'off';
    if (this.finished === undefined) return 'waiting';
    return this.worker === undefined ? 'finished' : 'running';
  }

  /**
   * Resolves when the worker has no job left (at once when there is none).
   * For tests and tools. The worker never keeps the process alive on its own;
   * once someone waits for it, it does, or a script whose only pending work
   * is this wait would exit before it resolves.
   */
  backgroundDone(): Promise<void> {
    this.worker?.ref();
    return this.finished ?? Promise.resolve();
  }

  /**
   * Start the worker thread now, idle until reads keep missing and it is
   * given its plan: a thread takes ~20 ms to start, which a cold read pass
   * would otherwise wait out with the disk half used. For a store whose
   * reads will likely need it (the store decides: a large one, as its open
   * ends; earlier, the start took the other core from the open's own reads).
   * Never keeps the process alive; stop() ends it.
   */
  prepare(): void {
    if (!this.o.background || this.stopped || this.ready !== undefined || this.finished !== undefined) return;
    // A cache too small for the misses that start the filling, and the extents after them, never starts it.
    if (this.o.cache.freshBlocks < (START_AFTER_EXTENTS + 1) * EXTENT_BLOCKS) return;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    worker.once('error', () => undefined);
    // One that ended before it was used is not used: start() starts another.
    worker.once('exit', () => {
      if (this.ready === worker) this.ready = undefined;
    });
    this.ready = worker;
  }

  /** The cache's miss handler: true when block `index` of `segment` is now cached. */
  fill(segment: number, index: number): boolean {
    const { cache } = this.o;
    const job = this.jobAt(segment, index);
    if (job >= 0 && this.settle(job)) return cache.has(segment, index);
    const file = this.o.fileOf(segment);
    // Extents only while a whole one fits in never-used room: a nearly full cache reads single blocks, so a
    // store larger than the cache does not churn it with neighbours nobody asked for.
    if (file === undefined || file.size <= BLOCK_BYTES || cache.freshBlocks < EXTENT_BLOCKS) return false;
    const first = index - (index % EXTENT_BLOCKS);
    const count = Math.ceil(Math.min(EXTENT_BYTES, file.size - first * BLOCK_BYTES) / BLOCK_BYTES);
    const slot = cache.reserveRun(count);
    if (slot < 0 || !this.readRun(segment, first, slot, count)) return false;
    if (++this.extentMisses === START_AFTER_EXTENTS && this.o.background && !this.stopped) this.start();
    return cache.has(segment, index);
  }

  private jobAt(segment: number, index: number): number {
    const jobs = this.jobsOf.get(segment);
    const extent = Math.floor(index / EXTENT_BLOCKS);
    return jobs !== undefined && extent < jobs.length ? jobs[extent]! - 1 : -1;
  }

  /**
   * Bring a job to an end and give its run to the cache: adopted as the
   * worker read it (DONE), or read now by this thread (QUEUED, which it takes
   * from the worker, or FAILED). False only when the worker is still reading
   * it after WAIT_MS: the run then stays reserved (lost capacity, never a
   * block overwritten later) and the caller reads the block itself.
   */
  private settle(job: number): boolean {
    const s = this.endJob(job, TAKEN);
    this.unlist(job);
    if (s === READING) return false;
    const segment = this.jobSegment[job]!;
    const first = this.jobBlock[job]!;
    if (s === DONE) {
      this.o.cache.adoptRun(segment, first, this.jobSlot[job]!, this.jobBlocks[job]!, Atomics.load(this.bytesRead, job));
      return true;
    }
    return this.readRun(segment, first, this.jobSlot[job]!, this.jobBlocks[job]!);
  }

  /** Read blocks [first, first + count) of a segment into a reserved run on this thread, and give them to the cache. */
  private readRun(segment: number, first: number, slot: number, count: number): boolean {
    const { cache } = this.o;
    const file = this.o.fileOf(segment);
    if (file === undefined) {
      cache.releaseRun(slot, count);
      return false;
    }
    const from = first * BLOCK_BYTES;
    let done: number;
    try {
      done = readInto(this.o.efs, file.fd, cache.runBytes(slot, count), 0, Math.max(0, Math.min(count * BLOCK_BYTES, file.size - from)), from);
    } catch (err) {
      cache.releaseRun(slot, count);
      throw err;
    }
    cache.adoptRun(segment, first, slot, count, done);
    return true;
  }

  /** Give the cache every run the worker finished that no read has asked for yet (when it exits). */
  private adoptFinished(): void {
    for (const jobs of this.jobsOf.values()) {
      for (let extent = 0; extent < jobs.length; extent++) {
        const job = jobs[extent]! - 1;
        if (job < 0 || Atomics.load(this.state, job) !== DONE) continue;
        this.unlist(job);
        this.o.cache.adoptRun(this.jobSegment[job]!, this.jobBlock[job]!, this.jobSlot[job]!, this.jobBlocks[job]!, Atomics.load(this.bytesRead, job));
      }
    }
  }

  /**
   * A job's state once the worker is done with it: a QUEUED job becomes
   * `claim` (TAKEN or CANCELLED) and QUEUED is returned; one being read is
   * waited for (WAIT_MS at most, after which READING is returned).
   */
  private endJob(job: number, claim: typeof TAKEN | typeof CANCELLED): number {
    const s = Atomics.compareExchange(this.state, job, QUEUED, claim);
    if (s !== READING) return s;
    waitWhile(this.state, job, READING, WAIT_MS);
    return Atomics.load(this.state, job);
  }

  private unlist(job: number): void {
    const jobs = this.jobsOf.get(this.jobSegment[job]!);
    if (jobs !== undefined) jobs[this.jobBlock[job]! / EXTENT_BLOCKS] = 0;
  }

  /** Plan a job for every extent of every cacheable file not cached yet, as far as never-used room goes, and start the worker. */
  private start(): void {
    const { cache } = this.o;
    const files = this.o.files();
    const plan: Array<{ file: number; segment: number; block: number; slot: number; blocks: number; offset: number; length: number }> = [];
    for (let f = 0; f < files.length; f++) {
      const { segment, size } = files[f]!;
      for (let from = 0; from < size; from += EXTENT_BYTES) {
        const block = from / BLOCK_BYTES;
        const length = Math.min(EXTENT_BYTES, size - from);
        const blocks = Math.ceil(length / BLOCK_BYTES);
        if (cache.freshBlocks - blocks < KEEP_FRESH_BLOCKS) break;
        if (cache.has(segment, block)) continue;
        const slot = cache.reserveRun(blocks);
        if (slot < 0) break;
        plan.push({ file: f, segment, block, slot, blocks, offset: from, length });
      }
    }
    if (plan.length === 0) {
      this.finished = Promise.resolve();
      return;
    }
    const n = plan.length;
    this.state = new Int32Array(new SharedArrayBuffer(4 * n));
    this.bytesRead = new Int32Array(new SharedArrayBuffer(4 * n));
    this.jobSegment = Int32Array.from(plan, (j) => j.segment);
    this.jobBlock = Int32Array.from(plan, (j) => j.block);
    this.jobSlot = Int32Array.from(plan, (j) => j.slot);
    this.jobBlocks = Int32Array.from(plan, (j) => j.blocks);
    for (let job = 0; job < n; job++) {
      const { file, segment, block } = plan[job]!;
      const size = files[file]!.size;
      let jobs = this.jobsOf.get(segment);
      if (jobs === undefined) this.jobsOf.set(segment, (jobs = new Int32Array(Math.ceil(size / EXTENT_BYTES))));
      jobs[block / EXTENT_BLOCKS] = job + 1;
    }
    const worker = this.ready ?? new Worker(WORKER_SOURCE, { eval: true });
    this.ready = undefined;
    // The shared memory is shared, not copied.
    worker.postMessage({
      slabs: [...cache.sharedSlabs],
      state: this.state,
      bytesRead: this.bytesRead,
      paths: files.map((f) => f.path),
      fileOfJob: Int32Array.from(plan, (j) => j.file),
      offsets: Float64Array.from(plan, (j) => j.offset),
      lengths: Int32Array.from(plan, (j) => j.length),
      slabOfJob: Int32Array.from(plan, (j) => cache.whereIs(j.slot).slab),
      slabOffsets: Int32Array.from(plan, (j) => cache.whereIs(j.slot).offset),
    });
    // Never keeps the process alive; an error only ends the filling (jobs it never reached stay QUEUED for the reader).
    worker.unref();
    this.worker = worker;
    this.finished = new Promise<void>((resolve) => {
      worker.once('exit', () => {
        if (this.worker === worker) this.worker = undefined;
        if (!this.stopped) this.adoptFinished();
        resolve();
      });
      worker.once('error', () => undefined);
    });
  }

  /**
   * A segment's file is going away (compaction deleted it): cancel its jobs
   * and give back their runs, waiting for one the worker is reading. The
   * caller then drops the segment's cached blocks.
   */
  forget(segment: number): void {
    const jobs = this.jobsOf.get(segment);
    if (jobs === undefined) return;
    for (let extent = 0; extent < jobs.length; extent++) {
      const job = jobs[extent]! - 1;
      if (job < 0) continue;
      const s = this.endJob(job, CANCELLED);
      // A run still being read stays reserved; any other one is free again (a DONE run's blocks were never adopted).
      if (s !== READING) this.o.cache.releaseRun(this.jobSlot[job]!, this.jobBlocks[job]!);
    }
    this.jobsOf.delete(segment);
  }

  /** Stop filling (the store is closing): jobs not started are cancelled, the worker ends. */
  stop(): void {
    this.stopped = true;
    for (let job = 0; job < this.state.length; job++) Atomics.compareExchange(this.state, job, QUEUED, CANCELLED);
    this.jobsOf.clear();
    void this.worker?.terminate();
    this.worker = undefined;
    void this.ready?.terminate();
    this.ready = undefined;
  }
}
