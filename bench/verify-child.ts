/**
 * One `verify` of a kvscope store in a process of its own, the way
 * `kvscope verify` runs it. Prints one JSON line: the seconds it took, the
 * records it checked and how many problems it found. bench/run.ts runs it
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
const started = performance.now();
const report = await verifyNativeDirectory(dir);
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ seconds, records: report.recordsChecked, problems: report.problems.length })}\n`);
