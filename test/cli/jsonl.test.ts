/**
 * The JSON Lines exchange format's bytes: a string exactly when the bytes are
 * UTF-8 that decodes and encodes back to themselves, base64 otherwise, and
 * always the same bytes back after import.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytesToJson, checkImportLine, isBase64, jsonToBytes, parseImportLine } from '../../src/engine/jsonl.js';
import { MAX_KEY_BYTES, MAX_VALUE_BYTES } from '../../src/engine/native/layout.js';

/** Pieces that valid and invalid UTF-8 are made of. */
const PIECES = [
  [0x41], // ASCII
  [0x00], // NUL
  [0xc3, 0xa9], // é
  [0xe2, 0x82, 0xac], // €
  [0xf0, 0x9f, 0x98, 0x80], // an emoji (4 bytes)
  [0xef, 0xbb, 0xbf], // a byte-order mark, kept as a character
  [0xed, 0xa0, 0x80], // a UTF-16 surrogate: not UTF-8
  [0xc0, 0x80], // an overlong NUL
  [0xe0, 0x80, 0xaf], // an overlong '/'
  [0xf4, 0x90, 0x80, 0x80], // past U+10FFFF
  [0x80], // a lone continuation byte
  [0xff],
];

function byteStrings(): Buffer[] {
  const out: Buffer[] = [Buffer.alloc(0)];
  let seed = 12345;
  const next = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  for (let i = 0; i < 20_000; i++) {
    const bytes: number[] = [];
    for (let j = next(6); j > 0; j--) {
      const piece = PIECES[next(PIECES.length)]!;
      // Sometimes cut a piece short: a truncated sequence.
      bytes.push(...(next(5) === 0 ? piece.slice(0, Math.max(1, piece.length - 1)) : piece));
    }
    out.push(Buffer.from(bytes));
  }
  for (let i = 0; i < 2_000; i++) out.push(randomBytes(i % 120));
  return out;
}

describe('bytesToJson', () => {
  it('gives a string exactly when decoding and encoding again gives the same bytes', () => {
    let strings = 0;
    for (const bytes of byteStrings()) {
      const roundTrips = Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes);
      const json = bytesToJson(bytes);
      expect(typeof json === 'string', bytes.toString('hex')).toBe(roundTrips);
      if (typeof json === 'string') strings++;
      expect(jsonToBytes(json, 'value').equals(bytes), bytes.toString('hex')).toBe(true);
    }
    // Both kinds were met.
    expect(strings).toBeGreaterThan(1000);
  });

  it('reads a view inside a larger buffer, not the whole buffer', () => {
    const whole = Buffer.from('xx\u00e9yy', 'utf8');
    expect(bytesToJson(whole.subarray(2, 4))).toBe('\u00e9');
    expect(bytesToJson(whole.subarray(2, 3))).toEqual({ base64: Buffer.from([0xc3]).toString('base64') });
  });
});

describe('isBase64', () => {
  it('accepts what the rule accepts: a multiple of 4 letters, then at most two "="', () => {
    const rule = (t: string) => /^[A-Za-z0-9+/]*={0,2}$/.test(t) && t.length % 4 === 0;
    const alphabet = 'AZaz09+/=-_ \u00e9\n';
    let seed = 3;
    const next = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const cases = ['', 'QQ==', 'QUI=', 'QUJD', 'Q===', '====', '=QQ=', 'QQ=A', 'QQ', 'Q\u00e9==', randomBytes(90).toString('base64')];
    // Mostly letters, sometimes '=' or a character base64 does not have.
    const letters = 'AZaz09+/';
    for (let i = 0; i < 20_000; i++) cases.push(Array.from({ length: next(10) }, () => (next(6) === 0 ? alphabet[next(alphabet.length)] : letters[next(letters.length)])).join(''));
    let accepted = 0;
    for (const t of cases) {
      expect(isBase64(t), JSON.stringify(t)).toBe(rule(t));
      if (rule(t)) accepted++;
    }
    expect(accepted).toBeGreaterThan(200);
  });
});

describe('parseImportLine', () => {
  it('refuses a lone surrogate (JSON can spell one; UTF-8 cannot), and takes a pair', () => {
    for (const line of ['{"key":"lone\\ud800","value":"x"}', '{"key":"k","value":"a\\udc00"}', '{"key":"k","value":"\\ud800\\ud800\\udc00"}']) {
      expect(() => parseImportLine(line), line).toThrow(/lone surrogate .*give such bytes as \{"base64"/);
    }
    expect(parseImportLine('{"key":"k","value":"\\ud83d\\ude00"}')).toEqual({ type: 'put', key: Buffer.from('k'), value: Buffer.from('😀') });
  });
});

describe('checkImportLine', () => {
  it('accepts and refuses exactly the lines parseImportLine does, with the same message', () => {
    const big = 'x'.repeat(MAX_VALUE_BYTES + 1);
    const lines = [
      '{"key":"a","value":"1"}',
      '{"key":{"base64":"AP8="},"value":{"base64":"QUJD"}}',
      '{"key":"gone","deleted":true}',
      '{"key":"gone","deleted":true,"value":{"base64":"!!"}}',
      '{"key":"k","value":""}',
      'not json',
      '[1,2]',
      'null',
      '{"value":"no key"}',
      '{"key":"no value"}',
      '{"key":7,"value":"x"}',
      '{"key":"a","value":{"base64":"QQ="}}',
      '{"key":"a","value":{"base64":"Q$=="}}',
      '{"key":"a","value":{"hex":"00"}}',
      JSON.stringify({ key: 'k'.repeat(MAX_KEY_BYTES + 1), value: '' }),
      JSON.stringify({ key: 'k'.repeat(MAX_KEY_BYTES), value: '' }),
      JSON.stringify({ key: 'é'.repeat(MAX_KEY_BYTES / 2 + 1), value: '' }),
      JSON.stringify({ key: 'v', value: big }),
      JSON.stringify({ key: 'v', value: { base64: Buffer.alloc(MAX_VALUE_BYTES + 1).toString('base64') } }),
      JSON.stringify({ key: 'v', value: { base64: Buffer.alloc(MAX_VALUE_BYTES).toString('base64') } }),
      '{"key":"lone\\ud800","value":"x"}',
      '{"key":"k","value":"\\udc00 low first"}',
      '{"key":"pair \\ud83d\\ude00","value":"x"}',
    ];
    const outcome = (f: () => unknown): string => {
      try {
        f();
        return 'ok';
      } catch (err) {
        return (err as Error).message;
      }
    };
    let refused = 0;
    for (const line of lines) {
      const want = outcome(() => parseImportLine(line));
      expect(outcome(() => checkImportLine(line)), line.slice(0, 60)).toBe(want);
      if (want !== 'ok') refused++;
    }
    expect(refused).toBeGreaterThan(10);
  });
});
