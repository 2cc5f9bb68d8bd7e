/**
 * The inspector's deadSpace job: its result lists the prefixes and keys with the most dead bytes (each overwritten
 * put and tombstone counted against its key, as the engine's records say), under a prefix when asked, grouped by ':'
 * or by '/' as the engine groups them; a cancelled one ends ABORTED; an unknown session is refused.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { RECORD_HEADER } from '../../src/engine/native/layout.js';
import type { DeadSpaceResult } from '../../src/shared/contract.js';
import { jobHarness } from './job-harness.js';
import { rejection } from './rejection.js';

const h = jobHarness('kvscope-dead-space-');

const record = (key: string, value: string) => RECORD_HEADER.size + key.length + value.length;

async function store(dir: string): Promise<void> {
  const s = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 4096 });
  for (let i = 0; i < 40; i++) await s.put(`user:${i % 4}:${i}`, 'x'.repeat(i));
  for (let round = 0; round < 6; round++) await s.put('session:hot', `value ${round}`);
  await s.put('cfg:gone', 'soon deleted');
  await s.delete('cfg:gone');
  await s.close();
}

async function deadSpace(request: object): Promise<DeadSpaceResult> {
  const { jobId } = await h.service.dispatch('deadSpace', request as never);
  const end = await h.jobEnd(jobId);
  if (end.type !== 'job-done' || end.kind !== 'dead-space') throw new Error(`expected a dead-space result, got ${JSON.stringify(end)}`);
  return end.result;
}

describe('deadSpace job', () => {
  it('lists the prefixes and keys with the most dead bytes, and narrows to a prefix', async () => {
    const dir = join(h.base, 'store');
    await store(dir);
    const { sessionId } = await h.service.dispatch('openStore', { path: dir });
    const result = await deadSpace({ sessionId, limit: 10 });
    const hot = [0, 1, 2, 3, 4].reduce((n, round) => n + record('session:hot', `value ${round}`), 0);
    const gone = record('cfg:gone', 'soon deleted') + RECORD_HEADER.size + 'cfg:gone'.length;
    expect(result.deadBytes).toBe(hot + gone);
    expect(result.branches.map((b) => [b.display, b.kind, b.deadBytes, b.deadRecords])).toEqual([
      ['session:', 'branch', hot, 5],
      ['cfg:', 'branch', gone, 2],
    ]);
    expect(result.topKeys[0]).toMatchObject({ key: 'session:hot', display: 'session:hot', deadBytes: hot, overwritten: 5, tombstones: 0, live: true, versions: 6 });
    expect(result.topKeys[1]).toMatchObject({ key: 'cfg:gone', overwritten: 1, tombstones: 1, live: false, versions: 2 });
    const narrowed = await deadSpace({ sessionId, limit: 1, prefix: 'cfg:' });
    expect(narrowed).toMatchObject({ prefix: 'cfg:', deadBytes: gone, branchCount: 1 });
    expect(narrowed.branches).toEqual([{ prefix: 'cfg:gone', display: 'cfg:gone', kind: 'key', keys: 1, deadBytes: gone, deadRecords: 2 }]);
  });

  it("groups keys by '/' when asked: the branches, their figures and counts are the engine's own deadSpace().branches(prefix, '/', depth)", async () => {
    const dir = join(h.base, 'store');
    const s = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 4096 });
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 6; i++) await s.put(`users/${i % 3}/profile:${i}`, `v${round}`.repeat(i + 1));
      await s.put('logs/2024/01', `line ${round}`);
    }
    await s.put('cfg/a:b', 'once');
    await s.put('cfg/a:b', 'twice');
    await s.put('top-level', 'gone');
    await s.delete('top-level');
    await s.close();
    const { sessionId } = await h.service.dispatch('openStore', { path: dir });
    const engine = await Store.open(dir, { readOnly: true });
    const dead = await engine.deadSpace();
    await engine.close();
    for (const [prefix, depth] of [['', 1], ['', 2], ['users/', 1], ['cfg/', 1]] as const) {
      const result = await deadSpace({ sessionId, limit: 10, prefix, delimiter: '/', depth });
      const own = dead.branches(prefix, '/', depth);
      expect(result, `${prefix} at depth ${depth}`).toMatchObject({ prefix, delimiter: '/', depth, keys: own.keys, deadBytes: own.deadBytes, deadRecords: own.deadRecords, branchCount: own.branches.length });
      expect(result.branches.map(({ display, ...b }) => b)).toEqual(own.branches);
    }
    // Grouped by '/', not ':': a ':' inside a key splits nothing, the top level is the first '/' step.
    const top = await deadSpace({ sessionId, limit: 10, delimiter: '/' });
    expect(top.branches.map((b) => [b.prefix, b.kind])).toEqual(expect.arrayContaining([['users/', 'branch'], ['logs/', 'branch'], ['cfg/', 'branch'], ['top-level', 'key']]));
    expect(top.branches).toHaveLength(4);
    const cfg = await deadSpace({ sessionId, limit: 10, prefix: 'cfg/', delimiter: '/' });
    expect(cfg.branches.map((b) => [b.prefix, b.kind, b.deadRecords])).toEqual([['cfg/a:b', 'key', 1]]);
  });

  it('a cancelled search ends ABORTED; an unknown session is refused', async () => {
    const dir = join(h.base, 'store');
    await store(dir);
    const { sessionId } = await h.service.dispatch('openStore', { path: dir });
    const { jobId } = await h.service.dispatch('deadSpace', { sessionId, limit: 5 });
    await h.service.dispatch('cancelJob', { jobId });
    const end = await h.jobEnd(jobId);
    expect(end).toMatchObject({ type: 'job-failed', error: { code: 'ABORTED' } });
    expect((await rejection(h.service.dispatch('deadSpace', { sessionId: 'nope', limit: 5 }))).code).toBe('NO_SESSION');
  });
});
