/**
 * Decoder fuzzing inside the normal suite: 12,000 random and mutated inputs
 * spread over every decoder (`npm run fuzz` runs 120,000). Negative controls
 * prove the harness notices a decoder that throws, reads out of bounds or
 * allocates from a length field.
 */
import { describe, expect, it } from 'vitest';
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
