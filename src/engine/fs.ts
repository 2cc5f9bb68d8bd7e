/**
 * The file-system calls the engine makes, behind one object, so that tests
 * can inject faults (fail the Nth write, fsync or rename; write only part of
 * a buffer) without touching the engine. Production code uses `realFs`.
 */
import * as fs from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { NOT_WRITABLE, StoreError } from './errors.js';
import { TMP_SUFFIX } from './native/files.js';

export interface EngineFs {
  openSync(path: string, flags: string, mode?: number): number;
  closeSync(fd: number): void;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  /** readSync on the thread pool: the calling thread goes on meanwhile (several may be in flight). */
  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  fdatasyncSync(fd: number): void;
  fdatasync(fd: number): Promise<void>;
  ftruncateSync(fd: number, length: number): void;
  fstatSize(fd: number): number;
  renameSync(from: string, to: string): void;
  /** A second name for a file; fails (EEXIST) when `to` exists: how a whole file is put in place only if none is. */
  linkSync(existing: string, to: string): void;
  unlinkSync(path: string): void;
  readdirSync(path: string): string[];
  /** Create one directory, whose parent exists (makeDirectory creates the ones above it first). */
  mkdirSync(path: string): void;
  existsSync(path: string): boolean;
  statSize(path: string): number;
  readFileSync(path: string): Buffer;
  /** A whole file read on the thread pool, in one read where it can be (see readWholeFile), so the calling thread goes on meanwhile. */
  readFile(path: string): Promise<Buffer>;
  /** fsync a directory so that entries created, renamed or removed in it are durable. */
  fsyncDirSync(path: string): void;
}

export const realFs: EngineFs = {
  openSync: (p, flags, mode) => fs.openSync(p, flags, mode),
  closeSync: (fd) => fs.closeSync(fd),
  readSync: (fd, buf, off, len, pos) => fs.readSync(fd, buf, off, len, pos),
  read: (fd, buf, off, len, pos) =>
    new Promise<number>((resolve, reject) => fs.read(fd, buf, off, len, pos, (err, n) => (err ? reject(err) : resolve(n)))),
  writeSync: (fd, buf, off, len, pos) => fs.writeSync(fd, buf, off, len, pos),
  fdatasyncSync: (fd) => fs.fdatasyncSync(fd),
  fdatasync: (fd) =>
    new Promise<void>((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve()))),
  ftruncateSync: (fd, len) => fs.ftruncateSync(fd, len),
  fstatSize: (fd) => fs.fstatSync(fd).size,
  renameSync: (a, b) => fs.renameSync(a, b),
  linkSync: (a, b) => fs.linkSync(a, b),
  unlinkSync: (p) => fs.unlinkSync(p),
  readdirSync: (p) => fs.readdirSync(p),
  mkdirSync: (p) => fs.mkdirSync(p),
  existsSync: (p) => fs.existsSync(p),
  statSize: (p) => fs.statSync(p).size,
  readFileSync: (p) => fs.readFileSync(p),
  readFile: (p) => readWholeFile(p),
  fsyncDirSync: (p) => {
    const fd = fs.openSync(p, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  },
};

/**
 * A whole file, read on the thread pool with one read call for all of it
 * (more only after a short read). Every step after the first must not wait
 * for the calling thread's event loop, or a thread busy inserting a hint
 * file's keys holds up the read of the next one: fs.promises.readFile reads
 * 512 KiB at a time, each chunk asked for from that loop; and an fs.open
 * then fs.fstat on the pool each came back to it before the read could
 * start (traced: the next hint read only after the inserts ended). So the
 * file is opened and sized here, in line (microseconds: an async function
 * runs to its first await at once), and the read goes to the pool at once.
 */
async function readWholeFile(path: string): Promise<Buffer> {
  const fd = fs.openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafeSlow(fs.fstatSync(fd).size);
    // The file shrank while it was read: what is there.
    const done = await readIntoAsync(realFs, fd, buf, 0, buf.length, 0);
    return done === buf.length ? buf : buf.subarray(0, done);
  } finally {
    // Closed in the background: a read-only descriptor has nothing to report at close.
    fs.close(fd, () => undefined);
  }
}

/**
 * Create the directory `path` (and the missing directories above it) one
 * level at a time, failing with what went wrong, as `cannot create WHAT: …`
 * (a StoreError, code IO): Node's recursive mkdir loops for ever where a
 * directory exists but refuses new entries without saying so (under /proc,
 * mkdir('/proc/x') is ENOENT and mkdir('/proc') EEXIST, again and again),
 * and its error names neither what was being created nor why.
 */
export function makeDirectory(path: string, what: string = path, efs: EngineFs = realFs): void {
  const missing: string[] = [];
  let at = resolve(path);
  while (!efs.existsSync(at)) {
    missing.unshift(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  if (missing.length === 0 || at !== missing[0]) {
    if (!isDirectory(at)) throw new StoreError('IO', `cannot create ${what}: ${at} is not a directory`);
  }
  for (const dir of missing) {
    try {
      efs.mkdirSync(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      if (code === 'EEXIST' && isDirectory(dir)) continue;
      const why =
        code === 'ENOENT'
          ? `${dirname(dir)} takes no new directories`
          : code === 'EEXIST'
            ? `${dir} is there but is not a directory`
            : code === 'EACCES' || code === 'EPERM'
              ? `${dirname(dir)} is not writable`
              : NOT_WRITABLE[code] ?? (err as Error).message;
      throw new StoreError('IO', `cannot create ${what}: mkdir ${dir} failed (${code}: ${why})`, { cause: err });
    }
    // The new entry is durable only once its parent is fsync'ed (docs/FORMAT.md, "Durability"): without it a
    // power loss could take the directory, and every write acknowledged in it since, away. A parent this
    // process may not read cannot be opened to be fsync'ed: the directory is made all the same, as before.
    try {
      efs.fsyncDirSync(dirname(dir));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      if (code === 'EACCES' || code === 'EPERM') continue;
      throw new StoreError('IO', `cannot create ${what}: fsync of ${dirname(dir)} after creating ${dir} failed (${code}: ${(err as Error).message})`, { cause: err });
    }
  }
}

function isDirectory(path: string): boolean {
  try {
    return fs.statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Write all of buffer at position, looping over short writes. */
export function writeFully(efs: EngineFs, fd: number, buffer: Uint8Array, position: number): void {
  let done = 0;
  while (done < buffer.length) {
    const n = efs.writeSync(fd, buffer, done, buffer.length - done, position + done);
    if (n <= 0) throw new Error(`short write: ${done} of ${buffer.length} bytes written`);
    done += n;
  }
}

/**
 * Write a file whole under `finalName` in dir, atomically and durably: its
 * parts one after another to `finalName.tmp`, fdatasync, close, rename,
 * fsync the directory. A crash leaves the old file or the new one, and at
 * most a .tmp that a writer's next open removes.
 */
export function writeFileAtomically(efs: EngineFs, dir: string, finalName: string, parts: readonly Uint8Array[]): void {
  const tmp = join(dir, finalName + TMP_SUFFIX);
  const fd = efs.openSync(tmp, 'w', 0o644);
  try {
    let at = 0;
    for (const part of parts) {
      writeFully(efs, fd, part, at);
      at += part.length;
    }
    efs.fdatasyncSync(fd);
  } finally {
    efs.closeSync(fd);
  }
  efs.renameSync(tmp, join(dir, finalName));
  efs.fsyncDirSync(dir);
}

/** Read length bytes at position into buf at offset, looping over short reads; returns how many (fewer only at end of file). */
export function readInto(efs: EngineFs, fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = efs.readSync(fd, buf, offset + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** readInto on the thread pool (EngineFs.read): how many bytes, fewer only at end of file. */
export async function readIntoAsync(efs: EngineFs, fd: number, buf: Uint8Array, offset: number, length: number, position: number): Promise<number> {
  let done = 0;
  while (done < length) {
    const n = await efs.read(fd, buf, offset + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** readAt on the file at path: opened, read, closed. */
export function readFileAt(efs: EngineFs, path: string, length: number, position: number): Buffer {
  const fd = efs.openSync(path, 'r');
  try {
    return readAt(efs, fd, length, position);
  } finally {
    efs.closeSync(fd);
  }
}

/** Read exactly length bytes at position, or fewer at end of file. */
export function readAt(efs: EngineFs, fd: number, length: number, position: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  const done = readInto(efs, fd, buf, 0, length, position);
  return done === length ? buf : buf.subarray(0, done);
}
