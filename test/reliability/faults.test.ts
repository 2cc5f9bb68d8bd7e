/**
 * Fault injection swept over every call: for each scenario (appends under
 * `always` and `batch`, rotation with hint writing, opening with hints to
 * rebuild, compaction), the Nth write / fdatasync / rename / unlink / open /
 * directory fsync / ftruncate fails (EIO, ENOSPC, or a short write followed by
 * ENOSPC), for every N the scenario reaches. After each fault:
 *   - every failed operation failed with a clear, typed error (code IO or
 *     FAILED, or the errno of the injected failure for compaction);
 *   - the store's live data is that of the acknowledged writes plus, for each
 *     failed write, all of it or none of it (in the running store and after
 *     reopening with the real fs, the same);
 *   - reopening with the real fs works, verify() is clean (torn tails are
 *     allowed: recovery cuts and reports them), and no compaction or tmp
 *     leftovers remain.
 * test/engine/durability.test.ts has the hand-picked cases; this is the sweep.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { StoreError } from '../../src/engine/errors.js';
import { verifyNativeDirectory } from '../../src/engine/verify.js';
import type { FsyncPolicy } from '../../src/engine/types.js';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';
import { FAULT_KINDS, FaultFs, type CallKind, type Fault, type FaultMode } from './fault-fs.js';

afterEach(cleanTempDirs);

type Op = { t: 'put'; k: string; v: string } | { t: 'del'; k: string } | { t: 'batch'; ops: Array<{ t: 'put'; k: string; v: string } | { t: 'del'; k: string }> };
type Step = Op | { t: 'compact' } | { t: 'flush' };

interface Scenario {
  name: string;
  policy: FsyncPolicy;
  segmentSize: number;
  /** Written with the real fs before the faulty run. */
  setup: Op[];
  /** Run after setup, before the faulty open (e.g. delete hints). */
  prepare?: (dir: string) => void;
  steps: Step[];
  /** Count (and fault) calls from the open on, not only after it. */
  faultOpen?: boolean;
}

const val = (tag: string, n = 40): string => `${tag}:${'v'.repeat(n)}`;

const KEYS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

const SCENARIOS: Scenario[] = [
  {
    name: 'appends (always)',
    policy: 'always',
    segmentSize: 1 << 20,
    setup: [{ t: 'put', k: 'a', v: 'a0' }, { t: 'put', k: 'b', v: 'b0' }],
    steps: [
      { t: 'put', k: 'c', v: val('c1') },
      { t: 'put', k: 'a', v: val('a1') },
      { t: 'batch', ops: [{ t: 'put', k: 'd', v: val('d1') }, { t: 'del', k: 'b' }, { t: 'put', k: 'e', v: val('e1') }] },
      { t: 'del', k: 'c' },
      { t: 'put', k: 'a', v: val('a2') },
    ],
  },
  {
    name: 'appends (batch)',
    policy: 'batch',
    segmentSize: 1 << 20,
    setup: [{ t: 'put', k: 'a', v: 'a0' }, { t: 'put', k: 'b', v: 'b0' }],
    steps: [
      { t: 'put', k: 'c', v: val('c1') },
      { t: 'batch', ops: [{ t: 'put', k: 'd', v: val('d1') }, { t: 'del', k: 'a' }] },
      { t: 'put', k: 'b', v: val('b1') },
      { t: 'del', k: 'c' },
    ],
  },
  {
    name: 'rotation and hint writing (always)',
    policy: 'always',
    // Header + about two records: nearly every other write rotates and seals a segment (hint scheduled).
    segmentSize: 24 + 2 * 70,
    setup: [{ t: 'put', k: 'a', v: val('a0') }],
    steps: [
      { t: 'put', k: 'b', v: val('b1') },
      { t: 'put', k: 'c', v: val('c1') },
      { t: 'flush' },
      { t: 'put', k: 'a', v: val('a1') },
      { t: 'batch', ops: [{ t: 'put', k: 'd', v: val('d1') }, { t: 'del', k: 'b' }] },
      { t: 'put', k: 'e', v: val('e1') },
      { t: 'flush' },
      { t: 'del', k: 'c' },
      { t: 'put', k: 'f', v: val('f1') },
      { t: 'flush' },
    ],
  },
  {
    name: 'opening: lock, hints rebuilt for sealed segments',
    policy: 'always',
    segmentSize: 24 + 2 * 70,
    setup: Array.from({ length: 8 }, (_, i): Op => ({ t: 'put', k: KEYS[i % 5]!, v: val(`s${i}`) })),
    prepare: (dir) => {
      for (const name of fs.readdirSync(dir)) if (name.endsWith('.hint')) fs.rmSync(path.join(dir, name));
    },
    faultOpen: true,
    steps: [{ t: 'flush' }, { t: 'put', k: 'g', v: val('g1') }, { t: 'flush' }],
  },
  {
    name: 'compaction, every step (always)',
    policy: 'always',
    segmentSize: 24 + 3 * 70,
    setup: [
      ...Array.from({ length: 14 }, (_, i): Op => ({ t: 'put', k: KEYS[i % 6]!, v: val(`s${i}`) })),
      { t: 'del', k: 'b' },
      { t: 'batch', ops: [{ t: 'put', k: 'g', v: val('g0') }, { t: 'del', k: 'c' }, { t: 'put', k: 'h', v: val('h0') }] },
      { t: 'put', k: 'a', v: val('a-last') },
    ],
    steps: [{ t: 'compact' }, { t: 'put', k: 'e', v: val('e-after') }, { t: 'flush' }],
  },
];

function applyOp(state: Map<string, string>, op: Op): void {
  if (op.t === 'put') state.set(op.k, op.v);
  else if (op.t === 'del') state.delete(op.k);
  else for (const o of op.ops) applyOp(state, o);
}

async function runOp(store: Store, op: Op): Promise<void> {
  if (op.t === 'put') await store.put(op.k, op.v);
  else if (op.t === 'del') await store.delete(op.k);
  else await store.batch(op.ops.map((o) => (o.t === 'put' ? { type: 'put' as const, key: o.k, value: o.v } : { type: 'delete' as const, key: o.k })));
}

async function readState(store: Store): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const k of store.scanKeys()) out.set(k, (await store.get(k))!.toString());
  return out;
}

const show = (m: Map<string, string>): string => JSON.stringify([...m].sort().map(([k, v]) => `${k}=${v.split(':')[0]}`));

/** Every state allowed: acknowledged ops applied, each failed op all or nothing, in issue order. */
function allowedStates(base: Map<string, string>, done: Array<{ op: Op; failed: boolean }>): Set<string> {
  const failed = done.filter((d) => d.failed).length;
  const out = new Set<string>();
  for (let mask = 0; mask < 1 << Math.min(failed, 10); mask++) {
    const s = new Map(base);
    let f = 0;
    for (const d of done) {
      if (!d.failed || mask & (1 << f)) applyOp(s, d.op);
      if (d.failed) f++;
    }
    out.add(show(s));
  }
  return out;
}

function isClearError(err: unknown): boolean {
  if (err instanceof StoreError) return ['IO', 'FAILED'].includes(err.code) && err.message.length > 0;
  const code = (err as NodeJS.ErrnoException).code;
  return (code === 'EIO' || code === 'ENOSPC') && /injected/.test((err as Error).message);
}

interface RunResult {
  fired: boolean;
  counts: Partial<Record<CallKind, number>>;
  problems: string[];
}

async function runScenario(sc: Scenario, fault?: Fault): Promise<RunResult> {
  const dir = tempDir();
  const base = new Map<string, string>();
  {
    const s = await Store.open(dir, { create: true, fsync: sc.policy, segmentSize: sc.segmentSize });
    for (const op of sc.setup) {
      await runOp(s, op);
      applyOp(base, op);
    }
    await s.flushBackground();
    await s.close();
  }
  sc.prepare?.(dir);
  const problems: string[] = [];
  const efs = new FaultFs();
  if (sc.faultOpen) efs.arm(fault);
  let store: Store | undefined;
  const done: Array<{ op: Op; failed: boolean }> = [];
  try {
    store = await Store.open(dir, { fs: efs, fsync: sc.policy, segmentSize: sc.segmentSize });
  } catch (err) {
    if (!isClearError(err) && !(err instanceof StoreError)) problems.push(`open failed unclearly: ${String(err)}`);
  }
  if (store) {
    if (!sc.faultOpen) efs.arm(fault);
    for (const step of sc.steps) {
      if (step.t === 'flush') {
        // Background work (hints) is not essential: its errors are reported here, the data stays.
        for (const err of await store.flushBackground()) if (!isClearError(err)) problems.push(`background error unclear: ${String(err)}`);
        continue;
      }
      try {
        if (step.t === 'compact') await store.compact();
        else await runOp(store, step);
        if (step.t !== 'compact') done.push({ op: step, failed: false });
      } catch (err) {
        if (!isClearError(err)) problems.push(`${step.t} failed unclearly: ${(err as Error).stack ?? String(err)}`);
        if (step.t !== 'compact') done.push({ op: step, failed: true });
      }
    }
    const allowed = allowedStates(base, done);
    let live: string | undefined;
    try {
      live = show(await readState(store));
      if (!allowed.has(live)) problems.push(`running store holds ${live}, allowed ${[...allowed].join(' | ')}`);
    } catch (err) {
      problems.push(`reading the running store failed: ${String(err)}`);
    }
    try {
      await store.close();
    } catch (err) {
      problems.push(`close threw: ${String(err)}`);
    }
    efs.disarm();
    // A LOCK whose unlink failed at close still names this live process: the
    // process would exit (and the next writer take the stale lock over); here it stays alive, so remove it.
    if (efs.fired?.kind === 'unlinkSync' && efs.fired.path.endsWith('LOCK')) fs.rmSync(path.join(dir, 'LOCK'), { force: true });
    const reopened = await Store.open(dir, { fsync: sc.policy, segmentSize: sc.segmentSize }).catch((err: unknown) => {
      problems.push(`reopen with the real fs failed: ${String(err)}`);
      return undefined;
    });
    if (reopened) {
      const after = show(await readState(reopened));
      if (!allowed.has(after)) problems.push(`reopened store holds ${after}, allowed ${[...allowed].join(' | ')}`);
      if (live !== undefined && after !== live) problems.push(`reopened ${after} differs from the running store's ${live}`);
      const report = await reopened.verify();
      for (const p of report.problems) problems.push(`verify: ${p.kind} ${p.file}@${p.offset} ${p.message}`);
      await reopened.flushBackground();
      await reopened.close();
      const leftovers = fs.readdirSync(dir).filter((n) => /\.(compacting|tmp)$/.test(n) || n === 'COMPACTION' || n === 'LOCK');
      if (leftovers.length) problems.push(`leftovers after a writing open: ${leftovers.join(', ')}`);
    }
  } else {
    efs.disarm();
    const reopened = await Store.open(dir, { fsync: sc.policy, segmentSize: sc.segmentSize });
    const after = show(await readState(reopened));
    if (after !== show(base)) problems.push(`after a failed open the store holds ${after}, expected ${show(base)}`);
    const report = await reopened.verify();
    for (const p of report.problems) problems.push(`verify: ${p.kind} ${p.file}@${p.offset} ${p.message}`);
    await reopened.close();
  }
  const counts: Partial<Record<CallKind, number>> = {};
  for (const k of FAULT_KINDS) counts[k] = efs.count(k);
  return { fired: efs.fired !== undefined, counts, problems };
}

function modesFor(kind: CallKind): FaultMode[] {
  if (kind === 'writeSync') return ['EIO', 'ENOSPC', 'partial'];
  if (kind === 'fdatasyncSync' || kind === 'fdatasync' || kind === 'openSync') return ['EIO', 'ENOSPC'];
  return ['EIO'];
}

let injectedTotal = 0;
afterAll(() => {
  // The figure docs/RELIABILITY.md quotes.
  console.log(`faults.test: ${injectedTotal} faults injected`);
});

describe('fault injection swept over every call', () => {
  for (const sc of SCENARIOS) {
    it(`${sc.name}: every injected fault fails cleanly and loses nothing`, async () => {
      const clean = await runScenario(sc);
      expect(clean.problems).toEqual([]);
      const failures: string[] = [];
      let injected = 0;
      for (const kind of FAULT_KINDS) {
        const n = clean.counts[kind] ?? 0;
        for (let nth = 1; nth <= n; nth++) {
          for (const mode of modesFor(kind)) {
            const r = await runScenario(sc, { kind, nth, mode });
            if (r.fired) injected++;
            for (const p of r.problems) failures.push(`${kind} #${nth} ${mode}: ${p}`);
          }
        }
      }
      injectedTotal += injected;
      expect(failures).toEqual([]);
      // The sweep must really have reached the calls that matter.
      expect(injected).toBeGreaterThan(10);
      if (sc.name.startsWith('compaction')) {
        for (const kind of ['writeSync', 'fdatasyncSync', 'renameSync', 'unlinkSync', 'fsyncDirSync', 'openSync'] as const) expect(clean.counts[kind]).toBeGreaterThan(0);
      }
    }, 180_000);
  }
});

/** A wrapper whose async fdatasync waits until released, to order a group commit against a compaction. */
class HeldFs extends FaultFs {
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  hold(): void {
    this.gate = new Promise((r) => (this.open = r));
  }
  release(): void {
    this.open?.();
    this.gate = undefined;
  }
  override async fdatasync(fd: number): Promise<void> {
    const gate = this.gate;
    await super.fdatasync(fd);
    if (gate) await gate;
  }
}

describe('regressions found by the reliability tests', () => {
  it('batch policy: a write waiting for a group commit while compaction closes its (sealed) segment is acknowledged, not failed with EBADF', async () => {
    const dir = tempDir();
    const efs = new HeldFs();
    const store = await Store.open(dir, { create: true, fs: efs, fsync: 'batch', segmentSize: 4096 });
    await store.put('x', 'x0');
    efs.hold();
    const first = store.put('a', 'a1'); // its fdatasync runs and is held
    await new Promise((r) => setTimeout(r, 10));
    const second = store.put('b', 'b1'); // waits for the next round, on the same segment
    const compaction = store.compact(); // seals that segment, rewrites it, closes its fd
    await compaction;
    efs.release();
    await expect(first).resolves.toBeUndefined();
    await expect(second).resolves.toBeUndefined();
    await store.put('c', 'c1'); // the store still accepts writes
    await store.close();
    const reopened = await Store.open(dir);
    expect((await reopened.get('b'))?.toString()).toBe('b1');
    expect((await reopened.verify()).problems).toEqual([]);
    await reopened.close();
  });

  it('compaction: a failed directory fsync after the manifest rename keeps the outputs (the next open rolls forward and must find them)', async () => {
    const dir = tempDir();
    const seed = await Store.open(dir, { create: true, segmentSize: 200 });
    for (let i = 0; i < 12; i++) await seed.put(`k${i % 4}`, val(`v${i}`));
    await seed.close();
    const efs = new FaultFs();
    const store = await Store.open(dir, { fs: efs, segmentSize: 200 });
    const expected = show(await readState(store));
    efs.arm();
    await store.compact();
    await store.close();
    // Find the directory fsync right after the manifest rename in a clean run, then fail exactly that one.
    const renameAt = efs.log.findIndex((c) => c.kind === 'renameSync' && c.detail?.endsWith('COMPACTION'));
    const nth = efs.log.slice(0, renameAt + 2).filter((c) => c.kind === 'fsyncDirSync').length;
    expect(efs.log[renameAt + 1]?.kind).toBe('fsyncDirSync');

    const dir2 = tempDir();
    const seed2 = await Store.open(dir2, { create: true, segmentSize: 200 });
    for (let i = 0; i < 12; i++) await seed2.put(`k${i % 4}`, val(`v${i}`));
    await seed2.close();
    const efs2 = new FaultFs();
    const store2 = await Store.open(dir2, { fs: efs2, segmentSize: 200 });
    efs2.arm({ kind: 'fsyncDirSync', nth, mode: 'EIO' });
    await expect(store2.compact()).rejects.toThrow(/EIO/);
    expect(efs2.fired?.kind).toBe('fsyncDirSync');
    await store2.close();
    const reopened = await Store.open(dir2);
    expect(show(await readState(reopened))).toBe(expected);
    expect((await reopened.verify()).problems).toEqual([]);
    await reopened.close();
  });

  it('a segment file left empty by a crash inside its creation is removed by the next writer (and reported), not left for verify to flag forever', async () => {
    for (const start of [Buffer.alloc(0), Buffer.from('KVSD')]) {
      const dir = tempDir();
      const s = await Store.open(dir, { create: true });
      await s.put('a', '1');
      await s.close();
      // The newest file, cut inside its header: rotation was creating it when the crash came.
      fs.writeFileSync(path.join(dir, '000002.data'), start);
      const ro = await Store.open(dir, { readOnly: true });
      await ro.close();
      expect(fs.existsSync(path.join(dir, '000002.data'))).toBe(true); // read-only changes nothing
      const w = await Store.open(dir);
      expect(w.recovery.tornTails.map((p) => p.file)).toEqual(['000002.data']);
      expect((await w.get('a'))?.toString()).toBe('1');
      await w.close();
      expect(fs.existsSync(path.join(dir, '000002.data'))).toBe(false);
      expect((await verifyNativeDirectory(dir)).problems).toEqual([]);
    }
  });

  it('an older segment file that short, or bytes that are not our header, stay for verify to report', async () => {
    const dir = tempDir();
    const s = await Store.open(dir, { create: true });
    await s.put('a', '1');
    await s.close();
    // Rotation syncs a header before the next file exists: a short file with a newer one after it is damage.
    fs.writeFileSync(path.join(dir, '000002.data'), Buffer.from('KVSD'));
    fs.writeFileSync(path.join(dir, '000003.data'), Buffer.from('junk'));
    const w = await Store.open(dir);
    expect((await w.get('a'))?.toString()).toBe('1');
    await w.close();
    expect(fs.readFileSync(path.join(dir, '000002.data')).toString()).toBe('KVSD');
    expect(fs.readFileSync(path.join(dir, '000003.data')).toString()).toBe('junk');
    const files = (await verifyNativeDirectory(dir)).problems.map((p) => p.file);
    expect(files).toEqual(expect.arrayContaining(['000002.data', '000003.data']));
  });
});
