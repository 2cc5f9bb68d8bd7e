/**
 * The inspector's statistics carry the engine's figures as they are: segment
 * headers apart from dead bytes, where the figures come from (hints and the
 * keydir image do not see damage since), and damage at which a compaction
 * would stop.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { InspectorService } from '../../src/inspector/service.js';
import { flipByte } from '../engine/helpers.js';

const base = mkdtempSync(join(tmpdir(), 'kvscope-stats-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

async function storeOfLiveKeys(dir: string): Promise<{ file: string; offset: number; length: number }> {
  const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 300 });
  for (let i = 0; i < 20; i++) await store.put(`key-${i}`, `value-${i}`);
  const victim = store.locate('key-3')!;
  await store.close();
  return victim;
}

it('headers are overhead, not dead; figures from the keydir image say so; damage the open saw stops the plan', async () => {
  const service = new InspectorService({ opener: createEngineOpener(), configDir: join(base, 'config') });
  try {
    const clean = join(base, 'clean');
    await storeOfLiveKeys(clean);
    const a = await service.stats({ sessionId: (await service.openStore({ path: clean })).sessionId });
    const segments = readdirSync(clean).filter((n) => n.endsWith('.data')).length;
    expect(a.deadBytes).toBe(0);
    expect(a.overheadBytes).toBe(24 * segments);
    expect(a.spaceAmplification).toBe(1);
    expect(a.figuresFrom).toBe('index');
    expect(a.compactionPlan?.stops).toBeUndefined();

    // Damage in a sealed segment, read from its records (no hints, no image): the plan names it.
    const damaged = join(base, 'damaged');
    const victim = await storeOfLiveKeys(damaged);
    for (const n of readdirSync(damaged)) if (n.endsWith('.hint') || n === 'KEYDIR') rmSync(join(damaged, n));
    flipByte(join(damaged, victim.file), victim.offset + victim.length - 2);
    const b = await service.stats({ sessionId: (await service.openStore({ path: damaged })).sessionId });
    expect(b.figuresFrom).toBe('records');
    expect(b.compactionPlan?.stops).toMatchObject({ file: victim.file, starts: false });
  } finally {
    await service.close();
  }
});
