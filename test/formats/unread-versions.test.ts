/**
 * mini-kvstore-v2 in the 0.1 era (b22e80f) stops reading a segment at its
 * first bad CRC (replay breaks out of the file's loop): the sound records
 * after it were never read by that program. `kvscope history` labelled them
 * "shadowed", as if a newer version had replaced them, in the CLI's text and
 * --json and in the inspector's history. They are "unread" now, everywhere
 * history is shown, and the open's note counts them.
 */
import { describe, expect, it } from 'vitest';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { InspectorService } from '../../src/inspector/service.js';
import { textToKeyString } from '../../src/shared/keytext.js';
import { b22e80fWithDamagedFirstRecord, kvscope, tempDirs } from './helpers.js';

const temps = tempDirs();

const damagedCopy = (): string => b22e80fWithDamagedFirstRecord(temps);

describe('versions after the damage the program stops at', () => {
  it('are "unread" in history text and --json; the note counts them once', async () => {
    const dir = damagedCopy();
    const text = await kvscope(['history', 'city', '--dir', dir]);
    expect(text.code).toBe(0);
    expect(text.out.slice(1).map((l) => l.split(/\s+/).slice(1, 3).concat(l.split(/\s+/).at(-1)!))).toEqual([
      ['segment_0.log', '22', 'unread'],
      ['segment_1.log', '90', 'tombstone'],
      ['segment_2.log', '27', 'live'],
    ]);
    expect(text.err).toEqual([
      'kvscope: recovery: skipped bad-crc in segment_0.log at 0: stored CRC 0x3894fd3d does not match computed 0xd9d32a29: the program stops reading this segment here; 5 later records not replayed ("city", "greeting", "count" and 2 more); key (unverified, the record fails its checksum): \\x8aser',
      // The era writes no sequence numbers: the column is the replay place (#N).
      "kvscope: note: this format writes no sequence numbers: #N is the record's place in the replay, oldest first",
    ]);
    const json = await kvscope(['history', 'count', '--dir', dir, '--json']);
    expect((JSON.parse(json.out[0]!) as Array<{ location: { file: string; offset: number }; status: string }>).map((v) => [v.location.file, v.location.offset, v.status])).toEqual([
      ['segment_0.log', 76, 'unread'],
      ['segment_0.log', 95, 'unread'],
      ['segment_1.log', 0, 'live'],
    ]);
    // records shows them so too; the other files' records keep their statuses.
    const records = await kvscope(['records', '--segment', 'segment_0.log', '--dir', dir, '--json']);
    expect(records.out.map((l) => JSON.parse(l) as { offset: number; status: string }).map((r) => [r.offset, r.status])).toEqual([[0, 'corrupt'], ...[22, 44, 76, 95, 114].map((o) => [o, 'unread'])]);
    const other = await kvscope(['records', '--segment', 'segment_2.log', '--dir', dir, '--json']);
    expect(other.out.map((l) => (JSON.parse(l) as { status: string }).status)).not.toContain('unread');
  });

  it('are "unread" in the inspector\'s history', async () => {
    const dir = damagedCopy();
    const service = new InspectorService({ opener: createEngineOpener(), configDir: temps.empty('kvscope-unread-config-') });
    try {
      const { sessionId } = await service.openStore({ path: dir });
      const { versions } = await service.history({ sessionId, key: textToKeyString('pad') });
      expect(versions.map((v) => [v.location.file, v.location.offset, v.status])).toEqual([['segment_0.log', 114, 'unread']]);
      // The record table says the same of those records.
      const read = async (status?: 'unread') => {
        for (;;) {
          const answer = await service.records({ sessionId, file: 'segment_0.log', start: 0, limit: 100, ...(status ? { status } : {}) });
          if (answer.complete) return answer.rows;
        }
      };
      expect((await read()).map((r) => [r.offset, r.status])).toEqual([[0, 'corrupt'], ...[22, 44, 76, 95, 114].map((o) => [o, 'unread'])]);
      expect((await read('unread')).map((r) => r.offset)).toEqual([22, 44, 76, 95, 114]);
    } finally {
      await service.close();
    }
  });
});
