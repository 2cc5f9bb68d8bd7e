/**
 * Pure conversions between key strings (latin1, one char per byte) and what a
 * person reads or types: UTF-8 text, escaped text, hex. No Node APIs, so both
 * the inspector and the renderer use it.
 */

export function keyStringToBytes(key: string): Uint8Array {
  const bytes = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) bytes[i] = key.charCodeAt(i) & 0xff;
  return bytes;
}

export function bytesToKeyString(bytes: Uint8Array): string {
  let out = '';
  const chunk = 8192;
  for (let i = 0; i < bytes.length; i += chunk) {
    out += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return out;
}

/** What a person typed (UTF-8 text) as a key string. */
export function textToKeyString(text: string): string {
  return bytesToKeyString(new TextEncoder().encode(text));
}

export function bytesToHex(bytes: Uint8Array, separator = ''): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    if (i > 0 && separator) out += separator;
    out += bytes[i]!.toString(16).padStart(2, '0');
  }
  return out;
}

export function keyStringToHex(key: string): string {
  let out = '';
  for (let i = 0; i < key.length; i++) out += key.charCodeAt(i).toString(16).padStart(2, '0');
  return out;
}

/** Parses "de ad be ef" / "deadbeef" / "0xde,0xad"; returns undefined when it is not hex. */
export function hexToBytes(hex: string): Uint8Array | undefined {
  const clean = hex.replace(/0x/gi, '').replace(/[\s,:]/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) return undefined;
  const bytes = new Uint8Array(clean.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function isPrintableChar(code: number): boolean {
  return !(code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0) || code === 0x2028 || code === 0x2029);
}

/**
 * A key as text: its UTF-8 decoding when that is valid and printable
 * (printable: true), else the bytes with every non-printable or non-ASCII
 * byte escaped as \xNN and backslashes doubled.
 */
export function describeKey(key: string): { display: string; printable: boolean } {
  // Shown like an escaped key, so it cannot be mistaken for a key spelled "(empty key)".
  if (key === '') return { display: '(empty key)', printable: false };
  const bytes = keyStringToBytes(key);
  try {
    const text = strictUtf8.decode(bytes);
    let printable = !text.includes('\\');
    for (const ch of text) {
      if (!isPrintableChar(ch.codePointAt(0)!)) {
        printable = false;
        break;
      }
    }
    if (printable) return { display: text, printable: true };
  } catch {
    // not UTF-8: escape below
  }
  let out = '';
  for (const b of bytes) {
    if (b === 0x5c) out += '\\\\';
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += '\\x' + b.toString(16).padStart(2, '0');
  }
  return { display: out, printable: false };
}

/** Base64 <-> bytes without Node's Buffer (works in the renderer and in Node). */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 8192;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
