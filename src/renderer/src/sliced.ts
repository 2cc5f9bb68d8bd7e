/**
 * Long work on the UI thread in short slices: a generator does the work and
 * yields now and then; it is run for about `sliceMs` at a time, and between
 * slices the browser draws and handles input. Used to format a large JSON
 * value and index its lines without one task of seconds.
 *
 * (A Web Worker would take the work off the thread altogether, but the
 * formatted text, tens of MB, would then be copied back, and the desktop app
 * loads the renderer from file://, where module workers are not reliably
 * allowed; slices work the same in both hosts under the present CSP.)
 */

/** Runs of a generator between two returns to the event loop. */
export const SLICE_MS = 8;

/** A task of its own, without setTimeout's 4 ms clamp once nested. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/**
 * Runs `steps` to its end in slices of about `sliceMs`; resolves with what it returns, or with null when
 * `cancelled` says yes before a slice (the generator is then dropped unfinished, or with `keep` left where it got
 * to, for another run to go on with).
 */
export async function runSliced<T>(steps: Generator<unknown, T, void>, cancelled: () => boolean, sliceMs = SLICE_MS, options: { keep?: boolean } = {}): Promise<T | null> {
  for (;;) {
    await nextTask();
    if (cancelled()) {
      if (!options.keep) steps.return(undefined as never);
      return null;
    }
    const until = performance.now() + sliceMs;
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
      if (performance.now() >= until) break;
    }
  }
}

/**
 * Work on one input at a time, run in slices while it is wanted. Stopping a run (the tab showing it is left)
 * keeps the work where it got to, and running the same input again goes on from there instead of starting over;
 * another input drops it. The latest run is the only one that steps the work.
 */
export class ResumableWork<I, T> {
  private unfinished: { input: I; steps: Generator<void, T, void> } | null = null;
  private latest: object | null = null;

  constructor(
    private readonly start: (input: I) => Generator<void, T, void>,
    private readonly sliceMs = SLICE_MS,
  ) {}

  /** The work for `input` to its end (its result), or null when `stopped` says yes before a slice (the work kept). */
  async run(input: I, stopped: () => boolean): Promise<T | null> {
    if (this.unfinished && this.unfinished.input !== input) this.drop();
    const steps = this.unfinished?.steps ?? this.start(input);
    this.unfinished = { input, steps };
    const run = {};
    this.latest = run;
    const result = await runSliced(steps, () => stopped() || this.latest !== run, this.sliceMs, { keep: true });
    if (result !== null && this.unfinished?.steps === steps) this.unfinished = null;
    return result;
  }

  /** Drops unfinished work unless it is for `input` (another value is shown now, or none). */
  dropUnless(input: I | null): void {
    if (this.unfinished && this.unfinished.input !== input) this.drop();
  }

  /** Drops unfinished work (its input is not wanted any more). */
  drop(): void {
    this.latest = null;
    this.unfinished?.steps.return(undefined as never);
    this.unfinished = null;
  }
}
