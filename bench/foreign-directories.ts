/**
 * Other engines' data directories at scale, written byte for byte in each
 * engine's own layout (docs/FORMAT.md's sources, src/engine/formats/, and
 * ../shared/fixtures/README.md for what each program really writes), for
 * bench/foreign.ts.
 *
 * Every directory holds the same workload in two sessions of its engine:
 * first `n` keys (`user:` + 11 digits) with 100-byte values in shuffled
 * order, then every third key overwritten and every tenth deleted. Where the
 * engine rotates its files (Riak's casks are written here as two, the
 * 0.1-era mini-kvstore-v2 above 2 MiB, the 0.2 era at 1 MiB), the files are
 * cut as it cuts them; where it does not (mini-kvstore-v2 HEAD opens one
 * segment per program start and never rotates; the text logs are one file;
 * a 0.2-era compaction writes every live record into one segment-0.dat),
 * one file holds a whole session.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from '../src/engine/crc.js';
import { rng } from './rng.js';

export const FOREIGN_FORMATS = ['riak-bitcask', 'mini-kvstore-v2', 'mini-kvstore-v2-b22e80f', 'mini-kvstore-v2-c548bfb', 'tiny-log-kv', 'kvstore-rs', 'kvdb'] as const;
export type ForeignFormat = (typeof FOREIGN_FORMATS)[number];

export interface ForeignDirectory {
  /** What to point kvscope at. */
  dir: string;
  /** Files worth opening in the record table: the largest data file, and a hint where the engine has them. */
  showFiles: string[];
  records: number;
  liveKeys: number;
}

export const foreignKey = (i: number): Buffer => Buffer.from(`user:${String(i).padStart(11, '0')}`, 'latin1');

/** Appends bytes to a file through 4 MiB buffers; `written` counts them. */
class AppendFile {
  private readonly fd: number;
  private readonly buf = Buffer.alloc(4 << 20);
  private at = 0;
  written = 0;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  room(n: number): Buffer {
    if (this.at + n > this.buf.length) this.flush();
    if (n > this.buf.length) throw new Error(`a record of ${n} bytes does not fit the write buffer`);
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    this.written += n;
    return out;
  }
  private flush(): void {
    writeSync(this.fd, this.buf, 0, this.at);
    this.at = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** The two sessions' operations, in order. A value of null deletes. */
function* workload(n: number): Generator<{ session: 1 | 2; key: Buffer; value: Buffer | null }> {
  const random = rng(42);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  // Printable, one word: the text logs' programs split lines on spaces.
  const value = Buffer.alloc(100);
  const fill = () => {
    for (let b = 0; b < value.length; b++) value[b] = 0x61 + ((random() * 26) | 0);
    return value;
  };
  for (const i of order) yield { session: 1, key: foreignKey(i), value: fill() };
  for (let i = 0; i < n; i += 3) yield { session: 2, key: foreignKey(i), value: fill() };
  for (let i = 0; i < n; i += 10) yield { session: 2, key: foreignKey(i), value: null };
}

const counts = (n: number) => ({ records: n + Math.ceil(n / 3) + Math.ceil(n / 10), liveKeys: n - Math.ceil(n / 10) });

/** Files cut the way an engine rotates them: a new one once the current one holds `limit` bytes or more. */
class RotatingFiles {
  private file: AppendFile | null = null;
  private next: number;
  readonly names: string[] = [];
  constructor(
    private readonly folder: string,
    private readonly nameOf: (id: number) => string,
    firstId: number,
    private readonly limit: number,
  ) {
    this.next = firstId;
  }
  current(): AppendFile {
    if (!this.file || this.file.written >= this.limit) this.cut();
    return this.file!;
  }
  /** Ends the current file; the next record starts a new one. */
  cut(): void {
    this.file?.close();
    const name = this.nameOf(this.next++);
    this.names.push(name);
    this.file = new AppendFile(join(this.folder, name));
  }
  close(): void {
    this.file?.close();
    this.file = null;
  }
}

/** Riak Bitcask: crc:u32 · tstamp:u32 · key_sz:u16 · value_sz:u32 · key · value, big-endian; hint entries for file 1. */
function writeRiak(dir: string, n: number): string[] {
  const data1 = new AppendFile(join(dir, '1.bitcask.data'));
  const hint1 = new AppendFile(join(dir, '1.bitcask.hint'));
  const data2 = new AppendFile(join(dir, '2.bitcask.data'));
  const tombstone = Buffer.concat([Buffer.from('bitcask_tombstone2', 'latin1'), Buffer.from([0, 0, 0, 1])]);
  let hintCrc = 0;
  for (const op of workload(n)) {
    const file = op.session === 1 ? data1 : data2;
    const value = op.value ?? tombstone;
    const tstamp = 1_700_000_000 + (op.session === 1 ? 0 : op.value ? 100 : 200);
    const offset = file.written;
    const size = 14 + op.key.length + value.length;
    const r = file.room(size);
    r.writeUInt32BE(tstamp, 4);
    r.writeUInt16BE(op.key.length, 8);
    r.writeUInt32BE(value.length, 10);
    op.key.copy(r, 14);
    value.copy(r, 14 + op.key.length);
    r.writeUInt32BE(crc32(r.subarray(4)), 0);
    if (op.session !== 1) continue;
    // tstamp:u32 · key_sz:u16 · total_sz:u32 · tombstone:1 · offset:63 · key
    const e = hint1.room(18 + op.key.length);
    e.writeUInt32BE(tstamp, 0);
    e.writeUInt16BE(op.key.length, 4);
    e.writeUInt32BE(size, 6);
    e.writeUInt32BE(Math.floor(offset / 2 ** 32), 10);
    e.writeUInt32BE(offset >>> 0, 14);
    op.key.copy(e, 18);
    hintCrc = crc32(e, hintCrc);
  }
  const trailer = hint1.room(18);
  trailer.fill(0);
  trailer.writeUInt32BE(hintCrc, 6);
  trailer.writeUInt32BE(0x7fffffff, 10);
  trailer.writeUInt32BE(0xffffffff, 14);
  for (const f of [data1, hint1, data2]) f.close();
  return ['1.bitcask.data', '1.bitcask.hint'];
}

/** mini-kvstore-v2 HEAD: db/segment-<N>.dat, one per session. op:u8 · key_len:u32 LE · key [· val_len:u32 LE · value]. */
function writeMiniHead(dir: string, n: number): string[] {
  const folder = join(dir, 'db');
  mkdirSync(folder);
  const files = [new AppendFile(join(folder, 'segment-1.dat')), new AppendFile(join(folder, 'segment-2.dat'))];
  for (const op of workload(n)) {
    const file = files[op.session - 1]!;
    const r = file.room(5 + op.key.length + (op.value ? 4 + op.value.length : 0));
    r[0] = op.value ? 0 : 1;
    r.writeUInt32LE(op.key.length, 1);
    op.key.copy(r, 5);
    if (op.value) {
      r.writeUInt32LE(op.value.length, 5 + op.key.length);
      op.value.copy(r, 9 + op.key.length);
    }
  }
  for (const f of files) f.close();
  return ['segment-1.dat'];
}

/** mini-kvstore-v2 0.1 era: data/segments/segment_<n>.log from 0, rotating above 2 MiB, a new one per run. */
function writeMiniB22(dir: string, n: number): string[] {
  const folder = join(dir, 'data', 'segments');
  mkdirSync(folder, { recursive: true });
  const files = new RotatingFiles(folder, (id) => `segment_${id}.log`, 0, 2 << 20);
  let session = 1;
  for (const op of workload(n)) {
    if (op.session !== session) {
      files.cut();
      session = op.session;
    }
    const value = op.value ?? Buffer.alloc(0);
    const r = files.current().room(13 + op.key.length + value.length);
    r.writeUInt32LE(op.key.length, 0);
    r.writeUInt32LE(value.length, 4);
    r[8] = op.value ? 0 : 1;
    op.key.copy(r, 9);
    value.copy(r, 9 + op.key.length);
    r.writeUInt32LE(crc32(value, crc32(r.subarray(8, 9), crc32(op.key))), 9 + op.key.length + value.length);
  }
  files.close();
  return [files.names[0]!];
}

/**
 * mini-kvstore-v2 0.2 era: data/segment-<id>.dat. The first session as a
 * compaction leaves it (every record in segment-0.dat), the second rotating
 * at 1 MiB from segment-1.dat. key_len:u64 LE · val_len:u64 LE · key · value.
 */
function writeMiniC548(dir: string, n: number): string[] {
  const folder = join(dir, 'data');
  mkdirSync(folder);
  const compacted = new AppendFile(join(folder, 'segment-0.dat'));
  const later = new RotatingFiles(folder, (id) => `segment-${id}.dat`, 1, 1 << 20);
  for (const op of workload(n)) {
    const file = op.session === 1 ? compacted : later.current();
    const r = file.room(16 + op.key.length + (op.value?.length ?? 0));
    r.writeBigUInt64LE(BigInt(op.key.length), 0);
    r.writeBigUInt64LE(op.value ? BigInt(op.value.length) : 0xffffffffffffffffn, 8);
    op.key.copy(r, 16);
    op.value?.copy(r, 16 + op.key.length);
  }
  compacted.close();
  later.close();
  return ['segment-0.dat'];
}

/** A one-file text log, a line per operation. */
function writeTextLog(path: string, n: number, line: (key: string, value: string | null) => string): void {
  const file = new AppendFile(path);
  for (const op of workload(n)) {
    const text = line(op.key.toString('latin1'), op.value?.toString('latin1') ?? null);
    file.room(text.length).write(text, 'latin1');
  }
  file.close();
}

/** Writes `format`'s directory of `n` keys into `dir` (which must exist and be empty). */
export function writeForeignDirectory(format: ForeignFormat, dir: string, n: number): ForeignDirectory {
  const done = (showFiles: string[]): ForeignDirectory => ({ dir, showFiles, ...counts(n) });
  switch (format) {
    case 'riak-bitcask':
      return done(writeRiak(dir, n));
    case 'mini-kvstore-v2':
      return done(writeMiniHead(dir, n));
    case 'mini-kvstore-v2-b22e80f':
      return done(writeMiniB22(dir, n));
    case 'mini-kvstore-v2-c548bfb':
      return done(writeMiniC548(dir, n));
    case 'tiny-log-kv':
      writeTextLog(join(dir, 'store.log'), n, (k, v) => (v === null ? `DEL ${k}\n` : `SET ${k} ${v}\n`));
      return done(['store.log']);
    case 'kvstore-rs':
      writeTextLog(join(dir, 'default.json'), n, (k, v) => `${k}\t${v ?? '__DELETED__'}\n`);
      return done(['default.json']);
    case 'kvdb':
      mkdirSync(join(dir, 'logs'));
      writeTextLog(join(dir, 'logs', 'wal.log'), n, (k, v) => (v === null ? `DEL ${k}\n` : `SET ${k} ${v}\n`));
      return done(['logs/wal.log']);
  }
}
