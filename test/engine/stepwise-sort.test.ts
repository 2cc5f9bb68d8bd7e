import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortInSteps } from '../../src/engine/stepwise-sort.js';
import { Keydir } from '../../src/engine/keydir.js';

describe('sorting keys in steps', () => {
  it('gives exactly what Array#sort gives, pausing between steps', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: fc.constantFrom('a', 'b', '\u0000', '\u00ff', ':') , maxLength: 6 }), { maxLength: 200 }), async (keys) => {
        let pauses = 0;
        const sorted = await sortInSteps(keys, async () => void pauses++);
        expect(sorted).toEqual([...keys].sort());
        if (keys.length > 0) expect(pauses).toBeGreaterThan(0);
      }),
    );
    // Many runs and multi-step merges.
    const many = Array.from({ length: 300_000 }, (_, i) => `k${(i * 7919) % 300_000}`);
    let pauses = 0;
    expect(await sortInSteps(many, async () => void pauses++)).toEqual([...many].sort());
    expect(pauses).toBeGreaterThan(10);
  });

  it('caches the keydir sort, unless keys changed while it ran', async () => {
    const kd = new Keydir();
    for (let i = 0; i < 100_000; i++) kd.set(`k${(i * 31) % 100_000}`, { segment: 1, offset: i, length: 10, sequence: i + 1 });
    const sorted = await kd.sortedKeysInSteps(() => new Promise((r) => setImmediate(r)));
    expect(sorted).toEqual([...sorted].sort());
    expect(kd.sortedKeys()).toBe(sorted);
    // A key added while sorting: the stepwise result is not cached stale.
    kd.set('zz-new', { segment: 1, offset: 0, length: 10, sequence: 200_001 });
    const racing = kd.sortedKeysInSteps(() => new Promise((r) => setImmediate(r)));
    kd.set('aa-new', { segment: 1, offset: 0, length: 10, sequence: 200_002 });
    const got = await racing;
    expect(got).toContain('aa-new');
    expect(kd.sortedKeys()).toContain('aa-new');
    expect(kd.sortedKeys()).toHaveLength(100_002);
  });
});
