/**
 * What changed between two versions of a value (the inspector's diffVersions, `kvscope history KEY --diff`).
 *
 * - Both UTF-8 text: a line diff, in hunks with context like a unified diff, with line numbers on both sides.
 *   The diff itself is jsdiff's (Myers), run in its async mode, which gives the event loop back between steps.
 * - Both JSON objects or arrays: the same diff of their indented form (json-text.ts keeps every number and string as
 *   written), so a value only reformatted shows no change; the answer's mode says which was diffed.
 * - Otherwise (binary): the differing byte ranges (capped) and both sizes.
 *
 * Capped: a side above TEXT_DIFF_MAX_BYTES or TEXT_DIFF_MAX_LINES, or a diff that needs more than MAX_EDIT_LINES changed lines or
 * DIFF_TIMEOUT_MS, is not diffed line by line ('too-large': sizes and the first differing offset).
 */
import { structuredPatch } from 'diff';
import type { ByteRange, DiffHunk, DiffLine, ValueDiff } from '../shared/value-diff.js';
import { formatJsonSteps } from '../shared/json-text.js';
import { runStepsPausing, Yielder } from '../engine/yielder.js';

/**
 * Above this many bytes on either side (its indented form, for JSON) no line diff is made. The diff's answer
 * carries every changed line and its context to the page as JSON, and Myers' time grows with the lines times the
 * changes: 1 MiB is a long document (~20,000 lines of JSON), diffed in well under a second when it changed in a
 * few places, while a value as large as a store holds (64 MiB) would take minutes and hundreds of MB of answer.
 */
export const TEXT_DIFF_MAX_BYTES = 1024 * 1024;
/**
 * Nor above this many lines on either side: jsdiff splits both texts into lines at once before its steps begin,
 * ~0.5 ms a thousand lines (1 MiB of short lines is 120,000: 60 ms without a break).
 */
export const TEXT_DIFF_MAX_LINES = 50_000;
/** A diff needing more changed lines than this is not made (jsdiff's maxEditLength): more than anyone reads as a diff. */
export const MAX_EDIT_LINES = 2000;
/** Nor one that takes longer than this (jsdiff's timeout: its async steps give the loop back meanwhile). */
export const DIFF_TIMEOUT_MS = 3000;
/** At most this many differing byte ranges are listed for a binary value. */
export const MAX_BYTE_RANGES = 200;
/** Lines of context around each change, by default. */
export const DEFAULT_CONTEXT = 3;
/** Bytes compared at once before looking for where they differ (and before the loop may be given back). */
const COMPARE_CHUNK = 64 * 1024;

export interface DiffOptions {
  context?: number;
  /** For tests: the size cap (default TEXT_DIFF_MAX_BYTES). */
  maxTextBytes?: number;
  /** For tests: the time a line diff may take (default DIFF_TIMEOUT_MS); a test that counts its steps lifts it so a busy machine cannot cut them short. */
  timeoutMs?: number;
}

/** Control characters that make a value binary rather than text (tab, LF, FF and CR are text). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000e-\u001f\u007f]/;
/** Bytes decoded at once when checking whether a value is text. */
const TEXT_CHUNK = 1024 * 1024;

/**
 * Whether the value is UTF-8 text: it decodes, and holds no control characters but tab, LF, FF and CR. Checked a
 * megabyte at a time, giving the loop back between them.
 */
export async function isText(bytes: Uint8Array, yielder = new Yielder('compare')): Promise<boolean> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  try {
    for (let at = 0; at < bytes.length; at += TEXT_CHUNK) {
      const end = Math.min(bytes.length, at + TEXT_CHUNK);
      if (CONTROL.test(decoder.decode(bytes.subarray(at, end), { stream: end < bytes.length }))) return false;
      await yielder.tick(at, bytes.length);
    }
    decoder.decode();
  } catch {
    return false;
  }
  return true;
}

/** The first byte offset at which the values differ (the shorter one's end when one is the other's prefix); null when the same. */
export async function firstDifference(a: Uint8Array, b: Uint8Array, yielder = new Yielder('compare')): Promise<number | null> {
  const n = Math.min(a.length, b.length);
  for (let at = 0; at < n; at += COMPARE_CHUNK) {
    const end = Math.min(n, at + COMPARE_CHUNK);
    if (Buffer.compare(a.subarray(at, end), b.subarray(at, end)) !== 0) {
      for (let i = at; i < end; i++) if (a[i] !== b[i]) return i;
    }
    await yielder.tick(at, n);
  }
  return a.length === b.length ? null : n;
}

/** The ranges of bytes that differ, at the same offsets (what one side has past the other's end is one range), at most `max`. */
export async function differingRanges(a: Uint8Array, b: Uint8Array, max = MAX_BYTE_RANGES, yielder = new Yielder('compare')): Promise<{ ranges: ByteRange[]; capped: boolean; differingBytes: number }> {
  const n = Math.min(a.length, b.length);
  const ranges: ByteRange[] = [];
  let differingBytes = 0;
  let capped = false;
  let open: ByteRange | undefined;
  for (let at = 0; at < n; at += COMPARE_CHUNK) {
    const end = Math.min(n, at + COMPARE_CHUNK);
    if (Buffer.compare(a.subarray(at, end), b.subarray(at, end)) === 0) {
      open = undefined;
    } else {
      for (let i = at; i < end; i++) {
        if (a[i] === b[i]) {
          open = undefined;
          continue;
        }
        differingBytes++;
        if (open && open.offset + open.length === i) open.length++;
        else if (ranges.length < max) ranges.push((open = { offset: i, length: 1 }));
        else {
          open = undefined;
          capped = true;
        }
      }
    }
    await yielder.tick(at, n);
  }
  const tail = Math.max(a.length, b.length) - n;
  if (tail > 0) {
    differingBytes += tail;
    if (open && open.offset + open.length === n) open.length += tail;
    else if (ranges.length < max) ranges.push({ offset: n, length: tail });
    else capped = true;
  }
  return { ranges, capped, differingBytes };
}

/** The indented text of a JSON object or array (every token as written), or undefined when the text is not one. */
async function indentedJson(text: string, yielder: Yielder): Promise<string | undefined> {
  if (!/^\s*[[{]/.test(text)) return undefined;
  const result = await runStepsPausing(formatJsonSteps(text, 2), () => yielder.tick(0, 0));
  return result.ok && result.indented ? result.text : undefined;
}

/** jsdiff's hunks, with both sides' line numbers on every line. */
function toHunks(hunks: { oldStart: number; oldLines: number; newStart: number; newLines: number; lines: string[] }[]): { hunks: DiffHunk[]; added: number; removed: number } {
  let added = 0;
  let removed = 0;
  const out = hunks.map((h): DiffHunk => {
    let oldLine = h.oldStart;
    let newLine = h.newStart;
    const lines: DiffLine[] = [];
    for (const raw of h.lines) {
      const mark = raw[0];
      const text = raw.slice(1);
      if (mark === '\\') {
        // "\ No newline at end of file": said of the line before it.
        const last = lines[lines.length - 1];
        if (last) last.noNewlineAtEnd = true;
      } else if (mark === '+') {
        added++;
        lines.push({ kind: 'added', text, newLine: newLine++ });
      } else if (mark === '-') {
        removed++;
        lines.push({ kind: 'removed', text, oldLine: oldLine++ });
      } else {
        lines.push({ kind: 'context', text, oldLine: oldLine++, newLine: newLine++ });
      }
    }
    return { oldStart: h.oldStart, oldLines: h.oldLines, newStart: h.newStart, newLines: h.newLines, lines };
  });
  return { hunks: out, added, removed };
}

/**
 * Changed lines up to which the diff is made at once: its time grows with the lines times this (~10 ms for 1 MiB of
 * short lines). jsdiff's async mode waits a timer between steps (a step per changed line, about 1 ms each), so
 * the values that differ in a few places, the most, are answered at once, and only the others take the steps.
 */
const SYNC_EDIT_LINES = 64;

/** jsdiff's structuredPatch, in async mode beyond a few changes; undefined when it gave up (too many changes, too long). */
function linePatch(from: string, to: string, context: number, timeoutMs: number): Promise<ReturnType<typeof structuredPatch> | undefined> {
  const quick = structuredPatch('from', 'to', from, to, undefined, undefined, { context, maxEditLength: SYNC_EDIT_LINES });
  if (quick) return Promise.resolve(quick);
  return new Promise((resolve) => setImmediate(resolve)).then(() => asyncLinePatch(from, to, context, timeoutMs));
}

function asyncLinePatch(from: string, to: string, context: number, timeoutMs: number): Promise<ReturnType<typeof structuredPatch> | undefined> {
  return new Promise((resolve) => {
    structuredPatch('from', 'to', from, to, undefined, undefined, {
      context,
      maxEditLength: MAX_EDIT_LINES,
      timeout: timeoutMs,
      callback: (patch) => resolve(patch),
    });
  });
}

/** The answer for two values that read back intact. */
export async function diffValues(from: Uint8Array, to: Uint8Array, options: DiffOptions = {}): Promise<ValueDiff> {
  const context = options.context ?? DEFAULT_CONTEXT;
  const maxText = options.maxTextBytes ?? TEXT_DIFF_MAX_BYTES;
  const yielder = new Yielder('diff');
  const sizes = { fromSize: from.length, toSize: to.length };
  const first = await firstDifference(from, to, yielder);
  const identical = first === null;
  const fromIsText = await isText(from, yielder);
  const toIsText = await isText(to, yielder);
  if (!fromIsText || !toIsText) {
    const { ranges, capped, differingBytes } = await differingRanges(from, to, MAX_BYTE_RANGES, yielder);
    const notText = !fromIsText && !toIsText ? 'neither value is' : !fromIsText ? 'the "from" value is not' : 'the "to" value is not';
    return {
      mode: 'binary',
      ...sizes,
      identical,
      firstDifference: first,
      byteRanges: ranges,
      differingBytes,
      ...(capped ? { byteRangesCapped: true as const } : {}),
      reason: `${notText} UTF-8 text`,
    };
  }
  const tooLarge = (what: string): ValueDiff => ({ mode: 'too-large', ...sizes, identical, firstDifference: first, reason: what });
  const limit = formatLimit(maxText);
  if (from.length > maxText || to.length > maxText) {
    return tooLarge(`values larger than ${limit} are not diffed line by line`);
  }
  let mode: 'text' | 'json' = 'text';
  const fromText = Buffer.from(from.buffer, from.byteOffset, from.byteLength).toString('utf8');
  const toText = Buffer.from(to.buffer, to.byteOffset, to.byteLength).toString('utf8');
  let fromLines = fromText;
  let toLines = toText;
  const fromJson = await indentedJson(fromText, yielder);
  const toJson = fromJson === undefined ? undefined : await indentedJson(toText, yielder);
  if (fromJson !== undefined && toJson !== undefined) {
    if (Buffer.byteLength(fromJson) > maxText || Buffer.byteLength(toJson) > maxText) {
      return tooLarge(`JSON whose indented form is larger than ${limit} is not diffed line by line`);
    }
    mode = 'json';
    // Both end with a line end: whether the stored text had one is formatting too.
    fromLines = fromJson + '\n';
    toLines = toJson + '\n';
  }
  const lines = Math.max(lineCount(fromLines), lineCount(toLines));
  if (lines > TEXT_DIFF_MAX_LINES) {
    return tooLarge(`${mode === 'json' ? 'JSON whose indented form has' : 'texts of'} more than ${TEXT_DIFF_MAX_LINES.toLocaleString('en-US')} lines are not diffed line by line`);
  }
  if (fromLines === toLines) return { mode, ...sizes, identical, firstDifference: first, hunks: [], added: 0, removed: 0 };
  const patch = await linePatch(fromLines, toLines, context, options.timeoutMs ?? DIFF_TIMEOUT_MS);
  if (!patch) return tooLarge(`more than ${MAX_EDIT_LINES.toLocaleString('en-US')} lines are added or removed, or comparing them took over ${DIFF_TIMEOUT_MS / 1000} s`);
  return { mode, ...sizes, identical, firstDifference: first, ...toHunks(patch.hunks) };
}

/** The answer when a side failed its checks: said, not diffed. */
export function corruptDiff(fromSize: number, toSize: number, reason: string): ValueDiff {
  return { mode: 'corrupt', fromSize, toSize, identical: false, firstDifference: null, reason };
}

function lineCount(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function formatLimit(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}

/**
 * A diff's hunks as unified-diff text ("@@ -1,3 +1,4 @@", then lines marked ' ', '-', '+'; "\ No newline at end of
 * file" after a last line without one), each line ending in '\n'.
 */
export function unifiedText(hunks: readonly DiffHunk[]): string {
  let out = '';
  for (const h of hunks) {
    out += `@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@\n`;
    for (const line of h.lines) {
      out += (line.kind === 'added' ? '+' : line.kind === 'removed' ? '-' : ' ') + line.text + '\n';
      if (line.noNewlineAtEnd) out += '\\ No newline at end of file\n';
    }
  }
  return out;
}

function range(start: number, lines: number): string {
  return lines === 1 ? `${start}` : `${start},${lines}`;
}
