import { describe, expect, it } from 'vitest';
import { Keydir } from '../../src/engine/keydir.js';
import { hashBytes } from '../../src/engine/native/key-hash.js';
import { rng } from '../../bench/rng.js';


describe('Keydir (open addressing over typed arrays)', () => {
  it('keeps sequence numbers beyond 32 bits exactly, and compares them as numbers', () => {
    const kd = new Keydir();
    const key = Buffer.from('k');
    for (const sequence of [2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40 + 5, 2 ** 53 - 1]) {
      expect(kd.setIfNewerBytes(key, 0, 1, 1, 24, 30, sequence)).toBe(true);
      expect(kd.sequenceOf('k')).toBe(sequence);
      // Not older than itself, and an older one loses.
      expect(kd.setIfNewerBytes(key, 0, 1, 2, 24, 30, sequence)).toBe(false);
      expect(kd.setIfNewerBytes(key, 0, 1, 2, 24, 30, sequence - 1)).toBe(false);
    }
    expect(kd.get('k')).toEqual({ segment: 1, offset: 24, length: 30, sequence: 2 ** 53 - 1 });
  });

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

  it('long keys, and an arena compacted under churn, keep every key and location', () => {
    const kd = new Keydir();
    const model = new Map<string, number>();
    const rand = rng(5);
    let seq = 1;
    // Keys of 40-300 bytes (both the short byte loop and the long compare/copy path), a third deleted each round:
    // the removed keys' bytes pass 1 MiB of garbage, so the arena is compacted mid-way, not only by trim.
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 8000; i++) {
        const n = Math.floor(rand() * 12000);
        const key = `${n}:`.padEnd(40 + (n % 261), String.fromCharCode(97 + (n % 26)));
        const b = Buffer.from(key, 'latin1');
        kd.setIfNewerBytes(b, 0, b.length, 1, i, 100, seq);
        model.set(key, seq++);
      }
      for (const key of [...model.keys()]) {
        if (rand() < 0.33) {
          expect(kd.delete(key)).toBeDefined();
          model.delete(key);
        }
      }
      expect(kd.size).toBe(model.size);
      for (const [key, sequence] of model) expect(kd.sequenceOf(key)).toBe(sequence);
    }
    kd.trim();
    expect(kd.sortedKeys()).toEqual([...model.keys()].sort());
    const slot = kd.slotOf(kd.sortedKeys()[0]!);
    expect(kd.keyAt(slot)).toBe(kd.sortedKeys()[0]);
  });

  it('smallestKeys: the n smallest keys in bytewise order, prefixes and high bytes included, without the sort', () => {
    const kd = new Keydir();
    const rand = rng(21);
    const keys = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const length = Math.floor(rand() * 6);
      let key = '';
      for (let j = 0; j < length; j++) key += String.fromCharCode([0, 1, 0x61, 0x62, 0x7f, 0x80, 0xff][Math.floor(rand() * 7)]!);
      keys.add(key);
      const b = Buffer.from(key, 'latin1');
      kd.setIfNewerBytes(b, 0, b.length, 1, i, 10, i + 1);
    }
    for (const key of [...keys].slice(0, 100)) kd.delete(key);
    const expected = [...keys].slice(100).sort();
    for (const n of [0, 1, 7, 300, 100_000]) expect(kd.smallestKeys(n)).toEqual({ keys: expected.slice(0, n), count: expected.length });
    kd.sortedKeys();
    expect(kd.smallestKeys(50)).toEqual({ keys: expected.slice(0, 50), count: expected.length });
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

  it('trim gives back reserved room only when more than an eighth of it is unused', () => {
    type Sizes = { capacity: number; arena: Buffer };
    const fill = (reserved: number, used: number): Keydir => {
      const kd = new Keydir();
      kd.reserve(reserved, reserved * 8);
      for (let i = 0; i < used; i++) kd.set(`key${String(i).padStart(5, '0')}`, { segment: 1, offset: i, length: 10, sequence: i + 1 });
      kd.trim();
      return kd;
    };
    // 10% spare: kept (a copy of the columns would cost more than the room is worth).
    const close = fill(11_000, 10_000) as unknown as Sizes;
    expect(close.capacity).toBe(11_000);
    expect(close.arena.length).toBe(88_000);
    // 50% spare: given back.
    const loose = fill(20_000, 10_000);
    expect((loose as unknown as Sizes).capacity).toBe(10_000);
    expect((loose as unknown as Sizes).arena.length).toBe(80_000);
    expect(loose.get('key09999')).toEqual({ segment: 1, offset: 9999, length: 10, sequence: 10_000 });
  });

  it('keys that cluster under the fixed seed make it move to a seed of its own, and stay found', () => {
    // 1,200 keys whose hash shares its top 11 bits: one home slot in a 2,048-entry table, whatever its size
    // they share a run of home slots (found by brute force: anyone can, the seed being fixed).
    const colliding: string[] = [];
    const b = Buffer.alloc(16);
    for (let i = 0; colliding.length < 1200; i++) {
      const length = b.write(`c${i}`, 0, 'latin1');
      if (hashBytes(b, 0, length) >>> 21 === 0x2a5) colliding.push(`c${i}`);
    }
    const kd = new Keydir();
    colliding.forEach((k, i) => kd.set(k, { segment: 1, offset: i, length: 10, sequence: i + 1 }));
    expect(kd.reseeded).toBe(true);
    colliding.forEach((k, i) => expect(kd.get(k)?.offset).toBe(i));
    // After the move no probe is long: the table's largest displacement is small.
    const { table, shift, mask } = kd as unknown as { table: Uint32Array; shift: number; mask: number };
    let longest = 0;
    for (let i = 0; i < table.length / 2; i++) if (table[2 * i + 1] !== 0) longest = Math.max(longest, (i - (table[2 * i]! >>> shift)) & mask);
    expect(longest).toBeLessThan(64);
    kd.delete(colliding[5]!);
    expect(kd.has(colliding[5]!)).toBe(false);
    expect(kd.get(colliding[6]!)?.offset).toBe(6);
  });

  it('ordinary keys keep the fixed seed (hint files stay in table order)', () => {
    const kd = new Keydir();
    for (let i = 0; i < 200_000; i++) kd.set(`user:${String(i * 7919).padStart(11, '0')}`, { segment: 1, offset: i, length: 10, sequence: i + 1 });
    expect(kd.reseeded).toBe(false);
  });

  it('places keys by the top bits of their hash: keys inserted in hash order fill the table front to back', () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => Buffer.from(`key:${i}`));
    keys.sort((a, b) => hashBytes(a, 0, a.length) - hashBytes(b, 0, b.length));
    const kd = new Keydir();
    kd.reserve(keys.length, keys.length * 10);
    keys.forEach((k, i) => kd.setIfNewerBytes(k, 0, k.length, 1, i, 10, i + 1));
    // Slots are numbered in insertion order; walking the table front to back meets them in that order
    // (but for the few that wrapped around from the table's end to its start).
    const { table } = kd as unknown as { table: Uint32Array };
    const slots: number[] = [];
    for (let i = 0; i < table.length / 2; i++) if (table[2 * i + 1] !== 0) slots.push(table[2 * i + 1]! - 1);
    let outOfOrder = 0;
    for (let i = 1; i < slots.length; i++) if (slots[i]! < slots[i - 1]!) outOfOrder++;
    expect(outOfOrder).toBeLessThanOrEqual(1);
  });
});

describe('Keydir.slotsByLocation', () => {
  it('orders the live slots of the segments asked for by (segment rank, offset), in steps or at once', () => {
    const kd = new Keydir();
    const rand = rng(11);
    const where = new Map<number, [number, number]>();
    for (let i = 0; i < 5000; i++) {
      const key = Buffer.from(`key-${i}`);
      const segment = 1 + Math.floor(rand() * 4);
      const offset = 24 + Math.floor(rand() * 0x3fff_ffff);
      kd.setIfNewerBytes(key, 0, key.length, segment, offset, 40, i);
      where.set(kd.slotOfBytes(key, 0, key.length), [segment, offset]);
    }
    const ids = [3, 1, 4];
    const at = kd.slotsByLocation(ids);
    const steps = kd.slotsByLocationSteps(ids);
    let pauses = 0;
    let step = steps.next();
    for (; !step.done; step = steps.next()) pauses++;
    expect(pauses, 'a pause after gathering and after each digit of the sort').toBe(4);
    expect([...step.value.order]).toEqual([...at.order]);
    // Every live slot of segments 3, 1, 4 once, by the segment's place in ids, then by offset; each segment's range in `first`.
    const expected = [...where].filter(([, [s]]) => ids.includes(s)).sort(([, [sa, oa]], [, [sb, ob]]) => ids.indexOf(sa) - ids.indexOf(sb) || oa - ob);
    expect([...at.order].map((i) => at.slots[i])).toEqual(expected.map(([slot]) => slot));
    for (let r = 0; r < ids.length; r++) {
      const inRange = [...at.order.subarray(at.first[r], at.first[r + 1])].map((i) => where.get(at.slots[i]!)![0]);
      expect(new Set(inRange), `segment ${ids[r]}`).toEqual(new Set([ids[r]]));
    }
  });
});

describe('Keydir.slotsNotFoundByKeySteps', () => {
  /** A state of 70,000 keys (more than one step), copied so that it can be changed and adopted. */
  function state() {
    const kd = new Keydir();
    for (let i = 0; i < 70_000; i++) {
      const key = Buffer.from(`key-${i}`);
      kd.setIfNewerBytes(key, 0, key.length, 1, 24 + 40 * i, 40, i + 1);
    }
    kd.delete('key-5');
    const s = kd.exportState();
    return { ...s, slots: s.slots.slice(), table: s.table.slice(), arena: Buffer.from(s.arena), freeSlots: s.freeSlots.slice() };
  }
  const SLOT_WORDS = 8;
  const slotOf = (s: ReturnType<typeof state>, key: string) => {
    for (let slot = 0; slot < s.slots.length / SLOT_WORDS; slot++) {
      const at = s.slots[slot * SLOT_WORDS + 6]!;
      const length = s.slots[slot * SLOT_WORDS + 7]!;
      if (length === key.length && s.arena.toString('latin1', at, at + length) === key) return slot;
    }
    throw new Error(`no slot holds ${key}`);
  };
  const lost = async (s: ReturnType<typeof state>) => {
    const kd = new Keydir();
    expect(await kd.adoptState(s, () => true)).toBeUndefined();
    const steps = kd.slotsNotFoundByKeySteps();
    let pauses = 0;
    let step = steps.next();
    for (; !step.done; step = steps.next()) pauses++;
    expect(pauses).toBeGreaterThan(1);
    return step.value;
  };

  it('finds none in a keydir built by inserts', async () => {
    expect(await lost(state())).toEqual([]);
  });

  it('finds a slot whose hash, in the slot and the table alike, is not its key’s', async () => {
    const s = state();
    const slot = slotOf(s, 'key-123');
    const h = s.slots[slot * SLOT_WORDS]!;
    const entry = [...Array(s.table.length / 2).keys()].find((i) => s.table[2 * i + 1] === slot + 1)!;
    s.slots[slot * SLOT_WORDS] = (h ^ 1) >>> 0;
    s.table[2 * entry] = (h ^ 1) >>> 0;
    expect(await lost(s)).toEqual([slot]);
  });

  it('finds the second of two slots that hold the same key', async () => {
    const s = state();
    const first = slotOf(s, 'key-7');
    const second = slotOf(s, 'key-8');
    // key-8's slot now points at key-7's bytes (same length): its table entry still carries key-8's hash.
    s.slots[second * SLOT_WORDS + 6] = s.slots[first * SLOT_WORDS + 6]!;
    expect(await lost(s)).toEqual([second]);
  });
});

