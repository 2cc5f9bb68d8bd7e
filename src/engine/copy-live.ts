/**
 * Copying the live keys of any store kvscope opens into a kvscope store:
 * what `kvscope import --from DIR` does (into the store --dir names, new or
 * not) and what the inspector's "Copy into a new kvscope store…" does (into a
 * new directory, removed again when the copy does not finish). Also the
 * batches every import writes in (`kvscope import FILE` too).
 */
import { existsSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextTick } from 'node:timers/promises';
import { AbortedError, StoreError } from './errors.js';
import { makeDirectory } from './fs.js';
import { keyFromString } from './keys.js';
import { recordLength } from './native/codec.js';
import { Store } from './store.js';
import type { BatchOp, BrowsableStore } from './types.js';

/**
 * Keys an import writes per batch (each one atomic, and durable under the
 * fsync policy): 10,000, as the bench's bulk load. With 1,000, a million-line
 * import under fsync 'always' spent 0.4 s in a thousand fdatasyncs.
 */
export const IMPORT_BATCH = 10_000;

/** Bytes of values a copy from a kvscope store holds at a time: 10,000 values of 1 MiB would be 10 GB. */
const IMPORT_CHUNK_BYTES = 64 * 1024 * 1024;

/** Keys of another format's store looked up between two reports of progress (and two looks at the signal). */
const KEYS_BETWEEN_REPORTS = 1024;

/** How far an import had written: keys (or lines), through line `through` (an import of a file), the last key. */
export interface WrittenSoFar {
  written: number;
  through: number;
  lastKey: Uint8Array | string | undefined;
}

/** What an import writes into: a kvscope store (Store), or what the inspector knows of one (WritableStore). */
export type BatchTarget = Pick<Store, 'appendRoom' | 'batch' | 'activeFile' | 'closeFailure' | 'fsyncPolicy'>;

/**
 * An import's writes, in atomic batches of IMPORT_BATCH keys and of at most
 * the segment size in records: a batch is written whole into one segment, so
 * a batch of large values made a segment far larger than asked for (and,
 * past 4 GiB, one the format cannot address, which the store refuses).
 */
export class ImportBatches {
  private ops: BatchOp[] = [];
  private bytes = 0;
  /** Keys written so far. */
  written = 0;
  /** Where the last op written came from (a line number), and its key: what an interrupted import names. */
  writtenThrough = 0;
  lastKeyWritten: Uint8Array | string | undefined;
  /** The data file the last batch went into, and what had been written when the first batch went into it. */
  private lastFile: string | undefined;
  private beforeLastFile: WrittenSoFar = { written: 0, through: 0, lastKey: undefined };
  private gatheredThrough = 0;
  /** Bytes of records the batch being gathered may hold: where it goes, within the segment size. */
  private maxBytes = 0;

  constructor(private readonly store: BatchTarget) {}

  /** Add op to the batch being gathered; false (nothing added) when that batch cannot take it: flush, then add. */
  tryAdd(op: BatchOp, from = 0): boolean {
    const length = (data: Uint8Array | string): number => (typeof data === 'string' ? Buffer.byteLength(data) : data.length);
    const bytes = recordLength(length(op.key), op.type === 'put' ? length(op.value) : 0);
    if (this.ops.length === 0) {
      // A batch never spans segments: it fills what is left of the active segment, or a new one (segment size
      // less its header) when its first record does not fit there, so that no segment goes past the size.
      const room = this.store.appendRoom();
      this.maxBytes = bytes <= room.left ? room.left : room.segment;
    }
    if (this.ops.length === IMPORT_BATCH || (this.ops.length > 0 && this.bytes + bytes > this.maxBytes)) return false;
    this.ops.push(op);
    this.bytes += bytes;
    this.gatheredThrough = from;
    return true;
  }

  /** Add op (from line `from`), writing the batch gathered before it first when it is full. */
  async add(op: BatchOp, from = 0): Promise<void> {
    if (this.tryAdd(op, from)) return;
    await this.flush();
    this.tryAdd(op, from);
  }

  /** Write the gathered batch: once this resolves, its keys are in the store (durable by the fsync policy, and at the close). */
  async flush(): Promise<void> {
    if (this.ops.length === 0) return;
    await this.store.batch(this.ops);
    const file = this.store.activeFile;
    if (file !== this.lastFile) {
      this.beforeLastFile = { written: this.written, through: this.writtenThrough, lastKey: this.lastKeyWritten };
      this.lastFile = file;
    }
    this.written += this.ops.length;
    this.writtenThrough = this.gatheredThrough;
    this.lastKeyWritten = this.ops[this.ops.length - 1]!.key;
    this.ops = [];
    this.bytes = 0;
  }

  /**
   * Once the store is closed: undefined when every batch written is on disk
   * (the close synced, or each batch was synced as it was written: --fsync
   * batch or always). Else, under --fsync never when the close could not
   * sync the active segment, what is known to be on disk (the batches in the
   * segments before it, synced when they were sealed), and why the rest
   * may not be.
   */
  notSynced(): { synced: WrittenSoFar; file: string; cause: Error } | undefined {
    const failure = this.store.closeFailure;
    if (failure === undefined || this.store.fsyncPolicy !== 'never' || failure.file !== this.lastFile) return undefined;
    return { synced: this.beforeLastFile, file: failure.file, cause: failure.cause };
  }
}

/**
 * The value of a key the store listed as live; undefined, told to `onUnreadable`, when it cannot be read (damaged:
 * the StoreError) or is not there after all. Other errors are thrown.
 */
export async function listedValue(store: BrowsableStore, key: Buffer, onUnreadable: (key: Buffer, err: Error) => void): Promise<Buffer | undefined> {
  let value: Buffer | undefined;
  try {
    value = await store.get(key);
  } catch (err) {
    if (!(err instanceof StoreError)) throw err;
    onUnreadable(key, err);
    return undefined;
  }
  if (value === undefined) onUnreadable(key, new Error('listed, but its value cannot be found'));
  return value;
}

/** The store a copy reads: any store kvscope opens, and the same as a kvscope store when it is one (read in chunks). */
export interface LiveKeySource {
  store: BrowsableStore;
  native: Pick<Store, 'scan'> | undefined;
}

export interface CopyLiveOptions {
  signal?: AbortSignal | undefined;
  /** A key whose value cannot be read (damage): it is left out, and the copy goes on. */
  onUnreadable: (key: Buffer, err: Error) => void;
  /** Keys read so far, of the source's live keys, after every chunk (every few thousand keys). */
  onProgress?: ((copied: number, keys: number) => void) | undefined;
}

/**
 * Every live key of `source` with its value, in key order, added to
 * `batches` (the caller flushes the last batch: an interrupted copy writes
 * only the whole batches gathered before). Stops, between keys, when the
 * signal is aborted: then the batch being gathered is not written. Gives the
 * event loop back between chunks, so that a cancel (an inspector request, the
 * CLI's Ctrl-C) is heard. Answers the keys read (not all written while
 * interrupted) and how many live keys the source has.
 */
export async function copyLiveKeys(source: LiveKeySource, batches: ImportBatches, opts: CopyLiveOptions): Promise<{ copied: number; keys: number }> {
  const { signal } = opts;
  let count = 0;
  const keys = source.store.keyCount();
  if (source.native) {
    // A native source hands over its entries IMPORT_BATCH keys (at most IMPORT_CHUNK_BYTES of values) at a
    // time, in key order, each chunk starting just after the last key of the one before, read or not (that
    // key and a 0x00 byte: the next possible key).
    let start: Buffer | undefined;
    while (!signal?.aborted) {
      let lastSeen: Buffer | undefined;
      const seen = (key: Buffer): void => {
        if (!lastSeen || Buffer.compare(key, lastSeen) > 0) lastSeen = key;
      };
      const chunk = await source.native.scan({
        ...(start ? { start } : {}),
        limit: IMPORT_BATCH,
        maxValueBytes: IMPORT_CHUNK_BYTES,
        onUnreadable: (key, err) => {
          seen(key);
          opts.onUnreadable(key, err);
        },
      });
      if (chunk.length > 0) {
        for (const { key, value } of chunk) {
          const op = { type: 'put' as const, key, value };
          if (!batches.tryAdd(op)) await batches.add(op);
          if (signal?.aborted) break;
        }
        count += chunk.length;
        seen(chunk[chunk.length - 1]!.key);
        opts.onProgress?.(count, keys);
      }
      if (!lastSeen) break;
      start = Buffer.concat([lastSeen, Buffer.alloc(1)]);
      await nextTick();
    }
  } else {
    for (const k of source.store.sortedKeys()) {
      if (signal?.aborted) break;
      const key = keyFromString(k);
      const value = await listedValue(source.store, key, opts.onUnreadable);
      if (value === undefined) continue;
      await batches.add({ type: 'put', key, value });
      count++;
      if (count % KEYS_BETWEEN_REPORTS === 0) {
        opts.onProgress?.(count, keys);
        await nextTick();
      }
    }
  }
  return { copied: count, keys };
}

export interface NewStoreCopy {
  /** Keys written into the new store. */
  copied: number;
  /** Live keys the source listed. */
  keys: number;
  /** Keys whose value could not be read, left out (key strings, latin1; at most 100), and how many. */
  leftOut: string[];
  leftOutCount: number;
}

/**
 * Copy the live keys of `source` into a new kvscope store at `target`, which
 * the caller has checked is missing or empty (assertFreshTarget). The source
 * is only read. A copy that does not finish (cancelled, or failed) leaves
 * nothing that looks like a store: the directory it created is removed, or
 * the empty one it was given is emptied again; a cancelled copy then throws
 * AbortedError.
 */
export async function copyIntoNewStore(source: LiveKeySource, target: string, opts: Omit<CopyLiveOptions, 'onUnreadable'>): Promise<NewStoreCopy> {
  const created = !existsSync(target);
  if (created) makeDirectory(target);
  let out: Store;
  try {
    out = await Store.open(target, { create: true, fsync: 'batch' });
  } catch (err) {
    // Not ours to clear (another writer may hold it): only the directory made just now, if it is still empty.
    if (created) {
      try {
        rmdirSync(target);
      } catch {
        // not empty: someone else's now
      }
    }
    throw err;
  }
  const leftOut: string[] = [];
  let leftOutCount = 0;
  try {
    const batches = new ImportBatches(out);
    const { keys } = await copyLiveKeys(source, batches, {
      ...opts,
      onUnreadable: (key) => {
        leftOutCount++;
        if (leftOut.length < 100) leftOut.push(key.toString('latin1'));
      },
    });
    if (opts.signal?.aborted) throw new AbortedError('copy');
    await batches.flush();
    await out.close();
    if (out.closeFailure) throw new StoreError('IO', `the copy could not be synced to disk: ${out.closeFailure.cause.message}`);
    return { copied: batches.written, keys, leftOut, leftOutCount };
  } catch (err) {
    await out.close().catch(() => undefined);
    // The store is closed (we held its lock until now): what the copy wrote goes, whole.
    if (created) rmSync(target, { recursive: true, force: true });
    else for (const name of readdirSync(target)) rmSync(join(target, name), { recursive: true, force: true });
    throw err;
  }
}
