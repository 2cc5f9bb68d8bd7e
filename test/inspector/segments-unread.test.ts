/**
 * mini-kvstore-v2 b22e80f stops reading a segment at a record with a bad CRC: the records after it are 'unread'
 * (history and the record table said so), but `kvscope segments` and the inspector's segments view counted their
 * bytes as stale and tombstones (segment_1.log: stale 72 B, tombstones 34 B with a value byte of "café" flipped).
 * They are now counted apart, as unread bytes, the same in the CLI and the inspector.
 */
import { cpSync, chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openForeign } from '../../src/engine/foreign-store.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { InspectorService } from '../../src/inspector/service.js';
import { FIXTURES, kvscope, walk } from '../formats/helpers.js';

const FIXTURE = `${FIXTURES}/mini-kvstore-v2/legacy-b22e80f-crc/data`;

describe.runIf(existsSync(FIXTURE))('records the program never reads, after a bad CRC it stops at', () => {
  const base = mkdtempSync(join(tmpdir(), 'kvscope-unread-'));
  const dir = join(base, 'data');
  beforeAll(() => {
    cpSync(FIXTURE, dir, { recursive: true });
    // The fixture is read-only: its copy is made writable.
    for (const f of [dir, join(dir, 'data'), join(dir, 'data', 'segments'), ...walk(dir)]) chmodSync(f, 0o755);
    // Flip a byte of the value of "café", segment_1.log's second record (offset 19, 37 bytes).
    const seg = join(dir, 'data', 'segments', 'segment_1.log');
    const bytes = readFileSync(seg);
    bytes[54] ^= 0xff;
    writeFileSync(seg, bytes);
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  // 日本 put 34, city delete 17, user put 20, temp put 18, temp delete 17: 106 bytes after the damaged record (19 + 37).
  const expected = { liveBytes: 19, staleBytes: 0, tombstoneBytes: 0, corruptBytes: 37, unreadBytes: 106 };

  it('the store counts them apart (history says unread)', async () => {
    const store = await openForeign(dir);
    try {
      expect((await store.history('user')).at(-1)?.status).toBe('unread');
      const seg = store.stats().perSegment.find((s) => s.file === 'segment_1.log')!;
      expect({ liveBytes: seg.liveBytes, staleBytes: seg.staleBytes, tombstoneBytes: seg.tombstoneBytes, corruptBytes: seg.corruptBytes, unreadBytes: seg.unreadBytes }).toEqual(expected);
      // The other files have none.
      expect(store.stats().perSegment.filter((s) => s.file !== 'segment_1.log').every((s) => s.unreadBytes === 0)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('kvscope segments: an unread column, explained, and unreadBytes in --json', async () => {
    const text = await kvscope(['segments', '--dir', dir]);
    expect(text.out[0]).toMatch(/ corrupt +unread +sequences$/);
    expect(text.out.find((l) => l.startsWith('segment_1.log'))!.split(/\s+/).slice(2, 9)).toEqual(['162', '7', '19', '0', '0', '37', '106']);
    expect(text.out).toContain('unread: sound records after damage at which the program stops reading the file; it never read them, so they are neither stale nor tombstones to it');
    const json = JSON.parse((await kvscope(['segments', '--dir', dir, '--json'])).out[0]!) as { files: Array<Record<string, unknown>> };
    expect(json.files.find((f) => f.file === 'segment_1.log')).toMatchObject(expected);
    expect(json.files.find((f) => f.file === 'segment_0.log')).toMatchObject({ unreadBytes: 0 });
    // An undamaged copy: no column.
    const clean = await kvscope(['segments', '--dir', FIXTURE]);
    expect(clean.out[0]).not.toContain('unread');
  });

  it('the inspector\'s segments view counts them as the CLI does', async () => {
    const service = new InspectorService({ opener: createEngineOpener(), configDir: join(base, 'config') });
    try {
      const { sessionId } = await service.openStore({ path: dir });
      const { files } = await service.dispatch('segments', { sessionId });
      expect(files.find((f) => f.file === 'segment_1.log')).toMatchObject(expected);
      expect(files.find((f) => f.file === 'segment_0.log')?.unreadBytes).toBeUndefined();
      const cli = JSON.parse((await kvscope(['segments', '--dir', dir, '--json'])).out[0]!) as { files: Array<Record<string, unknown>> };
      for (const f of files) {
        const c = cli.files.find((x) => x.file === f.file)!;
        expect([f.liveBytes, f.staleBytes, f.tombstoneBytes, f.corruptBytes, f.unreadBytes ?? 0]).toEqual([c.liveBytes, c.staleBytes, c.tombstoneBytes, c.corruptBytes, c.unreadBytes]);
      }
    } finally {
      await service.close();
    }
  });
});
