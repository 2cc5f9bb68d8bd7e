/**
 * Fault injection through a wrapping EngineFs: failed and partial writes,
 * failed fsyncs, group commit under the batch policy, failures while
 * rotating and while writing hints, and oversized keys and values.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { FailedStoreError, IoError, TooLargeError } from '../../src/engine/errors.js';
import type { FsyncPolicy } from '../../src/engine/types.js';
import { cleanTempDirs, dataFiles, hashDir, removeKeydirImage, tempDir } from './helpers.js';
import { PassThroughFs } from './pass-through-fs.js';

afterEach(cleanTempDirs);

type Fault = (name: string, path: string | undefined, args: unknown[]) => 'fail' | 'partial' | undefined;

/** realFs plus: fd → path bookkeeping, call counts, and one-shot faults. */
class FaultFs extends PassThroughFs {
  readonly paths = new Map<number, string>();
  readonly calls = new Map<string, number>();
  private faults: Fault[] = [];

  /** Arm a fault: the first call it answers 'fail' (or 'partial' for writes) fails, once. */
  arm(fault: Fault): void {
    this.faults.push(fault);
  }

  private check(name: string, p: string | undefined, args: unknown[]): 'fail' | 'partial' | undefined {
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
    for (const [i, f] of this.faults.entries()) {
      const what = f(name, p, args);
      if (what) {
        this.faults.splice(i, 1);
        return what;
      }
    }
    return undefined;
  }

  private static eio(name: string): Error {
    return Object.assign(new Error(`EIO: injected failure of ${name}`), { code: 'EIO' });
  }

  count(name: string): number {
    return this.calls.get(name) ?? 0;
  }

  override openSync(p: string, flags: string, mode?: number): number {
    if (this.check('openSync', p, [flags])) throw FaultFs.eio('open');
    const fd = super.openSync(p, flags, mode);
    this.paths.set(fd, p);
    return fd;
  }
  override closeSync(fd: number): void {
    this.paths.delete(fd);
    super.closeSync(fd);
  }
  override writeSync(fd: number, b: Uint8Array, o: number, l: number, pos: number): number {
    const what = this.check('writeSync', this.paths.get(fd), [l, pos]);
    if (what === 'partial') {
      super.writeSync(fd, b, o, Math.max(1, l >> 1), pos);
      throw FaultFs.eio('write (after a partial write)');
    }
    if (what) throw FaultFs.eio('write');
    return super.writeSync(fd, b, o, l, pos);
  }
  override fdatasyncSync(fd: number): void {
    if (this.check('fdatasyncSync', this.paths.get(fd), [])) throw FaultFs.eio('fdatasync');
    super.fdatasyncSync(fd);
  }
  override async fdatasync(fd: number): Promise<void> {
    const size = fs.fstatSync(fd).size;
    if (this.check('fdatasync', this.paths.get(fd), [])) throw FaultFs.eio('fdatasync');
    await super.fdatasync(fd);
    this.synced.push({ path: this.paths.get(fd)!, size });
  }
  /** Sizes the files had when an async fdatasync that completed started. */
  readonly synced: Array<{ path: string; size: number }> = [];
  override ftruncateSync(fd: number, len: number): void {
    if (this.check('ftruncateSync', this.paths.get(fd), [len])) throw FaultFs.eio('ftruncate');
    super.ftruncateSync(fd, len);
  }
  override renameSync(a: string, b: string): void {
    if (this.check('renameSync', a, [b])) throw FaultFs.eio('rename');
    super.renameSync(a, b);
  }
  override linkSync(a: string, b: string): void {
    if (this.check('linkSync', a, [b])) throw FaultFs.eio('link');
    super.linkSync(a, b);
  }
  override unlinkSync(p: string): void {
    if (this.check('unlinkSync', p, [])) throw FaultFs.eio('unlink');
    super.unlinkSync(p);
  }
  override fsyncDirSync(p: string): void {
    if (this.check('fsyncDirSync', p, [])) throw FaultFs.eio('fsync dir');
    super.fsyncDirSync(p);
  }
}

const isData = (p: string | undefined): boolean => !!p && /\d{6}\.data$/.test(p);

async function reopenAndRead(dir: string, keys: string[]): Promise<Record<string, string | undefined>> {
  const store = await Store.open(dir);
  const out: Record<string, string | undefined> = {};
  for (const k of keys) out[k] = (await store.get(k))?.toString();
  expect((await store.verify()).problems).toEqual([]);
  await store.close();
  return out;
}

describe('a failing write', () => {
  for (const mode of ['fail', 'partial'] as const) {
    it(`(${mode}) leaves no half record and the store keeps working`, async () => {
      const dir = path.join(tempDir(), 's');
      const efs = new FaultFs();
      const store = await Store.open(dir, { create: true, fs: efs });
      await store.put('a', 'A');
      await store.put('b', 'B');
      const file = path.join(dir, '000001.data');
      const before = fs.readFileSync(file);
      efs.arm((name, p) => (name === 'writeSync' && isData(p) ? mode : undefined));
      await expect(store.put('c', 'a value that will not make it')).rejects.toBeInstanceOf(IoError);
      // Nothing of the failed record stays: the file is what it was, or that cut back (its preallocated zeros dropped).
      const after = fs.readFileSync(file);
      expect(after.length).toBeLessThanOrEqual(before.length);
      expect(after.equals(before.subarray(0, after.length))).toBe(true);
      expect(after.length).toBeGreaterThan(2 * 24);
      expect(store.has('c')).toBe(false);
      expect(await store.get('c')).toBeUndefined();
      await store.put('d', 'D');
      expect((await store.get('d'))?.toString()).toBe('D');
      await store.close();
      expect(await reopenAndRead(dir, ['a', 'b', 'c', 'd'])).toEqual({ a: 'A', b: 'B', c: undefined, d: 'D' });
    });
  }

  it('whose cut-back also fails makes the store refuse writes; reopening cuts the torn tail', async () => {
    const dir = path.join(tempDir(), 's');
    const efs = new FaultFs();
    const store = await Store.open(dir, { create: true, fs: efs });
    await store.put('a', 'A');
    efs.arm((name, p) => (name === 'writeSync' && isData(p) ? 'partial' : undefined));
    efs.arm((name) => (name === 'ftruncateSync' ? 'fail' : undefined));
    await expect(store.put('c', 'a value that will not make it')).rejects.toBeInstanceOf(IoError);
    await expect(store.put('d', 'D')).rejects.toBeInstanceOf(FailedStoreError);
    await store.close();
    const again = await Store.open(dir);
    expect(again.recovery.tornTails.map((p) => p.offset)).toEqual([24 + 22 + 2]);
    expect([...again.sortedKeys()]).toEqual(['a']);
    await again.put('d', 'D');
    await again.close();
    expect(await reopenAndRead(dir, ['a', 'c', 'd'])).toEqual({ a: 'A', c: undefined, d: 'D' });
  });
});

describe('a failing fsync', () => {
  for (const fsync of ['always', 'batch'] as FsyncPolicy[]) {
    it(`(${fsync}) rejects the write and makes the store refuse writes until reopened`, async () => {
      const dir = path.join(tempDir(), 's');
      const efs = new FaultFs();
      const store = await Store.open(dir, { create: true, fs: efs, fsync });
      await store.put('a', 'A');
      efs.arm((name, p) => ((name === 'fdatasyncSync' || name === 'fdatasync') && isData(p) ? 'fail' : undefined));
      await expect(store.put('b', 'B')).rejects.toBeInstanceOf(IoError);
      await expect(store.put('c', 'C')).rejects.toBeInstanceOf(FailedStoreError);
      await expect(store.delete('a')).rejects.toBeInstanceOf(FailedStoreError);
      await expect(store.batch([{ type: 'put', key: 'x', value: 'y' }])).rejects.toBeInstanceOf(FailedStoreError);
      await expect(store.compact()).rejects.toBeInstanceOf(FailedStoreError);
      // Reads still work.
      expect((await store.get('a'))?.toString()).toBe('A');
      await store.close();

      const again = await Store.open(dir, { fsync });
      expect((await again.get('a'))?.toString()).toBe('A');
      expect(again.has('c')).toBe(false);
      await again.put('c', 'C');
      await again.close();
      const read = await reopenAndRead(dir, ['a', 'b', 'c']);
      expect(read.a).toBe('A');
      expect(read.c).toBe('C');
      expect([undefined, 'B']).toContain(read.b);
    });
  }
});

describe('group commit (fsync batch)', () => {
  it('concurrent puts all resolve after a shared fdatasync that started after their append', async () => {
    const dir = path.join(tempDir(), 's');
    const efs = new FaultFs();
    const store = await Store.open(dir, { create: true, fs: efs, fsync: 'batch' });
    const n = 60;
    const before = efs.count('fdatasync');
    const syncSyncsBefore = efs.count('fdatasyncSync');
    const puts = Array.from({ length: n }, (_, i) =>
      store.put(`key-${i}`, `value-${i}`).then(() => {
        const loc = store.locate(`key-${i}`)!;
        const file = path.join(dir, loc.file);
        const durable = efs.synced.some((s) => s.path === file && s.size >= loc.offset + loc.length);
        expect(durable, `key-${i} acknowledged before an fdatasync covered it`).toBe(true);
      }),
    );
    await Promise.all(puts);
    const syncs = efs.count('fdatasync') - before;
    expect(syncs).toBeGreaterThan(0);
    expect(syncs).toBeLessThan(n / 4);
    // Under the batch policy no write pays for a synchronous fdatasync of its own.
    expect(efs.count('fdatasyncSync')).toBe(syncSyncsBefore);
    await store.close();
    const read = await reopenAndRead(dir, ['key-0', `key-${n - 1}`]);
    expect(read).toEqual({ 'key-0': 'value-0', [`key-${n - 1}`]: `value-${n - 1}` });
  });

  it('a failed shared fdatasync rejects every write waiting for it', async () => {
    const dir = path.join(tempDir(), 's');
    const efs = new FaultFs();
    const store = await Store.open(dir, { create: true, fs: efs, fsync: 'batch' });
    await store.put('first', '1');
    efs.arm((name) => (name === 'fdatasync' ? 'fail' : undefined));
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => store.put(`k${i}`, 'v')));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    await expect(store.put('later', 'x')).rejects.toBeInstanceOf(FailedStoreError);
    await store.close();
    expect((await reopenAndRead(dir, ['first'])).first).toBe('1');
  });
});

describe('failures during rotation and hint writing', () => {
  for (const where of ['seal fsync', 'create new segment', 'new segment header write', 'new segment dir fsync'] as const) {
    it(`rotation failing at "${where}" is reported and loses no data`, async () => {
      const dir = path.join(tempDir(), 's');
      const efs = new FaultFs();
      const store = await Store.open(dir, { create: true, fs: efs, segmentSize: 200 });
      const written: Record<string, string> = {};
      for (let i = 0; i < 4; i++) {
        await store.put(`k${i}`, `value ${i} ${'x'.repeat(20)}`);
        written[`k${i}`] = `value ${i} ${'x'.repeat(20)}`;
      }
      const segmentsBefore = dataFiles(dir);
      const newSegment = path.join(dir, `${String(segmentsBefore.length + 1).padStart(6, '0')}.data`);
      efs.arm((name, p, args) => {
        if (where === 'seal fsync') return name === 'fdatasyncSync' && p === path.join(dir, segmentsBefore.at(-1)!) ? 'fail' : undefined;
        if (where === 'create new segment') return name === 'openSync' && p === newSegment ? 'fail' : undefined;
        if (where === 'new segment header write') return name === 'writeSync' && p === newSegment ? 'fail' : undefined;
        return name === 'fsyncDirSync' && args.length === 0 && efs.paths.size > 0 && fs.existsSync(newSegment) ? 'fail' : undefined;
      });
      // This put does not fit: the store rotates first.
      await expect(store.put('big', 'y'.repeat(150))).rejects.toBeInstanceOf(IoError);
      expect(store.has('big')).toBe(false);
      for (const [k, v] of Object.entries(written)) expect((await store.get(k))?.toString()).toBe(v);
      await store.close();
      // No half-made segment is left behind.
      expect(dataFiles(dir)).toEqual(segmentsBefore);
      const read = await reopenAndRead(dir, [...Object.keys(written), 'big']);
      expect(read).toEqual({ ...written, big: undefined });
    });
  }

  it('a hint that cannot be written is reported by flushBackground; the data stays and the next open scans', async () => {
    const dir = path.join(tempDir(), 's');
    const efs = new FaultFs();
    const store = await Store.open(dir, { create: true, fs: efs, segmentSize: 200 });
    efs.arm((name, p) => (name === 'renameSync' && p?.endsWith('.hint.tmp') ? 'fail' : undefined));
    const written: Record<string, string> = {};
    for (let i = 0; i < 12; i++) {
      await store.put(`k${i}`, `value ${i} ${'x'.repeat(30)}`);
      written[`k${i}`] = `value ${i} ${'x'.repeat(30)}`;
    }
    const errors = await store.flushBackground();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain('rename');
    for (const [k, v] of Object.entries(written)) expect((await store.get(k))?.toString()).toBe(v);
    await store.close();
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toHaveLength(1);

    // The keydir image was written at close: a read-only open takes it over and needs no hint.
    const fromImage = await Store.open(dir, { readOnly: true });
    expect(fromImage.recovery.hintFallbacks).toEqual([]);
    for (const [k, v] of Object.entries(written)) expect((await fromImage.get(k))?.toString()).toBe(v);
    await fromImage.close();
    removeKeydirImage(dir);
    const ro = await Store.open(dir, { readOnly: true });
    expect(ro.recovery.hintFallbacks).toEqual(['000001.hint: missing']);
    await ro.close();
    const again = await Store.open(dir);
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    for (const [k, v] of Object.entries(written)) expect((await again.get(k))?.toString()).toBe(v);
    expect(await again.flushBackground()).toEqual([]);
    await again.close();
    expect(fs.existsSync(path.join(dir, '000001.hint'))).toBe(true);
  });
});

describe('oversized keys and values', () => {
  it('throw TooLargeError and write nothing', async () => {
    const dir = path.join(tempDir(), 's');
    const store = await Store.open(dir, { create: true });
    await store.put('a', 'A');
    const before = hashDir(dir);
    const bigKey = Buffer.alloc(64 * 1024 + 1, 0x61);
    const bigValue = Buffer.alloc(64 * 1024 * 1024 + 1, 0x62);
    await expect(store.put(bigKey, 'v')).rejects.toBeInstanceOf(TooLargeError);
    await expect(store.put('k', bigValue)).rejects.toBeInstanceOf(TooLargeError);
    await expect(
      store.batch([
        { type: 'put', key: 'ok', value: 'fine' },
        { type: 'put', key: 'k', value: bigValue },
      ]),
    ).rejects.toBeInstanceOf(TooLargeError);
    expect(hashDir(dir)).toEqual(before);
    expect([...store.sortedKeys()]).toEqual(['a']);
    // The limits themselves are allowed.
    await store.put(Buffer.alloc(64 * 1024, 0x61), 'max key');
    expect((await store.get(Buffer.alloc(64 * 1024, 0x61)))?.toString()).toBe('max key');
    await store.put('next', 'works');
    await store.close();
    expect((await reopenAndRead(dir, ['a', 'next', 'ok'])).next).toBe('works');
  });
});
