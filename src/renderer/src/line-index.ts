/**
 * Where the rows of a large text start, so the Text and JSON tabs can draw
 * only the rows in view. A row is a line (up to its LF; a CR before the LF is
 * left out, as it was never shown), or, for a line longer than `rowChars`,
 * one `rowChars`-long piece of it: a minified JSON of 8 MiB is one line, and
 * one DOM node holding it would take seconds to lay out. The index is one
 * Uint32Array of row starts, not a string per line.
 *
 * Built by a generator that yields every so many rows, so the building can be
 * spread over several tasks (see sliced.ts); `buildRowIndex` runs it at once.
 */

/** Longest row drawn: longer lines are broken into pieces of this many characters. */
export const ROW_CHARS = 1000;

export interface RowIndex {
  /** The text indexed. */
  text: string;
  /** Row starts (offsets into `text`); only the first `count` are used. */
  starts: Uint32Array;
  count: number;
  /** Lines of the text (rows that start a line). */
  lines: number;
  /** Characters of the longest row. */
  widest: number;
  /** Whether some line was broken into pieces. */
  broken: boolean;
  /**
   * Set for a text without line ends cut into rows of this many characters (fixedRowIndex): each row is a line
   * of its own, none goes on from another.
   */
  width?: number;
}

/** How often the generator yields: every this many rows. */
const ROWS_A_STEP = 16_384;

/** Indexes `text` by rows, yielding now and then (the yields carry nothing); returns the index. */
export function* rowIndexSteps(text: string, rowChars = ROW_CHARS): Generator<void, RowIndex, void> {
  let starts = new Uint32Array(Math.max(16, Math.min(1 << 20, (text.length >>> 6) + 16)));
  let count = 0;
  let lines = 0;
  let widest = 0;
  let broken = false;
  let step = 0;
  let at = 0;
  for (;;) {
    const nl = text.indexOf('\n', at);
    let end = nl === -1 ? text.length : nl;
    if (nl !== -1 && end > at && text.charCodeAt(end - 1) === 13) end--;
    lines++;
    for (let s = at; ; ) {
      if (count === starts.length) {
        const grown = new Uint32Array(starts.length * 2);
        grown.set(starts);
        starts = grown;
      }
      starts[count++] = s;
      let next = s + rowChars;
      if (next >= end) {
        widest = Math.max(widest, end - s);
        break;
      }
      // Never break between the two halves of a surrogate pair.
      const c = text.charCodeAt(next);
      if (c >= 0xdc00 && c <= 0xdfff) next--;
      widest = Math.max(widest, next - s);
      broken = true;
      s = next;
    }
    if (++step >= ROWS_A_STEP) {
      step = 0;
      yield;
    }
    if (nl === -1) break;
    at = nl + 1;
  }
  return { text, starts, count, lines, widest, broken };
}

/** The whole index at once. */
export function buildRowIndex(text: string, rowChars = ROW_CHARS): RowIndex {
  const steps = rowIndexSteps(text, rowChars);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * A text without line ends (a value's Base64) as rows of `width` characters, the last one shorter when the text
 * does not divide evenly: row i starts at i × width, so nothing of the text is read to index it. An empty text is
 * one empty row.
 */
export function fixedRowIndex(text: string, width: number): RowIndex {
  const count = Math.max(1, Math.ceil(text.length / width));
  const starts = new Uint32Array(count);
  for (let i = 0; i < count; i++) starts[i] = i * width;
  return { text, starts, count, lines: count, widest: Math.min(width, text.length), broken: false, width };
}

/** Whether row `i` goes on from the row before it (a piece of a broken line other than its first). */
export function continuesLine(index: RowIndex, i: number): boolean {
  if (index.width !== undefined) return false;
  const start = index.starts[i]!;
  return start > 0 && index.text.charCodeAt(start - 1) !== 10;
}

/** The text of row `i` (without its line end). */
export function rowText(index: RowIndex, i: number): string {
  const { text, starts, count } = index;
  const start = starts[i]!;
  if (index.width !== undefined) return text.slice(start, start + index.width);
  let end: number;
  if (i + 1 < count && !continuesLine(index, i + 1)) {
    end = starts[i + 1]! - 1; // the LF
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
  } else if (i + 1 < count) {
    end = starts[i + 1]!;
  } else {
    end = text.length;
  }
  return text.slice(start, end);
}
