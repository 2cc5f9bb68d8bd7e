/**
 * How the REPL splits a line into words (src/cli/repl-words.ts): as sh does
 * with quotes and backslashes, with none of its expansions, and an
 * unterminated quote as an error.
 */
import { describe, expect, it } from 'vitest';
import { LineSyntaxError, splitPartialLine, splitWords } from '../../src/cli/repl-words.js';

describe('splitWords', () => {
  it('splits on runs of spaces and tabs', () => {
    expect(splitWords('set name Alice')).toEqual(['set', 'name', 'Alice']);
    expect(splitWords('  get \t  name  ')).toEqual(['get', 'name']);
    expect(splitWords('')).toEqual([]);
    expect(splitWords(' \t ')).toEqual([]);
  });

  it('keeps what double quotes hold, with \\" and \\\\ as escapes and any other backslash as it is', () => {
    expect(splitWords('set "x y" z')).toEqual(['set', 'x y', 'z']);
    expect(splitWords('set "a \\"quoted\\" word" v')).toEqual(['set', 'a "quoted" word', 'v']);
    expect(splitWords('set "back\\\\slash" v')).toEqual(['set', 'back\\slash', 'v']);
    expect(splitWords('set "a\\nb" v')).toEqual(['set', 'a\\nb', 'v']); // as in sh: not a newline, not "anb"
    expect(splitWords('set "it\'s" v')).toEqual(['set', "it's", 'v']);
  });

  it('keeps what single quotes hold exactly, backslashes included', () => {
    expect(splitWords("set 'x  y' z")).toEqual(['set', 'x  y', 'z']);
    expect(splitWords("set 'a\\b' 'say \"hi\"'")).toEqual(['set', 'a\\b', 'say "hi"']);
  });

  it('outside quotes a backslash makes the next character part of the word', () => {
    expect(splitWords('set x\\ y z')).toEqual(['set', 'x y', 'z']);
    expect(splitWords('set it\\\'s \\"q\\" a\\\\b')).toEqual(['set', "it's", '"q"', 'a\\b']);
  });

  it('joins parts that touch into one word; "" and \'\' are empty words', () => {
    expect(splitWords('set a"b c"d\'e f\'g v')).toEqual(['set', 'ab cde fg', 'v']);
    expect(splitWords('set "" \'\'')).toEqual(['set', '', '']);
    expect(splitWords('get ""')).toEqual(['get', '']);
  });

  it('has no expansions: $, globs, ~, #, operators are ordinary characters', () => {
    expect(splitWords('set $HOME ~/x')).toEqual(['set', '$HOME', '~/x']);
    expect(splitWords('set a*b [c] a|b;c>d #e')).toEqual(['set', 'a*b', '[c]', 'a|b;c>d', '#e']);
    expect(splitWords('set user:1 café→☃')).toEqual(['set', 'user:1', 'café→☃']);
    expect(splitWords('set k 😀\\😀')).toEqual(['set', 'k', '😀😀']);
  });

  it('an unterminated quote or a final backslash is an error that says where, not a guess', () => {
    expect(() => splitWords('set "x y z')).toThrow(LineSyntaxError);
    expect(() => splitWords('set "x y z')).toThrow('unterminated " quote at column 5');
    expect(() => splitWords("set don't v")).toThrow("unterminated ' quote at column 8");
    expect(() => splitWords('set "a\\" b')).toThrow('unterminated " quote'); // the escaped quote does not close it
    expect(() => splitWords('set k v\\')).toThrow('ends with a backslash');
  });
});

describe('splitPartialLine (a line still being typed, for Tab)', () => {
  it('gives the words before the last one, and where the last begins, what it reads as and the quote it is in', () => {
    expect(splitPartialLine('')).toEqual({ words: [], current: { start: 0, text: '', begun: false, open: undefined } });
    expect(splitPartialLine('get ')).toEqual({ words: ['get'], current: { start: 4, text: '', begun: false, open: undefined } });
    expect(splitPartialLine('get my\\ k')).toEqual({ words: ['get'], current: { start: 4, text: 'my k', begun: true, open: undefined } });
    expect(splitPartialLine('get  "my \\"k')).toEqual({ words: ['get'], current: { start: 5, text: 'my "k', begun: true, open: '"' } });
    expect(splitPartialLine("set a'b' 'it")).toEqual({ words: ['set', 'ab'], current: { start: 9, text: 'it', begun: true, open: "'" } });
    expect(splitPartialLine('get my\\')).toEqual({ words: ['get'], current: { start: 4, text: 'my', begun: true, open: '\\' } });
    expect(splitPartialLine('get ""')).toEqual({ words: ['get'], current: { start: 4, text: '', begun: true, open: undefined } });
  });
});
