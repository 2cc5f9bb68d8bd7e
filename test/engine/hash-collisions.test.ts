/**
 * A point read finds its slot by the key's 32-bit hash and lets the record
 * confirm the key. Keys that share a hash must still read their own values,
 * an absent key sharing a live key's hash must read as absent, and a damaged
 * record must only fail reads of its own key.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CorruptRecordError } from '../../src/engine/errors.js';
import { Store } from '../../src/engine/store.js';
import { cleanTempDirs, collidingPairs, damageValueOf, tempDir } from './helpers.js';

afterEach(cleanTempDirs);

describe('keys sharing a hash', () => {
  const [[a, b], [c, absent]] = collidingPairs(2);

  async function build(segmentSize?: number): Promise<string> {
    const dir = tempDir() + '/s';
    const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize });
    // a is in the table before b: a read of b meets a's slot first.
    await store.put(a, 'value of a');
    await store.put(b, 'value of b');
    await store.put(c, 'value of c');
    await store.put('filler', 'x'.repeat(200));
    await store.close();
    return dir;
  }

  it('read their own values; a key sharing a live key hash reads as absent', async () => {
    expect(a).not.toBe(b);
    for (const segmentSize of [undefined, 60]) {
      const store = await Store.open(await build(segmentSize), { readOnly: true });
      expect(store.getSync(a)?.toString()).toBe('value of a');
      expect(store.getSync(b)?.toString()).toBe('value of b');
      expect(store.getSync(c)?.toString()).toBe('value of c');
      expect(store.getSync(absent)).toBeUndefined();
      expect(store.has(absent)).toBe(false);
      await store.close();
    }
  });

  it('a damaged record fails only its own key', async () => {
    const dir = await build();
    // Flip the last byte of a's value on disk.
    await damageValueOf(dir, a, 1, 0xff);

    const damaged = await Store.open(dir, { readOnly: true });
    expect(damaged.getSync(b)?.toString()).toBe('value of b');
    expect(() => damaged.getSync(a)).toThrow(CorruptRecordError);
    expect(() => damaged.getSync(a)).toThrow(/checksum mismatch/);
    await damaged.close();
  });
});
