/**
 * A store's figures (`stats()`, `kvscope stats`) from its segments' figures:
 * the one place the per-segment rows and the totals are made, whether the
 * segments are an open store's or the ones a keydir image describes
 * (image-stats.ts).
 */
import type { Segment } from './segment.js';
import type { SegmentStats, StoreStats } from './types.js';

export function segmentStats(seg: Segment, active: boolean): SegmentStats {
  return {
    file: seg.file,
    segment: seg.id,
    bytes: seg.size,
    // A running (or crashed) syncing writer's preallocated zeros past the data: on disk, not data.
    ...(seg.fileSize > seg.size ? { fileBytes: seg.fileSize } : {}),
    records: seg.records,
    liveBytes: seg.liveBytes,
    staleBytes: seg.staleBytes,
    tombstoneBytes: seg.tombstoneBytes,
    corruptBytes: seg.corruptBytes,
    hasHint: seg.hasHint,
    active,
    ...(seg.records > 0 ? { oldestSequence: seg.oldestSequence, newestSequence: seg.newestSequence } : {}),
  };
}

export function storeStats(format: string, keys: number, perSegment: SegmentStats[]): StoreStats {
  const totalBytes = perSegment.reduce((n, s) => n + s.bytes, 0);
  const liveBytes = perSegment.reduce((n, s) => n + s.liveBytes, 0);
  // Records that are not live: what compaction drops. A segment's header is neither live nor dead (a fresh
  // store of live keys has no dead bytes, and compaction would reclaim none).
  const deadBytes = perSegment.reduce((n, s) => n + s.staleBytes + s.tombstoneBytes + s.corruptBytes, 0);
  // Segment headers (an empty segment is one): what any store of that many segments has, compaction or not.
  const overheadBytes = totalBytes - liveBytes - deadBytes;
  const fileBytes = perSegment.reduce((n, s) => n + (s.fileBytes ?? s.bytes), 0);
  const recordBytes = liveBytes + deadBytes;
  return {
    format,
    keys,
    segments: perSegment.length,
    totalBytes,
    liveBytes,
    deadBytes,
    overheadBytes,
    ...(fileBytes !== totalBytes ? { fileBytes } : {}),
    // Of record bytes, as deadBytes: 1 when every record is live, however many segment headers there are.
    spaceAmplification: liveBytes > 0 ? recordBytes / liveBytes : recordBytes > 0 ? Infinity : 1,
    perSegment,
  };
}
