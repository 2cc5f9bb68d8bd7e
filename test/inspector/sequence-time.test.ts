/**
 * Riak's "sequence" is the writer's clock (tstamp, seconds): every version of a key written in one second had the
 * same number, shown as if it were a count (1795391755, cut to "17953…" in the record table). Locations, record rows
 * and segment rows of such a format now say sequenceIsTimestamp, and are shown as a date and time; the number stays
 * (the JSON outputs only gain the field), and still orders versions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openForeign } from '../../src/engine/foreign-store.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { InspectorService } from '../../src/inspector/service.js';
import { sequenceRangeText, sequenceText, sequenceTitle, timestampIso, timestampText } from '../../src/shared/sequence-text.js';
import { textToKeyString } from '../../src/shared/keytext.js';
import { FIXTURES, kvscope } from '../formats/helpers.js';
import { existsSync } from 'node:fs';

const RIAK = `${FIXTURES}/riak-bitcask/basic/data`;
const MINI = `${FIXTURES}/mini-kvstore-v2/edge-cases/data`;

describe('sequence text', () => {
  it('shows a timestamp as its date and time in UTC, with the seconds in its title', () => {
    expect(timestampText(1795391755)).toBe('2026-11-22 23:55:55 UTC');
    expect(sequenceText({ sequence: 1795391755, sequenceIsTimestamp: true })).toBe('2026-11-22 23:55:55 UTC');
    expect(sequenceTitle({ sequence: 1795391755, sequenceIsTimestamp: true })).toContain('1795391755 seconds since 1970');
    // A counted sequence and a replay place are shown as before.
    expect(sequenceText({ sequence: 42 })).toBe('42');
    expect(sequenceText({ sequence: 3, sequenceIsOrder: true })).toBe('#3');
    expect(sequenceRangeText(5, 9, false)).toBe('5 … 9');
    expect(sequenceRangeText(1795391755, 1795391755, true)).toBe('2026-11-22 23:55:55 UTC');
    expect(sequenceRangeText(1795391755, 1795391762, true, '..')).toBe('2026-11-22 23:55:55..23:56:02 UTC');
    expect(timestampIso(1795391755)).toBe('2026-11-22T23:55:55Z');
    expect(timestampIso(1e300)).toBeUndefined();
  });
});

describe.runIf(existsSync(RIAK))('Riak: the sequence is the writer\'s clock', () => {
  const base = mkdtempSync(join(tmpdir(), 'kvscope-seqtime-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('history says so (the seconds still order the versions); a format with a counted order does not', async () => {
    const store = await openForeign(RIAK);
    const history = await store.history('key-007');
    expect(history.length).toBeGreaterThan(1);
    expect(history.every((v) => v.location.sequenceIsTimestamp === true && v.location.sequence === 1795391755)).toBe(true);
    expect(store.locate('key-007')?.sequenceIsTimestamp).toBe(true);
    await store.close();
    if (existsSync(MINI)) {
      const mini = await openForeign(MINI);
      expect((await mini.history('tabbed')).some((v) => v.location.sequenceIsTimestamp)).toBe(false);
      await mini.close();
    }
  });

  it('kvscope history shows each version\'s date and time, with a note; --json keeps the number and adds the field', async () => {
    const text = await kvscope(['history', 'key-007', '--dir', RIAK]);
    expect(text.code).toBe(0);
    expect(text.out[0]).toMatch(/^time +file +offset/);
    expect(text.out.slice(1).every((l) => l.startsWith('2026-11-22 23:55:55 UTC 1.bitcask.data') || l.startsWith('2026-11-22 23:55:55 UTC 4.bitcask.data'))).toBe(true);
    expect(text.err).toEqual([expect.stringMatching(/^kvscope: note: .*writer's clock/)]);
    const json = await kvscope(['history', 'key-007', '--dir', RIAK, '--json']);
    const versions = JSON.parse(json.out[0]!) as Array<{ location: { sequence: number; sequenceIsTimestamp?: true } }>;
    expect(versions.every((v) => v.location.sequence === 1795391755 && v.location.sequenceIsTimestamp === true)).toBe(true);
  });

  it('kvscope records and dump show each record\'s time in UTC, as history does; --json keeps the number, with the field and the ISO time', async () => {
    const records = await kvscope(['records', '--segment', '1.bitcask.hint', '--dir', RIAK]);
    expect(records.code).toBe(0);
    expect(records.out[0]).toMatch(/^ +offset +length type +time \(UTC\) +value /);
    expect(records.out[1]).toMatch(/^ +0 +25 hint +2026-11-22 23:55:55 +- /);
    // The hint's trailer has no time.
    expect(records.out.at(-1)).toMatch(/^ +\d+ +18 trailer -  /);
    expect(records.out.join('\n')).not.toContain('1795391755');
    expect(records.err).toEqual([expect.stringMatching(/^kvscope: note: .*writer's clock/)]);
    const dump = await kvscope(['dump', '--segment', '1', '--dir', RIAK]);
    expect(dump.out[0]).toBe('1.bitcask.data@0\t341\tput\tvalid\ttime=2026-11-22 23:55:55 UTC\tkey=key-000\tvalue=320');
    expect(dump.err).toEqual([expect.stringMatching(/^kvscope: note: .*writer's clock/)]);

    type Row = { sequence: number | null; sequenceIsTimestamp?: true; time?: string; kind: string };
    const json = (await kvscope(['records', '--segment', '1.bitcask.hint', '--dir', RIAK, '--json'])).out.map((l) => JSON.parse(l) as Row);
    expect(json[0]).toMatchObject({ sequence: 1795391755, sequenceIsTimestamp: true, time: '2026-11-22T23:55:55Z' });
    expect(json.at(-1)).toMatchObject({ kind: 'trailer', sequence: null });
    expect(json.at(-1)!.time).toBeUndefined();
    const dumped = JSON.parse((await kvscope(['dump', '--segment', '1', '--dir', RIAK, '--json'])).out[0]!) as Row;
    expect(dumped).toMatchObject({ sequence: 1795391755, sequenceIsTimestamp: true, time: '2026-11-22T23:55:55Z' });
  });

  it.runIf(existsSync(MINI))('records and dump of a format without a clock keep their sequence column, with no note', async () => {
    const records = await kvscope(['records', '--segment', 'segment-1.dat', '--dir', MINI]);
    expect(records.out[0]).toMatch(/^ +offset +length type +sequence +value /);
    expect(records.err).toEqual([]);
    const dump = await kvscope(['dump', '--dir', MINI]);
    expect(dump.out[0]).toMatch(/\tseq=-\t/);
    expect(dump.err).toEqual([]);
    expect(JSON.parse((await kvscope(['dump', '--dir', MINI, '--json'])).out[0]!)).not.toHaveProperty('time');
  });

  it('kvscope segments shows the span of time a file was written in', async () => {
    const text = await kvscope(['segments', '--dir', RIAK]);
    expect(text.out[0]).toMatch(/written \(UTC\)$/);
    // No writer holds the cask (no bitcask.write.lock): no file is active, the next writer starts file 5.
    expect(text.out.find((l) => l.startsWith('4.bitcask.data'))).toMatch(/ 2026-11-22 23:55:55 UTC$/);
    const json = JSON.parse((await kvscope(['segments', '--dir', RIAK, '--json'])).out[0]!) as { files: Array<{ oldestSequence: number | null; sequenceIsTimestamp?: true }> };
    expect(json.files.every((f) => f.oldestSequence === 1795391755 && f.sequenceIsTimestamp === true)).toBe(true);
  });

  it('the inspector marks history, values, record rows and segment rows', async () => {
    const service = new InspectorService({ opener: createEngineOpener(), configDir: join(base, 'config') });
    try {
      const { sessionId } = await service.openStore({ path: RIAK });
      const key = textToKeyString('key-007');
      const { versions } = await service.history({ sessionId, key });
      expect(versions.every((v) => v.location.sequenceIsTimestamp === true)).toBe(true);
      expect((await service.dispatch('getValue', { sessionId, key })).location?.sequenceIsTimestamp).toBe(true);
      const page = await service.dispatch('records', { sessionId, file: '4.bitcask.data', start: 0, limit: 5 });
      expect(page.rows.length).toBeGreaterThan(0);
      expect(page.rows.every((r) => r.sequence === 1795391755 && r.sequenceIsTimestamp === true)).toBe(true);
      const put = versions.find((v) => v.kind === 'put')!;
      expect((await service.recordValue({ sessionId, file: put.location.file, offset: put.location.offset })).location?.sequenceIsTimestamp).toBe(true);
      const { files } = await service.dispatch('segments', { sessionId });
      expect(files.every((f) => f.sequenceIsTimestamp === true)).toBe(true);
    } finally {
      await service.close();
    }
  });
});
