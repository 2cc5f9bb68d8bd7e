/**
 * What the inspector needs from the engine to open stores, as an interface so
 * the service does not care whether a store is native or foreign (and tests
 * can substitute it). engine-opener.ts implements it with the real engine.
 */
import type { BrowsableStore, CompactResult, Progress, RecordLocation, ScanOptions } from '../engine/types.js';
import type { Detection } from '../engine/formats/format.js';
import type { CompactionPlan } from '../engine/store.js';
import type { BatchTarget } from '../engine/copy-live.js';
import type { FormatInfo, OpenReportItem } from '../shared/contract.js';

/** The write side of the native store, as the inspector uses it. */
export interface WritableStore extends BrowsableStore, BatchTarget {
  put(key: Uint8Array, value: Uint8Array): Promise<void>;
  delete(key: Uint8Array): Promise<boolean>;
  /** delete, saying where the tombstone was written (undefined: the key did not exist, nothing written). */
  deleteAndLocate(key: Uint8Array): Promise<RecordLocation | undefined>;
  compact(opts?: { onProgress?: (p: Progress) => void; signal?: AbortSignal }): Promise<CompactResult>;
  /** What a compaction would do now, and damage it would stop at (`stops`). */
  compactionPlan(): CompactionPlan;
  locate(key: Uint8Array | string): RecordLocation | undefined;
  /** Bytes of the live records of a data file that begin within the given [start, end) ranges (sorted). */
  liveBytesWithin(file: string, ranges: readonly (readonly [number, number])[]): number;
  /** Live entries in key order, a chunk at a time (Store.scan): what a copy of the store reads. */
  scan(options?: ScanOptions): Promise<Array<{ key: Buffer; value: Buffer }>>;
  /** Whether a data file's figures come from its hint or the keydir image (its records not read by the open). */
  figuresFromIndex(file: string): boolean;
}

export interface OpenedHandle {
  store: BrowsableStore;
  detection: Detection;
  /** The same store as a native Store (present only for the native format). */
  native: WritableStore | undefined;
  /** One line per problem found while opening (torn tails, skipped records). */
  warnings: string[];
  /** The same, and notes on how the open went, in plain words (problems apart from notes); else each warning a problem. */
  openReport?: OpenReportItem[];
}

export interface StoreOpener {
  open(dir: string, opts: { format?: string; readOnly: boolean }): Promise<OpenedHandle>;
  /** Pid of a live process holding the writer lock of dir, if any. */
  lockHolder(dir: string): number | undefined;
  formats(): FormatInfo[];
  /** Whether a format id can be written (only the native format). */
  isWritable(format: string): boolean;
}
