/**
 * Helpers for the line-oriented text formats (tiny-log-kv, kvdb, kvstore-rs),
 * all written by Rust programs that read them back with `BufRead::lines()`:
 * a line ends at '\n', and a '\r' just before that '\n' is dropped too. A
 * last line without '\n' is still returned by Rust, and the program applies
 * it as it stands when it parses ("SET city Ly", left by a write cut short
 * inside "SET city Lyon", sets city to "Ly"): kvscope replays it so, and
 * notes the missing newline after it (unterminatedLine), as the write may
 * have been cut short. A last line the program would not apply ("SE", a
 * write cut inside its command word) is a torn record (tornLine).
 */
import { isUtf8 } from 'node:buffer';
import type { DecodedField, DecodedRecord, FieldSpec } from './format.js';
import { damagedRecord, propertiesInOrder, RecordWithLazyFields, showBytes } from './decode-helpers.js';
import { layoutFields } from './field-layout.js';

export interface TextLine {
  /** Offset of the first byte of the line. */
  start: number;
  /** End of the content (exclusive): before "\n" or "\r\n". */
  contentEnd: number;
  /** End of the line including its terminator (exclusive). */
  end: number;
  /** Whether the line ended with '\n' (false only for a last, unterminated line). */
  terminated: boolean;
}

/** Split bytes into lines the way Rust's BufRead::lines() does. Never loops forever. */
export function splitLines(bytes: Uint8Array): TextLine[] {
  return [...linesFrom(bytes)];
}

/** splitLines' lines one at a time, from the line that starts at `from`. */
export function* linesFrom(bytes: Uint8Array, from = 0): Generator<TextLine> {
  let start = from;
  while (start < bytes.length) {
    const nl = bytes.indexOf(0x0a, start);
    if (nl < 0) {
      yield { start, contentEnd: bytes.length, end: bytes.length, terminated: false };
      break;
    }
    const contentEnd = nl > start && bytes[nl - 1] === 0x0d ? nl - 1 : nl;
    yield { start, contentEnd, end: nl + 1, terminated: true };
    start = nl + 1;
  }
}

/**
 * A line format's records one at a time, from the line at `from`, for a
 * format whose every line decodes on its own (FormatDescription.decodeRecords).
 */
export function* lineRecords(bytes: Uint8Array, from: number | undefined, decodeLine: (bytes: Uint8Array, line: TextLine) => DecodedRecord): Generator<DecodedRecord> {
  // From the end of a file whose last line has no '\n' (where the note of the missing newline is): that line is read again, not given.
  const at = from ?? 0;
  const start = at > 0 && at >= bytes.length && bytes[bytes.length - 1] !== 0x0a ? bytes.lastIndexOf(0x0a) + 1 : at;
  for (const line of linesFrom(bytes, start)) {
    const record = decodeLine(bytes, line);
    if (record.offset >= at) yield record;
    // A last line without '\n' that the program applies: the missing newline, noted after it.
    if (!line.terminated && record.status === 'valid' && (record.kind === 'put' || record.kind === 'delete')) yield unterminatedLine(bytes, line, record);
  }
}

/** Every record of a line format's file, as lineRecords gives them. */
export function allLineRecords(bytes: Uint8Array, decodeLine: (bytes: Uint8Array, line: TextLine) => DecodedRecord): DecodedRecord[] {
  return [...lineRecords(bytes, 0, decodeLine)];
}

/** The characters Rust's `str::trim` removes (Unicode White_Space), which differ from JS `trim`. */
const RUST_WHITESPACE = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
  0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

/** Rust `str::trim`: returns how many bytes of UTF-8 were trimmed at each end. */
export function rustTrim(text: string): { trimmed: string; leadBytes: number; trailBytes: number } {
  // Most lines have nothing to trim. (No white space is outside the BMP, so a
  // surrogate at either end is not white space either.)
  if (text.length === 0 || (!RUST_WHITESPACE.has(text.charCodeAt(0)) && !RUST_WHITESPACE.has(text.charCodeAt(text.length - 1)))) {
    return { trimmed: text, leadBytes: 0, trailBytes: 0 };
  }
  const chars = Array.from(text);
  let a = 0;
  let b = chars.length;
  while (a < b && RUST_WHITESPACE.has(chars[a]!.codePointAt(0)!)) a++;
  while (b > a && RUST_WHITESPACE.has(chars[b - 1]!.codePointAt(0)!)) b--;
  return {
    trimmed: chars.slice(a, b).join(''),
    leadBytes: utf8Length(chars.slice(0, a).join('')),
    trailBytes: utf8Length(chars.slice(b).join('')),
  };
}

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The content of a line as text, or undefined when it is not valid UTF-8. */
export function lineText(bytes: Uint8Array, line: TextLine): string | undefined {
  const content = bytes.subarray(line.start, line.contentEnd);
  if (!isUtf8(content)) return undefined;
  return Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString('utf8');
}

/** How a format describes, for the hex view, a line it decoded as a put or a delete. */
export type LineFields = (bytes: Uint8Array, line: TextLine) => DecodedField[];

/**
 * A terminated line the program applies as a put or a delete, its fields
 * made when first read, by the format's `fieldsOf` (the line parsed again):
 * replay, verify, `kvscope dump` and the record table's index never read
 * them, and making them for every line of a large log was most of decoding it.
 */
export class TextLineRecord extends RecordWithLazyFields implements DecodedRecord {
  readonly status = 'valid' as const;
  readonly offset: number;
  readonly length: number;
  /** Undefined for a delete (left out of JSON). */
  readonly valueOffset: number | undefined;
  readonly valueLength: number | undefined;
  readonly #bytes: Uint8Array;
  readonly #line: TextLine;
  readonly #fieldsOf: LineFields;

  constructor(
    bytes: Uint8Array,
    line: TextLine,
    readonly kind: 'put' | 'delete',
    readonly key: Uint8Array,
    valueOffset: number | undefined,
    valueLength: number | undefined,
    fieldsOf: LineFields,
  ) {
    super();
    this.offset = line.start;
    this.length = line.end - line.start;
    this.valueOffset = valueOffset;
    this.valueLength = valueLength;
    this.#bytes = bytes;
    this.#line = line;
    this.#fieldsOf = fieldsOf;
  }

  protected makeFields(): DecodedField[] {
    return this.#fieldsOf(this.#bytes, this.#line);
  }

  toJSON(): object {
    return propertiesInOrder(this, ['offset', 'length', 'kind', 'status', 'key', 'fields', 'valueOffset', 'valueLength']);
  }
}

/** A line replay applies as a put (SET) or a delete, as it splits it: where its key and value are. */
export interface ParsedCommand {
  isSet: boolean;
  keyStart: number;
  keySize: number;
  /** Where a put's value is (a delete's bytes there are the format's to describe). */
  valueStart: number;
  valueSize: number;
}

/**
 * The line decoder of a format whose lines are puts and deletes (SET and
 * DEL commands, or kvstore-rs's key-tab-value lines). `parse` finds a
 * line's command, or gives the record of a line replay skips; `fieldsOf` lays out a command's fields. A command is a
 * TextLineRecord (its fields made when read, by parsing the line again),
 * unless its line was cut short.
 */
export function commandLineDecoder<C extends ParsedCommand>(
  parse: (bytes: Uint8Array, line: TextLine) => C | { skipped: DecodedRecord },
  fieldsOf: (bytes: Uint8Array, line: TextLine, command: C) => DecodedField[],
): (bytes: Uint8Array, line: TextLine) => DecodedRecord {
  const lineFields: LineFields = (bytes, line) => {
    const c = parse(bytes, line);
    if ('skipped' in c) throw new Error(`line at ${line.start} is not a command`);
    return fieldsOf(bytes, line, c);
  };
  return (bytes, line) => {
    const c = parse(bytes, line);
    if ('skipped' in c) return c.skipped;
    // A last line without '\n' is applied as it stands, as the program reads it (lineRecords notes the missing newline).
    const key = bytes.subarray(c.keyStart, c.keyStart + c.keySize);
    return c.isSet
      ? new TextLineRecord(bytes, line, 'put', key, c.valueStart, c.valueSize, lineFields)
      : new TextLineRecord(bytes, line, 'delete', key, undefined, undefined, lineFields);
  };
}

/** Field table shared by the text formats for the line terminator. */
export const NEWLINE_FIELD: FieldSpec = {
  name: 'newline',
  role: 'other',
  size: -1,
  explain: 'End of the line ("\\n"; a "\\r" before it is dropped on reading)',
};

const IGNORED_LINE_FIELDS: readonly FieldSpec[] = [
  { name: 'line', role: 'text', size: -1, explain: 'A line the program skips on replay' },
  NEWLINE_FIELD,
];

/** Display of the terminator of a line. */
export function newlineValue(line: TextLine): { display: string; size: number } {
  const size = line.end - line.contentEnd;
  return { display: size === 2 ? '\\r\\n' : size === 1 ? '\\n' : '', size };
}

/**
 * A well-formed line the real program skips on replay (kind 'garbage',
 * status 'valid': the program wrote it, nothing is damaged).
 */
export function ignoredLine(bytes: Uint8Array, line: TextLine, why: string): DecodedRecord {
  const content = bytes.subarray(line.start, line.contentEnd);
  return {
    offset: line.start,
    length: line.end - line.start,
    kind: 'garbage',
    status: 'valid',
    problem: why,
    fields: layoutFields(IGNORED_LINE_FIELDS, line.start, {
      line: { display: showBytes(content), size: content.length },
      newline: newlineValue(line),
    }),
  };
}

/** A line whose bytes are not UTF-8 (Rust's lines() returns an error for it). */
export function nonUtf8Line(line: TextLine, consequence: string): DecodedRecord {
  return damagedRecord(line.start, line.end, 'corrupt', 'unreadable', `line is not valid UTF-8; ${consequence}`);
}

/** The start of what tornLine and unterminatedLine say of a last line without '\n'. */
const NO_NEWLINE = 'last line has no newline, so its write may have been cut short';

/**
 * A last line without '\n' that the program reads but does not apply (a
 * write cut inside its command word, say): a torn record, whose `fields`
 * (if given) describe what could be parsed. `what`: what the program makes
 * of the line.
 */
export function tornLine(line: TextLine, fields: DecodedField[] | undefined, what: string): DecodedRecord {
  const record = damagedRecord(line.start, line.end, 'torn', 'torn-tail', `${NO_NEWLINE}; ${what}`);
  if (fields) record.fields = fields;
  return record;
}

/**
 * The note after a last line without '\n' that the program applies as it
 * stands (`record`, a put or a delete, replayed as any other): a row of no
 * bytes at the end of the file, where the newline is missing (kind 'note':
 * nothing there failed to decode; status torn), so that verify and the open
 * say the write may have been cut short and what the program made of the line.
 */
export function unterminatedLine(bytes: Uint8Array, line: TextLine, record: DecodedRecord): DecodedRecord {
  const key = showBytes(record.key ?? new Uint8Array(0));
  const applied =
    record.kind === 'put'
      ? `sets ${key} to ${showBytes(bytes.subarray(record.valueOffset ?? 0, (record.valueOffset ?? 0) + (record.valueLength ?? 0)))}`
      : `deletes ${key}`;
  const problem = `${NO_NEWLINE}; the real program still reads the line at ${line.start} as it stands and applies it: it ${applied}`;
  return {
    offset: line.end,
    length: 0,
    kind: 'note',
    status: 'torn',
    problem,
    problemKind: 'torn-tail',
    fields: [{ name: 'missing newline', role: 'other', start: line.end, end: line.end, display: 'none', explain: problem }],
  };
}
