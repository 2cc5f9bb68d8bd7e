/**
 * A store's stats read from its keydir image's header and segment table, for
 * a one-shot `kvscope stats`: a few small reads (the image's first bytes,
 * each data file's 24-byte header), where opening the store takes the whole
 * keydir over (65 MB at a million keys).
 *
 * Given only when an open would take the image over and so report the same
 * figures: a version 2 image whose header and segment table match their
 * checksum, describing the data files as they are now (same segments, same
 * sizes), every data file with a sound header, and no committed compaction
 * left half done (a COMPACTION manifest, which decides which files hold the
 * data). Otherwise undefined: the caller opens the store.
 *
 * The files of a compaction that did not reach its commit (*.compacting, a
 * COMPACTION.tmp) are no reason to open it: no reader reads them (an open
 * takes the image over beside them, with the same figures), and the next
 * writer deletes them. The caller reports them (uncommittedCompaction), as
 * it does after an open.
 */
import { readFileAt, realFs, type EngineFs } from './fs.js';
import { throughCurrentImage } from './image-lookup.js';
import { adoptSegmentFigures } from './keydir-image.js';
import { decodeSegmentHeader } from './native/codec.js';
import { pathOf } from './native/files.js';
import { DEFAULT_SEGMENT_SIZE, SEGMENT_HEADER } from './native/layout.js';
import { Segment, segmentWriterReopens } from './segment.js';
import { segmentStats, storeStats } from './stats.js';
import type { StoreStats } from './types.js';

export function statsThroughKeydirImage(dir: string, efs: EngineFs = realFs): StoreStats | undefined {
  return throughCurrentImage(dir, efs, (_fd, layout, dataFiles, listing) => {
    // Version 1 has no checksum of its own over the figures read here.
    if (layout.version === 1) return undefined;
    if (listing.hasManifest) return undefined;
    const segments: Segment[] = [];
    for (let i = 0; i < dataFiles.length; i++) {
      const { id, name, size } = dataFiles[i]!;
      const header = decodeSegmentHeader(readFileAt(efs, pathOf(dir, name), SEGMENT_HEADER.size, 0));
      if (!header.ok) return undefined;
      // The figures an open that takes the image over gives the segment (Store.takeOverImage, read-only).
      const seg = new Segment(id, name, -1, size, header.header);
      adoptSegmentFigures(seg, layout.segments[i]!);
      seg.hasHint = listing.hintIds.has(id);
      segments.push(seg);
    }
    // The segment the next writer appends to, as an open store's stats mark it.
    const active = segmentWriterReopens(segments, DEFAULT_SEGMENT_SIZE);
    const perSegment = segments.map((seg) => segmentStats(seg, seg === active));
    return { ...storeStats('kvscope', layout.slotCount - layout.freeSlotCount, perSegment), figuresFrom: 'index' };
  });
}
