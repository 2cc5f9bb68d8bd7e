/**
 * Shared helpers for the engine tests: temp dirs, directory hashes and
 * copies, bytewise key order, deterministic noise bytes, keys that share a
 * hash.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { Store } from '../../src/engine/store.js';
import { realFs, type EngineFs } from '../../src/engine/fs.js';
import { hashBytes } from '../../src/engine/native/key-hash.js';

const made: string[] = [];

export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvscope-'));
  made.push(dir);
  return dir;
}

/** Remove every temp dir made so far (call from afterEach/afterAll). */
export function cleanTempDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** name → sha256 of every file directly in dir. */
export function hashDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (fs.statSync(p).isFile()) out[name] = createHash('sha256').update(fs.readFileSync(p)).digest('hex');
  }
  return out;
}

/**
 * Remove the keydir image a writer's clean close leaves (KEYDIR), as a crash
 * would: a read-only open then reads the hints and segments, which is what
 * tests of those paths are about (with the image, it reads neither).
 */
export function removeKeydirImage(dir: string): void {
  fs.rmSync(path.join(dir, 'KEYDIR'), { force: true });
}

/**
 * Compact the store in `dir`, and copy the directory to `crashed` right
 * after the COMPACTION manifest is committed: `crashed` is then as a crash
 * at that point leaves it (outputs still *.compacting, inputs still there).
 * Returns the manifest: the ids of the inputs and of the outputs.
 */
export async function crashAfterCompactionCommit(dir: string, crashed: string): Promise<{ inputs: number[]; outputs: number[] }> {
  const store = await Store.open(dir, {
    fsync: 'never',
    compactionHooks: {
      afterStep(step) {
        if (step !== 'manifest-committed') return;
        copyDir(dir, crashed);
        throw new Error('simulated crash');
      },
    },
  });
  try {
    await store.compact();
    throw new Error('the compaction did not reach its commit');
  } catch (err) {
    if ((err as Error).message !== 'simulated crash') throw err;
  } finally {
    await store.close();
  }
  return JSON.parse(fs.readFileSync(path.join(crashed, 'COMPACTION'), 'utf8')) as { inputs: number[]; outputs: number[] };
}

/**
 * Compact the store in `dir`, and copy the directory to `crashed` when its
 * outputs are written and synced but the manifest that commits them is not
 * (a crash before the commit point): `crashed` holds *.data.compacting and
 * *.hint.compacting files and no COMPACTION. The compaction in `dir` is
 * cancelled there. Returns the names of the *.compacting files.
 */
export async function crashBeforeCompactionCommit(dir: string, crashed: string): Promise<string[]> {
  const store = await Store.open(dir, {
    fsync: 'never',
    compactionHooks: {
      afterStep(step) {
        if (step !== 'outputs-written') return;
        copyDir(dir, crashed);
        throw new Error('simulated crash');
      },
    },
  });
  try {
    await store.compact();
    throw new Error('the compaction did not reach its outputs');
  } catch (err) {
    if ((err as Error).message !== 'simulated crash') throw err;
  } finally {
    await store.close();
  }
  return fs.readdirSync(crashed).filter((n) => n.endsWith('.compacting')).sort();
}

export function copyDir(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const name of fs.readdirSync(from)) {
    if (name === 'LOCK') continue;
    fs.copyFileSync(path.join(from, name), path.join(to, name));
  }
}

/** Flip every bit of the byte at `offset` of the file at `path`, in place (damage for a test). */
export function flipByte(path: string, offset: number): void {
  const fd = fs.openSync(path, 'r+');
  try {
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, offset);
    b[0] = b[0]! ^ 0xff;
    fs.writeSync(fd, b, 0, 1, offset);
  } finally {
    fs.closeSync(fd);
  }
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export function dataFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => /^\d{6,10}\.data$/.test(n)).sort();
}

export const latin1 = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
export const fromLatin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

/**
 * Damage the record holding `key`'s value on disk: XOR `mask` into the byte
 * `fromEnd` bytes before the record's end (a value byte). The store is opened
 * read-only to find it and closed again.
 */
export async function damageValueOf(dir: string, key: string, fromEnd: number, mask: number): Promise<void> {
  const store = await Store.open(dir, { readOnly: true });
  const at = store.locate(key)!;
  await store.close();
  const file = path.join(dir, at.file);
  const bytes = fs.readFileSync(file);
  bytes[at.offset + at.length - fromEnd]! ^= mask;
  fs.writeFileSync(file, bytes);
}

/**
 * realFs that knows the path of each fd it opened (`pathOf`, undefined once
 * closed), with the calls `overrides` makes from it in front: the file
 * systems tests use to fail or count the calls on some files only.
 */
export function pathAwareFs(overrides: (pathOf: (fd: number) => string | undefined) => Partial<EngineFs>): EngineFs {
  const paths = new Map<number, string>();
  return {
    ...realFs,
    openSync: (p, flags, mode) => {
      const fd = realFs.openSync(p, flags, mode);
      paths.set(fd, p);
      return fd;
    },
    closeSync: (fd) => {
      paths.delete(fd);
      realFs.closeSync(fd);
    },
    ...overrides((fd) => paths.get(fd)),
  };
}

/**
 * realFs, counting the bytes read from each file by name (reads through an
 * open fd, and whole-file reads): what an open or a verify read, and what not.
 */
export function countingFs(): { efs: EngineFs; bytesRead: Map<string, number>; bytesReadFrom: (which: (name: string) => boolean) => number } {
  const bytesRead = new Map<string, number>();
  const add = (name: string, n: number) => bytesRead.set(name, (bytesRead.get(name) ?? 0) + n);
  const efs = pathAwareFs((pathOf) => ({
    readSync: (fd, buf, off, len, pos) => {
      const n = realFs.readSync(fd, buf, off, len, pos);
      const p = pathOf(fd);
      add(p === undefined ? '?' : path.basename(p), n);
      return n;
    },
    read: async (fd, buf, off, len, pos) => {
      const n = await realFs.read(fd, buf, off, len, pos);
      const p = pathOf(fd);
      add(p === undefined ? '?' : path.basename(p), n);
      return n;
    },
    readFileSync: (p) => {
      const b = realFs.readFileSync(p);
      add(path.basename(p), b.length);
      return b;
    },
    readFile: async (p) => {
      const b = await realFs.readFile(p);
      add(path.basename(p), b.length);
      return b;
    },
  }));
  const bytesReadFrom = (which: (name: string) => boolean) => [...bytesRead].reduce((n, [name, bytes]) => (which(name) ? n + bytes : n), 0);
  return { efs, bytesRead, bytesReadFrom };
}

/** Deterministic pseudo-random bytes (xorshift32), fast enough for tens of MiB. */
export function noise(length: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  let s = seed | 1;
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    b[i] = s & 0xff;
  }
  return b;
}

/** `count` pairs of distinct keys ("k0", "k1", ...) with equal hashes under the fixed seed. */
export function collidingPairs(count: number): Array<[string, string]> {
  const seen = new Map<number, string>();
  const pairs: Array<[string, string]> = [];
  for (let i = 0; pairs.length < count; i++) {
    const key = `k${i}`;
    const h = hashBytes(Buffer.from(key, 'latin1'), 0, key.length);
    const other = seen.get(h);
    if (other === undefined) seen.set(h, key);
    else pairs.push([other, key]);
  }
  return pairs;
}

/**
 * A keydir image's bytes made whole again after `change`, as a faulty
 * writer would have written them: for version 2 the header checksum and the
 * page checksums, then the image's checksum. Computed here from
 * docs/FORMAT.md ("Keydir image"), not with the engine's code.
 */
export function resealedImage(bytes: Buffer, change: (b: Buffer) => void = () => {}): Buffer {
  const b = Buffer.from(bytes);
  change(b);
  const slotsAt = 40 + b.readUInt32LE(12) * 48;
  const arenaAt = slotsAt + b.readUInt32LE(16) * 32 + b.readUInt32LE(20) * 4 + b.readUInt32LE(24) * 8;
  if (b.readUInt16LE(4) === 2) {
    b.writeUInt32LE(zlibCrc32(b.subarray(40, slotsAt), zlibCrc32(b.subarray(0, 36))), 36);
    const sumsAt = arenaAt + b.readUInt32LE(28);
    for (let page = 0; slotsAt + page * 4096 < arenaAt; page++) {
      b.writeUInt32LE(zlibCrc32(b.subarray(slotsAt + page * 4096, Math.min(arenaAt, slotsAt + (page + 1) * 4096))), sumsAt + page * 4);
    }
  }
  b.writeUInt32LE(zlibCrc32(b.subarray(0, b.length - 4)), b.length - 4);
  return b;
}
