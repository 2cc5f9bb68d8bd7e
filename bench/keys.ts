/**
 * The key list at millions of keys, through the InspectorService (no
 * browser): open, the first window (before any sort), the background sort
 * and substring haystack until the first filter answers (with the longest
 * event-loop stalls meanwhile), filters once warm, the last window, a tree
 * level, and the process's memory after all that.
 *
 *   node --expose-gc --import tsx bench/keys.ts [--keys 10000000] [--dir DIR] [--keep]
 *
 * The store (`user:` + 11 digits in shuffled order, 10-byte values, loaded
 * with fsync 'never' in batches of 10,000) is written into .tmp/ (gitignored)
 * and deleted at the end unless --keep; --dir reuses a store kept before.
 * Figures from a shared machine vary from run to run.
 */
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Store } from '../src/engine/store.js';
import { createEngineOpener } from '../src/inspector/engine-opener.js';
import { InspectorService } from '../src/inspector/service.js';
import type { KeyFilter } from '../src/shared/contract.js';
import { makeScratch } from './scratch.js';

const ROOT = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const KEYS = Number(option('--keys') ?? 10_000_000);
const REUSE = option('--dir');
const KEEP = args.includes('--keep');

function ms(t: number): string {
  return t < 10 ? t.toFixed(2) : t < 100 ? t.toFixed(1) : t.toFixed(0);
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(0)} MiB`;
}

/** The keys `user:` + 11 digits, in a shuffled order (i * 7919 mod n: a permutation when n is not a multiple of 7919). */
async function load(dir: string, n: number): Promise<void> {
  const store = await Store.open(dir, { create: true, fsync: 'never' });
  const value = Buffer.alloc(10, 0x2e);
  for (let i = 0; i < n; i += 10_000) {
    const ops = [];
    for (let j = i; j < Math.min(n, i + 10_000); j++) ops.push({ type: 'put' as const, key: `user:${String((j * 7919) % n).padStart(11, '0')}`, value });
    await store.batch(ops);
  }
  await store.close();
}

async function main(): Promise<void> {
  if (!(KEYS > 0 && KEYS % 7919 !== 0)) throw new Error('--keys must be a positive number, not a multiple of 7919');
  const base = join(ROOT, '.tmp');
  const scratch = makeScratch(base, 'bench-keys', { keep: KEEP });
  const work = scratch.dir;
  const dir = REUSE ? resolve(REUSE) : join(work, 'store');
  const rows: [string, string, string?][] = [];
  const timed = async <T>(what: string, fn: () => Promise<T>, note?: (r: T) => string): Promise<T> => {
    const t = performance.now();
    const r = await fn();
    rows.push([what, `${ms(performance.now() - t)} ms`, note?.(r)]);
    process.stderr.write(`${what}\n`);
    return r;
  };
  const service = new InspectorService({ opener: createEngineOpener(), configDir: join(work, 'config') });
  try {
    if (!REUSE) await timed(`load ${KEYS.toLocaleString('en-US')} keys (fsync never)`, () => load(dir, KEYS));
    const { sessionId } = await timed('open through the service', () => service.dispatch('openStore', { path: dir }));
    const list = (filter: KeyFilter | undefined, offset = 0) => service.dispatch('listKeys', { sessionId, filter, offset, limit: 100 });
    await timed('first window (no sort yet)', () => list(undefined), (r) => `${r.total.toLocaleString('en-US')} keys`);
    const stalls = monitorEventLoopDelay({ resolution: 5 });
    stalls.enable();
    await timed(
      'background sort + haystack, until a first filter answers',
      () => list({ mode: 'substring', pattern: '99999' }),
      () => (stalls.disable(), `event-loop stalls meanwhile: p99 ${ms(stalls.percentile(99) / 1e6)} ms, max ${ms(stalls.max / 1e6)} ms`),
    );
    for (const filter of [
      { mode: 'substring', pattern: '12345' },
      { mode: 'substring', pattern: 'user:' },
      { mode: 'glob', pattern: 'user:*77' },
      { mode: 'prefix', pattern: 'user:0000005' },
    ] as const) {
      await timed(`${filter.mode} filter "${filter.pattern}", once warm`, () => list(filter), (r) => `${r.total.toLocaleString('en-US')} matches`);
    }
    await timed('window at the last row', () => list(undefined, KEYS - 100));
    await timed('key tree, top level (":" delimiter)', () => service.dispatch('keyTree', { sessionId, delimiter: ':', prefix: '' }), (r) => r.nodes.map((n) => `${n.label} ${n.count.toLocaleString('en-US')}`).join(', '));
    (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    rows.push(['process memory after all this (after gc)', mib(m.rss), `JS heap ${mib(m.heapUsed)}, array buffers ${mib(m.arrayBuffers)}`]);
  } finally {
    await service.close();
    scratch.remove();
    if (KEEP) console.log(`kept ${work}`);
  }
  console.log(`\nThe key list at ${KEYS.toLocaleString('en-US')} keys, through the inspector service (node ${process.version}; a shared machine: figures vary between runs)\n`);
  console.log('| measurement | value | note |');
  console.log('|---|---:|---|');
  for (const [what, value, note] of rows) console.log(`| ${what} | ${value} | ${note ?? ''} |`);
}

await main();
