/**
 * A directory whose only data file cannot be read — kvdb's logs/wal.log,
 * tiny-log-kv's store.log, kvstore-rs's default.json replaced by a symbolic
 * link to nothing or a directory — was "no known store format found"
 * (exit 3): detection looked only at readable files, so the user was never
 * told which file was wrong. Each of these programs fails to open such a
 * directory (kvdb: OpenOptions::open(...).unwrap()). Now the format is
 * detected and the open fails naming the file and why (exit 3), for every
 * read command and verify; nothing is written. (Permission denied — EACCES —
 * takes the same path: the replay's read fails and is named the same way;
 * tests run as root here, where it cannot be produced.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectAll } from '../../src/engine/formats/registry.js';
import { openForeign } from '../../src/engine/foreign-store.js';
import { kvscope, tempDirs } from './helpers.js';

const temps = tempDirs();

const ONLY_FILES: Array<[format: string, fixture: string, file: string]> = [
  ['kvdb', 'kvdb/basic', 'logs/wal.log'],
  ['tiny-log-kv', 'tiny-log-kv/basic', 'store.log'],
  ['kvstore-rs', 'kvstore-rs/basic', 'default.json'],
];

const BREAKAGES: Array<[what: string, breakIt: (file: string) => void, why: string]> = [
  ['a dangling symbolic link', (file) => fs.symlinkSync('/nonexistent/log', file), 'a symbolic link to /nonexistent/log, which does not exist'],
  ['a directory', (file) => fs.mkdirSync(file), 'a directory, not a file'],
];

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

describe.each(ONLY_FILES)('%s with its only file (%s) broken', (format, fixture, file) => {
  it.each(BREAKAGES)('replaced by %s: detected, and every command fails naming the file (exit 3)', async (_what, breakIt, why) => {
    const dir = temps.fixture(fixture);
    const target = path.join(dir, ...file.split('/'));
    fs.rmSync(target);
    breakIt(target);
    const before = fs.readdirSync(dir, { recursive: true }).map(String).sort();

    const detected = detectAll(dir)[0];
    expect(detected).toMatchObject({ format, reason: expect.stringContaining(`cannot be read (${why})`) });

    const message = `kvscope: ${format} data file ${file} cannot be read: ${why}`;
    for (const argv of [['list'], ['get', 'user'], ['export'], ['verify'], ['stats']]) {
      const run = await kvscope([...argv, '--dir', dir]);
      expect(run.code, argv.join(' ')).toBe(3);
      expect(run.err.join('\n'), argv.join(' ')).toMatch(new RegExp(`^${escape(message)}`));
      expect(run.err.join('\n')).not.toContain('no known store format');
    }
    await expect(openForeign(dir)).rejects.toThrow(`${format} data file ${file} cannot be read: ${why}`);
    expect(fs.readdirSync(dir, { recursive: true }).map(String).sort()).toEqual(before);
  });
});

describe('kvdb opened at its logs/ folder, wal.log a dangling link', () => {
  it('names the file (exit 3)', async () => {
    const dir = temps.fixture('kvdb/basic');
    const log = path.join(dir, 'logs', 'wal.log');
    fs.rmSync(log);
    fs.symlinkSync('/nonexistent/wal.log', log);
    const run = await kvscope(['list', '--dir', path.join(dir, 'logs')]);
    expect(run.code).toBe(3);
    expect(run.err).toEqual(['kvscope: kvdb data file wal.log cannot be read: a symbolic link to /nonexistent/wal.log, which does not exist']);
  });
});

describe('a segmented store none of whose data files can be read', () => {
  it('fails the open the same way, naming each file', async () => {
    const dir = temps.fixture('mini-kvstore-v2/legacy-c548bfb-rotated');
    for (const name of ['segment-0.dat', 'segment-1.dat']) {
      const seg = path.join(dir, 'data', name);
      fs.rmSync(seg);
      fs.mkdirSync(seg);
    }
    const run = await kvscope(['list', '--dir', dir]);
    expect(run.code).toBe(3);
    expect(run.err.join('\n')).toContain(
      'none of the 2 mini-kvstore-v2-c548bfb data files can be read: segment-0.dat cannot be read: a directory, not a file; segment-1.dat cannot be read: a directory, not a file',
    );
  });

  it('one readable data file of several is still an open with a note (unchanged)', async () => {
    const dir = temps.fixture('mini-kvstore-v2/legacy-c548bfb-rotated');
    const seg = path.join(dir, 'data', 'segment-1.dat');
    fs.rmSync(seg);
    fs.mkdirSync(seg);
    const run = await kvscope(['list', '--dir', dir]);
    expect(run.code).toBe(0);
    expect(run.err).toEqual([expect.stringMatching(/^kvscope: recovery: skipped unreadable in segment-1\.dat at 0: the file cannot be read \(a directory, not a file\)/)]);
  });
});
