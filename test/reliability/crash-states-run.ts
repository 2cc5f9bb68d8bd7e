/**
 * npm run crash-states -- [--seed S] [--enumerate N] [--samples N] [--reorder N] [--value-bytes B,…] [--only TEXT]
 *
 * The crash-state exploration of crash-states.ts (its model is written at
 * the top of that file) over every workload, for each value size given
 * (default 30 and 700: records that span 512-byte sectors), enumerating
 * every state of a crash point that has at most --enumerate (default 4096),
 * else the two extremes and --samples drawn (default 64); --reorder N adds
 * N states per crash point under the stricter-disk variant (a file's
 * pending writes reach the disk sector by sector, in any order). Prints one
 * JSON line per workload and a summary; exits 1 on any failure.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { explore, record, workloads, type ExploreSummary } from './crash-states.js';
import { scriptOptions } from './script-options.js';

const USAGE = 'usage: crash-states [--seed S] [--enumerate N] [--samples N] [--reorder N] [--value-bytes B,…] [--only TEXT]';
const opts = scriptOptions(USAGE, {
  seed: { type: 'string' },
  enumerate: { type: 'string' },
  samples: { type: 'string' },
  reorder: { type: 'string' },
  'value-bytes': { type: 'string' },
  only: { type: 'string' },
});
const seed = Number(opts.seed ?? String(Date.now() % 1_000_000));
const enumerateUpTo = Number(opts.enumerate ?? '4096');
const samples = Number(opts.samples ?? '64');
const reorderSamples = Number(opts.reorder ?? '0');
const sizes = (opts['value-bytes'] ?? '30,700').split(',').map(Number);
const only = opts.only ?? '';
if (![seed, enumerateUpTo, samples, reorderSamples, ...sizes].every((n) => Number.isInteger(n) && n >= 0) || sizes.some((n) => n === 0)) {
  console.error(USAGE);
  process.exit(2);
}

const started = Date.now();
const summaries: Array<ExploreSummary & { valueBytes: number; ms: number }> = [];
for (const valueBytes of sizes) {
  for (const w of workloads(valueBytes)) {
    if (only && !w.name.includes(only)) continue;
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kvscope-crash-'));
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kvscope-crash-states-'));
    const t0 = Date.now();
    try {
      const rec = await record(w, root);
      const s = await explore(rec, { scratch, seed, enumerateUpTo, samples, reorderSamples });
      const line = { valueBytes, ...s, ms: Date.now() - t0 };
      summaries.push(line);
      console.log(JSON.stringify({ ...line, failures: s.failures.length }));
      for (const f of s.failures.slice(0, 3)) console.log(JSON.stringify(f, null, 1));
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }
}
const total = (f: (s: ExploreSummary) => number): number => summaries.reduce((n, s) => n + f(s), 0);
console.log(
  JSON.stringify({
    seed,
    enumerateUpTo,
    samples,
    reorderSamples,
    workloads: summaries.length,
    crashPoints: total((s) => s.crashPoints),
    enumeratedPoints: total((s) => s.enumeratedPoints),
    statesGenerated: total((s) => s.statesGenerated),
    distinctStates: total((s) => s.distinctStates),
    failures: total((s) => s.failures.length),
    seconds: Math.round((Date.now() - started) / 1000),
  }),
);
process.exit(summaries.every((s) => s.failures.length === 0) ? 0 : 1);
