/**
 * Crash-state exploration in the manner of ALICE (Pillai et al., OSDI 2014):
 * a workload runs through the real Store over a real temporary directory,
 * with a RecordingFs that logs every call that changes the file system; from
 * that log, the directories a power loss after any call could leave are
 * built (materialized into fresh directories), opened, and checked against
 * what the workload was told was durable.
 *
 * THE MODEL of what survives a power loss at crash point k (after the first
 * k logged calls; k = 0 … n):
 *
 *  - File contents. Each file (inode) has a durable content: its content
 *    when the workload started (a workload starts from a synced directory),
 *    with every write and ftruncate applied that was logged before the start
 *    of the last fdatasync of that file to complete before k (a synchronous
 *    fdatasync starts and completes at its own call; one on the thread pool,
 *    group commit's, completes when its promise settles: writes logged while
 *    it ran are not covered). On top of it, ANY PREFIX of the file's later
 *    writes and ftruncates, in the order they were made; optionally the
 *    first write left out is TORN: a prefix of its bytes, cut at a 512-byte
 *    sector boundary when it spans one, else at a byte picked by the seeded
 *    RNG. An fdatasync makes the file's size durable along with its bytes.
 *    Writes to one file are never reordered among themselves, and files are
 *    independent of each other.
 *  - Directory entries. A create (open with 'w'/'wx+' of a new name), mkdir,
 *    rename, link or unlink persists for sure only if an fsync of the
 *    directory it changes followed it before k. Otherwise EITHER OUTCOME,
 *    chosen per call independently; the chosen calls are applied in their
 *    order, and one whose source name is not there (a rename of a create
 *    that did not persist) does nothing. fdatasync of a file does not make
 *    its name durable (POSIX; ext4 happens to, this model does not count on
 *    it). A directory whose own entry did not persist takes its files with
 *    it.
 *  - Nothing else: no process survives. The writer's LOCK (and LOCK.<pid>.new)
 *    name this test process, which is alive; the materializer rewrites that
 *    pid to one that is not running, as a reboot leaves it.
 *
 * Stricter than ext4's data=ordered default (which also orders a file's
 * size with its data and commits directory operations in order), weaker
 * than a disk that reorders a file's writes among themselves (not modelled:
 * see docs/RELIABILITY.md).
 *
 * The states of one crash point are the product of each file's prefix
 * choices and each pending directory call's two outcomes. Where that product
 * is at most `enumerateUpTo`, every combination is built; otherwise two
 * extremes (nothing pending persists; everything does, which is what SIGKILL
 * leaves) plus `samples` combinations drawn with the seeded RNG. Identical
 * directories are opened once (by a hash of names and contents) and checked
 * against every crash point that produced them.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { realFs, type EngineFs } from '../../src/engine/fs.js';
import { Store, type StoreOptions } from '../../src/engine/store.js';
import { StoreError } from '../../src/engine/errors.js';
import { verifyNativeDirectory } from '../../src/engine/verify.js';
import type { FsyncPolicy } from '../../src/engine/types.js';
import { rng } from './rng.js';
import { snapshot } from './snapshot.js';
import { PassThroughFs } from '../engine/pass-through-fs.js';

// ------------------------------------------------------------------ recording

export type FsOp =
  | { t: 'create'; path: string; ino: number }
  | { t: 'mkdir'; path: string; ino: number }
  | { t: 'rename'; from: string; to: string }
  | { t: 'link'; from: string; to: string }
  | { t: 'unlink'; path: string }
  /** fsync of a directory (path relative to the root, '' for the root). */
  | { t: 'dirsync'; path: string }
  | { t: 'write'; ino: number; offset: number; bytes: Buffer }
  | { t: 'truncate'; ino: number; length: number }
  /** An fdatasync on the thread pool started; no effect of its own. */
  | { t: 'sync-start'; ino: number }
  /** An fdatasync completed: every write and truncate of ino logged before op #from is durable. */
  | { t: 'sync'; ino: number; from: number };

const DIR_OPS = new Set(['create', 'mkdir', 'rename', 'link', 'unlink']);

/**
 * An EngineFs over the real one, confined to `root`: every call that
 * changes something under root is logged in order (after it succeeded),
 * with the bytes of every write. Paths are kept relative to root.
 */
export class RecordingFs extends PassThroughFs {
  readonly ops: FsOp[] = [];
  /** What root held when recording started, all of it counted durable. */
  readonly baseNames = new Map<string, number>();
  readonly baseContent = new Map<number, Buffer | 'dir'>();
  private readonly names = new Map<string, number>();
  private readonly fds = new Map<number, number>();
  private nextIno = 1;

  constructor(readonly root: string) {
    super();
    const walk = (rel: string): void => {
      for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
        const r = rel === '' ? e.name : `${rel}/${e.name}`;
        const ino = this.nextIno++;
        this.baseNames.set(r, ino);
        this.names.set(r, ino);
        if (e.isDirectory()) {
          this.baseContent.set(ino, 'dir');
          walk(r);
        } else this.baseContent.set(ino, fs.readFileSync(path.join(root, r)));
      }
    };
    walk('');
  }

  /** Path relative to root, or undefined outside it (not recorded). */
  private rel(p: string): string | undefined {
    const r = path.relative(this.root, path.resolve(p));
    if (r.startsWith('..') || path.isAbsolute(r)) return undefined;
    return r.split(path.sep).join('/');
  }

  private inoOf(fd: number): number | undefined {
    return this.fds.get(fd);
  }

  override openSync(p: string, flags: string, mode?: number): number {
    const r = this.rel(p);
    const existed = r !== undefined && this.names.has(r);
    const fd = super.openSync(p, flags, mode);
    if (r === undefined) return fd;
    if (flags.startsWith('w')) {
      if (!existed) {
        const ino = this.nextIno++;
        this.names.set(r, ino);
        this.ops.push({ t: 'create', path: r, ino });
      } else this.ops.push({ t: 'truncate', ino: this.names.get(r)!, length: 0 });
    }
    const ino = this.names.get(r);
    if (ino !== undefined) this.fds.set(fd, ino);
    return fd;
  }
  override closeSync(fd: number): void {
    this.fds.delete(fd);
    super.closeSync(fd);
  }
  override writeSync(fd: number, b: Uint8Array, o: number, l: number, pos: number): number {
    const n = super.writeSync(fd, b, o, l, pos);
    const ino = this.inoOf(fd);
    if (ino !== undefined && n > 0) this.ops.push({ t: 'write', ino, offset: pos, bytes: Buffer.from(b.subarray(o, o + n)) });
    return n;
  }
  override fdatasyncSync(fd: number): void {
    super.fdatasyncSync(fd);
    const ino = this.inoOf(fd);
    if (ino !== undefined) this.ops.push({ t: 'sync', ino, from: this.ops.length });
  }
  override async fdatasync(fd: number): Promise<void> {
    const ino = this.inoOf(fd);
    const from = this.ops.length;
    if (ino !== undefined) this.ops.push({ t: 'sync-start', ino });
    await super.fdatasync(fd);
    if (ino !== undefined) this.ops.push({ t: 'sync', ino, from });
  }
  override ftruncateSync(fd: number, len: number): void {
    super.ftruncateSync(fd, len);
    const ino = this.inoOf(fd);
    if (ino !== undefined) this.ops.push({ t: 'truncate', ino, length: len });
  }
  override renameSync(a: string, b: string): void {
    super.renameSync(a, b);
    const from = this.rel(a);
    const to = this.rel(b);
    if (from === undefined || to === undefined) return;
    const ino = this.names.get(from);
    this.names.delete(from);
    if (ino !== undefined) this.names.set(to, ino);
    this.ops.push({ t: 'rename', from, to });
  }
  override linkSync(a: string, b: string): void {
    super.linkSync(a, b);
    const from = this.rel(a);
    const to = this.rel(b);
    if (from === undefined || to === undefined) return;
    const ino = this.names.get(from);
    if (ino !== undefined) this.names.set(to, ino);
    this.ops.push({ t: 'link', from, to });
  }
  override unlinkSync(p: string): void {
    super.unlinkSync(p);
    const r = this.rel(p);
    if (r === undefined) return;
    this.names.delete(r);
    this.ops.push({ t: 'unlink', path: r });
  }
  override mkdirSync(p: string): void {
    super.mkdirSync(p);
    const r = this.rel(p);
    if (r === undefined) return;
    const ino = this.nextIno++;
    this.names.set(r, ino);
    this.ops.push({ t: 'mkdir', path: r, ino });
  }
  override fsyncDirSync(p: string): void {
    super.fsyncDirSync(p);
    const r = this.rel(p);
    if (r !== undefined) this.ops.push({ t: 'dirsync', path: r });
  }
}

// ------------------------------------------------------------------ crash states

const parentOf = (rel: string): string => (rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '');

/** The directories a directory call changes (both sides of a rename or link). */
function dirsChanged(op: FsOp): string[] {
  if (op.t === 'rename' || op.t === 'link') return [...new Set([parentOf(op.from), parentOf(op.to)])];
  if (op.t === 'create' || op.t === 'mkdir' || op.t === 'unlink') return [parentOf(op.path)];
  return [];
}

/** One choice to make at a crash point. */
type Dim =
  /** A file's pending writes and truncates (op indexes, in order): options 0..m are prefixes; m+1.. a prefix plus the next write torn. */
  | { kind: 'content'; ino: number; pending: number[]; tearable: number[] }
  /** A directory call not yet made durable: 0 lost, 1 persisted. */
  | { kind: 'dir'; op: number };

const optionsOf = (d: Dim): number => (d.kind === 'dir' ? 2 : d.pending.length + 1 + d.tearable.length);

export interface CrashPoint {
  /** The state after the first k calls of the log. */
  k: number;
  durableContent: Map<number, number[]>;
  durableDirOps: Set<number>;
  dims: Dim[];
}

export function crashPoint(ops: readonly FsOp[], k: number): CrashPoint {
  const syncedFrom = new Map<number, number>();
  for (let i = 0; i < k; i++) {
    const op = ops[i]!;
    if (op.t === 'sync') syncedFrom.set(op.ino, Math.max(syncedFrom.get(op.ino) ?? 0, op.from));
  }
  const durableContent = new Map<number, number[]>();
  const pending = new Map<number, number[]>();
  const durableDirOps = new Set<number>();
  const dims: Dim[] = [];
  for (let i = 0; i < k; i++) {
    const op = ops[i]!;
    if (op.t === 'write' || op.t === 'truncate') {
      const into = i < (syncedFrom.get(op.ino) ?? 0) ? durableContent : pending;
      if (!into.has(op.ino)) into.set(op.ino, []);
      into.get(op.ino)!.push(i);
    } else if (DIR_OPS.has(op.t)) {
      const dirs = dirsChanged(op);
      const synced = dirs.every((d) => ops.slice(i + 1, k).some((o) => o.t === 'dirsync' && o.path === d));
      if (synced) durableDirOps.add(i);
      else dims.push({ kind: 'dir', op: i });
    }
  }
  for (const [ino, list] of pending) {
    const tearable = list.filter((i) => {
      const op = ops[i]!;
      return op.t === 'write' && op.bytes.length > 1;
    });
    dims.push({ kind: 'content', ino, pending: list, tearable });
  }
  return { k, durableContent, durableDirOps, dims };
}

/** How many states a crash point has under the model (may be huge). */
export function stateCount(p: CrashPoint): number {
  return p.dims.reduce((n, d) => n * optionsOf(d), 1);
}

/** Where a torn write is cut: the last sector boundary inside it, else a byte picked from `seed` and the op. */
function tearAt(op: { bytes: Buffer; offset: number }, index: number, seed: number): number {
  const len = op.bytes.length;
  const firstBoundary = Math.ceil((op.offset + 1) / 512) * 512 - op.offset;
  if (firstBoundary < len) {
    const last = Math.floor((op.offset + len - 1) / 512) * 512 - op.offset;
    return last;
  }
  return 1 + Math.floor(rng(seed ^ Math.imul(index + 1, 0x9e3779b1))() * (len - 1));
}

/** A directory a crash could leave: relative path → file content (Buffer) or 'dir'. */
export type CrashState = Map<string, Buffer | 'dir'>;

/**
 * The stricter-disk variant (`reorder`, sampled only): for a file, the bytes of a longer prefix `q` of its
 * pending writes at its size, each 512-byte sector of them that differs from the chosen state taken from one
 * or the other at random (a sector not written back reads as before, or as zeros past the old end).
 */
export interface Scramble {
  ino: number;
  q: number;
  random: () => number;
}

export function buildState(rfs: RecordingFs, p: CrashPoint, choice: readonly number[], seed: number, scrambles: readonly Scramble[] = []): CrashState {
  const ops = rfs.ops;
  const chosenDir = new Set<number>(p.durableDirOps);
  const contentOps = new Map<number, Array<{ index: number; tornTo?: number }>>();
  const longer = new Map<number, { ops: Array<{ index: number }>; random: () => number }>();
  for (const sc of scrambles) {
    const d = p.dims.find((x) => x.kind === 'content' && x.ino === sc.ino) as Extract<Dim, { kind: 'content' }>;
    longer.set(sc.ino, { ops: [...(p.durableContent.get(sc.ino) ?? []), ...d.pending.slice(0, sc.q)].map((index) => ({ index })), random: sc.random });
  }
  for (const [ino, list] of p.durableContent) contentOps.set(ino, list.map((index) => ({ index })));
  p.dims.forEach((d, i) => {
    const c = choice[i]!;
    if (d.kind === 'dir') {
      if (c === 1) chosenDir.add(d.op);
      return;
    }
    const list = contentOps.get(d.ino) ?? [];
    const m = d.pending.length;
    const prefix = c <= m ? c : d.pending.indexOf(d.tearable[c - m - 1]!);
    for (let j = 0; j < prefix; j++) list.push({ index: d.pending[j]! });
    if (c > m) {
      const index = d.pending[prefix]!;
      list.push({ index, tornTo: tearAt(ops[index] as { bytes: Buffer; offset: number }, index, seed) });
    }
    contentOps.set(d.ino, list);
  });
  const names = new Map(rfs.baseNames);
  const dirInos = new Set<number>([...rfs.baseContent].filter(([, c]) => c === 'dir').map(([ino]) => ino));
  for (let i = 0; i < p.k; i++) {
    if (!chosenDir.has(i)) continue;
    const op = ops[i]!;
    if (op.t === 'create' || op.t === 'mkdir') {
      names.set(op.path, op.ino);
      if (op.t === 'mkdir') dirInos.add(op.ino);
    } else if (op.t === 'rename') {
      const ino = names.get(op.from);
      if (ino === undefined) continue;
      names.delete(op.from);
      names.set(op.to, ino);
    } else if (op.t === 'link') {
      const ino = names.get(op.from);
      if (ino !== undefined) names.set(op.to, ino);
    } else if (op.t === 'unlink') names.delete(op.path);
  }
  const contentOf = (ino: number): Buffer => {
    const chosen = apply(ino, contentOps.get(ino) ?? []);
    const l = longer.get(ino);
    if (!l) return chosen;
    const target = apply(ino, l.ops);
    const out = Buffer.alloc(target.length);
    chosen.copy(out, 0, 0, Math.min(chosen.length, target.length));
    for (let at = 0; at < target.length; at += 512) {
      const end = Math.min(target.length, at + 512);
      if (!out.subarray(at, end).equals(target.subarray(at, end)) && l.random() < 0.5) target.copy(out, at, at, end);
    }
    return out;
  };
  const apply = (ino: number, list: ReadonlyArray<{ index: number; tornTo?: number }>): Buffer => {
    const base = rfs.baseContent.get(ino);
    let buf = Buffer.from(base instanceof Buffer ? base : Buffer.alloc(0));
    for (const { index, tornTo } of list) {
      const op = ops[index]!;
      if (op.t === 'truncate') {
        buf = op.length <= buf.length ? buf.subarray(0, op.length) : Buffer.concat([buf, Buffer.alloc(op.length - buf.length)]);
      } else if (op.t === 'write') {
        const bytes = tornTo === undefined ? op.bytes : op.bytes.subarray(0, tornTo);
        const end = op.offset + bytes.length;
        if (end > buf.length) buf = Buffer.concat([buf, Buffer.alloc(end - buf.length)]);
        else buf = Buffer.from(buf);
        bytes.copy(buf, op.offset);
      }
    }
    return buf;
  };
  const state: CrashState = new Map();
  const present = (rel: string): boolean => {
    for (let d = parentOf(rel); d !== ''; d = parentOf(d)) {
      const ino = names.get(d);
      if (ino === undefined || !dirInos.has(ino)) return false;
    }
    return true;
  };
  for (const [rel, ino] of [...names].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!present(rel)) continue;
    state.set(rel, dirInos.has(ino) ? 'dir' : contentOf(ino));
  }
  return state;
}

export function stateHash(state: CrashState): string {
  const h = createHash('sha256');
  for (const [rel, c] of state) {
    h.update(rel);
    h.update('\0');
    h.update(c === 'dir' ? 'dir' : createHash('sha256').update(c).digest('hex'));
    h.update('\0');
  }
  return h.digest('hex');
}

/** The choices to try at one crash point: every one, or the two extremes and `samples` drawn from `random`. */
export function choicesFor(p: CrashPoint, enumerateUpTo: number, samples: number, random: () => number): number[][] {
  const radix = p.dims.map(optionsOf);
  const total = stateCount(p);
  if (total <= enumerateUpTo) {
    const out: number[][] = [];
    for (let n = 0; n < total; n++) {
      let rest = n;
      out.push(radix.map((r) => {
        const c = rest % r;
        rest = Math.floor(rest / r);
        return c;
      }));
    }
    return out;
  }
  const none = p.dims.map(() => 0);
  const all = p.dims.map((d) => (d.kind === 'dir' ? 1 : d.pending.length));
  const out = [none, all];
  for (let s = 0; s < samples; s++) out.push(radix.map((r) => Math.floor(random() * r)));
  return out;
}

let deadPidCache: number | undefined;
/** A pid that is not running: a child that has exited. */
function deadPid(): number {
  if (deadPidCache === undefined) deadPidCache = spawnSync('true').pid!;
  return deadPidCache;
}

/** Write the state under `dir` (which must not exist), with this process's pid in lock files replaced by a dead one. */
export function materialize(state: CrashState, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const mine = String(process.pid);
  const dead = String(deadPid());
  for (const [rel, c] of state) {
    const name = rel.replace(new RegExp(`(^|/)LOCK\\.${mine}\\.new$`), `$1LOCK.${dead}.new`);
    const target = path.join(dir, name);
    if (c === 'dir') fs.mkdirSync(target, { recursive: true });
    else {
      const base = path.basename(rel);
      const lockish = base === 'LOCK' || base === 'LOCK.takeover' || base.startsWith('LOCK.');
      const text = c.toString('latin1');
      fs.writeFileSync(target, lockish && text.startsWith(`${mine} `) ? Buffer.from(`${dead} ${text.slice(mine.length + 1)}`, 'latin1') : c);
    }
  }
}

// ------------------------------------------------------------------ workloads

/** One logical operation a workload issued, in issue (= sequence) order. */
export interface IssuedOp {
  what: string;
  /** key → value, or null for a delete. */
  effects: Array<[string, string | null]>;
  /** Log length when it was issued: none of its bytes is in the log before this. */
  issuedAt: number;
  /** Log length when its promise resolved, if it did. */
  ackedAt?: number;
}

export class History {
  readonly ops: IssuedOp[] = [];
  constructor(
    readonly rfs: RecordingFs,
    /** Whether an acknowledgement means durable (fsync 'always' or 'batch'). */
    readonly durableAcks: boolean,
  ) {}

  private async track<T>(what: string, effects: Array<[string, string | null]>, run: () => Promise<T>): Promise<T> {
    const op: IssuedOp = { what, effects, issuedAt: this.rfs.ops.length };
    this.ops.push(op);
    const out = await run();
    op.ackedAt = this.rfs.ops.length;
    return out;
  }
  put(store: Store, k: string, v: string): Promise<void> {
    return this.track(`put ${k}=${v}`, [[k, v]], () => store.put(k, v));
  }
  del(store: Store, k: string): Promise<boolean> {
    return this.track(`delete ${k}`, [[k, null]], () => store.delete(k));
  }
  batch(store: Store, ops: Array<[string, string | null]>): Promise<void> {
    return this.track(
      `batch ${ops.map(([k, v]) => (v === null ? `-${k}` : `${k}=${v}`)).join(' ')}`,
      ops,
      () => store.batch(ops.map(([key, value]) => (value === null ? { type: 'delete' as const, key } : { type: 'put' as const, key, value }))),
    );
  }
}

export interface Workload {
  name: string;
  policy: FsyncPolicy;
  segmentSize?: number;
  /** The store directory under the root; default 's'. */
  storeRel?: string;
  /** Run with the real fs before recording, in the store directory (missing until then); returns the data it left. */
  setup?: (storeDir: string) => Promise<Map<string, string>>;
  run: (open: (extra?: StoreOptions) => Promise<Store>, h: History) => Promise<void>;
}

export interface Recorded {
  workload: Workload;
  rfs: RecordingFs;
  history: History;
  /** Data the setup left (durable before recording began). */
  initial: Map<string, string>;
  /** Store directory, relative to the root. */
  storeRel: string;
}

export async function record(w: Workload, root: string, makeFs: (root: string) => RecordingFs = (r) => new RecordingFs(r)): Promise<Recorded> {
  const storeRel = w.storeRel ?? 's';
  const storeDir = path.join(root, storeRel);
  const initial = w.setup ? await w.setup(storeDir) : new Map<string, string>();
  const rfs = makeFs(root);
  const history = new History(rfs, w.policy !== 'never');
  const open = (extra: StoreOptions = {}): Promise<Store> =>
    Store.open(storeDir, { create: true, fsync: w.policy, cacheWorker: false, ...(w.segmentSize ? { segmentSize: w.segmentSize } : {}), ...extra, fs: rfs });
  await w.run(open, history);
  return { workload: w, rfs, history, initial, storeRel };
}

// ------------------------------------------------------------------ checking

type Data = Map<string, string>;

/** What one open of a crash state answered. */
export type Answer = { ok: true; data: Data; problems: string[]; notes: string[] } | { ok: false; storeError: boolean; message: string };

/**
 * The fs the checks open crash states with: the real one without its fsyncs. A scratch copy needs no
 * durability, and the recovery logic is the same; the runs take a third of the time.
 */
const checkFs: EngineFs = { ...realFs, fdatasyncSync: () => undefined, fdatasync: async () => undefined, fsyncDirSync: () => undefined };

const openOpts = { cacheWorker: false, cacheBytes: 0, fs: checkFs } as const;

function dataOf(rows: Array<{ key: Buffer; value: Buffer }>): Data {
  return new Map(rows.map((r) => [r.key.toString('latin1'), r.value.toString('latin1')]));
}

function failed(err: unknown): Answer {
  return { ok: false, storeError: err instanceof StoreError, message: err instanceof StoreError ? `${err.code}: ${err.message}` : String((err as Error)?.stack ?? err) };
}

async function answer(dir: string, readOnly: boolean, verify: boolean): Promise<Answer> {
  let store: Store;
  try {
    store = await Store.open(dir, { ...openOpts, readOnly });
  } catch (err) {
    return failed(err);
  }
  try {
    const data = dataOf(await store.scan());
    const problems = verify ? (await store.verify()).problems.map((p) => `${p.kind} ${p.file}@${p.offset}: ${p.message}`) : [];
    const r = store.recovery;
    const notes = [
      ...r.tornTails.map((t) => `torn tail cut: ${t.file}@${t.offset}`),
      ...(r.compactionRecovered ? ['interrupted compaction finished'] : []),
      ...(r.staleLockTakenOver !== undefined ? ['stale lock taken over'] : []),
    ];
    await store.close();
    return { ok: true, data, problems, notes };
  } catch (err) {
    try {
      await store.close();
    } catch {
      /* the failure above is the one to report */
    }
    return failed(err);
  }
}

/** Everything learnt from one crash state, independent of the crash point. */
export interface StateResult {
  /** Read-only open of the state as the crash left it. */
  readOnly: Answer;
  /** verify of the state as the crash left it (read-only): its error, if it threw something other than a StoreError. */
  rawVerifyCrash?: string;
  /** Whether the read-only open and verify changed a byte. */
  readOnlyChanged: boolean;
  /** The first writing open (recovery), with verify after it. */
  recovered: Answer;
  /** A second writing open after the first closed. */
  again: Answer;
}

export async function examine(state: CrashState, scratch: string, storeRel: string): Promise<StateResult> {
  materialize(state, scratch);
  const dir = path.join(scratch, storeRel);
  const before = snapshot(scratch);
  const readOnly = await answer(dir, true, false);
  let rawVerifyCrash: string | undefined;
  if (fs.existsSync(dir)) {
    try {
      await verifyNativeDirectory(dir);
    } catch (err) {
      if (!(err instanceof StoreError)) rawVerifyCrash = String((err as Error)?.stack ?? err);
    }
  }
  const readOnlyChanged = JSON.stringify(snapshot(scratch)) !== JSON.stringify(before);
  const recovered = await answer(dir, false, true);
  const again = await answer(dir, false, false);
  fs.rmSync(scratch, { recursive: true, force: true });
  return { readOnly, ...(rawVerifyCrash ? { rawVerifyCrash } : {}), readOnlyChanged, recovered, again };
}

const sameData = (a: Data, b: Data): boolean => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
const show = (v: string | undefined | null): string => (v === undefined || v === null ? '(absent)' : JSON.stringify(v.length > 24 ? `${v.slice(0, 24)}…` : v));

/**
 * The invariants for one crash point: returns what is wrong (empty when all
 * hold). The recovered data must equal S(P), the state after the first P
 * issued operations, for some P from (the last operation acknowledged
 * durable before k) + 1 to (the operations issued before k): that is, every
 * acknowledged write and delete is there, no value that was never written
 * appears, a batch is all or nothing, and a compaction changed nothing.
 */
export function checkPoint(rec: Recorded, k: number, r: StateResult, ordered = true): string[] {
  const issues: string[] = [];
  const ops = rec.history.ops;
  let lo = 0;
  if (rec.history.durableAcks) ops.forEach((op, i) => {
    if (op.ackedAt !== undefined && op.ackedAt <= k) lo = i + 1;
  });
  const hi = ops.filter((op) => op.issuedAt < k).length;
  const states: Data[] = [];
  const s = new Map(rec.initial);
  for (let p = 0; p <= hi; p++) {
    if (p > 0) for (const [key, v] of ops[p - 1]!.effects) v === null ? s.delete(key) : s.set(key, v);
    if (p >= lo) states.push(new Map(s));
  }
  const nothingDurable = lo === 0 && rec.initial.size === 0;
  const judge = (label: string, a: Answer): Data | undefined => {
    if (!a.ok) {
      if (!a.storeError) issues.push(`${label}: unexpected exception ${a.message}`);
      else if (!nothingDurable) issues.push(`${label}: refused although ${lo} operation(s) were acknowledged durable: ${a.message}`);
      return undefined;
    }
    if (ordered) {
      if (!states.some((st) => sameData(st, a.data))) issues.push(`${label}: ${explain(a.data, states, ops, lo, hi, rec.initial)}`);
    } else issues.push(...perKey(a.data, states[0]!, ops, lo, hi).map((i) => `${label}: ${i}`));
    return a.data;
  };
  const recovered = judge('recovery', r.recovered);
  const again = judge('second open', r.again);
  const readOnly = judge('read-only open', r.readOnly);
  if (r.recovered.ok && r.recovered.problems.length > 0) issues.push(`verify after recovery: ${r.recovered.problems.join('; ')}`);
  if (recovered && again && !sameData(recovered, again)) issues.push('the second open differs from the first (recovery is not idempotent)');
  if (recovered && readOnly && !sameData(recovered, readOnly)) issues.push('the read-only open of the crash state differs from the recovered store');
  if (r.recovered.ok !== r.again.ok) issues.push(`first open ${r.recovered.ok ? 'worked' : 'failed'}, second ${r.again.ok ? 'worked' : 'failed'}`);
  if (r.readOnlyChanged) issues.push('a read-only open or verify changed the directory');
  if (r.rawVerifyCrash) issues.push(`verify of the crash state threw ${r.rawVerifyCrash}`);
  return issues;
}

/**
 * The check without the order of unacknowledged writes (for the stricter-disk variant, where a later
 * write's sectors may reach the disk before an earlier one's): each key holds what the acknowledged
 * operations left it, or the value of an operation on it issued after them; and a batch issued after them
 * whose keys no other such operation touches is there whole or not at all.
 */
function perKey(d: Data, acked: Data, ops: IssuedOp[], lo: number, hi: number): string[] {
  const out: string[] = [];
  const later = ops.slice(lo, hi);
  for (const k of new Set([...acked.keys(), ...d.keys()])) {
    const allowed = new Set<string | undefined>([acked.get(k)]);
    for (const op of later) for (const [key, v] of op.effects) if (key === k) allowed.add(v ?? undefined);
    if (!allowed.has(d.get(k))) out.push(`${k} is ${show(d.get(k))}: neither what the acknowledged operations left (${show(acked.get(k))}) nor a later write`);
  }
  for (const op of later) {
    if (op.effects.length < 2) continue;
    if (op.effects.some(([k]) => later.some((o) => o !== op && o.effects.some(([key]) => key === k)))) continue;
    const applied = op.effects.map(([k, v]) => d.get(k) === (v ?? undefined));
    const unchanged = op.effects.map(([k]) => d.get(k) === acked.get(k));
    if (applied.some((a, i) => a && !unchanged[i]) && unchanged.some((u, i) => u && !applied[i])) out.push(`half of ${op.what}`);
  }
  return out;
}

function explain(d: Data, states: Data[], ops: IssuedOp[], lo: number, hi: number, initial: Data): string {
  const written = new Map<string, Set<string>>();
  for (const [k, v] of initial) written.set(k, new Set([v]));
  for (const op of ops.slice(0, hi)) for (const [k, v] of op.effects) if (v !== null) (written.get(k) ?? written.set(k, new Set()).get(k)!).add(v);
  const out: string[] = [];
  for (const [k, v] of d) if (!written.get(k)?.has(v)) out.push(`${k} holds ${show(v)}, never written`);
  const need = states[0];
  if (need) {
    // Keys no later operation (up to hi) touches must hold what the acknowledged prefix left.
    const touchedLater = new Set(ops.slice(lo, hi).flatMap((op) => op.effects.map(([k]) => k)));
    for (const k of new Set([...need.keys(), ...d.keys()])) {
      if (touchedLater.has(k)) continue;
      if (need.get(k) !== d.get(k)) out.push(`${k} is ${show(d.get(k))}, acknowledged ${show(need.get(k))}`);
    }
  }
  for (const op of ops.slice(lo, hi)) {
    if (op.effects.length < 2) continue;
    const seen = op.effects.map(([k, v]) => (v === null ? !d.has(k) : d.get(k) === v));
    if (seen.some(Boolean) && !seen.every(Boolean)) out.push(`maybe half of ${op.what}`);
  }
  return `matches no state after ${lo}..${hi} operations${out.length ? ': ' + out.join('; ') : ''} (has ${[...d].map(([k, v]) => `${k}=${show(v)}`).join(' ')})`;
}

// ------------------------------------------------------------------ exploring

export interface ExploreOptions {
  /** Where scratch directories go. */
  scratch: string;
  seed: number;
  /** Enumerate every state of a crash point with at most this many. */
  enumerateUpTo: number;
  /** Otherwise: the two extremes and this many drawn at random. */
  samples: number;
  /**
   * Also this many states per crash point under the stricter-disk variant (Scramble: a file's pending
   * writes reach the disk sector by sector in any order). Sampled only; default 0.
   */
  reorderSamples?: number;
  /** Stop at this many failures (default 20). */
  maxFailures?: number;
}

export interface Failure {
  workload: string;
  k: number;
  /** The log around the crash point, for a reader. */
  lastOps: string[];
  state: string[];
  issues: string[];
}

export interface ExploreSummary {
  workload: string;
  loggedCalls: number;
  crashPoints: number;
  /** States generated (with repeats across and within crash points). */
  statesGenerated: number;
  /** Distinct directories opened. */
  distinctStates: number;
  /** Crash points whose every state was enumerated. */
  enumeratedPoints: number;
  acknowledged: number;
  failures: Failure[];
  /** Distinct states by what their recovery reported (or, for the stricter-disk variant, verify after it). */
  notes: Record<string, number>;
}

export function describeOp(op: FsOp): string {
  switch (op.t) {
    case 'write':
      return `write #${op.ino} ${op.bytes.length}@${op.offset}`;
    case 'truncate':
      return `ftruncate #${op.ino} ${op.length}`;
    case 'sync':
      return `fdatasync #${op.ino} (writes before op ${op.from})`;
    case 'sync-start':
      return `fdatasync #${op.ino} started`;
    case 'create':
    case 'mkdir':
      return `${op.t} ${op.path} (#${op.ino})`;
    case 'rename':
    case 'link':
      return `${op.t} ${op.from} -> ${op.to}`;
    case 'unlink':
      return `unlink ${op.path}`;
    case 'dirsync':
      return `fsync dir '${op.path}'`;
  }
}

function describeState(state: CrashState): string[] {
  return [...state].map(([rel, c]) => (c === 'dir' ? `${rel}/` : `${rel} ${c.length} bytes`));
}

export async function explore(rec: Recorded, o: ExploreOptions): Promise<ExploreSummary> {
  const random = rng(o.seed);
  const n = rec.rfs.ops.length;
  const results = new Map<string, StateResult>();
  const failures: Failure[] = [];
  const notes: Record<string, number> = {};
  /** Distinct states of the stricter-disk variant whose recovered store verify finds damaged. */
  const damaged = new Set<string>();
  let statesGenerated = 0;
  let enumeratedPoints = 0;
  let scratchN = 0;
  for (let k = 0; k <= n; k++) {
    const point = crashPoint(rec.rfs.ops, k);
    const choices: Array<{ choice: number[]; scrambles?: Scramble[] }> = choicesFor(point, o.enumerateUpTo, o.samples, random).map((choice) => ({ choice }));
    if (stateCount(point) <= o.enumerateUpTo) enumeratedPoints++;
    const contentDims = point.dims.filter((d): d is Extract<Dim, { kind: 'content' }> => d.kind === 'content');
    for (let r = 0; r < (o.reorderSamples ?? 0) && contentDims.length > 0; r++) {
      const choice = point.dims.map((d) => (d.kind === 'dir' ? Math.floor(random() * 2) : Math.floor(random() * (d.pending.length + 1))));
      const scrambles = contentDims.map((d) => {
        const prefix = choice[point.dims.indexOf(d)]!;
        return { ino: d.ino, q: prefix + Math.floor(random() * (d.pending.length - prefix + 1)), random: rng(Math.floor(random() * 2 ** 31)) };
      });
      choices.push({ choice, scrambles });
    }
    const seenHere = new Set<string>();
    for (const { choice, scrambles } of choices) {
      const reordered = scrambles !== undefined;
      const state = buildState(rec.rfs, point, choice, o.seed, scrambles);
      const hash = stateHash(state);
      statesGenerated++;
      if (seenHere.has(hash)) continue;
      seenHere.add(hash);
      let r = results.get(hash);
      if (!r) {
        r = await examine(state, path.join(o.scratch, `c${scratchN++}`), rec.storeRel);
        results.set(hash, r);
        if (r.recovered.ok) for (const note of r.recovered.notes) notes[note.replace(/:.*/, '')] = (notes[note.replace(/:.*/, '')] ?? 0) + 1;
        else notes['open refused'] = (notes['open refused'] ?? 0) + 1;
      }
      let issues = checkPoint(rec, k, r, !reordered);
      if (reordered) {
        // Damage a write torn out of order leaves: counted, not failed (docs/RELIABILITY.md says what it costs).
        const damage = issues.filter((i) => i.startsWith('verify after recovery'));
        if (damage.length > 0) damaged.add(hash);
        issues = issues.filter((i) => !damage.includes(i));
      }
      if (issues.length > 0) {
        failures.push({
          workload: rec.workload.name,
          k,
          lastOps: rec.rfs.ops.slice(Math.max(0, k - 8), k).map((op, i) => `${Math.max(0, k - 8) + i}: ${describeOp(op)}`),
          state: describeState(state),
          issues,
        });
        if (failures.length >= (o.maxFailures ?? 20)) break;
      }
    }
    if (failures.length >= (o.maxFailures ?? 20)) break;
  }
  if (damaged.size > 0) notes['stricter disk: damage verify reports after recovery'] = damaged.size;
  return {
    workload: rec.workload.name,
    loggedCalls: n,
    crashPoints: n + 1,
    statesGenerated,
    distinctStates: results.size,
    enumeratedPoints,
    acknowledged: rec.history.ops.filter((op) => op.ackedAt !== undefined).length,
    failures,
    notes,
  };
}

// ------------------------------------------------------------------ the workloads

/** Fill a store with the real fs (for a workload's setup), return its data. */
async function fill(storeDir: string, opts: StoreOptions, steps: Array<[string, string | null]>): Promise<Map<string, string>> {
  const store = await Store.open(storeDir, { create: true, cacheWorker: false, ...opts });
  const data = new Map<string, string>();
  for (const [k, v] of steps) {
    if (v === null) {
      await store.delete(k);
      data.delete(k);
    } else {
      await store.put(k, v);
      data.set(k, v);
    }
  }
  await store.close();
  return data;
}

/**
 * The workloads, their values `valueBytes` long (30 in the suite: a record is about 60 bytes; the long run
 * also uses values that span 512-byte sectors, so a torn append is cut inside a record).
 */
export function workloads(valueBytes = 30): Workload[] {
  const val = (tag: string): string => `${tag}:${'v'.repeat(valueBytes)}`;
  /** Header + about two records: nearly every other write rotates. */
  const SMALL_SEGMENT = 24 + 2 * (valueBytes + 40);
  return [
    {
      name: 'durable puts and deletes (always), from store creation to clean close',
      policy: 'always',
      async run(open, h) {
        const s = await open();
        await h.put(s, 'a', val('a1'));
        await h.put(s, 'b', val('b1'));
        await h.put(s, 'a', val('a2'));
        await h.del(s, 'b');
        await h.put(s, 'c', val('c1'));
        await s.close();
      },
    },
    {
      name: 'group commit (batch), three concurrent writers',
      policy: 'batch',
      async run(open, h) {
        const s = await open();
        await h.put(s, 'shared', val('s0'));
        const writer = async (w: string): Promise<void> => {
          await h.put(s, `k${w}`, val(`${w}1`));
          await h.put(s, 'shared', val(`s${w}`));
          await h.del(s, `k${w}`);
          await h.put(s, `k${w}`, val(`${w}2`));
        };
        await Promise.all([writer('x'), writer('y'), writer('z')]);
        await s.close();
      },
    },
    {
      name: 'atomic batches (always)',
      policy: 'always',
      async run(open, h) {
        const s = await open();
        await h.put(s, 'x', val('x0'));
        await h.batch(s, [['a', val('a1')], ['b', val('b1')], ['x', null]]);
        await h.batch(s, [['a', null], ['c', val('c1')], ['b', val('b2')]]);
        await h.put(s, 'd', val('d1'));
        await s.close();
      },
    },
    {
      name: 'segment rotation, background hints, clean close with the keydir image (always)',
      policy: 'always',
      segmentSize: SMALL_SEGMENT,
      async run(open, h) {
        const s = await open();
        for (const [k, v] of [['a', 'a1'], ['b', 'b1'], ['c', 'c1'], ['a', 'a2'], ['d', 'd1'], ['b', 'b2']] as const) await h.put(s, k, val(v));
        await h.del(s, 'c');
        await s.flushBackground();
        await s.close();
      },
    },
    {
      name: 'reopen after a clean close (keydir image deleted), writes, close (batch)',
      policy: 'batch',
      segmentSize: SMALL_SEGMENT,
      setup: (dir) => fill(dir, { fsync: 'always', segmentSize: SMALL_SEGMENT }, [['a', val('a0')], ['b', val('b0')], ['c', val('c0')], ['a', val('a1')]]),
      async run(open, h) {
        const s = await open();
        await Promise.all([h.put(s, 'b', val('b1')), h.del(s, 'c'), h.put(s, 'e', val('e1'))]);
        await s.close();
      },
    },
    {
      name: 'compaction with writes during it (always)',
      policy: 'always',
      segmentSize: SMALL_SEGMENT,
      setup: (dir) =>
        fill(dir, { fsync: 'always', segmentSize: SMALL_SEGMENT }, [
          ['a', val('a0')], ['b', val('b0')], ['c', val('c0')], ['a', val('a1')], ['d', val('d0')], ['b', null], ['e', val('e0')], ['c', val('c1')],
        ]),
      async run(open, h) {
        const s = await open();
        const compaction = s.compact();
        await h.put(s, 'f', val('f1'));
        await h.del(s, 'a');
        await compaction;
        await h.put(s, 'g', val('g1'));
        await s.close();
      },
    },
    {
      name: 'a compaction cancelled after its outputs were written (rolled back), writes after it (always)',
      policy: 'always',
      segmentSize: SMALL_SEGMENT,
      setup: (dir) =>
        fill(dir, { fsync: 'always', segmentSize: SMALL_SEGMENT }, [['a', val('a0')], ['b', val('b0')], ['a', val('a1')], ['c', val('c0')], ['b', null]]),
      async run(open, h) {
        const cancel = new AbortController();
        const s = await open({ compactionHooks: { afterStep: (step) => step === 'outputs-written' && cancel.abort() } });
        await s.compact({ signal: cancel.signal }).then(
          () => Promise.reject(new Error('the compaction was not cancelled')),
          (err: Error) => (err.name === 'AbortedError' ? undefined : Promise.reject(err)),
        );
        await h.put(s, 'd', val('d1'));
        await h.put(s, 'a', val('a2'));
        await s.close();
      },
    },
    {
      name: 'no fsync (never): nothing promised, yet no value never written and no half batch',
      policy: 'never',
      segmentSize: SMALL_SEGMENT,
      async run(open, h) {
        const s = await open();
        await h.put(s, 'a', val('a1'));
        await h.batch(s, [['b', val('b1')], ['c', val('c1')]]);
        await h.put(s, 'a', val('a2'));
        await h.batch(s, [['a', null], ['b', val('b2')], ['d', val('d1')]]);
        await s.close();
      },
    },
    {
      name: 'opening after a crash: a committed compaction to finish, a torn tail to cut, a stale lock (always)',
      policy: 'always',
      segmentSize: SMALL_SEGMENT,
      async setup(dir) {
        const data = await fill(dir, { fsync: 'always', segmentSize: SMALL_SEGMENT }, [
          ['a', val('a0')], ['b', val('b0')], ['a', val('a1')], ['c', val('c0')], ['b', null], ['d', val('d0')],
        ]);
        // A crash right after the manifest's commit: outputs still *.compacting, inputs and COMPACTION there.
        const crashed = `${dir}.crashed`;
        const { crashAfterCompactionCommit } = await import('../engine/helpers.js');
        await crashAfterCompactionCommit(dir, crashed);
        fs.rmSync(dir, { recursive: true });
        fs.renameSync(crashed, dir);
        // The active segment (not an input) ends in half of a record that was being appended.
        const newest = fs.readdirSync(dir).filter((n) => /^\d+\.data$/.test(n)).sort().at(-1)!;
        fs.appendFileSync(path.join(dir, newest), Buffer.from([0x12, 0x34, 0x56, 0x78, 1, 0, 9, 0, 0, 0]));
        fs.writeFileSync(path.join(dir, 'LOCK'), `${deadPid()} ${hostname()}\n`);
        return data;
      },
      async run(open, h) {
        const s = await open();
        await h.put(s, 'e', val('e1'));
        await h.del(s, 'd');
        await s.close();
      },
    },
  ];
}

export const WORKLOADS: Workload[] = workloads();
