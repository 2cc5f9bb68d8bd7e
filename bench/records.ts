/**
 * The record table on a ~1 GB native segment, through the InspectorService
 * (no browser): open the store, first records page, recordAt at the end of
 * the file, time until the whole file is indexed, bytes per record of the
 * index, the longest event-loop stall while indexing and filtering, and key
 * and status filters over the whole file.
 *
 *   node --expose-gc --import tsx bench/records.ts [--mib 1024] [--keep]
 *
 * The segment is written with the codec straight into .tmp/ (gitignored)
 * and deleted at the end unless --keep. Figures from a shared machine vary
 * from run to run.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { encodeRecordInto, encodeSegmentHeader } from '../src/engine/native/codec.js';
import { RECORD_PUT, RECORD_TOMBSTONE } from '../src/engine/native/layout.js';
import { createEngineOpener } from '../src/inspector/engine-opener.js';
import { NativeSegmentIndex } from '../src/inspector/record-index.js';
import { InspectorService } from '../src/inspector/service.js';
import { makeScratch } from './scratch.js';

const ROOT = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const MIB = Number(args[args.indexOf('--mib') + 1] ?? 1024) || 1024;
const KEEP = args.includes('--keep');
const DISTINCT_KEYS = 1_000_000;

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function ms(t: number): string {
  return t < 10 ? t.toFixed(2) : t < 100 ? t.toFixed(1) : t.toFixed(0);
}

/** ~140-byte records (16-byte keys, 100-byte values), one tombstone in 50, 1M distinct keys. */
function writeSegment(dir: string, bytes: number): { records: number; size: number } {
  const path = join(dir, '000001.data');
  const fd = openSync(path, 'w');
  writeSync(fd, encodeSegmentHeader({ segmentId: 1, flags: 0, sequenceFloor: 0 }));
  const chunk = Buffer.allocUnsafe(8 * 1024 * 1024);
  const value = Buffer.alloc(100, 0x2e);
  const key = Buffer.alloc(16);
  let at = 0;
  let size = 24;
  let records = 0;
  while (size + at < bytes) {
    const k = (records * 7919) % DISTINCT_KEYS;
    key.write(`key:${String(k).padStart(12, '0')}`, 0, 'latin1');
    value.writeUInt32LE(records, 0);
    const tomb = records % 50 === 49;
    at += encodeRecordInto(chunk, at, tomb ? RECORD_TOMBSTONE : RECORD_PUT, 0, records + 1, key, tomb ? undefined : value);
    records++;
    if (at + 256 > chunk.length) {
      writeSync(fd, chunk, 0, at);
      size += at;
      at = 0;
    }
  }
  writeSync(fd, chunk, 0, at);
  size += at;
  closeSync(fd);
  return { records: records + 1, size };
}

function step(text: string): void {
  process.stderr.write(`${text}\n`);
}

interface Row {
  what: string;
  value: string;
  note?: string;
}

async function main(): Promise<void> {
  const base = join(ROOT, '.tmp');
  const scratch = makeScratch(base, 'bench-records', { keep: KEEP });
  const work = scratch.dir;
  const dir = join(work, 'store');
  mkdirSync(dir);
  const rows: Row[] = [];
  const service = new InspectorService({ opener: createEngineOpener(), configDir: join(work, 'config') });
  try {
    let t = performance.now();
    const { records, size } = writeSegment(dir, MIB * 1024 * 1024);
    step(`segment written: ${size} bytes`);
    rows.push({ what: 'segment written', value: `${(size / 1024 / 1024).toFixed(0)} MiB, ${records.toLocaleString('en-US')} records`, note: `${ms(performance.now() - t)} ms (codec, not measured)` });
    step('segment written');
    const file = '000001.data';

    t = performance.now();
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    step('store open');
    rows.push({ what: 'openStore (engine replay of the segment)', value: `${ms(performance.now() - t)} ms`, note: 'the store, not the record table' });
    step('openStore (engine replay of the segment)');
    gc();
    const before = process.memoryUsage();

    const lag = monitorEventLoopDelay({ resolution: 1 });
    lag.enable();
    const t0 = performance.now();
    const first = await service.dispatch('records', { sessionId, file, start: 0, limit: 200 });
    const firstMs = performance.now() - t0;
    rows.push({ what: 'first records page (200 rows)', value: `${ms(firstMs)} ms`, note: `complete: ${first.complete}, indexed ${(first.indexedBytes / 1024 / 1024).toFixed(1)} MiB` });
    step('first records page (200 rows)');

    t = performance.now();
    const near = await service.dispatch('recordAt', { sessionId, file, offset: 5000 });
    rows.push({ what: 'recordAt near the start', value: `${ms(performance.now() - t)} ms`, note: `record #${near.record?.index}` });
    step('recordAt near the start');

    // Requests while the index grows: how long a page takes meanwhile.
    t = performance.now();
    await service.dispatch('records', { sessionId, file, start: 400, limit: 200 });
    rows.push({ what: 'second page while indexing', value: `${ms(performance.now() - t)} ms` });
    step('second page while indexing');

    t = performance.now();
    const last = await service.dispatch('recordAt', { sessionId, file, offset: size - 1 });
    const end = performance.now();
    rows.push({ what: 'recordAt at the last byte (indexes up to it)', value: `${ms(end - t)} ms`, note: `record #${last.record?.index?.toLocaleString('en-US')}, complete: ${last.complete}` });
    step('recordAt at the last byte (indexes up to it)');
    rows.push({ what: 'whole file indexed, from the first request', value: `${ms(end - t0)} ms`, note: `${((size / 1024 / 1024) / ((end - t0) / 1000)).toFixed(0)} MiB/s` });
    step('whole file indexed, from the first request');
    lag.disable();
    rows.push({ what: 'longest event-loop stall while indexing', value: `${ms(lag.max / 1e6)} ms`, note: `p99 ${ms(lag.percentile(99) / 1e6)} ms` });
    step('longest event-loop stall while indexing');

    const done = await service.dispatch('records', { sessionId, file, start: 0, limit: 1 });
    if (!done.complete || done.total !== records) throw new Error(`index incomplete or wrong: ${done.total} of ${records}`);
    gc();
    const after = process.memoryUsage();
    const session = (service as unknown as { sessions: Map<string, { records?: { get(name: string): Promise<unknown> } }> }).sessions.get(sessionId)!;
    const index = (await session.records!.get(file)) as NativeSegmentIndex;
    rows.push({ what: 'index columns, bytes per record', value: (index.memoryBytes / records).toFixed(2), note: `${(index.memoryBytes / 1024 / 1024).toFixed(1)} MiB in typed arrays` });
    step('index columns, bytes per record');
    rows.push({
      what: 'heap + arrayBuffers growth, bytes per record',
      value: (((after.heapUsed - before.heapUsed) + (after.arrayBuffers - before.arrayBuffers)) / records).toFixed(2),
      note: (globalThis as { gc?: unknown }).gc ? 'after gc' : 'no --expose-gc: includes garbage',
    });

    t = performance.now();
    await service.dispatch('records', { sessionId, file, start: 7_000_000 > records ? records - 200 : 7_000_000, limit: 200 });
    rows.push({ what: 'a page near the end, index complete', value: `${ms(performance.now() - t)} ms` });
    step('a page near the end, index complete');

    for (const filter of [{ key: 'key:00000001234' }, { status: 'tombstone' as const }, { status: 'live' as const }]) {
      const flag = monitorEventLoopDelay({ resolution: 1 });
      flag.enable();
      const f0 = performance.now();
      let page = await service.dispatch('records', { sessionId, file, start: 0, limit: 200, ...filter });
      const firstFilter = performance.now() - f0;
      while (!page.complete) {
        // Like the table: ask again a little later (a loop of requests resolved in microtasks would starve the background work).
        await new Promise((r) => setTimeout(r, 20));
        page = await service.dispatch('records', { sessionId, file, start: 0, limit: 200, ...filter });
      }
      const all = performance.now() - f0;
      flag.disable();
      const name = 'key' in filter ? `key contains "${filter.key}"` : `status ${filter.status}`;
      rows.push({ what: `filter ${name}: first page`, value: `${ms(firstFilter)} ms` });
      step(`filter ${name}: first page`);
      rows.push({ what: `filter ${name}: whole file`, value: `${ms(all)} ms`, note: `${page.total.toLocaleString('en-US')} matches; longest stall ${ms(flag.max / 1e6)} ms` });
      step(`filter ${name}: whole file`);
    }
  } finally {
    await service.close();
    scratch.remove();
    if (KEEP) console.log(`kept ${work}`);
  }
  console.log(`\nRecord table on a ${MIB} MiB native segment (node ${process.version}; a shared machine: figures vary between runs)\n`);
  console.log('| measurement | value | note |');
  console.log('|---|---:|---|');
  for (const r of rows) console.log(`| ${r.what} | ${r.value} | ${r.note ?? ''} |`);
}

await main();
