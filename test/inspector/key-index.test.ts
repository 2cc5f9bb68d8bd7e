import fc from 'fast-check';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { globLiteral, KeyIndex, prefixRange, smallestKeys } from '../../src/inspector/key-index.js';
import { describeKey, keyStringToHex, textToKeyString } from '../../src/shared/keytext.js';

const KEYS = [
  '\u0000\u00ff',
  'config/app.json',
  'config/db.json',
  'greeting',
  'user:1:name',
  'user:1:profile',
  'user:2:name',
  'user:10:name',
  textToKeyString('user:é'),
].sort();

describe('KeyIndex', () => {
  it('finds prefix ranges by binary search', () => {
    const [start, end] = prefixRange(KEYS, 'user:1');
    // Bytewise: '0' (0x30) sorts before ':' (0x3a).
    expect(KEYS.slice(start, end)).toEqual(['user:10:name', 'user:1:name', 'user:1:profile']);
    expect(prefixRange(KEYS, 'zzz')).toEqual([KEYS.length, KEYS.length]);
  });

  it('windows the filtered list and reports its total', () => {
    const index = new KeyIndex(() => KEYS);
    const all = index.window(undefined, 1, 2);
    expect(all.total).toBe(KEYS.length);
    expect(all.keys.map((k) => k.key)).toEqual(KEYS.slice(1, 3));
    const prefix = index.window({ mode: 'prefix', pattern: 'user:' }, 0, 100);
    expect(prefix.total).toBe(5);
    const sub = index.window({ mode: 'substring', pattern: ':name' }, 1, 1);
    expect(sub.total).toBe(3);
    expect(sub.keys.map((k) => k.key)).toEqual(['user:1:name']);
    const glob = index.window({ mode: 'glob', pattern: 'user:*:name' }, 0, 10);
    expect(glob.keys.map((k) => k.key)).toEqual(['user:10:name', 'user:1:name', 'user:2:name']);
    expect(index.window({ mode: 'glob', pattern: 'config/*' }, 0, 10).total).toBe(2);
    // '*' crosses '/' and ':' (keys are not paths); '?' and classes work.
    expect(index.window({ mode: 'glob', pattern: 'c*n' }, 0, 10).keys.map((k) => k.key)).toEqual(['config/app.json', 'config/db.json']);
    expect(index.window({ mode: 'glob', pattern: 'user:?:name' }, 0, 10).total).toBe(2);
    expect(index.window({ mode: 'glob', pattern: 'user:[2-9]*' }, 0, 10).keys.map((k) => k.key)).toEqual(['user:2:name']);
    expect(index.window({ mode: 'glob', pattern: 'config' }, 0, 10).total).toBe(0);
    // What a person types is UTF-8 text.
    expect(index.window({ mode: 'substring', pattern: 'é' }, 0, 10).keys[0]!.display).toBe('user:é');
    expect(index.window(undefined, 100, 10)).toEqual({ total: KEYS.length, keys: [] });
  });

  it('recomputes a cached filter when the store key list changes', () => {
    let keys = ['a1', 'b1'];
    const index = new KeyIndex(() => keys);
    expect(index.window({ mode: 'substring', pattern: '1' }, 0, 10).total).toBe(2);
    keys = ['a1', 'b1', 'c1'];
    expect(index.window({ mode: 'substring', pattern: '1' }, 0, 10).total).toBe(3);
  });

  it('builds one tree level at a time with counts', () => {
    const index = new KeyIndex(() => KEYS);
    const root = index.tree(undefined, ':', '');
    const user = root.nodes.find((n) => n.prefix === 'user:')!;
    expect(user).toMatchObject({ kind: 'branch', count: 5, label: 'user:' });
    expect(root.nodes.find((n) => n.prefix === 'greeting')).toMatchObject({ kind: 'key', count: 1 });
    const level2 = index.tree(undefined, ':', 'user:');
    expect(level2.nodes.map((n) => [n.label, n.count])).toEqual([
      ['10:', 1],
      ['1:', 2],
      ['2:', 1],
      ['é', 1],
    ]);
    const slash = index.tree(undefined, '/', '');
    expect(slash.nodes.find((n) => n.prefix === 'config/')).toMatchObject({ count: 2 });
  });

  it('stays fast and windowed at a million keys', () => {
    const many = Array.from({ length: 1_000_000 }, (_, i) => `k:${String(i).padStart(7, '0')}`);
    const index = new KeyIndex(() => many);
    const res = index.window({ mode: 'prefix', pattern: 'k:09' }, 5, 3);
    expect(res.total).toBe(100_000);
    expect(res.keys.map((k) => k.key)).toEqual(['k:0900005', 'k:0900006', 'k:0900007']);
    expect(index.tree(undefined, ':', '').nodes).toEqual([{ label: 'k:', prefix: 'k:', kind: 'branch', count: 1_000_000 }]);
  });
});

describe('KeyIndex at scale: first window without the full sort, substring and glob search', () => {
  // Keys over a small alphabet (NUL included) so that substrings and globs match often.
  const keyArb = fc.string({ unit: fc.constantFrom('a', 'b', ':', '/', '\u0000', '\u00e9', 'x'), maxLength: 8 });
  const keySetArb = fc.uniqueArray(keyArb, { maxLength: 60 });
  const naiveGlob = (pattern: string) => {
    const hide = (s: string) => s.replaceAll('/', '\u0101');
    const isMatch = picomatch(hide(pattern), { dot: true, noextglob: true });
    return (key: string) => isMatch(hide(key));
  };

  it('selects the smallest keys in one pass, exactly as a full sort would', () => {
    fc.assert(
      fc.property(keySetArb, fc.integer({ min: 0, max: 70 }), (keys, n) => {
        const got = smallestKeys(keys, n);
        expect(got.count).toBe(keys.length);
        expect(got.keys).toEqual([...keys].sort().slice(0, n));
      }),
    );
  });

  it('answers the first window from unsorted keys, then sorts in the background', async () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `k:${String((i * 7919) % 5000).padStart(5, '0')}`);
    let sorts = 0;
    let sorted: string[] | undefined;
    const index = new KeyIndex({
      sortedKeys: () => (sorted ??= (sorts++, [...keys].sort())),
      unorderedKeys: () => keys,
    });
    const first = index.window(undefined, 10, 20);
    expect(sorts).toBe(0);
    expect(first.total).toBe(5000);
    expect(first.keys.map((k) => k.key)).toEqual([...keys].sort().slice(10, 30));
    // The warm-up sorts on a later turn of the event loop.
    await new Promise((r) => setImmediate(r));
    expect(sorts).toBe(1);
    // Windows past the first, and filters, use the sorted list.
    expect(index.window(undefined, 4990, 20).keys.map((k) => k.key)).toEqual([...keys].sort().slice(4990));
    index.dispose();
  });

  it('lets a filter wait for the background sort instead of sorting again in one blocking call', async () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `k:${String((i * 7919) % 20_000).padStart(5, '0')}`);
    let cached: string[] | undefined;
    let blockingSorts = 0;
    let steps = 0;
    const index = new KeyIndex(
      {
        // Like the store: the sorted list is cached once computed, in steps or not.
        sortedKeys: () => cached ?? (blockingSorts++, (cached = [...keys].sort())),
        unorderedKeys: () => keys,
        sortedKeysInSteps: async (pause) => {
          for (let i = 0; i < 5; i++, steps++) await pause();
          return (cached ??= [...keys].sort());
        },
      },
      1000,
    );
    expect(index.window(undefined, 0, 10).total).toBe(20_000);
    await index.prepare({ mode: 'substring', pattern: ':0001' });
    expect(steps).toBe(5);
    // The haystack was built in chunks of 1000 chars by the warm-up, not by this filter.
    const res = index.window({ mode: 'substring', pattern: ':0001' }, 0, 100);
    expect(res.total).toBe(10);
    expect(blockingSorts).toBe(0);
    index.dispose();
  });

  it('finds substrings across one string of every key, never across two keys', () => {
    const index = new KeyIndex(() => ['ab', 'cd', 'a\u0000b', 'xbcx'].sort());
    expect(index.window({ mode: 'substring', pattern: 'bc' }, 0, 10).keys.map((k) => k.key)).toEqual(['xbcx']);
    expect(index.window({ mode: 'substring', pattern: 'b' }, 0, 10).total).toBe(3);
    fc.assert(
      fc.property(keySetArb, keyArb.filter((n) => n !== ''), (keys, needle) => {
        const sorted = [...keys].sort();
        const want = sorted.filter((k) => k.includes(textToKeyString(needle)));
        // One string of every key, and strings cut every few keys (as at tens of millions).
        for (const chunkChars of [undefined, 7]) {
          const got = new KeyIndex(() => sorted, chunkChars).filtered({ mode: 'substring', pattern: needle });
          expect(got.keys.slice(got.start, got.end)).toEqual(want);
        }
      }),
    );
  });

  it('pre-filters a glob by its longest literal without losing a match', () => {
    expect(globLiteral('user:*:profile')).toBe(':profile');
    expect(globLiteral('a[bc]d*')).toBe('a');
    expect(globLiteral('{foo,bar}x')).toBe('x');
    expect(globLiteral('a\\*b')).toBe('');
    expect(globLiteral('!(a)')).toBe('');
    const patternArb = fc.string({ unit: fc.constantFrom('a', 'b', ':', '/', '*', '?', '[ab]', '{a,b}', '\u00e9'), maxLength: 6 }).filter((p) => p !== '');
    fc.assert(
      fc.property(keySetArb, patternArb, (keys, pattern) => {
        const sorted = [...keys].sort();
        const got = new KeyIndex(() => sorted).filtered({ mode: 'glob', pattern });
        const want = sorted.filter(naiveGlob(textToKeyString(pattern)));
        expect(got.keys.slice(got.start, got.end)).toEqual(want);
      }),
    );
  });
});

describe('key text', () => {
  it('shows printable UTF-8 as is and escapes everything else', () => {
    expect(describeKey('user:1')).toEqual({ display: 'user:1', printable: true });
    expect(describeKey(textToKeyString('café'))).toEqual({ display: 'café', printable: true });
    expect(describeKey('\u0000\u00ff\u0010k')).toEqual({ display: '\\x00\\xff\\x10k', printable: false });
    expect(describeKey('a\\b').display).toBe('a\\\\b');
    expect(describeKey('tab\there').display).toBe('tab\\x09here');
    expect(keyStringToHex('\u0000\u00ffA')).toBe('00ff41');
  });
});
