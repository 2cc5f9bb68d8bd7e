/**
 * A one-shot read through the keydir image (getThroughKeydirImage): what
 * matters is that it never gives a wrong answer. It answers with a value
 * only when the data files confirm it, with "absent" only when the pages of
 * the image it read match their checksums (version 2), and says "cannot
 * tell" (undefined, so the caller opens the store) for anything else: a
 * stale or damaged image, a record that is not the key's. And that it reads
 * a few small pieces of the image, not all of it, and changes nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getThroughKeydirImage } from '../../src/engine/image-lookup.js';
import { readImageLayout, type ImageLayout } from '../../src/engine/keydir-image.js';
import { realFs } from '../../src/engine/fs.js';
import { KEYDIR_IMAGE_FILE } from '../../src/engine/native/files.js';
import { IMAGE_HEADER, IMAGE_SEGMENT } from '../../src/engine/native/layout.js';
import { Store } from '../../src/engine/store.js';
import { cleanTempDirs, countingFs, damageValueOf, hashDir, resealedImage, tempDir } from './helpers.js';

afterAll(cleanTempDirs);

const KEYS = 20_000;
const key = (i: number) => `user:${String(i).padStart(6, '0')}`;

/** A store closed cleanly (so with an image), over several segments: keys overwritten, some deleted; what each key holds now. */
async function closedStore(): Promise<{ dir: string; live: Map<string, Buffer>; deleted: string[] }> {
  const dir = path.join(tempDir(), 'store');
  const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 256 * 1024 });
  const live = new Map<string, Buffer>();
  for (let i = 0; i < KEYS; i++) {
    const value = Buffer.from(`first ${i} `.repeat(1 + (i % 5)));
    await store.put(key(i), value);
    live.set(key(i), value);
  }
  for (let i = 0; i < KEYS; i += 7) {
    const value = Buffer.from(`second ${i}`);
    await store.put(key(i), value);
    live.set(key(i), value);
  }
  const deleted: string[] = [];
  for (let i = 3; i < KEYS; i += 11) {
    await store.delete(key(i));
    live.delete(key(i));
    deleted.push(key(i));
  }
  await store.close();
  expect(fs.existsSync(path.join(dir, KEYDIR_IMAGE_FILE))).toBe(true);
  return { dir, live, deleted };
}

/** Where the sections of an image file lie. */
function layoutOf(imagePath: string): ImageLayout {
  const fd = fs.openSync(imagePath, 'r');
  try {
    const layout = readImageLayout(realFs, fd);
    if (typeof layout === 'string') throw new Error(layout);
    return layout;
  } finally {
    fs.closeSync(fd);
  }
}

describe('getThroughKeydirImage', () => {
  it('gives every live key its value, and says "absent" for deleted and unknown keys', async () => {
    const { dir, live, deleted } = await closedStore();
    for (const [k, value] of live) expect(getThroughKeydirImage(dir, Buffer.from(k))).toEqual(value);
    for (const k of deleted) expect(getThroughKeydirImage(dir, Buffer.from(k))).toBe('absent');
    for (let i = 0; i < 2000; i++) expect(getThroughKeydirImage(dir, Buffer.from(`nobody-${i}`))).toBe('absent');
    expect(getThroughKeydirImage(dir, Buffer.alloc(0))).toBeUndefined();
  });

  it('a version 1 image (no page checksums) gives values, and cannot tell for a key it lacks', async () => {
    const { dir, live, deleted } = await closedStore();
    const imagePath = path.join(dir, KEYDIR_IMAGE_FILE);
    const layout = layoutOf(imagePath);
    const v2 = fs.readFileSync(imagePath);
    fs.writeFileSync(imagePath, resealedImage(Buffer.concat([v2.subarray(0, layout.pageSumsAt), Buffer.alloc(4)]), (b) => {
      b.writeUInt16LE(1, IMAGE_HEADER.version);
      b.writeUInt32LE(0, IMAGE_HEADER.headerCrc);
    }));
    expect(layoutOf(imagePath).version).toBe(1);
    const [k, value] = [...live.entries()][321]!;
    expect(getThroughKeydirImage(dir, Buffer.from(k))).toEqual(value);
    expect(getThroughKeydirImage(dir, Buffer.from(deleted[5]!))).toBeUndefined();
    expect(getThroughKeydirImage(dir, Buffer.from('nobody'))).toBeUndefined();
  });

  it('says "absent" only when the table and slot pages it read match their checksums', async () => {
    const { dir, live } = await closedStore();
    const imagePath = path.join(dir, KEYDIR_IMAGE_FILE);
    const good = fs.readFileSync(imagePath);
    const layout = layoutOf(imagePath);
    const pageOf = (at: number) => Math.floor((at - layout.slotsAt) / 4096);
    const missing = Array.from({ length: 300 }, (_, i) => `missing-${i}`);
    for (const k of missing) expect(getThroughKeydirImage(dir, Buffer.from(k))).toBe('absent');
    // One byte changed in each page of the table in turn (its checksum not made right): the keys whose probe
    // reads that page cannot be told apart from a key dropped by the damage, so no "absent" for them.
    const tablePages = new Set<number>();
    for (let e = 0; e < layout.tableSize; e += 512) tablePages.add(pageOf(layout.tableAt + e * 8));
    let undecided = 0;
    for (const page of tablePages) {
      const bad = Buffer.from(good);
      const at = Math.max(layout.tableAt, layout.slotsAt + page * 4096) + 5;
      bad[at]! ^= 0x40;
      fs.writeFileSync(imagePath, bad);
      for (const k of missing) {
        const got = getThroughKeydirImage(dir, Buffer.from(k));
        expect(got === 'absent' || got === undefined, k).toBe(true);
        if (got === undefined) undecided++;
      }
      for (const [k, value] of [...live].slice(0, 300)) {
        const got = getThroughKeydirImage(dir, Buffer.from(k));
        if (got !== undefined) expect(got).toEqual(value);
      }
    }
    // Every missing key's probe read one of the damaged pages once.
    expect(undecided).toBeGreaterThanOrEqual(missing.length);
    // A byte changed in slot 1: slot 0's key, on the same page, is not answered from that page.
    const keyAt = good.readUInt32LE(layout.slotsAt + 24);
    const slot0Key = good.toString('latin1', layout.arenaAt + keyAt, layout.arenaAt + keyAt + good.readUInt32LE(layout.slotsAt + 28));
    fs.writeFileSync(imagePath, good);
    expect(getThroughKeydirImage(dir, Buffer.from(slot0Key))).toEqual(live.get(slot0Key));
    const bad = Buffer.from(good);
    bad[layout.slotsAt + 32 + 8]! ^= 0x01;
    fs.writeFileSync(imagePath, bad);
    expect(getThroughKeydirImage(dir, Buffer.from(slot0Key))).toBeUndefined();
  });

  it('reads a few small pieces of the image, not the image, and changes no byte of the directory', async () => {
    const { dir, live } = await closedStore();
    const before = hashDir(dir);
    const imageBytes = fs.statSync(path.join(dir, KEYDIR_IMAGE_FILE)).size;
    expect(imageBytes).toBeGreaterThan(1024 * 1024);
    const { efs, bytesReadFrom } = countingFs();
    const probe = [...live.keys()].filter((_, i) => i % 1000 === 0);
    for (const k of probe) expect(getThroughKeydirImage(dir, Buffer.from(k), efs)).toEqual(live.get(k));
    // Per lookup: the header, the segment table, a page of table entries, a page of slots, their checksums.
    expect(bytesReadFrom((name) => name === KEYDIR_IMAGE_FILE) / probe.length).toBeLessThan(12 * 1024);
    // A key it does not hold: no more of the image, and nothing of the data files.
    const dataBefore = bytesReadFrom((name) => name.endsWith('.data'));
    const imageBefore = bytesReadFrom((name) => name === KEYDIR_IMAGE_FILE);
    for (let i = 0; i < probe.length; i++) expect(getThroughKeydirImage(dir, Buffer.from(`nobody-${i}`), efs)).toBe('absent');
    expect(bytesReadFrom((name) => name.endsWith('.data'))).toBe(dataBefore);
    expect((bytesReadFrom((name) => name === KEYDIR_IMAGE_FILE) - imageBefore) / probe.length).toBeLessThan(12 * 1024);
    expect(hashDir(dir)).toEqual(before);
  });

  it('cannot tell once the data files are not the ones the image describes', async () => {
    const { dir, live } = await closedStore();
    const [k, value] = [...live.entries()][100]!;
    expect(getThroughKeydirImage(dir, Buffer.from(k))).toEqual(value);
    // A segment grown behind the image's back (the image is not deleted, as a writer would).
    const newest = fs.readdirSync(dir).filter((n) => n.endsWith('.data')).sort().at(-1)!;
    fs.appendFileSync(path.join(dir, newest), Buffer.alloc(10));
    expect(getThroughKeydirImage(dir, Buffer.from(k))).toBeUndefined();
    // And once a writer has opened it: the image is gone.
    fs.truncateSync(path.join(dir, newest), fs.statSync(path.join(dir, newest)).size - 10);
    expect(getThroughKeydirImage(dir, Buffer.from(k))).toEqual(value);
    const writer = await Store.open(dir);
    expect(getThroughKeydirImage(dir, Buffer.from(k))).toBeUndefined();
    await writer.close();
  });

  it('never gives a wrong answer from a damaged image: any byte changed, the answer is the right one or none', async () => {
    const { dir, live, deleted } = await closedStore();
    const imagePath = path.join(dir, KEYDIR_IMAGE_FILE);
    const original = fs.readFileSync(imagePath);
    const layout = layoutOf(imagePath);
    const keys = [...live.keys()];
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    // Damage aimed where a lookup reads (the header, the segment table, the slots, the table) and anywhere.
    const regions = [
      [0, layout.slotsAt],
      [layout.slotsAt, layout.tableAt],
      [layout.tableAt, layout.arenaAt],
      [0, original.length],
    ] as const;
    let answered = 0;
    for (let round = 0; round < 400; round++) {
      const damaged = Buffer.from(original);
      const [from, to] = regions[round % regions.length]!;
      for (let n = 0; n < 1 + (round % 4); n++) damaged[from + Math.floor(random() * (to - from))]! ^= 1 + Math.floor(random() * 255);
      fs.writeFileSync(imagePath, damaged);
      for (let j = 0; j < 5; j++) {
        const k = keys[Math.floor(random() * keys.length)]!;
        const got = getThroughKeydirImage(dir, Buffer.from(k));
        if (got !== undefined) {
          expect(got).toEqual(live.get(k));
          answered++;
        }
        const gone = getThroughKeydirImage(dir, Buffer.from(deleted[Math.floor(random() * deleted.length)]!));
        expect(gone === 'absent' || gone === undefined).toBe(true);
      }
    }
    // Most damage misses the few bytes a lookup reads: the lookups did answer.
    expect(answered).toBeGreaterThan(1000);
  });

  it('cannot tell when the record is damaged (opened, the store reports it)', async () => {
    const { dir, live } = await closedStore();
    const k = key(4242);
    expect(getThroughKeydirImage(dir, Buffer.from(k))).toEqual(live.get(k));
    await damageValueOf(dir, k, 2, 0x20);
    expect(getThroughKeydirImage(dir, Buffer.from(k))).toBeUndefined();
    expect(getThroughKeydirImage(dir, Buffer.from(key(4243)))).toEqual(live.get(key(4243)));
  });

  it('does not give an older value of the key when its slot points at an older record of it', async () => {
    const { dir, live } = await closedStore();
    const k = key(7 * 100); // written twice: an older put of it is still in the data
    const reader = await Store.open(dir, { readOnly: true });
    const [older, newest] = await reader.history(k);
    await reader.close();
    expect(older!.kind).toBe('put');
    expect(newest!.status).toBe('live');
    expect(getThroughKeydirImage(dir, Buffer.from(k))).toEqual(live.get(k));
    // The key's slot made to say the older record's segment, offset and length (its sequence left as it was).
    const imagePath = path.join(dir, KEYDIR_IMAGE_FILE);
    const image = fs.readFileSync(imagePath);
    const layout = layoutOf(imagePath);
    let patched = 0;
    for (let slot = 0; slot < layout.slotCount; slot++) {
      const at = layout.slotsAt + slot * 32;
      const keyAt = image.readUInt32LE(at + 24);
      const keyLength = image.readUInt32LE(at + 28);
      if (keyLength !== k.length || image.toString('latin1', layout.arenaAt + keyAt, layout.arenaAt + keyAt + keyLength) !== k) continue;
      image.writeUInt32LE(older!.location.segment, at + 4);
      image.writeUInt32LE(older!.location.offset, at + 8);
      image.writeUInt32LE(older!.location.length, at + 12);
      patched++;
    }
    expect(patched).toBe(1);
    fs.writeFileSync(imagePath, resealedImage(image));
    expect(getThroughKeydirImage(dir, Buffer.from(k))).toBeUndefined();
  });

  it('reads no more than a record of the key can be, whatever length its slot claims', async () => {
    const { dir, live } = await closedStore();
    const k = key(1234);
    const imagePath = path.join(dir, KEYDIR_IMAGE_FILE);
    const image = fs.readFileSync(imagePath);
    const layout = layoutOf(imagePath);
    // The image made to describe segments of 4 GiB, and the key's slot a record of 1 GiB; the file system agrees on the sizes.
    const claimed = 2 ** 32 - 1;
    for (let i = 0; i < layout.segments.length; i++) image.writeUInt32LE(claimed, IMAGE_HEADER.size + i * IMAGE_SEGMENT.size + IMAGE_SEGMENT.dataSize);
    for (let slot = 0; slot < layout.slotCount; slot++) {
      const at = layout.slotsAt + slot * 32;
      const keyAt = image.readUInt32LE(at + 24);
      if (image.toString('latin1', layout.arenaAt + keyAt, layout.arenaAt + keyAt + image.readUInt32LE(at + 28)) === k) image.writeUInt32LE(2 ** 30, at + 12);
    }
    fs.writeFileSync(imagePath, resealedImage(image));
    let largestRead = 0;
    const efs = {
      ...realFs,
      statSize: (p: string) => (p.endsWith('.data') ? claimed : realFs.statSize(p)),
      readSync: (fd: number, buf: Uint8Array, off: number, len: number, pos: number) => {
        largestRead = Math.max(largestRead, len);
        return realFs.readSync(fd, buf, off, len, pos);
      },
    };
    expect(getThroughKeydirImage(dir, Buffer.from(k), efs)).toBeUndefined();
    expect(largestRead).toBeLessThan(64 * 1024);
    // The other keys' slots still say their own lengths: answered (their data files are as long as needed).
    expect(live.get(key(1236))).toBeDefined();
    expect(getThroughKeydirImage(dir, Buffer.from(key(1236)), efs)).toEqual(live.get(key(1236)));
  });

  it('does not give another key\'s value when a table entry names that key\'s slot', async () => {
    const { dir, live } = await closedStore();
    const imagePath = path.join(dir, KEYDIR_IMAGE_FILE);
    const image = fs.readFileSync(imagePath);
    const layout = layoutOf(imagePath);
    // Every table entry now names the slot of the entry after it (slot + 1 wraps through the used slots).
    for (let e = 0; e < layout.tableSize; e++) {
      const at = layout.tableAt + e * 8 + 4;
      const slotPlusOne = image.readUInt32LE(at);
      if (slotPlusOne !== 0) image.writeUInt32LE((slotPlusOne % layout.slotCount) + 1, at);
    }
    // Checksums made right, as a faulty writer would: the entries and the slots they name disagree on the hash.
    fs.writeFileSync(imagePath, resealedImage(image));
    for (const k of [...live.keys()].slice(0, 500)) {
      const got = getThroughKeydirImage(dir, Buffer.from(k));
      if (got !== undefined) expect(got).toEqual(live.get(k));
    }
  });
});
