/**
 * A Riak cask opens from its hint files; a data file whose hint the open
 * could not use is read record by record instead, and the inspector says
 * why, as `kvscope stats` does: in the statistics (recordsReadBecause) and
 * on that file's row of the Segments view (readInsteadOfHint), for that
 * file and no other.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { InspectorService } from '../../src/inspector/service.js';
import { flipByte } from '../engine/helpers.js';
import { FIXTURES, hashTree, tempDirs } from '../formats/helpers.js';

const temps = tempDirs();

async function withService<T>(fn: (service: InspectorService) => Promise<T>): Promise<T> {
  const service = new InspectorService({ opener: createEngineOpener(), configDir: temps.empty('kvscope-hint-not-used-config-') });
  try {
    return await fn(service);
  } finally {
    await service.close();
  }
}

describe('the inspector on a Riak cask with one hint damaged', () => {
  it('stats and segments say why that data file was read, and say nothing of the others', async () => {
    const dir = temps.fixture('riak-bitcask/basic');
    flipByte(path.join(dir, '3.bitcask.hint'), 18); // the first byte of its first entry's key: the trailer's CRC no longer matches
    const before = hashTree(dir);
    await withService(async (service) => {
      const { sessionId } = await service.dispatch('openStore', { path: dir });
      const why = /^its hint 3\.bitcask\.hint was not used: its trailer's CRC 0x[0-9a-f]{8} does not match the 0x[0-9a-f]{8} of its entries$/;

      const stats = await service.dispatch('stats', { sessionId });
      expect(stats.figuresFrom).toBe('index'); // the other three from their hints
      expect(stats.recordsReadBecause).toEqual([{ file: '3.bitcask.data', why: expect.stringMatching(why) }]);

      const segments = await service.dispatch('segments', { sessionId });
      const said = segments.files.filter((f) => f.readInsteadOfHint !== undefined).map((f) => [f.file, f.readInsteadOfHint]);
      expect(said).toEqual([['3.bitcask.data', stats.recordsReadBecause![0]!.why]]);
      // Every file is still listed, with its figures: the reason is beside them.
      expect(segments.files.map((f) => f.file).sort()).toEqual(fs.readdirSync(dir).sort());
    });
    expect(hashTree(dir)).toEqual(before);
  });

  it('a cask opened wholly from its hints: no reason anywhere', async () => {
    await withService(async (service) => {
      const { sessionId } = await service.dispatch('openStore', { path: path.join(FIXTURES, 'riak-bitcask/basic/data') });
      expect((await service.dispatch('stats', { sessionId })).recordsReadBecause).toBeUndefined();
      expect((await service.dispatch('segments', { sessionId })).files.every((f) => f.readInsteadOfHint === undefined)).toBe(true);
    });
  });

  it('the active file without a hint: its reason is that it has none', async () => {
    const dir = temps.fixture('riak-bitcask/merged');
    fs.rmSync(path.join(dir, '4.bitcask.hint'));
    await withService(async (service) => {
      const { sessionId } = await service.dispatch('openStore', { path: dir });
      expect((await service.dispatch('stats', { sessionId })).recordsReadBecause).toEqual([{ file: '4.bitcask.data', why: 'it has no hint file' }]);
      const files = (await service.dispatch('segments', { sessionId })).files;
      expect(files.map((f) => [f.file, f.readInsteadOfHint])).toEqual(files.map((f) => [f.file, f.file === '4.bitcask.data' ? 'it has no hint file' : undefined]));
    });
  });
});
