/**
 * A segment the store wrote and sealed gets its hint from entries gathered
 * while writing; that hint must be byte for byte the one a scan of the
 * sealed segment builds (the scan is what open falls back to, and what a
 * segment reopened for appending still uses).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { buildHintBytes } from '../../src/engine/hints.js';
import { realFs } from '../../src/engine/fs.js';
import { rng } from '../../bench/rng.js';
import { cleanTempDirs, tempDir } from './helpers.js';

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

  it('a segment reopened for appending is not gathered from its middle: its hint still matches a scan', async () => {
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
