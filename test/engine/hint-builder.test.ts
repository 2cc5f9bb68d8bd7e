/**
 * HintBuilder writes hint files byte for byte as encodeHint does with the
 * entries in the order of the top bits of their keys' hash (KEY_ORDER_SEED,
 * ties in the order added), whether entries come as fields (add), are copied from the records'
 * own bytes (addRecord, what compaction and hint building use), or are a
 * loaded hint's (addEncoded),
 * and when more entries come after a finish().
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HintBuilder, ORDER_BITS } from '../../src/engine/hints.js';
import { hashBytes } from '../../src/engine/native/key-hash.js';
import { decodeHint, encodeHint, encodeRecord, type HintEntry } from '../../src/engine/native/codec.js';
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

/** Entries by the top ORDER_BITS bits of their key's hash with the keydir's fixed seed, ties in the given order. */
const bucketOf = (key: Uint8Array) => hashBytes(key, 0, key.length) >>> (32 - ORDER_BITS);
function inKeyHashOrder(entries: HintEntry[]): HintEntry[] {
  const hash = (e: HintEntry) => bucketOf(e.key);
  return entries.map((e, i) => ({ e, i })).sort((a, b) => hash(a.e) - hash(b.e) || a.i - b.i).map(({ e }) => e);
}

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
        const want = encodeHint(segmentId, dataSize, inKeyHashOrder(expected));
        const built = byFields.finish(segmentId, dataSize);
        expect(built.equals(want)).toBe(true);
        expect(byRecord.finish(segmentId, dataSize).equals(want)).toBe(true);
        // Finished, then added to and finished again: the same order rule (finish() forgets the buckets it used).
        const later = { type: RECORD_PUT, sequence: 2 ** 41, offset: 9, recordLength: 31, key: Buffer.from('later') };
        byFields.add(later.type, later.sequence, later.offset, later.recordLength, later.key, 0, later.key.length);
        expect(byFields.finish(segmentId, dataSize).equals(encodeHint(segmentId, dataSize, inKeyHashOrder([...expected, later])))).toBe(true);
        // A loaded hint's entries taken as they are (a writer reopening the segment), then more: same order rule.
        const reopened = new HintBuilder();
        const end = built.length - 8;
        reopened.addEncoded(built, 20, end, expected.length);
        const more = { type: RECORD_PUT, sequence: 2 ** 40, offset: 7, recordLength: 30, key: Buffer.from('more') };
        reopened.add(more.type, more.sequence, more.offset, more.recordLength, more.key, 0, more.key.length);
        expect(reopened.finish(segmentId, dataSize).equals(encodeHint(segmentId, dataSize, inKeyHashOrder([...expected, more])))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('a large hint lists every entry once, by ascending key hash bucket, in the order added within one', () => {
    const builder = new HintBuilder();
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const key = Buffer.from(`key-${i}`);
      builder.add(RECORD_PUT, i + 1, 24 + i * 40, 40, key, 0, key.length);
    }
    const decoded = decodeHint(builder.finish(3, 24 + n * 40));
    if (!decoded.ok) throw new Error(decoded.reason);
    const entries = decoded.hint.entries;
    expect(entries).toHaveLength(n);
    const buckets = entries.map((e) => bucketOf(e.key));
    for (let i = 1; i < n; i++) expect(buckets[i - 1]! < buckets[i]! || (buckets[i - 1] === buckets[i] && entries[i - 1]!.sequence < entries[i]!.sequence)).toBe(true);
    expect(new Set(entries.map((e) => e.sequence)).size).toBe(n);
    for (const e of entries) expect(e.key.toString()).toBe(`key-${e.sequence - 1}`);
  });
});
