import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FirstSeen } from '../../src/engine/first-seen.js';

/** Feed values to a FirstSeen and to a Map; both must name the same first place for every repeat. */
function agreesWithMap(values: readonly number[]): FirstSeen {
  const seen = new FirstSeen();
  const model = new Map<number, number>();
  values.forEach((v, place) => {
    const expected = model.get(v) ?? -1;
    if (expected < 0) model.set(v, place);
    expect(seen.firstPlace(v, place), `value ${v} at ${place}`).toBe(expected);
  });
  return seen;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('FirstSeen', () => {
  it('names the first place of every value seen again, for any integers below 2^53', () => {
    const value = fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 2 ** 32 + 5 }), fc.maxSafeInteger().filter((n) => n >= 0));
    fc.assert(fc.property(fc.array(value, { maxLength: 3000 }), (values) => void agreesWithMap(values)), { numRuns: 200 });
  });

  it('keeps probes short for runs of consecutive numbers and for numbers that differ only in their high bits', () => {
    const cases: Array<[string, number[]]> = [
      ['consecutive', Array.from({ length: 100_000 }, (_, i) => 1 + i)],
      ['multiples of 2^20', Array.from({ length: 50_000 }, (_, i) => i * 2 ** 20)],
      ['multiples of 2^32', Array.from({ length: 50_000 }, (_, i) => i * 2 ** 32)],
      ['two runs, one a table size above the other', [...Array.from({ length: 30_000 }, (_, i) => i), ...Array.from({ length: 30_000 }, (_, i) => 2 ** 17 + i)]],
      // A store after a compaction: the moved records' sequences, then the ones before and after them (a verify
      // of 1.5M records made 27 billion probes when runs landed on one stretch of the table).
      ['runs of a compacted store', [...range(150_002, 169_001), ...range(50_001, 150_001), ...range(169_002, 200_001)]],
    ];
    for (const [what, values] of cases) {
      const seen = agreesWithMap([...values, ...values.slice(0, 1000)]);
      expect(seen.probes / (values.length + 1000), what).toBeLessThan(8);
    }
  });
});
