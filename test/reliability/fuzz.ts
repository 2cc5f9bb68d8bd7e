/**
 * npm run fuzz -- [--inputs N] [--seed S] [--worst-case]
 *
 * Feeds every decoder random and mutated inputs (see fuzz-lib.ts for what is
 * checked). Default: 120,000 inputs in total. Prints a JSON summary; exits 1
 * on any finding. --worst-case also times the scanner on crafted segments
 * built to make its resynchronisation quadratic (a known limit, see
 * docs/RELIABILITY.md).
 */
import { resyncWorstCase, runFuzz } from './fuzz-lib.js';
import { scriptOptions } from './script-options.js';

const USAGE = 'usage: fuzz [--inputs N] [--seed S] [--worst-case]';
const opts = scriptOptions(USAGE, { inputs: { type: 'string' }, seed: { type: 'string' }, 'worst-case': { type: 'boolean' } });
const inputs = Number(opts.inputs ?? '120000');
const seed = Number(opts.seed ?? String(Date.now() % 1_000_000));
if (!(inputs > 0) || !Number.isFinite(seed)) {
  console.error(USAGE);
  process.exit(2);
}
console.error(`fuzz: ${inputs} inputs, seed ${seed}`);
const summary = await runFuzz({ inputs, seed, log: (t) => console.error(t) });
const worstCase = opts['worst-case'] ? resyncWorstCase([65536, 262144, 1048576]) : undefined;
console.log(JSON.stringify({ seed, ...summary, ...(worstCase ? { resyncWorstCase: worstCase } : {}) }, null, 2));
process.exit(summary.findings.length === 0 ? 0 : 1);
