/**
 * The kill test: a child process (torture-child.ts) writes to a store and
 * reports every operation it issues and every one acknowledged; we SIGKILL it
 * at a random moment, reopen the store for writing, and check what survived.
 *
 * The check. The child writes an operation's "begin" line before the call, so
 * the lines give the exact issue order, which is the store's sequence order.
 * Let S(P) be the live data after applying the first P issued operations to
 * the state the trial started from. The reopened store must equal S(P) for
 * some P with
 *   - always / batch: P >= (index of the last acknowledged operation) + 1, so
 *     every acknowledged write is there with its latest acknowledged value or
 *     a later one that was in flight;
 *   - never: any P (only "opens, verifies, no half records" is promised).
 * Being some S(P) at all means no value that was never written appears and
 * no batch half-applies (a batch is one step of the prefix). verify() after
 * the reopen must report nothing (a torn tail cut by recovery is reported in
 * the recovery report, not by verify).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Store } from '../../src/engine/store.js';
import type { FsyncPolicy } from '../../src/engine/types.js';
import { rng } from './rng.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const CHILD = path.join(HERE, 'torture-child.ts');

export type Op = ['p', string, string] | ['d', string];
type Line = { t: 'ready' } | { t: 'b'; id: number; ops: Op[] } | { t: 'a'; id: number } | { t: 'f'; id: number; e: string } | { t: 'c'; id: number } | { t: 'cd'; id: number };

export interface TrialResult {
  policy: FsyncPolicy;
  trial: number;
  issued: number;
  acked: number;
  compactionsStarted: number;
  compactionsFinished: number;
  /** Operations applied after reopening (the P of the check), -1 when no prefix matched. */
  recoveredPrefix: number;
  /** Issued operations that were not acknowledged but survived (P - lastAcked - 1). */
  unackedSurvived: number;
  /** Acknowledged operations missing (0 unless the check failed). */
  lost: boolean;
  opened: boolean;
  verifyProblems: string[];
  tornTailsCut: number;
  hintFallbacks: number;
  compactionRecovered: string | undefined;
  childFailures: string[];
  error?: string;
}

export interface TortureSummary {
  trials: number;
  byPolicy: Record<string, { trials: number; issued: number; acked: number; lost: number; unopenable: number; verifyUnclean: number; unackedSurvivedTrials: number; tornTailsCut: number; compactionRecovered: number; killedInCompaction: number; childFailures: number; ackedMissingUnderNever: number; failures: number }>;
  failures: TrialResult[];
  seconds: number;
}

function apply(state: Map<string, string>, ops: Op[]): void {
  for (const op of ops) {
    if (op[0] === 'p') state.set(op[1], op[2]);
    else state.delete(op[1]);
  }
}

function sameState(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

async function readAll(store: Store): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const k of store.scanKeys()) out.set(k, (await store.get(k))!.toString('latin1'));
  return out;
}

interface ChildRun {
  lines: Line[];
  stderr: string;
}

/** Run the child until `killAt` decides to kill it; returns every complete line it wrote. */
function runChild(dir: string, policy: FsyncPolicy, seed: number, segmentSize: number, idBase: number, random: () => number, stallChance: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, policy, String(seed), String(segmentSize), String(idBase)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stderr = '';
    const lines: Line[] = [];
    let killed = false;
    let timer: NodeJS.Timeout | undefined;
    // Two ways to pick the moment: a random delay after the store opened, or a
    // short random delay after a compaction started (to land inside its steps).
    // Now and then the parent stops reading (its pipe fills up) until the kill:
    // the child must block rather than issue operations it has not reported.
    const stall = random() < stallChance;
    const inCompaction = !stall && random() < 0.35;
    const compactionNumber = 1 + Math.floor(random() * 2);
    const delayMs = inCompaction ? Math.floor(random() * 25) : Math.floor(random() * 400);
    let compactionsSeen = 0;
    const kill = (): void => {
      if (killed) return;
      killed = true;
      child.kill('SIGKILL');
      if (stall) child.stdout.resume();
    };
    if (stall) {
      child.stdout.pause();
      timer = setTimeout(kill, 900 + Math.floor(random() * 1600));
    }
    // A trial never runs long: if the trigger never comes, kill anyway.
    const guard = setTimeout(kill, 3000);
    const onLine = (l: Line): void => {
      lines.push(l);
      if (l.t === 'ready' && !inCompaction && !stall) timer = setTimeout(kill, delayMs);
      if (l.t === 'c' && inCompaction && ++compactionsSeen === compactionNumber) timer = setTimeout(kill, delayMs);
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const text = out.slice(0, nl);
        out = out.slice(nl + 1);
        try {
          onLine(JSON.parse(text) as Line);
        } catch {
          /* not a protocol line */
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(guard);
      if (timer) clearTimeout(timer);
      // A partial last line (impossible for pipe writes this small) is ignored: it is not a complete report.
      resolve({ lines, stderr: killed ? stderr : `child exited on its own: ${stderr}` });
    });
  });
}

export interface TortureOptions {
  trials: number;
  policies: FsyncPolicy[];
  seed: number;
  segmentSize?: number;
  /** Trials run on one directory before starting a fresh one (state carries over between them). */
  chain?: number;
  log?: (text: string) => void;
  baseDir?: string;
  /** Test hook: called on the directory after the kill, before the reopen (a negative control damages it here). */
  afterKill?: (dir: string, acknowledged: number) => void;
  /** Share of trials in which the parent stops reading the child's reports until the kill (default 0.15). */
  stallChance?: number;
}

/** One killed child and the check after it. `state` is the live data before the trial and is updated to what was recovered. */
async function trial(dir: string, policy: FsyncPolicy, n: number, seed: number, segmentSize: number, idBase: number, state: Map<string, string>, random: () => number, afterKill: TortureOptions['afterKill'], stallChance: number): Promise<TrialResult> {
  const run = await runChild(dir, policy, seed, segmentSize, idBase, random, stallChance);
  afterKill?.(dir, run.lines.filter((l) => l.t === 'a').length);
  const issued: Op[][] = [];
  const indexOf = new Map<number, number>();
  let lastAcked = -1;
  let acked = 0;
  let compactionsStarted = 0;
  let compactionsFinished = 0;
  const childFailures: string[] = [];
  for (const l of run.lines) {
    if (l.t === 'b') {
      indexOf.set(l.id, issued.length);
      issued.push(l.ops);
    } else if (l.t === 'a') {
      acked++;
      lastAcked = Math.max(lastAcked, indexOf.get(l.id)!);
    } else if (l.t === 'f') childFailures.push(`op ${l.id}: ${l.e}`);
    else if (l.t === 'c') compactionsStarted++;
    else if (l.t === 'cd') compactionsFinished++;
  }
  if (run.stderr) childFailures.push(run.stderr.trim().slice(0, 500));
  const result: TrialResult = {
    policy,
    trial: n,
    issued: issued.length,
    acked,
    compactionsStarted,
    compactionsFinished,
    recoveredPrefix: -1,
    unackedSurvived: 0,
    lost: false,
    opened: false,
    verifyProblems: [],
    tornTailsCut: 0,
    hintFallbacks: 0,
    compactionRecovered: undefined,
    childFailures,
  };
  let store: Store;
  try {
    // Killed before it reported the store open: the directory may not exist yet (or hold no segment); the child would create it.
    const sawReady = run.lines.some((l) => l.t === 'ready');
    store = await Store.open(dir, { fsync: policy, segmentSize, create: !sawReady });
  } catch (err) {
    result.error = `reopen failed: ${(err as Error).stack ?? String(err)}`;
    return result;
  }
  result.opened = true;
  try {
    result.tornTailsCut = store.recovery.tornTails.length;
    result.hintFallbacks = store.recovery.hintFallbacks.length;
    result.compactionRecovered = store.recovery.compactionRecovered;
    const recovered = await readAll(store);
    // Which prefix of the issued operations is this?
    const s = new Map(state);
    const matches: number[] = [];
    if (sameState(s, recovered)) matches.push(0);
    for (let p = 1; p <= issued.length; p++) {
      apply(s, issued[p - 1]!);
      if (sameState(s, recovered)) matches.push(p);
    }
    const required = policy === 'never' ? 0 : lastAcked + 1;
    const good = matches.filter((p) => p >= required);
    if (good.length > 0) {
      result.recoveredPrefix = good.at(-1)!;
      result.unackedSurvived = Math.max(0, result.recoveredPrefix - (lastAcked + 1));
    } else {
      result.lost = true;
      const diff: string[] = [];
      const expected = new Map(state);
      for (let p = 0; p <= lastAcked; p++) apply(expected, issued[p]!);
      for (const k of new Set([...expected.keys(), ...recovered.keys()])) {
        if (expected.get(k) !== recovered.get(k)) diff.push(`${k}: acked ${expected.get(k)?.slice(0, 24)} recovered ${recovered.get(k)?.slice(0, 24)}`);
      }
      result.error = `recovered state is no prefix >= ${required} (matching prefixes: ${matches.join(',') || 'none'}); ${diff.slice(0, 5).join('; ')}`;
    }
    if (policy === 'never' && result.recoveredPrefix >= 0 && result.recoveredPrefix < lastAcked + 1) {
      // Allowed under `never`, but worth reporting: SIGKILL keeps the page cache.
      result.unackedSurvived = result.recoveredPrefix - (lastAcked + 1);
    }
    const report = await store.verify();
    result.verifyProblems = report.problems.map((p) => `${p.kind} ${p.file}@${p.offset}: ${p.message}`);
    // The next trial starts from what is on disk now.
    state.clear();
    for (const [k, v] of recovered) state.set(k, v);
  } finally {
    await store.close();
  }
  return result;
}

export async function runTorture(opts: TortureOptions): Promise<TortureSummary> {
  const started = Date.now();
  const log = opts.log ?? (() => undefined);
  const segmentSize = opts.segmentSize ?? 4096;
  const chain = opts.chain ?? 20;
  const base = opts.baseDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kvscope-torture-'));
  const summary: TortureSummary = { trials: 0, byPolicy: {}, failures: [], seconds: 0 };
  const random = rng(opts.seed);
  try {
    for (const policy of opts.policies) {
      const per = Math.ceil(opts.trials / opts.policies.length);
      const stats = { trials: 0, issued: 0, acked: 0, lost: 0, unopenable: 0, verifyUnclean: 0, unackedSurvivedTrials: 0, tornTailsCut: 0, compactionRecovered: 0, killedInCompaction: 0, childFailures: 0, ackedMissingUnderNever: 0, failures: 0 };
      summary.byPolicy[policy] = stats;
      let dir = '';
      let state = new Map<string, string>();
      let idBase = 0;
      for (let i = 0; i < per; i++) {
        if (i % chain === 0) {
          dir = path.join(base, `${policy}-${i}`);
          state = new Map();
          idBase = 0;
        }
        const r = await trial(dir, policy, i, Math.floor(random() * 2 ** 31), segmentSize, idBase, state, random, opts.afterKill, opts.stallChance ?? 0.15);
        idBase += 1_000_000;
        summary.trials++;
        stats.trials++;
        stats.issued += r.issued;
        stats.acked += r.acked;
        if (r.lost) stats.lost++;
        if (!r.opened) stats.unopenable++;
        if (r.verifyProblems.length > 0) stats.verifyUnclean++;
        if (r.unackedSurvived > 0) stats.unackedSurvivedTrials++;
        stats.tornTailsCut += r.tornTailsCut;
        if (r.compactionRecovered) stats.compactionRecovered++;
        if (r.compactionsStarted > r.compactionsFinished) stats.killedInCompaction++;
        if (r.childFailures.length > 0) stats.childFailures++;
        if (r.unackedSurvived < 0) stats.ackedMissingUnderNever++;
        const bad = r.lost || !r.opened || r.verifyProblems.length > 0 || r.childFailures.length > 0;
        if (bad) {
          stats.failures++;
          summary.failures.push(r);
          log(`FAIL ${policy} #${i}: ${JSON.stringify(r)}`);
          // Start afresh: a broken directory would fail every later trial for the same reason.
          dir = path.join(base, `${policy}-${i}-after-failure`);
          state = new Map();
          idBase = 0;
        }
        if ((i + 1) % 50 === 0) log(`${policy}: ${i + 1}/${per} trials, ${stats.failures} failures`);
      }
    }
  } finally {
    if (!opts.baseDir && summary.failures.length === 0) fs.rmSync(base, { recursive: true, force: true });
    else log(`directories kept in ${base}`);
  }
  summary.seconds = Math.round((Date.now() - started) / 1000);
  return summary;
}
