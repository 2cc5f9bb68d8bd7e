/**
 * An open from hints places most entries itself (Keydir.replayHintEntries:
 * puts of keys not held yet) and hands every other one back to be applied
 * as any replayed record. Whatever the entries, the keydir and the store's
 * segment figures must come out as if each entry had been applied on its
 * own, in order.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rng } from '../../bench/rng.js';
import { Keydir, type PlacedEntries } from '../../src/engine/keydir.js';
import { checkHint, encodeHint, fieldsOf, getU64, type HintEntry } from '../../src/engine/native/codec.js';
import { hashBytes } from '../../src/engine/native/key-hash.js';
import { HINT_ENTRY, HINT_HEADER, RECORD_PUT, RECORD_TOMBSTONE } from '../../src/engine/native/layout.js';
import { Store } from '../../src/engine/store.js';
import { cleanTempDirs, collidingPairs, copyDir, removeKeydirImage, tempDir } from './helpers.js';

afterEach(cleanTempDirs);

/** Apply one hint entry as the store applies a replayed record (keydir only). */
function applyEntry(kd: Keydir, bytes: Buffer, at: number, segment: number): void {
  const fields = fieldsOf(bytes);
  const keyLength = fields.getUint32(at + HINT_ENTRY.keyLength, true);
  const keyStart = at + HINT_ENTRY.size;
  const sequence = getU64(fields, at + HINT_ENTRY.sequence);
  if (bytes[at + HINT_ENTRY.type] === RECORD_TOMBSTONE) kd.deleteIfNotNewer(bytes, undefined, keyStart, keyLength, segment, sequence, true);
  else kd.setIfNewerBytes(bytes, keyStart, keyLength, segment, fields.getUint32(at + HINT_ENTRY.offset, true), fields.getUint32(at + HINT_ENTRY.recordLength, true), sequence);
}

/** Offsets of a hint's entries. */
function entryOffsets(bytes: Buffer): number[] {
  const check = checkHint(bytes);
  if (!check.ok) throw new Error(check.reason);
  const offsets: number[] = [];
  for (let at = HINT_HEADER.size; at < check.entriesEnd; at += HINT_ENTRY.size + bytes.readUInt32LE(at + HINT_ENTRY.keyLength)) offsets.push(at);
  return offsets;
}

interface Replayed {
  keydir: Keydir;
  /** Per hint: entries placed by the keydir, and their records' bytes and sequence range. */
  placed: Array<{ count: number; bytes: number; oldest: number; newest: number }>;
  /** Offsets handed back, per hint. */
  handedBack: number[][];
}

/** Replay hints through replayHintEntries, `slice` entries a call, the entries handed back applied on their own. */
function replayFast(hints: Buffer[], slice: number, reserve: boolean): Replayed {
  const keydir = new Keydir();
  if (reserve) keydir.reserve(hints.reduce((n, b) => n + entryOffsets(b).length, 0), hints.reduce((n, b) => n + b.length, 0));
  const placedPerHint: Replayed['placed'] = [];
  const handedBack: number[][] = [];
  hints.forEach((bytes, segment) => {
    const end = (checkHint(bytes) as { entriesEnd: number }).entriesEnd;
    const fields = fieldsOf(bytes, end);
    const sum = { count: 0, bytes: 0, oldest: Infinity, newest: -1 };
    const back: number[] = [];
    const placed: PlacedEntries = { count: -1, bytes: -1, oldest: -1, newest: -1 };
    for (let at = HINT_HEADER.size; at < end; ) {
      at = keydir.replayHintEntries(bytes, fields, at, end, slice, segment, (entryAt) => {
        back.push(entryAt);
        applyEntry(keydir, bytes, entryAt, segment);
      }, placed);
      sum.count += placed.count;
      sum.bytes += placed.bytes;
      sum.oldest = Math.min(sum.oldest, placed.oldest);
      sum.newest = Math.max(sum.newest, placed.newest);
    }
    placedPerHint.push(sum);
    handedBack.push(back);
  });
  return { keydir, placed: placedPerHint, handedBack };
}

function replayOneByOne(hints: Buffer[]): Keydir {
  const keydir = new Keydir();
  hints.forEach((bytes, segment) => {
    for (const at of entryOffsets(bytes)) applyEntry(keydir, bytes, at, segment);
  });
  return keydir;
}

/** Every live key and its location, and the count of entries (replay tombstones included) before endReplay. */
function contents(kd: Keydir): { entries: Map<string, unknown>; size: number } {
  const size = kd.size;
  kd.endReplay();
  return { entries: new Map(kd.entries()), size };
}

/** Random hints over a small key space: repeated keys within and across hints, tombstones, sequences in any order, some past 2^32. */
function randomHints(seed: number, hints: number, perHint: number): Buffer[] {
  const rand = rng(seed);
  const pairs = collidingPairs(3);
  // Enough keys, some long, to outgrow the keydir's first columns and arena on the way.
  const keys = [...Array.from({ length: 2500 }, (_, i) => (i % 3 === 0 ? `long-key:${i}:${'x'.repeat(60)}` : `key:${i}`)), ...pairs.flat(), ''];
  return Array.from({ length: hints }, (_, h) => {
    const entries: HintEntry[] = [];
    for (let i = 0; i < perHint; i++) {
      const key = keys[Math.floor(rand() * keys.length)]!;
      const high = rand() < 0.1 ? 2 ** 32 : 0;
      entries.push({
        type: rand() < 0.2 ? RECORD_TOMBSTONE : RECORD_PUT,
        sequence: high + 1 + Math.floor(rand() * 5000),
        offset: 24 + i * 40,
        recordLength: 30 + Math.floor(rand() * 90),
        key: Buffer.from(key, 'latin1'),
      });
    }
    return encodeHint(h + 1, 24 + perHint * 40, entries);
  });
}

describe('Keydir.replayHintEntries', () => {
  it('leaves the keydir as applying each entry on its own does, whatever the slices, with or without room made first', () => {
    for (const seed of [1, 2, 3]) {
      const hints = randomHints(seed, 4, 1500);
      const expected = contents(replayOneByOne(hints));
      expect(expected.entries.size).toBeGreaterThan(100);
      for (const [slice, reserve] of [[1, false], [7, true], [16_384, false], [16_384, true]] as const) {
        const fast = replayFast(hints, slice, reserve);
        expect(contents(fast.keydir)).toEqual(expected);
        // Every entry was either placed or handed back, in order, once.
        hints.forEach((bytes, h) => {
          const back = fast.handedBack[h]!;
          expect(fast.placed[h]!.count + back.length).toBe(entryOffsets(bytes).length);
          expect([...back].sort((a, b) => a - b)).toEqual(back);
        });
      }
    }
  });

  it('places only puts of new keys, and sums their records for the segment figures', () => {
    const a = Buffer.from('a');
    const b = Buffer.from('b');
    const c = Buffer.from('c');
    const hint = encodeHint(1, 1000, [
      { type: RECORD_PUT, sequence: 2 ** 32 + 7, offset: 24, recordLength: 40, key: a },
      { type: RECORD_PUT, sequence: 3, offset: 64, recordLength: 50, key: b },
      { type: RECORD_TOMBSTONE, sequence: 9, offset: 114, recordLength: 23, key: c },
      { type: RECORD_PUT, sequence: 4, offset: 137, recordLength: 60, key: b },
      { type: RECORD_PUT, sequence: 8, offset: 197, recordLength: 30, key: c },
    ]);
    const fast = replayFast([hint], 16_384, true);
    expect(fast.placed[0]).toEqual({ count: 2, bytes: 90, oldest: 3, newest: 2 ** 32 + 7 });
    // The tombstone, b's second put and the put of c older than its tombstone.
    expect(fast.handedBack[0]).toEqual(entryOffsets(hint).slice(2));
    expect(fast.keydir.get('a')).toEqual({ segment: 0, offset: 24, length: 40, sequence: 2 ** 32 + 7 });
    expect(fast.keydir.get('b')).toEqual({ segment: 0, offset: 137, length: 60, sequence: 4 });
    fast.keydir.endReplay();
    expect(fast.keydir.has('c')).toBe(false);
  });

  it('keys that cluster under the fixed seed: the keydir moves to its own seed midway, and every key is still found', () => {
    // Keys that share the top 11 bits of their hash: one run of home slots, so the probes grow long (see MAX_PROBE).
    const colliding: Buffer[] = [];
    for (let i = 0; colliding.length < 1500; i++) {
      const key = Buffer.from(`c${i}`, 'latin1');
      if (hashBytes(key, 0, key.length) >>> 21 === 0x2a5) colliding.push(key);
    }
    const plain = Array.from({ length: 1500 }, (_, i) => Buffer.from(`plain:${i}`, 'latin1'));
    const keys = colliding.flatMap((key, i) => [key, plain[i]!]);
    const hint = encodeHint(1, 1e6, keys.map((key, i) => ({ type: RECORD_PUT, sequence: i + 1, offset: 24 + i * 40, recordLength: 40, key })));
    for (const reserve of [false, true]) {
      const fast = replayFast([hint], 16_384, reserve);
      expect(fast.keydir.reseeded).toBe(true);
      keys.forEach((key, i) => expect(fast.keydir.get(key.toString('latin1'))?.offset).toBe(24 + i * 40));
      expect(fast.keydir.size).toBe(keys.length);
    }
  });
});

describe('a store opened from hints', () => {
  it('has the keys, values and segment figures of the same store opened from its data files', async () => {
    const dir = path.join(tempDir(), 's');
    const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 4096 });
    const rand = rng(42);
    for (let i = 0; i < 3000; i++) {
      const key = `k${Math.floor(rand() * 300)}`;
      if (rand() < 0.15) await store.delete(key);
      else await store.put(key, `v${i}:${'x'.repeat(Math.floor(rand() * 40))}`);
    }
    // The newest record a put of a new key: one the keydir places itself.
    await store.put('last-new-key', 'v');
    expect(await store.flushBackground()).toEqual([]);
    await store.close();
    removeKeydirImage(dir);
    const scanned = path.join(tempDir(), 'scanned');
    copyDir(dir, scanned);
    for (const name of fs.readdirSync(scanned)) if (name.endsWith('.hint')) fs.rmSync(path.join(scanned, name));

    const fromHints = await Store.open(dir, { readOnly: true });
    const fromData = await Store.open(scanned, { readOnly: true });
    expect(fromHints.recovery.hintFallbacks).toEqual([]);
    expect(fromHints.stats().segments).toBeGreaterThan(10);
    const figures = (s: Store) => s.stats().perSegment.map(({ hasHint: _hasHint, ...rest }) => rest);
    expect(figures(fromHints)).toEqual(figures(fromData));
    // The same figures; only where they come from differs (hints describe the records as they were written).
    expect({ ...fromHints.stats(), perSegment: [], figuresFrom: undefined }).toEqual({ ...fromData.stats(), perSegment: [], figuresFrom: undefined });
    expect([fromHints.stats().figuresFrom, fromData.stats().figuresFrom]).toEqual(['index', 'records']);
    const keys = [...fromData.sortedKeys()];
    expect([...fromHints.sortedKeys()]).toEqual(keys);
    for (const key of keys) expect(fromHints.getSync(key)).toEqual(fromData.getSync(key));
    await fromHints.close();
    await fromData.close();

    // A writer opened from hints goes on numbering after every sequence they hold.
    const writer = await Store.open(dir);
    const lastBefore = Math.max(...writer.stats().perSegment.map((s) => s.newestSequence ?? 0));
    await writer.put('after', 'reopen');
    expect((await writer.history('after'))[0]!.location.sequence).toBe(lastBefore + 1);
    await writer.close();
  });
});
