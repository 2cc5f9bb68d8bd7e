import fc from 'fast-check';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { textToKeyString } from '../../src/shared/keytext.js';
import { compileGlob, GlobMatcher, GlobSyntaxError, globProblem, MAX_RANGE_ITEMS, parseGlob } from '../../src/inspector/glob.js';

const matches = (pattern: string, key: string) => compileGlob(pattern)(key);
const keysMatching = (pattern: string, keys: string[]) => keys.filter(compileGlob(pattern));

/**
 * A reference matcher over the parsed glob: plain backtracking, exponential
 * at worst, fine on short keys. Independent of the NFA, the DFA, its byte
 * classes, its flushes and its prefix/suffix checks.
 */
function reference(pattern: string): (key: string) => boolean {
  const { negated, nodes } = parseGlob(pattern);
  type Node = (typeof nodes)[number];
  // The ends (positions in key) that `seq` from `at` can reach.
  const ends = (seq: Node[], at: number, key: string): Set<number> => {
    let current = new Set([at]);
    for (const node of seq) {
      const next = new Set<number>();
      for (const i of current) {
        if (node.kind === 'star') for (let j = i; j <= key.length; j++) next.add(j);
        else if (node.kind === 'set') {
          if (i < key.length && node.set[Math.min(key.charCodeAt(i), 256)] === 1) next.add(i + 1);
        } else for (const alt of node.alts) for (const j of ends(alt, i, key)) next.add(j);
      }
      current = next;
    }
    return current;
  };
  return (key) => ends(nodes, 0, key).has(key.length) !== negated;
}

describe('glob syntax', () => {
  it("'*' is any run of bytes, '/' and the empty one included; '**' is the same", () => {
    expect(matches('user:*:name', 'user:10:name')).toBe(true);
    expect(matches('user:*:name', 'user::name')).toBe(true);
    expect(matches('user:*:name', 'user:1:names')).toBe(false);
    expect(matches('c*n', 'config/app.json')).toBe(true);
    expect(matches('a/**/b', 'a/b')).toBe(false);
    expect(matches('a/**/b', 'a//b')).toBe(true);
    expect(matches('a**b', 'a/x/y/b')).toBe(true);
    expect(matches('*', '')).toBe(true); // the empty key is a key like any other
    expect(matches('*', '..')).toBe(true);
    expect(matches('*', '\n')).toBe(true);
    expect(matches('*', '\u0000\u00ff')).toBe(true);
    expect(matches('', '')).toBe(true);
    expect(matches('', 'a')).toBe(false);
    expect(matches('abc', 'abc')).toBe(true);
    expect(matches('abc', 'abcd')).toBe(false);
    expect(matches('abc', 'xabc')).toBe(false);
  });

  it("'?' is any one byte", () => {
    expect(matches('user:?:name', 'user:1:name')).toBe(true);
    expect(matches('user:?:name', 'user:10:name')).toBe(false);
    expect(matches('a?b', 'a/b')).toBe(true);
    expect(matches('??', '\u0000\u00ff')).toBe(true);
    expect(matches('a?', 'a')).toBe(false);
  });

  it('[...] is one byte of a set: ranges, negation, POSIX classes, escapes', () => {
    expect(keysMatching('user:[2-9]*', ['user:1', 'user:2', 'user:9x', 'user:a'])).toEqual(['user:2', 'user:9x']);
    expect(keysMatching('[abc]', ['a', 'c', 'd', 'ab'])).toEqual(['a', 'c']);
    expect(keysMatching('[!a-c]', ['a', 'd', '/', '!'])).toEqual(['d', '/', '!']);
    expect(keysMatching('[^a-c]', ['a', 'd', '/', '^'])).toEqual(['d', '/', '^']);
    expect(keysMatching('[]a]', [']', 'a', 'b'])).toEqual([']', 'a']);
    expect(keysMatching('[!]]', [']', 'a'])).toEqual(['a']);
    expect(keysMatching('[a-]', ['a', '-', 'b'])).toEqual(['a', '-']);
    expect(keysMatching('[-a]', ['a', '-', 'b'])).toEqual(['a', '-']);
    expect(keysMatching('[a\\-z]', ['a', '-', 'z', 'b'])).toEqual(['a', '-', 'z']);
    expect(keysMatching('[\\]]', [']', '\\'])).toEqual([']']);
    expect(keysMatching('[[:digit:]x]', ['5', 'x', 'a'])).toEqual(['5', 'x']);
    expect(keysMatching('[[:alpha:]_]*', ['a1', 'Z', '_x', '1a'])).toEqual(['a1', 'Z', '_x']);
    expect(keysMatching('[[:upper:][:digit:]]', ['A', '7', 'a'])).toEqual(['A', '7']);
    expect(keysMatching('[[:space:]]', [' ', '\t', 'a'])).toEqual([' ', '\t']);
    expect(keysMatching('[[:punct:]]', ['!', '/', '~', '[', 'a', ' '])).toEqual(['!', '/', '~', '[']);
    expect(keysMatching('[\u0000-\u001f]', ['\u0000', '\u001f', ' '])).toEqual(['\u0000', '\u001f']);
  });

  it('{a,b} is any of the alternatives, each a glob; {a..e} and {1..12} are ranges; other braces are literal', () => {
    expect(keysMatching('{user,order}:*', ['user:1', 'order:2', 'session:3'])).toEqual(['user:1', 'order:2']);
    expect(keysMatching('a{,s}', ['a', 'as', 'ass'])).toEqual(['a', 'as']);
    expect(keysMatching('{a,{b,c}d}', ['a', 'bd', 'cd', 'b', 'ad'])).toEqual(['a', 'bd', 'cd']);
    expect(keysMatching('{a*,*b}', ['ax', 'xb', 'xx'])).toEqual(['ax', 'xb']);
    expect(keysMatching('{[ab],c}x', ['ax', 'bx', 'cx', 'dx'])).toEqual(['ax', 'bx', 'cx']);
    expect(keysMatching('{a,b}{c,d}', ['ac', 'bd', 'ab', 'cd'])).toEqual(['ac', 'bd']);
    expect(keysMatching('{[,],x}', [',', 'x', '['])).toEqual([',', 'x']);
    expect(keysMatching('{a\\,b,c}', ['a,b', 'c', 'a'])).toEqual(['a,b', 'c']);
    expect(keysMatching('k{a..c}', ['ka', 'kc', 'kd'])).toEqual(['ka', 'kc']);
    expect(keysMatching('k{c..a}', ['ka', 'kc', 'kd'])).toEqual(['ka', 'kc']);
    expect(keysMatching('v{1..12}', ['v1', 'v9', 'v10', 'v12', 'v13', 'v0'])).toEqual(['v1', 'v9', 'v10', 'v12']);
    expect(keysMatching('v{3..-1}', ['v-1', 'v0', 'v3', 'v4'])).toEqual(['v-1', 'v0', 'v3']);
    expect(keysMatching('v{01..10}', ['v01', 'v1', 'v10', 'v09'])).toEqual(['v01', 'v10', 'v09']);
    // Without a comma or a range, the braces are literal (what they hold is still a glob); so is a '}' with no '{'.
    expect(keysMatching('{a}', ['a', '{a}'])).toEqual(['{a}']);
    expect(keysMatching('{}', ['', '{}'])).toEqual(['{}']);
    expect(keysMatching('a}', ['a}'])).toEqual(['a}']);
    expect(keysMatching('\\{{a,b}', ['{a', '{b', 'a'])).toEqual(['{a', '{b']);
    expect(keysMatching('{a*}', ['{a}', '{ax}', 'a'])).toEqual(['{a}', '{ax}']);
    expect(keysMatching(`v{1..${MAX_RANGE_ITEMS}}`, ['v1', `v${MAX_RANGE_ITEMS}`, `v${MAX_RANGE_ITEMS + 1}`])).toEqual(['v1', `v${MAX_RANGE_ITEMS}`]);
  });

  it('a backslash makes the next character literal; a leading ! negates', () => {
    expect(keysMatching('a\\*b', ['a*b', 'axb'])).toEqual(['a*b']);
    expect(keysMatching('\\?', ['?', 'a'])).toEqual(['?']);
    expect(keysMatching('\\[a]', ['[a]', 'a'])).toEqual(['[a]']);
    expect(keysMatching('\\{a,b}', ['{a,b}', 'a'])).toEqual(['{a,b}']);
    expect(keysMatching('a\\\\b', ['a\\b'])).toEqual(['a\\b']);
    expect(keysMatching('a\\\\', ['a\\', 'a'])).toEqual(['a\\']);
    expect(keysMatching('\\!a', ['!a', 'b'])).toEqual(['!a']);
    expect(keysMatching('!user:*', ['user:1', 'order:1', ''])).toEqual(['order:1', '']);
    expect(keysMatching('!!user:*', ['user:1', 'order:1'])).toEqual(['user:1']);
    expect(keysMatching('!', ['', 'a'])).toEqual(['a']);
    expect(keysMatching('a!', ['a!'])).toEqual(['a!']);
  });

  it('every other character is literal: parentheses, |, +, @, ., $, ^', () => {
    for (const key of ['f(1)', 'a|b', 'a+b', '@(x)', 'a.b', 'a$b', '^a', 'a^', './a', 'é']) expect(matches(key, key)).toBe(true);
    expect(matches('(a|b)', 'a')).toBe(false);
    expect(matches('a.b', 'axb')).toBe(false);
  });

  it('matches a range of a string in place, never reading past it', () => {
    const m = new GlobMatcher('ab*yz');
    const text = 'abyz\u0000abxyz\u0000ab\u0000yz';
    expect(m.matchRange(text, 0, 4)).toBe(true);
    expect(m.matchRange(text, 5, 10)).toBe(true);
    expect(m.matchRange(text, 11, 13)).toBe(false); // "ab": the prefix fits, the suffix would be found only past the end
    expect(m.matchRange(text, 14, 16)).toBe(false);
    expect(m.prefix).toBe('ab');
    expect(m.suffix).toBe('yz');
  });
});

/** What the key filter makes of a pattern typed as text: the keys it matches, or what it refuses it for. */
function read(pattern: string, keys: string[]): string[] | string {
  const problem = globProblem(pattern);
  let matcher: ((key: string) => boolean) | undefined;
  try {
    matcher = compileGlob(pattern);
  } catch (err) {
    if (!(err instanceof GlobSyntaxError)) throw err;
    // The matcher refuses exactly what the filter refuses, for the same reason (an ASCII pattern: the same positions).
    expect(problem, pattern).toBe(err.message);
    return err.message;
  }
  expect(problem, `${pattern}: the matcher reads it`).toBeNull();
  return keys.filter(matcher);
}

describe('one reading of the syntax: what the matcher cannot read as written, the filter refuses, and nothing else', () => {
  const keys = ['', 'a', 'b', '-', '[', ']', '[]', '[a]', '{', '{a', '{a,b', '\\', 'a\\', '!a', 'ab'];
  const unclosed = (open: string, at: number) => `the ${open} at position ${at} is never closed (write \\${open} for a literal one)`;
  const trailing = 'a trailing \\ escapes nothing (write \\\\ for a backslash)';

  it('[ ... ]: a class needs its ], and a ] first in it (after any ! or ^) is one of its bytes', () => {
    expect(read('[', keys)).toBe(unclosed('[', 1));
    expect(read('a[b', keys)).toBe(unclosed('[', 2));
    expect(read('[]', keys)).toBe(unclosed('[', 1));
    expect(read('[!]', keys)).toBe(unclosed('[', 1));
    expect(read('[^]', keys)).toBe(unclosed('[', 1));
    expect(read('[a\\]', keys)).toBe(unclosed('[', 1)); // the ] is escaped
    expect(read('[a\\', keys)).toBe(unclosed('[', 1));
    expect(read('[[:alpha:]', keys)).toBe(unclosed('[', 1));
    expect(read('[]]', keys)).toEqual([']']);
    expect(read('[]a]', keys)).toEqual(['a', ']']);
    expect(read('[!a]', keys)).toEqual(['b', '-', '[', ']', '{', '\\']);
    expect(read('[^a]', keys)).toEqual(read('[!a]', keys));
    expect(read('[!]a]', keys)).toEqual(['b', '-', '[', '{', '\\']);
    expect(read('[a-]', keys)).toEqual(['a', '-']);
    expect(read('[-a]', keys)).toEqual(['a', '-']);
    expect(read('[[]', keys)).toEqual(['[']);
    expect(read('[\\]]', keys)).toEqual([']']);
    expect(read('[a-a]', keys)).toEqual(['a']);
    expect(read('[z-a]', keys)).toBe('the range z-a is reversed (write a-z)');
    expect(read('[b-\\a]', keys)).toBe('the range b-a is reversed (write a-b)');
    expect(read('{x,[z-a]}', keys)).toBe('the range z-a is reversed (write a-z)');
    expect(read(']', keys)).toEqual([']']);
  });

  it('\\: the next character is literal; one that ends the pattern escapes nothing', () => {
    expect(read('\\[', keys)).toEqual(['[']);
    expect(read('\\[a]', keys)).toEqual(['[a]']);
    expect(read('\\[]', keys)).toEqual(['[]']);
    expect(read('\\{', keys)).toEqual(['{']);
    expect(read('\\{a,b', keys)).toEqual(['{a,b']);
    expect(read('\\!a', keys)).toEqual(['!a']);
    expect(read('\\\\', keys)).toEqual(['\\']);
    expect(read('a\\\\', keys)).toEqual(['a\\']);
    expect(read('\\', keys)).toBe(trailing);
    expect(read('a\\', keys)).toBe(trailing);
    expect(read('\\\\\\', keys)).toBe(trailing); // an escaped \, then one escaping nothing
    expect(read('!\\', keys)).toBe(trailing);
  });

  it('{ ... }: a brace needs its }; with commas it is alternatives, with a range a range, else literal text', () => {
    expect(read('{a,b}', keys)).toEqual(['a', 'b']);
    expect(read('{a,}b', keys)).toEqual(['b', 'ab']);
    expect(read('{', keys)).toBe(unclosed('{', 1));
    expect(read('{a,b', keys)).toBe(unclosed('{', 1));
    expect(read('{a', keys)).toBe(unclosed('{', 1));
    expect(read('x{a,{b,c}', keys)).toBe(unclosed('{', 2));
    expect(read('{{a,b}', keys)).toBe(unclosed('{', 1));
    expect(read('{a,\\}', keys)).toBe(unclosed('{', 1)); // the } is escaped
    expect(read('{a,\\', keys)).toBe(unclosed('{', 1));
    expect(read('{a,[}', keys)).toBe(unclosed('[', 4)); // the brace closes; its second alternative is an unclosed class
    expect(read('{[,}]', keys)).toBe(unclosed('{', 1)); // the } is in the class [,}]
    expect(read('{a}', keys)).toEqual([]);
    expect(read('{a', ['{a}'])).toBe(unclosed('{', 1));
    expect(read('{a}', ['{a}', 'a'])).toEqual(['{a}']);
    expect(read('{}', ['{}', ''])).toEqual(['{}']);
    expect(read('}', ['}'])).toEqual(['}']);
    expect(read(`v{1..${MAX_RANGE_ITEMS + 1}}`, keys)).toBe(
      `the range {1..${MAX_RANGE_ITEMS + 1}} is too long: a pattern's ranges hold at most ${MAX_RANGE_ITEMS} numbers in all (write \\{ for literal text)`,
    );
    expect(read(`{1..600}{1..600}`, keys)).toBe(
      `the range {1..600} is too long: a pattern's ranges hold at most ${MAX_RANGE_ITEMS} numbers in all (write \\{ for literal text)`,
    );
    expect(read('{1..99999999999999999999}', keys)).toMatch(/^the range \{1\.\.99999999999999999999\} is too long/);
    expect(read(`\\{1..${MAX_RANGE_ITEMS + 1}}`, [`{1..${MAX_RANGE_ITEMS + 1}}`])).toEqual([`{1..${MAX_RANGE_ITEMS + 1}}`]);
  });

  it('says where, in characters of the text typed, when the pattern holds characters of several bytes', () => {
    expect(globProblem('é[')).toBe(unclosed('[', 2));
    expect(globProblem('😀é{a,b')).toBe(unclosed('{', 3));
    expect(globProblem('é[z-a]')).toBe('the range z-a is reversed (write a-z)');
    expect(globProblem('é[é]')).toBe('the é at position 3 is 2 bytes in UTF-8, and a class [...] matches one byte (write {é,…} for a choice of characters)');
    expect(globProblem('é\\')).toBe(trailing);
    // The matcher, over the UTF-8 bytes as a key string, refuses the same patterns.
    expect(() => compileGlob('\u00c3\u00a9[')).toThrow(unclosed('[', 3));
  });

  it('the filter refuses a pattern exactly when the matcher cannot read it, whatever it is made of', () => {
    const units = ['a', 'b', '!', '-', ',', '*', '?', '[', ']', '{', '}', '\\', '^', ':', '.', '1', '[:alpha:]', '{1..3}', 'é'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...units), { maxLength: 8 }).map((u) => u.join('')), (pattern) => {
        const problem = globProblem(pattern);
        let thrown: unknown;
        try {
          // What the key index matches with: the pattern's UTF-8 bytes as a key string, read as typed text.
          new GlobMatcher(parseGlob(textToKeyString(pattern), { textBytes: true }));
        } catch (err) {
          thrown = err;
        }
        expect(thrown === undefined || thrown instanceof GlobSyntaxError, pattern).toBe(true);
        expect(problem === null, pattern).toBe(thrown === undefined);
        // An ASCII pattern is its own bytes: the same words, the same positions.
        if (!pattern.includes('é')) expect(problem, pattern).toBe(thrown === undefined ? null : (thrown as Error).message);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('glob matching against picomatch and a reference', () => {
  // Small alphabets, so that patterns and keys meet often.
  const keyArb = fc.string({ unit: fc.constantFrom('a', 'b', 'c', ':', '/', '-', ',', '\u0000', '\u00e9'), maxLength: 9 });
  const patternUnits = ['a', 'b', 'c', ':', '/', '*', '**', '?', '[ab]', '[a-c]', '[^a]', '{a,b}', '{a,}', '{a*,b?c}', '{a,{b,c}}', '\\*', '\u00e9'];
  const patternArb = fc.array(fc.constantFrom(...patternUnits), { maxLength: 7 }).map((units) => units.join(''));

  it('agrees with picomatch (slash hidden, as the filter used it) on small patterns and keys', () => {
    const hide = (s: string) => s.replaceAll('/', '\u0101');
    fc.assert(
      fc.property(patternArb.filter((p) => p !== ''), fc.array(keyArb, { maxLength: 20 }), (pattern, keys) => {
        const isMatch = picomatch(hide(pattern), { dot: true, noextglob: true });
        const ours = compileGlob(pattern);
        // Where picomatch differs on purpose: it never matches the empty key, and a key equal to the pattern always matches.
        for (const key of keys) if (key !== '' && key !== pattern) expect(ours(key), `${JSON.stringify(pattern)} ${JSON.stringify(key)}`).toBe(isMatch(hide(key)));
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with a backtracking reference on every syntax (negation, POSIX classes, ranges, escapes, the empty key)', () => {
    const units = [...patternUnits, '[!b]', '[]a]', '[[:alpha:]]', '{a..c}', '{1..3}', '\\', '[', ']', '{', '}', ',', '!', '1', '2'];
    const anyPatternArb = fc.array(fc.constantFrom(...units), { maxLength: 8 }).map((u) => u.join(''));
    const keyArb2 = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '1', '2', '[', ']', '{', '}', ',', '!', '\\', '*'), maxLength: 8 });
    fc.assert(
      fc.property(anyPatternArb, fc.array(keyArb2, { maxLength: 20 }), (pattern, keys) => {
        // A malformed pattern is refused (the filter refuses the same, above): nothing to compare. The pattern is a
        // key string here (é one byte, 0xe9), not typed text, so a class may hold it.
        let ours: (key: string) => boolean;
        try {
          ours = compileGlob(pattern);
        } catch (err) {
          expect(err).toBeInstanceOf(GlobSyntaxError);
          return;
        }
        const ref = reference(pattern);
        // A DFA of at most 2 states is emptied again and again: the same answers.
        const tiny = new GlobMatcher(pattern, 2);
        for (const key of keys) {
          expect(ours(key), `${JSON.stringify(pattern)} ${JSON.stringify(key)}`).toBe(ref(key));
          expect(tiny.test(key)).toBe(ref(key));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('glob matching time', () => {
  const pathological = '*aa*a*a*a*a*a*a*a*a*a*b';
  // The same with a star at the end: no suffix to reject the key before the DFA reads it.
  const unanchored = '*aa*a*a*a*a*a*a*a*a*a*b*';

  it('answers the pattern that froze the host for 32 s, on a key of any length, in few steps', () => {
    for (const n of [48, 1000, 100_000]) {
      const m = new GlobMatcher(pathological);
      expect(m.suffix).toBe('b');
      expect(m.test('a'.repeat(n) + 'c')).toBe(false);
      expect(m.test('a'.repeat(n) + 'b')).toBe(true);
      expect(m.test('a'.repeat(n))).toBe(false);
      expect(m.test('a'.repeat(n) + 'cb')).toBe(true);
      expect(m.test('a'.repeat(8) + 'c'.repeat(n) + 'b')).toBe(false);
    }
    for (const n of [48, 1000, 100_000]) {
      const m = new GlobMatcher(unanchored);
      const made = { ...m.stats };
      expect(m.test('a'.repeat(n) + 'c')).toBe(false);
      expect(m.test('a'.repeat(n) + 'bc')).toBe(true);
      expect(m.test('a'.repeat(n))).toBe(false);
      // The DFA's states do not grow with the key: each is built once, with at most two visits per NFA instruction.
      expect(m.stats.built).toBeLessThanOrEqual(3 * m.programSize);
      expect(m.stats.visits - made.visits).toBeLessThanOrEqual(m.stats.built * 2 * m.programSize);
      expect(m.stats.flushes).toBe(0);
    }
    // Even with a DFA kept tiny (emptied every other step), the work is linear in the key: at most a step per byte.
    const tiny = new GlobMatcher(unanchored, 2);
    const made = { ...tiny.stats };
    const key = 'a'.repeat(10_000) + 'c';
    expect(tiny.test(key)).toBe(false);
    expect(tiny.stats.built).toBeLessThanOrEqual(key.length);
    expect(tiny.stats.flushes).toBeGreaterThan(0);
    expect(tiny.stats.visits - made.visits).toBeLessThanOrEqual(key.length * 2 * tiny.programSize);
  });

  it('works out at most one transition per byte, each visiting each NFA instruction at most twice', () => {
    const patternArb = fc.array(fc.constantFrom('a', 'b', '*', '?', '[ab]', '{a,b*}', '{a,}'), { maxLength: 12 }).map((u) => u.join(''));
    fc.assert(
      fc.property(patternArb, fc.array(fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 40 }), { maxLength: 10 }), fc.constantFrom(2, 3, undefined), (pattern, keys, maxStates) => {
        const m = new GlobMatcher(pattern, maxStates);
        const start = { ...m.stats };
        let bytes = 0;
        for (const key of keys) {
          m.test(key);
          bytes += key.length;
        }
        expect(m.stats.built - start.built).toBeLessThanOrEqual(bytes);
        expect(m.stats.visits - start.visits).toBeLessThanOrEqual((m.stats.built - start.built) * 2 * m.programSize);
      }),
    );
  });
});
