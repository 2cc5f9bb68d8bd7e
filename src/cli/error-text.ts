/**
 * Words for errors a writer meets in a directory it cannot write, which the
 * engine words for another case or not at all: a segment that a writer's
 * open cannot open for writing is said as "cannot be read" (it can: it
 * cannot be written), and a lock file that cannot be created comes as the
 * raw `EACCES: permission denied, open '…/LOCK.26490.new'`.
 */
import { StoreError } from '../engine/errors.js';

const NOT_WRITABLE: Record<string, string> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
};

/** The lock file, the name a writer gives its lock line while it takes it, and a takeover's. */
const LOCK_FILE = /(^|[/\\])LOCK(\.\d+\.new|\.takeover)?$/;

/** The message for `err` met on `dir` when it is a directory a writer cannot write; undefined for any other error. */
export function notWritableText(err: unknown, dir: string): string | undefined {
  const e = err as Partial<NodeJS.ErrnoException> | undefined;
  if (e && typeof e.code === 'string' && NOT_WRITABLE[e.code] && typeof e.path === 'string' && LOCK_FILE.test(e.path)) {
    return `cannot take the writer lock: ${dir} is not writable (${e.code}: ${NOT_WRITABLE[e.code]}); use --read-only to read it`;
  }
  if (err instanceof StoreError) {
    const m = /^opening (\S+) failed: the segment cannot be read \((EROFS|EACCES|EPERM)\b/.exec(err.message);
    if (m) return `opening ${m[1]} failed: the segment cannot be written (${NOT_WRITABLE[m[2]!]}); use --read-only to read it`;
  }
  return undefined;
}
