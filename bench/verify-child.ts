/**
 * One `verify` of a kvscope store in a process of its own, the way
 * `kvscope verify` runs it. Prints one JSON line: the seconds it took, the
 * records it checked, how many problems it found, and the longest the event
 * loop waited meanwhile (a 1 ms timer's longest gap). bench/run.ts runs it
 * after evicting the store's pages.
 *
 *   node --import tsx bench/verify-child.ts DIR
 */
import { verifyNativeDirectory } from '../src/engine/verify.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: verify-child.ts DIR\n');
  process.exit(2);
}
// The longest the event loop waited meanwhile: verify runs on the loop that serves the inspector.
let longestStallMs = 0;
let tick = performance.now();
const monitor = setInterval(() => {
  const now = performance.now();
  longestStallMs = Math.max(longestStallMs, now - tick);
  tick = now;
}, 1);
const started = performance.now();
const report = await verifyNativeDirectory(dir);
const seconds = (performance.now() - started) / 1000;
clearInterval(monitor);
process.stdout.write(`${JSON.stringify({ seconds, records: report.recordsChecked, problems: report.problems.length, longestStallMs })}\n`);
