/**
 * Decoder fuzzing inside the normal suite: 12,000 random and mutated inputs
 * spread over every decoder (`npm run fuzz` runs 120,000). Negative controls
 * prove the harness notices a decoder that throws, reads out of bounds or
 * allocates from a length field.
 */
import { describe, expect, it } from 'vitest';
import { encodeRecord, encodeSegmentHeader } from '../../src/engine/native/codec.js';
import { memorySource } from '../../src/engine/native/byte-source.js';
import { scanRecords } from '../../src/engine/native/scan.js';
import { runFuzz, allTargets, type Target } from './fuzz-lib.js';

describe('decoder fuzzing', () => {
  it('12,000 random and mutated inputs: no exception, everything in bounds, no allocation from a length field', async () => {
    const summary = await runFuzz({ inputs: 12_000, seed: 20261123 });
    expect(summary.findings).toEqual([]);
    expect(summary.inputs).toBeGreaterThanOrEqual(12_000);
    const names = Object.keys(summary.perTarget);
    // Every decoder is in the run: the native ones and one per foreign format (data, and hints where the format has them).
    for (const expected of ['native scanner', 'kvscope data', 'kvscope hint', 'native decodeHint', 'riak-bitcask data', 'riak-bitcask hint', 'mini-kvstore-v2 data', 'mini-kvstore-v2-b22e80f data', 'mini-kvstore-v2-c548bfb data', 'tiny-log-kv data', 'kvstore-rs data', 'kvdb data']) {
      expect(names.some((n) => n.startsWith(expected)), expected).toBe(true);
    }
    for (const stats of Object.values(summary.perTarget)) expect(stats.seeds).toBeGreaterThan(0);
  }, 120_000);

  it('negative control: a decoder that throws, overruns or trusts a length field is reported', async () => {
    const [someSeeds] = (await allTargets()).map((t) => t.seeds);
    const bad: Target[] = [
      { name: 'throws', seeds: someSeeds!, run: (b) => (b.length > 30 ? (JSON.parse('{') as string) : undefined) },
      { name: 'allocates', seeds: someSeeds!, run: (b) => void Buffer.alloc(b.length > 30 ? (b.readUInt32LE(0) % 1_000_000) + 4_000_000 : 0) },
      { name: 'allocates a typed array', seeds: someSeeds!, run: (b) => void (b.length > 30 ? new Uint8Array(8 * 1024 * 1024 + b.length) : undefined) },
      { name: 'out of bounds', seeds: someSeeds!, run: (b) => (b.length > 30 ? `record out of bounds` : undefined) },
    ];
    const summary = await runFuzz({ inputs: 60, seed: 1, targets: bad });
    for (const t of bad) expect(summary.perTarget[t.name]!.findings, t.name).toBeGreaterThan(0);
  });
});

describe('resynchronisation work is bounded', () => {
  /** A segment crafted so that every 22 bytes holds a plausible header (bad CRC) claiming a record up to the end of the file. */
  function crafted(n: number): Buffer {
    const b = Buffer.alloc(n);
    encodeSegmentHeader({ flags: 0, segmentId: 1, sequenceFloor: 0 }).copy(b, 0);
    for (let at = 24; at + 22 <= n; at += 22) {
      b[at + 4] = 1;
      b.writeUInt32LE(0, at + 14);
      b.writeUInt32LE(n - at - 22, at + 18);
    }
    return b;
  }

  it('a crafted file costs the scanner work linear in its size (bytes it looks at are counted, not time)', () => {
    for (const n of [256 * 1024, 1024 * 1024]) {
      const bytes = crafted(n);
      const inner = memorySource(bytes);
      let viewed = 0;
      const counting = { size: inner.size, view: (p: number, len: number) => ((viewed += len), inner.view(p, len)) };
      const events = [...scanRecords(counting, 24)];
      expect(events.every((e) => e.kind !== 'record')).toBe(true);
      // Without the budget this is about n * n / 44 bytes (1.5 GB for 256 KiB, 24 GB for 1 MiB).
      expect(viewed, `${n} bytes`).toBeLessThan(64 * 1024 * 1024 + 4 * n + 64 * n);
    }
  });

  it('real damage still resynchronises: records after a damaged region are found', () => {
    const recs = Array.from({ length: 50 }, (_, i) => encodeRecord(1, 0, i + 1, Buffer.from(`k${i}`), Buffer.alloc(1000 + i, 0x61)));
    const file = Buffer.concat([encodeSegmentHeader({ flags: 0, segmentId: 1, sequenceFloor: 0 }), ...recs]);
    for (let i = 0; i < 40; i++) file[24 + 5 + i * 1031]! ^= 0xff; // damage the first records' flags
    const found = [...scanRecords(memorySource(file), 24)].filter((e) => e.kind === 'record').length;
    expect(found).toBeGreaterThanOrEqual(10);
  });
});
