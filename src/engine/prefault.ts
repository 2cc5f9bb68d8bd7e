/**
 * Fault in fresh memory on the thread pool, so the thread that fills it does
 * not stop at each new page.
 *
 * The first write to each 4 KiB page of a large new array is a page fault:
 * the kernel maps a zeroed page. Opening a 1M-key store from hints fills
 * ~64 MB of keydir that way, ~33 ms of faults on this machine, all on the
 * thread that inserts the keys. Reading /dev/zero into the arrays makes the
 * kernel take those faults on a thread-pool thread (the other core), while
 * the opening thread reads and checks the first hint file. The views are
 * memory nothing has written yet (Keydir.untouchedMemory), so zeros there
 * change nothing anyone reads.
 *
 * Where /dev/zero cannot be opened (Windows), nothing is done.
 */
import * as fs from 'node:fs';

/** Views smaller than this are left alone: their faults cost less than the read's round trip. */
export const PREFAULT_MIN_BYTES = 1024 * 1024;

/**
 * Write zeros over every view of at least PREFAULT_MIN_BYTES, on the thread
 * pool. Nothing may read or write the views until the promise settles; it
 * never rejects (the memory is then faulted in by its first use, as without
 * this).
 */
export function prefault(views: readonly Uint8Array[]): Promise<void> {
  const big = views.filter((v) => v.length >= PREFAULT_MIN_BYTES);
  if (big.length === 0) return Promise.resolve();
  let fd: number;
  try {
    fd = fs.openSync('/dev/zero', 'r');
  } catch {
    return Promise.resolve();
  }
  // All views in one readv: one thread-pool thread, one request the opening thread need not come back
  // to. The opening thread's own reads (the hint files) need a thread too, and this machine has two cores.
  return new Promise<void>((resolve) => {
    const done = (): void => {
      fs.close(fd, () => undefined);
      resolve();
    };
    try {
      fs.readv(fd, big, null, done);
    } catch {
      done();
    }
  });
}
