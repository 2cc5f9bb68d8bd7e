/**
 * Repair writes a copy that holds exactly the valid records: compared with a
 * model that replays every write except the damaged ones.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { repairStore } from '../../src/engine/repair.js';
import { encodeSegmentHeader } from '../../src/engine/native/codec.js';
import type { RecordLocation } from '../../src/engine/types.js';
import { cleanTempDirs, hashDir, tempDir } from './helpers.js';
import { SHARED_DIR } from '../shared-dir.js';

afterEach(cleanTempDirs);

type Op = { type: 'put'; key: string; value: string } | { type: 'delete'; key: string };

/** Deterministic ops: overwrites and deletes across several small segments. */
function ops(): Op[] {
  const out: Op[] = [{ type: 'put', key: 'solo', value: 'written once, first' }];
  for (let i = 0; i < 120; i++) out.push({ type: 'put', key: `k${i % 40}`, value: `v${i}-${'x'.repeat(i % 17)}` });
  for (let i = 0; i < 40; i += 7) out.push({ type: 'delete', key: `k${i}` });
  for (let i = 0; i < 10; i++) out.push({ type: 'put', key: `late${i}`, value: `L${i}` });
  return out;
}

/** Write the ops, remembering where each one landed. */
async function build(dir: string): Promise<{ op: Op; loc: RecordLocation }[]> {
  const store = await Store.open(dir, { create: true, segmentSize: 1024, fsync: 'never' });
  const written: { op: Op; loc: RecordLocation }[] = [];
  for (const op of ops()) {
    if (op.type === 'put') await store.put(op.key, op.value);
    else await store.delete(op.key);
    const h = await store.history(op.key);
    written.push({ op, loc: h[h.length - 1]!.location });
  }
  await store.close();
  return written;
}

function model(written: { op: Op }[], skip: Set<number>): Map<string, string> {
  const m = new Map<string, string>();
  written.forEach(({ op }, i) => {
    if (skip.has(i)) return;
    if (op.type === 'put') m.set(op.key, op.value);
    else m.delete(op.key);
  });
  return m;
}

async function contents(dir: string): Promise<Map<string, string>> {
  const store = await Store.open(dir, { readOnly: true });
  const m = new Map<string, string>();
  for (const k of store.sortedKeys()) m.set(k, (await store.get(Buffer.from(k, 'latin1')))!.toString());
  await store.close();
  return m;
}

function flip(dir: string, loc: RecordLocation, at: number): void {
  const fd = openSync(join(dir, loc.file), 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, loc.offset + at);
  b[0] = b[0]! ^ 0x5a;
  writeSync(fd, b, 0, 1, loc.offset + at);
  closeSync(fd);
}

describe('repairStore (native)', () => {
  it('copies an undamaged store exactly and changes nothing in the source', async () => {
    const dir = tempDir();
    const written = await build(dir);
    const before = hashDir(dir);
    const to = join(tempDir(), 'copy');
    const report = await repairStore(dir, to);
    expect(report).toMatchObject({ method: 'replay', lostRegions: [], lostBytes: 0, lostRecords: 0 });
    expect(await contents(to)).toEqual(model(written, new Set()));
    expect(hashDir(dir)).toEqual(before);
  });

  it('salvages exactly the valid records around bad CRCs, a damaged header field and a torn tail', async () => {
    const dir = tempDir();
    const written = await build(dir);
    // Damage: the newest put of k3 (a value byte), an older put of k5 (its sequence), a put whose key is later deleted.
    const lastPut = (key: string) => written.findLastIndex((w) => w.op.type === 'put' && w.op.key === key);
    const damaged = [lastPut('k3'), written.findIndex((w) => w.op.type === 'put' && w.op.key === 'k5'), lastPut('k14')];
    flip(dir, written[damaged[0]!]!.loc, 22 + 2 + 3);
    flip(dir, written[damaged[1]!]!.loc, 7);
    flip(dir, written[damaged[2]!]!.loc, 0);
    // Torn tail: cut the last record of the newest segment in half.
    const last = written[written.length - 1]!;
    truncateSync(join(dir, last.loc.file), last.loc.offset + Math.floor(last.loc.length / 2));
    const skip = new Set([...damaged, written.length - 1]);
    const before = hashDir(dir);

    const to = join(tempDir(), 'repaired');
    const report = await repairStore(dir, to);
    expect(await contents(to)).toEqual(model(written, skip));
    // What was lost, with file and offset.
    const regions = report.lostRegions.map((r) => `${r.file}@${r.offset}`).sort();
    expect(regions).toEqual([...skip].map((i) => `${written[i]!.loc.file}@${written[i]!.loc.offset}`).sort());
    expect(report.lostRegions.find((r) => r.offset === last.loc.offset)!.reason).toMatch(/torn/);
    expect(report.lostBytes).toBe(report.lostRegions.reduce((n, r) => n + r.length, 0));
    // Every other record was written again (tombstones of keys already gone are not needed).
    expect(report.recordsWritten).toBeGreaterThanOrEqual(written.length - skip.size - 6);
    expect(hashDir(dir)).toEqual(before);
  });

  it('says a newest segment whose creation was cut short is removed (it held no record), not a damaged region', async () => {
    const dir = tempDir();
    const written = await build(dir);
    const ids = readdirSync(dir).flatMap((n) => (/^\d+\.data$/.test(n) ? [Number(n.slice(0, -5))] : []));
    const id = Math.max(...ids) + 1;
    const name = `${String(id).padStart(6, '0')}.data`;
    // A writer killed while creating the segment it rotated to: nothing of it written yet, or part of its header.
    for (const bytes of [Buffer.alloc(0), encodeSegmentHeader({ flags: 0, segmentId: id, sequenceFloor: 0 }).subarray(0, 10)]) {
      writeFileSync(join(dir, name), bytes);
      const before = hashDir(dir);
      const to = join(tempDir(), 'copy');
      const report = await repairStore(dir, to);
      expect(report).toMatchObject({ lostRegions: [], lostBytes: 0, lostRecords: 0, lostKeyCount: 0 });
      expect(report.removedFiles).toEqual([{ file: name, length: bytes.length, reason: expect.stringContaining('its creation was cut short') }]);
      expect(await contents(to)).toEqual(model(written, new Set()));
      expect(existsSync(join(to, name))).toBe(false);
      expect(hashDir(dir)).toEqual(before);
    }
    // An older segment that short was damaged after it was written: its records are lost, and said so.
    writeFileSync(join(dir, name), encodeSegmentHeader({ flags: 0, segmentId: id, sequenceFloor: 0 }));
    truncateSync(join(dir, '000001.data'), 0);
    const report = await repairStore(dir, join(tempDir(), 'copy'));
    expect(report.removedFiles).toEqual([]);
    expect(report.lostRegions.map((r) => `${r.file}@${r.offset}`)).toEqual(['000001.data@0']);
  });

  it('names the keys the damaged store listed that the copy lacks', async () => {
    const dir = tempDir();
    const written = await build(dir);
    // solo's only version, in a sealed segment whose hint still lists it.
    const solo = written.find((w) => w.op.key === 'solo')!;
    expect(solo.loc.file).not.toBe(written.at(-1)!.loc.file);
    expect(existsSync(join(dir, solo.loc.file.replace('.data', '.hint')))).toBe(true);
    flip(dir, solo.loc, solo.loc.length - 1);
    const report = await repairStore(dir, join(tempDir(), 'copy'));
    expect(report.keysBefore).toBe(model(written, new Set()).size);
    expect(report.lostKeys).toEqual(['solo']);
    expect(report.lostKeyCount).toBe(1);
  });

  it('keeps the history of surviving keys, in order', async () => {
    const dir = tempDir();
    await build(dir);
    const to = join(tempDir(), 'copy');
    await repairStore(dir, to);
    const a = await Store.open(dir, { readOnly: true });
    const b = await Store.open(to, { readOnly: true });
    const kinds = async (s: Store, k: string) => (await s.history(k)).map((v) => `${v.kind}:${v.valueLength}`);
    expect(await kinds(b, 'k1')).toEqual(await kinds(a, 'k1'));
    await a.close();
    await b.close();
  });

  it('refuses a target that is not empty or overlaps the source', async () => {
    const dir = tempDir();
    await build(dir);
    const full = tempDir();
    writeFileSync(join(full, 'x'), 'x');
    await expect(repairStore(dir, full)).rejects.toThrow(/not empty/);
    await expect(repairStore(dir, join(dir, 'inside'))).rejects.toThrow(/outside/);
    await expect(repairStore(dir, dir)).rejects.toThrow(/outside/);
    expect(existsSync(join(dir, 'inside'))).toBe(false);
    const empty = tempDir();
    mkdirSync(join(empty, 'ok'));
    await expect(repairStore(dir, join(empty, 'ok'))).resolves.toMatchObject({ method: 'replay' });
  });
});

describe('repairStore (foreign)', () => {
  const riak = `${SHARED_DIR}/fixtures/riak-bitcask/basic`;
  it.skipIf(!existsSync(riak))('imports the live keys of a foreign directory into a native store and says so', async () => {
    const live = JSON.parse(readFileSync(join(riak, 'expected.json'), 'utf8')).live as Record<string, string | { base64: string }>;
    const to = join(tempDir(), 'riak-copy');
    const report = await repairStore(join(riak, 'data'), to);
    expect(report.method).toBe('live-import');
    expect(report.format).toBe('riak-bitcask');
    expect(report.notes.join(' ')).toMatch(/live keys were imported/);
    const store = await Store.open(to, { readOnly: true });
    expect(store.keyCount()).toBe(Object.keys(live).length);
    for (const [k, v] of Object.entries(live)) {
      const got = await store.get(k);
      expect(typeof v === 'string' ? got!.toString('utf8') : got!.toString('base64'), k).toBe(typeof v === 'string' ? v : v.base64);
    }
    await store.close();
  });
});
