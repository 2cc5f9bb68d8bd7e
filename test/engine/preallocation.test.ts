/**
 * Preallocated space (docs/FORMAT.md): a writer that syncs its appends writes
 * zeros ahead of them, so that an fdatasync need not commit a new file size.
 * The scanner takes zeros that run to the end of a file for that space, not
 * damage; a clean close and the next writer's open cut them off; readers and
 * verify leave them alone; an append cut short in them is a torn tail.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { memorySource } from '../../src/engine/native/byte-source.js';
import { encodeRecordInto, encodeSegmentHeader, recordLength } from '../../src/engine/native/codec.js';
import { FLAG_BATCH_FIRST, FLAG_IN_BATCH, RECORD_PUT } from '../../src/engine/native/layout.js';
import { committedRecords, scanRecords, type ScanEvent } from '../../src/engine/native/scan.js';
import { PREALLOCATE_BYTES } from '../../src/engine/segment.js';
import { cleanTempDirs, copyDir, dataFiles, hashDir, tempDir } from './helpers.js';

afterEach(cleanTempDirs);

function record(sequence: number, key: string, value: Buffer | string, flags = 0): Buffer {
  const v = Buffer.from(value);
  const out = Buffer.alloc(recordLength(key.length, v.length));
  encodeRecordInto(out, 0, RECORD_PUT, flags, sequence, Buffer.from(key), v);
  return out;
}

const header = encodeSegmentHeader({ flags: 0, segmentId: 1, sequenceFloor: 0 });
const summary = (events: Iterable<ScanEvent | { kind: string; offset: number }>): string[] =>
  [...events].map((e) => `${e.kind}@${e.offset}${'length' in e ? `+${e.length}` : ''}`);

describe('the scanner and preallocated space', () => {
  const a = record(1, 'a', 'one');
  const b = record(2, 'b', 'two');

  it('ends at zeros that run to the end of the file, and reports them as preallocated space', () => {
    const file = Buffer.concat([header, a, b, Buffer.alloc(4096)]);
    expect(summary(scanRecords(memorySource(file)))).toEqual([`record@24+${a.length}`, `record@${24 + a.length}+${b.length}`, `preallocated@${24 + a.length + b.length}+4096`]);
  });

  it('keeps a record whose value ends in zero bytes whole', () => {
    const zeroEnded = record(3, 'z', Buffer.from([7, 0, 0, 0, 0]));
    const file = Buffer.concat([header, a, zeroEnded, Buffer.alloc(100)]);
    const events = [...scanRecords(memorySource(file))];
    expect(summary(events)).toEqual([`record@24+${a.length}`, `record@${24 + a.length}+${zeroEnded.length}`, `preallocated@${24 + a.length + zeroEnded.length}+100`]);
  });

  it('takes an append cut short in the zeros for a torn tail, the zeros after it for preallocated space', () => {
    // Up to the value's first byte: the last byte written is not a zero.
    const cut = b.subarray(0, 24);
    const at = 24 + a.length;
    const file = Buffer.concat([header, a, cut, Buffer.alloc(1000)]);
    const events = [...scanRecords(memorySource(file))];
    expect(summary(events)).toEqual([`record@24+${a.length}`, `torn@${at}+24`, `preallocated@${at + 24}+1000`]);
    expect(events[1]).toMatchObject({ reason: expect.stringContaining('preallocated space') });
  });

  it('still calls a whole record with a wrong checksum before the zeros corrupt', () => {
    const bad = Buffer.from(b);
    bad[bad.length - 2]! ^= 0x40;
    const at = 24 + a.length;
    const file = Buffer.concat([header, a, bad, Buffer.alloc(1000)]);
    expect(summary(scanRecords(memorySource(file)))).toEqual([`record@24+${a.length}`, `corrupt@${at}+${bad.length}`, `preallocated@${at + bad.length}+1000`]);
  });

  it('reports a record that runs past the end of the file as torn, zeros and all, as before', () => {
    // Cut inside the key-length field, whose high bytes are zeros.
    const cut = b.subarray(0, 17);
    expect(cut.subarray(-2).equals(Buffer.alloc(2))).toBe(true);
    const file = Buffer.concat([header, a, cut]);
    expect(summary(scanRecords(memorySource(file)))).toEqual([`record@24+${a.length}`, `torn@${24 + a.length}+17`]);
  });

  it('takes zeros fewer than a record header at the end for preallocated space too (appends may leave that little room)', () => {
    const file = Buffer.concat([header, a, Buffer.alloc(9)]);
    expect(summary(scanRecords(memorySource(file)))).toEqual([`record@24+${a.length}`, `preallocated@${24 + a.length}+9`]);
  });

  it('drops a batch that the preallocated space cuts short, as the end of the file would', () => {
    const first = record(3, 'c', 'three', FLAG_IN_BATCH | FLAG_BATCH_FIRST);
    const file = Buffer.concat([header, a, first, Buffer.alloc(500)]);
    const events = [...committedRecords(scanRecords(memorySource(file)))];
    expect(summary(events)).toEqual([`record@24+${a.length}`, `incomplete-batch@${24 + a.length}+${first.length}`, `preallocated@${24 + a.length + first.length}+500`]);
    expect(events[1]).toMatchObject({ reason: 'the file ends inside the batch' });
  });
});

const value = (i: number): string => `value-${i}-`.padEnd(40, 'x');

async function writeKeys(dir: string, n: number, options: Parameters<typeof Store.open>[1] = {}): Promise<Store> {
  const store = await Store.open(dir, { create: true, ...options });
  for (let i = 0; i < n; i++) await store.put(`key:${i}`, value(i));
  return store;
}

function dataEnd(dir: string, file: string): number {
  const events = [...scanRecords(memorySource(fs.readFileSync(path.join(dir, file))))];
  const last = events.at(-1)!;
  return last.kind === 'preallocated' ? last.offset : fs.statSync(path.join(dir, file)).size;
}

/**
 * The files a syncing writer that crashed leaves: `n` keys written, the
 * directory copied while the writer still runs (no close, no image, no LOCK).
 */
async function crashedCopy(n: number): Promise<{ crashed: string; file: string; end: number }> {
  const dir = path.join(tempDir(), 's');
  const live = await writeKeys(dir, n);
  const crashed = path.join(tempDir(), 'crashed');
  copyDir(dir, crashed);
  await live.close();
  return { crashed, file: path.join(crashed, '000001.data'), end: dataEnd(crashed, '000001.data') };
}

async function expectKeys(store: Store, n: number): Promise<void> {
  expect(store.keyCount()).toBe(n);
  for (let i = 0; i < n; i++) expect((await store.get(`key:${i}`))?.toString()).toBe(value(i));
}

describe('a writer that syncs its appends', () => {
  it('writes them over zeros it put ahead of them, and cuts the zeros off when it closes', async () => {
    const dir = path.join(tempDir(), 's');
    const store = await writeKeys(dir, 20);
    const file = path.join(dir, '000001.data');
    const end = store.stats().perSegment[0]!.bytes;
    const bytes = fs.readFileSync(file);
    expect(bytes.length).toBeGreaterThan(end);
    expect(bytes.subarray(end).equals(Buffer.alloc(bytes.length - end))).toBe(true);
    await store.close();
    expect(fs.statSync(file).size).toBe(end);
    const reader = await Store.open(dir, { readOnly: true });
    await expectKeys(reader, 20);
    await reader.close();
  });

  it('reserves a page at first, then as much as it reserved so far each time while it goes on appending, up to 1 MiB', async () => {
    const dir = path.join(tempDir(), 's');
    const store = await Store.open(dir, { create: true, segmentSize: 64 * 1024 * 1024 });
    const file = path.join(dir, '000001.data');
    const steps: number[] = [];
    let size = fs.statSync(file).size;
    for (let i = 0; steps.length < 10; i++) {
      await store.put(`key:${i}`, 'v'.repeat(1000));
      const now = fs.statSync(file).size;
      if (now !== size) steps.push(now - size);
      size = now;
    }
    const record = 1000 + 22 + 'key:0'.length;
    // Each step reaches past the append that needed it by as much as was reserved so far (a page the first time).
    expect(steps[0]).toBe(record + 4096);
    let reserved = steps[0]!;
    for (let i = 1; i < steps.length; i++) {
      expect(steps[i]!, `step ${i}`).toBeGreaterThan(Math.min(PREALLOCATE_BYTES, reserved) - record);
      expect(steps[i]!, `step ${i}`).toBeLessThanOrEqual(Math.min(PREALLOCATE_BYTES, reserved) + record);
      reserved += steps[i]!;
    }
    expect(steps.at(-1)).toBeGreaterThan(PREALLOCATE_BYTES / 2);
    await store.close();
  });

  it('does not preallocate when it never syncs', async () => {
    const dir = path.join(tempDir(), 's');
    const store = await writeKeys(dir, 20, { fsync: 'never' });
    expect(fs.statSync(path.join(dir, '000001.data')).size).toBe(store.stats().perSegment[0]!.bytes);
    await store.close();
  });

  it('seals every full segment without its zeros', async () => {
    const dir = path.join(tempDir(), 's');
    const store = await writeKeys(dir, 300, { segmentSize: 4096 });
    await store.flushBackground();
    const files = dataFiles(dir);
    expect(files.length).toBeGreaterThan(3);
    for (const f of files.slice(0, -1)) expect(fs.statSync(path.join(dir, f)).size, f).toBe(dataEnd(dir, f));
    expect(fs.statSync(path.join(dir, files.at(-1)!)).size).toBeGreaterThan(dataEnd(dir, files.at(-1)!));
    expect((await store.verify()).problems).toEqual([]);
    await store.close();
  });

  it('after a crash: readers and verify leave the zeros alone, the next writer cuts them off, and nothing is reported', async () => {
    const { crashed, file, end } = await crashedCopy(50);
    expect(fs.statSync(file).size).toBeGreaterThan(end);

    const before = hashDir(crashed);
    const reader = await Store.open(crashed, { readOnly: true });
    expect(reader.recovery).toMatchObject({ tornTails: [], skipped: [] });
    expect(reader.stats().perSegment[0]!.bytes).toBe(end);
    await expectKeys(reader, 50);
    expect((await reader.verify()).problems).toEqual([]);
    await reader.close();
    expect(hashDir(crashed)).toEqual(before);

    const writer = await Store.open(crashed);
    expect(writer.recovery).toMatchObject({ tornTails: [], skipped: [] });
    expect(fs.statSync(file).size).toBe(end);
    await writer.put('key:50', value(50));
    await expectKeys(writer, 51);
    await writer.close();
    const again = await Store.open(crashed, { readOnly: true });
    await expectKeys(again, 51);
    expect((await again.verify()).problems).toEqual([]);
    await again.close();
  });

  it('after a crash mid-append: the record cut short in the zeros is a torn tail, cut off by the next writer', async () => {
    const { crashed, file, end } = await crashedCopy(10);
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, record(11, 'key:10', value(10)).subarray(0, 30), 0, 30, end);
    fs.closeSync(fd);

    const reader = await Store.open(crashed, { readOnly: true });
    expect(reader.recovery.tornTails).toMatchObject([{ file: '000001.data', offset: end, length: 30, kind: 'torn-tail' }]);
    expect(reader.recovery.skipped).toEqual([]);
    await expectKeys(reader, 10);
    expect((await reader.verify()).problems).toMatchObject([{ kind: 'torn-tail', offset: end, length: 30 }]);
    await reader.close();

    const writer = await Store.open(crashed);
    expect(writer.recovery.tornTails).toMatchObject([{ offset: end, message: expect.stringContaining('(cut off)') }]);
    expect(fs.statSync(file).size).toBe(end);
    await expectKeys(writer, 10);
    await writer.close();
  });
});
