/**
 * Keys are bytes. Inside the engine (keydir, sorting, the contract) a key is
 * also carried as a "key string": the same bytes decoded as latin1, one
 * char per byte. Such strings compare exactly like the bytes, are stored by
 * V8 as compact one-byte strings, and convert back without loss.
 */

import { isUtf8 } from 'node:buffer';

export function keyToString(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

export function keyFromString(key: string): Buffer {
  return Buffer.from(key, 'latin1');
}

/** Bytes of a key or value given by a caller: strings are UTF-8. */
export function toBytes(data: Uint8Array | string): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Escapes of printableKey, by byte: printable ASCII as itself, a backslash doubled, the rest \xNN (lower-case hex). */
const ESCAPES: readonly string[] = Array.from({ length: 256 }, (_, b) =>
  b === 0x5c ? '\\\\' : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`,
);

/**
 * A key for people, as the inspector shows it (shared/keytext.ts): its UTF-8
 * text when the bytes are valid UTF-8 holding no control character
 * (U+0000–U+001F, U+007F) and no backslash; otherwise every byte escaped: a
 * printable ASCII byte as itself, a backslash as `\\`, any other as `\xNN`.
 * So no two keys print alike: the text key `a\xff` prints as `a\\xff`, the
 * bytes 61 ff as `a\xff`. A U+FFFD the key really holds (EF BF BD, valid
 * UTF-8) is shown as the character: bytes that are not UTF-8 are never shown
 * as one, they make the key escaped (it showed `\xef\xbf\xbd`, as if they
 * were bad bytes).
 *
 * Decided on the bytes (in UTF-8, those characters are exactly the bytes
 * 0x00–0x1F, 0x5C and 0x7F), without decoding first.
 *
 * The empty key prints as EMPTY_KEY_TEXT, `\(empty key)`, not as nothing
 * (`kvscope list` printed it as a blank line): the inspector's words, after a
 * backslash as an escaped key's, so that no key prints alike (a key prints
 * a backslash only as `\\` or in `\xNN`).
 */
export function printableKey(bytes: Uint8Array): string {
  return bytes.length === 0 ? EMPTY_KEY_TEXT : printable(bytes, true);
}

/** How printableKey shows the empty key. */
export const EMPTY_KEY_TEXT = '\\(empty key)';

/**
 * A value for people (`kvscope scan`, which prints a million of them this
 * way): as printableKey, except that a backslash in text stays as it is
 * (a JSON value's escapes read as written).
 */
export function printableValue(bytes: Uint8Array): string {
  return printable(bytes, false);
}

function printable(bytes: Uint8Array, backslashEscapes: boolean): string {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let text = true;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b < 0x20 || b === 0x7f || (b === 0x5c && backslashEscapes)) {
      text = false;
      break;
    }
  }
  if (text && isUtf8(view)) return view.toString('utf8');
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += ESCAPES[bytes[i]!]!;
  return out;
}

/** Bytewise comparison of key strings (latin1): plain string comparison is bytewise. */
export function compareKeyStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
