/**
 * A large value's Base64 for the Base64 tab: encoded in steps (so it can be
 * run in slices, see sliced.ts) and cut into rows of BASE64_ROW_CHARS, drawn
 * by LinesView as the Text tab draws a large text. Copy value copies it whole,
 * without line ends.
 */
import { bytesToBase64 } from '../../shared/keytext.js';
import { fixedRowIndex, type RowIndex } from './line-index.js';

/** Characters of a Base64 row, as MIME breaks Base64 (57 bytes a row). */
export const BASE64_ROW_CHARS = 76;

/** Bytes encoded between two yields: a multiple of 3, so the pieces' Base64 join into the whole one's. */
const BYTES_A_STEP = 3 * 64 * 1024;

/** The Base64 of `bytes`, yielding now and then (the yields carry nothing). */
export function* base64Steps(bytes: Uint8Array, bytesAStep = BYTES_A_STEP): Generator<void, string, void> {
  if (bytesAStep % 3 !== 0) throw new RangeError(`a step of ${bytesAStep} bytes does not end on a Base64 group`);
  const parts: string[] = [];
  for (let at = 0; at < bytes.length; at += bytesAStep) {
    if (at > 0) yield;
    parts.push(bytesToBase64(bytes.subarray(at, at + bytesAStep)));
  }
  return parts.join('');
}

/** The Base64 of `bytes` as rows of `width` characters, built in steps. */
export function* base64RowSteps(bytes: Uint8Array, width = BASE64_ROW_CHARS): Generator<void, RowIndex, void> {
  return fixedRowIndex(yield* base64Steps(bytes), width);
}
