/**
 * printableKey and printableValue, against their rule stated on decoded
 * text: the UTF-8 text when the bytes are valid UTF-8 (a U+FFFD they hold
 * shown as itself) and hold no control character (and, for a key, no backslash), else each
 * byte escaped. Keys and values of every shape, the tricky UTF-8 ones
 * included.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { printableKey, printableValue } from '../../src/engine/keys.js';
import { describeKey } from '../../src/shared/keytext.js';

/** The rule, on decoded text (as people read it). */
function byTheRule(bytes: Buffer, isKey = true): string {
  // The empty key: the inspector's words after a backslash, never a blank (a value is printed as it is).
  if (isKey && bytes.length === 0) return '\\(empty key)';
  const text = bytes.toString('utf8');
  // Valid UTF-8 is exactly what decodes and encodes back to the same bytes (a U+FFFD it holds included).
  const isText = Buffer.from(text, 'utf8').equals(bytes) && !/[\u0000-\u001f\u007f]/.test(text) && !(isKey && text.includes('\\'));
  if (isText) return text;
  return [...bytes].map((b) => (b === 0x5c ? '\\\\' : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
}

const PIECES = [
  [0x61],
  [0x5c], // a backslash
  [0x00],
  [0x0a],
  [0x1f],
  [0x7f],
  [0xc2, 0x85], // U+0085, a C1 control: text
  [0xc3, 0xa9],
  [0xe2, 0x82, 0xac],
  [0xf0, 0x9f, 0x98, 0x80],
  [0xef, 0xbf, 0xbd], // U+FFFD itself
  [0xef, 0xbf], // U+FFFD cut short
  [0xed, 0xa0, 0x80], // a surrogate
  [0xc0, 0x80], // overlong
  [0x80],
  [0xff],
];

describe('printableKey', () => {
  it('follows its rule on 20,000 made-up byte strings and on random bytes', () => {
    let seed = 7;
    const next = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const cases: Buffer[] = [Buffer.alloc(0)];
    for (let i = 0; i < 20_000; i++) {
      const bytes: number[] = [];
      for (let j = next(7); j > 0; j--) bytes.push(...PIECES[next(PIECES.length)]!);
      cases.push(Buffer.from(bytes));
    }
    for (let i = 0; i < 2_000; i++) cases.push(randomBytes(i % 130));
    let escaped = 0;
    for (const bytes of cases) {
      const want = byTheRule(bytes);
      expect(printableKey(bytes), bytes.toString('hex')).toBe(want);
      expect(printableValue(bytes), bytes.toString('hex')).toBe(byTheRule(bytes, false));
      if (want !== bytes.toString('utf8')) escaped++;
    }
    expect(escaped).toBeGreaterThan(1000);
    expect(escaped).toBeLessThan(cases.length - 1000);
  });

  it('shows examples as documented', () => {
    expect(printableKey(Buffer.from('user:42'))).toBe('user:42');
    expect(printableKey(Buffer.from('naïve ✓'))).toBe('naïve ✓');
    expect(printableKey(Buffer.from([0x00, 0xff, 0x10, 0x6b]))).toBe('\\x00\\xff\\x10k');
    expect(printableKey(Buffer.from('a\\b\n'))).toBe('a\\\\b\\x0a');
    // No two keys print alike: a text key holding a backslash is escaped, as the inspector shows it.
    expect(printableKey(Buffer.from('a\\xff'))).toBe('a\\\\xff');
    expect(printableKey(Buffer.from([0x61, 0xff]))).toBe('a\\xff');
    expect(printableKey(Buffer.from('C:\\dir'))).toBe('C:\\\\dir');
    expect(printableKey(Buffer.from('C:\\dir'))).toBe(describeKey('C:\\dir').display);
    // The empty key is said, not a blank line; a key spelled so (no backslash) is itself, one with it escaped.
    expect(printableKey(Buffer.alloc(0))).toBe('\\(empty key)');
    expect(printableKey(Buffer.from('(empty key)'))).toBe('(empty key)');
    expect(printableKey(Buffer.from('\\(empty key)'))).toBe('\\\\(empty key)');
    expect(printableValue(Buffer.alloc(0))).toBe('');
    // A value keeps its backslashes (a JSON value's escapes read as written).
    expect(printableValue(Buffer.from('{"a":"x\\"y"}'))).toBe('{"a":"x\\"y"}');
    // A view inside a larger buffer is read, not the whole buffer.
    const whole = Buffer.from('\u0000ok\u0000');
    expect(printableKey(whole.subarray(1, 3))).toBe('ok');
    expect(printableKey(new Uint8Array(whole.buffer, whole.byteOffset, 2))).toBe('\\x00o');
  });
});
