/**
 * One compaction of a kvscope store in a process of its own, the way
 * `kvscope compact` runs it: the store is opened for writing (not timed),
 * compacted (timed) and closed. Prints one JSON line: the seconds the
 * compaction took. bench/run.ts runs it on a copy of its store, beside the
 * compaction it times in its own process, which holds the whole dataset.
 *
 *   node --import tsx bench/compact-child.ts DIR
 */
import { Store } from '../src/engine/store.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: compact-child.ts DIR\n');
  process.exit(2);
}
const store = await Store.open(dir);
const started = performance.now();
await store.compact();
const seconds = (performance.now() - started) / 1000;
await store.close();
process.stdout.write(`${JSON.stringify({ seconds })}\n`);
