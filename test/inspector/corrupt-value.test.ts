/**
 * A key whose live record fails its checksum: getValue says where (file and
 * offset, as details), and history still lists every version, the damaged
 * one as corrupt, so an older good version can be found and restored.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { InspectorService } from '../../src/inspector/service.js';
import { textToKeyString } from '../../src/shared/keytext.js';
import { rejection } from './rejection.js';

const base = mkdtempSync(join(tmpdir(), 'kvscope-corrupt-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

it('a corrupt live record: getValue names file and offset, history lists it as corrupt after the good versions', async () => {
  const dir = join(base, 'store');
  const store = await Store.open(dir, { create: true, fsync: 'never' });
  await store.put('k', 'first good value');
  await store.put('other', 'x');
  await store.put('k', 'second value, to be damaged');
  const live = store.locate('k')!;
  await store.close();

  // Flip a byte of the live record's value.
  const fd = openSync(join(dir, live.file), 'r+');
  const at = live.offset + live.length - 3;
  const byte = Buffer.alloc(1);
  readSync(fd, byte, 0, 1, at);
  writeSync(fd, Buffer.from([byte[0]! ^ 0xff]), 0, 1, at);
  closeSync(fd);

  const service = new InspectorService({ opener: createEngineOpener(), configDir: join(base, 'config') });
  try {
    const { sessionId } = await service.openStore({ path: dir });
    const key = textToKeyString('k');
    const err = await rejection(service.dispatch('getValue', { sessionId, key }));
    expect(err).toMatchObject({ code: 'CORRUPT', details: { file: live.file, offset: live.offset } });

    const { versions } = await service.history({ sessionId, key });
    expect(versions.map((v) => [v.location.sequence, v.status])).toEqual([
      [versions[0]!.location.sequence, 'shadowed'],
      [live.sequence, 'corrupt'],
    ]);
    expect(versions[1]).toMatchObject({ kind: 'put', valueLength: 'second value, to be damaged'.length, location: { file: live.file, offset: live.offset } });
    const old = await service.recordValue({ sessionId, file: versions[0]!.location.file, offset: versions[0]!.location.offset });
    expect(Buffer.from(old.base64, 'base64').toString()).toBe('first good value');
  } finally {
    await service.close();
  }
});
