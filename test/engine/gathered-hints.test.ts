/**
 * A segment the store wrote and sealed gets its hint from entries gathered
 * while writing; that hint must be byte for byte the one a scan of the
 * sealed segment builds (the scan is what open falls back to). A clean close
 * writes the active segment's hint the same way, so the next open reads no
 * segment whole; a writer reopening that segment deletes the hint before it
 * appends, and gathers on from what its replay read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { buildHintBytes } from '../../src/engine/hints.js';
import { realFs } from '../../src/engine/fs.js';
import { encodeRecord } from '../../src/engine/native/codec.js';
import { FLAG_BATCH_FIRST, FLAG_IN_BATCH, RECORD_PUT, SEGMENT_HEADER } from '../../src/engine/native/layout.js';
import { rng } from '../../bench/rng.js';
import { cleanTempDirs, copyDir, countingFs, tempDir } from './helpers.js';

afterEach(cleanTempDirs);

async function scannedHint(dir: string, hintName: string): Promise<Buffer> {
  const id = Number(hintName.slice(0, 6));
  const fd = fs.openSync(path.join(dir, `${hintName.slice(0, 6)}.data`), 'r');
  try {
    return await buildHintBytes(realFs, id, fd, fs.fstatSync(fd).size);
  } finally {
    fs.closeSync(fd);
  }
}

/** Every hint in dir equals a scan of its segment; a read-only open reads only segment headers and finds the live data. */
async function expectWholeHints(dir: string, live: Map<string, string>): Promise<void> {
  const hints = fs.readdirSync(dir).filter((n) => n.endsWith('.hint'));
  const data = fs.readdirSync(dir).filter((n) => n.endsWith('.data'));
  expect(hints.map((h) => h.slice(0, 6))).toEqual(data.map((d) => d.slice(0, 6)));
  for (const name of hints) expect(fs.readFileSync(path.join(dir, name)).equals(await scannedHint(dir, name)), name).toBe(true);
  const { efs, bytesReadFrom } = countingFs();
  const store = await Store.open(dir, { readOnly: true, fs: efs });
  expect(store.recovery.hintFallbacks).toEqual([]);
  expect(bytesReadFrom((name) => name.endsWith('.data'))).toBe(data.length * SEGMENT_HEADER.size);
  expect([...store.sortedKeys()]).toEqual([...live.keys()].sort());
  for (const [k, v] of live) expect((await store.get(k))?.toString(), k).toBe(v);
  await store.close();
}

async function writeSome(store: Store, live: Map<string, string>, prefix: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const key = `${prefix}${i % 37}`;
    if (i % 11 === 10) {
      await store.delete(key);
      live.delete(key);
    } else if (i % 13 === 12) {
      const ops = [0, 1, 2].map((j) => ({ type: 'put' as const, key: `${key}/${j}`, value: `batch ${i} ${j}` }));
      await store.batch(ops);
      for (const op of ops) live.set(op.key, op.value);
    } else {
      await store.put(key, `${prefix} value ${i}`);
      live.set(key, `${prefix} value ${i}`);
    }
  }
}

/** A new store (default segment size: one segment) with `n` writes from writeSome, closed cleanly. */
async function closedStore(n: number): Promise<{ dir: string; live: Map<string, string> }> {
  const dir = tempDir();
  const live = new Map<string, string>();
  const store = await Store.open(dir, { create: true, fsync: 'never' });
  await writeSome(store, live, 'a', n);
  await store.close();
  return { dir, live };
}

describe("the active segment's hint, written on a clean close", () => {
  it('is the hint a scan builds, and the next open reads it instead of the segment', async () => {
    const { dir, live } = await closedStore(2000);
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.hint'))).toEqual(['000001.hint']);
    await expectWholeHints(dir, live);
  });

  // How the segment reopened for appending was replayed: from its hint, from its records (the writer that
  // closed it crashed), or from its records where the fast walk gives way to the scanner (an unfinished batch
  // followed by a committed record).
  for (const replayed of ['from its hint', 'from its records', 'through the scanner'] as const) {
    it(`a writer reopening it (replayed ${replayed}) deletes it before appending and writes it whole on close`, async () => {
      const { dir, live } = await closedStore(500);
      if (replayed !== 'from its hint') fs.rmSync(path.join(dir, '000001.hint'));
      if (replayed === 'through the scanner') {
        const next = 10_000;
        const tail = Buffer.concat([
          encodeRecord(RECORD_PUT, FLAG_IN_BATCH | FLAG_BATCH_FIRST, next, Buffer.from('orphan/0'), Buffer.from('never committed')),
          encodeRecord(RECORD_PUT, FLAG_IN_BATCH, next + 1, Buffer.from('orphan/1'), Buffer.from('never committed')),
          encodeRecord(RECORD_PUT, 0, next + 2, Buffer.from('after-orphans'), Buffer.from('committed')),
        ]);
        fs.appendFileSync(path.join(dir, '000001.data'), tail);
        live.set('after-orphans', 'committed');
      }

      const store = await Store.open(dir, { fsync: 'never' });
      if (replayed === 'through the scanner') expect(store.recovery.skipped.map((p) => p.kind)).toEqual(['incomplete-batch']);
      // Deleted before the first append: a crash from here on must not leave a hint describing fewer records.
      expect(fs.existsSync(path.join(dir, '000001.hint'))).toBe(false);
      await writeSome(store, live, 'b', 500);
      const crashed = tempDir();
      copyDir(dir, crashed);
      await store.close();

      await expectWholeHints(dir, live);
      // The copy taken before close is what a crash leaves: no hint for the active segment, and the same data.
      expect(fs.readdirSync(crashed).filter((n) => n.endsWith('.hint'))).toEqual([]);
      const recovered = await Store.open(crashed, { readOnly: true });
      expect([...recovered.sortedKeys()]).toEqual([...live.keys()].sort());
      await recovered.close();
    });
  }

  it('a read-only open, and a writer that only reads, leave the same bytes behind', async () => {
    const { dir } = await closedStore(300);
    const before = fs.readFileSync(path.join(dir, '000001.hint'));
    let store = await Store.open(dir, { readOnly: true });
    await store.close();
    expect(fs.readFileSync(path.join(dir, '000001.hint')).equals(before)).toBe(true);
    store = await Store.open(dir, { fsync: 'never' });
    await store.close();
    expect(fs.readFileSync(path.join(dir, '000001.hint')).equals(before)).toBe(true);
  });
});

describe('hints gathered while writing', () => {
  it('equal, byte for byte, the hints a scan of each sealed segment builds', async () => {
    const dir = tempDir();
    const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 4096 });
    const rand = rng(3);
    const live = new Map<string, string>();
    for (let step = 0; step < 1500; step++) {
      const key = `k${Math.floor(rand() * 300)}`;
      const r = rand();
      if (r < 0.15) {
        await store.delete(key);
        live.delete(key);
      } else if (r < 0.3) {
        const ops = Array.from({ length: 2 + Math.floor(rand() * 6) }, (_, i) => ({ type: 'put' as const, key: `${key}-${i}`, value: `batch ${step} ${i}` }));
        await store.batch(ops);
        for (const op of ops) live.set(op.key, op.value);
      } else {
        const value = 'v'.repeat(Math.floor(rand() * 200)) + step;
        await store.put(key, value);
        live.set(key, value);
      }
    }
    expect(await store.flushBackground()).toEqual([]);
    await store.close();

    const hints = fs.readdirSync(dir).filter((n) => n.endsWith('.hint'));
    expect(hints.length).toBeGreaterThan(20);
    for (const name of hints) expect(fs.readFileSync(path.join(dir, name)).equals(await scannedHint(dir, name)), name).toBe(true);

    const reopened = await Store.open(dir, { readOnly: true });
    expect(reopened.recovery.hintFallbacks).toEqual([]);
    expect([...reopened.sortedKeys()]).toEqual([...live.keys()].sort());
    for (const [k, v] of live) expect((await reopened.get(k))?.toString()).toBe(v);
    await reopened.close();
  });

  it('a segment reopened for appending and then sealed: its hint still matches a scan', async () => {
    const dir = tempDir();
    let store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 4096 });
    for (let i = 0; i < 10; i++) await store.put(`a${i}`, 'x'.repeat(100));
    await store.close();
    store = await Store.open(dir, { fsync: 'never', segmentSize: 4096 });
    for (let i = 0; i < 60; i++) await store.put(`b${i}`, 'y'.repeat(100));
    expect(await store.flushBackground()).toEqual([]);
    await store.close();
    const hints = fs.readdirSync(dir).filter((n) => n.endsWith('.hint'));
    expect(hints).toContain('000001.hint');
    for (const name of hints) expect(fs.readFileSync(path.join(dir, name)).equals(await scannedHint(dir, name)), name).toBe(true);
  });
});
