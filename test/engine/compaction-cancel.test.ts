/**
 * A compaction that stops before its commit (cancelled) leaves the directory
 * as it found it: the active segment it sealed is the active one again (its
 * hint gone, as an active segment has none), and the segment it started for
 * the writes meanwhile goes while it is empty. It used to leave an empty
 * segment (24 bytes) and a hint behind each time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store, type StoreOptions } from '../../src/engine/store.js';
import { AbortedError } from '../../src/engine/errors.js';
import { SEGMENT_HEADER } from '../../src/engine/native/layout.js';
import { cleanTempDirs, dataFiles, hashDir, tempDir } from './helpers.js';

afterEach(cleanTempDirs);

/** Overwrites and deletes over a few keys on small segments; the model of what is live. */
async function churned(dir: string, options: StoreOptions = {}): Promise<{ store: Store; model: Map<string, string> }> {
  const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 512, ...options });
  const model = new Map<string, string>();
  for (let i = 0; i < 200; i++) {
    const k = `key-${(i * 7) % 23}`;
    if (i % 5 === 4) {
      await store.delete(k);
      model.delete(k);
    } else {
      await store.put(k, `value-${i}`);
      model.set(k, `value-${i}`);
    }
  }
  return { store, model };
}

async function expectLive(store: Store, model: Map<string, string>): Promise<void> {
  expect([...store.sortedKeys()]).toEqual([...model.keys()].sort());
  for (const [k, v] of model) expect((await store.get(k))?.toString(), k).toBe(v);
}

describe('a cancelled compaction', () => {
  for (const when of ['before it starts', 'after writing its outputs'] as const) {
    it(`${when}: the directory is as it was, byte for byte, and the store goes on`, async () => {
      const dir = tempDir() + '/s';
      const controller = new AbortController();
      const { store, model } = await churned(dir, {
        compactionHooks: { afterStep: (step) => (when === 'after writing its outputs' && step === 'outputs-written' ? controller.abort() : undefined) },
      });
      // The active segment holds records: compaction seals it (and starts a new one) before it begins.
      expect(store.stats().perSegment.find((s) => s.active)!.bytes).toBeGreaterThan(SEGMENT_HEADER.size);
      const before = hashDir(dir);
      if (when === 'before it starts') controller.abort();
      await expect(store.compact({ signal: controller.signal })).rejects.toBeInstanceOf(AbortedError);
      expect(hashDir(dir)).toEqual(before);

      // Writes go on in the segment that was active; the close writes its hint; a later compaction works.
      await store.put('after', 'cancel');
      model.set('after', 'cancel');
      await expectLive(store, model);
      await store.close();
      expect(dataFiles(dir)).toEqual(Object.keys(before).filter((n) => n.endsWith('.data')));
      fs.rmSync(path.join(dir, 'KEYDIR'), { force: true });
      const again = await Store.open(dir, { readOnly: true });
      expect(again.recovery.hintFallbacks).toEqual([]);
      await expectLive(again, model);
      await again.close();
      const writer = await Store.open(dir);
      await writer.compact();
      await expectLive(writer, model);
      await writer.close();
    });
  }

  it('with a write meanwhile: the segment that holds it stays', async () => {
    const dir = tempDir() + '/s';
    const controller = new AbortController();
    let store: Store | undefined;
    const opened = await churned(dir, {
      compactionHooks: {
        afterStep: (step) => {
          if (step !== 'outputs-written') return;
          void store!.put('during', 'compaction');
          controller.abort();
        },
      },
    });
    store = opened.store;
    const filesBefore = dataFiles(dir);
    await expect(store.compact({ signal: controller.signal })).rejects.toBeInstanceOf(AbortedError);
    opened.model.set('during', 'compaction');
    const filesAfter = dataFiles(dir);
    expect(filesAfter.slice(0, filesBefore.length)).toEqual(filesBefore);
    expect(filesAfter).toHaveLength(filesBefore.length + 1);
    await expectLive(store, opened.model);
    await store.close();
    const again = await Store.open(dir, { readOnly: true });
    await expectLive(again, opened.model);
    await again.close();
  });
});
