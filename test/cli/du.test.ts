/**
 * `kvscope du`: each branch's bytes and key count equal a brute-force sum of its keys' live record lengths (the
 * branches add up to the live bytes stats gives), largest first; --depth, --delimiter, --prefix (--key-hex too),
 * --bytes, --json and --top; a key that is not text escaped as list shows it; bad options refused with exit 2;
 * another engine's store; and not a byte of the store changed.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { formatBytes } from '../../src/cli/units.js';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';
import { snapshot } from '../reliability/snapshot.js';
import { FIXTURES } from '../formats/helpers.js';
import { kvscope } from './run-cli.js';

vi.setConfig({ testTimeout: 180_000 });
afterAll(cleanTempDirs);

let cwd: string;
let dir: string;
/** Every live key (latin1 key string) and its record's bytes, read through the engine. */
const sizes = new Map<string, number>();

beforeAll(async () => {
  cwd = tempDir();
  dir = path.join(cwd, 'store');
  const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 2048 });
  for (let i = 0; i < 120; i++) await store.put(`${['user', 'img', 'cfg'][i % 3]}:${i % 5}:${i}`, 'v'.repeat((i * 41) % 500));
  await store.put('img:big', 'x'.repeat(3000));
  await store.put('img:big', 'x'.repeat(2500)); // an overwrite: only the live record counts
  await store.put('user:0:0', '');
  await store.delete('cfg:0:0');
  await store.put(Buffer.from([0x00, 0xff, 0x3a, 0x01]), 'bin'); // \x00\xff:\x01
  await store.put('lonely', 'no delimiter');
  for (const key of store.sortedKeys()) sizes.set(key, store.locate(Buffer.from(key, 'latin1'))!.length);
  await store.close();
});

/** The brute-force answer: keys under prefix grouped by their first `depth` levels. */
function expected(prefix: string, delimiter: string, depth: number): Map<string, { keys: number; bytes: number }> {
  const out = new Map<string, { keys: number; bytes: number }>();
  for (const [key, bytes] of sizes) {
    if (!key.startsWith(prefix)) continue;
    let at = prefix.length;
    let group = key;
    for (let level = 0; level < depth; level++) {
      const cut = key.indexOf(delimiter, at);
      if (cut === -1) {
        group = key;
        break;
      }
      at = cut + 1;
      group = key.slice(0, at);
    }
    const g = out.get(group) ?? { keys: 0, bytes: 0 };
    g.keys++;
    g.bytes += bytes;
    out.set(group, g);
  }
  return out;
}

const du = (...args: string[]) => kvscope(cwd, ['-d', dir, 'du', ...args]);
const json = (...args: string[]) => {
  const r = du(...args, '--json');
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out);
};

describe('kvscope du', () => {
  it('each branch at --depth under --prefix: its bytes and keys as a brute-force sum, largest first, adding up to the live bytes', () => {
    const stats = JSON.parse(kvscope(cwd, ['-d', dir, 'stats', '--json']).out);
    for (const [prefix, delimiter, depth] of [['', ':', 1], ['', ':', 2], ['img:', ':', 1], ['user:', ':', 3], ['', '/', 1]] as const) {
      const answer = json(...(prefix ? ['--prefix', prefix] : []), '--delimiter', delimiter, '--depth', String(depth));
      const want = expected(prefix, delimiter, depth);
      const got = new Map(answer.branches.map((b: { prefix: string; keys: number; bytes: number }) => [typeof b.prefix === 'string' ? Buffer.from(b.prefix, 'utf8').toString('latin1') : Buffer.from((b.prefix as { base64: string }).base64, 'base64').toString('latin1'), { keys: b.keys, bytes: b.bytes }]));
      expect(got).toEqual(want);
      const bytes = answer.branches.map((b: { bytes: number }) => b.bytes);
      expect(bytes).toEqual([...bytes].sort((a, b) => b - a));
      if (prefix === '') expect(answer.bytes).toBe(stats.liveBytes);
      expect(answer.keys).toBe([...want.values()].reduce((n, g) => n + g.keys, 0));
    }
  });

  it('prints size, key count and prefix a line each; --bytes exact; a key that is not text escaped as list does', () => {
    const text = du('--bytes');
    expect(text.code).toBe(0);
    const want = [...expected('', ':', 1)].sort((a, b) => b[1].bytes - a[1].bytes);
    const lines = text.out.trimEnd().split('\n');
    expect(lines.length).toBe(want.length);
    expect(lines[0]!.trim().split(/\s+/)).toEqual([String(want[0]![1].bytes), String(want[0]![1].keys), want[0]![0]]);
    expect(lines.some((l) => l.endsWith('  \\x00\\xff:'))).toBe(true);
    const human = du();
    expect(human.out.trimEnd().split('\n')[0]!.trim()).toMatch(new RegExp(`^${formatBytes(want[0]![1].bytes).replace('.', '\\.')}\\s+${want[0]![1].keys}\\s+${want[0]![0]}$`));
    // --key-hex: the prefix is hex bytes.
    expect(du('--key-hex', '--prefix', '00ff', '--bytes').out.trim().split(/\s+/)).toEqual([String(sizes.get('\u0000\u00ff:\u0001')), '1', '\\x00\\xff:']);
  });

  it('--top N: the N largest values, largest first, with where they are', () => {
    const answer = json('--top', '4');
    const want = [...sizes].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 4);
    expect(answer.values.map((v: { key: string; bytes: number }) => [v.key, v.bytes])).toEqual(want);
    expect(answer.values[0]).toMatchObject({ key: 'img:big', file: expect.stringMatching(/\.data$/), offset: expect.any(Number) });
    const text = du('--top', '2', '--prefix', 'user:');
    expect(text.code).toBe(0);
    const users = [...sizes].filter(([k]) => k.startsWith('user:')).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    expect(text.out.trimEnd().split('\n').map((l) => l.trim().split(/\s+/)[2])).toEqual(users.slice(0, 2).map(([k]) => k));
  });

  it('refuses what it cannot mean with exit 2, and `help du` says what it does', () => {
    for (const args of [['--top', '3', '--depth', '2'], ['--delimiter', '.'], ['--depth', '0'], ['--top', 'x'], ['somekey'], ['--limit', '3']]) {
      const r = du(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.out).toBe('');
    }
    const help = kvscope(cwd, ['help', 'du']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: kvscope [--dir DIR] du');
    expect(help.out).toContain('--top N');
  });

  it("another engine's store: the branches add up to its live bytes", () => {
    const riak = path.join(FIXTURES, 'riak-bitcask/merged/data');
    const answer = JSON.parse(kvscope(cwd, ['-d', riak, 'du', '--json', '--delimiter', '/']).out);
    const stats = JSON.parse(kvscope(cwd, ['-d', riak, 'stats', '--json']).out);
    expect(answer.keys).toBe(stats.keys);
    expect(answer.bytes).toBe(stats.liveBytes);
  });

  it('changes not a byte of the store', () => {
    const before = snapshot(dir);
    for (const args of [[], ['--depth', '3'], ['--top', '10', '--json'], ['--prefix', 'img:', '--bytes']]) {
      const r = du(...args);
      expect(r.code, r.err).toBe(0);
    }
    expect(snapshot(dir)).toEqual(before);
  });
});
