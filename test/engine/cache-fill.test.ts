/**
 * The block cache fills from a worker thread once reads keep missing. What
 * matters: every block it caches holds the file's bytes whoever read them
 * (the worker, or the reader taking a job over, or the reader after the
 * worker failed), one-shot reads never start it, and compaction or close
 * while it runs leave reads right.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BLOCK_BYTES, BlockCache } from '../../src/engine/block-cache.js';
import { CacheFill, EXTENT_BLOCKS, START_AFTER_EXTENTS, type CacheableFile } from '../../src/engine/cache-fill.js';
import { CorruptRecordError } from '../../src/engine/errors.js';
import { realFs } from '../../src/engine/fs.js';
import { Store } from '../../src/engine/store.js';
import { cleanTempDirs, damageValueOf, tempDir } from './helpers.js';

afterEach(cleanTempDirs);

const MiB = 1024 * 1024;
const EXTENT = EXTENT_BLOCKS * BLOCK_BYTES;

/** A file of `bytes` bytes where every 4-byte word holds its own offset (any misplaced block shows). */
function patternFile(dir: string, name: string, bytes: number): string {
  const buf = Buffer.alloc(bytes);
  for (let at = 0; at + 4 <= bytes; at += 4) buf.writeUInt32LE(at, at);
  const p = path.join(dir, name);
  fs.writeFileSync(p, buf);
  return p;
}

/** A CacheFill over real files, wired to its cache as the store wires them. */
function fillOver(files: CacheableFile[], budget: number, background = true): { cache: BlockCache; fill: CacheFill } {
  const cache = new BlockCache(budget);
  const fill = new CacheFill({
    cache,
    efs: realFs,
    fileOf: (segment) => files.find((f) => f.segment === segment),
    files: () => files,
    background,
  });
  cache.onMiss = (segment, index) => fill.fill(segment, index);
  return { cache, fill };
}

/**
 * One pattern file of `size` bytes as `segment`, a CacheFill over it with
 * `budget`, and its first START_AFTER_EXTENTS extents missed (so the worker
 * is started). The worker opens the file by path; with `hiddenFromWorker`
 * that path is one that does not exist, while the reader's descriptor reads
 * the file.
 */
function startedFill(segment: number, size: number, budget: number, hiddenFromWorker = false) {
  const dir = tempDir();
  const p = patternFile(dir, 'f', size);
  const fd = fs.openSync(p, 'r');
  opened.push(fd);
  const file = { segment, fd, size, path: hiddenFromWorker ? path.join(dir, 'gone') : p };
  const { cache, fill } = fillOver([file], budget);
  for (let e = 0; e < START_AFTER_EXTENTS; e++) fill.fill(segment, e * EXTENT_BLOCKS);
  return { cache, fill, file, content: fs.readFileSync(p) };
}

const opened: number[] = [];
afterEach(() => {
  for (const fd of opened.splice(0)) fs.closeSync(fd);
});

function expectBlockIsFile(cache: BlockCache, file: CacheableFile, index: number, content: Buffer): void {
  const view = cache.block(file.segment, index, () => {
    throw new Error(`block ${index} of segment ${file.segment} was not cached`);
  });
  const want = content.subarray(index * BLOCK_BYTES, Math.min(content.length, (index + 1) * BLOCK_BYTES));
  expect(cache.lastLength).toBe(want.length);
  expect(view.subarray(0, want.length).equals(want)).toBe(true);
}

describe('CacheFill', () => {
  it('reads extents for the first misses, then a worker reads every other extent, each into the right blocks', async () => {
    const dir = tempDir();
    const sizes = [5 * EXTENT + 12_345, 3 * EXTENT];
    const files = sizes.map((size, i) => {
      const p = patternFile(dir, `f${i}`, size);
      return { segment: i + 1, fd: fs.openSync(p, 'r'), size, path: p };
    });
    const { cache, fill } = fillOver(files, 64 * MiB);
    expect(fill.background).toBe('waiting');
    // Misses in START_AFTER_EXTENTS distinct extents (the last partial one of the first file among them).
    const missed: Array<[number, number]> = [];
    for (let e = 0; missed.length < START_AFTER_EXTENTS; e++) missed.push(e < 6 ? [1, e * EXTENT_BLOCKS] : [2, (e - 6) * EXTENT_BLOCKS + 3]);
    for (const [segment, index] of missed) expect(fill.fill(segment, index)).toBe(true);
    expect(fill.background).not.toBe('waiting');
    await fill.backgroundDone();
    expect(fill.background).toBe('finished');
    // Every byte of both files is cached, each block where it belongs.
    expect(cache.cachedBytes).toBe(sizes[0]! + sizes[1]!);
    for (const f of files) {
      const content = fs.readFileSync(f.path);
      for (let i = 0; i * BLOCK_BYTES < f.size; i++) expectBlockIsFile(cache, f, i, content);
    }
    for (const f of files) fs.closeSync(f.fd);
  });

  it('when the worker cannot read a file, the reader reads each extent into the run planned for it', async () => {
    const size = 14 * EXTENT;
    // Room for 16 extents: 8 read by the first misses, 4 planned for the worker (4 kept never-used), so the
    // last 2 extents fit only if the failed jobs' runs are used rather than lost.
    const { cache, fill, file, content } = startedFill(7, size, 16 * EXTENT, true);
    await fill.backgroundDone();
    for (let i = 0; i * BLOCK_BYTES < size; i++) {
      expect(cache.has(7, i) || fill.fill(7, i)).toBe(true);
      expectBlockIsFile(cache, file, i, content);
    }
    expect(cache.cachedBytes).toBe(size);
  });

  it('forgets a segment at once: jobs not read are cancelled, runs given back, nothing of it adopted later', async () => {
    const size = 40 * EXTENT;
    const { cache, fill } = startedFill(3, size, 64 * MiB);
    // As compaction's commit does, before the worker can have finished (no await in between).
    fill.forget(3);
    cache.dropSegment(3);
    await fill.backgroundDone();
    expect(cache.cachedBytes).toBe(0);
    for (let i = 0; i * BLOCK_BYTES < size; i++) expect(cache.has(3, i)).toBe(false);
    // No slot was lost to a cancelled run: a whole budget of blocks of another segment fits, none evicted.
    cache.onMiss = undefined;
    const blocks = (64 * MiB) / BLOCK_BYTES;
    for (let i = 0; i < blocks; i++) cache.block(9, i, (into) => into.writeUInt32LE(i, 0) && 4);
    for (let i = 0; i < blocks; i++) expect(cache.has(9, i)).toBe(true);
  });

  it('has nothing to start when the first misses read everything: finished, not waiting', async () => {
    const size = START_AFTER_EXTENTS * EXTENT;
    const { cache, fill } = startedFill(2, size, 64 * MiB);
    expect(fill.background).toBe('finished');
    await fill.backgroundDone();
    expect(cache.cachedBytes).toBe(size);
  });

  it('leaves never-used room for the reader and never plans past the budget', async () => {
    const size = 40 * EXTENT;
    const budget = 24 * EXTENT;
    const { cache, fill, file, content } = startedFill(1, size, budget);
    await fill.backgroundDone();
    expect(cache.cachedBytes).toBeLessThanOrEqual(budget - 4 * EXTENT);
    expect(cache.freshBlocks).toBeGreaterThanOrEqual(4 * EXTENT_BLOCKS);
    // Reads past what was planned still work, through the CLOCK once the room is used.
    for (let i = 0; i * BLOCK_BYTES < size; i += 5) {
      const view = cache.block(1, i, (into) => fs.readSync(file.fd, into, 0, BLOCK_BYTES, i * BLOCK_BYTES));
      expect(view.subarray(0, 64).equals(content.subarray(i * BLOCK_BYTES, i * BLOCK_BYTES + 64))).toBe(true);
    }
  });
});

describe('the store with its cache worker', () => {
  // About 20 MB in 2 MiB segments: 20 extents, more than START_AFTER_EXTENTS.
  const KEYS = 16_000;
  const key = (i: number) => `key-${String(i).padStart(5, '0')}`;
  const valueOf = (i: number) => Buffer.alloc(1200, i % 251);

  async function build(): Promise<string> {
    const dir = tempDir() + '/s';
    const writer = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 2 * MiB });
    for (let i = 0; i < KEYS; i++) await writer.put(key(i), valueOf(i));
    await writer.close();
    return dir;
  }

  /** Read odd keys spread over the store until the worker starts. */
  function missUntilStarted(store: Store): void {
    for (let i = 1; store.cacheWorker === 'waiting' && i < KEYS; i += 194) expect(store.getSync(key(i))).toEqual(valueOf(i));
    expect(store.cacheWorker).not.toBe('waiting');
  }

  it('starts only once reads keep missing, fills the cache with every sealed byte, and reads stay right', async () => {
    const dir = await build();
    const store = await Store.open(dir, { readOnly: true });
    expect(store.getSync(key(10))).toEqual(valueOf(10));
    expect(store.cacheWorker).toBe('waiting');
    missUntilStarted(store);
    await store.cacheWorkerDone();
    const sealedBytes = fs
      .readdirSync(dir)
      .filter((n) => n.endsWith('.data'))
      .reduce((sum, n) => sum + fs.statSync(path.join(dir, n)).size, 0);
    // Read-only, every segment is sealed: all of them are in the cache now.
    expect((store as unknown as { cache: BlockCache }).cache.cachedBytes).toBe(sealedBytes);
    for (let i = 0; i < KEYS; i++) expect(store.getSync(key(i))).toEqual(valueOf(i));
    await store.close();
    expect(store.cacheWorker).toBe('off');
  });

  it("for a writer, fills the sealed segments and the active one's whole blocks, and reads stay right as it appends", async () => {
    const dir = await build();
    const store = await Store.open(dir, { fsync: 'never', segmentSize: 2 * MiB });
    const active = store.stats().perSegment.find((s) => s.active)!;
    // The writer goes on appending to the last segment the build left, which holds records.
    expect(active.bytes).toBeGreaterThan(2 * BLOCK_BYTES);
    missUntilStarted(store);
    await store.cacheWorkerDone();
    const sizes = fs
      .readdirSync(dir)
      .filter((n) => n.endsWith('.data'))
      .map((n) => [n, fs.statSync(path.join(dir, n)).size] as const);
    const expected = sizes.reduce((sum, [name, size]) => sum + (name === active.file ? size - (size % BLOCK_BYTES) : size), 0);
    expect((store as unknown as { cache: BlockCache }).cache.cachedBytes).toBe(expected);
    for (let i = 0; i < KEYS; i += 3) await store.put(key(i), `again ${i}`);
    for (let i = 0; i < KEYS; i++) expect(store.getSync(key(i))).toEqual(i % 3 === 0 ? Buffer.from(`again ${i}`) : valueOf(i));
    await store.close();
  });

  it('keeps a process alive while someone waits for it, and never otherwise', async () => {
    const dir = await build();
    const storeModule = path.resolve(import.meta.dirname, '../../src/engine/store.ts');
    const script = (wait: boolean, reads: number) => `
      import { Store } from ${JSON.stringify(storeModule)};
      const store = await Store.open(${JSON.stringify(dir)}, { readOnly: true });
      for (let i = 1, n = 0; store.cacheWorker === 'waiting' && i < ${KEYS} && n < ${reads}; i += 194, n++) store.getSync('key-' + String(i).padStart(5, '0'));
      console.log(store.cacheWorker);
      ${wait ? "await store.cacheWorkerDone(); console.log(store.cacheWorker);" : ''}
    `;
    // A script file, not --eval: an evaluated module's process ends even with a referenced thread running.
    const scriptFile = path.join(path.dirname(dir), 'script.mjs');
    const run = (wait: boolean, reads = KEYS) => {
      fs.writeFileSync(scriptFile, script(wait, reads));
      return execFileSync(process.execPath, ['--import', 'tsx', scriptFile], { encoding: 'utf8', timeout: 30_000 });
    };
    // Waited for: the script sees it finish (an unreferenced worker let the process end with the wait unsettled, exit code 13).
    expect(run(true).trim().split('\n')).toEqual(['running', 'finished']);
    // Not waited for, and the store left open: the worker does not hold the process.
    expect(run(false).trim()).toBe('running');
    // One read and no close: the thread this store (over 16 MiB) started as it opened, idle, does not hold it either.
    expect(run(false, 1).trim()).toBe('waiting');
  });

  it('a large store starts the thread as its open ends, idle; not a small store, nor one whose cache could never start it', async () => {
    const dir = await build();
    const ready = (store: Store) => (store as unknown as { cacheFill: { ready: unknown } }).cacheFill.ready !== undefined;
    const large = await Store.open(dir, { readOnly: true });
    expect(ready(large)).toBe(true);
    expect(large.cacheWorker).toBe('waiting');
    // Its plan goes to that thread: no other is started, and the filling finishes.
    missUntilStarted(large);
    expect(ready(large)).toBe(false);
    await large.cacheWorkerDone();
    expect(large.cacheWorker).toBe('finished');
    await large.close();
    // A cache of 1 MiB cannot hold the extents that would start the filling.
    const tinyCache = await Store.open(dir, { readOnly: true, cacheBytes: MiB });
    expect(ready(tinyCache)).toBe(false);
    await tinyCache.close();
    const small = tempDir() + '/small';
    const writer = await Store.open(small, { create: true, fsync: 'never' });
    for (let i = 0; i < 1000; i++) await writer.put(key(i), valueOf(i));
    await writer.close();
    const smallStore = await Store.open(small, { readOnly: true });
    expect(ready(smallStore)).toBe(false);
    await smallStore.close();
  });

  it('still finds a damaged record that the worker read', async () => {
    const dir = await build();
    await damageValueOf(dir, key(4321), 10, 0x55);
    const store = await Store.open(dir, { readOnly: true });
    missUntilStarted(store);
    await store.cacheWorkerDone();
    expect(() => store.getSync(key(4321))).toThrow(CorruptRecordError);
    expect(store.getSync(key(4322))).toEqual(valueOf(4322));
    await store.close();
  });

  it('is off when asked, and with a custom file system', async () => {
    const dir = await build();
    for (const options of [{ cacheWorker: false }, { fs: realFs }]) {
      const store = await Store.open(dir, { readOnly: true, ...options });
      for (let i = 0; i < KEYS; i += 97) store.getSync(key(i));
      expect(store.cacheWorker).toBe('off');
      await store.close();
    }
  });

  it('compaction while the worker fills: no block of a deleted segment is served, every value stays right', async () => {
    const dir = await build();
    const store = await Store.open(dir, { fsync: 'never', segmentSize: 2 * MiB });
    for (let i = 0; i < KEYS; i += 2) await store.put(key(i), `new ${i}`);
    const before = new Set(fs.readdirSync(dir).filter((n) => n.endsWith('.data')));
    missUntilStarted(store);
    await store.compact();
    const cache = (store as unknown as { cache: BlockCache }).cache;
    const after = new Set(fs.readdirSync(dir).filter((n) => n.endsWith('.data')));
    for (const name of before) if (!after.has(name)) expect(cache.has(Number.parseInt(name, 10), 0)).toBe(false);
    for (let i = 0; i < KEYS; i++) expect(store.getSync(key(i))).toEqual(i % 2 === 0 ? Buffer.from(`new ${i}`) : valueOf(i));
    await store.cacheWorkerDone();
    for (const name of before) if (!after.has(name)) for (let b = 0; b < 32; b++) expect(cache.has(Number.parseInt(name, 10), b)).toBe(false);
    for (let i = 0; i < KEYS; i++) expect(store.getSync(key(i))).toEqual(i % 2 === 0 ? Buffer.from(`new ${i}`) : valueOf(i));
    await store.close();
  });
});
