/** Work run in slices that a tab left part way goes on with when it is shown again (sliced.ts). */
import { describe, expect, it } from 'vitest';
import { ResumableWork, runSliced } from '../../src/renderer/src/sliced.js';

describe('ResumableWork', () => {
  /** Work of `steps` steps that counts the steps taken for each input. */
  function counted(steps: number) {
    const taken = new Map<string, number>();
    const work = new ResumableWork((input: string) =>
      (function* () {
        for (let i = 0; i < steps; i++) {
          taken.set(input, (taken.get(input) ?? 0) + 1);
          yield;
        }
        return `${input} done`;
      })(),
      0,
    );
    return { taken, work };
  }

  it('a run stopped part way and run again goes on from where it got to, not from the start', async () => {
    const { taken, work } = counted(50);
    expect(await work.run('a', () => (taken.get('a') ?? 0) >= 20)).toBeNull();
    const before = taken.get('a')!;
    expect(before).toBeGreaterThanOrEqual(20);
    expect(before).toBeLessThan(50);
    expect(await work.run('a', () => false)).toBe('a done');
    // Each step taken once: 50 in all, not 50 more after the first 20.
    expect(taken.get('a')).toBe(50);
  });

  it('another input drops the unfinished work; going back to the first starts it over', async () => {
    const { taken, work } = counted(50);
    expect(await work.run('a', () => (taken.get('a') ?? 0) >= 20)).toBeNull();
    expect(await work.run('b', () => false)).toBe('b done');
    expect(await work.run('a', () => false)).toBe('a done');
    expect(taken.get('a')).toBeGreaterThan(50);
    expect(taken.get('b')).toBe(50);
  });

  it('dropUnless keeps the unfinished work of the input named, and drops another\'s', async () => {
    const { taken, work } = counted(50);
    expect(await work.run('a', () => (taken.get('a') ?? 0) >= 20)).toBeNull();
    work.dropUnless('a');
    expect(await work.run('a', () => false)).toBe('a done');
    expect(taken.get('a')).toBe(50);
    expect(await work.run('b', () => (taken.get('b') ?? 0) >= 20)).toBeNull();
    work.dropUnless(null);
    expect(await work.run('b', () => false)).toBe('b done');
    expect(taken.get('b')).toBeGreaterThan(50);
  });

  it('only the latest run steps the work: a run left going when another starts gives up', async () => {
    const { taken, work } = counted(50);
    const first = work.run('a', () => false);
    const second = work.run('a', () => false);
    expect(await first).toBeNull();
    expect(await second).toBe('a done');
    expect(taken.get('a')).toBe(50);
  });

  it('runSliced without keep still ends a cancelled generator', async () => {
    const steps = (function* () {
      for (;;) yield;
    })();
    expect(await runSliced(steps, () => true, 0)).toBeNull();
    expect(steps.next().done).toBe(true);
  });
});
