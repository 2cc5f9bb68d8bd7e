/**
 * What an open from hints does off its own thread: the hint files read on
 * the thread pool one ahead of the one being inserted (HintReadAhead over
 * EngineFs.readFile), and the keydir's fresh memory zeroed there first
 * (prefault over Keydir.untouchedMemory). Each must change nothing an open
 * finds: the same hints, the same reasons to fall back, the same keys.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { realFs, type EngineFs } from '../../src/engine/fs.js';
import { HintReadAhead, loadHint } from '../../src/engine/hints.js';
import { Keydir } from '../../src/engine/keydir.js';
import { hintFileName } from '../../src/engine/native/files.js';
import { prefault, PREFAULT_MIN_BYTES } from '../../src/engine/prefault.js';
import { Store } from '../../src/engine/store.js';
import { cleanTempDirs, hashDir, removeKeydirImage, tempDir } from './helpers.js';

afterAll(cleanTempDirs);

/** A store of several sealed segments, each with its hint, closed (its keydir image removed, so opens replay hints). */
async function storeWithHints(): Promise<{ dir: string; ids: number[]; keys: Map<string, string> }> {
  const dir = tempDir();
  const store = await Store.open(dir, { create: true, segmentSize: 4096 });
  const keys = new Map<string, string>();
  for (let i = 0; i < 300; i++) {
    const key = `key:${i % 120}`;
    const value = `value ${i} `.repeat(3);
    await store.put(key, value);
    keys.set(key, value);
  }
  await store.delete('key:7');
  keys.delete('key:7');
  await store.close();
  removeKeydirImage(dir);
  const ids = fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.hint'))
    .map((n) => Number.parseInt(n, 10))
    .sort((a, b) => a - b);
  return { dir, ids, keys };
}

function sizeOfData(dir: string, id: number): number {
  return fs.statSync(path.join(dir, hintFileName(id).replace('.hint', '.data'))).size;
}

describe('EngineFs.readFile', () => {
  it('reads a whole file, an empty one, and fails for a missing one', async () => {
    const dir = tempDir();
    const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i * 7));
    fs.writeFileSync(path.join(dir, 'f'), bytes);
    fs.writeFileSync(path.join(dir, 'empty'), '');
    expect((await realFs.readFile(path.join(dir, 'f'))).equals(bytes)).toBe(true);
    expect((await realFs.readFile(path.join(dir, 'empty'))).length).toBe(0);
    await expect(realFs.readFile(path.join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
  });

  it('reads while the calling thread is busy: no step of it waits for that thread', async () => {
    // What a read ahead is for: the next hint file comes in while this thread inserts the current one's keys.
    const dir = tempDir();
    const file = path.join(dir, 'f');
    const before = Buffer.alloc(1024 * 1024, 0x5a);
    fs.writeFileSync(file, before);
    // Another thread rewrites the file half a second after it is told to, and says when it has.
    const rewritten = new Int32Array(new SharedArrayBuffer(4));
    const rewriter = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const fs = require('node:fs');
       parentPort.once('message', () => {
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
         fs.writeFileSync(workerData.file, Buffer.alloc(1024 * 1024, 0xa5));
         Atomics.store(workerData.rewritten, 0, 1);
         Atomics.notify(workerData.rewritten, 0);
       });`,
      { eval: true, workerData: { file, rewritten } },
    );
    await new Promise((resolve) => rewriter.once('online', resolve));
    rewriter.postMessage('go');
    const reading = realFs.readFile(file);
    // This thread blocked until the file is rewritten, as in a long insert loop: none of its callbacks run.
    expect(Atomics.wait(rewritten, 0, 0, 10_000)).toBe('ok');
    // The read was done meanwhile, on the thread pool: the bytes from before. Had it waited for this
    // thread to open and size the file first, it would read them only now, rewritten.
    expect((await reading).equals(before)).toBe(true);
    await rewriter.terminate();
  });
});

describe('HintReadAhead', () => {
  it('loads each hint as loadHint does, and starts reading the next one only once the one asked for is in', async () => {
    const { dir, ids } = await storeWithHints();
    expect(ids.length).toBeGreaterThanOrEqual(3);
    const events: string[] = [];
    const efs: EngineFs = {
      ...realFs,
      readFile: async (p) => {
        events.push(`start ${path.basename(p)}`);
        const bytes = await realFs.readFile(p);
        events.push(`done ${path.basename(p)}`);
        return bytes;
      },
    };
    const ahead = new HintReadAhead(efs, dir, ids.map((id) => ({ id, hint: hintFileName(id) })));
    expect(events).toEqual([`start ${hintFileName(ids[0]!)}`]);
    for (const id of ids) {
      const loaded = await ahead.load(id, sizeOfData(dir, id));
      const direct = loadHint(realFs, dir, id, sizeOfData(dir, id));
      expect(loaded.ok && direct.ok).toBe(true);
      if (loaded.ok && direct.ok) {
        expect(loaded.bytes.equals(direct.bytes)).toBe(true);
        expect(loaded.entryCount).toBe(direct.entryCount);
      }
    }
    // One read at a time, each hint read once, in order: never two on the thread pool together.
    expect(events).toEqual(ids.flatMap((id) => [`start ${hintFileName(id)}`, `done ${hintFileName(id)}`]));
  });

  it('gives the reason a hint cannot be used: missing, stale, damaged', async () => {
    const { dir, ids } = await storeWithHints();
    const [a, b, c] = ids as [number, number, number];
    fs.rmSync(path.join(dir, hintFileName(a)));
    const hintB = path.join(dir, hintFileName(b));
    const damaged = fs.readFileSync(hintB);
    damaged[40]! ^= 0xff;
    fs.writeFileSync(hintB, damaged);
    const ahead = new HintReadAhead(realFs, dir, [a, b, c].map((id) => ({ id, hint: hintFileName(id) })));
    const missing = await ahead.load(a, sizeOfData(dir, a));
    expect(missing).toMatchObject({ ok: false, reason: expect.stringMatching(new RegExp(`^${hintFileName(a)}: .*ENOENT`)) });
    expect(await ahead.load(b, sizeOfData(dir, b))).toMatchObject({ ok: false, reason: expect.stringContaining('checksum') });
    expect(await ahead.load(c, sizeOfData(dir, c) + 1)).toMatchObject({ ok: false, reason: expect.stringContaining('stale') });
  });

  it('lets an open whose hint vanished after the listing fall back to the data and find every key', async () => {
    const { dir, ids, keys } = await storeWithHints();
    const gone = hintFileName(ids[1]!);
    const efs: EngineFs = {
      ...realFs,
      readFile: (p) => {
        if (path.basename(p) === gone) fs.rmSync(p, { force: true });
        return realFs.readFile(p);
      },
    };
    const store = await Store.open(dir, { readOnly: true, fs: efs });
    try {
      expect(store.recovery.hintFallbacks).toEqual([expect.stringMatching(new RegExp(`^${gone}: .*ENOENT`))]);
      expect(store.keyCount()).toBe(keys.size);
      for (const [key, value] of keys) expect((await store.get(key))?.toString()).toBe(value);
    } finally {
      await store.close();
    }
  });
});

describe('prefault', () => {
  it('writes zeros over views of at least PREFAULT_MIN_BYTES, and leaves smaller ones alone', async () => {
    const big = new Uint8Array(PREFAULT_MIN_BYTES + 4097).fill(0xa5);
    const bigger = new Uint8Array(2 * PREFAULT_MIN_BYTES).fill(0x5a);
    const small = new Uint8Array(PREFAULT_MIN_BYTES - 1).fill(0xa5);
    await prefault([big, small, bigger]);
    if (fs.existsSync('/dev/zero')) {
      expect(big.every((x) => x === 0)).toBe(true);
      expect(bigger.every((x) => x === 0)).toBe(true);
    }
    expect(small.every((x) => x === 0xa5)).toBe(true);
  });
});

describe('Keydir.untouchedMemory', () => {
  it('covers none of the keydir in use: zeroed, every key is still found, and inserts go on', () => {
    const keydir = new Keydir();
    const key = (i: number) => Buffer.from(`k${i}:${'x'.repeat(i % 23)}`, 'latin1');
    for (let i = 0; i < 5000; i++) keydir.setIfNewerBytes(key(i), 0, key(i).length, 1, i * 10, 10, i + 1);
    keydir.reserve(200_000, 200_000 * 30);
    const views = keydir.untouchedMemory();
    // The table holds entries, so it is not offered; the columns' and the arena's free tails are.
    expect(views.length).toBe(2);
    expect(views.reduce((n, v) => n + v.length, 0)).toBeGreaterThan(200_000 * 30);
    for (const v of views) v.fill(0);
    for (let i = 0; i < 5000; i++) expect(keydir.slotOfBytes(key(i), 0, key(i).length)).toBeGreaterThanOrEqual(0);
    for (let i = 5000; i < 20_000; i++) keydir.setIfNewerBytes(key(i), 0, key(i).length, 2, i * 10, 10, i + 1);
    for (let i = 0; i < 20_000; i++) {
      const slot = keydir.slotOfBytes(key(i), 0, key(i).length);
      expect(keydir.offsetAt(slot)).toBe(i * 10);
    }
  });

  it('offers the table too while the keydir is empty, as an open finds it', () => {
    const keydir = new Keydir();
    keydir.reserve(100_000, 100_000 * 16);
    const views = keydir.untouchedMemory();
    expect(views.length).toBe(3);
    for (const v of views) v.fill(0);
    keydir.setIfNewerBytes(Buffer.from('a'), 0, 1, 1, 24, 30, 1);
    expect(keydir.get('a')).toEqual({ segment: 1, offset: 24, length: 30, sequence: 1 });
  });
});

describe('an open from hints', () => {
  it('finds the same keys, and changes no byte of the directory', async () => {
    const { dir, keys } = await storeWithHints();
    const before = hashDir(dir);
    const store = await Store.open(dir, { readOnly: true });
    try {
      expect(store.recovery.hintFallbacks).toEqual([]);
      expect(store.keyCount()).toBe(keys.size);
      for (const [key, value] of keys) expect((await store.get(key))?.toString()).toBe(value);
    } finally {
      await store.close();
    }
    expect(hashDir(dir)).toEqual(before);
  });
});
