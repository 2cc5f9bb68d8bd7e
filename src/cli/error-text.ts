/**
 * Words for an error a writer meets in a directory it cannot write, which
 * the engine does not word: a lock file that cannot be created comes as the
 * raw `EACCES: permission denied, open '…/LOCK.26490.new'`. (A segment that
 * cannot be opened for writing the engine says itself: "cannot be written".)
 */
import { NOT_WRITABLE } from '../engine/errors.js';

/** The lock file, the name a writer gives its lock line while it takes it, and a takeover's. */
const LOCK_FILE = /(^|[/\\])LOCK(\.\d+\.new|\.takeover)?$/;

/** The message for `err` met on `dir` when it is a directory a writer cannot write; undefined for any other error. */
export function notWritableText(err: unknown, dir: string): string | undefined {
  const e = err as Partial<NodeJS.ErrnoException> | undefined;
  if (e && typeof e.code === 'string' && NOT_WRITABLE[e.code] && typeof e.path === 'string' && LOCK_FILE.test(e.path)) {
    return `cannot take the writer lock: ${dir} is not writable (${e.code}: ${NOT_WRITABLE[e.code]}); use --read-only to read it`;
  }
  return undefined;
}
