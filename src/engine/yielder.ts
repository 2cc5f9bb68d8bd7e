/**
 * Long work (replay, compaction, verify, hint writing) runs on the event
 * loop that also serves the inspector's UI. A Yielder gives the loop back
 * every few milliseconds, checks for cancellation and reports progress.
 */
import { setImmediate as nextTick } from 'node:timers/promises';
import { AbortedError } from './errors.js';
import type { Progress } from './types.js';

const SLICE_MS = 8;

export class Yielder {
  private last = performance.now();
  private calls = 0;

  constructor(
    private readonly what: string,
    private readonly signal?: AbortSignal,
    private readonly onProgress?: (p: Progress) => void,
  ) {
    this.check();
  }

  /** Call often; it returns at once unless the current slice is used up. */
  async step(done: number, total: number): Promise<void> {
    // Reading the clock costs more than a record: look at it every 64 calls.
    if ((++this.calls & 63) !== 0) return;
    await this.tick(done, total);
  }

  /** Like step, for callers that come every few thousand records: looks at the clock on every call. */
  async tick(done: number, total: number): Promise<void> {
    if (performance.now() - this.last < SLICE_MS) return;
    this.onProgress?.({ phase: this.what, done, total });
    await nextTick();
    this.last = performance.now();
    this.check();
  }

  report(done: number, total: number): void {
    this.onProgress?.({ phase: this.what, done, total });
  }

  check(): void {
    if (this.signal?.aborted) throw new AbortedError(this.what);
  }
}

/**
 * Work written as a generator that yields between steps (a sort of ten
 * million keys, say), run to its end in one go.
 */
export function runSteps<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** The same, awaiting `pause` at every step. */
export async function runStepsPausing<T>(steps: Generator<void, T>, pause: () => Promise<void>): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await pause();
  }
}
