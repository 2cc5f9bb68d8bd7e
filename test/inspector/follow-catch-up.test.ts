/**
 * Follow mode: what another process writes reaches the keys and statistics,
 * not only the follow-changes event. The writer here is `kvscope set`, which
 * opens the store, appends and closes (close writes hints and a keydir image).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { InspectorService } from '../../src/inspector/service.js';
import type { KvscopeEvent } from '../../src/shared/contract.js';
import { textToKeyString } from '../../src/shared/keytext.js';

const ROOT = resolve(import.meta.dirname, '../..');
const base = mkdtempSync(join(tmpdir(), 'kvscope-follow-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const run = promisify(execFile);
/** `kvscope --dir DIR set KEY VALUE` in another process, from the sources. */
function cliSet(dir: string, key: string, value: string) {
  return run(process.execPath, [join(ROOT, 'bin/kvscope.js'), '--dir', dir, 'set', key, value], { cwd: ROOT });
}

it('writes by other processes reach keys, key count and stats while following', async () => {
  const dir = join(base, 'store');
  const store = await Store.open(dir, { create: true, fsync: 'never' });
  for (let i = 0; i < 50; i++) await store.put(`pre:${i}`, 'x');
  await store.close();

  const service = new InspectorService({ opener: createEngineOpener(), configDir: join(base, 'config') });
  const events: KvscopeEvent[] = [];
  service.onEvent((e) => events.push(e));
  try {
    const { sessionId } = await service.openStore({ path: dir });
    await service.follow({ sessionId, enabled: true });
    for (let i = 1; i <= 4; i++) {
      await cliSet(dir, `post${i}`, 'b');
      const key = textToKeyString(`post${i}`);
      await expect.poll(() => events.some((e) => e.type === 'follow-changes' && e.changes.some((c) => c.key === key)), { timeout: 5000 }).toBe(true);
      // Once the change is announced, every view of the store must already include it.
      const last = events.filter((e) => e.type === 'follow-changes').at(-1)!;
      expect(last.type === 'follow-changes' && last.keyCount).toBe(50 + i);
      expect((await service.stats({ sessionId })).keys).toBe(50 + i);
      const listed = await service.listKeys({ sessionId, filter: { mode: 'prefix', pattern: 'post' }, offset: 0, limit: 100 });
      expect(listed.total).toBe(i);
      expect((await service.getValue({ sessionId, key })).found).toBe(true);
    }
  } finally {
    await service.close();
  }
});
