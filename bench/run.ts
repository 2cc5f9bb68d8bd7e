/**
 * kvscope benchmarks, side by side with LevelDB (classic-level), LMDB (lmdb)
 * and SQLite (better-sqlite3) and the machine's own limits, all in one run.
 *
 *   npm run bench                       1,000,000 keys (about 5 minutes)
 *   npm run bench -- --quick            a small run (under a minute)
 *   npm run bench -- --keys N --value-size N --no-inspector --no-docs
 *
 * Prints a table with ratios, writes JSON to bench-results/ and (unless
 * --no-docs) the latest table to docs/BENCHMARKS.md. Run with --expose-gc
 * (the npm script does) for the keydir memory figure.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { join, resolve } from 'node:path';
import { Store } from '../src/engine/store.js';
import { bareAppendLoop } from './append-floor.js';
import { KvscopeAdapter, LevelAdapter, LmdbAdapter, SqliteAdapter, type Adapter } from './engines.js';
import { evictDirectory, machineInfo, measureMachine, appendFdatasyncLoop, overwriteFdatasyncLoop, residentBytes, sequentialWriteMiBs, type MachineLimits } from './machine.js';
import { renderReport, writeBenchmarksDoc, type BenchResult, type EngineResult, type Rate } from './report.js';
import { rng } from './rng.js';
import { makeScratch } from './scratch.js';

export const ROOT = resolve(import.meta.dirname, '..');

export interface BenchOptions {
  keys: number;
  valueSize: number;
  quick: boolean;
  batchSize: number;
  durablePuts: number;
  groupCommitPuts: number;
  reads: number;
  /** Rounds of random reads with every engine in turn, on copies of the stores as their bulk loads left them. */
  readRounds: number;
  mixedOps: number;
  machineFileMiB: number;
  fsyncs: number;
  inspector: boolean;
  docs: boolean;
  engines: string[];
  out: string;
}

export function parseArgs(argv: string[]): BenchOptions {
  const flag = (name: string) => argv.includes(`--${name}`);
  const num = (name: string): number | undefined => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return undefined;
    const v = Number(argv[i + 1]);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
    return v;
  };
  const quick = flag('quick');
  const keys = num('keys') ?? (quick ? 20_000 : 1_000_000);
  const only = argv.indexOf('--engines');
  return {
    keys,
    valueSize: num('value-size') ?? 100,
    quick,
    batchSize: num('batch') ?? 10_000,
    durablePuts: num('durable-puts') ?? (quick ? 200 : 3_000),
    groupCommitPuts: num('group-puts') ?? (quick ? 800 : 16_000),
    reads: Math.min(num('reads') ?? (quick ? 20_000 : 200_000), keys * 10),
    readRounds: num('read-rounds') ?? (quick ? 1 : 3),
    mixedOps: num('mixed') ?? (quick ? 2_000 : 20_000),
    machineFileMiB: num('machine-mib') ?? (quick ? 64 : 512),
    fsyncs: num('fsyncs') ?? (quick ? 200 : 2_000),
    inspector: !flag('no-inspector'),
    docs: !flag('no-docs'),
    engines: only >= 0 ? argv[only + 1]!.split(',') : ['kvscope', 'classic-level', 'lmdb', 'better-sqlite3'],
    out: argv.includes('--out') ? resolve(argv[argv.indexOf('--out') + 1]!) : join(ROOT, 'bench-results'),
  };
}

// ------------------------------------------------------------------ data

export interface Dataset {
  keys: Buffer[];
  values: Buffer[];
  /** Insert order: a shuffled permutation of key indexes. */
  order: Uint32Array;
  prefixLo: Buffer;
  prefixHi: Buffer;
  prefixCount: number;
  keyBytes: number;
}


export function makeDataset(n: number, valueSize: number): Dataset {
  // Keys of 16 bytes: "user:" + 11 digits. Values cut from a random pool (incompressible).
  const keys = new Array<Buffer>(n);
  for (let i = 0; i < n; i++) keys[i] = Buffer.from(`user:${String(i).padStart(11, '0')}`, 'latin1');
  const pool = randomBytes(Math.max(16 * 1024 * 1024, valueSize * 4));
  const values = new Array<Buffer>(n);
  const rand = rng(42);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(rand() * (pool.length - valueSize));
    values[i] = pool.subarray(at, at + valueSize);
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  // "user:0000001" covers indexes 10,000..19,999; below 20,000 keys scan "user:0000000" instead.
  const prefix = n >= 20_000 ? 'user:0000001' : 'user:0000000';
  const prefixCount = n >= 20_000 ? 10_000 : Math.min(n, 10_000);
  return {
    keys,
    values,
    order,
    prefixLo: Buffer.from(prefix, 'latin1'),
    prefixHi: Buffer.from(prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1), 'latin1'),
    prefixCount,
    keyBytes: 16,
  };
}

// ------------------------------------------------------------------ helpers

const MiB = 1024 * 1024;

function now(): number {
  return performance.now();
}

export function dirBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += dirBytes(p);
    else if (e.isFile()) total += fs.statSync(p).blocks * 512;
  }
  return total;
}

function dataFileBytes(dir: string): number {
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.data'))
    .reduce((s, n) => s + fs.statSync(join(dir, n)).size, 0);
}

/** Prefix scans per engine; the median is reported. */
const SCAN_RUNS = 5;

/** Durable single puts and the append+fdatasync loop they are compared with take turns this many times. */
const DURABLE_ROUNDS = 6;
/**
 * Before those rounds, every engine does this many durable puts, and the loop as many appends, untimed:
 * a put path that has not run yet in the process runs cold (in a scratch run, kvscope's first 500 puts
 * after an open spent 28 µs a put between an fdatasync's return and the next write, 3 µs from the
 * third 500 on), and the disk right after a reopen is slower too (the same syscalls on a plain file:
 * 160 µs, then 115 µs). The round's figures are reported apart (`warmup`), not dropped.
 */
const DURABLE_WARMUP = 300;

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
}

// ------------------------------------------------------------------ one engine

async function benchEngine(make: () => Adapter, data: Dataset, opts: BenchOptions, tmpRoot: string, limits: MachineLimits): Promise<EngineResult> {
  const adapter = make();
  const dir = fs.mkdtempSync(join(tmpRoot, `${adapter.name}-`));
  const res: EngineResult = { name: adapter.name, version: adapter.version };
  const n = data.keys.length;
  const rand = rng(7);
  const pick = () => Math.floor(rand() * n);
  try {
    // Bulk load: shuffled, batches of batchSize, one durable commit per batch.
    await adapter.open(dir);
    // kvscope's bandwidth targets compare with the disk's write bandwidth measured right before and right
    // after (a file as large as the keys and values): it swings by up to 10x within minutes here.
    const loadedBytes = n * (data.keyBytes + opts.valueSize);
    const writeLine = (): number | undefined => (adapter instanceof KvscopeAdapter ? sequentialWriteMiBs(join(tmpRoot, 'write-line.bin'), loadedBytes / MiB) : undefined);
    const loadLineBefore = writeLine();
    let t = now();
    for (let at = 0; at < n; at += opts.batchSize) {
      const end = Math.min(n, at + opts.batchSize);
      const ks = new Array<Buffer>(end - at);
      const vs = new Array<Buffer>(end - at);
      for (let i = at; i < end; i++) {
        ks[i - at] = data.keys[data.order[i]!]!;
        vs[i - at] = data.values[data.order[i]!]!;
      }
      await adapter.putBatch(ks, vs);
    }
    let secs = (now() - t) / 1000;
    const loadLineAfter = writeLine();
    res.bulkLoad = { seconds: secs, opsPerSec: n / secs, userMiBs: loadedBytes / MiB / secs };
    if (loadLineBefore !== undefined && loadLineAfter !== undefined) res.bulkLoad.writeLineMiBs = [loadLineBefore, loadLineAfter];
    await adapter.close();
    res.diskBytesAfterLoad = dirBytes(dir);
    // A copy of the store as the load left it, for the reads side by side with the other engines (readRounds);
    // synced, so that no writeback of it runs under the workloads that follow.
    if (opts.readRounds > 0) {
      res.readsDir = join(tmpRoot, `reads-${adapter.name}`);
      copyDurably(dir, res.readsDir);
    }
    if (adapter.name === 'kvscope') {
      res.bulkLoad.fileMiBs = dataFileBytes(dir) / MiB / secs;
      // The same records appended by a bare loop, after the line's second turn: what writing them alone costs.
      const bare = bareAppendLoop(join(tmpRoot, 'bare-append.bin'), data, opts.batchSize);
      res.bulkLoad.bareAppend = { seconds: bare.seconds, opsPerSec: n / bare.seconds, fileMiBs: bare.bytes / MiB / bare.seconds };
    }
    log(`  ${adapter.name}: bulk load ${secs.toFixed(2)} s`);

    // Reopen (for peers: their open; kvscope's open is measured in detail below).
    evictDirectory(dir);
    t = now();
    await adapter.open(dir);
    res.reopenSeconds = (now() - t) / 1000;

    // Random point reads, right after the reopen of a store whose pages were evicted: a cold pass, then
    // a warm pass over the same keys. Nothing else may run in between: lmdb's durable puts read all of
    // its file into the page cache and keep it mapped, where no eviction reaches it (fincore: 254 of
    // 254 MB resident after 300 puts; 176 MB still resident after evicting again), so reads measured
    // after them were warm for lmdb and cold for the others. `residentBeforeReads` checks it.
    const readKeys = new Array<Buffer>(opts.reads);
    for (let i = 0; i < opts.reads; i++) readKeys[i] = data.keys[pick()]!;
    res.residentBeforeReads = residentBytes(dir);
    res.randomReads = readPass(adapter, readKeys);
    res.randomReadsWarm = readPass(adapter, readKeys);

    // Durable single puts: overwrite random keys, one fsync'ed commit each. In rounds that alternate
    // with the append+fdatasync loop on a file beside the store, so that both see the disk at the
    // same moments: fsync latency drifts over a run by more than the gap the target asks about.
    const loopFile = join(tmpRoot, `${adapter.name}-fsync-loop.bin`);
    const warmup = Math.min(DURABLE_WARMUP, opts.durablePuts);
    t = now();
    for (let i = 0; i < warmup; i++) {
      const k = pick();
      await adapter.putDurable(data.keys[k]!, data.values[(k + 3) % n]!);
    }
    const warmupSecs = (now() - t) / 1000;
    const warmupLoopSecs = appendFdatasyncLoop(loopFile, warmup);
    secs = 0;
    let loopSecs = 0;
    let overwriteSecs = 0;
    for (let round = 0, done = 0; round < DURABLE_ROUNDS; round++) {
      const count = Math.round((opts.durablePuts * (round + 1)) / DURABLE_ROUNDS) - done;
      loopSecs += appendFdatasyncLoop(loopFile, count);
      overwriteSecs += overwriteFdatasyncLoop(`${loopFile}.preallocated`, count);
      t = now();
      for (let i = 0; i < count; i++) {
        const k = pick();
        await adapter.putDurable(data.keys[k]!, data.values[(k + 1) % n]!);
      }
      secs += (now() - t) / 1000;
      done += count;
    }
    fs.rmSync(loopFile, { force: true });
    res.durablePuts = {
      ops: opts.durablePuts,
      opsPerSec: opts.durablePuts / secs,
      fsyncLoopOpsPerSec: opts.durablePuts / loopSecs,
      overwriteLoopOpsPerSec: opts.durablePuts / overwriteSecs,
      warmup: { opsPerSec: warmup / warmupSecs, fsyncLoopOpsPerSec: warmup / warmupLoopSecs },
    };

    // Mixed 90/10: random reads and durable puts.
    const mixRand = rng(99);
    t = now();
    for (let i = 0; i < opts.mixedOps; i++) {
      const k = Math.floor(mixRand() * n);
      if (mixRand() < 0.1) await adapter.putDurable(data.keys[k]!, data.values[(k + 2) % n]!);
      else if (adapter.get(data.keys[k]!) === undefined) throw new Error(`${adapter.name}: mixed read missed`);
    }
    secs = (now() - t) / 1000;
    res.mixed = { ops: opts.mixedOps, opsPerSec: opts.mixedOps / secs };

    // Prefix scan of 10,000 keys with their values; median of 5. A scan takes ~15 ms, less than a full
    // collection of this process's heap (which holds the whole dataset): collect before each one, so
    // that the harness's garbage is not timed as the engine's.
    const scans: number[] = [];
    for (let r = 0; r < SCAN_RUNS; r++) {
      gc();
      t = now();
      const got = await adapter.scan(data.prefixLo, data.prefixHi);
      scans.push((now() - t) / 1000);
      if (got !== data.prefixCount) throw new Error(`${adapter.name}: prefix scan returned ${got}, expected ${data.prefixCount}`);
    }
    scans.sort((a, b) => a - b);
    const median = scans[(SCAN_RUNS - 1) / 2]!;
    res.prefixScan = { keys: data.prefixCount, seconds: median, keysPerSec: data.prefixCount / median };

    // Group commit (kvscope 'batch' policy, 8 concurrent writers).
    if (adapter instanceof KvscopeAdapter) {
      await adapter.close();
      const grouped = new KvscopeAdapter('batch');
      await grouped.open(dir);
      const per = Math.ceil(opts.groupCommitPuts / 8);
      t = now();
      await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          const r = rng(1000 + w);
          for (let i = 0; i < per; i++) {
            const k = Math.floor(r() * n);
            await grouped.putDurable(data.keys[k]!, data.values[(k + 3) % n]!);
          }
        }),
      );
      secs = (now() - t) / 1000;
      res.groupCommit = { writers: 8, ops: per * 8, opsPerSec: (per * 8) / secs };
      await grouped.close();
      await adapter.open(dir);
    }

    // Overwrite a third of the keys (batched, durable), then compact.
    const third = Math.floor(n / 3);
    for (let at = 0; at < third; at += opts.batchSize) {
      const end = Math.min(third, at + opts.batchSize);
      const ks: Buffer[] = [];
      const vs: Buffer[] = [];
      for (let i = at; i < end; i++) {
        const k = data.order[(i * 3) % n]!;
        ks.push(data.keys[k]!);
        vs.push(data.values[(k + 5) % n]!);
      }
      await adapter.putBatch(ks, vs);
    }
    const before = dirBytes(dir);
    // kvscope's compaction also in a fresh process, on a copy of the store as it is now, the way
    // `kvscope compact` runs it: this process holds the whole dataset, which slowed a 1M-key compaction
    // in a scratch test (1.31-1.53 s against 1.13-1.22 s), as it slowed opens. Pages stay warm, as for the peers.
    let freshSeconds: number | undefined;
    if (adapter instanceof KvscopeAdapter) {
      await adapter.close();
      const copy = `${dir}-compacted-apart`;
      // Written back before the compaction starts, so that it does not wait behind the copy's writeback.
      copyDurably(dir, copy);
      try {
        freshSeconds = (runChild('compact-child.ts', copy, false) as { seconds: number }).seconds;
      } finally {
        fs.rmSync(copy, { recursive: true, force: true });
      }
      await adapter.open(dir);
    }
    if (adapter.compact) {
      const compactLineBefore = writeLine();
      t = now();
      await adapter.compact();
      secs = (now() - t) / 1000;
      const compactLineAfter = writeLine();
      await adapter.close();
      const after = dirBytes(dir);
      const written = adapter.name === 'kvscope' ? dataFileBytes(dir) : after;
      res.compaction = { seconds: secs, bytesBefore: before, bytesAfter: after, writtenMiBs: written / MiB / secs, ...(freshSeconds !== undefined ? { freshProcessSeconds: freshSeconds } : {}) };
      if (compactLineBefore !== undefined && compactLineAfter !== undefined) res.compaction.writeLineMiBs = [compactLineBefore, compactLineAfter];
    } else {
      await adapter.close();
      res.compaction = { seconds: NaN, bytesBefore: before, bytesAfter: dirBytes(dir), writtenMiBs: NaN, note: 'no compaction: the B+tree reuses freed pages' };
    }
    res.diskBytesFinal = dirBytes(dir);
    log(`  ${adapter.name}: compaction ${res.compaction.seconds.toFixed(2)} s`);

    if (adapter instanceof KvscopeAdapter) {
      await measureKvscopeOpen(dir, res, n);
      const verified = verifyInChild(dir);
      if (verified.problems !== 0) throw new Error(`verify found ${verified.problems} problems in the bench's store`);
      res.verify = { seconds: verified.seconds, recordsPerSec: verified.records / verified.seconds, longestStallMs: verified.longestStallMs };
      res.keydirBytesPerKey = await measureKeydirMemory(dir, n);
      res.dir = dir;
    }
    return res;
  } finally {
    if (!res.dir) fs.rmSync(dir, { recursive: true, force: true });
    void limits;
  }
}

/**
 * One read-only open of the store in a fresh process (bench/open-child.ts), after evicting its pages:
 * the way the CLI and `kvscope serve` open a store. Not in this process, which holds the whole dataset
 * and has run every workload: opening from data files took 0.83 s here against 0.59 s in a process of
 * its own (same code, same store), while opening from hints took 0.30 s either way.
 */
function openInChild(dir: string): { seconds: number; keys: number; hintFallbacks: string[] } {
  return runChild('open-child.ts', dir) as { seconds: number; keys: number; hintFallbacks: string[] };
}

/** bench/verify-child.ts on the store, in a fresh process after evicting its pages. */
function verifyInChild(dir: string): { seconds: number; records: number; problems: number; longestStallMs: number } {
  return runChild('verify-child.ts', dir) as { seconds: number; records: number; problems: number; longestStallMs: number };
}

/** bench/data-walk-floor.ts on the store, in a fresh process after evicting its pages. */
function bareDataWalkInChild(dir: string): { seconds: number; records: number; bytes: number } {
  return runChild('data-walk-floor.ts', dir) as { seconds: number; records: number; bytes: number };
}

/** bench/hint-open-floor.ts on the store, in a fresh process after evicting its pages. */
function bareHintLoopInChild(dir: string): { seconds: number; keys: number } {
  return runChild('hint-open-floor.ts', dir) as { seconds: number; keys: number };
}

function runChild(script: string, dir: string, evict = true): unknown {
  if (evict) evictDirectory(dir);
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', script), dir], { cwd: ROOT, encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`${script} in a child process failed (status ${child.status}): ${child.stderr.trim()}`);
  return JSON.parse(child.stdout);
}

/**
 * Open read-only (nothing written) three ways, each in a fresh process: as the writer's clean close left
 * the store (from its keydir image), with the image moved away (from the hints), and with the hints moved
 * away too (from the data files). Beside them, a bare loop reading and inserting the same hints: how close
 * open from hints is to what its inserts alone cost; and a bare walk reading the data files and checking
 * every record, no index: the least an open from data can take.
 */
async function measureKvscopeOpen(dir: string, res: EngineResult, n: number): Promise<void> {
  const hints = fs.readdirSync(dir).filter((f) => f.endsWith('.hint'));
  if (!fs.existsSync(join(dir, 'KEYDIR'))) throw new Error('the store has no keydir image after a clean close');
  const aside = `${dir}.aside`;
  fs.mkdirSync(aside, { recursive: true });
  const bytes = dataFileBytes(dir);
  const times = { image: [] as number[], hints: [] as number[], data: [] as number[], bare: [] as number[], walk: [] as number[] };
  let bareEntries = 0;
  let walkRecords = 0;
  const moved = (names: string[], fn: () => void) => {
    for (const f of names) fs.renameSync(join(dir, f), join(aside, f));
    try {
      fn();
    } finally {
      for (const f of names) fs.renameSync(join(aside, f), join(dir, f));
    }
  };
  const expectKeys = (what: string, r: { keys: number; hintFallbacks: string[] }, fallbacks: boolean) => {
    if (r.keys !== n) throw new Error(`${what}: ${r.keys} keys, expected ${n}`);
    if (!fallbacks && r.hintFallbacks.length > 0) throw new Error(`${what} fell back: ${r.hintFallbacks.join('; ')}`);
  };
  for (let r = 0; r < 3; r++) {
    const fromImage = openInChild(dir);
    expectKeys('open from the keydir image', fromImage, false);
    times.image.push(fromImage.seconds);
    moved(['KEYDIR'], () => {
      const fromHints = openInChild(dir);
      expectKeys('open from hints', fromHints, false);
      times.hints.push(fromHints.seconds);
      const bare = bareHintLoopInChild(dir);
      times.bare.push(bare.seconds);
      bareEntries = bare.keys;
      moved(hints, () => {
        const fromData = openInChild(dir);
        expectKeys('open from data', fromData, true);
        times.data.push(fromData.seconds);
        const walk = bareDataWalkInChild(dir);
        if (walk.bytes !== bytes) throw new Error(`the bare walk read ${walk.bytes} bytes of data files, expected ${bytes}`);
        times.walk.push(walk.seconds);
        walkRecords = walk.records;
      });
    });
  }
  fs.rmSync(aside, { recursive: true, force: true });
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
  res.openFromImage = { seconds: med(times.image), keysPerSec: n / med(times.image), imageBytes: fs.statSync(join(dir, 'KEYDIR')).size };
  res.openFromHints = { seconds: med(times.hints), keysPerSec: n / med(times.hints), hintFiles: hints.length };
  res.openFromData = { seconds: med(times.data), keysPerSec: n / med(times.data), dataMiBs: bytes / MiB / med(times.data) };
  res.openHintsBareLoop = { seconds: med(times.bare), entries: bareEntries };
  res.openDataBareWalk = { seconds: med(times.walk), records: walkRecords, dataMiBs: bytes / MiB / med(times.walk) };
}

/**
 * Random reads with the engines side by side: rounds in which each engine in
 * turn (the first one moving along each round) opens a fresh copy of the store
 * its bulk load left, pages evicted, and reads the same keys twice, cold then
 * warm. Each engine's own turn measured its reads minutes apart from the
 * others'; here they are seconds apart, so the ratios in a round share the
 * machine's moment. A fresh copy each round, because an open may change a
 * store (LevelDB compacts the tables the load left, and a later round would
 * read a store compacted further); written to disk before its pages are
 * evicted, so no writeback runs under another engine's reads.
 */
async function readsSideBySide(engines: EngineResult[], factories: Record<string, () => Adapter>, data: Dataset, opts: BenchOptions): Promise<void> {
  const n = data.keys.length;
  const rand = rng(11);
  const readKeys = new Array<Buffer>(opts.reads);
  for (let i = 0; i < opts.reads; i++) readKeys[i] = data.keys[Math.floor(rand() * n)]!;
  const present = engines.filter((e) => e.readsDir !== undefined);
  for (const e of present) e.readRounds = [];
  for (let round = 0; round < opts.readRounds; round++) {
    for (let i = 0; i < present.length; i++) {
      const e = present[(round + i) % present.length]!;
      const adapter = factories[e.name]!();
      const roundDir = `${e.readsDir!}-round`;
      copyDurably(e.readsDir!, roundDir);
      evictDirectory(roundDir);
      await adapter.open(roundDir);
      try {
        const resident = residentBytes(roundDir);
        const cold = readPass(adapter, readKeys);
        const warm = readPass(adapter, readKeys);
        e.readRounds!.push({ cold: cold.opsPerSec, warm: warm.opsPerSec, ...(resident !== undefined ? { residentBytes: resident } : {}) });
      } finally {
        await adapter.close();
        fs.rmSync(roundDir, { recursive: true, force: true });
      }
    }
  }
  for (const e of present) {
    fs.rmSync(e.readsDir!, { recursive: true, force: true });
    delete e.readsDir;
  }
}

/** A directory's files copied and each one fsync'ed. */
function copyDurably(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
  for (const name of fs.readdirSync(to)) {
    const p = join(to, name);
    if (!fs.statSync(p).isFile()) continue;
    const fd = fs.openSync(p, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
}

/** One pass of gets over the keys; every key must be found. */
function readPass(adapter: Adapter, keys: readonly Buffer[]): Rate {
  let found = 0;
  const start = now();
  for (let i = 0; i < keys.length; i++) if (adapter.get(keys[i]!) !== undefined) found++;
  const secs = (now() - start) / 1000;
  if (found !== keys.length) throw new Error(`${adapter.name}: ${keys.length - found} of ${keys.length} reads missed`);
  return { ops: keys.length, opsPerSec: keys.length / secs };
}

async function measureKeydirMemory(dir: string, n: number): Promise<number> {
  const mem = () => {
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const base = mem();
  const s = await Store.open(dir, { readOnly: true });
  const after = mem();
  const perKey = (after - base) / n;
  await s.close();
  return perKey;
}

// ------------------------------------------------------------------ main

export async function runBench(opts: BenchOptions): Promise<BenchResult> {
  const started = new Date();
  const scratch = makeScratch(join(ROOT, '.tmp'), 'bench');
  const tmpRoot = scratch.dir;
  try {
    log(`kvscope bench: ${opts.keys.toLocaleString('en-US')} keys, ${opts.valueSize}-byte values${opts.quick ? ' (quick)' : ''}`);
    const info = machineInfo(tmpRoot);
    log('machine limits…');
    const limits = measureMachine(tmpRoot, { fileMiB: opts.machineFileMiB, fsyncs: opts.fsyncs, runs: 3 });
    const data = makeDataset(opts.keys, opts.valueSize);
    const factories: Record<string, () => Adapter> = {
      kvscope: () => new KvscopeAdapter(),
      'classic-level': () => new LevelAdapter(),
      lmdb: () => new LmdbAdapter(),
      'better-sqlite3': () => new SqliteAdapter(),
    };
    const engines: EngineResult[] = [];
    let inspector: BenchResult['inspector'];
    for (const name of opts.engines) {
      log(`${name}…`);
      const r = await benchEngine(factories[name]!, data, opts, tmpRoot, limits);
      if (r.dir) {
        if (opts.inspector) {
          log('inspector (Chromium)…');
          const { measureInspector } = await import('./inspector.js');
          inspector = await measureInspector(r.dir, opts.keys).catch((err: Error) => ({ error: err.message }));
        }
        fs.rmSync(r.dir, { recursive: true, force: true });
        delete r.dir;
      }
      engines.push(r);
      gc();
    }
    if (opts.readRounds > 0) {
      log('random reads, the engines side by side…');
      await readsSideBySide(engines, factories, data, opts);
    }
    const result: BenchResult = {
      date: started.toISOString(),
      seconds: (Date.now() - started.getTime()) / 1000,
      options: { keys: opts.keys, valueSize: opts.valueSize, quick: opts.quick, batchSize: opts.batchSize, durablePuts: opts.durablePuts, groupCommitPuts: opts.groupCommitPuts, reads: opts.reads, readRounds: opts.readRounds, mixedOps: opts.mixedOps },
      machine: info,
      limits,
      engines,
      ...(inspector ? { inspector } : {}),
    };
    return result;
  } finally {
    scratch.remove();
  }
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (!(globalThis as { gc?: unknown }).gc) log('note: run node with --expose-gc for the keydir memory figure');
  const result = await runBench(opts);
  const report = renderReport(result);
  process.stdout.write(`${report}\n`);
  fs.mkdirSync(opts.out, { recursive: true });
  const file = join(opts.out, `bench-${result.date.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify(result, null, 2));
  fs.writeFileSync(join(opts.out, 'latest.json'), JSON.stringify(result, null, 2));
  log(`JSON: ${file}`);
  if (opts.docs) {
    writeBenchmarksDoc(join(ROOT, 'docs', 'BENCHMARKS.md'), result, report);
    log('docs/BENCHMARKS.md updated');
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
