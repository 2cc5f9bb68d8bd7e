import { afterAll, describe, expect, it } from 'vitest';
import { realFs, type EngineFs } from '../../src/engine/fs.js';
import { READAHEAD_BYTES } from '../../src/engine/segment.js';
import { Store } from '../../src/engine/store.js';
import { cleanTempDirs, tempDir } from './helpers.js';

afterAll(cleanTempDirs);

/** realFs, logging every positioned read. */
function countingFs(log: Array<{ length: number; position: number }>): EngineFs {
  return {
    ...realFs,
    readSync(fd: number, b: Uint8Array, o: number, l: number, pos: number): number {
      log.push({ length: l, position: pos });
      return realFs.readSync(fd, b, o, l, pos);
    },
  };
}

describe('point reads read ahead', () => {
  it('pull in a whole aligned 64 KiB block on the first read that lands in it, once', async () => {
    const dir = tempDir();
    const writer = await Store.open(dir, { create: true, fsync: 'never' });
    const value = Buffer.alloc(1000, 7);
    for (let i = 0; i < 400; i++) await writer.put(`k${String(i).padStart(4, '0')}`, value);
    await writer.close();

    const log: Array<{ length: number; position: number }> = [];
    const store = await Store.open(dir, { readOnly: true, fs: countingFs(log) });
    log.length = 0;
    // k0100 lies in the second block (about 1 KiB a record).
    expect(store.getSync('k0100')).toEqual(value);
    const ahead = log.filter((r) => r.length >= READAHEAD_BYTES);
    expect(ahead).toHaveLength(1);
    expect(ahead[0]!.position % READAHEAD_BYTES).toBe(0);
    const record = store.locate('k0100')!;
    expect(ahead[0]!.position).toBeLessThanOrEqual(record.offset);
    expect(ahead[0]!.position + READAHEAD_BYTES).toBeGreaterThan(record.offset);
    // Another key in the same block: just the record.
    log.length = 0;
    const neighbour = ['k0099', 'k0101'].find((k) => Math.floor(store.locate(k)!.offset / READAHEAD_BYTES) === Math.floor(record.offset / READAHEAD_BYTES))!;
    expect(store.getSync(neighbour)).toEqual(value);
    expect(log.filter((r) => r.length >= READAHEAD_BYTES)).toHaveLength(0);
    expect(log).toHaveLength(1);
    // Every value still reads back right, records straddling block edges included.
    for (let i = 0; i < 400; i++) expect(store.getSync(`k${String(i).padStart(4, '0')}`)).toEqual(value);
    await store.close();
  });
});
