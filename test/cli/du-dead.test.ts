/**
 * `kvscope du --dead`: each branch's dead bytes and records equal a brute-force sum over the records the
 * workload wrote (overwritten puts and tombstones, each its header, key and value), most first; --top N the keys
 * with the most dead bytes and their version counts; --json; a store with nothing dead says so; another engine's
 * store; options that cannot go together refused; `help du` names it; not a byte of the store changed.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { RECORD_HEADER } from '../../src/engine/native/layout.js';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';
import { snapshot } from '../reliability/snapshot.js';
import { FIXTURES } from '../formats/helpers.js';
import { kvscope } from './run-cli.js';

vi.setConfig({ testTimeout: 180_000 });
afterAll(cleanTempDirs);

let cwd: string;
let dir: string;
/** Per key: the dead bytes, records and versions the workload left. */
const dead = new Map<string, { bytes: number; records: number; versions: number; live: boolean }>();

beforeAll(async () => {
  cwd = tempDir();
  dir = path.join(cwd, 'store');
  const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 2048 });
  const records: { key: string; length: number; tombstone: boolean }[] = [];
  const put = async (key: string, value: string) => {
    await store.put(key, value);
    records.push({ key, length: RECORD_HEADER.size + key.length + value.length, tombstone: false });
  };
  for (let i = 0; i < 60; i++) await put(`${['user', 'session', 'cfg'][i % 3]}:${i % 4}:${i}`, 'v'.repeat((i * 37) % 200));
  // Sessions are rewritten often; one user is rewritten many times; a cfg key deleted.
  for (let round = 0; round < 5; round++) for (let i = 1; i < 60; i += 3) await put(`session:${i % 4}:${i}`, `round ${round} ${'s'.repeat(i)}`);
  for (let round = 0; round < 12; round++) await put('user:0:0', `rewrite ${round}`);
  await store.delete('cfg:2:2');
  records.push({ key: 'cfg:2:2', length: RECORD_HEADER.size + 'cfg:2:2'.length, tombstone: true });
  await put('lonely', 'a');
  await put('lonely', 'b');
  await store.close();
  const last = new Map<string, number>();
  records.forEach((r, i) => last.set(r.key, i));
  records.forEach((r, i) => {
    const d = dead.get(r.key) ?? { bytes: 0, records: 0, versions: 0, live: false };
    d.versions++;
    if (last.get(r.key) === i && !r.tombstone) d.live = true;
    else {
      d.bytes += r.length;
      d.records++;
    }
    dead.set(r.key, d);
  });
  for (const [key, d] of dead) if (d.records === 0) dead.delete(key);
});

const du = (...args: string[]) => kvscope(cwd, ['-d', dir, 'du', '--dead', ...args]);
const json = (...args: string[]) => {
  const r = du(...args, '--json');
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out);
};

/** The brute-force grouping of the dead keys under prefix, `depth` levels of ':' down. */
function expected(prefix: string, depth: number): Map<string, { bytes: number; records: number }> {
  const out = new Map<string, { bytes: number; records: number }>();
  for (const [key, d] of dead) {
    if (!key.startsWith(prefix)) continue;
    const parts = key.slice(prefix.length).split(':');
    const group = parts.length > depth ? prefix + parts.slice(0, depth).join(':') + ':' : key;
    const g = out.get(group) ?? { bytes: 0, records: 0 };
    g.bytes += d.bytes;
    g.records += d.records;
    out.set(group, g);
  }
  return out;
}

describe('kvscope du --dead', () => {
  it('each branch: its dead bytes and records as a brute-force sum, most first, adding up to the dead bytes stats gives', () => {
    const stats = JSON.parse(kvscope(cwd, ['-d', dir, 'stats', '--json']).out);
    for (const [prefix, depth] of [['', 1], ['', 2], ['session:', 1]] as const) {
      const answer = json(...(prefix ? ['--prefix', prefix] : []), '--depth', String(depth));
      const got = new Map(answer.branches.map((b: { prefix: string; deadBytes: number; deadRecords: number }) => [b.prefix, { bytes: b.deadBytes, records: b.deadRecords }]));
      expect(got).toEqual(expected(prefix, depth));
      const bytes = answer.branches.map((b: { deadBytes: number }) => b.deadBytes);
      expect(bytes).toEqual([...bytes].sort((a, b) => b - a));
      if (prefix === '') expect(answer.deadBytes).toBe(stats.perSegment.reduce((n: number, s: { staleBytes: number; tombstoneBytes: number }) => n + s.staleBytes + s.tombstoneBytes, 0));
    }
    expect(json().branches[0].prefix).toBe('session:');
    const text = du('--bytes');
    expect(text.code, text.err).toBe(0);
    const first = [...expected('', 1)].sort((a, b) => b[1].bytes - a[1].bytes)[0]!;
    expect(text.out.split('\n')[0]!.trim().split(/\s+/)).toEqual([String(first[1].bytes), String(first[1].records), first[0]]);
  });

  it('--top N: the keys with the most dead bytes, with their version counts', () => {
    const answer = json('--top', '3');
    const want = [...dead].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 3);
    expect(answer.keys.map((k: { key: string; deadBytes: number; versions: number; live: boolean }) => [k.key, k.deadBytes, k.versions, k.live])).toEqual(want.map(([k, d]) => [k, d.bytes, d.versions, d.live]));
    expect(json('--top', '100').keys.find((k: { key: string }) => k.key === 'user:0:0')).toMatchObject({ overwritten: 12, tombstones: 0, versions: 13, live: true });
    const text = du('--top', '1', '--prefix', 'cfg:');
    expect(text.out.trim()).toMatch(/^\d+ B {2}cfg:2:2 {2}\(2 versions, 1 overwritten, 1 deleted, deleted now\)$/);
  });

  it('a store with nothing dead says so; options that cannot go together are refused; help du names it', async () => {
    const clean = path.join(cwd, 'clean');
    const store = await Store.open(clean, { create: true, fsync: 'never' });
    await store.put('a', '1');
    await store.close();
    const r = kvscope(cwd, ['-d', clean, 'du', '--dead']);
    expect([r.code, r.out]).toEqual([0, 'No dead records\n']);
    for (const args of [['--top', '3', '--depth', '2'], ['--delimiter', '.'], ['key']]) {
      const refused = du(...args);
      expect(refused.code, args.join(' ')).toBe(2);
      expect(refused.out).toBe('');
    }
    const help = kvscope(cwd, ['help', 'du']);
    expect(help.out).toContain('du --dead');
    expect(help.out).toContain('--dead ');
  });

  it("another engine's store: the dead bytes its segments' figures give", () => {
    const riak = path.join(FIXTURES, 'riak-bitcask/many/data');
    const answer = JSON.parse(kvscope(cwd, ['-d', riak, 'du', '--dead', '--json']).out);
    const stats = JSON.parse(kvscope(cwd, ['-d', riak, 'stats', '--json']).out);
    expect(answer.deadBytes).toBeGreaterThan(0);
    expect(answer.deadBytes).toBe(stats.perSegment.reduce((n: number, s: { staleBytes: number; tombstoneBytes: number }) => n + s.staleBytes + s.tombstoneBytes, 0));
  });

  it('changes not a byte of the store', () => {
    const before = snapshot(dir);
    for (const args of [[], ['--depth', '3'], ['--top', '10', '--json']]) expect(du(...args).code).toBe(0);
    expect(snapshot(dir)).toEqual(before);
  });
});
