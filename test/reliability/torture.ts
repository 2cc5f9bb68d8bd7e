/**
 * npm run torture -- [--trials N] [--policy always|batch|never|all] [--seed S] [--segment-size B]
 *
 * SIGKILLs a writing child process at random moments and checks, after each
 * kill, that the store reopens, verifies clean and holds every acknowledged
 * write (see torture-lib.ts for the exact check). Prints a JSON summary and
 * exits 1 on any failure.
 */
import type { FsyncPolicy } from '../../src/engine/types.js';
import { runTorture } from './torture-lib.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const trials = Number(arg('trials', '1000'));
const policyArg = arg('policy', 'all');
const seed = Number(arg('seed', String(Date.now() % 1_000_000)));
const segmentSize = Number(arg('segment-size', '4096'));
const policies: FsyncPolicy[] = policyArg === 'all' ? ['always', 'batch', 'never'] : [policyArg as FsyncPolicy];
if (!policies.every((p) => ['always', 'batch', 'never'].includes(p)) || !(trials > 0)) {
  console.error('usage: torture [--trials N] [--policy always|batch|never|all] [--seed S] [--segment-size B]');
  process.exit(2);
}

console.error(`torture: ${trials} trials, policies ${policies.join(',')}, seed ${seed}, segment size ${segmentSize}`);
const summary = await runTorture({ trials, policies, seed, segmentSize, log: (t) => console.error(t) });
console.log(JSON.stringify({ seed, segmentSize, ...summary, failures: summary.failures.length, failureDetails: summary.failures.slice(0, 10) }, null, 2));
process.exit(summary.failures.length === 0 ? 0 : 1);
