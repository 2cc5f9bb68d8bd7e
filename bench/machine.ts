/**
 * The machine's limits, measured in the same run as the engines, on the
 * same disk: sequential write and read bandwidth with 1 MiB calls, and the
 * latency of an fdatasync after a small append.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

export interface MachineLimits {
  seqWriteMBs: number;
  seqReadMBs: number;
  /** True when the read ran with the file's pages evicted (dd iflag=nocache). */
  seqReadCold: boolean;
  fsyncP50Us: number;
  fsyncP99Us: number;
  /** Appends + fdatasync per second, one after another. */
  fsyncOpsPerSec: number;
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  ramGiB: number;
  disk: string;
  node: string;
  platform: string;
}

const MiB = 1024 * 1024;

export function machineInfo(dir: string): MachineInfo {
  const df = spawnSync('df', ['-hT', dir], { encoding: 'utf8' }).stdout.trim().split('\n').at(-1) ?? '';
  const [device, type, size] = df.split(/\s+/);
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    ramGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    disk: `${device} ${type} ${size}`,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

/** Drop a file's pages from the page cache (GNU dd iflag=nocache); false if that is not possible. */
export function evictFromCache(path: string): boolean {
  const r = spawnSync('dd', [`if=${path}`, 'iflag=nocache', 'count=0', 'status=none']);
  return r.status === 0;
}

export function evictDirectory(dir: string): boolean {
  let ok = true;
  for (const name of fs.readdirSync(dir)) {
    const p = join(dir, name);
    if (fs.statSync(p).isFile()) ok = evictFromCache(p) && ok;
  }
  return ok;
}

/**
 * Bytes of the directory's files in the page cache (util-linux `fincore`), or
 * undefined where fincore is missing. Pages an engine keeps mapped (lmdb's
 * mmap) stay resident through an eviction; this says how many did.
 */
export function residentBytes(dir: string): number | undefined {
  const files = fs.readdirSync(dir).map((name) => join(dir, name)).filter((p) => fs.statSync(p).isFile());
  if (files.length === 0) return 0;
  const r = spawnSync('fincore', ['--bytes', '--noheadings', '--raw', '--output', 'RES', ...files], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return r.stdout.split('\n').reduce((sum, line) => sum + (Number(line.trim()) || 0), 0);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * The durable-append ceiling: `count` times a 100-byte append to the file at
 * path followed by fdatasync, one after another. Returns the seconds taken;
 * each call's latency in µs goes to `latencies` when given.
 */
export function appendFdatasyncLoop(path: string, count: number, latencies?: number[]): number {
  const fd = fs.openSync(path, 'a');
  const small = randomBytes(100);
  const t0 = performance.now();
  try {
    for (let i = 0; i < count; i++) {
      const s = performance.now();
      fs.writeSync(fd, small);
      fs.fdatasyncSync(fd);
      latencies?.push((performance.now() - s) * 1000);
    }
  } finally {
    fs.closeSync(fd);
  }
  return (performance.now() - t0) / 1000;
}

/**
 * The same loop over preallocated space: `count` 100-byte writes, each
 * fdatasync'ed, over zeros written and synced beforehand (not timed), so that
 * no write grows the file. What kvscope's durable puts do (docs/FORMAT.md,
 * "Preallocated space"); the loop that appends is the target's yardstick.
 */
export function overwriteFdatasyncLoop(path: string, count: number): number {
  const fd = fs.openSync(path, 'w');
  const small = randomBytes(100);
  try {
    fs.writeSync(fd, Buffer.alloc(count * small.length));
    fs.fdatasyncSync(fd);
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      fs.writeSync(fd, small, 0, small.length, i * small.length);
      fs.fdatasyncSync(fd);
    }
    return (performance.now() - t0) / 1000;
  } finally {
    fs.closeSync(fd);
    fs.rmSync(path, { force: true });
  }
}

/** Write a new file of `mib` MiB in 1 MiB writeSync calls, then fsync it; its MiB/s. The file stays. */
function writeSequentially(path: string, mib: number, chunk: Buffer): number {
  const fd = fs.openSync(path, 'w');
  try {
    const t0 = performance.now();
    for (let i = 0; i < mib; i++) fs.writeSync(fd, chunk, 0, MiB, i * MiB);
    fs.fsyncSync(fd);
    return mib / ((performance.now() - t0) / 1000);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The sequential write bandwidth measured again, at a moment of the run's
 * choosing (a file of `mib` MiB beside a store, removed after): writes into
 * the page cache swing by up to 10x within minutes on these machines.
 */
export function sequentialWriteMiBs(path: string, mib: number): number {
  try {
    return writeSequentially(path, Math.max(1, Math.round(mib)), randomBytes(MiB));
  } finally {
    fs.rmSync(path, { force: true });
  }
}

export function measureMachine(dir: string, opts: { fileMiB: number; fsyncs: number; runs: number }): MachineLimits {
  const chunk = randomBytes(MiB);
  const path = join(dir, 'seq.bin');
  const writes: number[] = [];
  const reads: number[] = [];
  let cold = true;
  for (let r = 0; r < opts.runs; r++) {
    writes.push(writeSequentially(path, opts.fileMiB, chunk));

    cold = evictFromCache(path) && cold;
    const rfd = fs.openSync(path, 'r');
    const buf = Buffer.allocUnsafe(MiB);
    const t1 = performance.now();
    let pos = 0;
    for (;;) {
      const n = fs.readSync(rfd, buf, 0, MiB, pos);
      if (n === 0) break;
      pos += n;
    }
    reads.push(pos / MiB / ((performance.now() - t1) / 1000));
    fs.closeSync(rfd);
    fs.unlinkSync(path);
  }

  const logPath = join(dir, 'fsync.bin');
  const lat: number[] = [];
  const total = appendFdatasyncLoop(logPath, opts.fsyncs, lat);
  fs.unlinkSync(logPath);
  lat.sort((a, b) => a - b);
  return {
    seqWriteMBs: median(writes),
    seqReadMBs: median(reads),
    seqReadCold: cold,
    fsyncP50Us: lat[Math.floor(lat.length * 0.5)]!,
    fsyncP99Us: lat[Math.min(lat.length - 1, Math.floor(lat.length * 0.99))]!,
    fsyncOpsPerSec: opts.fsyncs / total,
  };
}
