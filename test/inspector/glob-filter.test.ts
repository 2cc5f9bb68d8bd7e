/**
 * A malformed glob in the key filter is refused with what is wrong with it
 * (BAD_REQUEST "invalid pattern: …"), not answered with no keys.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { globProblem } from '../../src/inspector/glob.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { InspectorService } from '../../src/inspector/service.js';
import { rejection } from './rejection.js';

describe('globProblem', () => {
  it('names an unclosed [ or {, a reversed range and a trailing backslash', () => {
    expect(globProblem('[')).toBe('the [ at position 1 is never closed (write \\[ for a literal one)');
    expect(globProblem('user:[0-9')).toBe('the [ at position 6 is never closed (write \\[ for a literal one)');
    expect(globProblem('{a,b')).toBe('the { at position 1 is never closed (write \\{ for a literal one)');
    expect(globProblem('x{a,{b,c}')).toBe('the { at position 2 is never closed (write \\{ for a literal one)');
    expect(globProblem('[z-a]*')).toBe('the range z-a is reversed (write a-z)');
    expect(globProblem('\\')).toBe('a trailing \\ escapes nothing (write \\\\ for a backslash)');
    expect(globProblem('user\\')).toBe('a trailing \\ escapes nothing (write \\\\ for a backslash)');
    expect(globProblem('v{1..5000}')).toBe("the range {1..5000} is too long: a pattern's ranges hold at most 1000 numbers in all (write \\{ for literal text)");
    expect(globProblem('café:[0-9')).toBe('the [ at position 6 is never closed (write \\[ for a literal one)');
  });

  it('refuses a class holding a character wider than one byte, which it could never match (before: [é] accepted, matching no key é)', () => {
    expect(globProblem('[é]')).toBe('the é at position 2 is 2 bytes in UTF-8, and a class [...] matches one byte (write {é,…} for a choice of characters)');
    expect(globProblem('user:[a-é]')).toBe('the é at position 9 is 2 bytes in UTF-8, and a class [...] matches one byte (write {é,…} for a choice of characters)');
    expect(globProblem('[!€]')).toBe('the € at position 3 is 3 bytes in UTF-8, and a class [...] matches one byte (write {€,…} for a choice of characters)');
    expect(globProblem('😀[\\😀]')).toBe('the 😀 at position 4 is 4 bytes in UTF-8, and a class [...] matches one byte (write {😀,…} for a choice of characters)');
    // Outside a class, and in braces, a wide character is its bytes in order: accepted.
    for (const p of ['é*', '{é,è}', 'café:?', '\é']) expect(globProblem(p), p).toBeNull();
  });

  it('accepts every well-formed pattern, escapes and literal braces included', () => {
    for (const p of ['', '*', 'user:*', '[a-z]*', '[!a-z]', '[^a]', '[]a]', '[[:digit:]]', '[\\]]', '{a,b}', 'a{,s}', '{a..e}', '{1..12}', '{abc}', '}', ']', '\\[', '\\{', '\\\\', '!user:*', '[{]', '{[,],x}', '[a-a]', '[a-]', '[!a]', '[]]', 'v{1..1000}']) {
      expect(globProblem(p), p).toBeNull();
    }
  });
});

describe('the key filter', () => {
  let base: string;
  let service: InspectorService;
  let sessionId: string;
  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'kvscope-globf-'));
    const store = await Store.open(join(base, 'store'), { create: true, fsync: 'never' });
    for (const k of ['a', 'b', '[', '{a,b']) await store.put(k, 'v');
    await store.close();
    service = new InspectorService({ opener: createEngineOpener(), configDir: join(base, 'config') });
    ({ sessionId } = await service.dispatch('openStore', { path: join(base, 'store') }));
  });
  afterAll(async () => {
    await service.close();
    rmSync(base, { recursive: true, force: true });
  });

  it('refuses a malformed glob with BAD_REQUEST saying why, in the list and in the tree', async () => {
    for (const pattern of ['[', '[]', '{a,b', '[z-a]*', '\\', 'a\\', 'v{1..5000}', 'é{']) {
      const filter = { mode: 'glob' as const, pattern };
      const list = await rejection(service.dispatch('listKeys', { sessionId, offset: 0, limit: 10, filter }));
      expect(list.code, pattern).toBe('BAD_REQUEST');
      expect(list.message, pattern).toBe(`invalid pattern: ${globProblem(pattern)}`);
      expect(list.details).toEqual({ pattern });
      const tree = await rejection(service.dispatch('keyTree', { sessionId, delimiter: ':', prefix: '', filter }));
      expect(tree.code, pattern).toBe('BAD_REQUEST');
    }
  });

  it('still answers well-formed globs, and the same text as a substring', async () => {
    expect((await service.dispatch('listKeys', { sessionId, offset: 0, limit: 10, filter: { mode: 'glob', pattern: '\\[' } })).keys.map((k) => k.key)).toEqual(['[']);
    expect((await service.dispatch('listKeys', { sessionId, offset: 0, limit: 10, filter: { mode: 'glob', pattern: '{a,b}' } })).total).toBe(2);
    expect((await service.dispatch('listKeys', { sessionId, offset: 0, limit: 10, filter: { mode: 'substring', pattern: '[' } })).total).toBe(1);
  });
});
