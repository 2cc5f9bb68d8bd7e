import { describe, expect, it } from 'vitest';
import { formatJson } from '../../src/shared/json-text.js';
import { draftToBytes } from '../../src/renderer/src/value-draft.js';

describe('formatJson', () => {
  it('keeps every number and every key as written', () => {
    const source = '{"id": 12345678901234567890, "f": 1.0, "e": 1e400, "dup": 1, "dup": 2}';
    const r = formatJson(source);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.text).toBe('{\n  "id": 12345678901234567890,\n  "f": 1.0,\n  "e": 1e400,\n  "dup": 1,\n  "dup": 2\n}');
    expect(r.notes.inexactNumbers).toEqual(['12345678901234567890', '1e400']);
    expect(r.notes.duplicateKeys).toEqual(['"dup"']);
  });

  it('says nothing about numbers a double holds', () => {
    const r = formatJson('[0, -0, 1.5, 0.1, 1e21, 1.50e2, 9007199254740991, 2.5E-3, "x\\u00e9\\n"]');
    expect(r.ok && r.notes).toEqual({ inexactNumbers: [], duplicateKeys: [] });
    expect(r.ok && r.text).toContain('"x\\u00e9\\n"');
  });

  it('flags numbers that round or underflow', () => {
    const r = formatJson('[9007199254740993, 1e-400, 0.10000000000000000001]');
    expect(r.ok && r.notes.inexactNumbers).toEqual(['9007199254740993', '1e-400', '0.10000000000000000001']);
  });

  it('formats nested and empty containers', () => {
    expect(formatJson(' {"a":[1,{"b":[]},{}],"c":null} ')).toMatchObject({ ok: true, text: '{\n  "a": [\n    1,\n    {\n      "b": []\n    },\n    {}\n  ],\n  "c": null\n}' });
  });

  it('rejects what JSON.parse rejects', () => {
    for (const bad of ['', '{', '{"a" 1}', '[1,]', '01', '"\u0001"', '{"a":1} x', 'NaN', '{a:1}', "'x'", '1.', '.5']) {
      expect(() => JSON.parse(bad), bad).toThrow();
      expect(formatJson(bad).ok, bad).toBe(false);
    }
  });
});

describe('formatJson on deep nesting', () => {
  const deep = (n: number, open = '[', close = ']') => open.repeat(n) + close.repeat(n);

  it('checks 100,000 levels of arrays as valid, and shows them as stored (too deep to indent)', () => {
    const source = deep(100_000);
    const r = formatJson(source);
    expect(r).toMatchObject({ ok: true, indented: false, depth: 100_000 });
    expect(r.ok && r.text).toBe(source);
  });

  it('checks 100,000 levels of objects as valid', () => {
    const source = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
    expect(formatJson(source)).toMatchObject({ ok: true, indented: false, depth: 100_000 });
  });

  it('says where deep JSON goes wrong, never that the stack overflowed', () => {
    const r = formatJson('['.repeat(100_000));
    expect(r).toEqual({ ok: false, error: 'expected a value at line 1 (offset 100000), found the end of the text' });
    const unbalanced = formatJson('['.repeat(50_000) + ']'.repeat(50_001));
    expect(unbalanced.ok).toBe(false);
    expect(!unbalanced.ok && unbalanced.error).toMatch(/expected the end of the text at line 1 \(offset 100000\)/);
  });

  it('still indents nesting whose indented text fits', () => {
    const r = formatJson(deep(3000));
    expect(r).toMatchObject({ ok: true, indented: true, depth: 3000 });
    expect(r.ok && r.text.split('\n')).toHaveLength(5999);
    expect(formatJson('[[1]]')).toEqual({ ok: true, text: '[\n  [\n    1\n  ]\n]', notes: { inexactNumbers: [], duplicateKeys: [] }, indented: true, depth: 2 });
  });

  it('keeps the source when the indented text would pass the budget', () => {
    expect(formatJson('[[1]]', 2, 10)).toMatchObject({ ok: true, indented: false, text: '[[1]]', depth: 2 });
  });
});

describe('draftToBytes (JSON editor)', () => {
  it('accepts a deeply nested valid JSON draft and refuses a broken one by its error', () => {
    const source = '['.repeat(100_000) + ']'.repeat(100_000);
    const saved = draftToBytes('json', source);
    expect('bytes' in saved && saved.bytes.length).toBe(200_000);
    expect(draftToBytes('json', '['.repeat(100_000))).toEqual({ error: 'Invalid JSON: expected a value at line 1 (offset 100000), found the end of the text' });
  });
});
