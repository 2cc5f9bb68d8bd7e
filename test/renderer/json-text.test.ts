import { describe, expect, it } from 'vitest';
import { formatJson } from '../../src/renderer/src/json-text.js';

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
