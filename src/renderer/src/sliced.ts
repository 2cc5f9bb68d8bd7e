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
 * `cancelled` says yes before a slice (the generator is then dropped unfinished).
 */
export async function runSliced<T>(steps: Generator<unknown, T, void>, cancelled: () => boolean, sliceMs = SLICE_MS): Promise<T | null> {
  for (;;) {
    await nextTask();
    if (cancelled()) {
      steps.return(undefined as never);
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
