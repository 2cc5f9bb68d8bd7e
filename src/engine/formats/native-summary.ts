/**
 * What `kvscope segments` shows of a native file (its records and the range
 * of their sequences) without decoding each record into a DecodedRecord with
 * its fields: those made `kvscope segments` take 13 s on a million keys,
 * most of it collecting garbage. Each summary counts exactly the records the
 * file's decoder would give and addToSummary would count (the tests compare
 * them on sound and damaged files).
 */
import { checkHint, decodeSegmentHeader, forEachHintEntry } from '../native/codec.js';
import { fileSource } from '../native/byte-source.js';
import { SEGMENT_HEADER, HINT_HEADER } from '../native/layout.js';
import { scanRecords } from '../native/scan.js';
import { readAt, type EngineFs } from '../fs.js';
import { summarizeKeydirImageFile } from './native-keydir-image.js';
import { addSequence, emptySummary, type FileSummary, type FormatFile } from './format.js';

/** The summary of a native data, hint or keydir file at `path`; undefined for a file of another role. */
export function summarizeNativeFile(efs: EngineFs, path: string, file: FormatFile): FileSummary | undefined {
  if (file.role === 'data') return summarizeSegment(efs, path);
  if (file.role === 'hint') return summarizeHint(efs.readFileSync(path));
  if (file.role === 'keydir') return summarizeKeydirImageFile(efs.readFileSync(path));
  return undefined;
}

/** A segment's records (the segment header is not one), read a window at a time, and its damaged regions. */
function summarizeSegment(efs: EngineFs, path: string): FileSummary {
  const summary = emptySummary();
  const fd = efs.openSync(path, 'r');
  try {
    const size = efs.fstatSize(fd);
    // A segment header cut short or damaged is a damaged region too, as its decoder says.
    if (size > 0 && (size < SEGMENT_HEADER.size || !decodeSegmentHeader(readAt(efs, fd, SEGMENT_HEADER.size, 0)).ok)) {
      summary.damaged = [{ offset: 0, length: Math.min(size, SEGMENT_HEADER.size) }];
    }
    if (size <= SEGMENT_HEADER.size) return summary;
    for (const ev of scanRecords(fileSource(efs, fd, size), SEGMENT_HEADER.size)) {
      if (ev.kind === 'record') addSequence(summary, ev.header.sequence);
      else if (ev.kind !== 'preallocated') (summary.damaged ??= []).push({ offset: ev.offset, length: ev.length });
    }
  } finally {
    efs.closeSync(fd);
  }
  return summary;
}

/** A hint file's entries; none when the file fails its checks (its decoder then gives one damaged record). */
function summarizeHint(bytes: Buffer): FileSummary {
  const summary = emptySummary();
  const check = checkHint(bytes);
  if (!check.ok) return summary;
  forEachHintEntry(bytes, HINT_HEADER.size, check.entriesEnd, Infinity, (_keyAt, _keyLength, _type, sequence) => addSequence(summary, sequence));
  return summary;
}
