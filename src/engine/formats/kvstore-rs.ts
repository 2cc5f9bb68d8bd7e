/**
 * zachdrone/kvstore-rs (confirmed against data written by commit a5f62e7):
 * one log file named `default.json` — despite the name not JSON — with a
 * line `<key>\t<value>` per write. A delete writes the value `__DELETED__`,
 * so a value that is literally `__DELETED__` also reads back as deleted.
 * The REPL stores one whitespace-separated word as the value.
 *
 * Only the README of this repository is public, so the reader is inferred
 * from the files and the program's behaviour: a line splits at its first
 * tab; a line without a tab is reported as unreadable. A last line without
 * '\n' is taken to be read as any Rust line reader (BufRead::lines(),
 * str::lines()) returns it: applied as it stands when it has a tab.
 */
import type { DecodedField, DecodedRecord, Detection, FieldSpec, FormatDescription, FormatFile } from './format.js';
import { layoutFields } from './field-layout.js';
import { candidateRoots, filePath, listedFile, probeDataFile } from './fs-probe.js';
import { damagedRecord, showBytes } from './decode-helpers.js';
import { NEWLINE_FIELD, commandLineDecoder, newlineValue, lineRecords, allLineRecords, tornLine, type ParsedCommand, type TextLine } from './text-lines.js';

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

/** A line with a tab: a put, or a delete when its value is __DELETED__; else the record of an unreadable line. */
function parseLine(bytes: Uint8Array, line: TextLine): ParsedCommand | { skipped: DecodedRecord } {
  const tab = tabOf(bytes, line);
  if (tab < 0) {
    const problem = 'line has no tab between key and value';
    return { skipped: line.terminated ? damagedRecord(line.start, line.end, 'corrupt', 'unreadable', problem) : tornLine(line, undefined, `this partial ${problem}`) };
  }
  const valueStart = tab + 1;
  return { isSet: !isTombstone(bytes.subarray(valueStart, line.contentEnd)), keyStart: line.start, keySize: tab - line.start, valueStart, valueSize: line.contentEnd - valueStart };
}

function lineFields(bytes: Uint8Array, line: TextLine, c: ParsedCommand): DecodedField[] {
  const value = bytes.subarray(c.valueStart, c.valueStart + c.valueSize);
  const common = {
    key: { display: showBytes(bytes.subarray(c.keyStart, c.keyStart + c.keySize)), size: c.keySize },
    separator: { display: '"\\t"' },
    newline: newlineValue(line),
  };
  return c.isSet
    ? layoutFields(PUT_FIELDS, line.start, { ...common, value: { display: showBytes(value), size: value.length } })
    : layoutFields(DELETE_FIELDS, line.start, { ...common, tombstone: { display: '__DELETED__', size: value.length } });
}

const decodeLine = commandLineDecoder(parseLine, lineFields);

export function decodeDefaultJson(bytes: Uint8Array): DecodedRecord[] {
  return allLineRecords(bytes, decodeLine);
}

function listFiles(root: string): FormatFile[] {
  const listed = listedFile(filePath(root, FILE_NAME));
  return listed ? [{ name: FILE_NAME, role: 'data', id: 0, ...listed }] : [];
}

function detect(dir: string): Detection | null {
  for (const root of candidateRoots(dir, [])) {
    const probe = probeDataFile(filePath(root, FILE_NAME), 256);
    if (!probe) continue;
    if ('unreadable' in probe) return { format: kvstoreRs.id, confidence: 0.3, root, reason: `${FILE_NAME}, which cannot be read (${probe.unreadable})` };
    const { size } = probe;
    const head = Buffer.from(probe.head).toString('latin1');
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
