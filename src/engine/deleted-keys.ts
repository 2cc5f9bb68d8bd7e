/**
 * The keys of a kvscope store that were deleted: those with a tombstone in
 * the log and no live value now (the keydir holds only live keys, and the
 * replay drops its tombstone entries at its end, so they are found again
 * here, on demand: Store.deletedKeys).
 *
 * A key the replay left without a live value has, as the newest record it
 * accepted, a tombstone; so the deleted keys are the keys of the tombstones
 * minus the live keys, and only tombstones are kept while reading (a few
 * per cent of the records, not every key of the store).
 *
 * A segment is read through its hint when the hint is usable (a hint lists
 * every committed record, its type and key: ~38 MB of hints at 1M keys
 * instead of ~140 MB of records), else its committed records are scanned
 * as the open does without hints. The tombstone each key keeps is its newest
 * one (by sequence): where it was deleted. Its record is not read here; the
 * key's history reads and checks it.
 */
import type { EngineFs } from './fs.js';
import { loadHint } from './hints.js';
import { hintFileNameBeside } from './native/files.js';
import { fileSource } from './native/byte-source.js';
import { forEachHintEntry } from './native/codec.js';
import { HINT_HEADER, RECORD_TOMBSTONE, SEGMENT_HEADER } from './native/layout.js';
import { committedRecords, scanRecords } from './native/scan.js';
import type { Segment } from './segment.js';
import type { DeletedKey, RecordLocation } from './types.js';
import type { Yielder } from './yielder.js';

/** Deleted keys sorted bytewise (key strings: latin1), each with its newest tombstone. */
export async function findDeletedKeys(
  efs: EngineFs,
  dir: string,
  segments: readonly Segment[],
  isLive: (key: Buffer) => boolean,
  yielder: Yielder,
): Promise<DeletedKey[]> {
  const newest = new Map<string, RecordLocation>();
  const offer = (key: string, location: RecordLocation): void => {
    const known = newest.get(key);
    if (!known || known.sequence < location.sequence) newest.set(key, location);
  };
  const total = segments.reduce((n, s) => n + s.size, 0);
  let done = 0;
  yielder.report(0, total);
  for (const seg of segments) {
    const hint = loadHint(efs, dir, seg.id, seg.size, hintFileNameBeside(seg.file, seg.id));
    if (hint.ok) {
      const bytes = hint.bytes;
      forEachHintEntry(bytes, HINT_HEADER.size, hint.entriesEnd, Infinity, (keyAt, keyLength, type, sequence, offset, length) => {
        if (type !== RECORD_TOMBSTONE) return;
        offer(bytes.toString('latin1', keyAt, keyAt + keyLength), { file: seg.file, segment: seg.id, offset, length, sequence });
      });
    } else {
      for (const ev of committedRecords(scanRecords(fileSource(efs, seg.fd, seg.size), seg.header ? SEGMENT_HEADER.size : 0))) {
        if (ev.kind === 'record' && ev.header.type === RECORD_TOMBSTONE) {
          offer(ev.key.toString('latin1'), { file: seg.file, segment: seg.id, offset: ev.offset, length: ev.length, sequence: ev.header.sequence });
        }
        if (ev.kind === 'record') await yielder.step(done + ev.offset, total);
      }
    }
    done += seg.size;
    await yielder.tick(done, total);
  }
  const out: DeletedKey[] = [];
  for (const [key, deletedAt] of newest) if (!isLive(Buffer.from(key, 'latin1'))) out.push({ key, deletedAt });
  out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  yielder.report(total, total);
  return out;
}
