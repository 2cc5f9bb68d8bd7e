/**
 * What a script gets from --json, command by command (README, "--json"):
 * stdout is one JSON document, or JSON Lines for the commands that stream
 * (scan, dump, records, export); the exit code is the one the command has
 * without --json; a key not found is said on stderr as without --json, its
 * answer on stdout still JSON; a usage or store error leaves stdout empty
 * and says itself on stderr, with the same exit code.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';
import { kvscope } from './run-cli.js';

vi.setConfig({ testTimeout: 180_000 });
afterAll(cleanTempDirs);

const STREAMING = new Set(['scan', 'dump', 'records', 'export']);

function parsed(out: string, lines: boolean): unknown {
  if (!lines) return JSON.parse(out);
  expect(out.endsWith('\n')).toBe(true);
  return out.slice(0, -1).split('\n').map((l) => JSON.parse(l) as unknown);
}

describe('--json', () => {
  let cwd: string;
  beforeAll(() => {
    cwd = tempDir();
    expect(kvscope(cwd, ['demo', 'store']).code).toBe(0);
  });

  it('is JSON on stdout (one document, or JSON Lines where the command streams), with the exit code and stderr of the text run', () => {
    for (const args of [
      ['set', 'k', 'v'],
      ['get', 'k'],
      ['get', 'no-such-key'],
      ['delete', 'no-such-key'],
      ['list', '--limit', '3'],
      ['scan', '--limit', '3'],
      ['history', 'greeting'],
      ['history', 'no-such-key'],
      ['stats'],
      ['verify'],
      ['segments'],
      ['dump', '--segment', '000005.data'],
      ['records', '--segment', '000001.data', '--limit', '3'],
      ['export', '--prefix', 'user:0000'],
      ['formats'],
    ]) {
      const where = args[0] === 'formats' ? [] : ['-d', 'store'];
      const text = kvscope(cwd, [...where, ...args]);
      const json = kvscope(cwd, [...where, ...args, '--json']);
      const what = args.join(' ');
      expect(json.code, what).toBe(text.code);
      expect(() => parsed(json.out, STREAMING.has(args[0]!)), `${what}: ${json.out.slice(0, 200)}`).not.toThrow();
      // What is said on stderr (a key not found) is said either way; nothing else is there.
      expect(json.err, what).toBe(text.err);
    }
  });

  it('a usage or store error: stdout empty, the message on stderr, the exit code of the text run', () => {
    const cwd = tempDir();
    for (const args of [['get'], ['-d', 'missing', 'list'], ['list', '--limit', '0']]) {
      const text = kvscope(cwd, args);
      const json = kvscope(cwd, [...args, '--json']);
      expect([json.code, json.out], args.join(' ')).toEqual([text.code, '']);
      expect(json.err).toBe(text.err);
      expect(json.code).not.toBe(0);
    }
  });
});
