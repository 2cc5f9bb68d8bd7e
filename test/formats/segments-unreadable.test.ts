/**
 * `kvscope segments` on another engine's directory with a data file that
 * cannot be read (a symbolic link to nothing, a directory in its place)
 * failed as a whole ("reading segment-5.dat failed", exit 3), while list,
 * export and verify name the file and go on. It lists the file now, as a row
 * saying it cannot be read and why (text, and `unreadable` in --json), with
 * the open's note on stderr, and exits 0 as for other damage.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kvscope, tempDirs } from './helpers.js';

const temps = tempDirs();

describe.each([
  ['a dangling symbolic link', (file: string) => fs.symlinkSync('/nonexistent/segment-5.dat', file), 'a symbolic link to /nonexistent/segment-5.dat, which does not exist'],
  ['a directory', (file: string) => fs.mkdirSync(file), 'a directory, not a file'],
] as const)('segments with mini-kvstore-v2 segment-5.dat replaced by %s', (_what, breakIt, why) => {
  it('lists it as a row that cannot be read, and the other files as before (exit 0)', async () => {
    const dir = temps.fixture('mini-kvstore-v2/many-segments');
    const sound = await kvscope(['segments', '--dir', dir, '--json']);
    const seg = path.join(dir, 'db', 'segment-5.dat');
    fs.rmSync(seg);
    breakIt(seg);

    const text = await kvscope(['segments', '--dir', dir]);
    expect(text.code).toBe(0);
    expect(text.out.find((l) => l.startsWith('segment-5.dat'))).toMatch(new RegExp(`\\(cannot be read: ${why.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\)$`));
    expect(text.err).toEqual([expect.stringMatching(/^kvscope: recovery: skipped unreadable in segment-5\.dat at 0: the file cannot be read/)]);

    const json = await kvscope(['segments', '--dir', dir, '--json']);
    expect(json.code).toBe(0);
    type Row = { file: string; records: number; unreadable?: string };
    const rows = (JSON.parse(json.out[0]!) as { files: Row[] }).files;
    expect(rows.find((r) => r.file === 'segment-5.dat')).toMatchObject({ records: 0, unreadable: why });
    const before = (JSON.parse(sound.out[0]!) as { files: Row[] }).files;
    expect(rows.map((r) => [r.file, r.records])).toEqual(before.map((r) => [r.file, r.file === 'segment-5.dat' ? 0 : r.records]));
  });
});
