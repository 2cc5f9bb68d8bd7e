/**
 * One of several processes racing for the writer lock, for the lock test:
 * waits until the wall-clock time given (so that all start together), tries
 * acquireLock on DIR, prints "acquired" or "refused", holds a won lock for a
 * moment (so that a late racer meets it), then releases it.
 */
import { acquireLock } from '../../src/engine/lock.js';
import { realFs } from '../../src/engine/fs.js';
import { LockedError } from '../../src/engine/errors.js';

const [dir, startAt] = [process.argv[2]!, Number(process.argv[3])];
while (Date.now() < startAt) {
  // spin: a timer would wake the racers too far apart
}
try {
  const lock = acquireLock(realFs, dir);
  process.stdout.write('acquired\n');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 800);
  lock.release();
} catch (err) {
  if (!(err instanceof LockedError)) throw err;
  process.stdout.write('refused\n');
}
