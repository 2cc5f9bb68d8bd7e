/**
 * Reading a directory that a writer changes meanwhile: a file listed a
 * moment ago may be gone by the time it is read (a compaction finished and
 * deleted its inputs). A reader that meets that starts over from a fresh
 * listing, after a pause of random length, so as not to keep step with a
 * writer that compacts back to back.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isFileGone } from './errors.js';

/** Times a reader starts over before the error goes to its caller. */
export const START_OVER_ATTEMPTS = 10;

/** Run `read`, again while it fails because a file it listed went (isFileGone), at most START_OVER_ATTEMPTS times. */
export async function startingOverWhileFilesGo<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (!isFileGone(err) || attempt >= START_OVER_ATTEMPTS) throw err;
      await sleep(Math.random() * 5 * attempt);
    }
  }
}
