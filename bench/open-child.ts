/**
 * One read-only open of a kvscope store in a process of its own, the way the
 * CLI and `kvscope serve` open one. Prints one JSON line: the seconds
 * `Store.open` took (loading the code is not counted), the keys it found and
 * its hint fallbacks. bench/run.ts runs it after evicting the store's pages.
 *
 *   node --import tsx bench/open-child.ts DIR
 */
import { Store } from '../src/engine/store.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: open-child.ts DIR\n');
  process.exit(2);
}
const started = performance.now();
const store = await Store.open(dir, { readOnly: true });
const seconds = (performance.now() - started) / 1000;
const result = { seconds, keys: store.keyCount(), hintFallbacks: store.recovery.hintFallbacks };
await store.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
