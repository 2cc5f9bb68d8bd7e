/**
 * The `kvscope` command on a large store: each command run as a user runs it
 * (a fresh `node bin/kvscope.js` process, stdout to /dev/null), median of
 * `--runs` runs, wall time and peak resident memory (with GNU time).
 *
 *   node --import tsx bench/cli.ts [--keys 1000000] [--runs 3] [--dir DIR] [--keep]
 *
 * The store is the bench's dataset (`user:` + 11 digits in shuffled order,
 * 100-byte random values), loaded in batches of 10,000 with fsync 'never' and
 * closed cleanly (hints and keydir image written), into .tmp/ (gitignored);
 * deleted at the end unless --keep, reused with --dir. The commands read it
 * --read-only, except the imports, which write fresh directories beside it.
 * Build first (`npm run build`): bin/kvscope.js then runs the bundled CLI.
 * Figures from a shared machine vary from run to run.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Store } from '../src/engine/store.js';
import { makeDataset } from './run.js';
import { makeScratch } from './scratch.js';
import { timedRow } from './command-timing.js';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/kvscope.js');
const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const KEYS = Number(option('--keys') ?? 1_000_000);
const RUNS = Number(option('--runs') ?? 3);
const REUSE = option('--dir');
const KEEP = args.includes('--keep');

async function load(dir: string, n: number): Promise<void> {
  const data = makeDataset(n, 100);
  const store = await Store.open(dir, { create: true, fsync: 'never' });
  for (let at = 0; at < n; at += 10_000) {
    const ops = [];
    for (let i = at; i < Math.min(n, at + 10_000); i++) ops.push({ type: 'put' as const, key: data.keys[data.order[i]!]!, value: data.values[data.order[i]!]! });
    await store.batch(ops);
  }
  await store.close();
}

async function main(): Promise<void> {
  if (!(KEYS > 0 && RUNS > 0)) throw new Error('--keys and --runs must be positive');
  const base = join(ROOT, '.tmp');
  const scratch = makeScratch(base, 'bench-cli', { keep: KEEP });
  const work = scratch.dir;
  const dir = REUSE ? resolve(REUSE) : join(work, 'store');
  try {
    if (!REUSE) {
      process.stderr.write(`loading ${KEYS.toLocaleString('en-US')} keys…\n`);
      await load(dir, KEYS);
    }
    const present = `user:${String(Math.floor(KEYS / 3)).padStart(11, '0')}`;
    const exported = join(work, 'export.jsonl');
    const ro = ['-d', dir, '--read-only'];
    const fresh = (name: string) => () => rmSync(join(work, name), { recursive: true, force: true });
    // Written once, outside the timings: the file the JSON Lines import reads.
    const out = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" -d "${dir}" --read-only export > "${exported}"`], { cwd: ROOT });
    if (out.status !== 0) throw new Error('export for the import failed');
    // What, the command line, the exit code it must end with (get of a missing key: 1), what to do before each run.
    const commands: Array<[string, string[], number, (() => void)?]> = [
      [`get (a present key)`, [...ro, 'get', present], 0],
      ['get (a missing key)', [...ro, 'get', 'user:missing'], 1],
      ['stats', [...ro, 'stats'], 0],
      ['list', [...ro, 'list'], 0],
      ['list --prefix (1/10 of the keys)', [...ro, 'list', '--prefix', 'user:0000000'], 0],
      ['scan (keys and values, escaped)', [...ro, 'scan'], 0],
      ['export (JSON Lines)', [...ro, 'export'], 0],
      ['history (one key)', [...ro, 'history', present], 0],
      ['segments', [...ro, 'segments'], 0],
      ['dump (every record)', [...ro, 'dump'], 0],
      ['verify', [...ro, 'verify'], 0],
      ['import (the export, JSON Lines)', ['-d', join(work, 'imported'), 'import', exported], 0, fresh('imported')],
      ['import --from (the store)', ['-d', join(work, 'copied'), 'import', '--from', dir], 0, fresh('copied')],
    ];
    const rows: string[] = [];
    for (const [what, argv, exit, prepare] of commands) {
      process.stderr.write(`${what}…\n`);
      rows.push(timedRow(what, argv, exit, RUNS, prepare));
    }
    process.stdout.write(`${KEYS.toLocaleString('en-US')} keys, ${new Date().toISOString()}, Node ${process.version}, median of ${RUNS}\n\n`);
    process.stdout.write(`| command | wall time | peak resident |\n|---|---:|---:|\n${rows.join('\n')}\n`);
  } finally {
    scratch.remove();
  }
}

await main();
