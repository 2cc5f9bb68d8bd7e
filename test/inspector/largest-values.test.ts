/**
 * The service's largestValues: the N largest live values of the keys the key list shows (its filter applied),
 * each with its record's bytes (what the key tree sums) and where the record is; it follows overwrites and
 * deletes, and refuses a bad glob as the key list does.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { InspectorService } from '../../src/inspector/service.js';
import { tempDirs } from '../formats/helpers.js';
import { rejection } from './rejection.js';

const temps = tempDirs();

it('lists the largest live values of the filtered keys, with their records, after writes too', async () => {
  const dir = join(temps.empty('kvscope-largest-'), 'store');
  const store = await Store.open(dir, { create: true, fsync: 'never' });
  for (let i = 0; i < 60; i++) await store.put(`${i % 2 ? 'img' : 'txt'}:${i}`, 'v'.repeat((i * 53) % 400));
  await store.close();
  const service = new InspectorService({ opener: createEngineOpener(), configDir: join(temps.empty('kvscope-largest-config-'), 'config') });
  try {
    const { sessionId } = await service.openStore({ path: dir, readWrite: true });
    const expected = async (prefix: string, n: number) => {
      const sizes = [];
      for (let i = 0; i < 60; i++) {
        const key = `${i % 2 ? 'img' : 'txt'}:${i}`;
        if (!key.startsWith(prefix)) continue;
        const history = await service.history({ sessionId, key });
        const live = history.versions.find((v) => v.status === 'live');
        if (live) sizes.push({ key, bytes: live.location.length, file: live.location.file, offset: live.location.offset });
      }
      return sizes.sort((a, b) => b.bytes - a.bytes || (a.key < b.key ? -1 : 1)).slice(0, n);
    };
    const shown = (answer: Awaited<ReturnType<InspectorService['largestValues']>>) =>
      answer.values.map((v) => ({ key: v.key, bytes: v.bytes, file: v.location.file, offset: v.location.offset }));

    const all = await service.largestValues({ sessionId, limit: 7 });
    expect(all.total).toBe(60);
    expect(shown(all)).toEqual(await expected('', 7));
    const img = await service.largestValues({ sessionId, limit: 5, filter: { mode: 'prefix', pattern: 'img:' } });
    expect(img.total).toBe(30);
    expect(shown(img)).toEqual(await expected('img:', 5));
    expect(img.values[0]!.display).toBe(img.values[0]!.key);

    // An overwrite makes a small value the largest; a delete takes the largest away.
    await service.putValue({ sessionId, key: 'txt:0', valueBase64: Buffer.alloc(2000, 1).toString('base64') });
    const after = await service.largestValues({ sessionId, limit: 3 });
    expect(after.values[0]!.key).toBe('txt:0');
    await service.deleteKey({ sessionId, key: 'txt:0' });
    expect(shown(await service.largestValues({ sessionId, limit: 7 }))).toEqual(await expected('', 7));

    expect((await rejection(service.dispatch('largestValues', { sessionId, limit: 5, filter: { mode: 'glob', pattern: '[' } }))).code).toBe('BAD_REQUEST');
  } finally {
    await service.close();
  }
});
