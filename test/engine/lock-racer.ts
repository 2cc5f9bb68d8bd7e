/**
 * One of several processes racing for the writer lock, for the lock test:
 * says "ready" once loaded, waits for "go T" on stdin, then until the
 * wall-clock time T (the same for all, given once all are ready, so that all
 * start together however slowly each started), tries acquireLock on DIR and
 * prints "acquired" or "refused". A won lock is held until "release" comes on
 * stdin (once every racer has told its result, so that none can come after
 * the release, however late a loaded machine runs it), then released.
 */
import { createInterface } from 'node:readline';
import { acquireLock } from '../../src/engine/lock.js';
import { realFs } from '../../src/engine/fs.js';
import { LockedError } from '../../src/engine/errors.js';

const dir = process.argv[2]!;
const input = createInterface({ input: process.stdin });
const lines = input[Symbol.asyncIterator]();
const next = async (): Promise<string> => String((await lines.next()).value ?? '');
process.stdout.write('ready\n');
const startAt = Number((await next()).split(' ')[1]);
while (Date.now() < startAt) {
  // spin: a timer would wake the racers too far apart
}
try {
  const lock = acquireLock(realFs, dir);
  process.stdout.write('acquired\n');
  await next();
  lock.release();
} catch (err) {
  if (!(err instanceof LockedError)) throw err;
  process.stdout.write('refused\n');
}
input.close();
