/**
 * Compaction: dead records go, live data stays exactly; writes during a
 * compaction survive; cancelling leaves the store as it was; a crash after
 * each protocol step (simulated by snapshotting the directory in the hook and
 * throwing) recovers to the same live data, read-only without changing a
 * byte; compactionPlan() predicts compact(); auto-compaction.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Store, type StoreOptions } from '../../src/engine/store.js';
import type { BatchOp } from '../../src/engine/types.js';
import { buildHintBytes } from '../../src/engine/hints.js';
import { fileSource } from '../../src/engine/native/byte-source.js';
import { committedRecords, scanRecords } from '../../src/engine/native/scan.js';
import { decodeSegmentHeader } from '../../src/engine/native/codec.js';
import { SEGMENT_FLAG_COMPACTED, SEGMENT_HEADER } from '../../src/engine/native/layout.js';
import { AbortedError, CorruptRecordError } from '../../src/engine/errors.js';
import { realFs, type EngineFs } from '../../src/engine/fs.js';
import type { CompactionStep } from '../../src/engine/compaction.js';
import { nativeFormat } from '../../src/engine/formats/native.js';
import { statsThroughKeydirImage } from '../../src/engine/image-stats.js';
import { cleanTempDirs, copyDir, dataFiles, hashDir, latin1, pathAwareFs, tempDir } from './helpers.js';

afterEach(cleanTempDirs);

type Model = Map<string, string>;

async function expectLive(store: Store, model: Model): Promise<void> {
  expect([...store.sortedKeys()]).toEqual([...model.keys()].sort());
  for (const [k, v] of model) expect((await store.get(k))?.toString(), k).toBe(v);
}

/** Count valid put / tombstone records in the data files, with our own decoder run. */
function recordsOnDisk(dir: string): { puts: number; tombstones: number; keys: string[] } {
  let puts = 0;
  let tombstones = 0;
  const keys: string[] = [];
  for (const name of dataFiles(dir)) {
    const bytes = fs.readFileSync(path.join(dir, name));
    for (const r of nativeFormat.decodeFile({ name, role: 'data', id: Number(name.slice(0, 6)), size: bytes.length }, bytes)) {
      if (r.status !== 'valid' || r.kind === 'header') continue;
      if (r.kind === 'put') puts++;
      else if (r.kind === 'delete') tombstones++;
      keys.push(latin1(r.key!));
    }
  }
  return { puts, tombstones, keys };
}

/** A churned store: overwrites and deletes over few keys on small segments. */
async function churn(dir: string, options: StoreOptions = {}, rounds = 200): Promise<{ store: Store; model: Model }> {
  const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: rounds > 1000 ? 32 * 1024 : 512, ...options });
  const model: Model = new Map();
  for (let i = 0; i < rounds; i++) {
    const k = `key-${(i * 7) % 23}`;
    if (i % 5 === 4) {
      await store.delete(k);
      model.delete(k);
    } else {
      const v = `v${i}-${'x'.repeat(i % 17)}`;
      await store.put(k, v);
      model.set(k, v);
    }
  }
  return { store, model };
}

/** Whether a data file's header says compaction wrote it. */
function isCompacted(file: string): boolean {
  const header = decodeSegmentHeader(fs.readFileSync(file).subarray(0, SEGMENT_HEADER.size));
  return header.ok && (header.header.flags & SEGMENT_FLAG_COMPACTED) !== 0;
}

function leftovers(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => n.endsWith('.compacting') || n.endsWith('.tmp') || n === 'COMPACTION');
}

describe('compaction', () => {
  it('drops dead records and keeps the live data exactly', async () => {
    const dir = tempDir() + '/s';
    const { store, model } = await churn(dir);
    const before = recordsOnDisk(dir);
    expect(before.tombstones).toBeGreaterThan(0);
    const result = await store.compact();
    await expectLive(store, model);
    const after = recordsOnDisk(dir);
    expect(after.tombstones).toBe(0);
    expect(after.puts).toBe(model.size);
    expect(after.keys.sort()).toEqual([...model.keys()].sort());
    expect(result.recordsDropped).toBe(before.puts + before.tombstones - model.size);
    expect(result.reclaimedBytes).toBeGreaterThan(0);
    expect(leftovers(dir)).toEqual([]);
    for (const k of model.keys()) expect((await store.history(k)).map((v) => v.status)).toEqual(['live']);
    expect((await store.verify()).problems).toEqual([]);
    await store.close();
    const again = await Store.open(dir);
    await expectLive(again, model);
    expect(again.recovery.hintFallbacks).toEqual([]);
    await again.close();
  });

  it('copies runs of live batch records across read windows: batch flags cleared, values exact, hints as a scan builds them', async () => {
    const dir = tempDir() + '/s';
    // Sealed segments over twice the walk's 4 MiB window (so that a new window overwrites the whole last one), written in batches (every record carries
    // batch flags); then every third key overwritten and every seventh deleted, so that the live
    // records lie in runs of a few, and runs are pending when the walk reads its next window.
    const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 9 * 1024 * 1024 });
    const model: Model = new Map();
    const value = (i: number, round: number) => `${round}:${i}:${'v'.repeat(350 + (i % 50))}`;
    const n = 50_000;
    for (let at = 0; at < n; at += 1000) {
      const ops = [];
      for (let i = at; i < at + 1000; i++) ops.push({ type: 'put' as const, key: `key-${i}`, value: value(i, 0) });
      await store.batch(ops);
      for (const op of ops) model.set(op.key, op.value);
    }
    for (let at = 0; at < n; at += 3000) {
      const ops: BatchOp[] = [];
      for (let i = at; i < at + 3000; i++) {
        if (i % 7 === 0) ops.push({ type: 'delete', key: `key-${i}` });
        else if (i % 3 === 0) ops.push({ type: 'put', key: `key-${i}`, value: value(i, 1) });
      }
      await store.batch(ops);
      for (const op of ops) {
        if (op.type === 'delete') model.delete(latin1(Buffer.from(op.key)));
        else model.set(latin1(Buffer.from(op.key)), String(op.value));
      }
    }
    const inputs = dataFiles(dir);
    const result = await store.compact();
    expect(result.segmentsBefore).toBeGreaterThanOrEqual(2);
    await expectLive(store, model);
    expect((await store.verify()).problems).toEqual([]);
    const outputs = dataFiles(dir).filter((name) => !inputs.includes(name) && isCompacted(path.join(dir, name)));
    expect(outputs.length).toBeGreaterThan(0);
    let copied = 0;
    for (const name of outputs) {
      const file = path.join(dir, name);
      const fd = fs.openSync(file, 'r');
      try {
        const size = fs.fstatSync(fd).size;
        for (const ev of committedRecords(scanRecords(fileSource(realFs, fd, size)))) {
          expect(ev.kind, `${name}@${'offset' in ev ? ev.offset : '?'}`).toBe('record');
          if (ev.kind === 'record') {
            expect(ev.header.flags, `${name}@${ev.offset}`).toBe(0);
            copied++;
          }
        }
        // The hint compaction wrote (with the keydir's key hashes) is the one a scan of the output builds.
        const hint = fs.readFileSync(path.join(dir, name.replace('.data', '.hint')));
        expect(hint.equals(await buildHintBytes(realFs, Number(name.slice(0, 6)), fd, size)), name).toBe(true);
      } finally {
        fs.closeSync(fd);
      }
    }
    expect(copied).toBeGreaterThan(15_000);
    await store.close();
    const again = await Store.open(dir, { readOnly: true });
    await expectLive(again, model);
    await again.close();
  });

  it('outputs finished mid-walk are made durable on the thread pool before the manifest; a failed fdatasync there fails the compaction and changes nothing', async () => {
    const dir = tempDir() + '/s';
    let started = 0;
    let finished = 0;
    let failOutputs = true;
    const efs = pathAwareFs((pathOf) => ({
      fdatasync: async (fd) => {
        started++;
        try {
          if (failOutputs && pathOf(fd)?.endsWith('.data.compacting')) throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
          await realFs.fdatasync(fd);
        } finally {
          finished++;
        }
      },
    }));
    let unfinishedAtManifest = -1;
    // 300 live keys of ~40-byte records over 1 KiB segments, each written twice: compaction writes ~12 outputs.
    const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 1024, fs: efs, compactionHooks: { afterStep: (step) => void (step === 'outputs-written' && (unfinishedAtManifest = started - finished)) } });
    const model: Model = new Map();
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 300; i++) {
        await store.put(`key-${i}`, `value ${round}.${i}`);
        model.set(`key-${i}`, `value ${round}.${i}`);
      }
    }
    const files = dataFiles(dir);
    await expect(store.compact()).rejects.toMatchObject({ code: 'EIO' });
    expect(started).toBeGreaterThan(0);
    expect(leftovers(dir)).toEqual([]);
    for (const f of files) expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
    await expectLive(store, model);
    failOutputs = false;
    started = finished = 0;
    const result = await store.compact();
    expect(result.outputSegments.length).toBeGreaterThan(5);
    // Every output but the last went through the thread pool (data and hint), all done before the manifest.
    expect(started).toBe(2 * (result.outputSegments.length - 1));
    expect(unfinishedAtManifest).toBe(0);
    await expectLive(store, model);
    expect((await store.verify()).problems).toEqual([]);
    await store.close();
  });

  it('compactionPlan() figures match what compact() then does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 128, max: 2048 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 12 }), fc.option(fc.integer({ min: 0, max: 300 }), { freq: 5 })), { minLength: 1, maxLength: 80 }),
        async (segmentSize, ops) => {
          const dir = tempDir() + '/s';
          const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize });
          const model: Model = new Map();
          for (const [k, len] of ops) {
            if (len === null) {
              await store.delete(`k${k}`);
              model.delete(`k${k}`);
            } else {
              await store.put(`k${k}`, 'v'.repeat(len));
              model.set(`k${k}`, 'v'.repeat(len));
            }
            // Asked after every write: a plan kept from before a write must not be the one given after it.
            store.compactionPlan();
          }
          for (let round = 0; round < 2; round++) {
            const plan = store.compactionPlan();
            const result = await store.compact();
            expect(result.inputSegments).toEqual(plan.inputSegments);
            expect(result.recordsDropped).toBe(plan.recordsToDrop);
            expect(result.reclaimedBytes).toBe(plan.bytesToReclaim);
            await expectLive(store, model);
            // Again after the compaction, with one more write.
            await store.put('k0', 'after');
            model.set('k0', 'after');
          }
          await store.close();
        },
      ),
      { numRuns: 60 },
    );
  });

  it('writes made during a compaction survive it and a reopen', async () => {
    const dir = tempDir() + '/s';
    const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 64 * 1024 });
    const model: Model = new Map();
    // Enough data that compaction gives the event loop many turns (it yields every few ms).
    for (let i = 0; i < 60000; i++) {
      const k = `key-${i % 6000}`;
      const v = `value ${i} `.padEnd(200, '.');
      await store.put(k, v);
      model.set(k, v);
    }
    let finished = false;
    const running = store.compact().finally(() => {
      finished = true;
    });
    let writes = 0;
    while (!finished) {
      const k = `key-${(writes * 13) % 7000}`;
      if (writes % 3 === 2) {
        await store.delete(k);
        model.delete(k);
      } else {
        await store.put(k, `during ${writes}`);
        model.set(k, `during ${writes}`);
      }
      writes++;
      await tick();
    }
    await running;
    // Writes really did land between compaction's steps.
    expect(writes).toBeGreaterThan(5);
    await expectLive(store, model);
    await store.close();
    const again = await Store.open(dir);
    await expectLive(again, model);
    await again.compact();
    await expectLive(again, model);
    await again.close();
  });

  it('writes made between the protocol steps survive (overwrite, delete and new keys)', async () => {
    for (const step of ['outputs-written', 'manifest-committed', 'outputs-renamed', 'inputs-deleted'] as CompactionStep[]) {
      const dir = tempDir() + '/s';
      const model: Model = new Map();
      let store: Store | undefined;
      const pending: Array<Promise<unknown>> = [];
      store = await Store.open(dir, {
        create: true,
        fsync: 'always',
        segmentSize: 256,
        compactionHooks: {
          afterStep(s) {
            if (s !== step) return;
            // The synchronous part of each write runs right here, inside the compaction.
            pending.push(store!.put('key-1', 'overwritten'), store!.delete('key-2'), store!.put('brand-new', 'new'));
            model.set('key-1', 'overwritten');
            model.delete('key-2');
            model.set('brand-new', 'new');
          },
        },
      });
      for (let i = 0; i < 40; i++) {
        await store.put(`key-${i % 8}`, `value ${i}`);
        model.set(`key-${i % 8}`, `value ${i}`);
      }
      await store.compact();
      await Promise.all(pending);
      await expectLive(store, model);
      await store.close();
      const again = await Store.open(dir);
      await expectLive(again, model);
      await again.compact();
      await again.close();
      const third = await Store.open(dir, { readOnly: true });
      await expectLive(third, model);
      expect((await third.verify()).problems).toEqual([]);
      await third.close();
    }
  });

  it('a live record damaged since it was indexed stops the compaction: nothing moved or deleted, the damage still there', async () => {
    const dir = tempDir() + '/s';
    const { store, model } = await churn(dir);
    await store.close();
    // Damage one live record of a sealed segment; its hint still lists it, so the open indexes it unread.
    const reopened = await Store.open(dir);
    const located = [...model.keys()].map((k) => [k, reopened.locate(k)!] as const);
    const newest = Math.max(...located.map(([, l]) => l.segment));
    const victim = located.find(([, l]) => l.segment < newest)!;
    await reopened.close();
    const file = path.join(dir, victim[1].file);
    const bytes = fs.readFileSync(file);
    bytes[victim[1].offset + victim[1].length - 1]! ^= 0xff;
    fs.writeFileSync(file, bytes);
    const store2 = await Store.open(dir);
    const inputs = Object.fromEntries(dataFiles(dir).map((f) => [f, fs.readFileSync(path.join(dir, f))]));
    const err = await store2.compact().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptRecordError);
    expect((err as Error).message).toContain(`${victim[1].file} at offset ${victim[1].offset}`);
    expect((err as Error).message).toContain(victim[0]);
    expect(leftovers(dir)).toEqual([]);
    // Every input is still there, byte for byte (compaction may have sealed the active segment first).
    for (const [f, b] of Object.entries(inputs)) expect(fs.readFileSync(path.join(dir, f)).equals(b), f).toBe(true);
    const others = new Map([...model].filter(([k]) => k !== victim[0]));
    for (const [k, v] of others) expect((await store2.get(k))?.toString(), k).toBe(v);
    await expect(store2.get(victim[0])).rejects.toBeInstanceOf(CorruptRecordError);
    await store2.close();
    const again = await Store.open(dir);
    expect((await again.verify()).problems.some((p) => p.kind === 'bad-crc' && p.file === victim[1].file && p.offset === victim[1].offset)).toBe(true);
    expect(again.recovery.hintFallbacks.filter((h) => h.startsWith('KEYDIR'))).toEqual([]);
    expect([...again.sortedKeys()]).toEqual([...model.keys()].sort());
    await again.close();
  });

  it('damaged bytes in its inputs (a bad record, a damaged segment header) stop it before it starts', async () => {
    for (const damage of ['record', 'header'] as const) {
      const dir = tempDir() + '/s';
      const { store, model } = await churn(dir);
      await store.close();
      const victim = dataFiles(dir)[1]!;
      const file = path.join(dir, victim);
      const bytes = fs.readFileSync(file);
      // A byte inside the first record's key, or the segment header's magic.
      bytes[damage === 'record' ? SEGMENT_HEADER.size + 22 : 0]! ^= 0xff;
      fs.writeFileSync(file, bytes);
      for (const f of fs.readdirSync(dir)) if (f.endsWith('.hint') || f === 'KEYDIR') fs.rmSync(path.join(dir, f)); // so the open reads the data
      const store2 = await Store.open(dir);
      const before = Object.fromEntries(dataFiles(dir).map((f) => [f, fs.readFileSync(path.join(dir, f))]));
      const err = await store2.compact().catch((e: unknown) => e);
      expect(err, damage).toBeInstanceOf(CorruptRecordError);
      expect((err as Error).message).toContain(victim);
      expect((err as Error).message).toMatch(/did not start/);
      expect(dataFiles(dir)).toEqual(Object.keys(before));
      for (const [f, b] of Object.entries(before)) expect(fs.readFileSync(path.join(dir, f)).equals(b), f).toBe(true);
      expect(store2.compactionPlan().recordsToDrop).toBeGreaterThan(0);
      for (const [k, v] of model) if (store2.locate(k)?.file !== victim) expect((await store2.get(k))?.toString(), k).toBe(v);
      await store2.close();
    }
  });

  it('a second compaction in a row drops nothing and rewrites nothing; reopening for writing adds no empty segment', async () => {
    const dir = tempDir() + '/s';
    const { store, model } = await churn(dir);
    const first = await store.compact();
    expect(first.recordsDropped).toBeGreaterThan(0);
    // The segment the compaction started for writes is empty, and named as such (never an input).
    expect(store.compactionPlan()).toEqual({ inputSegments: [], recordsToDrop: 0, bytesToReclaim: 0, emptyActive: store.activeFile });
    const files = fs.readdirSync(dir).sort();
    const second = await store.compact();
    expect(second).toMatchObject({ inputSegments: [], outputSegments: [], recordsDropped: 0, reclaimedBytes: 0 });
    expect(fs.readdirSync(dir).sort()).toEqual(files);
    await store.close();
    const filesAfterClose = dataFiles(dir);
    for (let round = 0; round < 3; round++) {
      const again = await Store.open(dir);
      expect((await again.compact()).inputSegments).toEqual([]);
      await again.close();
      expect(dataFiles(dir)).toEqual(filesAfterClose);
    }
    const ro = await Store.open(dir, { readOnly: true });
    expect(ro.compactionPlan().inputSegments).toEqual([]);
    await ro.close();
    // A write after all this goes into the segment the last writer had, and compaction has work again only once there is some.
    const writer = await Store.open(dir);
    const overwritten = [...model.keys()][0]!;
    await writer.put(overwritten, 'overwritten');
    model.set(overwritten, 'overwritten');
    expect(dataFiles(writer.dir)).toEqual(filesAfterClose);
    expect((await writer.compact()).recordsDropped).toBe(1);
    await expectLive(writer, model);
    await writer.close();
  });

  it('the segment a writer appends to after a compaction gets its hint at close, taken over from the image or not', async () => {
    for (const withImage of [true, false]) {
      const dir = tempDir() + '/s';
      const { store } = await churn(dir);
      await store.compact();
      await store.close();
      if (!withImage) fs.rmSync(path.join(dir, 'KEYDIR'));
      const writer = await Store.open(dir);
      await writer.put('after', 'compaction');
      await writer.close();
      const hints = new Set(fs.readdirSync(dir).filter((n) => n.endsWith('.hint')).map((n) => n.replace('.hint', '.data')));
      expect(dataFiles(dir).filter((f) => !hints.has(f)), `image ${withImage}`).toEqual([]);
      fs.rmSync(path.join(dir, 'KEYDIR'));
      const again = await Store.open(dir, { readOnly: true });
      expect(again.recovery.hintFallbacks).toEqual([]);
      expect((await again.get('after'))?.toString()).toBe('compaction');
      await again.close();
    }
  });

  it('cancelling via AbortSignal leaves the store intact', async () => {
    // Aborted before it starts, at the end of writing outputs, and while copying records.
    for (const when of ['before', 'outputs-written', 'progress'] as const) {
      const dir = tempDir() + '/s';
      const controller = new AbortController();
      // Progress is reported once per 8 ms slice of work: a compaction of this small store can finish
      // within one, so in the 'progress' case each of its reads takes 10 ms, and a report must come.
      let slowReads = false;
      const slowFs: EngineFs = {
        ...realFs,
        readSync: (fd, buf, off, len, pos) => {
          if (slowReads) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
          return realFs.readSync(fd, buf, off, len, pos);
        },
      };
      const { store, model } = await churn(dir, {
        fs: slowFs,
        compactionHooks: { afterStep: (s) => (when === 'outputs-written' && s === 'outputs-written' ? controller.abort() : undefined) },
      }, when === 'progress' ? 20000 : 200);
      if (when === 'before') controller.abort();
      slowReads = when === 'progress';
      const files = dataFiles(dir);
      await expect(
        store.compact({
          signal: controller.signal,
          onProgress: () => {
            if (when === 'progress') controller.abort();
          },
        }),
      ).rejects.toBeInstanceOf(AbortedError);
      slowReads = false;
      expect(leftovers(dir), when).toEqual([]);
      // The inputs are all still there (compaction may have sealed the active segment first).
      for (const f of files) expect(fs.existsSync(path.join(dir, f)), `${when} ${f}`).toBe(true);
      await expectLive(store, model);
      // Still writable, and a later compaction works.
      await store.put('after', 'cancel');
      model.set('after', 'cancel');
      await store.compact();
      await expectLive(store, model);
      await store.close();
      const again = await Store.open(dir);
      await expectLive(again, model);
      await again.close();
    }
  });

  describe('a crash after each step recovers to the same live data', () => {
    const steps: Array<[CompactionStep, 'rolled-back' | 'rolled-forward']> = [
      ['outputs-written', 'rolled-back'],
      ['manifest-committed', 'rolled-forward'],
      ['outputs-renamed', 'rolled-forward'],
      ['inputs-deleted', 'rolled-forward'],
    ];
    for (const [step, outcome] of steps) {
      it(`crash after ${step}: ${outcome}`, async () => {
        const dir = tempDir() + '/s';
        const crashed = tempDir() + '/crashed';
        const { store, model } = await churn(dir, {
          compactionHooks: {
            afterStep(s) {
              if (s !== step) return;
              copyDir(dir, crashed); // the directory as a crash here would leave it
              throw new Error(`simulated crash after ${s}`);
            },
          },
        });
        await expect(store.compact()).rejects.toThrow(/simulated crash/);
        await store.close();
        expect(fs.readdirSync(crashed).some((n) => n.endsWith('.compacting') || n === 'COMPACTION'), 'the snapshot is mid-compaction').toBe(true);
        expect(fs.existsSync(path.join(crashed, 'COMPACTION'))).toBe(outcome === 'rolled-forward');

        // Read-only: same data, not a byte changed.
        const before = hashDir(crashed);
        const ro = await Store.open(crashed, { readOnly: true });
        await expectLive(ro, model);
        // The record-level tools read the files the open read: verify finds nothing wrong, the file list
        // (segments, records, the inspector) is the open's segments, committed outputs still named *.compacting.
        const read = ro.stats().perSegment.map((s) => s.file);
        expect(read.some((f) => f.endsWith('.compacting'))).toBe(step === 'manifest-committed');
        expect(nativeFormat.listFiles(crashed).filter((f) => f.role === 'data').map((f) => f.name)).toEqual(read);
        const listedHints = nativeFormat.listFiles(crashed).filter((f) => f.role === 'hint').map((f) => f.name);
        expect(listedHints.every((h) => read.includes(h.replace('.hint', '.data'))), `hints ${listedHints} of segments ${read}`).toBe(true);
        // Every sealed segment's hint was used, the outputs' *.hint.compacting included.
        expect(ro.recovery.hintFallbacks).toEqual([]);
        expect((await ro.verify()).problems).toEqual([]);
        await ro.close();
        expect(hashDir(crashed)).toEqual(before);

        // For writing: finished or rolled back, nothing left over, same data.
        const rw = await Store.open(crashed);
        expect(rw.recovery.compactionRecovered).toBe(outcome);
        expect(leftovers(crashed)).toEqual([]);
        await expectLive(rw, model);
        expect((await rw.verify()).problems).toEqual([]);
        await rw.put('after', 'crash');
        await rw.close();
        const again = await Store.open(crashed, { readOnly: true });
        await expectLive(again, new Map([...model, ['after', 'crash']]));
        await again.close();

        // The store that "crashed" in-process also reopens to the same data.
        const orig = await Store.open(dir);
        await expectLive(orig, model);
        expect(leftovers(dir)).toEqual([]);
        await orig.close();
      });
    }
  });

  it('an unreadable COMPACTION beside the outputs is rolled back whole at once: the manifest and the *.compacting files go, the data stays', async () => {
    const dir = tempDir() + '/s';
    const crashed = tempDir() + '/crashed';
    const { store, model } = await churn(dir, {
      compactionHooks: {
        afterStep(s) {
          if (s !== 'outputs-written') return;
          copyDir(dir, crashed);
          throw new Error('simulated crash after outputs-written');
        },
      },
    });
    await expect(store.compact()).rejects.toThrow(/simulated crash/);
    await store.close();
    // A manifest that is not whole JSON (its bytes damaged on disk): it cannot be the commit.
    fs.writeFileSync(path.join(crashed, 'COMPACTION'), '{"version":1,"inp');
    expect(fs.readdirSync(crashed).some((n) => n.endsWith('.compacting'))).toBe(true);

    const rw = await Store.open(crashed);
    expect(rw.recovery.compactionRecovered).toBe('rolled-back');
    expect(leftovers(crashed)).toEqual([]);
    await expectLive(rw, model);
    expect((await rw.verify()).problems).toEqual([]);
    await rw.close();
  });

  it('compact() and verify() called while another compaction runs wait for it instead of failing', async () => {
    const dir = tempDir() + '/s';
    const { store, model } = await churn(dir, {}, 20000);
    const first = store.compact();
    const second = store.compact(); // e.g. the user's, while an automatic one runs
    const report = store.verify();
    const [, r2, rep] = await Promise.all([first, second, report]);
    expect(rep.problems).toEqual([]);
    expect(r2.recordsDropped).toBe(0);
    await expectLive(store, model);
    await store.close();
  });

  it('auto-compaction keeps dead space bounded and the data exact', async () => {
    const run = async (autoCompactRatio: number | undefined): Promise<number> => {
      const dir = tempDir() + '/s';
      const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 1024, ...(autoCompactRatio !== undefined ? { autoCompactRatio } : {}) });
      const model: Model = new Map();
      for (let i = 0; i < 600; i++) {
        const k = `k${i % 5}`;
        await store.put(k, `value number ${i}`);
        model.set(k, `value number ${i}`);
        if (i % 50 === 0) await tick();
      }
      await store.close();
      const again = await Store.open(dir);
      await expectLive(again, model);
      expect((await again.verify()).problems).toEqual([]);
      const s = again.stats();
      await again.close();
      return s.totalBytes;
    };
    const without = await run(undefined);
    const withAuto = await run(0.5);
    expect(withAuto).toBeLessThan(without / 4);
  });

  it('auto-compaction stopped by damage is not tried again after every write', async () => {
    const dir = tempDir() + '/s';
    const first = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 1024 });
    for (let i = 0; i < 100; i++) await first.put(`k${i}`, `value number ${i}`);
    const victim = first.locate('k0')!;
    await first.close();
    // A live record damaged under its hint: the open does not see it, compaction's walk does.
    const file = path.join(dir, victim.file);
    const bytes = fs.readFileSync(file);
    bytes[victim.offset + victim.length - 1]! ^= 0xff;
    fs.writeFileSync(file, bytes);
    let walks = 0;
    const countingFs: EngineFs = {
      ...realFs,
      readSync: (fd, buf, off, len, pos) => {
        if (len >= 64 * 1024) walks++; // the walks' window reads; point reads are smaller
        return realFs.readSync(fd, buf, off, len, pos);
      },
    };
    const store = await Store.open(dir, { fsync: 'never', segmentSize: 1024, autoCompactRatio: 0.3, fs: countingFs, cacheWorker: false });
    for (let i = 0; i < 300; i++) {
      await store.put(`k${1 + (i % 5)}`, `overwritten ${i}`);
      if (i % 10 === 0) await tick();
    }
    await tick();
    const errors = await store.flushBackground();
    expect(errors.filter((e) => e instanceof CorruptRecordError)).toHaveLength(1);
    expect(walks).toBeLessThan(40);
    await store.close();
  });
});

describe('compaction result figures', () => {
  it('counts the segments before as they were, not with the empty one the compaction starts for new writes', async () => {
    const dir = tempDir();
    const store = await Store.open(dir, { create: true, segmentSize: 2048, fsync: 'never' });
    for (let i = 0; i < 200; i++) await store.put(`key-${i % 50}`, `value ${i} ${'.'.repeat(i % 20)}`);
    const seen = store.stats().segments;
    expect(dataFiles(dir)).toHaveLength(seen);
    const result = await store.compact();
    expect(result.segmentsBefore).toBe(seen);
    expect(result.segmentsAfter).toBe(store.stats().segments);
    expect(result.segmentsAfter).toBe(dataFiles(dir).length);
    expect(result.reclaimedBytes).toBe(result.bytesBefore - result.bytesAfter);
    await store.close();
  });
});

describe('dead bytes', () => {
  it('are the records compaction drops: none in a store of live keys, though its segments have headers', async () => {
    const dir = tempDir();
    const store = await Store.open(dir, { create: true, segmentSize: 2048, fsync: 'never' });
    for (let i = 0; i < 100; i++) await store.put(`key-${i}`, `value ${i}`);
    const fresh = store.stats();
    expect(fresh.segments).toBeGreaterThan(1);
    expect(fresh.deadBytes).toBe(0);
    expect(store.compactionPlan().bytesToReclaim).toBe(0);
    for (let i = 0; i < 100; i += 2) await store.put(`key-${i}`, `again ${i}`);
    await store.delete('key-1');
    const s = store.stats();
    expect(s.deadBytes).toBe(s.perSegment.reduce((n, p) => n + p.staleBytes + p.tombstoneBytes + p.corruptBytes, 0));
    expect(s.deadBytes).toBeGreaterThan(0);
    expect(s.totalBytes).toBe(s.liveBytes + s.deadBytes + s.segments * SEGMENT_HEADER.size);
    await store.close();
    // The same from the keydir image (kvscope stats without an open).
    expect(statsThroughKeydirImage(dir)!.deadBytes).toBe(s.deadBytes);
  });
});
