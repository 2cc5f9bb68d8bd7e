/**
 * zachdrone/kvstore-rs (confirmed against data written by commit a5f62e7):
 * one log file named `default.json` — despite the name not JSON — with a
 * line `<key>\t<value>` per write. A delete writes the value `__DELETED__`,
 * so a value that is literally `__DELETED__` also reads back as deleted.
 * The REPL stores one whitespace-separated word as the value.
 *
 * Only the README of this repository is public, so the reader is inferred
 * from the files and the program's behaviour: a line splits at its first
 * tab; a line without a tab is reported as unreadable.
 */
import type { DecodedField, DecodedRecord, Detection, FieldSpec, FormatDescription, FormatFile } from './format.js';
import { layoutFields } from './field-layout.js';
import { candidateRoots, fileSize, filePath, readHead } from './fs-probe.js';
import { damagedRecord, showBytes } from './decode-helpers.js';
import { NEWLINE_FIELD, newlineValue, lineRecords, splitLines, TextLineRecord, tornLine, type TextLine } from './text-lines.js';

const FILE_NAME = 'default.json';
const DELETED = Buffer.from('__DELETED__', 'latin1');
const TAB = 0x09;

const PUT_FIELDS: readonly FieldSpec[] = [
  { name: 'key', role: 'key', size: -1, explain: 'The key: everything before the first tab' },
  { name: 'separator', role: 'padding', size: 1, explain: 'A tab' },
  { name: 'value', role: 'value', size: -1, explain: 'The value: the rest of the line' },
  NEWLINE_FIELD,
];
const DELETE_FIELDS: readonly FieldSpec[] = [
  ...PUT_FIELDS.slice(0, 2),
  { name: 'tombstone', role: 'type', size: -1, explain: 'The value __DELETED__ marks the key as deleted' },
  NEWLINE_FIELD,
];

/** Where a line's tab is, or -1. */
function tabOf(bytes: Uint8Array, line: TextLine): number {
  const tab = bytes.subarray(line.start, line.contentEnd).indexOf(TAB);
  return tab < 0 ? -1 : line.start + tab;
}

const isTombstone = (value: Uint8Array): boolean => value.length === DELETED.length && DELETED.equals(value);

/** The fields of a line with a tab (the line is parsed again). */
function lineFields(bytes: Uint8Array, line: TextLine): DecodedField[] {
  const tab = tabOf(bytes, line);
  if (tab < 0) throw new Error(`line at ${line.start} has no tab`);
  const key = bytes.subarray(line.start, tab);
  const value = bytes.subarray(tab + 1, line.contentEnd);
  const common = {
    key: { display: showBytes(key), size: key.length },
    separator: { display: '"\\t"' },
    newline: newlineValue(line),
  };
  return isTombstone(value)
    ? layoutFields(DELETE_FIELDS, line.start, { ...common, tombstone: { display: '__DELETED__', size: value.length } })
    : layoutFields(PUT_FIELDS, line.start, { ...common, value: { display: showBytes(value), size: value.length } });
}

function decodeLine(bytes: Uint8Array, line: TextLine): DecodedRecord {
  const tab = tabOf(bytes, line);
  if (tab < 0) {
    const problem = 'line has no tab between key and value';
    return line.terminated ? damagedRecord(line.start, line.end, 'corrupt', 'unreadable', problem) : tornLine(line);
  }
  if (!line.terminated) return tornLine(line, lineFields(bytes, line));
  const key = bytes.subarray(line.start, tab);
  return isTombstone(bytes.subarray(tab + 1, line.contentEnd))
    ? new TextLineRecord(bytes, line, 'delete', key, undefined, undefined, lineFields)
    : new TextLineRecord(bytes, line, 'put', key, tab + 1, line.contentEnd - tab - 1, lineFields);
}

export function decodeDefaultJson(bytes: Uint8Array): DecodedRecord[] {
  return splitLines(bytes).map((line) => decodeLine(bytes, line));
}

function listFiles(root: string): FormatFile[] {
  const size = fileSize(filePath(root, FILE_NAME));
  return size < 0 ? [] : [{ name: FILE_NAME, role: 'data', id: 0, size }];
}

function detect(dir: string): Detection | null {
  for (const root of candidateRoots(dir, [])) {
    const size = fileSize(filePath(root, FILE_NAME));
    if (size < 0) continue;
    const head = Buffer.from(readHead(filePath(root, FILE_NAME), 256) ?? new Uint8Array()).toString('latin1');
    const firstLine = head.split('\n')[0] ?? '';
    const realJson = /^\s*[[{]/.test(head);
    const looksRight = !realJson && firstLine.includes('\t');
    return {
      format: kvstoreRs.id,
      confidence: size === 0 ? 0.3 : looksRight ? 0.9 : 0.05,
      root,
      reason: `${FILE_NAME} (${size} bytes)${size === 0 ? ', empty' : looksRight ? ' with tab-separated lines' : realJson ? ' that is real JSON' : ' without a tab on its first line'}`,
    };
  }
  return null;
}

export const kvstoreRs: FormatDescription = {
  id: 'kvstore-rs',
  title: 'kvstore-rs',
  summary:
    'One log file named default.json (not JSON) with a line "<key>\\t<value>" per write. ' +
    'A delete writes the value __DELETED__, so a stored value that is literally __DELETED__ also reads back as deleted. ' +
    'The last line of a key wins. No segments, no compaction.',
  writable: false,
  detect,
  listFiles,
  decodeFile: (_file, bytes) => decodeDefaultJson(bytes),
  decodeRecords: (_file, bytes, from) => lineRecords(bytes, from, decodeLine),
  winner: 'file-order',
  stopsFileAtFirstBadRecord: false,
  looksFor: ['default.json with "<key>\\t<value>" lines in the folder'],
};
