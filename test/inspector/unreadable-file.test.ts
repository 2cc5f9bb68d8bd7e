/**
 * A segment that is listed but cannot be read (here a symbolic link to
 * nothing): the open warns, and the Segments view lists it as a row that
 * says why instead of leaving it out; its hint and the other segments are
 * shown as usual. Nothing in the directory changes.
 */
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { InspectorService } from '../../src/inspector/service.js';

/** Every name in dir with its bytes, or a link's target (hashDir would follow the link). */
function listing(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .map((n) => `${n} ${lstatSync(join(dir, n)).isSymbolicLink() ? `-> ${readlinkSync(join(dir, n))}` : readFileSync(join(dir, n)).toString('base64')}`);
}

const base = mkdtempSync(join(tmpdir(), 'kvscope-unreadable-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

it('the Segments view lists a segment that cannot be read, saying why', async () => {
  const dir = join(base, 'store');
  let store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 100 });
  for (const k of ['a', 'b', 'c']) await store.put(k, k.repeat(60));
  const broken = store.locate('b')!.file;
  await store.close();
  rmSync(join(dir, broken));
  symlinkSync('/nonexistent/segment', join(dir, broken));
  const before = listing(dir);

  const service = new InspectorService({ opener: createEngineOpener(), configDir: join(base, 'config') });
  try {
    const session = await service.openStore({ path: dir });
    expect(session.warnings.join('\n')).toContain(`skipped unreadable in ${broken}`);
    const { files } = await service.segments({ sessionId: session.sessionId });
    const row = files.find((f) => f.file === broken);
    expect(row).toMatchObject({ role: 'data', records: 0, bytes: 0, unreadable: 'a symbolic link to /nonexistent/segment, which does not exist' });
    // The others are read as usual, and carry no such mark.
    const readable = files.filter((f) => f.role === 'data' && f.file !== broken);
    expect(readable.length).toBeGreaterThan(1);
    for (const f of readable) expect(f.unreadable).toBeUndefined();
    expect(readable.reduce((n, f) => n + f.records, 0)).toBe(2);
  } finally {
    await service.close();
  }
  expect(listing(dir)).toEqual(before);
});
