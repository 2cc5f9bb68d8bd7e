/**
 * The JSON Lines exchange format of `kvscope import` / `kvscope export`:
 * one `{"key": K, "value": V}` per line, where K and V are strings when the
 * bytes are valid UTF-8 and `{"base64": "..."}` otherwise; a line with
 * `"deleted": true` (and no value) deletes the key.
 */

import { isUtf8 } from 'node:buffer';
import { MAX_KEY_BYTES, MAX_VALUE_BYTES } from './native/layout.js';

export type JsonBytes = string | { base64: string };

/**
 * A string exactly when the bytes are valid UTF-8 (then the string encodes
 * back to the same bytes), else base64. Checked with `isUtf8` rather than by
 * decoding and encoding again: on a million random 100-byte values, the round
 * trip took 2 s of an export's 7.
 */
export function bytesToJson(bytes: Uint8Array): JsonBytes {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return isUtf8(buf) ? buf.toString('utf8') : { base64: buf.toString('base64') };
}

/** Base64 letters (A-Z a-z 0-9 + /), by char code. */
const BASE64_LETTER = (() => {
  const t = new Uint8Array(128);
  for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') t[c.charCodeAt(0)] = 1;
  return t;
})();

/**
 * Whether `text` is base64 as import accepts it: a multiple of 4 characters,
 * letters only, then at most two '='. A loop over a table: the regular
 * expression it replaces took 0.65 s of a million-line import.
 */
export function isBase64(text: string): boolean {
  if (text.length % 4 !== 0) return false;
  let end = text.length;
  if (end > 0 && text.charCodeAt(end - 1) === 0x3d) end--;
  if (end > 0 && text.charCodeAt(end - 1) === 0x3d) end--;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || BASE64_LETTER[c] === 0) return false;
  }
  return true;
}

/** A UTF-16 surrogate without its other half (String.prototype.isWellFormed is ES2024). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A key or value as a line gives it, checked: UTF-8 text, or the letters of base64. */
function jsonBytesText(value: unknown, what: string): { text: string; encoding: 'utf8' | 'base64' } {
  if (typeof value === 'string') {
    // JSON can spell a lone surrogate (\ud800), which has no UTF-8: stored, it would become U+FFFD's bytes.
    if (LONE_SURROGATE.test(value)) throw new Error(`${what} holds a lone surrogate (\\ud800-\\udfff without its pair), which is not text; give such bytes as {"base64": "..."}`);
    return { text: value, encoding: 'utf8' };
  }
  if (value && typeof value === 'object' && typeof (value as { base64?: unknown }).base64 === 'string') {
    const text = (value as { base64: string }).base64;
    if (!isBase64(text)) throw new Error(`${what} is not valid base64`);
    return { text, encoding: 'base64' };
  }
  throw new Error(`${what} must be a string or {"base64": "..."}`);
}

export function jsonToBytes(value: unknown, what: string): Buffer {
  const { text, encoding } = jsonBytesText(value, what);
  return Buffer.from(text, encoding);
}

export type ImportLine = { type: 'put'; key: Buffer; value: Buffer } | { type: 'delete'; key: Buffer };

/** Parse one line; throws an Error naming what is wrong. */
export function parseImportLine(line: string): ImportLine {
  return readImportLine(line, jsonToBytes, (b) => b.length);
}

/**
 * Check one line as parseImportLine does, with the same errors, without
 * making its bytes: the first of an import's two passes over its lines.
 */
export function checkImportLine(line: string): void {
  readImportLine(line, jsonByteLength, (n) => n);
}

/** The length of the bytes jsonToBytes would give, checked as it checks them. */
function jsonByteLength(value: unknown, what: string): number {
  const { text, encoding } = jsonBytesText(value, what);
  return Buffer.byteLength(text, encoding);
}

/** A line read with `bytesOf` for its key and value (bytes, or only their length), every check in order. */
function readImportLine<B>(line: string, bytesOf: (value: unknown, what: string) => B, lengthOf: (b: B) => number): { type: 'put'; key: B; value: B } | { type: 'delete'; key: B } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new Error('not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('expected a JSON object');
  const obj = parsed as Record<string, unknown>;
  if (!('key' in obj)) throw new Error('missing "key"');
  const key = bytesOf(obj.key, '"key"');
  if (lengthOf(key) > MAX_KEY_BYTES) throw new Error(`"key" is ${lengthOf(key)} bytes, more than the maximum of ${MAX_KEY_BYTES}`);
  if (obj.deleted === true) return { type: 'delete', key };
  if (!('value' in obj)) throw new Error('missing "value" (or "deleted": true)');
  const value = bytesOf(obj.value, '"value"');
  // Refused while parsing, so that an import with one oversized line writes nothing at all.
  if (lengthOf(value) > MAX_VALUE_BYTES) throw new Error(`"value" is ${lengthOf(value)} bytes, more than the maximum of ${MAX_VALUE_BYTES}`);
  return { type: 'put', key, value };
}

export function exportLine(key: Uint8Array, value: Uint8Array): string {
  return JSON.stringify({ key: bytesToJson(key), value: bytesToJson(value) });
}
