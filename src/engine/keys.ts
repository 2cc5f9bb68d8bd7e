/**
 * Keys are bytes. Inside the engine (keydir, sorting, the contract) a key is
 * also carried as a "key string": the same bytes decoded as latin1, one
 * char per byte. Such strings compare exactly like the bytes, are stored by
 * V8 as compact one-byte strings, and convert back without loss.
 */

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

/** A key for people: UTF-8 when it is printable text, otherwise escaped (\xNN). */
export function printableKey(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString('utf8');
  if (!text.includes('\uFFFD') && !/[\x00-\x1f\x7f]/.test(text)) return text;
  let out = '';
  for (const b of bytes) {
    out += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : b === 0x5c ? '\\\\' : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** Bytewise comparison of key strings (latin1): plain string comparison is bytewise. */
export function compareKeyStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
