/**
 * What the commands show: figures worded for what happened, keys shown the
 * same way by every command.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';
import { kvscope } from './run-cli.js';

vi.setConfig({ testTimeout: 180_000 });
afterAll(cleanTempDirs);

describe('compact', () => {
  it('a compaction that makes the store larger says "Grew by", not "Reclaimed -N B"', () => {
    const cwd = tempDir();
    for (let i = 1; i <= 6; i++) expect(kvscope(cwd, ['-d', 'gr', 'set', `k${i}`, `value${i}`]).code).toBe(0);
    expect(kvscope(cwd, ['-d', 'gr', 'set', 'k1', 'again']).code).toBe(0);
    // Segments of 46 bytes: one record each, each with its header and hint.
    const r = kvscope(cwd, ['-d', 'gr', 'compact', '--segment-size', '46']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Compaction finished\nGrew by \d+ B \((\d+) → (\d+) bytes\), dropped 1 records/);
    expect(r.out).not.toContain('-');
  });
});

describe('dump', () => {
  it('shows a key as list and records do (escaped once: back\\\\slash, not "back\\\\\\\\slash")', () => {
    const cwd = tempDir();
    expect(kvscope(cwd, ['-d', 'bs', 'set', 'back\\slash', 'v']).code).toBe(0);
    expect(kvscope(cwd, ['-d', 'bs', 'set', 'a b', 'v']).code).toBe(0);
    expect(kvscope(cwd, ['-d', 'bs', 'list']).out).toBe('a b\nback\\\\slash\n');
    expect(kvscope(cwd, ['-d', 'bs', 'records', '--segment', '000001.data']).out).toContain(' back\\\\slash\n');
    const dumped = kvscope(cwd, ['-d', 'bs', 'dump']).out.split('\n');
    expect(dumped[1]).toBe('000001.data@24\t33\tput\tvalid\tseq=1\tkey=back\\\\slash\tvalue=1');
    expect(dumped[2]).toBe('000001.data@57\t26\tput\tvalid\tseq=2\tkey=a b\tvalue=1');
  });
});

describe('the empty key', () => {
  it('list, scan, records and dump say it (\\(empty key)), where list printed a blank line; --json keeps ""', () => {
    const cwd = tempDir();
    expect(kvscope(cwd, ['-d', 'ek', 'set', '', 'empty']).code).toBe(0);
    expect(kvscope(cwd, ['-d', 'ek', 'set', '(empty key)', 'spelled']).code).toBe(0);
    // A key spelled like it prints as itself: the backslash tells them apart, as it marks an escaped key.
    expect(kvscope(cwd, ['-d', 'ek', 'list']).out).toBe('\\(empty key)\n(empty key)\n');
    expect(JSON.parse(kvscope(cwd, ['-d', 'ek', 'list', '--json']).out)).toEqual(['', '(empty key)']);
    expect(kvscope(cwd, ['-d', 'ek', 'scan']).out).toBe('\\(empty key)\tempty\n(empty key)\tspelled\n');
    expect(kvscope(cwd, ['-d', 'ek', 'records', '--segment', '000001.data']).out.split('\n')[2]).toMatch(/ live +\\\(empty key\)$/);
    expect(kvscope(cwd, ['-d', 'ek', 'dump']).out.split('\n')[1]).toBe('000001.data@24\t27\tput\tvalid\tseq=1\tkey=\\(empty key)\tvalue=5');
  });
});

describe('repair', () => {
  it('words the key count neutrally (the store need not be damaged)', () => {
    const cwd = tempDir();
    expect(kvscope(cwd, ['-d', 'sound', 'set', 'a', '1']).code).toBe(0);
    const r = kvscope(cwd, ['-d', 'sound', 'repair', '--to', 'copy']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('The source listed 1 live key(s); the copy lacks 0');
    expect(r.out).not.toContain('damaged store');
  });
});

describe('U+FFFD in keys and values', () => {
  it('list and scan show a real U+FFFD (valid UTF-8) as the character, bytes that are not UTF-8 escaped', () => {
    const cwd = tempDir();
    expect(kvscope(cwd, ['-d', 'r', '--key-hex', 'set', '6befbfbd', 'v']).code).toBe(0); // k + U+FFFD
    expect(kvscope(cwd, ['-d', 'r', '--key-hex', 'set', '6bff', 'w']).code).toBe(0); // k + a byte that is not UTF-8
    expect(kvscope(cwd, ['-d', 'r', 'import', '-'], '{"key":"x","value":"a\\ufffdb"}\n').code).toBe(0);
    expect(kvscope(cwd, ['-d', 'r', 'list']).out).toBe('k\uFFFD\nk\\xff\nx\n');
    expect(kvscope(cwd, ['-d', 'r', 'scan']).out).toBe('k\uFFFD\tv\nk\\xff\tw\nx\ta\uFFFDb\n');
  });
});
