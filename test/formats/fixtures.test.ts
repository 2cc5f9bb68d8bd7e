/**
 * Every fixture written by a real program (discovered by walking
 * /work/shared/fixtures): detection, live keys and values, field tiling,
 * verify, and read-only access.
 */
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeFormatFile, listRecords, openForeign, type ForeignStore } from '../../src/engine/foreign-store.js';
import { addToSummary, emptySummary, type DecodedRecord } from '../../src/engine/formats/format.js';
import { detectFormat } from '../../src/engine/formats/registry.js';
import { FIXTURES, discoverFixtures, expectedLive, hashTree, kvscope } from './helpers.js';

const cases = discoverFixtures();

/** Which format each engine's fixtures are written in; the case name picks the mini-kvstore-v2 era. */
function expectedFormat(name: string): string {
  const [engine, c = ''] = name.split('/');
  if (engine === 'mini-kvstore-v2') {
    const era = /legacy-([0-9a-f]{7})/.exec(c);
    return era ? `mini-kvstore-v2-${era[1]}` : 'mini-kvstore-v2';
  }
  return engine!;
}

/** The folder holding the engine's data files (the "inner folder"), e.g. data/db. */
function innerFolder(store: ForeignStore): string {
  const first = store.files().find((f) => f.role === 'data')!;
  return path.dirname(path.join(store.root, first.name));
}

function expectTiled(record: DecodedRecord): void {
  expect(record.fields.length).toBeGreaterThan(0);
  expect(record.fields[0]!.start).toBe(record.offset);
  for (let i = 1; i < record.fields.length; i++) expect(record.fields[i]!.start).toBe(record.fields[i - 1]!.end);
  expect(record.fields[record.fields.length - 1]!.end).toBe(record.offset + record.length);
}

it('finds fixtures to test', () => {
  expect(cases.length).toBeGreaterThan(0);
});

describe.each(cases.map((c) => [c.name, c] as const))('fixture %s', (_name, fixture) => {
  const stores: ForeignStore[] = [];
  afterAll(async () => {
    for (const s of stores) await s.close();
  });

  it('detects the right format at data/ and at the engine folder inside it', async () => {
    const atData = detectFormat(fixture.dataDir);
    expect(atData[0]!.format).toBe(expectedFormat(fixture.name));
    const store = await openForeign(fixture.dataDir);
    stores.push(store);
    const inner = innerFolder(store);
    const atInner = detectFormat(inner);
    expect(atInner[0]!.format).toBe(expectedFormat(fixture.name));
    const innerStore = await openForeign(inner);
    stores.push(innerStore);
    expect(innerStore.sortedKeys()).toEqual(store.sortedKeys());
  });

  it('has exactly the live keys and values of expected.json', async () => {
    const store = await openForeign(fixture.dataDir);
    stores.push(store);
    const want = expectedLive(fixture.expected);
    expect([...store.sortedKeys()]).toEqual([...want.keys()].sort());
    for (const [key, value] of want) {
      const got = await store.get(Buffer.from(key, 'latin1'));
      expect(got, `value of ${key}`).toEqual(value);
    }
    expect(store.keyCount()).toBe(want.size);
    // The key list (no string per key), sorted in steps or at once, and the first window before any sort.
    const sorted = [...want.keys()].sort();
    const fresh = await openForeign(fixture.dataDir);
    stores.push(fresh);
    expect(fresh.smallestKeys(3)).toEqual({ keys: sorted.slice(0, 3), count: want.size });
    let pauses = 0;
    const list = await fresh.sortedKeyListInSteps(async () => void pauses++);
    expect(Array.from({ length: list.length }, (_, i) => list.keyAt(i))).toEqual(sorted);
    expect(fresh.sortedKeyList()).toBe(list);
    expect(fresh.smallestKeys(2)).toEqual({ keys: sorted.slice(0, 2), count: want.size });
  });

  it('decodes every file into records that tile the file, with fields tiling every valid record', async () => {
    const store = await openForeign(fixture.dataDir);
    stores.push(store);
    for (const file of store.files()) {
      const records = await listRecords(store, file.name);
      let at = 0;
      for (const r of records) {
        expect(r.offset, `${file.name} record order`).toBe(at);
        at = r.offset + r.length;
        if (r.status === 'valid') expectTiled(r);
      }
      expect(at, `${file.name} fully covered`).toBe(file.size);
    }
  });

  it('counts each data file in its replay as decoding it again does (kvscope segments)', async () => {
    // Every data file's records read (a Riak open takes a file's keys from a sound hint, without reading it: below).
    const store = await openForeign(fixture.dataDir, { replayData: true });
    const fromHints = await openForeign(fixture.dataDir);
    stores.push(store, fromHints);
    for (const file of store.files()) {
      const again = emptySummary();
      for (const r of await listRecords(store, file.name)) addToSummary(again, r);
      if (file.role === 'data') expect(store.dataFileSummary(file), file.name).toEqual(again);
      else expect(store.dataFileSummary(file), file.name).toBeUndefined();
      // stats counts a file's records as segments does (before, tiny-log-kv's edge case said 8 in stats, 5 in
      // segments: stats counted the lines the program ignores).
      if (file.role === 'data') expect(store.stats().perSegment.find((s) => s.file === file.name)?.records, file.name).toBe(again.records);
      // A file whose records the open did not read has no such count: kvscope segments decodes it.
      if (fromHints.figuresFromIndex(file.name)) expect(fromHints.dataFileSummary(file), file.name).toBeUndefined();
      else expect(fromHints.dataFileSummary(file), file.name).toEqual(store.dataFileSummary(file));
      // A file whose size changed since the replay is not answered for.
      expect(store.dataFileSummary({ ...file, size: file.size + 1 })).toBeUndefined();
    }
  });

  it('verifies clean (no fixture contains damage)', async () => {
    const store = await openForeign(fixture.dataDir);
    stores.push(store);
    const report = await store.verify();
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.filesChecked).toBe(store.files().length);
    expect(store.warnings()).toEqual([]);
  });

  it('reports a history and stats consistent with the live keys', async () => {
    const store = await openForeign(fixture.dataDir);
    stores.push(store);
    for (const key of store.sortedKeys()) {
      const versions = await store.history(Buffer.from(key, 'latin1'));
      const live = versions.filter((v) => v.status === 'live');
      expect(live).toHaveLength(1);
      expect(live[0]!.location).toEqual(store.locate(Buffer.from(key, 'latin1')));
    }
    const stats = store.stats();
    expect(stats.keys).toBe(store.keyCount());
    const data = store.files().filter((f) => f.role === 'data');
    expect(stats.perSegment.map((s) => s.file)).toEqual(data.map((f) => f.name));
    for (const seg of stats.perSegment) {
      expect(seg.liveBytes + seg.staleBytes + seg.tombstoneBytes + seg.corruptBytes).toBe(seg.bytes);
    }
    expect(stats.totalBytes).toBe(stats.liveBytes + stats.deadBytes);
  });
});

describe('quirks confirmed by fixtures', () => {
  const byName = new Map(cases.map((c) => [c.name, c]));

  it.runIf(byName.has('mini-kvstore-v2/many-segments'))('replays mini-kvstore-v2 segments in numeric order, not name order', async () => {
    const store = await openForeign(byName.get('mini-kvstore-v2/many-segments')!.dataDir);
    expect(store.files().map((f) => f.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(store.has('k3')).toBe(false);
    expect((await store.get('order'))?.toString()).toBe('run-12');
    expect((await store.get('k10'))?.toString()).toBe('v10-overwritten-in-12');
    await store.close();
  });

  it.runIf(byName.has('mini-kvstore-v2/edge-cases'))('keeps the empty key and an empty value', async () => {
    const store = await openForeign(byName.get('mini-kvstore-v2/edge-cases')!.dataDir);
    expect((await store.get(''))?.toString()).toBe('value-of-the-empty-key');
    expect(await store.get('novalue')).toEqual(Buffer.alloc(0));
    const history = await store.history('tabbed');
    expect(history.map((v) => v.status)).toEqual(['shadowed', 'tombstone', 'live']);
    // The format writes no sequence numbers: a version's sequence is its place in the replay, and says so.
    expect(history.every((v) => v.location.sequenceIsOrder === true)).toBe(true);
    expect(history.map((v) => v.location.sequence)).toEqual([...history.map((v) => v.location.sequence)].sort((a, b) => a - b));
    await store.close();
  });

  it.runIf(byName.has('mini-kvstore-v2/edge-cases') && byName.has('riak-bitcask/basic'))(
    'kvscope history shows a replay place as #N, with a note, where the format has no sequence numbers (before: a bare number, as if the file held it)',
    async () => {
      const mini = await kvscope(['history', 'tabbed', '--dir', byName.get('mini-kvstore-v2/edge-cases')!.dataDir]);
      expect(mini.code).toBe(0);
      expect(mini.out.slice(1).every((l) => /^#\d+ /.test(l))).toBe(true);
      expect(mini.err).toEqual(["kvscope: note: this format writes no sequence numbers: #N is the record's place in the replay, oldest first"]);
      // Riak's records carry the writer's clock, which the program orders by: shown as a date and time, with a note.
      const riak = await kvscope(['history', 'key-007', '--dir', byName.get('riak-bitcask/basic')!.dataDir]);
      expect(riak.out.slice(1).every((l) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC /.test(l))).toBe(true);
      expect(riak.err).toEqual([expect.stringMatching(/^kvscope: note: .*writer's clock/)]);
    },
  );

  it.runIf(byName.has('riak-bitcask/basic'))('decodes Riak tombstones and hint files', async () => {
    const store = await openForeign(byName.get('riak-bitcask/basic')!.dataDir);
    const history = await store.history('key-007');
    expect(history.map((v) => v.status)).toContain('tombstone');
    expect(history[history.length - 1]!.status).toBe('live');
    const hint = store.files().find((f) => f.role === 'hint')!;
    const records = await decodeFormatFile(store.description, store.root, hint);
    expect(records[records.length - 1]!.kind).toBe('trailer');
    expect(records[records.length - 1]!.status).toBe('valid');
    expect(records.slice(0, -1).every((r) => r.kind === 'hint' && r.pointsTo !== undefined)).toBe(true);
    await store.close();
  });

  it.runIf(byName.has('tiny-log-kv/edge-cases'))('reproduces tiny-log-kv replay quirks', async () => {
    const store = await openForeign(byName.get('tiny-log-kv/edge-cases')!.dataDir);
    expect((await store.get('my'))?.toString()).toBe('key spaced key value');
    expect((await store.get('padded'))?.toString()).toBe('  leading and trailing');
    expect(store.has('empty')).toBe(false);
    const records = await listRecords(store, 'store.log');
    const ignored = records.filter((r) => r.kind === 'garbage');
    expect(ignored.map((r) => r.status)).toEqual(['valid', 'valid', 'valid']); // "SET empty ", "line2", "DEL my key"
    await store.close();
  });
});

it('never changes a byte of the fixtures', async () => {
  const before = hashTree(FIXTURES);
  for (const fixture of cases) {
    const store = await openForeign(fixture.dataDir);
    for (const key of store.sortedKeys().slice(0, 50)) {
      await store.get(Buffer.from(key, 'latin1'));
      await store.history(Buffer.from(key, 'latin1'));
    }
    for (const file of store.files()) await listRecords(store, file.name);
    await store.verify();
    store.stats();
    await store.close();
  }
  expect(hashTree(FIXTURES)).toEqual(before);
});
