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
import { FLAG_BATCH_END, FLAG_IN_BATCH, SEGMENT_HEADER, HINT_HEADER } from '../native/layout.js';
import { scanRecords, walkCommittedRecords } from '../native/scan.js';
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

/** A segment header cut short or damaged is a damaged region too, as its decoder says: the summary's first. */
function noteDamagedHeader(efs: EngineFs, fd: number, size: number, summary: FileSummary): void {
  if (size > 0 && (size < SEGMENT_HEADER.size || !decodeSegmentHeader(readAt(efs, fd, SEGMENT_HEADER.size, 0)).ok)) {
    summary.damaged = [{ offset: 0, length: Math.min(size, SEGMENT_HEADER.size) }];
  }
}

/** A segment's records (the segment header is not one), read a window at a time, and its damaged regions. */
function summarizeSegment(efs: EngineFs, path: string): FileSummary {
  const summary = emptySummary();
  const fd = efs.openSync(path, 'r');
  try {
    const size = efs.fstatSize(fd);
    noteDamagedHeader(efs, fd, size, summary);
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

/**
 * summarizeNativeFile's summary of a data segment, the same to the record,
 * read with the walk every full read of a segment goes through (one CRC per
 * 4 MiB window, no object per record; `pause` awaited every few thousand
 * records) and the scanner only where the walk stops: damage, a batch that
 * never ends, a record larger than the window. From there the scanner goes
 * on to the first record that ends no batch, and the walk takes over again:
 * a scan started at a record boundary meets what the one started at the
 * header would have met. For the inspector's segments view, which must not
 * hold the event loop for a file of a gigabyte.
 */
export async function summarizeSegmentWalking(efs: EngineFs, path: string, opts: { pause?: () => Promise<void>; windowBytes?: number } = {}): Promise<FileSummary> {
  const summary = emptySummary();
  const fd = efs.openSync(path, 'r');
  try {
    const size = efs.fstatSize(fd);
    noteDamagedHeader(efs, fd, size, summary);
    if (size <= SEGMENT_HEADER.size) return summary;
    const src = fileSource(efs, fd, size);
    const pause = opts.pause;
    let at = SEGMENT_HEADER.size;
    while (at < size) {
      at = await walkCommittedRecords(efs, fd, size, at, (_buf, _at, _offset, _type, sequence) => addSequence(summary, sequence), {
        pause: pause ? () => pause() : undefined,
        windowBytes: opts.windowBytes,
      });
      if (at >= size) break;
      let resume = size;
      for (const ev of scanRecords(src, at)) {
        if (ev.kind === 'record') {
          addSequence(summary, ev.header.sequence);
          const flags = ev.header.flags;
          if ((flags & FLAG_IN_BATCH) === 0 || (flags & FLAG_BATCH_END) !== 0) {
            resume = ev.offset + ev.length;
            break;
          }
        } else if (ev.kind !== 'preallocated') {
          (summary.damaged ??= []).push({ offset: ev.offset, length: ev.length });
        }
      }
      if (pause) await pause();
      at = resume;
    }
  } finally {
    efs.closeSync(fd);
  }
  return summary;
}

/** A data segment's byte breakdown as the store counted it from its replay (SegmentStats' fields). */
export interface ReplayedFigures {
  liveBytes: number;
  staleBytes: number;
  corruptBytes: number;
}

/**
 * The store's figures for a segment, corrected by what reading the segment
 * found damaged (`damaged`, from a summary): an open from hints or the keydir
 * image counted a damaged record live or stale without reading it. Its bytes
 * are corrupt; those the keydir points at (`liveWithin`, the live bytes of
 * records that begin in the given ranges) leave the live figure, the rest the
 * stale one. What `kvscope segments` and the inspector's segments view show.
 */
export function figuresWithDamage(
  s: ReplayedFigures,
  damaged: readonly { offset: number; length: number }[] | undefined,
  liveWithin: ((ranges: readonly (readonly [number, number])[]) => number) | undefined,
): { liveBytes: number; staleBytes: number; corruptBytes: number } {
  const damagedBytes = (damaged ?? []).reduce((n, r) => n + r.length, 0);
  const unread = liveWithin && damagedBytes > s.corruptBytes ? liveWithin(damaged!.map((r) => [r.offset, r.offset + r.length] as const)) : 0;
  const corruptBytes = Math.max(s.corruptBytes, damagedBytes);
  const staleBytes = Math.max(0, s.staleBytes + unread - (corruptBytes - s.corruptBytes));
  return { liveBytes: s.liveBytes - unread, staleBytes, corruptBytes };
}
