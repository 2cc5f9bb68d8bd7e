/**
 * VersionTable keeps a foreign store's key versions in columns and picks each
 * key's winner as rows arrive. Checked against the rule written the plain way
 * (every version an object, the winner picked at the end by comparing them),
 * on random replays under both winner rules.
 */
import { describe, expect, it } from 'vitest';
import { VersionTable, type Version } from '../../src/engine/foreign-versions.js';
import { rng } from '../../bench/rng.js';

interface Added {
  key: string;
  v: Version;
}

/** The plain rule: positive when a beats b. */
function beats(bySequence: boolean, a: Version, b: Version): number {
  if (bySequence) {
    const d = (a.sequence ?? -1) - (b.sequence ?? -1);
    if (d !== 0) return d;
  }
  return a.ordinal - b.ordinal;
}

function plainWinners(bySequence: boolean, added: Added[]): Map<string, Version> {
  const winners = new Map<string, Version>();
  for (const { key, v } of added) {
    if (!v.replayed) continue;
    const w = winners.get(key);
    if (w === undefined || beats(bySequence, v, w) > 0) winners.set(key, v);
  }
  return winners;
}

function randomReplay(seed: number, rows: number, keys: number): Added[] {
  const r = rng(seed);
  const added: Added[] = [];
  let ordinal = 0;
  for (let i = 0; i < rows; i++) {
    ordinal += 1 + Math.floor(r() * 3); // records that are not versions (headers, damage) take ordinals too
    const kind = r() < 0.25 ? 'delete' : 'put';
    added.push({
      key: `k${Math.floor(r() * keys)}`,
      v: {
        fileIndex: Math.floor(r() * 4),
        ordinal,
        offset: Math.floor(r() * 1e6),
        length: 10 + Math.floor(r() * 100),
        kind,
        valueOffset: kind === 'put' ? Math.floor(r() * 1e6) : 0,
        valueLength: kind === 'put' ? Math.floor(r() * 100) : 0,
        sequence: r() < 0.1 ? undefined : Math.floor(r() * 20), // few values: many ties
        replayed: r() < 0.9,
      },
    });
  }
  return added;
}

/** A key as the replay gives it: bytes (latin1, as liveKeyNames gives them back). */
const bytes = (key: string): Buffer => Buffer.from(key, 'latin1');

describe('VersionTable', () => {
  for (const bySequence of [false, true]) {
    it(`picks the same winners as the plain rule (${bySequence ? 'sequence' : 'file-order'})`, () => {
      for (let seed = 1; seed <= 20; seed++) {
        // Enough rows to grow the columns past their first size.
        const added = randomReplay(seed, 3000, seed % 2 ? 50 : 1500);
        const table = new VersionTable(bySequence);
        for (const { key, v } of added) table.add(bytes(key), v);
        const winners = plainWinners(bySequence, added);
        const live = [...winners].filter(([, v]) => v.kind === 'put');

        expect(table.size).toBe(added.length);
        expect(table.liveKeys).toBe(live.length);
        const firstSeen = [...new Set(added.map((a) => a.key))];
        expect([...table.liveKeyNames()]).toEqual(firstSeen.filter((k) => winners.get(k)?.kind === 'put'));
        for (const key of firstSeen) {
          const row = table.liveRow(bytes(key));
          const w = winners.get(key);
          if (w?.kind === 'put') expect(table.version(row)).toEqual(w);
          else expect(row).toBe(-1);

          // History: every version of the key, in precedence order, the live one marked.
          const history = table.history(bytes(key));
          const plain = added.filter((a) => a.key === key).map((a) => a.v).sort((a, b) => beats(bySequence, a, b));
          expect(history.rows.map((r) => table.version(r))).toEqual(plain);
          expect(history.live).toBe(row);
        }
        expect(table.liveRow(bytes('never-added'))).toBe(-1);
        expect(table.history(bytes('never-added'))).toEqual({ rows: [], live: -1 });

        // Standing per file: a version not replayed is unread (after damage its program stops the file at); else
        // live is a winning put; a delete is a tombstone; every other put is stale.
        const sums = new Map<string, number>();
        table.forEachStanding((file, length, standing) => sums.set(`${file}:${standing}`, (sums.get(`${file}:${standing}`) ?? 0) + length));
        const plainSums = new Map<string, number>();
        const liveSet = new Set(live.map(([, v]) => v));
        for (const { v } of added) {
          const standing = !v.replayed ? 'unread' : liveSet.has(v) ? 'live' : v.kind === 'delete' ? 'tombstone' : 'stale';
          plainSums.set(`${v.fileIndex}:${standing}`, (plainSums.get(`${v.fileIndex}:${standing}`) ?? 0) + v.length);
        }
        expect(sums).toEqual(plainSums);
      }
    });
  }

  it('never lets a version that was not replayed win, even the newest', () => {
    const table = new VersionTable(true);
    const v = (sequence: number, replayed: boolean, kind: 'put' | 'delete' = 'put'): Version => ({ fileIndex: 0, ordinal: sequence, offset: sequence, length: 1, kind, valueOffset: 0, valueLength: 0, sequence, replayed });
    table.add(bytes('a'), v(1, true));
    table.add(bytes('a'), v(9, false));
    table.add(bytes('b'), v(2, false));
    table.add(bytes('c'), v(3, true));
    table.add(bytes('c'), v(4, false, 'delete'));
    expect(table.version(table.liveRow(bytes('a'))).sequence).toBe(1);
    expect(table.liveRow(bytes('b'))).toBe(-1);
    expect(table.version(table.liveRow(bytes('c'))).sequence).toBe(3);
    expect(table.liveKeys).toBe(2);
  });
});
