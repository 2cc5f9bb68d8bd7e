/**
 * The glob syntax the inspector shows beside the key filter says what the
 * parser reads: every example is accepted, every refused one refused.
 */
import { describe, expect, it } from 'vitest';
import { compileGlob, GlobSyntaxError, globProblem, parseGlob } from '../../src/inspector/glob.js';
import { textToKeyString } from '../../src/shared/keytext.js';
import { GLOB_REFUSED, GLOB_REFUSED_EXAMPLES, GLOB_SYNTAX } from '../../src/shared/glob-syntax.js';

describe('the glob syntax shown beside the filter', () => {
  it('every example is read, and means what its line says', () => {
    for (const { examples } of GLOB_SYNTAX) for (const p of examples) expect(globProblem(p), p).toBeNull();
    const keys = ['', 'a', 'b', 'x', '-', ']', '[', '{', '*', '\\', '7', '12', '01', 'as', '{a}', 'user:1', 'order:1'];
    const read = (p: string) => keys.filter(compileGlob(p));
    expect(read('*')).toEqual(keys);
    expect(read('?')).toEqual(keys.filter((k) => k.length === 1));
    expect(read('[abc]')).toEqual(['a', 'b']);
    expect(read('[!a-z]')).toEqual(['-', ']', '[', '{', '*', '\\', '7']);
    expect(read('[]a]')).toEqual(['a', ']']);
    expect(read('[a-]')).toEqual(['a', '-']);
    expect(read('[[:digit:]]')).toEqual(['7']);
    expect(read('a{,s}')).toEqual(['a', 'as']);
    expect(read('{1..12}')).toEqual(['7', '12']);
    expect(read('{a}')).toEqual(['{a}']);
    expect(read('\\[')).toEqual(['[']);
    expect(read('\\{')).toEqual(['{']);
    expect(read('\\*')).toEqual(['*']);
    expect(read('\\\\')).toEqual(['\\']);
    expect(read('!user:*')).toEqual(keys.filter((k) => k !== 'user:1'));
  });

  it('every pattern it says is refused is refused, and the text names it', () => {
    for (const p of GLOB_REFUSED_EXAMPLES) {
      expect(globProblem(p), p).not.toBeNull();
      // As the key index reads the filter's text: its UTF-8 bytes.
      expect(() => parseGlob(textToKeyString(p), { textBytes: true }), p).toThrow(GlobSyntaxError);
    }
    for (const p of ['[', '[]', '{a,b', '[z-a]']) expect(GLOB_REFUSED).toContain(`'${p}'`);
  });
});
