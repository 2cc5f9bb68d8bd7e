/**
 * What the user typed into the value editor and the New key form, as the
 * bytes and the key string a save writes. Pure functions: no React, no API.
 */
import { LIMITS } from '../../shared/limits.js';
import { bytesToHex, bytesToKeyString, hexToBytes, textToKeyString } from '../../shared/keytext.js';
import { decodeText } from './format.js';
import { formatJson } from '../../shared/json-text.js';

/** The format a value is edited in. */
export type EditFormat = 'text' | 'json' | 'hex';

/** An edit in progress: the draft's text and the format it is written in. */
export interface EditDraft {
  format: EditFormat;
  draft: string;
}

/** The New key form's key field: what was typed, and whether it is hex. */
export interface NewKeyInput {
  text: string;
  asHex: boolean;
}

/** Turns an edited draft into bytes, or explains why it cannot be saved. The draft's own text is saved: JSON is checked, never re-serialized. */
export function draftToBytes(format: EditFormat, draft: string): { bytes: Uint8Array } | { error: string } {
  if (format === 'hex') {
    const bytes = hexToBytes(draft);
    return bytes ? { bytes } : { error: 'Invalid hex: use pairs of hex digits, e.g. "de ad be ef".' };
  }
  if (format === 'json') {
    const checked = formatJson(draft);
    if (!checked.ok) return { error: `Invalid JSON: ${checked.error}` };
  }
  return { bytes: new TextEncoder().encode(draft) };
}

/** The value as editable text: its own text, in every format (a JSON value is not re-indented unless the user asks). */
export function bytesToDraft(format: EditFormat, bytes: Uint8Array): string {
  if (format === 'hex') return bytesToHex(bytes, ' ');
  return decodeText(bytes).text;
}

/** The key the New key form names, or why it names none. */
export function newKeyString(newKey: NewKeyInput): { key: string } | { error: string } {
  let key: string;
  if (newKey.asHex) {
    const bytes = hexToBytes(newKey.text);
    if (!bytes || bytes.length === 0) return { error: 'Invalid key: enter the key as pairs of hex digits.' };
    key = bytesToKeyString(bytes);
  } else {
    if (newKey.text === '') return { error: 'Enter a key.' };
    key = textToKeyString(newKey.text);
  }
  if (key.length > LIMITS.keyChars) return { error: 'The key is too long.' };
  return { key };
}
