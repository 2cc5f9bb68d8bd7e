/**
 * Crash-state exploration (crash-states.ts; the model is written at its
 * top): every workload's log of file-system calls, every crash point in it,
 * every state each could leave under the model (a crash point with more than
 * 4,096 would be sampled; with these workloads none has), each materialized,
 * opened read-only, verified, recovered by a writer, verified and opened
 * again; the invariants in checkPoint must hold at every point. The long
 * run (values spanning sectors, the stricter-disk variant, other seeds):
 * `npm run crash-states`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/engine/errors.js';
import { makeDirectory, realFs, type EngineFs } from '../../src/engine/fs.js';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';
import {
  RecordingFs,
  WORKLOADS,
  buildState,
  choicesFor,
  crashPoint,
  explore,
  record,
  stateCount,
  type FsOp,
  type Workload,
} from './crash-states.js';
import { rng } from './rng.js';

afterEach(cleanTempDirs);

const SEED = 20261207;
/** Crash points with at most this many states are enumerated whole: with these workloads, all of them. */
const ENUMERATE = 4096;

/** Every state of crash point k of the log, as name → content (utf8) or 'dir'. */
function statesAt(rfs: RecordingFs, k: number): Array<Record<string, string>> {
  const p = crashPoint(rfs.ops, k);
  expect(stateCount(p)).toBeLessThanOrEqual(4096);
  const seen = new Map<string, Record<string, string>>();
  for (const choice of choicesFor(p, 4096, 0, rng(1))) {
    const s = buildState(rfs, p, choice, 1);
    const flat = Object.fromEntries([...s].map(([n, c]) => [n, c === 'dir' ? 'dir' : c.toString('utf8')]));
    seen.set(JSON.stringify(flat), flat);
  }
  return [...seen.values()];
}

describe('the crash model (what a power loss after call k may leave)', () => {
  it('file contents: the last fdatasync and any prefix of the writes after it, the first one left out possibly torn', () => {
    const root = tempDir();
    const rfs = new RecordingFs(root);
    const fd = rfs.openSync(path.join(root, 'f'), 'wx+', 0o644);
    rfs.fsyncDirSync(root);
    rfs.writeSync(fd, Buffer.from('AB'), 0, 2, 0);
    rfs.fdatasyncSync(fd);
    rfs.writeSync(fd, Buffer.from('CD'), 0, 2, 2);
    rfs.writeSync(fd, Buffer.from('EF'), 0, 2, 4);
    rfs.closeSync(fd);
    const k = rfs.ops.length;
    const contents = statesAt(rfs, k).map((s) => s.f).sort();
    // AB durable; CD, EF in order; either torn after its first byte (2-byte writes: no sector boundary inside).
    expect(contents).toEqual(['AB', 'ABC', 'ABCD', 'ABCDE', 'ABCDEF']);
    // Before the fdatasync: the name is durable (directory fsync'ed), the bytes are not.
    expect(statesAt(rfs, 3).map((s) => s.f).sort()).toEqual(['', 'A', 'AB']);
    // Before the directory fsync: the file may not be there at all.
    expect(statesAt(rfs, 1)).toEqual([{}, { f: '' }]);
  });

  it('an fdatasync on the thread pool makes durable only what was written before it started, and only once it completed', async () => {
    const root = tempDir();
    const rfs = new RecordingFs(root);
    const fd = rfs.openSync(path.join(root, 'f'), 'wx+', 0o644);
    rfs.fsyncDirSync(root);
    rfs.writeSync(fd, Buffer.from('A'), 0, 1, 0);
    const sync = rfs.fdatasync(fd);
    rfs.writeSync(fd, Buffer.from('B'), 0, 1, 1);
    const started = rfs.ops.length;
    await sync;
    rfs.closeSync(fd);
    expect(statesAt(rfs, started).map((s) => s.f).sort()).toEqual(['', 'A', 'AB']);
    expect(statesAt(rfs, rfs.ops.length).map((s) => s.f).sort()).toEqual(['A', 'AB']);
  });

  it('directory calls: a rename, link or unlink is sure only after a directory fsync; before it, either outcome', () => {
    const root = tempDir();
    fs.writeFileSync(path.join(root, 'old'), 'x');
    const rfs = new RecordingFs(root);
    rfs.renameSync(path.join(root, 'old'), path.join(root, 'new'));
    const afterRename = rfs.ops.length;
    rfs.fsyncDirSync(root);
    rfs.linkSync(path.join(root, 'new'), path.join(root, 'second'));
    rfs.unlinkSync(path.join(root, 'new'));
    expect(statesAt(rfs, afterRename).map((s) => Object.keys(s).join()).sort()).toEqual(['new', 'old']);
    // After the fsync: 'new' sure; the link and the unlink each may or may not have happened.
    expect(statesAt(rfs, rfs.ops.length).map((s) => Object.keys(s).sort().join()).sort()).toEqual(['', 'new', 'new,second', 'second']);
    // A directory whose entry is not durable takes its files with it.
    const rfs2 = new RecordingFs(tempDir());
    rfs2.mkdirSync(path.join(rfs2.root, 'd'));
    const fd = rfs2.openSync(path.join(rfs2.root, 'd', 'f'), 'wx+', 0o644);
    rfs2.fsyncDirSync(path.join(rfs2.root, 'd'));
    rfs2.closeSync(fd);
    expect(statesAt(rfs2, rfs2.ops.length).map((s) => Object.keys(s).sort().join()).sort()).toEqual(['', 'd,d/f']);
  });

  it('the stricter-disk variant: a later sector of the pending writes may be on disk while an earlier one is not', () => {
    const root = tempDir();
    const rfs = new RecordingFs(root);
    const fd = rfs.openSync(path.join(root, 'f'), 'wx+', 0o644);
    rfs.fsyncDirSync(root);
    rfs.fdatasyncSync(fd);
    rfs.writeSync(fd, Buffer.alloc(512, 1), 0, 512, 0);
    rfs.writeSync(fd, Buffer.alloc(512, 2), 0, 512, 512);
    rfs.closeSync(fd);
    const p = crashPoint(rfs.ops, rfs.ops.length);
    const ino = (rfs.ops[0] as { ino: number }).ino;
    const seen = new Set<string>();
    const random = rng(3);
    for (let i = 0; i < 64; i++) {
      const f = buildState(rfs, p, [0], 1, [{ ino, q: 2, random }]).get('f') as Buffer;
      seen.add(`${f.length}:${f[0]}:${f[512]}`);
    }
    // Size 1024 (the longer prefix's), each sector old (zeros) or new, in all four combinations.
    expect([...seen].sort()).toEqual(['1024:0:0', '1024:0:2', '1024:1:0', '1024:1:2']);
  });

  it('a torn write is cut at the last 512-byte sector boundary inside it', () => {
    const root = tempDir();
    const rfs = new RecordingFs(root);
    const fd = rfs.openSync(path.join(root, 'f'), 'wx+', 0o644);
    rfs.fsyncDirSync(root);
    rfs.writeSync(fd, Buffer.alloc(1300, 7), 0, 1300, 100);
    rfs.closeSync(fd);
    const sizes = statesAt(rfs, rfs.ops.length).map((s) => s.f!.length).sort((a, b) => a - b);
    expect(sizes).toEqual([0, 1024, 1400]);
  });
});

/** Opens a store through a RecordingFs that never logs a file's fdatasync: the model then takes nothing for durable. */
class ForgetfulFs extends RecordingFs {
  override fdatasyncSync(fd: number): void {
    const n = this.ops.length;
    super.fdatasyncSync(fd);
    this.ops.length = n;
  }
}

describe('crash-state exploration of the engine', () => {
  for (const w of WORKLOADS) {
    it(`${w.name}: every crash state recovers every acknowledged write, nothing never written, batches whole, idempotently (and with writes reordered by sector, no acknowledged write lost)`, async () => {
      const rec = await record(w, tempDir());
      const summary = await explore(rec, { scratch: tempDir(), seed: SEED, enumerateUpTo: ENUMERATE, samples: 16, reorderSamples: 8 });
      expect(summary.failures).toEqual([]);
      // Every state of every crash point, not a sample (what docs/RELIABILITY.md says this test does).
      expect(summary.enumeratedPoints).toBe(summary.crashPoints);
      expect(summary.acknowledged).toBeGreaterThan(0);
      expect(summary.distinctStates).toBeGreaterThan(summary.crashPoints / 2);
      if (/compaction/.test(w.name)) expect(summary.notes['interrupted compaction finished']).toBeGreaterThan(0);
      expect(summary.notes['torn tail cut']).toBeGreaterThan(0);
    }, 120_000);
  }

  it('regression: a store created by the open keeps its directory entry through a power loss once a write is acknowledged (the parent is fsync\'ed after mkdir)', async () => {
    // Found by this exploration: makeDirectory made the store directory (and every missing one above it) without
    // an fsync of its parent, so a power loss could take the whole store with every write acknowledged in it.
    const w: Workload = {
      name: 'a store created two levels below an existing directory',
      policy: 'always',
      storeRel: 'a/b/s',
      async run(open, h) {
        const s = await open();
        await h.put(s, 'k', 'v1');
        await h.put(s, 'k', 'v2');
        await s.close();
      },
    };
    const rec = await record(w, tempDir());
    const summary = await explore(rec, { scratch: tempDir(), seed: SEED, enumerateUpTo: ENUMERATE, samples: 16 });
    expect(summary.failures).toEqual([]);
    // Each directory made is followed by an fsync of its parent before the first write is issued.
    const ops: FsOp[] = rec.rfs.ops;
    const firstWrite = rec.history.ops[0]!.issuedAt;
    for (const [i, op] of ops.entries()) {
      if (op.t !== 'mkdir') continue;
      const parent = op.path.includes('/') ? op.path.slice(0, op.path.lastIndexOf('/')) : '';
      const sync = ops.findIndex((o, j) => j > i && o.t === 'dirsync' && o.path === parent);
      expect(sync, `mkdir ${op.path} is followed by an fsync of '${parent}'`).toBeGreaterThan(i);
      expect(sync).toBeLessThan(firstWrite);
    }
    expect(ops.filter((op) => op.t === 'mkdir').map((op) => (op as { path: string }).path)).toEqual(['a', 'a/b', 'a/b/s']);
  });

  it('makeDirectory: a parent it may not open to fsync (EACCES) does not stop the creation; a failed fsync (EIO) is a clear StoreError', () => {
    const root = tempDir();
    const failing = (code: string): EngineFs => ({
      ...realFs,
      fsyncDirSync: (p) => {
        if (p === root) throw Object.assign(new Error(`${code}: injected`), { code });
        realFs.fsyncDirSync(p);
      },
    });
    makeDirectory(path.join(root, 'a', 'b'), 'the store directory', failing('EACCES'));
    expect(fs.statSync(path.join(root, 'a', 'b')).isDirectory()).toBe(true);
    let err: unknown;
    try {
      makeDirectory(path.join(root, 'c'), 'the store directory', failing('EIO'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('IO');
    expect((err as Error).message).toMatch(/^cannot create the store directory: fsync of .* after creating .*\/c failed \(EIO/);
  });

  it('negative control: when the engine\'s fdatasyncs are not counted, acknowledged writes are reported lost', async () => {
    const rec = await record(WORKLOADS[0]!, tempDir(), (root) => new ForgetfulFs(root));
    const summary = await explore(rec, { scratch: tempDir(), seed: SEED, enumerateUpTo: 16, samples: 4, maxFailures: 1 });
    expect(summary.failures.length).toBeGreaterThan(0);
    expect(summary.failures.flatMap((f) => f.issues).some((i) => /acknowledged/.test(i))).toBe(true);
  });
});
