/**
 * Another engine's directory at scale: a Riak Bitcask cask of `--keys` keys
 * (default 1,000,000: `user:` + 11 digits, 100-byte values) opened read-only
 * by kvscope, as a user would look inside a real node's data.
 *
 *   node --import tsx bench/foreign.ts [--keys 1000000] [--runs 3] [--keep]
 *
 * The cask, written into .tmp/ (gitignored) in Riak's own layout
 * (docs/FORMAT.md's sources; formats/riak-bitcask.ts): 1.bitcask.data with
 * every key in shuffled order and its 1.bitcask.hint; 2.bitcask.data
 * overwriting every third key and deleting every tenth (a tombstone2
 * naming file 1). Then:
 * - each one-shot command in a fresh process (median of `--runs`, peak
 *   memory with GNU time), as bench/cli.ts does for a kvscope store;
 * - the inspector service in this process, as the browser host and the
 *   Electron shell drive it: each user action's time and the longest stall
 *   of the event loop meanwhile (the host answers nothing else while it is
 *   stalled).
 * Build first (`npm run build`) for the bundled CLI. Figures from a shared
 * machine vary from run to run.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { crc32 } from '../src/engine/crc.js';
import { createEngineOpener } from '../src/inspector/engine-opener.js';
import { InspectorService } from '../src/inspector/service.js';
import { timedRow } from './command-timing.js';
import { rng } from './rng.js';
import { makeScratch } from './scratch.js';

const ROOT = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const KEYS = Number(option('--keys') ?? 1_000_000);
const RUNS = Number(option('--runs') ?? 3);
const KEEP = args.includes('--keep');

const keyOf = (i: number) => Buffer.from(`user:${String(i).padStart(11, '0')}`, 'latin1');

/** Appends Riak records and hint entries to files through 4 MiB buffers. */
class CaskFile {
  private readonly fd: number;
  private buf = Buffer.alloc(4 << 20);
  private at = 0;
  written = 0;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  room(n: number): Buffer {
    if (this.at + n > this.buf.length) this.flush();
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    this.written += n;
    return out;
  }
  flush(): void {
    writeSync(this.fd, this.buf, 0, this.at);
    this.at = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** crc:u32 · tstamp:u32 · key_sz:u16 · value_sz:u32 · key · value, big-endian; its offset. */
function dataRecord(file: CaskFile, tstamp: number, key: Buffer, value: Buffer): { offset: number; size: number } {
  const offset = file.written;
  const size = 14 + key.length + value.length;
  const r = file.room(size);
  r.writeUInt32BE(tstamp, 4);
  r.writeUInt16BE(key.length, 8);
  r.writeUInt32BE(value.length, 10);
  key.copy(r, 14);
  value.copy(r, 14 + key.length);
  r.writeUInt32BE(crc32(r.subarray(4)), 0);
  return { offset, size };
}

function writeCask(dir: string, n: number): void {
  const random = rng(42);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const value = Buffer.alloc(100);
  const data = new CaskFile(join(dir, '1.bitcask.data'));
  const hint = new CaskFile(join(dir, '1.bitcask.hint'));
  let hintCrc = 0;
  for (const i of order) {
    for (let b = 0; b < value.length; b++) value[b] = (random() * 256) | 0;
    const key = keyOf(i);
    const { offset, size } = dataRecord(data, 1_700_000_000, key, value);
    // tstamp:u32 · key_sz:u16 · total_sz:u32 · tombstone:1 · offset:63 · key
    const e = hint.room(18 + key.length);
    e.writeUInt32BE(1_700_000_000, 0);
    e.writeUInt16BE(key.length, 4);
    e.writeUInt32BE(size, 6);
    e.writeUInt32BE(Math.floor(offset / 2 ** 32), 10);
    e.writeUInt32BE(offset >>> 0, 14);
    key.copy(e, 18);
    hintCrc = crc32(e, hintCrc);
  }
  const trailer = hint.room(18);
  trailer.fill(0);
  trailer.writeUInt32BE(hintCrc, 6);
  trailer.writeUInt32BE(0x7fffffff, 10);
  trailer.writeUInt32BE(0xffffffff, 14);
  data.close();
  hint.close();
  const later = new CaskFile(join(dir, '2.bitcask.data'));
  const tombstone = Buffer.concat([Buffer.from('bitcask_tombstone2', 'latin1'), Buffer.from([0, 0, 0, 1])]);
  for (let i = 0; i < n; i += 3) dataRecord(later, 1_700_000_100, keyOf(i), value);
  for (let i = 0; i < n; i += 10) dataRecord(later, 1_700_000_200, keyOf(i), tombstone);
  later.close();
}

const ms = (x: number) => x.toFixed(0);

/** The inspector service's actions on the cask, each with its time and the longest event-loop stall meanwhile. */
async function serviceRows(dir: string): Promise<string[]> {
  const service = new InspectorService({ opener: createEngineOpener(), configDir: join(dir, '..', 'config') });
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
    await step('versions of a key', () => service.dispatch('history', { sessionId, key: keyOf(3).toString('latin1') }), (r) => r.versions.map((v) => v.status).join(', '));
    await step('segments view', () => service.dispatch('segments', { sessionId }), (r) => `${r.files.length} files`);
    for (const file of ['1.bitcask.data', '1.bitcask.hint']) {
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

async function main(): Promise<void> {
  if (!(KEYS >= 10 && RUNS > 0)) throw new Error('--keys must be at least 10 and --runs positive');
  const scratch = makeScratch(join(ROOT, '.tmp'), 'bench-foreign', { keep: KEEP });
  const dir = join(scratch.dir, 'cask');
  try {
    process.stderr.write(`writing a Riak Bitcask cask of ${KEYS.toLocaleString('en-US')} keys…\n`);
    (await import('node:fs')).mkdirSync(dir);
    writeCask(dir, KEYS);
    const present = keyOf(Math.floor(KEYS / 3) + 1).toString('latin1');
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
      process.stderr.write(`${what}…\n`);
      cli.push(timedRow(what, argv, exit, RUNS));
    }
    const service = await serviceRows(dir);
    process.stdout.write(`A Riak Bitcask cask of ${KEYS.toLocaleString('en-US')} keys, ${new Date().toISOString()}, Node ${process.version}\n\n`);
    process.stdout.write(`| command (fresh process, median of ${RUNS}) | wall time | peak resident |\n|---|---:|---:|\n${cli.join('\n')}\n\n`);
    process.stdout.write(`| inspector service | time | longest event-loop stall | note |\n|---|---:|---:|---|\n${service.join('\n')}\n`);
  } finally {
    scratch.remove();
    if (KEEP) process.stderr.write(`kept ${dir}\n`);
  }
}

await main();
