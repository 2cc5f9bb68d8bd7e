/**
 * Open replays data files with a fast walk (headers parsed in place) that
 * hands over to the generic scanner at the first anomaly. Whatever the bytes,
 * fast walk + generic scanner from where it stopped must yield exactly the
 * committed records (and the damage reports) of the generic scanner alone.
 */
import fc from 'fast-check';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { realFs } from '../../src/engine/fs.js';
import { fileSource } from '../../src/engine/native/byte-source.js';
import { encodeRecord, encodeSegmentHeader } from '../../src/engine/native/codec.js';
import { FLAG_BATCH_END, FLAG_BATCH_FIRST, FLAG_IN_BATCH, RECORD_HEADER, RECORD_PUT, RECORD_TOMBSTONE, SEGMENT_HEADER } from '../../src/engine/native/layout.js';
import { committedRecords, scanRecords, walkCommittedRecords } from '../../src/engine/native/scan.js';
import { cleanTempDirs, tempDir } from './helpers.js';

afterAll(cleanTempDirs);

type Write = { kind: 'put' | 'delete'; key: string; value: number } | { kind: 'batch'; ops: Array<{ key: string; value: number }> };

const keyArb = fc.constantFrom('a', 'b', 'c', 'key:1', 'key:2', '');
const writeArb: fc.Arbitrary<Write> = fc.oneof(
  fc.record({ kind: fc.constantFrom('put' as const, 'delete' as const), key: keyArb, value: fc.nat(300) }),
  fc.record({ kind: fc.constant('batch' as const), ops: fc.array(fc.record({ key: keyArb, value: fc.nat(300) }), { minLength: 2, maxLength: 5 }) }),
);
const damageArb: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('garbage' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
);

function segmentBytes(writes: Write[]): Buffer {
  const parts = [encodeSegmentHeader({ flags: 0, segmentId: 1, sequenceFloor: 0 })];
  let seq = 1;
  const value = (n: number) => Buffer.alloc(n, n & 0xff);
  for (const w of writes) {
    if (w.kind === 'batch') {
      w.ops.forEach((op, i) => {
        const flags = FLAG_IN_BATCH | (i === 0 ? FLAG_BATCH_FIRST : 0) | (i === w.ops.length - 1 ? FLAG_BATCH_END : 0);
        parts.push(encodeRecord(RECORD_PUT, flags, seq++, Buffer.from(op.key), value(op.value)));
      });
    } else {
      parts.push(encodeRecord(w.kind === 'put' ? RECORD_PUT : RECORD_TOMBSTONE, 0, seq++, Buffer.from(w.key), w.kind === 'put' ? value(w.value) : undefined));
    }
  }
  return Buffer.concat(parts);
}

type Damage = { kind: 'flip'; at: number; bit: number } | { kind: 'cut'; at: number } | { kind: 'garbage'; at: number; bytes: Uint8Array };

function damage(bytes: Buffer, d: Damage): Buffer {
  // Never the segment header: that is checked before any replay.
  const body = bytes.length - SEGMENT_HEADER.size;
  const at = SEGMENT_HEADER.size + Math.floor(d.at * body);
  if (d.kind === 'flip' && at < bytes.length) {
    const out = Buffer.from(bytes);
    out[at]! ^= 1 << d.bit;
    return out;
  }
  if (d.kind === 'cut') return bytes.subarray(0, at);
  if (d.kind === 'garbage') return Buffer.concat([bytes.subarray(0, at), Buffer.from(d.bytes), bytes.subarray(at)]);
  return bytes;
}

const describeEvent = (ev: { kind: string; offset: number }) =>
  ev.kind === 'record' ? `record@${ev.offset}` : `${ev.kind}@${ev.offset}`;

describe('fast replay walk', () => {
  const dir = tempDir();
  const path = join(dir, '000001.data');

  it('yields what the generic scanner yields, on any damage, at any window size', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(writeArb, { maxLength: 25 }), fc.array(damageArb, { maxLength: 3 }), fc.constantFrom(64, 300, 1 << 16), async (writes, damages, windowBytes) => {
        let bytes = segmentBytes(writes);
        for (const d of damages) bytes = damage(bytes, d);
        writeFileSync(path, bytes);
        const fd = openSync(path, 'r');
        try {
          const size = bytes.length;
          const reference = [...committedRecords(scanRecords(fileSource(realFs, fd, size)))].map(describeEvent);
          const fast: string[] = [];
          const stop = await walkCommittedRecords(
            realFs,
            fd,
            size,
            SEGMENT_HEADER.size,
            (buf, at, fileOffset, type, sequence, keyLength, length) => {
              // What the walk hands over must be the record's own bytes.
              expect(buf.readUInt32LE(at + RECORD_HEADER.keyLength)).toBe(keyLength);
              expect(length).toBeGreaterThanOrEqual(RECORD_HEADER.size + keyLength);
              expect([RECORD_PUT, RECORD_TOMBSTONE]).toContain(type);
              expect(sequence).toBeGreaterThan(0);
              fast.push(`record@${fileOffset}`);
            },
            { windowBytes },
          );
          const rest = stop >= size ? [] : [...committedRecords(scanRecords(fileSource(realFs, fd, size), stop))].map(describeEvent);
          expect([...fast, ...rest]).toEqual(reference);
        } finally {
          closeSync(fd);
        }
      }),
      { numRuns: 300 },
    );
  });
});
