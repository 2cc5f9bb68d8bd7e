/**
 * A data file that is listed but cannot be read — a symbolic link to
 * nothing, a link loop, a directory with a segment's name — is reported,
 * never passed over (QA: `verify` said OK and key k5 was gone). verify: an
 * `unreadable` problem, exit 1. Opening read-only: a warning (its keys are
 * missing; export exits 1); a writer of a kvscope store refuses with a
 * clear error (exit 3). Nothing is written into the directory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openForeign } from '../../src/engine/foreign-store.js';
import { Store } from '../../src/engine/store.js';
import { kvscope, tempDirs } from './helpers.js';


const temps = tempDirs();
const copyOf = temps.fixture;

/** Names and link targets of everything under dir (hashTree skips links and directories). */
function listing(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const p = path.join(e.parentPath, e.name);
    out.push(`${path.relative(dir, p)} ${e.isSymbolicLink() ? `-> ${fs.readlinkSync(p)}` : e.isDirectory() ? 'dir' : fs.readFileSync(p).toString('base64')}`);
  }
  return out.sort();
}

const BREAKAGES: Array<[string, (file: string) => void, RegExp]> = [
  ['a dangling symbolic link', (file) => fs.symlinkSync('/nonexistent/segment.dat', file), /symbolic link to \/nonexistent\/segment\.dat, which does not exist/],
  ['a symbolic link loop', (file) => fs.symlinkSync(path.basename(file), file), /symbolic link .*loops/],
  ['a directory', (file) => fs.mkdirSync(file), /a directory, not a file/],
];

describe.each(BREAKAGES)('mini-kvstore-v2 with segment-5.dat replaced by %s', (_what, breakIt, why) => {
  it('verify reports it (exit 1); the open warns and export exits 1; nothing changes', async () => {
    const dir = copyOf('mini-kvstore-v2/many-segments');
    const seg = path.join(dir, 'db', 'segment-5.dat');
    fs.rmSync(seg);
    breakIt(seg);
    const before = listing(dir);

    const verify = await kvscope(['verify', '--dir', dir]);
    expect(verify.code).toBe(1);
    expect(verify.out.join('\n')).toMatch(new RegExp(`segment-5\\.dat@0\\s+unreadable\\s+the file cannot be read \\(.*${why.source}`));

    const store = await openForeign(dir);
    try {
      expect(store.openProblems()).toEqual([expect.objectContaining({ file: 'segment-5.dat', kind: 'unreadable' })]);
      expect(store.has('k5')).toBe(false);
    } finally {
      await store.close();
    }
    const exp = await kvscope(['export', '--dir', dir]);
    expect(exp.code).toBe(1);
    expect(exp.err[0]).toMatch(/^kvscope: recovery: skipped unreadable in segment-5\.dat at 0: the file cannot be read/);
    expect(listing(dir)).toEqual(before);
  });
});

describe('Riak with a data file replaced by a dangling link', () => {
  it('is reported by verify and the open', async () => {
    const dir = copyOf('riak-bitcask/basic');
    fs.rmSync(path.join(dir, '2.bitcask.data'));
    fs.symlinkSync('/nonexistent/2.bitcask.data', path.join(dir, '2.bitcask.data'));
    const verify = await kvscope(['verify', '--dir', dir]);
    expect(verify.code).toBe(1);
    expect(verify.out.join('\n')).toContain('2.bitcask.data@0  unreadable');
    const list = await kvscope(['list', '--dir', dir]);
    expect(list.code).toBe(0);
    expect(list.err).toContainEqual(expect.stringMatching(/^kvscope: recovery: skipped unreadable in 2\.bitcask\.data at 0/));
  });
});

describe('a kvscope store with a segment replaced by a dangling link', () => {
  async function store(): Promise<{ dir: string; segment: string }> {
    const dir = temps.empty('kvscope-unreadable-');
    let s = await Store.open(dir, { create: true, segmentSize: 100 });
    await s.put('a', 'x'.repeat(60));
    await s.put('b', 'y'.repeat(60));
    await s.put('c', 'z'.repeat(60));
    const segment = s.locate('b')!.file;
    await s.close();
    expect(segment).not.toBe((s = await Store.open(dir, { readOnly: true })).locate('c')!.file);
    await s.close();
    fs.rmSync(path.join(dir, segment));
    fs.symlinkSync('/nonexistent/segment', path.join(dir, segment));
    return { dir, segment };
  }

  it('verify reports it (exit 1), read-only opens warn and leave its keys out, export exits 1', async () => {
    const { dir, segment } = await store();
    const before = listing(dir);
    const verify = await kvscope(['verify', '--dir', dir]);
    expect(verify.code).toBe(1);
    expect(verify.out.join('\n')).toMatch(new RegExp(`${segment}@0\\s+unreadable\\s+the segment cannot be read \\(a symbolic link to /nonexistent/segment, which does not exist\\)`));
    const list = await kvscope(['list', '--dir', dir]);
    expect(list.code).toBe(0);
    expect(list.out).toEqual(['a', 'c']);
    expect(list.err).toEqual([expect.stringMatching(new RegExp(`^kvscope: recovery: skipped unreadable in ${segment} at 0: the segment cannot be read`))]);
    expect((await kvscope(['export', '--dir', dir])).code).toBe(1);
    expect(listing(dir)).toEqual(before);
  });

  it('segments lists it as a row that says why; records of another file work; records of it name why (exit 3)', async () => {
    const { dir, segment } = await store();
    const before = listing(dir);
    const segments = await kvscope(['segments', '--dir', dir]);
    expect(segments.code).toBe(0);
    expect(segments.out.find((l) => l.startsWith(segment))).toMatch(/\(cannot be read: a symbolic link to \/nonexistent\/segment, which does not exist\)$/);
    const json = await kvscope(['segments', '--dir', dir, '--json']);
    expect(JSON.parse(json.out.join('\n')).files).toContainEqual(expect.objectContaining({ file: segment, unreadable: 'a symbolic link to /nonexistent/segment, which does not exist' }));
    const other = (await Store.open(dir, { readOnly: true }).then(async (s) => [s.locate('a')!.file, await s.close()]))[0] as string;
    const records = await kvscope(['records', '--segment', other, '--dir', dir]);
    expect(records.code).toBe(0);
    expect(records.out.some((l) => /\blive\s+a$/.test(l))).toBe(true);
    const broken = await kvscope(['records', '--segment', segment, '--dir', dir]);
    expect(broken.code).toBe(3);
    expect(broken.err.at(-1)).toBe(`kvscope: reading ${segment} failed: ${segment} cannot be read: a symbolic link to /nonexistent/segment, which does not exist`);
    expect(listing(dir)).toEqual(before);
  });

  it('a writer refuses to open it, naming the file (exit 3)', async () => {
    const { dir, segment } = await store();
    const before = listing(dir);
    const set = await kvscope(['set', 'd', '1', '--dir', dir]);
    expect(set.code).toBe(3);
    expect(set.err.join('\n')).toContain(`opening ${segment} failed: the segment cannot be read`);
    expect(listing(dir)).toEqual(before);
  });
});
