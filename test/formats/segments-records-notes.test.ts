/**
 * `kvscope segments` and `kvscope records` said nothing of what the open
 * skipped, while every other read command (dump included) prints it on
 * stderr (`kvscope: recovery: …`). Their tables show a damaged file's
 * corrupt bytes or a record's status, but not what the damage cost: that
 * the program stops reading the file there and which keys' records it never
 * reads, a file that cannot be read. They print the open's notes now, on
 * stderr only (stdout, --json included, is unchanged), once.
 */
import { describe, expect, it } from 'vitest';
import { b22e80fWithDamagedFirstRecord, kvscope, tempDirs } from './helpers.js';

const temps = tempDirs();

const NOTE =
  'kvscope: recovery: skipped bad-crc in segment_0.log at 0: stored CRC 0x3894fd3d does not match computed 0xd9d32a29: the program stops reading this segment here; 5 later records not replayed ("city", "greeting", "count" and 2 more); key (unverified, the record fails its checksum): \\x8aser';

const damagedCopy = (): string => b22e80fWithDamagedFirstRecord(temps);

describe('segments and records say what the open skipped', () => {
  it.each([
    ['segments'],
    ['segments', '--json'],
    ['records', '--segment', 'segment_1.log'],
    ['records', '--segment', 'segment_0.log', '--json'],
  ].map((argv) => [argv.join(' '), argv] as const))('%s', async (_title, argv) => {
    const dir = damagedCopy();
    const run = await kvscope([...argv, '--dir', dir]);
    expect(run.code).toBe(0);
    expect(run.err).toEqual([NOTE]);
    expect(run.out.join('\n')).not.toContain('recovery');
  });

  it('say nothing on stderr for a sound copy', async () => {
    const dir = temps.fixture('mini-kvstore-v2/legacy-b22e80f-crc');
    for (const argv of [['segments'], ['records', '--segment', 'segment_0.log']]) {
      const run = await kvscope([...argv, '--dir', dir]);
      expect(run.code, argv[0]).toBe(0);
      expect(run.err, argv[0]).toEqual([]);
    }
  });
});
