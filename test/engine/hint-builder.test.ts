/**
 * HintBuilder writes hint files byte for byte as encodeHint does, whether
 * entries come as fields (add) or are copied from the records' own bytes
 * (addRecord, what compaction and hint building use).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HintBuilder } from '../../src/engine/hints.js';
import { encodeHint, encodeRecord, type HintEntry } from '../../src/engine/native/codec.js';
import { RECORD_HEADER, RECORD_PUT, RECORD_TOMBSTONE } from '../../src/engine/native/layout.js';

const entry = fc.record({
  type: fc.constantFrom(RECORD_PUT, RECORD_TOMBSTONE),
  flags: fc.constantFrom(0, 1, 3, 5),
  sequence: fc.oneof(fc.integer({ min: 0, max: 2 ** 32 + 5 }), fc.constantFrom(2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1)),
  key: fc.uint8Array({ maxLength: 300 }),
  value: fc.uint8Array({ maxLength: 100 }),
  offset: fc.nat(),
  pad: fc.nat({ max: 7 }),
});

describe('HintBuilder', () => {
  it('add and addRecord give what encodeHint gives, growing past the first buffer', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 400 }), fc.nat(), fc.nat(), (entries, segmentId, dataSize) => {
        const byFields = new HintBuilder();
        const byRecord = new HintBuilder();
        const expected: HintEntry[] = [];
        for (const e of entries) {
          const value = e.type === RECORD_PUT ? e.value : undefined;
          const record = encodeRecord(e.type, e.flags, e.sequence, e.key, value);
          // The record somewhere inside a larger buffer, as in a read window.
          const window = Buffer.alloc(e.pad + record.length + 3, 0xee);
          record.copy(window, e.pad);
          byFields.add(e.type, e.sequence, e.offset, record.length, window, e.pad + RECORD_HEADER.size, e.key.length);
          byRecord.addRecord(window, e.pad, e.offset, record.length);
          expected.push({ type: e.type, sequence: e.sequence, offset: e.offset, recordLength: record.length, key: Buffer.from(e.key) });
        }
        const want = encodeHint(segmentId, dataSize, expected);
        expect(byFields.finish(segmentId, dataSize).equals(want)).toBe(true);
        expect(byRecord.finish(segmentId, dataSize).equals(want)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});
