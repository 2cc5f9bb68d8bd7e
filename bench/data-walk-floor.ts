/**
 * The least an open from data files can take while it checks every record,
 * measured on a real store: read every data file in 4 MiB windows (as the
 * engine's walk does), check each window's records with one CRC
 * (soundRecordsEnd, as the walk does) and any record past what that covers
 * with its own (crc32Range), read each record's lengths from its header.
 * Nothing else: no
 * index, no keys kept, no batch rules, no damage handling beyond stopping,
 * no progress or cancellation. One JSON line: the seconds it took, the
 * records it checked and the bytes it read (loading the code is not counted).
 *
 *   node --import tsx bench/data-walk-floor.ts DIR
 *
 * Run it in a fresh process after evicting the store's pages, beside
 * bench/open-child.ts on the same store with its hints and keydir image
 * moved away, as docs/BENCHMARKS.md does: the target "open from data files
 * ≥ 70% of sequential read bandwidth" cannot be met by an open that checks
 * every record unless this walk alone runs faster than that line.
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { crc32Range } from '../src/engine/crc.js';
import { fieldsOf, recordLength } from '../src/engine/native/codec.js';
import { RECORD_HEADER, SEGMENT_HEADER } from '../src/engine/native/layout.js';
import { soundRecordsEnd } from '../src/engine/native/scan.js';

const WINDOW_BYTES = 4 * 1024 * 1024;

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: data-walk-floor.ts DIR\n');
  process.exit(2);
}
const names = readdirSync(dir)
  .filter((name) => name.endsWith('.data'))
  .sort();

const started = performance.now();
const window = Buffer.allocUnsafeSlow(WINDOW_BYTES);
const fields = fieldsOf(window);
let records = 0;
let bytes = 0;
for (const name of names) {
  const fd = openSync(join(dir, name), 'r');
  try {
    const size = fstatSync(fd).size;
    records += checkRecords(fd, size);
    bytes += size;
  } finally {
    closeSync(fd);
  }
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ seconds, records, bytes })}\n`);

/** Check every record of one data file; returns how many there were. */
function checkRecords(fd: number, size: number): number {
  let count = 0;
  let winStart = SEGMENT_HEADER.size;
  let winLen = 0;
  let checkedEnd = 0;
  for (let at = winStart; at < size; ) {
    let rel = at - winStart;
    let length = rel + RECORD_HEADER.size <= winLen ? lengthAt(rel) : Infinity;
    if (rel + length > winLen) {
      winStart = at;
      winLen = readSync(fd, window, 0, Math.min(WINDOW_BYTES, size - winStart), winStart);
      checkedEnd = soundRecordsEnd(window, winLen, fields);
      rel = 0;
      if (RECORD_HEADER.size > winLen) throw new Error(`a record header runs past the end of the file at ${at}`);
      length = lengthAt(0);
      if (length > winLen) throw new Error(`a record at ${at} does not fit in the window`);
    }
    if (rel + length > checkedEnd && crc32Range(window, rel + RECORD_HEADER.type, rel + length) !== fields.getUint32(rel + RECORD_HEADER.crc, true)) throw new Error(`the record at ${at} fails its checksum`);
    count++;
    at += length;
  }
  return count;
}

/** The length of the record whose header starts at window[rel]. */
function lengthAt(rel: number): number {
  return recordLength(fields.getUint32(rel + RECORD_HEADER.keyLength, true), fields.getUint32(rel + RECORD_HEADER.valueLength, true));
}
