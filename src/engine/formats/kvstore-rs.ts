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
import type { DecodedRecord, Detection, FieldSpec, FormatDescription, FormatFile } from './format.js';
import { layoutFields } from './field-layout.js';
import { candidateRoots, fileSize, filePath, readHead } from './fs-probe.js';
import { damagedRecord, showBytes } from './decode-helpers.js';
import { NEWLINE_FIELD, newlineValue, lineRecords, splitLines, tornLine, type TextLine } from './text-lines.js';

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

function decodeLine(bytes: Uint8Array, line: TextLine): DecodedRecord {
  const content = bytes.subarray(line.start, line.contentEnd);
  const tab = content.indexOf(TAB);
  if (tab < 0) {
    const problem = 'line has no tab between key and value';
    return line.terminated ? damagedRecord(line.start, line.end, 'corrupt', 'unreadable', problem) : tornLine(line);
  }
  const key = content.subarray(0, tab);
  const value = content.subarray(tab + 1);
  const tombstone = Buffer.from(value).equals(DELETED);
  const valueOffset = line.start + tab + 1;
  const common = {
    key: { display: showBytes(key), size: key.length },
    separator: { display: '"\\t"' },
    newline: newlineValue(line),
  };
  const fields = tombstone
    ? layoutFields(DELETE_FIELDS, line.start, { ...common, tombstone: { display: '__DELETED__', size: value.length } })
    : layoutFields(PUT_FIELDS, line.start, { ...common, value: { display: showBytes(value), size: value.length } });
  if (!line.terminated) return tornLine(line, fields);
  const record: DecodedRecord = {
    offset: line.start,
    length: line.end - line.start,
    kind: tombstone ? 'delete' : 'put',
    status: 'valid',
    key,
    fields,
  };
  if (!tombstone) {
    record.valueOffset = valueOffset;
    record.valueLength = value.length;
  }
  return record;
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
