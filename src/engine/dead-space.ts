/**
 * Where the dead space is, by key: every record of the data files that is not live — a put shadowed by a later
 * put or delete, and a tombstone (its own bytes) — counted against its key, and the keys then grouped by prefix
 * as `du` groups the live ones (`kvscope du --dead`, the inspector's "Where is the dead space?").
 *
 * A kvscope store's segments are read whole with the walk verify and the open use (walkCommittedRecords, the
 * generic scanner from the first anomaly on): a record is live when the keydir holds its key at its very place.
 * Another engine's store needs no read: its version table (foreign-versions.ts) already holds every version the
 * open replayed, with its standing. Damaged records (and records of an unfinished batch, never committed) are
 * not dead bytes of any key: they are counted apart; so are a foreign format's unread records.
 *
 * Memory: one interned key (its bytes in one arena, no string or object) and three numbers per key that has dead
 * records, not per record; a foreign store's tallies are columns over its version table's key indexes.
 */
import type { EngineFs } from './fs.js';
import { grown } from './arrays.js';
import { KeyInterner } from './key-interner.js';
import { largestN } from './key-sort.js';
import { fileSource } from './native/byte-source.js';
import { RECORD_HEADER, RECORD_TOMBSTONE, SEGMENT_HEADER } from './native/layout.js';
import { committedRecords, scanRecords, walkCommittedRecords } from './native/scan.js';
import type { Segment } from './segment.js';
import type { Yielder } from './yielder.js';

/** The store-wide sums of a dead-space walk. */
export interface DeadSpaceTotals {
  /** Bytes and count of the records that are not live: overwritten (shadowed) puts and tombstones. */
  deadBytes: number;
  deadRecords: number;
  overwrittenBytes: number;
  overwrittenRecords: number;
  tombstoneBytes: number;
  tombstoneRecords: number;
  /** Keys with at least one dead record. */
  keys: number;
  /** Damaged records and records of unfinished batches: no key's dead bytes, counted apart. */
  damagedBytes: number;
  /** A foreign format's sound records after damage at which its program stops reading a file (never read by it). */
  unreadBytes: number;
  unreadRecords: number;
}

/** One line of the grouping: a branch (its prefix ends with the delimiter) or a key above the depth. */
export interface DeadBranch {
  prefix: string;
  kind: 'branch' | 'key';
  /** Keys under it with dead records. */
  keys: number;
  deadBytes: number;
  deadRecords: number;
}

/** A key with dead records. */
export interface DeadKey {
  /** Key string (latin1, keys.ts keyToString). */
  key: string;
  deadBytes: number;
  /** Its shadowed puts and its tombstones. */
  overwritten: number;
  tombstones: number;
  /** Whether it has a live value now (then it has one version more than its dead records). */
  live: boolean;
  /** Versions in the log: its dead records, and its live one. */
  versions: number;
}

/** Where key's branch at `depth` levels of `delimiter` below `from` ends (after its depth-th delimiter), or -1 for a key above that depth. */
export function branchEnd(key: string, from: number, delimiter: string, depth: number): number {
  let at = from;
  for (let level = 0; level < depth; level++) {
    const cut = key.indexOf(delimiter, at);
    if (cut === -1) return -1;
    at = cut + 1;
  }
  return at;
}

/** Per-key dead bytes and counts, by key index of an interner. */
class Tallies {
  bytes = new Float64Array(1024);
  overwritten = new Uint32Array(1024);
  tombstones = new Uint32Array(1024);

  add(k: number, length: number, tombstone: boolean): void {
    if (k >= this.bytes.length) {
      const n = Math.max(2 * this.bytes.length, k + 1);
      this.bytes = grown(this.bytes, n);
      this.overwritten = grown(this.overwritten, n);
      this.tombstones = grown(this.tombstones, n);
    }
    this.bytes[k] += length;
    if (tombstone) this.tombstones[k]++;
    else this.overwritten[k]++;
  }

  recordsOf(k: number): number {
    return k < this.bytes.length ? this.overwritten[k]! + this.tombstones[k]! : 0;
  }
}

export class DeadSpace {
  constructor(
    private readonly keys: KeyInterner,
    private readonly tallies: Tallies,
    private readonly isLive: (key: Uint8Array) => boolean,
    readonly totals: DeadSpaceTotals,
  ) {}

  /** The key indexes with dead records whose key starts with prefix. */
  private *deadKeys(prefix: string): Generator<number> {
    const n = Math.min(this.keys.size, this.tallies.bytes.length);
    for (let k = 0; k < n; k++) {
      if (this.tallies.recordsOf(k) === 0) continue;
      if (prefix !== '' && !this.keys.keyAt(k).startsWith(prefix)) continue;
      yield k;
    }
  }

  /**
   * The keys under `prefix` with dead records, grouped `depth` levels of `delimiter` below it as `du` groups
   * live keys: most dead bytes first, equal ones in key order.
   */
  branches(prefix: string, delimiter: string, depth: number): { keys: number; deadBytes: number; deadRecords: number; branches: DeadBranch[] } {
    const byPrefix = new Map<string, DeadBranch>();
    let keys = 0;
    let deadBytes = 0;
    let deadRecords = 0;
    for (const k of this.deadKeys(prefix)) {
      const key = this.keys.keyAt(k);
      const end = branchEnd(key, prefix.length, delimiter, depth);
      const name = end === -1 ? key : key.slice(0, end);
      const id = (end === -1 ? 'k' : 'b') + name;
      let branch = byPrefix.get(id);
      if (!branch) byPrefix.set(id, (branch = { prefix: name, kind: end === -1 ? 'key' : 'branch', keys: 0, deadBytes: 0, deadRecords: 0 }));
      const bytes = this.tallies.bytes[k]!;
      const records = this.tallies.recordsOf(k);
      branch.keys++;
      branch.deadBytes += bytes;
      branch.deadRecords += records;
      keys++;
      deadBytes += bytes;
      deadRecords += records;
    }
    const branches = [...byPrefix.values()].sort((a, b) => b.deadBytes - a.deadBytes || (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
    return { keys, deadBytes, deadRecords, branches };
  }

  /** The n keys under `prefix` with the most dead bytes, most first (equal ones in the order they were met). */
  top(n: number, prefix = ''): DeadKey[] {
    const ks = [...this.deadKeys(prefix)];
    const bytes = new Float64Array(ks.length);
    ks.forEach((k, i) => (bytes[i] = this.tallies.bytes[k]!));
    return largestN(bytes, n).map(({ position }) => {
      const k = ks[position]!;
      const live = this.isLive(this.keys.keyBytes(k));
      const overwritten = this.tallies.overwritten[k]!;
      const tombstones = this.tallies.tombstones[k]!;
      return { key: this.keys.keyAt(k), deadBytes: this.tallies.bytes[k]!, overwritten, tombstones, live, versions: overwritten + tombstones + (live ? 1 : 0) };
    });
  }
}

function emptyTotals(): DeadSpaceTotals {
  return { deadBytes: 0, deadRecords: 0, overwrittenBytes: 0, overwrittenRecords: 0, tombstoneBytes: 0, tombstoneRecords: 0, keys: 0, damagedBytes: 0, unreadBytes: 0, unreadRecords: 0 };
}

function countDead(totals: DeadSpaceTotals, tallies: Tallies, k: number, length: number, tombstone: boolean): void {
  if (tallies.recordsOf(k) === 0) totals.keys++;
  tallies.add(k, length, tombstone);
  totals.deadBytes += length;
  totals.deadRecords++;
  if (tombstone) {
    totals.tombstoneBytes += length;
    totals.tombstoneRecords++;
  } else {
    totals.overwrittenBytes += length;
    totals.overwrittenRecords++;
  }
}

/**
 * A kvscope store's dead space: every committed record of `segments` read (to each one's size when the walk
 * starts), a put counted dead unless `liveAt` says the keydir holds its key at that segment and offset.
 */
export async function nativeDeadSpace(
  efs: EngineFs,
  segments: readonly Segment[],
  liveAt: (key: Uint8Array, keyStart: number, keyLength: number, segment: number, offset: number) => boolean,
  isLive: (key: Uint8Array) => boolean,
  yielder: Yielder,
): Promise<DeadSpace> {
  const keys = new KeyInterner();
  const tallies = new Tallies();
  const totals = emptyTotals();
  const sizes = segments.map((s) => s.size);
  const total = sizes.reduce((n, s) => n + s, 0);
  let done = 0;
  let id = 0;
  const meet = (buf: Uint8Array, keyStart: number, keyLength: number, offset: number, length: number, type: number): void => {
    const tombstone = type === RECORD_TOMBSTONE;
    if (!tombstone && liveAt(buf, keyStart, keyLength, id, offset)) return;
    countDead(totals, tallies, keys.intern(buf, keyStart, keyStart + keyLength), length, tombstone);
  };
  yielder.report(0, total);
  for (const [i, seg] of segments.entries()) {
    yielder.check();
    id = seg.id;
    const size = sizes[i]!;
    const start = seg.header ? SEGMENT_HEADER.size : Math.min(size, SEGMENT_HEADER.size);
    const stopped = await walkCommittedRecords(efs, seg.fd, size, start, (buf, at, offset, type, _sequence, keyLength, length) => meet(buf, at + RECORD_HEADER.size, keyLength, offset, length, type), {
      pause: (offset) => yielder.tick(done + offset, total),
    });
    for (const ev of committedRecords(scanRecords(fileSource(efs, seg.fd, size), stopped))) {
      if (ev.kind === 'record') {
        meet(ev.key, 0, ev.key.length, ev.offset, ev.length, ev.header.type);
      } else if (ev.kind === 'preallocated') {
        continue; // zeros a writer reserved: no record
      } else {
        totals.damagedBytes += ev.length;
      }
      await yielder.step(done + ev.offset, total);
    }
    done += size;
    await yielder.tick(done, total);
  }
  yielder.report(total, total);
  return new DeadSpace(keys, tallies, isLive, totals);
}

/** What a foreign store's version table tells of each version: its key index, bytes, standing, and whether it is damaged. */
export type VersionRowVisitor = (visit: (k: number, length: number, standing: 'live' | 'tombstone' | 'stale' | 'unread', damaged: boolean) => void) => void;

/** Another engine's dead space, from the versions its open replayed (nothing is read). */
export async function foreignDeadSpace(keys: KeyInterner, forEachRow: VersionRowVisitor, isLive: (key: Uint8Array) => boolean, yielder: Yielder): Promise<DeadSpace> {
  const tallies = new Tallies();
  const totals = emptyTotals();
  yielder.check();
  forEachRow((k, length, standing, damaged) => {
    if (damaged) {
      totals.damagedBytes += length;
    } else if (standing === 'unread') {
      totals.unreadBytes += length;
      totals.unreadRecords++;
    } else if (standing !== 'live') {
      countDead(totals, tallies, k, length, standing === 'tombstone');
    }
  });
  await yielder.tick(1, 1);
  yielder.report(1, 1);
  return new DeadSpace(keys, tallies, isLive, totals);
}
