/**
 * The keydir image (KEYDIR): written by a writer's clean close, taken over by
 * a read-only open instead of reading the hints, deleted by the next writer
 * before it changes anything, and ignored (with the reason reported) when it
 * is damaged, stale, or not a keydir at all.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { realFs, type EngineFs } from '../../src/engine/fs.js';
import { Store } from '../../src/engine/store.js';
import { AbortedError } from '../../src/engine/errors.js';
import { Keydir } from '../../src/engine/keydir.js';
import { readKeydirImage, type KeydirImage } from '../../src/engine/keydir-image.js';
import { decodeHint, encodeHint } from '../../src/engine/native/codec.js';
import { verifyNativeDirectory } from '../../src/engine/verify.js';
import { cleanTempDirs, copyDir, countingFs, hashDir, pathAwareFs, removeKeydirImage, resealedImage, tempDir } from './helpers.js';

afterEach(cleanTempDirs);

/** The checksum an image's last four bytes hold: of every byte before them. */
function crc32OfImage(b: Buffer): number {
  return zlibCrc32(b.subarray(0, b.length - 4));
}

const IMAGE = 'KEYDIR';

/** A deterministic mix of puts, overwrites, deletes and batches over small segments, with a compaction in the middle. */
async function workload(dir: string, seed: number): Promise<Map<string, string>> {
  let state = seed;
  const rand = (n: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % n;
  };
  const expected = new Map<string, string>();
  const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 600 });
  for (let i = 0; i < 160; i++) {
    const key = `key-${rand(40)}`;
    const roll = rand(10);
    if (roll < 2) {
      await store.delete(key);
      expected.delete(key);
    } else if (roll < 3) {
      const other = `key-${rand(40)}`;
      await store.batch([
        { type: 'put', key, value: `batch ${i}` },
        { type: 'delete', key: other },
      ]);
      expected.set(key, `batch ${i}`);
      if (other !== key) expected.delete(other);
    } else {
      const value = `value ${i} ${'x'.repeat(rand(30))}`;
      await store.put(key, value);
      expected.set(key, value);
    }
    if (i === 80) await store.compact();
  }
  expect(await store.flushBackground()).toEqual([]);
  await store.close();
  return expected;
}

/** A store of 300,000 keys closed cleanly: an image of several read chunks (a table of 524,288 entries). */
async function largeImageStore(): Promise<string> {
  const dir = tempDir() + '/s';
  const store = await Store.open(dir, { create: true, fsync: 'never' });
  for (let b = 0; b < 30; b++) {
    await store.batch(Array.from({ length: 10_000 }, (_, i) => ({ type: 'put' as const, key: `k${b * 10_000 + i}`, value: 'v' })));
  }
  await store.close();
  return dir;
}

/** Everything a reader can see of an open store. */
async function seen(store: Store): Promise<unknown> {
  const values: Record<string, string | undefined> = {};
  for (const key of store.sortedKeys()) values[key] = (await store.get(key))?.toString();
  return { keys: store.keyCount(), values, stats: store.stats() };
}

/** realFs, noting every path opened or read whole. */
function watchedFs(): { efs: EngineFs; touched: string[] } {
  const touched: string[] = [];
  const efs: EngineFs = {
    ...realFs,
    openSync: (p, flags, mode) => (touched.push(path.basename(p)), realFs.openSync(p, flags, mode)),
    readFileSync: (p) => (touched.push(path.basename(p)), realFs.readFileSync(p)),
  };
  return { efs, touched };
}

/** A read-only open of dir reports this (or no) reason for not using the image, and sees exactly `expected`. */
async function expectOpen(dir: string, expected: Map<string, string>, reason?: string): Promise<void> {
  const before = hashDir(dir);
  const store = await Store.open(dir, { readOnly: true });
  if (reason === undefined) expect(store.recovery.hintFallbacks).toEqual([]);
  else expect(store.recovery.hintFallbacks.join('\n')).toContain(reason);
  expect([...store.sortedKeys()]).toEqual([...expected.keys()].sort());
  for (const [k, v] of expected) expect((await store.get(k))?.toString(), k).toBe(v);
  await store.close();
  expect(hashDir(dir), 'a read-only open changes nothing').toEqual(before);
}


describe('keydir image', () => {
  it('a clean close writes it; a read-only open takes it over and opens no hint', async () => {
    const dir = tempDir() + '/s';
    const expected = await workload(dir, 1);
    expect(fs.existsSync(path.join(dir, IMAGE))).toBe(true);
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.hint')).length).toBeGreaterThan(2);

    const { efs, touched } = watchedFs();
    const store = await Store.open(dir, { readOnly: true, fs: efs });
    expect(touched.filter((n) => n.endsWith('.hint'))).toEqual([]);
    expect(touched).toContain(IMAGE);
    expect(store.recovery.hintFallbacks).toEqual([]);
    await store.close();
    await expectOpen(dir, expected);
  });

  for (const seed of [1, 2, 3, 4]) {
    it(`opens to the same store as the hints and segments do (workload ${seed})`, async () => {
      const dir = tempDir() + '/s';
      await workload(dir, seed);
      const withoutImage = tempDir() + '/copy';
      copyDir(dir, withoutImage);
      removeKeydirImage(withoutImage);

      const fromImage = await Store.open(dir, { readOnly: true });
      const fromHints = await Store.open(withoutImage, { readOnly: true });
      expect(fromImage.recovery.hintFallbacks).toEqual([]);
      expect(await seen(fromImage)).toEqual(await seen(fromHints));
      await fromImage.close();
      await fromHints.close();
    });
  }

  for (const seed of [11, 12, 13]) {
    it(`a writer takes it over too, and goes on as one that replayed the hints (workload ${seed})`, async () => {
      const dir = tempDir() + '/s';
      await workload(dir, seed);
      const withoutImage = tempDir() + '/copy';
      copyDir(dir, withoutImage);
      removeKeydirImage(withoutImage);
      const { efs, bytesRead } = countingFs();
      const fromImage = await Store.open(dir, { fs: efs, segmentSize: 600 });
      // Whole, at most the newest segment's hint, which the writer goes on from; of the others, their 20-byte headers.
      const hintsRead = [...bytesRead].filter(([n]) => n.endsWith('.hint'));
      expect(hintsRead.filter(([, bytes]) => bytes > 20).length).toBeLessThanOrEqual(1);
      expect(hintsRead.length).toBeGreaterThan(1);
      expect(fromImage.recovery.hintFallbacks).toEqual([]);
      const fromHints = await Store.open(withoutImage, { fsync: 'never', segmentSize: 600 });
      expect(await seen(fromImage)).toEqual(await seen(fromHints));
      // The same writes on both, across a rotation, then closed: both directories open to the same store, with or without their images.
      for (const store of [fromImage, fromHints]) {
        for (let i = 0; i < 30; i++) await store.put(`key-${i % 13}`, `after ${i}`);
        await store.delete('key-3');
        expect(await store.flushBackground()).toEqual([]);
        await store.close();
      }
      for (const d of [dir, withoutImage]) expect((await verifyNativeDirectory(d)).problems, d).toEqual([]);
      const views: unknown[] = [];
      for (const d of [dir, withoutImage]) {
        const store = await Store.open(d, { readOnly: true });
        views.push(await seen(store));
        await store.close();
        removeKeydirImage(d);
        const replayed = await Store.open(d, { readOnly: true });
        expect(replayed.recovery.hintFallbacks).toEqual([]);
        views.push(await seen(replayed));
        await replayed.close();
      }
      expect(views[1]).toEqual(views[0]);
      expect(views[2]).toEqual(views[0]);
      expect(views[3]).toEqual(views[0]);
    });
  }

  it('a writer from the image appends to the newest segment, and its hint at close lists every record of it', async () => {
    const dir = tempDir() + '/s';
    const expected = await workload(dir, 15);
    const newest = fs.readdirSync(dir).filter((n) => n.endsWith('.data')).sort().at(-1)!;
    const sizeBefore = fs.statSync(path.join(dir, newest)).size;
    const writer = await Store.open(dir, { segmentSize: 600 });
    expect(writer.recovery.hintFallbacks).toEqual([]);
    await writer.put('k', 'v');
    expected.set('k', 'v');
    await writer.close();
    // No rotation: the record went to the same segment, whose hint was written whole at close.
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.data')).sort().at(-1)).toBe(newest);
    expect(fs.statSync(path.join(dir, newest)).size).toBeGreaterThan(sizeBefore);
    expect(fs.existsSync(path.join(dir, newest.replace('.data', '.hint')))).toBe(true);
    removeKeydirImage(dir);
    const { efs, touched } = watchedFs();
    const fromHints = await Store.open(dir, { readOnly: true, fs: efs });
    // Every segment opened from its hint (none scanned for want of one).
    expect(fromHints.recovery.hintFallbacks).toEqual([]);
    const hintsRead = [...new Set(touched.filter((n) => n.endsWith('.hint')))].sort();
    expect(hintsRead).toEqual(fs.readdirSync(dir).filter((n) => n.endsWith('.data')).sort().map((n) => n.replace('.data', '.hint')));
    await fromHints.close();
    await expectOpen(dir, expected);
  });

  it('a writer does not take it over without the hint of the newest segment, which it appends to', async () => {
    const dir = tempDir() + '/s';
    const expected = await workload(dir, 14);
    const newest = fs.readdirSync(dir).filter((n) => n.endsWith('.data')).sort().at(-1)!;
    fs.rmSync(path.join(dir, newest.replace('.data', '.hint')), { force: true });
    const writer = await Store.open(dir, { segmentSize: 600 });
    expect(writer.recovery.hintFallbacks.join('\n')).toContain('KEYDIR: not used by a writer');
    await writer.put('one', 'more');
    expected.set('one', 'more');
    await writer.close();
    removeKeydirImage(dir);
    await expectOpen(dir, expected);
  });

  it('a writer that takes it over writes a sealed segment’s missing or stale hint again, as a replay would', async () => {
    const dir = tempDir() + '/s';
    const expected = await workload(dir, 15);
    const sealed = fs.readdirSync(dir).filter((n) => n.endsWith('.hint')).sort();
    expect(sealed.length).toBeGreaterThanOrEqual(3);
    const [missing, stale] = sealed;
    const good = fs.readFileSync(path.join(dir, stale!));
    fs.rmSync(path.join(dir, missing!));
    // The same entries, written for a data size the segment does not have (checksum made right).
    const decoded = decodeHint(good);
    if (!decoded.ok) throw new Error(decoded.reason);
    fs.writeFileSync(path.join(dir, stale!), encodeHint(decoded.hint.segmentId, decoded.hint.dataSize + 1, decoded.hint.entries));
    expect((await verifyNativeDirectory(dir)).problems.map((p) => [p.file, p.kind])).toEqual([[stale, 'stale-hint']]);

    const writer = await Store.open(dir, { segmentSize: 600 });
    expect(writer.recovery.hintFallbacks).toEqual([]);
    expect(await writer.flushBackground()).toEqual([]);
    await writer.close();
    expect(fs.readFileSync(path.join(dir, stale!))).toEqual(good);
    expect(fs.existsSync(path.join(dir, missing!))).toBe(true);
    expect((await verifyNativeDirectory(dir)).problems).toEqual([]);
    removeKeydirImage(dir);
    await expectOpen(dir, expected);
  });

  it('a writer deletes it as it opens, and a crash after its writes leaves none behind', async () => {
    const dir = tempDir() + '/s';
    const expected = await workload(dir, 5);
    const writer = await Store.open(dir);
    expect(fs.existsSync(path.join(dir, IMAGE))).toBe(false);
    await writer.put('after', 'the image');
    expected.set('after', 'the image');
    // A crash: the directory as it is now, without a close.
    const crashed = tempDir() + '/crashed';
    copyDir(dir, crashed);
    await writer.close();
    expect(fs.existsSync(path.join(crashed, IMAGE))).toBe(false);
    await expectOpen(crashed, expected, '');
    // The writer's close wrote a new image, which has the new key.
    expect(fs.existsSync(path.join(dir, IMAGE))).toBe(true);
    await expectOpen(dir, expected);
  });

  /** A store whose image was written before its last writer's change, put back after that writer closed. */
  async function staleImage(): Promise<{ dir: string; expected: Map<string, string>; old: Buffer }> {
    const dir = tempDir() + '/s';
    const expected = await workload(dir, 6);
    const old = fs.readFileSync(path.join(dir, IMAGE));
    const writer = await Store.open(dir);
    await writer.put('key-1', 'newer');
    expected.set('key-1', 'newer');
    await writer.close();
    fs.writeFileSync(path.join(dir, IMAGE), old);
    return { dir, expected, old };
  }

  it('a stale image (the segments have changed since) is not used', async () => {
    const { dir, expected } = await staleImage();
    await expectOpen(dir, expected, 'KEYDIR: stale, not used');
    expect((await verifyNativeDirectory(dir)).problems.map((p) => [p.file, p.kind])).toEqual([[IMAGE, 'stale-hint']]);
  });

  it('a stale image costs an open its header and segment table, not its keys', async () => {
    const { dir, old } = await staleImage();
    const headAndTable = 40 + old.readUInt32LE(12) * 48;
    expect(old.length).toBeGreaterThan(2 * headAndTable);
    // The reader leaves the image in place; the writer (last) deletes it, and writes a current one at its close.
    for (const readOnly of [true, false]) {
      const { efs, bytesRead } = countingFs();
      const store = await Store.open(dir, { readOnly, fs: efs });
      expect(store.recovery.hintFallbacks.join('\n')).toContain('KEYDIR: stale, not used');
      expect(bytesRead.get(IMAGE), readOnly ? 'reader' : 'writer').toBe(headAndTable);
      expect((await store.get('key-1'))?.toString()).toBe('newer');
      await store.close();
    }
  });

  it('every single-bit flip and every cut of the image: not used, the same data, verify names it', async () => {
    const dir = tempDir() + '/s';
    const expected = await workload(dir, 7);
    const good = fs.readFileSync(path.join(dir, IMAGE));
    expect((await verifyNativeDirectory(dir)).problems).toEqual([]);
    // Every byte of the header and the segment table, then a spread over the rest.
    const positions = new Set<number>();
    for (let i = 0; i < 200; i++) positions.add(i);
    for (let i = 200; i < good.length; i += 397) positions.add(i);
    positions.add(good.length - 1);
    for (const at of positions) {
      const bad = Buffer.from(good);
      bad[at]! ^= 1 << (at % 8);
      fs.writeFileSync(path.join(dir, IMAGE), bad);
      await expectOpen(dir, expected, 'KEYDIR');
      const problems = (await verifyNativeDirectory(dir)).problems;
      expect(problems.length, `flip at ${at}`).toBeGreaterThan(0);
      expect(problems.every((p) => p.file === IMAGE), `flip at ${at}`).toBe(true);
    }
    for (const length of [0, 3, 39, 40, 200, good.length >> 1, good.length - 1]) {
      fs.writeFileSync(path.join(dir, IMAGE), good.subarray(0, length));
      await expectOpen(dir, expected, 'KEYDIR');
    }
  });

  it('an image whose checksum holds but whose keydir is impossible is not used', async () => {
    const dir = tempDir() + '/s';
    const expected = await workload(dir, 8);
    const good = fs.readFileSync(path.join(dir, IMAGE));
    const segments = good.readUInt32LE(12);
    const slots = good.readUInt32LE(16);
    const free = good.readUInt32LE(20);
    const slotsAt = 40 + segments * 48;
    const tableAt = slotsAt + slots * 32 + free * 4;
    const tableSize = good.readUInt32LE(24);
    const firstEntry = (b: Buffer) => {
      for (let i = 0; i < tableSize; i++) if (b.readUInt32LE(tableAt + 8 * i + 4) !== 0) return tableAt + 8 * i;
      throw new Error('empty table');
    };
    const cases: Array<[string, (b: Buffer) => void]> = [
      ['a table entry naming a slot past the last', (b) => b.writeUInt32LE(slots + 5, firstEntry(b) + 4)],
      ['a key outside the key bytes', (b) => b.writeUInt32LE(0x7fff_0000, slotsAt + 6 * 4)],
      ['a key in a segment the directory lacks', (b) => b.writeUInt32LE(999, slotsAt + 4)],
      ['a slot listed twice in the table', (b) => {
        const entry = firstEntry(b);
        for (let i = 0; i < tableSize; i++) {
          if (b.readUInt32LE(tableAt + 8 * i + 4) !== 0) continue;
          b.writeUInt32LE(b.readUInt32LE(entry), tableAt + 8 * i);
          b.writeUInt32LE(b.readUInt32LE(entry + 4), tableAt + 8 * i + 4);
          return;
        }
      }],
      ['a table entry whose hash is not its slot’s', (b) => b.writeUInt32LE((b.readUInt32LE(firstEntry(b)) ^ 0x10) >>> 0, firstEntry(b))],
      ['two table entries that swapped their slots', (b) => {
        const first = firstEntry(b);
        for (let i = (first - tableAt) / 8 + 1; i < tableSize; i++) {
          const other = tableAt + 8 * i;
          if (b.readUInt32LE(other + 4) === 0) continue;
          const slot = b.readUInt32LE(first + 4);
          b.writeUInt32LE(b.readUInt32LE(other + 4), first + 4);
          b.writeUInt32LE(slot, other + 4);
          return;
        }
      }],
      ['a table entry naming a slot another entry names, instead of its own', (b) => {
        const first = firstEntry(b);
        for (let i = (first - tableAt) / 8 + 1; i < tableSize; i++) {
          const other = tableAt + 8 * i;
          if (b.readUInt32LE(other + 4) === 0) continue;
          b.writeUInt32LE(b.readUInt32LE(first), other);
          b.writeUInt32LE(b.readUInt32LE(first + 4), other + 4);
          return;
        }
      }],
      ['a table with no free entry', (b) => {
        for (let i = 0; i < tableSize; i++) if (b.readUInt32LE(tableAt + 8 * i + 4) === 0) b.writeUInt32LE(1, tableAt + 8 * i + 4);
      }],
    ];
    for (const [what, change] of cases) {
      fs.writeFileSync(path.join(dir, IMAGE), resealedImage(good, change));
      await expectOpen(dir, expected, 'KEYDIR: not a keydir');
      const problems = (await verifyNativeDirectory(dir)).problems;
      expect(problems.map((p) => [p.file, p.kind]), what).toEqual([[IMAGE, 'bad-hint']]);
    }
  });

  it('verify names a key the image points at the wrong record', async () => {
    const dir = tempDir() + '/s';
    await workload(dir, 9);
    const good = fs.readFileSync(path.join(dir, IMAGE));
    const slotsAt = 40 + good.readUInt32LE(12) * 48;
    // The first slot's record offset moved by one byte: the checksum is made right, the keydir is sound.
    const bad = resealedImage(good, (b) => b.writeUInt32LE(b.readUInt32LE(slotsAt + 8) + 1, slotsAt + 8));
    fs.writeFileSync(path.join(dir, IMAGE), bad);
    const problems = (await verifyNativeDirectory(dir)).problems;
    expect(problems.map((p) => [p.file, p.offset, p.kind])).toEqual([[IMAGE, slotsAt, 'hint-mismatch']]);
  });

  it('is written as version 2; a version 1 image (no header or page checksums) is still taken over', async () => {
    const dir = tempDir() + '/s';
    const expected = await workload(dir, 10);
    const good = fs.readFileSync(path.join(dir, IMAGE));
    expect(good.readUInt16LE(4)).toBe(2);
    // The same image as version 1 wrote it: version 1, the header checksum's field 0, no page checksums.
    const slotsAt = 40 + good.readUInt32LE(12) * 48;
    const arenaEnd = slotsAt + good.readUInt32LE(16) * 32 + good.readUInt32LE(20) * 4 + good.readUInt32LE(24) * 8 + good.readUInt32LE(28);
    const v1 = resealedImage(Buffer.concat([good.subarray(0, arenaEnd), Buffer.alloc(4)]), (b) => {
      b.writeUInt16LE(1, 4);
      b.writeUInt32LE(0, 36);
    });
    fs.writeFileSync(path.join(dir, IMAGE), v1);
    await expectOpen(dir, expected);
    expect((await verifyNativeDirectory(dir)).problems).toEqual([]);
    // A version 2 image without its page checksums does not add up.
    const cut = Buffer.concat([good.subarray(0, arenaEnd), Buffer.alloc(4)]);
    cut.writeUInt32LE(crc32OfImage(cut), cut.length - 4);
    fs.writeFileSync(path.join(dir, IMAGE), cut);
    await expectOpen(dir, expected, 'KEYDIR: its sections take');
  });

  it('a page checksum that does not match its page: an open still takes the image (its checksum holds), verify names it', async () => {
    const dir = tempDir() + '/s';
    const expected = await workload(dir, 11);
    const good = fs.readFileSync(path.join(dir, IMAGE));
    const slotsAt = 40 + good.readUInt32LE(12) * 48;
    const sumsAt = slotsAt + good.readUInt32LE(16) * 32 + good.readUInt32LE(20) * 4 + good.readUInt32LE(24) * 8 + good.readUInt32LE(28);
    const bad = Buffer.from(good);
    bad.writeUInt32LE((bad.readUInt32LE(sumsAt) ^ 1) >>> 0, sumsAt);
    bad.writeUInt32LE(crc32OfImage(bad), bad.length - 4);
    fs.writeFileSync(path.join(dir, IMAGE), bad);
    await expectOpen(dir, expected);
    const problems = (await verifyNativeDirectory(dir)).problems;
    expect(problems.map((p) => [p.file, p.offset, p.kind])).toEqual([[IMAGE, sumsAt, 'bad-hint']]);
    expect(problems[0]!.message).toContain('page 0');
  });

  it('reading and checking a large image pause between steps, and a cancel there cancels the open', async () => {
    const dir = await largeImageStore();
    const size = fs.statSync(path.join(dir, IMAGE)).size;

    // The read pauses after every chunk of every section, with the bytes read so far, up to the trailer.
    const seenDone: number[] = [];
    const loaded = await readKeydirImage(realFs, dir, async (done, total) => {
      expect(total).toBe(size);
      seenDone.push(done);
    });
    expect(loaded.ok).toBe(true);
    expect(seenDone.length).toBeGreaterThanOrEqual(3); // slots, table and key bytes (no free slot here)
    expect(seenDone).toEqual([...seenDone].sort((a, b) => a - b));
    expect(seenDone.at(-1)).toBe(size - 4);
    // The reader checked the keydir as it arrived: taking it over checks nothing again.
    const state = (loaded as { ok: true; image: KeydirImage }).image.keydir;
    let checkPauses = 0;
    const keydir = new Keydir();
    expect(await keydir.adoptState(state, () => true, async () => void checkPauses++)).toBeUndefined();
    expect(checkPauses).toBe(0);
    expect(keydir.size).toBe(300_000);
    // A state no check has seen (here a copy of that one) is checked whole, and the check of its 300,000 keys
    // (a table of 524,288 entries) pauses too.
    const unchecked = () => ({ ...state, slots: state.slots.slice(), table: state.table.slice(), arena: state.arena.slice(), freeSlots: state.freeSlots.slice() });
    expect(await new Keydir().adoptState(unchecked(), () => true, async () => void checkPauses++)).toBeUndefined();
    expect(checkPauses).toBeGreaterThan(0);
    expect(await new Keydir().adoptState(unchecked(), (id) => id !== state.slots[1], async () => undefined)).toMatch(/unknown segment/);

    // A cancel met while reading is the open's, not a reason to do without the image.
    await expect(readKeydirImage(realFs, dir, async () => { throw new AbortedError('open'); })).rejects.toBeInstanceOf(AbortedError);
    await expect(new Keydir().adoptState(unchecked(), () => true, async () => { throw new AbortedError('open'); })).rejects.toBeInstanceOf(AbortedError);
  });

  it('reading a large image: no read is left in flight when it fails or is cancelled part way, and the files stay as they were', async () => {
    const dir = await largeImageStore();
    const before = hashDir(dir);
    let inFlight = 0;
    let reads = 0;
    let most = 0;
    let failAt = -1;
    const efs: EngineFs = {
      ...realFs,
      read: async (fd, buf, off, len, pos) => {
        const n = ++reads;
        inFlight++;
        most = Math.max(most, inFlight);
        try {
          // Later reads finish first, so that a failure meets reads still running.
          await new Promise((resolve) => setTimeout(resolve, n === failAt ? 1 : 20));
          if (n === failAt) throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
          return await realFs.read(fd, buf, off, len, pos);
        } finally {
          inFlight--;
        }
      },
    };

    // Read whole: several chunks at once, and the same image as a plain read gives.
    const whole = await readKeydirImage(efs, dir);
    expect(whole.ok).toBe(true);
    expect(most).toBeGreaterThan(1);
    const plain = (await readKeydirImage(realFs, dir)) as { ok: true; image: KeydirImage };
    expect(Buffer.from((whole as { ok: true; image: KeydirImage }).image.keydir.table.buffer).equals(Buffer.from(plain.image.keydir.table.buffer))).toBe(true);

    // A read that fails while others run: the image is not used, for that reason, and nothing still reads.
    reads = 0;
    failAt = 3;
    const failed = await readKeydirImage(efs, dir);
    expect(failed).toEqual({ ok: false, reason: 'KEYDIR: EIO: i/o error, read' });
    expect(inFlight).toBe(0);

    // A cancel between chunks: thrown, and nothing still reads.
    reads = 0;
    failAt = -1;
    let pauses = 0;
    await expect(readKeydirImage(efs, dir, async () => { if (++pauses === 2) throw new AbortedError('open'); })).rejects.toBeInstanceOf(AbortedError);
    expect(inFlight).toBe(0);
    expect(hashDir(dir)).toEqual(before);
  });

  it('no image is written when the close cannot make the active segment durable', async () => {
    const dir = tempDir() + '/s';
    const expected = await workload(dir, 16);
    let failDataSync = false;
    const efs = pathAwareFs((pathOf) => ({
      fdatasyncSync: (fd) => {
        if (failDataSync && pathOf(fd)?.endsWith('.data')) throw Object.assign(new Error('EIO: i/o error (injected)'), { code: 'EIO' });
        realFs.fdatasyncSync(fd);
      },
    }));
    const writer = await Store.open(dir, { fs: efs, fsync: 'never' });
    await writer.put('late', 'write');
    expected.set('late', 'write');
    failDataSync = true;
    await writer.close();
    expect(fs.existsSync(path.join(dir, IMAGE))).toBe(false);
    await expectOpen(dir, expected, '');
  });

  it('no image is written when a segment is damaged', async () => {
    const dir = tempDir() + '/s';
    await workload(dir, 10);
    removeKeydirImage(dir);
    // Damage the first segment's last byte and take its hint away: the writer scans it and finds the damage.
    fs.rmSync(path.join(dir, '000001.hint'), { force: true });
    const first = fs.readdirSync(dir).filter((n) => n.endsWith('.data')).sort()[0]!;
    fs.rmSync(path.join(dir, first.replace('.data', '.hint')), { force: true });
    const bytes = fs.readFileSync(path.join(dir, first));
    bytes[bytes.length - 1]! ^= 0xff;
    fs.writeFileSync(path.join(dir, first), bytes);
    const writer = await Store.open(dir);
    expect(writer.stats().perSegment.some((s) => s.corruptBytes > 0)).toBe(true);
    await writer.close();
    expect(fs.existsSync(path.join(dir, IMAGE))).toBe(false);
  });
});
