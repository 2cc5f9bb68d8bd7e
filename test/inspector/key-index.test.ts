import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prefixRange, StringKeyList, type KeyList } from '../../src/engine/key-list.js';
import { Keydir } from '../../src/engine/keydir.js';
import { compileGlob, globLiteral, globProblem, parseGlob } from '../../src/inspector/glob.js';
import { KeyIndex, smallestKeys, type KeyRange } from '../../src/inspector/key-index.js';
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

const keysOf = (list: KeyList, start = 0, end = list.length) => Array.from({ length: end - start }, (_, i) => list.keyAt(start + i));
const keysIn = (range: KeyRange) => keysOf(range.list, range.start, range.end);

describe('KeyIndex', () => {
  it('finds prefix ranges by binary search', () => {
    const list = new StringKeyList(KEYS);
    const [start, end] = prefixRange(list, 'user:1');
    // Bytewise: '0' (0x30) sorts before ':' (0x3a).
    expect(KEYS.slice(start, end)).toEqual(['user:10:name', 'user:1:name', 'user:1:profile']);
    expect(prefixRange(list, 'zzz')).toEqual([KEYS.length, KEYS.length]);
    expect(prefixRange(list, '\u0000')).toEqual([0, 1]);
    // A prefix of 0xff bytes has no successor: its range runs to the end.
    expect(prefixRange(new StringKeyList(['a', '\u00ff', '\u00ff\u00ff', '\u00ff\u00ffz']), '\u00ff\u00ff')).toEqual([2, 4]);
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
    let cached: StringKeyList | undefined;
    let blockingSorts = 0;
    let steps = 0;
    const index = new KeyIndex(
      {
        // Like the store: the sorted list is cached once computed, in steps or not.
        sortedKeys: () => (blockingSorts++, [...keys].sort()),
        sortedKeyList: () => cached ?? (blockingSorts++, (cached = new StringKeyList([...keys].sort()))),
        unorderedKeys: () => keys,
        sortedKeyListInSteps: async (pause) => {
          for (let i = 0; i < 5; i++, steps++) await pause();
          return (cached ??= new StringKeyList([...keys].sort()));
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
          expect(keysIn(got)).toEqual(want);
        }
      }),
    );
  });

  it('pre-filters a glob by its longest literal without losing a match', () => {
    const literal = (pattern: string) => globLiteral(parseGlob(pattern));
    expect(literal('user:*:profile')).toBe(':profile');
    expect(literal('a[bc]d*')).toBe('a');
    expect(literal('{foo,bar}x')).toBe('x');
    expect(literal('a\\*b')).toBe('a*b');
    expect(literal('(a)')).toBe('(a)');
    expect(literal('!a')).toBe('');
    expect(literal('x[a]y')).toBe('xay');
    // A ']' first in a class is in it: the 'a' after it is in the class too, not text every key holds.
    expect(literal('[]a]')).toBe('');
    expect(literal('[^]a]')).toBe('');
    const keys = [']', 'a', 'b'];
    expect(keysIn(new KeyIndex(() => keys).filtered({ mode: 'glob', pattern: '[]a]' }))).toEqual([']', 'a']);
    expect(keysIn(new KeyIndex(() => keys).filtered({ mode: 'glob', pattern: '[^]a]' }))).toEqual(['b']);
    const patternArb = fc
      .string({ unit: fc.constantFrom('a', 'b', ':', '/', '*', '?', '[ab]', '{a,b}', '\u00e9', '[!a]', '{a..b}', '{a}', '\\*', '!', '(', '|', ']', '{', ',', '[]a]', '[^]b]', '\\[', '[a]'), maxLength: 6 })
      .filter((p) => p !== '');
    fc.assert(
      fc.property(keySetArb, patternArb, (keys, pattern) => {
        const sorted = [...keys].sort();
        // A malformed pattern ('{' alone) is refused by the service before the index is asked.
        if (globProblem(pattern) !== null) return;
        const got = new KeyIndex(() => sorted).filtered({ mode: 'glob', pattern });
        // The same matcher over every key: the literal skips none that match (glob.test.ts compares the matcher with picomatch).
        const want = sorted.filter(compileGlob(textToKeyString(pattern)));
        expect(keysIn(got)).toEqual(want);
      }),
    );
  });
});

describe('KeyIndex glob filters', () => {
  it('answers the pattern that held the host for 32 s, and keeps every other key it should', () => {
    const keys = ['a'.repeat(48) + 'c', 'a'.repeat(48) + 'b', 'a'.repeat(47) + 'cb', 'ab', ''].sort();
    const index = new KeyIndex(() => keys);
    expect(index.window({ mode: 'glob', pattern: '*aa*a*a*a*a*a*a*a*a*a*b' }, 0, 10).keys.map((k) => k.key)).toEqual(['a'.repeat(48) + 'b', 'a'.repeat(47) + 'cb']);
    expect(index.window({ mode: 'glob', pattern: '*aa*a*a*a*a*a*a*a*a*a*b*' }, 0, 10).total).toBe(2);
    // '*' matches the empty key, which a store may hold; a leading '!' negates.
    expect(index.window({ mode: 'glob', pattern: '*' }, 0, 10).total).toBe(5);
    expect(index.window({ mode: 'glob', pattern: '!*b' }, 0, 10).keys.map((k) => k.key)).toEqual(['', 'a'.repeat(48) + 'c']);
  });
});

describe("KeyIndex over a keydir's slots", () => {
  const keyArb = fc.string({ unit: fc.constantFrom('a', 'b', ':', '/', '\u0000', '\u00ff', 'x'), maxLength: 8 });
  const filterArb = fc.record({
    mode: fc.constantFrom('substring' as const, 'glob' as const, 'prefix' as const),
    pattern: fc.string({ unit: fc.constantFrom('a', 'b', ':', '*', '\u00ff', 'x'), maxLength: 3 }),
  });

  it('answers windows, filters and tree levels exactly as over the sorted strings', () => {
    fc.assert(
      fc.property(fc.uniqueArray(keyArb, { maxLength: 80 }), fc.array(filterArb, { maxLength: 4 }), (keys, filters) => {
        const kd = new Keydir();
        keys.forEach((key, i) => kd.set(key, { segment: 1, offset: i, length: 10, sequence: i + 1 }));
        const sorted = [...keys].sort();
        // Small chunks, so that keys fall on both sides of a chunk's end.
        const slots = new KeyIndex({ sortedKeys: () => kd.sortedKeys(), sortedKeyList: () => kd.sortedKeyList() }, 9);
        const strings = new KeyIndex(() => sorted);
        expect(keysIn(slots.filtered())).toEqual(sorted);
        for (const filter of filters) {
          expect(slots.window(filter, 1, 5)).toEqual(strings.window(filter, 1, 5));
          for (const delimiter of [':', '/'] as const) {
            // The keydir's records have sizes (10 bytes each here), the strings none: the rest is the same.
            const tree = slots.tree(filter, delimiter, '');
            expect(tree.nodes.map((n) => n.bytes)).toEqual(tree.nodes.map((n) => 10 * n.count));
            expect({ ...tree, nodes: tree.nodes.map(({ bytes: _, ...n }) => n) }).toEqual(strings.tree(filter, delimiter, ''));
          }
        }
      }),
    );
  });

  it('gives filtered keys in key order, however few or many match, though it searches them in storage order', () => {
    const kd = new Keydir();
    const keys = Array.from({ length: 5000 }, (_, i) => `user:${String((i * 7919) % 5000).padStart(5, '0')}${i % 7 === 0 ? ':vip' : ''}`);
    keys.forEach((key, i) => kd.set(key, { segment: 1, offset: i, length: 10, sequence: i + 1 }));
    const slots = new KeyIndex({ sortedKeys: () => kd.sortedKeys(), sortedKeyList: () => kd.sortedKeyList() }, 4096);
    const strings = new KeyIndex(() => [...keys].sort());
    // 50, 715 and 5000 matches: a sort of the few, one pass of marks for the many.
    for (const filter of [
      { mode: 'substring', pattern: '7:' },
      { mode: 'substring', pattern: '7' },
      { mode: 'substring', pattern: 'user' },
      { mode: 'glob', pattern: '*1*:vip' },
    ] as const) {
      const got = slots.window(filter, 0, 5000);
      expect(got.total).toBeGreaterThan(20);
      expect(got).toEqual(strings.window(filter, 0, 5000));
    }
  });

  it("sees a store's writes: the list and every cached filter are made again", () => {
    const kd = new Keydir();
    ['user:2', 'user:1', 'order:1'].forEach((key, i) => kd.set(key, { segment: 1, offset: i, length: 10, sequence: i + 1 }));
    const index = new KeyIndex({ sortedKeys: () => kd.sortedKeys(), sortedKeyList: () => kd.sortedKeyList() });
    const users = { mode: 'substring' as const, pattern: 'user' };
    expect(index.window(users, 0, 10).keys.map((k) => k.key)).toEqual(['user:1', 'user:2']);
    kd.delete('user:1');
    kd.set('user:0', { segment: 1, offset: 9, length: 10, sequence: 9 });
    expect(index.window(users, 0, 10).keys.map((k) => k.key)).toEqual(['user:0', 'user:2']);
    expect(index.window(undefined, 0, 10).keys.map((k) => k.key)).toEqual(['order:1', 'user:0', 'user:2']);
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
