import { describe, expect, it } from 'vitest';
import { KeyIndex, prefixRange } from '../../src/inspector/key-index.js';
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
