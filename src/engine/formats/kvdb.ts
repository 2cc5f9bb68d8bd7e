/**
 * kvdb (JkrishnaD/Getting-Rusted, folder kvdb/, confirmed against data
 * written by commit 219b0ae): a write-ahead log `logs/wal.log` under the
 * working directory, one line per command: `SET <k> <v>` or `DEL <k>`.
 *
 * Replay (SimpleEngine::open) reads lines with BufRead::lines() — a line that
 * is not UTF-8 makes open fail — and, without trimming: a line starting with
 * "SET " is split after those 4 bytes into key and value at the FIRST space
 * (a line without that space is ignored; the value keeps any further
 * spaces); a line starting with "DEL " deletes everything after those 4
 * bytes, spaces included. Any other line is ignored.
 *
 * The project's README says data lives in `.kvdb/`; the code at this commit
 * writes `logs/wal.log`. `.kvdb/wal.log` is accepted too (unconfirmed: no
 * program run has produced it).
 */
import * as path from 'node:path';
import type { DecodedField, DecodedRecord, Detection, FieldSpec, FormatDescription, FormatFile } from './format.js';
import { layoutFields } from './field-layout.js';
import { candidateRoots, filePath, listedFile, probeDataFile } from './fs-probe.js';
import { showBytes } from './decode-helpers.js';
import { NEWLINE_FIELD, ignoredLine, lineText, newlineValue, nonUtf8Line, lineRecords, allLineRecords, commandLineDecoder, tornLine, utf8Length, type ParsedCommand, type TextLine } from './text-lines.js';

/** Where the log may be, relative to a root, most likely first. */
const LOG_LOCATIONS: readonly { name: string; confidence: number; confirmed: boolean }[] = [
  { name: 'logs/wal.log', confidence: 0.9, confirmed: true },
  { name: '.kvdb/wal.log', confidence: 0.6, confirmed: false },
];

const BARE_LOG = 'wal.log';

const COMMAND: FieldSpec = { name: 'command', role: 'type', size: 3, explain: '"SET" or "DEL"' };
const SEP: FieldSpec = { name: 'separator', role: 'padding', size: 1, explain: 'One space after the command' };
const KEY: FieldSpec = { name: 'key', role: 'key', size: -1, explain: 'The key: up to the first space (SET) or the whole rest of the line (DEL)' };
const SEP2: FieldSpec = { name: 'separator_2', role: 'padding', size: 1, explain: 'The first space after the key: everything after it is the value' };
const VALUE: FieldSpec = { name: 'value', role: 'value', size: -1, explain: 'The value: the rest of the line, spaces included' };

const SET_FIELDS: readonly FieldSpec[] = [COMMAND, SEP, KEY, SEP2, VALUE, NEWLINE_FIELD];
const DEL_FIELDS: readonly FieldSpec[] = [COMMAND, SEP, KEY, NEWLINE_FIELD];
const COMMAND_BYTES = COMMAND.size + SEP.size;

/** A SET or DEL line replay applies, as replay splits it. */
type Command = ParsedCommand;

/** The command a line holds, or the record of a line replay skips. */
function parseLine(bytes: Uint8Array, line: TextLine): Command | { skipped: DecodedRecord } {
  const text = lineText(bytes, line);
  if (text === undefined) return { skipped: nonUtf8Line(line, 'the real program fails to open the log') };
  const isSetLine = text.startsWith('SET ');
  const isDelLine = text.startsWith('DEL ');
  const rest = text.slice(COMMAND_BYTES);
  const space = rest.indexOf(' ');
  if (!isDelLine && !(isSetLine && space >= 0)) {
    const why = isSetLine ? 'SET without a space between key and value' : 'not a "SET " or "DEL " line';
    const record = ignoredLine(bytes, line, `ignored on replay: ${why}`);
    return { skipped: line.terminated ? record : tornLine(line, record.fields, `the real program reads this partial line and ignores it: ${why}`) };
  }
  const keyStart = line.start + COMMAND_BYTES;
  const keySize = utf8Length(isSetLine ? rest.slice(0, space) : rest);
  const valueStart = keyStart + keySize + SEP2.size;
  return { isSet: isSetLine, keyStart, keySize, valueStart, valueSize: isSetLine ? line.contentEnd - valueStart : 0 };
}

function commandFields(bytes: Uint8Array, line: TextLine, c: Command): DecodedField[] {
  const common = {
    command: { display: c.isSet ? 'SET' : 'DEL' },
    separator: { display: '" "' },
    key: { display: showBytes(bytes.subarray(c.keyStart, c.keyStart + c.keySize)), size: c.keySize },
    newline: newlineValue(line),
  };
  return c.isSet
    ? layoutFields(SET_FIELDS, line.start, {
        ...common,
        separator_2: { display: '" "' },
        value: { display: showBytes(bytes.subarray(c.valueStart, c.valueStart + c.valueSize)), size: c.valueSize },
      })
    : layoutFields(DEL_FIELDS, line.start, common);
}

const decodeLine = commandLineDecoder(parseLine, commandFields);

export function decodeWal(bytes: Uint8Array): DecodedRecord[] {
  return allLineRecords(bytes, decodeLine);
}

/**
 * The log file directly in `root` (opened at logs/ or .kvdb/) or in one of
 * its usual places: any name there, a file or not (one that cannot be read
 * is listed as such, and the open says why).
 */
function findLog(root: string): { name: string; confidence: number; confirmed: boolean } | undefined {
  for (const loc of LOG_LOCATIONS) {
    if (listedFile(filePath(root, loc.name)) !== undefined) return loc;
  }
  // Opened at the log's own folder: the log sits directly in root.
  if (listedFile(filePath(root, BARE_LOG)) !== undefined) {
    const folder = path.basename(root);
    if (folder === 'logs') return { name: BARE_LOG, confidence: 0.85, confirmed: true };
    if (folder === '.kvdb') return { name: BARE_LOG, confidence: 0.55, confirmed: false };
  }
  return undefined;
}

function listFiles(root: string): FormatFile[] {
  const log = findLog(root);
  if (!log) return [];
  const listed = listedFile(filePath(root, log.name));
  return listed ? [{ name: log.name, role: 'data', id: 0, ...listed }] : [];
}

function detect(dir: string): Detection | null {
  for (const root of candidateRoots(dir, [])) {
    const log = findLog(root);
    if (!log) continue;
    const probe = probeDataFile(filePath(root, log.name), 256);
    if (!probe) continue;
    const where = log.confirmed ? '' : ' (location from the README, not seen in a real run)';
    if ('unreadable' in probe) {
      return { format: kvdb.id, confidence: log.confidence * 0.5, root, reason: `${log.name}, which cannot be read (${probe.unreadable})${where}` };
    }
    const { size } = probe;
    const looksRight = /^(SET|DEL) /.test(Buffer.from(probe.head).toString('latin1'));
    const confidence = size === 0 ? log.confidence * 0.6 : looksRight ? log.confidence : 0.15;
    return {
      format: kvdb.id,
      confidence,
      root,
      reason: `${log.name} (${size} bytes)${looksRight ? ' starting with a SET/DEL line' : size === 0 ? ', empty' : ' that does not start with SET/DEL'}${where}`,
    };
  }
  return null;
}

export const kvdb: FormatDescription = {
  id: 'kvdb',
  title: 'kvdb (Getting-Rusted)',
  summary:
    'A write-ahead log logs/wal.log with a line per command: "SET <k> <v>" or "DEL <k>". ' +
    'Replay does not trim: after "SET " the line splits at the first space into key and value (the value keeps later spaces); ' +
    'after "DEL " the whole rest of the line is the key. Other lines are ignored; the last line of a key wins. No compaction.',
  writable: false,
  detect,
  listFiles,
  decodeFile: (_file, bytes) => decodeWal(bytes),
  decodeRecords: (_file, bytes, from) => lineRecords(bytes, from, decodeLine),
  winner: 'file-order',
  stopsFileAtFirstBadRecord: false,
  looksFor: ['logs/wal.log (or wal.log when opened at logs/; .kvdb/wal.log per the README)'],
};
