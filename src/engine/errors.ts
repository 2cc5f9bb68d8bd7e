/**
 * Typed errors of the engine. Every error a caller can act on has a class
 * and a stable `code`, so the CLI can choose an exit code and the inspector
 * can send it across a process boundary.
 */

export class StoreError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export class NotAStoreError extends StoreError {
  constructor(readonly dir: string, reason: string) {
    super('NOT_A_STORE', `${dir} is not a kvscope store: ${reason}`);
  }
}

export class FormatVersionError extends StoreError {
  constructor(readonly file: string, readonly version: number) {
    super('FORMAT_VERSION', `${file} uses format version ${version}; this kvscope reads version 1 only`);
  }
}

export class LockedError extends StoreError {
  constructor(readonly dir: string, readonly pid: number) {
    super('LOCKED', `${dir} is locked by another writer (pid ${pid}); open it read-only or stop that process`);
  }
}

export class ReadOnlyError extends StoreError {
  constructor(what: string) {
    super('READ_ONLY', `cannot ${what}: the store is open read-only`);
  }
}

export class TooLargeError extends StoreError {
  constructor(readonly what: 'key' | 'value' | 'batch', readonly size: number, readonly max: number) {
    super('TOO_LARGE', `${what} of ${size} bytes is larger than the maximum of ${max} bytes${what === 'batch' ? ' (a batch is written into one segment, whose offsets are 32-bit)' : ''}`);
  }
}

export class CorruptRecordError extends StoreError {
  constructor(readonly file: string, readonly offset: number, reason: string) {
    super('CORRUPT', `corrupt record in ${file} at offset ${offset}: ${reason}`);
  }
}

export class ClosedError extends StoreError {
  constructor() {
    super('CLOSED', 'the store is closed');
  }
}

export class AbortedError extends StoreError {
  constructor(what: string) {
    super('ABORTED', `${what} was cancelled`);
  }
}

/** A write failed part-way (I/O error, disk full); the store refuses writes until reopened. */
export class FailedStoreError extends StoreError {
  constructor(cause: unknown) {
    super('FAILED', `an earlier write failed and left the store in an unknown state; reopen it to recover (${describe(cause)})`, { cause });
  }
}

export class IoError extends StoreError {
  constructor(what: string, cause: unknown) {
    super('IO', `${what} failed: ${describe(cause)}`, { cause });
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/** Whether err (or an error it wraps, as IoError does) is ENOENT: a file that went between a listing and its read. */
export function isFileGone(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = (e as Error & { cause?: unknown }).cause) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
  }
  return false;
}

/**
 * The errors that say a file or directory cannot be written here (a read-only
 * file system, permissions), in words: the reason a writer gives when it
 * cannot open a segment or take the lock, where a read-only open would work.
 */
export const NOT_WRITABLE: Readonly<Record<string, string>> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
};
