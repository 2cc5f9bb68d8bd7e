import { describe, expect, it } from 'vitest';
import { Keydir } from '../../src/engine/keydir.js';
import { rng } from '../../bench/rng.js';


describe('Keydir (open addressing over typed arrays)', () => {
  it('agrees with a Map through inserts, overwrites, deletes, growth and trim', () => {
    const kd = new Keydir();
    const model = new Map<string, { segment: number; offset: number; length: number; sequence: number }>();
    const rand = rng(11);
    let seq = 1;
    for (let step = 0; step < 60_000; step++) {
      const key = `k${Math.floor(rand() * 6000)}`;
      const r = rand();
      const bytes = Buffer.from(key, 'latin1');
      if (r < 0.55) {
        const loc = { segment: 1 + Math.floor(rand() * 5), offset: step, length: 30 + (step % 50), sequence: seq++ };
        expect(kd.setIfNewerBytes(bytes, 0, bytes.length, loc.segment, loc.offset, loc.length, loc.sequence)).toBe(true);
        model.set(key, loc);
      } else if (r < 0.6) {
        // An older put never wins.
        if (model.has(key)) expect(kd.setIfNewerBytes(bytes, 0, bytes.length, 9, 0, 40, 0)).toBe(false);
      } else if (r < 0.85) {
        const removed = kd.deleteIfNotNewer(bytes, undefined, 0, bytes.length, 1, seq++, false);
        expect(removed >= 0).toBe(model.has(key));
        model.delete(key);
      } else {
        const slot = kd.slotOfBytes(bytes, 0, bytes.length);
        expect(slot >= 0).toBe(model.has(key));
        if (slot >= 0) expect(kd.get(key)).toEqual(model.get(key));
      }
      if (step % 20_000 === 0) kd.trim();
    }
    expect(kd.size).toBe(model.size);
    // Unsorted, then again once the sorted list is cached.
    expect([...kd.unorderedKeys()].sort()).toEqual([...model.keys()].sort());
    expect(kd.sortedKeys()).toEqual([...model.keys()].sort());
    expect([...kd.unorderedKeys()]).toEqual([...model.keys()].sort());
    for (const [k, loc] of model) expect(kd.get(k)).toEqual(loc);
    expect(new Map(kd.entries())).toEqual(model);
  });

  it('replay: a tombstone hides older puts read later, whatever the order, and endReplay drops it', () => {
    const kd = new Keydir();
    const a = Buffer.from('a');
    const b = Buffer.from('b');
    // Newer tombstone first (a compaction output read before...), older put after: stays deleted.
    kd.deleteIfNotNewer(a, undefined, 0, 1, 2, 10, true);
    expect(kd.setIfNewerBytes(a, 0, 1, 1, 24, 30, 5)).toBe(false);
    expect(kd.slotOfBytes(a, 0, 1)).toBe(-1);
    expect(kd.size).toBe(0);
    // A newer put brings it back.
    expect(kd.setIfNewerBytes(a, 0, 1, 3, 24, 30, 11)).toBe(true);
    expect(kd.size).toBe(1);
    // An older tombstone does not remove a newer put.
    expect(kd.deleteIfNotNewer(b, undefined, 0, 1, 1, 1, true)).toBe(-1);
    kd.setIfNewerBytes(b, 0, 1, 1, 100, 30, 7);
    expect(kd.deleteIfNotNewer(b, undefined, 0, 1, 1, 6, true)).toBe(-1);
    expect(kd.sequenceOf('b')).toBe(7);
    kd.endReplay();
    expect(kd.sortedKeys()).toEqual(['a', 'b']);
    expect(kd.size).toBe(2);
  });
});
