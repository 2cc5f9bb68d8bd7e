/**
 * npm run torture -- [--trials N] [--policy always|batch|never|all] [--seed S] [--segment-size B]
 *
 * SIGKILLs a writing child process at random moments and checks, after each
 * kill, that the store reopens, verifies clean and holds every acknowledged
 * write (see torture-lib.ts for the exact check). Prints a JSON summary and
 * exits 1 on any failure.
 */
import type { FsyncPolicy } from '../../src/engine/types.js';
import { scriptOptions } from './script-options.js';
import { runTorture } from './torture-lib.js';

const USAGE = 'usage: torture [--trials N] [--policy always|batch|never|all] [--seed S] [--segment-size B]';
const opts = scriptOptions(USAGE, {
  trials: { type: 'string' },
  policy: { type: 'string' },
  seed: { type: 'string' },
  'segment-size': { type: 'string' },
});
const trials = Number(opts.trials ?? '1000');
const policyArg = opts.policy ?? 'all';
const seed = Number(opts.seed ?? String(Date.now() % 1_000_000));
const segmentSize = Number(opts['segment-size'] ?? '4096');
const policies: FsyncPolicy[] = policyArg === 'all' ? ['always', 'batch', 'never'] : [policyArg as FsyncPolicy];
if (!policies.every((p) => ['always', 'batch', 'never'].includes(p)) || !(trials > 0) || !Number.isFinite(seed) || !(segmentSize > 0)) {
  console.error(USAGE);
  process.exit(2);
}

console.error(`torture: ${trials} trials, policies ${policies.join(',')}, seed ${seed}, segment size ${segmentSize}`);
const summary = await runTorture({ trials, policies, seed, segmentSize, log: (t) => console.error(t) });
console.log(JSON.stringify({ seed, segmentSize, ...summary, failures: summary.failures.length, failureDetails: summary.failures.slice(0, 10) }, null, 2));
process.exit(summary.failures.length === 0 ? 0 : 1);
