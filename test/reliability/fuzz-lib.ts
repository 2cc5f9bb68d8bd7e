/**
 * Decoder fuzzing. Every decoder kvscope has — the native scanner (and the
 * batch filter behind it), the native format's decodeFile for segments and
 * hints, decodeHint, and every foreign format's decodeFile — is fed random
 * bytes and mutations of real files (the fixtures under /work/shared/fixtures
 * and native stores generated here). For each input:
 *   - no exception (decoders report damage as corrupt/torn records; only a
 *     typed StoreError would be tolerated, and none is expected);
 *   - every record and field inside the input, records in order, the native
 *     scanner's events tiling the file exactly, every record it calls valid
 *     really matching its CRC;
 *   - no allocation much larger than the input (Buffer.alloc / allocUnsafe /
 *     allocUnsafeSlow are watched, and so is the process's ArrayBuffer memory
 *     across each decode): a header claiming 4 GB in a 100-byte file must not
 *     allocate;
 *   - time per input recorded (the slowest is reported; a hang would stall the run).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { StoreError } from '../../src/engine/errors.js';
import { Store } from '../../src/engine/store.js';
import { FORMATS, detectAll } from '../../src/engine/formats/registry.js';
import type { DecodedRecord, FormatDescription, FormatFile } from '../../src/engine/formats/format.js';
import { nativeFormat } from '../../src/engine/formats/native.js';
import { decodeHint, computeRecordCrc, encodeRecord, encodeSegmentHeader } from '../../src/engine/native/codec.js';
import { memorySource } from '../../src/engine/native/byte-source.js';
import { committedRecords, scanRecords } from '../../src/engine/native/scan.js';
import { SHARED_DIR } from '../shared-dir.js';
import { rng } from './rng.js';

export const FIXTURES = `${SHARED_DIR}/fixtures`;

export interface Target {
  name: string;
  /** Real files of this decoder's kind. */
  seeds: Buffer[];
  /** Decode and check one input; returns a problem description or undefined. */
  run(bytes: Buffer): string | undefined;
}

export interface FuzzSummary {
  inputs: number;
  seconds: number;
  perTarget: Record<string, { inputs: number; seeds: number; slowestMs: number; maxAllocBytes: number; findings: number }>;
  findings: Array<{ target: string; problem: string; inputBase64: string; size: number }>;
  heapGrowthBytes: number;
}

// ------------------------------------------------------------ randomness

const INTERESTING = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x10001, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 64 * 1024 * 1024, 64 * 1024 * 1024 + 1];

export function mutate(seed: Buffer, other: Buffer, random: () => number): Buffer {
  const int = (n: number): number => Math.floor(random() * n);
  let b = Buffer.from(seed);
  const rounds = 1 + int(4);
  for (let r = 0; r < rounds; r++) {
    const choice = int(10);
    if (b.length === 0 && choice < 7) {
      b = Buffer.from(Array.from({ length: int(64) }, () => int(256)));
      continue;
    }
    switch (choice) {
      case 0:
      case 1: {
        // a few bit flips
        const n = 1 + int(8);
        for (let i = 0; i < n; i++) b[int(b.length)]! ^= 1 << int(8);
        break;
      }
      case 2: {
        // a few bytes set to interesting or random values
        const n = 1 + int(4);
        for (let i = 0; i < n; i++) b[int(b.length)] = random() < 0.5 ? [0, 0xff, 0x7f, 0x80, 0x0a, 0x20, 0x09][int(7)]! : int(256);
        break;
      }
      case 3:
      case 4: {
        // an integer field overwritten with an interesting value (u16/u32/u64, LE or BE)
        const at = int(b.length);
        const width = [2, 4, 8][int(3)]!;
        if (at + width > b.length) break;
        const v = INTERESTING[int(INTERESTING.length)]! + (random() < 0.2 ? b.length : 0);
        const le = random() < 0.5;
        if (width === 2) le ? b.writeUInt16LE(v & 0xffff, at) : b.writeUInt16BE(v & 0xffff, at);
        else if (width === 4) le ? b.writeUInt32LE(v >>> 0, at) : b.writeUInt32BE(v >>> 0, at);
        else {
          const big = random() < 0.3 ? 0xffffffffffffffffn : BigInt(v) * (random() < 0.5 ? 1n : 0x100000000n);
          le ? b.writeBigUInt64LE(big & 0xffffffffffffffffn, at) : b.writeBigUInt64BE(big & 0xffffffffffffffffn, at);
        }
        break;
      }
      case 5:
        // truncation (a torn tail anywhere)
        b = b.subarray(0, int(b.length + 1));
        break;
      case 6: {
        // insert random bytes or duplicate a chunk
        const at = int(b.length + 1);
        const chunk = random() < 0.5 ? Buffer.from(Array.from({ length: 1 + int(32) }, () => int(256))) : b.subarray(int(b.length), int(b.length) + int(200));
        b = Buffer.concat([b.subarray(0, at), chunk, b.subarray(at)]);
        break;
      }
      case 7: {
        // delete a chunk
        const at = int(b.length);
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(64))]);
        break;
      }
      case 8:
        // splice with another file
        b = Buffer.concat([b.subarray(0, int(b.length + 1)), other.subarray(int(other.length + 1))]);
        break;
      default:
        // fresh random bytes
        b = Buffer.from(Array.from({ length: int(random() < 0.9 ? 512 : 8192) }, () => int(256)));
    }
  }
  return b;
}

// ------------------------------------------------------------ allocation watch

let allocWatch = { max: 0 };
let installed = false;

/** Wraps Buffer's allocators once so each decode can report the largest buffer it asked for. */
function installAllocSpy(): void {
  if (installed) return;
  installed = true;
  for (const name of ['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const) {
    const original = Buffer[name] as (size: number, ...rest: unknown[]) => Buffer;
    (Buffer as unknown as Record<string, unknown>)[name] = function (this: unknown, size: number, ...rest: unknown[]) {
      if (typeof size === 'number' && size > allocWatch.max) allocWatch.max = size;
      return original.call(this, size, ...rest);
    };
  }
}

// ------------------------------------------------------------ checks

function checkRecords(records: DecodedRecord[], size: number): string | undefined {
  let last = -1;
  for (const r of records) {
    if (!Number.isInteger(r.offset) || !Number.isInteger(r.length) || r.offset < 0 || r.length < 0 || r.offset + r.length > size) {
      return `record out of bounds: offset ${r.offset} length ${r.length} in ${size} bytes`;
    }
    if (r.offset < last) return `records out of order: ${r.offset} after ${last}`;
    last = r.offset;
    if (!['valid', 'corrupt', 'torn'].includes(r.status)) return `unknown status ${String(r.status)}`;
    for (const f of r.fields) {
      if (f.start < 0 || f.end < f.start || f.end > size) return `field ${f.name} out of bounds: [${f.start}, ${f.end}) in ${size} bytes`;
    }
    if (r.valueOffset !== undefined && (r.valueOffset < 0 || r.valueOffset + (r.valueLength ?? 0) > size)) return `value out of bounds at ${r.valueOffset}+${r.valueLength}`;
  }
  return undefined;
}

/** decodeRecords gives decodeFile's records, and from a record's offset that record first (the record table decodes again from there). */
function checkOneAtATime(format: FormatDescription, file: FormatFile, bytes: Buffer, records: DecodedRecord[]): string | undefined {
  const one = [...format.decodeRecords(file, bytes)];
  if (one.length !== records.length) return `decodeRecords gave ${one.length} records, decodeFile ${records.length}`;
  for (let i = 0; i < records.length; i++) {
    if (one[i]!.offset !== records[i]!.offset || one[i]!.length !== records[i]!.length || one[i]!.status !== records[i]!.status) return `decodeRecords differs from decodeFile at record ${i}`;
  }
  for (const i of [1, records.length >> 1, records.length - 1]) {
    const r = records[i];
    if (r === undefined) continue;
    const [first] = format.decodeRecords(file, bytes, r.offset);
    if (JSON.stringify(first) !== JSON.stringify(r)) return `decodeRecords from ${r.offset} does not start with the record there`;
  }
  return undefined;
}

function decoderTarget(format: FormatDescription, file: FormatFile, seeds: Buffer[], name: string): Target {
  return {
    name,
    seeds,
    run(bytes) {
      const sized = { ...file, size: bytes.length };
      const records = format.decodeFile(sized, bytes);
      if (!Array.isArray(records)) return 'decodeFile did not return an array';
      return checkRecords(records, bytes.length) ?? checkOneAtATime(format, sized, bytes, records);
    },
  };
}

const nativeScanTarget = (seeds: Buffer[]): Target => ({
  name: 'native scanner (scanRecords + committedRecords)',
  seeds,
  run(bytes) {
    const start = Math.min(24, bytes.length);
    let at = start;
    const src = memorySource(bytes);
    for (const ev of scanRecords(src, start)) {
      if (ev.offset !== at) return `scan events do not tile the file: event at ${ev.offset}, expected ${at}`;
      if (ev.length <= 0 || ev.offset + ev.length > bytes.length) return `scan event out of bounds: ${ev.offset}+${ev.length} of ${bytes.length}`;
      if (ev.kind === 'record') {
        const rec = bytes.subarray(ev.offset, ev.offset + ev.length);
        if (computeRecordCrc(rec) !== ev.header.crc) return `record at ${ev.offset} reported valid with a wrong CRC`;
        if (!ev.key.equals(rec.subarray(22, 22 + ev.header.keyLength))) return `record at ${ev.offset}: key bytes differ`;
      }
      at = ev.offset + ev.length;
    }
    if (at !== bytes.length && bytes.length > start) return `scan stopped at ${at} of ${bytes.length}`;
    for (const ev of committedRecords(scanRecords(memorySource(bytes), start))) {
      if (ev.kind === 'incomplete-batch' && (ev.offset < start || ev.offset >= bytes.length || ev.records < 1)) return `incomplete batch out of bounds at ${ev.offset}`;
    }
    return undefined;
  },
});

const decodeHintTarget = (seeds: Buffer[]): Target => ({
  name: 'native decodeHint',
  seeds,
  run(bytes) {
    const r = decodeHint(bytes);
    if (!r.ok) return r.offset >= 0 && r.offset <= bytes.length ? undefined : `error offset ${r.offset} outside ${bytes.length} bytes`;
    let total = 0;
    for (const e of r.hint.entries) total += 22 + e.key.length;
    if (total + 28 !== bytes.length) return `entries cover ${total + 28} of ${bytes.length} bytes`;
    return undefined;
  },
});

// ------------------------------------------------------------ seeds

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Native stores written by the engine: several segments, hints, batches, tombstones, a compaction. */
export async function nativeSeeds(): Promise<{ data: Buffer[]; hints: Buffer[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvscope-fuzz-'));
  try {
    const store = await Store.open(dir, { create: true, segmentSize: 700, fsync: 'never' });
    for (let i = 0; i < 40; i++) {
      await store.put(`key-${i % 9}`, 'v'.repeat(i * 3));
      if (i % 7 === 0) await store.delete(`key-${(i + 3) % 9}`);
      if (i % 11 === 0) await store.batch([{ type: 'put', key: `b${i}`, value: 'x' }, { type: 'delete', key: 'key-1' }, { type: 'put', key: Buffer.from([0, 255, i]), value: Buffer.from([1, 2, 3]) }]);
      if (i === 25) await store.compact();
    }
    await store.flushBackground();
    await store.close();
    const data: Buffer[] = [];
    const hints: Buffer[] = [];
    for (const name of fs.readdirSync(dir).sort()) {
      if (name.endsWith('.data')) data.push(fs.readFileSync(path.join(dir, name)));
      if (name.endsWith('.hint')) hints.push(fs.readFileSync(path.join(dir, name)));
    }
    // Hand-made: a header claiming 4 GB / 64 MiB values in tiny files, and a batch cut short.
    const header = encodeSegmentHeader({ flags: 0, segmentId: 1, sequenceFloor: 0 });
    const huge = encodeRecord(1, 0, 1, Buffer.from('k'), Buffer.from('v'));
    huge.writeUInt32LE(0xffffffff, 18);
    const bigKey = encodeRecord(1, 0, 2, Buffer.from('k'), Buffer.from('v'));
    bigKey.writeUInt32LE(65536, 14);
    bigKey.writeUInt32LE(64 * 1024 * 1024, 18);
    const batch = Buffer.concat([encodeRecord(1, 3, 5, Buffer.from('a'), Buffer.from('1')), encodeRecord(1, 1, 6, Buffer.from('b'), Buffer.from('2'))]);
    data.push(Buffer.concat([header, huge]), Buffer.concat([header, bigKey, huge]), Buffer.concat([header, batch]));
    return { data, hints };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Every fixture file, decoded by the format its case is detected as (data and hint roles). */
export function foreignTargets(): Target[] {
  const byName = new Map<string, { format: FormatDescription; file: FormatFile; seeds: Buffer[] }>();
  if (!fs.existsSync(FIXTURES)) return [];
  for (const engine of fs.readdirSync(FIXTURES).sort()) {
    const engineDir = path.join(FIXTURES, engine);
    if (!fs.statSync(engineDir).isDirectory()) continue;
    for (const c of fs.readdirSync(engineDir).sort()) {
      const dataDir = path.join(engineDir, c, 'data');
      if (!fs.existsSync(dataDir)) continue;
      const detection = detectAll(dataDir)[0];
      if (!detection) continue;
      const format = FORMATS.find((f) => f.id === detection.format)!;
      for (const file of format.listFiles(detection.root)) {
        if (file.role !== 'data' && file.role !== 'hint') continue;
        const key = `${format.id} ${file.role}`;
        const entry = byName.get(key) ?? { format, file, seeds: [] };
        entry.seeds.push(fs.readFileSync(path.join(detection.root, file.name)));
        byName.set(key, entry);
      }
    }
  }
  return [...byName.entries()].map(([key, e]) => decoderTarget(e.format, e.file, e.seeds, `${key} decodeFile`));
}

export async function allTargets(): Promise<Target[]> {
  const native = await nativeSeeds();
  return [
    nativeScanTarget(native.data),
    decoderTarget(nativeFormat, { name: '000001.data', role: 'data', id: 1, size: 0 }, native.data, 'kvscope data decodeFile'),
    decoderTarget(nativeFormat, { name: '000001.hint', role: 'hint', id: 1, size: 0 }, native.hints, 'kvscope hint decodeFile'),
    decodeHintTarget(native.hints),
    ...foreignTargets(),
  ];
}

/** Every seed file under the fixtures folder (used as splice partners for every target). */
function allFixtureBytes(): Buffer[] {
  return fs.existsSync(FIXTURES) ? walk(FIXTURES).filter((p) => !p.endsWith('.json') && !p.endsWith('.md')).map((p) => fs.readFileSync(p)) : [];
}

// ------------------------------------------------------------ the run

export async function runFuzz(opts: { inputs: number; seed: number; log?: (t: string) => void; targets?: Target[] }): Promise<FuzzSummary> {
  installAllocSpy();
  const log = opts.log ?? (() => undefined);
  const targets = opts.targets ?? (await allTargets());
  const partners = [...targets.flatMap((t) => t.seeds), ...allFixtureBytes()];
  const random = rng(opts.seed);
  const started = performance.now();
  const summary: FuzzSummary = { inputs: 0, seconds: 0, perTarget: {}, findings: [], heapGrowthBytes: 0 };
  const heapBefore = process.memoryUsage().heapUsed;
  const per = Math.ceil(opts.inputs / targets.length);
  for (const target of targets) {
    const stats = { inputs: 0, seeds: target.seeds.length, slowestMs: 0, maxAllocBytes: 0, findings: 0 };
    summary.perTarget[target.name] = stats;
    for (let i = 0; i < per; i++) {
      // The seeds themselves first, then mutations (and now and then pure random bytes).
      const seed = target.seeds.length ? target.seeds[i % target.seeds.length]! : Buffer.alloc(0);
      const input = i < target.seeds.length ? seed : mutate(seed, partners[Math.floor(random() * partners.length)] ?? seed, random);
      allocWatch = { max: 0 };
      // Also watched: ArrayBuffer memory (any typed array or Buffer, however allocated) grown during the decode.
      const externalBefore = process.memoryUsage().arrayBuffers;
      const t0 = performance.now();
      let problem: string | undefined;
      try {
        problem = target.run(input);
        allocWatch.max = Math.max(allocWatch.max, process.memoryUsage().arrayBuffers - externalBefore);
      } catch (err) {
        problem = err instanceof StoreError ? undefined : `threw ${(err as Error).stack ?? String(err)}`;
      }
      const ms = performance.now() - t0;
      stats.inputs++;
      summary.inputs++;
      stats.slowestMs = Math.max(stats.slowestMs, ms);
      stats.maxAllocBytes = Math.max(stats.maxAllocBytes, allocWatch.max);
      // Scanning may copy the input (keys, a window); anything far beyond its size means a length field was trusted.
      if (!problem && allocWatch.max > 4 * input.length + 1024 * 1024) problem = `allocated ${allocWatch.max} bytes for a ${input.length}-byte input`;
      if (problem) {
        stats.findings++;
        if (summary.findings.length < 50) summary.findings.push({ target: target.name, problem: problem.slice(0, 2000), inputBase64: input.subarray(0, 4096).toString('base64'), size: input.length });
        log(`FINDING ${target.name}: ${problem.split('\n')[0]}`);
      }
    }
    log(`${target.name}: ${stats.inputs} inputs, ${stats.findings} findings, slowest ${stats.slowestMs.toFixed(1)} ms`);
  }
  summary.seconds = Math.round((performance.now() - started) / 100) / 10;
  summary.heapGrowthBytes = process.memoryUsage().heapUsed - heapBefore;
  return summary;
}

/**
 * The scanner's resynchronisation probes every offset after damage, and checks
 * the CRC of every plausible header that fits in the file: a crafted segment
 * with a plausible header (bad CRC, length up to the end of the file) every 22
 * bytes costs time quadratic in its size. Returns ms per size, for the report.
 */
export function resyncWorstCase(sizes: number[]): Array<{ bytes: number; ms: number }> {
  return sizes.map((n) => {
    const b = Buffer.alloc(n);
    encodeSegmentHeader({ flags: 0, segmentId: 1, sequenceFloor: 0 }).copy(b, 0);
    for (let at = 24; at + 22 <= n; at += 22) {
      b[at + 4] = 1;
      b.writeUInt32LE(0, at + 14);
      b.writeUInt32LE(Math.min(n - at - 22, 64 * 1024 * 1024), at + 18);
    }
    const t0 = performance.now();
    for (const _ of scanRecords(memorySource(b))) void _;
    return { bytes: n, ms: Math.round(performance.now() - t0) };
  });
}
