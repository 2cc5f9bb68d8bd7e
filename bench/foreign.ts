/**
 * Other engines' directories at scale: a directory of `--keys` keys
 * (default 1,000,000: `user:` + 11 digits, 100-byte values) in each foreign
 * format kvscope reads, opened read-only, as a user would look inside a real
 * node's data.
 *
 *   node --import tsx bench/foreign.ts [--format riak-bitcask|…|all] [--keys 1000000] [--runs 3] [--keep]
 *
 * Each directory is written into .tmp/ (gitignored) in its engine's own
 * layout by bench/foreign-directories.ts: every key in shuffled order, then
 * every third key overwritten and every tenth deleted. Then, for each:
 * - each one-shot command in a fresh process (median of `--runs`, peak
 *   memory with GNU time), as bench/cli.ts does for a kvscope store;
 * - the inspector service in this process, as the browser host and the
 *   Electron shell drive it: each user action's time and the longest stall
 *   of the event loop meanwhile (the host answers nothing else while it is
 *   stalled).
 * Build first (`npm run build`) for the bundled CLI. Figures from a shared
 * machine vary from run to run.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openForeign } from '../src/engine/foreign-store.js';
import { requireFormat } from '../src/engine/formats/registry.js';
import { createEngineOpener } from '../src/inspector/engine-opener.js';
import { InspectorService } from '../src/inspector/service.js';
import { timedRow } from './command-timing.js';
import { FOREIGN_FORMATS, type ForeignDirectory, type ForeignFormat, foreignKey, writeForeignDirectory } from './foreign-directories.js';
import { makeScratch } from './scratch.js';

const ROOT = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const KEYS = Number(option('--keys') ?? 1_000_000);
const RUNS = Number(option('--runs') ?? 3);
const KEEP = args.includes('--keep');
const FORMAT = option('--format') ?? 'all';

const ms = (x: number) => x.toFixed(0);

/** The inspector service's actions on the cask, each with its time and the longest event-loop stall meanwhile. */
async function serviceRows(written: ForeignDirectory): Promise<string[]> {
  const { dir } = written;
  const service = new InspectorService({ opener: createEngineOpener(), configDir: `${dir}.config` });
  const rows: string[] = [];
  let last = performance.now();
  let longest = 0;
  const monitor = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  const step = async <T>(what: string, action: () => Promise<T>, note?: (r: T) => string): Promise<T> => {
    process.stderr.write(`${what}…\n`);
    await new Promise((r) => setTimeout(r, 20));
    longest = 0;
    last = performance.now();
    const t = performance.now();
    const r = await action();
    const took = performance.now() - t;
    await new Promise((r) => setTimeout(r, 20));
    rows.push(`| ${what} | ${ms(took)} ms | ${ms(longest)} ms | ${note?.(r) ?? ''} |`);
    return r;
  };
  try {
    const { sessionId } = await step('open the directory', () => service.dispatch('openStore', { path: dir }), (r) => `${r.format}, ${r.keyCount.toLocaleString('en-US')} keys`);
    await step('first window of keys', () => service.dispatch('listKeys', { sessionId, offset: 0, limit: 100 }));
    await step('substring filter, first time', () => service.dispatch('listKeys', { sessionId, filter: { mode: 'substring', pattern: '99999' }, offset: 0, limit: 100 }), (r) => `${r.total} matches`);
    await step('versions of a key', () => service.dispatch('history', { sessionId, key: foreignKey(3).toString('latin1') }), (r) => r.versions.map((v) => v.status).join(', '));
    await step('segments view', () => service.dispatch('segments', { sessionId }), (r) => `${r.files.length} files`);
    for (const file of written.showFiles) {
      await step(`record table of ${file}, first page`, () => service.dispatch('records', { sessionId, file, start: 0, limit: 200 }), (r) => `${r.rows.length} rows`);
    }
    await step(
      'verify, as a job, to its report',
      async () => {
        let stop = (): void => undefined;
        const done = new Promise<number>((resolve) => {
          stop = service.onEvent((e) => {
            if (e.type === 'job-done' && e.sessionId === sessionId && e.kind === 'verify') resolve(e.report.problems.length);
          });
        });
        await service.dispatch('verify', { sessionId });
        const problems = await done;
        stop();
        return problems;
      },
      (problems) => `${problems} problems`,
    );
    const m = process.memoryUsage();
    rows.push(`| process memory afterwards | ${(m.rss / 2 ** 20).toFixed(0)} MiB resident | | JS heap ${(m.heapUsed / 2 ** 20).toFixed(0)} MiB |`);
  } finally {
    clearInterval(monitor);
    await service.close();
  }
  return rows;
}

/**
 * A format whose program opens a data file from its hint (Riak): the open in
 * this process both ways, alternating, `--runs` times each: from the hints
 * kvscope uses, and replaying every data file (as before it used them).
 */
async function hintOpenRows(dir: string, format: string): Promise<string> {
  if (!requireFormat(format).readHint) return '';
  const times: Record<'hints' | 'replay', number[]> = { hints: [], replay: [] };
  let from = '';
  for (let run = 0; run < RUNS; run++) {
    for (const way of ['hints', 'replay'] as const) {
      process.stderr.write(`${format}: open in this process (${way})…\n`);
      const t = performance.now();
      const store = await openForeign(dir, way === 'replay' ? { replayData: true } : {});
      times[way].push(performance.now() - t);
      if (way === 'hints') from = store.openedFrom().map((f) => `${f.file} from ${f.from === 'hint' ? 'its hint' : `its records (${f.why ?? 'asked'})`}`).join('; ');
      await store.close();
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return (
    `| open in this process (median of ${RUNS}, alternating) | time | note |\n|---|---:|---|\n` +
    `| from the hints that check out | ${ms(median(times.hints))} ms | ${from} |\n` +
    `| replaying every data file | ${ms(median(times.replay))} ms | every record read, its CRC checked |\n\n`
  );
}

/** One format's directory: written, then every command and the service's actions on it. */
async function benchFormat(format: ForeignFormat, into: string): Promise<string> {
  const dir = join(into, format);
  mkdirSync(dir);
  process.stderr.write(`writing a ${format} directory of ${KEYS.toLocaleString('en-US')} keys…\n`);
  const written = writeForeignDirectory(format, dir, KEYS);
  const present = foreignKey(Math.floor(KEYS / 3) + 1).toString('latin1');
  const ro = ['-d', dir, '--read-only'];
  const commands: Array<[string, string[], number]> = [
    ['stats', [...ro, 'stats'], 0],
    ['get (a present key)', [...ro, 'get', present], 0],
    ['list', [...ro, 'list'], 0],
    ['history (one key)', [...ro, 'history', present], 0],
    ['verify', [...ro, 'verify'], 0],
    ['segments', [...ro, 'segments'], 0],
    ['dump (every record)', [...ro, 'dump'], 0],
  ];
  const cli: string[] = [];
  for (const [what, argv, exit] of commands) {
    process.stderr.write(`${format}: ${what}…\n`);
    cli.push(timedRow(what, argv, exit, RUNS));
  }
  const service = await serviceRows(written);
  const opens = await hintOpenRows(dir, format);
  return (
    `### ${format}: ${KEYS.toLocaleString('en-US')} keys, ${written.records.toLocaleString('en-US')} records, ${new Date().toISOString()}, Node ${process.version}\n\n` +
    `| command (fresh process, median of ${RUNS}) | wall time | peak resident |\n|---|---:|---:|\n${cli.join('\n')}\n\n` +
    `| inspector service | time | longest event-loop stall | note |\n|---|---:|---:|---|\n${service.join('\n')}\n\n` +
    opens
  );
}

async function main(): Promise<void> {
  if (!(KEYS >= 10 && RUNS > 0)) throw new Error('--keys must be at least 10 and --runs positive');
  const formats = FORMAT === 'all' ? FOREIGN_FORMATS : FOREIGN_FORMATS.filter((f) => f === FORMAT);
  if (formats.length === 0) throw new Error(`--format must be one of ${FOREIGN_FORMATS.join(', ')} or all`);
  const scratch = makeScratch(join(ROOT, '.tmp'), 'bench-foreign', { keep: KEEP });
  try {
    for (const format of formats) process.stdout.write(await benchFormat(format, scratch.dir));
  } finally {
    scratch.remove();
    if (KEEP) process.stderr.write(`kept ${scratch.dir}\n`);
  }
}

await main();
