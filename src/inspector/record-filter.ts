/**
 * The record table's filters (key substring, status) over a file's record
 * index, in time slices: the first matches can be served while the scan goes
 * on, and a filter over a 1 GB segment never holds the event loop for more
 * than a slice. Keys are read from the file in large chunks (see
 * FileRecords.forEachKey); a status filter that needs no key (tombstone,
 * uncommitted, corrupt, torn, meta) reads only the index's class bytes.
 * Matches are kept as record numbers in a growing Uint32Array. The scan
 * follows the index as it grows (a file being indexed, or appended to).
 */
import { setImmediate as nextTick } from 'node:timers/promises';
import { grown } from '../engine/arrays.js';
import type { RecordRowStatus } from '../shared/contract.js';
import { describeKey } from '../shared/keytext.js';
import { CLASS_CORRUPT, CLASS_DELETE, CLASS_IGNORED, CLASS_TORN, CLASS_UNCOMMITTED, CLASS_PUT, type FileRecords } from './file-records.js';
import { Waiters } from './waiters.js';

const SLICE_MS = 8;
/** Records looked at between two looks at the clock. */
const CHUNK = 1024;

/** Status of a record from its class, and for a put, from the keydir (given its key bytes). */
export type StatusOf = (cls: number, key: Buffer | undefined, offset: number) => RecordRowStatus;

/** The status a class alone decides; undefined for a committed put (live or shadowed). */
export function classStatus(cls: number): RecordRowStatus | undefined {
  if (cls === CLASS_CORRUPT) return 'corrupt';
  if (cls === CLASS_TORN) return 'torn';
  if (cls === CLASS_IGNORED) return 'ignored';
  if (cls & CLASS_UNCOMMITTED) return 'uncommitted';
  if (cls === CLASS_DELETE) return 'tombstone';
  if (cls === CLASS_PUT) return undefined;
  return 'meta';
}

/** Whether the escaped display form of a key may differ from its latin1 string. */
function displayMayDiffer(key: Buffer): boolean {
  if (key.length === 0) return true;
  for (let i = 0; i < key.length; i++) {
    const b = key[i]!;
    if (b < 0x20 || b >= 0x7f || b === 0x5c) return true;
  }
  return false;
}

/**
 * The key filter's rule: the key string (latin1) or its display form contains
 * the needle. `needleBytes` is the needle's latin1 bytes when it has no char
 * above 0xff (else no key string can contain it): searched in the key's bytes
 * without making a string of every key.
 */
export function keyMatches(key: Buffer, needle: string, needleBytes: Buffer | undefined): boolean {
  if (needleBytes !== undefined && key.indexOf(needleBytes) >= 0) return true;
  return displayMayDiffer(key) && describeKey(key.toString('latin1')).display.includes(needle);
}

export function latin1Bytes(text: string): Buffer | undefined {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return undefined;
  return Buffer.from(text, 'latin1');
}

export class RecordFilter {
  private matches = new Uint32Array(1024);
  private found = 0;
  private scanned = 0;
  private stopped = false;
  private running = false;
  private readonly generation: number;
  private readonly needleBytes: Buffer | undefined;
  private readonly waiters = new Waiters();

  constructor(
    /** What the filter was made for (file, generation, needle, status, store state). */
    readonly cacheKey: string,
    readonly records: FileRecords,
    private readonly needle: string | undefined,
    private readonly status: RecordRowStatus | undefined,
    private readonly statusOf: StatusOf,
  ) {
    this.generation = records.generation;
    this.needleBytes = needle === undefined ? undefined : latin1Bytes(needle);
  }

  /** Matches found so far. */
  get total(): number {
    return this.found;
  }
  /** Records of the index looked at so far. */
  get scannedRecords(): number {
    return this.scanned;
  }
  /** Every record of the whole file looked at. */
  get done(): boolean {
    return this.records.complete && this.scanned >= this.records.count && this.records.generation === this.generation;
  }
  /** Whether the index it was scanning was rebuilt (the filter must start again). */
  get stale(): boolean {
    return this.records.generation !== this.generation;
  }

  /** Record number of the i-th match. */
  at(i: number): number {
    return this.matches[i]!;
  }

  slice(start: number, end: number): Uint32Array {
    return this.matches.subarray(Math.min(start, this.found), Math.min(end, this.found));
  }

  private push(i: number): void {
    if (this.found === this.matches.length) this.matches = grown(this.matches, this.matches.length * 2);
    this.matches[this.found++] = i;
  }

  /** Looks at records until the slice's time is up. */
  private step(deadline: number): void {
    const records = this.records;
    const needKey = this.needle !== undefined || this.status === 'live' || this.status === 'shadowed';
    while (this.scanned < records.count && performance.now() < deadline && !this.ready()) {
      const from = this.scanned;
      const to = Math.min(records.count, from + CHUNK);
      if (needKey) {
        records.forEachKey(from, to, (i, key) => {
          if (this.needle !== undefined && !keyMatches(key, this.needle, this.needleBytes)) return;
          if (this.status !== undefined && this.statusOf(records.classAt(i), key, records.offsetAt(i)) !== this.status) return;
          this.push(i);
        });
      } else {
        for (let i = from; i < to; i++) {
          const cls = records.classAt(i);
          const byClass = classStatus(cls);
          // A sound put or tombstone after damage at which its engine stops reading the file is 'unread': statusOf knows.
          const status: RecordRowStatus | undefined = this.status === 'unread' || byClass === 'tombstone' ? this.statusOf(cls, undefined, records.offsetAt(i)) : byClass;
          if (status === this.status) this.push(i);
        }
      }
      this.scanned = to;
    }
  }

  private ready(): boolean {
    return this.waiters.anyReady();
  }

  private settle(): void {
    this.waiters.settle(this.done || this.stopped || this.stale);
  }

  private run(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    void (async () => {
      try {
        while (!this.stopped && !this.stale && !this.done) {
          if (this.scanned < this.records.count) {
            this.step(performance.now() + SLICE_MS);
            this.settle();
            await nextTick();
          } else {
            // Wait for the index to grow.
            await this.records.progressed();
          }
        }
      } finally {
        this.running = false;
        this.settle();
      }
    })();
  }

  /** Resolves once `ready()` holds, the filter is done, or after `maxMs`. */
  waitFor(ready: () => boolean, maxMs = Infinity): Promise<void> {
    if (this.done || this.stopped || this.stale || ready()) return Promise.resolve();
    const answered = this.waiters.add(ready, maxMs);
    this.run();
    return answered;
  }

  start(): void {
    this.run();
  }

  stop(): void {
    this.stopped = true;
    this.settle();
  }
}
