/**
 * whispem/Tiny-Log-Structured-KV-Store (confirmed against data written by
 * commit 777ea50): one text file `store.log` in the working directory, one
 * command per line, `SET <key> <value>` or `DEL <key>`.
 *
 * Replay (KvStore::replay_log) reads lines with BufRead::lines(), skips lines
 * that are not UTF-8, trims each line (Rust `str::trim`: Unicode white
 * space), splits it with `splitn(3, ' ')` and applies `SET` only with exactly
 * three parts and `DEL` only with exactly two. Consequences reproduced here:
 * a key with a space is read back as its first word (the rest joins the
 * value), trailing spaces of a value vanish, `SET k ` (empty value) and
 * `DEL my key` (spaced key) are ignored, and a value with a newline is split
 * into a record plus an ignored line.
 */
import type { DecodedField, DecodedRecord, FieldSpec, FormatDescription, FormatFile } from './format.js';
import { layoutFields } from './field-layout.js';
import { candidateRoots, filePath, listedFile, probeDataFile } from './fs-probe.js';
import { showBytes } from './decode-helpers.js';
import {
  NEWLINE_FIELD,
  ignoredLine,
  lineText,
  newlineValue,
  nonUtf8Line,
  rustTrim,
  lineRecords, allLineRecords,
  commandLineDecoder,
  type ParsedCommand,
  tornLine,
  utf8Length,
  type TextLine,
} from './text-lines.js';

const FILE_NAME = 'store.log';

const LEAD: FieldSpec = { name: 'leading_space', role: 'padding', size: -1, explain: 'White space before the command, trimmed on replay' };
const COMMAND: FieldSpec = { name: 'command', role: 'type', size: -1, explain: '"SET" or "DEL"' };
const SEP1: FieldSpec = { name: 'separator', role: 'padding', size: -1, explain: 'One space (the line is split on single spaces)' };
const SEP2: FieldSpec = { name: 'separator_2', role: 'padding', size: -1, explain: 'One space: everything after it is the value' };
const KEY: FieldSpec = { name: 'key', role: 'key', size: -1, explain: 'The key: the second space-separated word' };
const VALUE: FieldSpec = { name: 'value', role: 'value', size: -1, explain: 'The value: the rest of the trimmed line' };
const TRAIL: FieldSpec = { name: 'trailing_space', role: 'padding', size: -1, explain: 'White space at the end of the line, trimmed on replay (so it is lost from the value)' };

const SET_FIELDS: readonly FieldSpec[] = [LEAD, COMMAND, SEP1, KEY, SEP2, VALUE, TRAIL, NEWLINE_FIELD];
const DEL_FIELDS: readonly FieldSpec[] = [LEAD, COMMAND, SEP1, KEY, TRAIL, NEWLINE_FIELD];

/** A SET or DEL line replay applies, as replay splits it. */
interface Command extends ParsedCommand {
  command: string;
  leadBytes: number;
  trailBytes: number;
}

/** The command a line holds, or the record of a line replay skips. */
function parseLine(bytes: Uint8Array, line: TextLine): Command | { skipped: DecodedRecord } {
  const text = lineText(bytes, line);
  if (text === undefined) return { skipped: nonUtf8Line(line, 'the program skips it') };
  const { trimmed, leadBytes, trailBytes } = rustTrim(text);
  const parts = splitn(trimmed, ' ', 3);
  const command = parts[0]!;
  const isSet = command === 'SET' && parts.length === 3;
  const isDel = command === 'DEL' && parts.length === 2;
  if (!isSet && !isDel) {
    const why =
      command === 'SET' ? 'SET needs a key and a non-empty value after trimming' :
      command === 'DEL' ? 'DEL with more than one word (a key with a space) is ignored' :
      'not a SET or DEL command';
    const record = ignoredLine(bytes, line, `ignored on replay: ${why}`);
    return { skipped: line.terminated ? record : tornLine(line, record.fields, `the real program reads this partial line and ignores it: ${why}`) };
  }
  const keyStart = line.start + leadBytes + utf8Length(command) + 1;
  const keySize = utf8Length(parts[1]!);
  return { isSet, command, leadBytes, trailBytes, keyStart, keySize, valueStart: keyStart + keySize + 1, valueSize: isSet ? utf8Length(parts[2]!) : 0 };
}

function commandFields(bytes: Uint8Array, line: TextLine, c: Command): DecodedField[] {
  const common = {
    leading_space: { display: `${c.leadBytes} bytes`, size: c.leadBytes },
    command: { display: c.command, size: utf8Length(c.command) },
    separator: { display: '" "', size: 1 },
    key: { display: showBytes(bytes.subarray(c.keyStart, c.keyStart + c.keySize)), size: c.keySize },
    trailing_space: { display: `${c.trailBytes} bytes`, size: c.trailBytes },
    newline: newlineValue(line),
  };
  return c.isSet
    ? layoutFields(SET_FIELDS, line.start, {
        ...common,
        separator_2: { display: '" "', size: 1 },
        value: { display: showBytes(bytes.subarray(c.valueStart, c.valueStart + c.valueSize)), size: c.valueSize },
      })
    : layoutFields(DEL_FIELDS, line.start, common);
}

const decodeLine = commandLineDecoder(parseLine, commandFields);

/** Rust `str::splitn(n, sep)`. */
function splitn(text: string, sep: string, n: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (parts.length < n - 1) {
    const i = rest.indexOf(sep);
    if (i < 0) break;
    parts.push(rest.slice(0, i));
    rest = rest.slice(i + sep.length);
  }
  parts.push(rest);
  return parts;
}

export function decodeStoreLog(bytes: Uint8Array): DecodedRecord[] {
  return allLineRecords(bytes, decodeLine);
}

function listFiles(root: string): FormatFile[] {
  const listed = listedFile(filePath(root, FILE_NAME));
  return listed ? [{ name: FILE_NAME, role: 'data', id: 0, ...listed }] : [];
}

function detect(dir: string) {
  for (const root of candidateRoots(dir, [])) {
    const probe = probeDataFile(filePath(root, FILE_NAME), 256);
    if (!probe) continue;
    if ('unreadable' in probe) return { format: tinyLogKv.id, confidence: 0.3, root, reason: `${FILE_NAME}, which cannot be read (${probe.unreadable})` };
    const { size } = probe;
    const head = Buffer.from(probe.head).toString('latin1');
    const looksRight = /^\s*(SET|DEL) /.test(head);
    return {
      format: tinyLogKv.id,
      confidence: size === 0 ? 0.5 : looksRight ? 0.9 : 0.2,
      root,
      reason: `${FILE_NAME} (${size} bytes)${size === 0 ? ', empty' : looksRight ? ' starting with a SET/DEL line' : ' that does not start with SET/DEL'}`,
    };
  }
  return null;
}

export const tinyLogKv: FormatDescription = {
  id: 'tiny-log-kv',
  title: 'Tiny Log-Structured KV Store',
  summary:
    'One text file, store.log, with a line per command: "SET <key> <value>" or "DEL <key>". ' +
    'Replay trims each line, splits it on single spaces into at most three parts, and applies SET only with a key ' +
    'and a non-empty value and DEL only with exactly one word; the last line of a key wins. ' +
    'So a key with a space comes back as its first word, trailing spaces vanish, and a DEL of a spaced key does nothing. No compaction.',
  writable: false,
  detect,
  listFiles,
  decodeFile: (_file, bytes) => decodeStoreLog(bytes),
  decodeRecords: (_file, bytes, from) => lineRecords(bytes, from, decodeLine),
  winner: 'file-order',
  stopsFileAtFirstBadRecord: false,
  looksFor: ['store.log in the folder'],
};
