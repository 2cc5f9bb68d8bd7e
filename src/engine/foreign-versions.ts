/**
 * Every key version a foreign store's replay saw, and which one wins for
 * each key: in typed columns, one row per version, with no object per
 * version. A cask of a million keys held an object and an array per key
 * before (~1.8 GB and 6 s to open 130 MB of Riak data); a row is ~60 bytes.
 *
 * Rows are added in replay order, so a row's index is its place in the
 * replay. Each key's rows are chained from its newest-added row back (for
 * its history). The winner rule is FormatDescription.winner's, kept as rows
 * arrive:
 *  - 'file-order': the last replayed row of a key wins;
 *  - 'sequence': the replayed row with the highest sequence wins (a row
 *    without one counts as -1), and on equal sequences the later row.
 * A row that was not replayed (after a bad record, in a format that stops
 * a file there) is kept for history and byte counts but never wins.
 */
import { grown } from './arrays.js';
import { KeyInterner } from './key-interner.js';

/** One put or delete of a key, as replay saw it. */
/** How a version's bytes count in a data file's figures (forEachStanding). */
export type Standing = 'live' | 'tombstone' | 'stale' | 'unread';

export interface Version {
  /** Index of the data file in replay order. */
  fileIndex: number;
  /** Position in the whole replay (all data files, all records). */
  ordinal: number;
  offset: number;
  length: number;
  kind: 'put' | 'delete';
  valueOffset: number;
  valueLength: number;
  sequence: number | undefined;
  /** False when the record came after a bad record in a format that stops there. */
  replayed: boolean;
  /**
   * A record that fails its checks, kept because its key is known (its key
   * bytes read, or a valid hint names it): listed in history as corrupt;
   * where it wins (a hint the program trusts names it) the key is live but
   * its value cannot be read.
   */
  damaged?: boolean;
  /**
   * Taken from the data file's hint, its record not read by the open: a
   * read checks the record (damage since the hint was written is found
   * then, not at the open).
   */
  fromHint?: boolean;
}

const DELETE = 1;
const REPLAYED = 2;
const DAMAGED = 4;
const FROM_HINT = 8;
const INITIAL_ROWS = 1024;

export class VersionTable {
  private rows = 0;
  private fileIndex = new Uint32Array(INITIAL_ROWS);
  private ordinal = new Float64Array(INITIAL_ROWS);
  private offset = new Float64Array(INITIAL_ROWS);
  private length = new Float64Array(INITIAL_ROWS);
  private valueOffset = new Float64Array(INITIAL_ROWS);
  private valueLength = new Float64Array(INITIAL_ROWS);
  /** NaN where the record has none. */
  private sequence = new Float64Array(INITIAL_ROWS);
  private flags = new Uint8Array(INITIAL_ROWS);
  /** The key's row added before this one, or -1. */
  private previous = new Int32Array(INITIAL_ROWS);
  private keyOfRow = new Uint32Array(INITIAL_ROWS);

  /** Key bytes → key index, in the order keys were first seen. */
  readonly keys = new KeyInterner();
  /** Per key index: its newest-added row; its winning row, or -1. */
  private newest = new Int32Array(INITIAL_ROWS);
  private winner = new Int32Array(INITIAL_ROWS);
  private live = 0;

  constructor(private readonly bySequence: boolean) {}

  /** Rows added. */
  get size(): number {
    return this.rows;
  }

  /** Keys whose winning row is a put. */
  get liveKeys(): number {
    return this.live;
  }

  add(key: Uint8Array, v: Version): void {
    const row = this.rows;
    if (row === this.fileIndex.length) this.growRows();
    this.rows++;
    this.fileIndex[row] = v.fileIndex;
    this.ordinal[row] = v.ordinal;
    this.offset[row] = v.offset;
    this.length[row] = v.length;
    this.valueOffset[row] = v.valueOffset;
    this.valueLength[row] = v.valueLength;
    this.sequence[row] = v.sequence ?? Number.NaN;
    this.flags[row] = (v.kind === 'delete' ? DELETE : 0) | (v.replayed ? REPLAYED : 0) | (v.damaged ? DAMAGED : 0) | (v.fromHint ? FROM_HINT : 0);
    const known = this.keys.size;
    const k = this.keys.intern(key);
    if (k === known) {
      if (k === this.newest.length) {
        this.newest = grown(this.newest, 2 * k);
        this.winner = grown(this.winner, 2 * k);
      }
      this.newest[k] = -1;
      this.winner[k] = -1;
    }
    this.keyOfRow[row] = k;
    this.previous[row] = this.newest[k]!;
    this.newest[k] = row;
    if (v.replayed) this.offerWinner(k, row);
  }

  private offerWinner(k: number, row: number): void {
    const current = this.winner[k]!;
    if (current >= 0 && this.bySequence && this.sequenceOrNone(row) < this.sequenceOrNone(current)) return;
    if (current >= 0 && this.isPut(current)) this.live--;
    this.winner[k] = row;
    if (this.isPut(row)) this.live++;
  }

  private sequenceOrNone(row: number): number {
    const s = this.sequence[row]!;
    return Number.isNaN(s) ? -1 : s;
  }

  private isPut(row: number): boolean {
    return (this.flags[row]! & DELETE) === 0;
  }

  private growRows(): void {
    const n = 2 * this.rows;
    this.fileIndex = grown(this.fileIndex, n);
    this.ordinal = grown(this.ordinal, n);
    this.offset = grown(this.offset, n);
    this.length = grown(this.length, n);
    this.valueOffset = grown(this.valueOffset, n);
    this.valueLength = grown(this.valueLength, n);
    this.sequence = grown(this.sequence, n);
    this.flags = grown(this.flags, n);
    this.previous = grown(this.previous, n);
    this.keyOfRow = grown(this.keyOfRow, n);
  }

  /** The row as a Version. */
  version(row: number): Version {
    const sequence = this.sequence[row]!;
    return {
      fileIndex: this.fileIndex[row]!,
      ordinal: this.ordinal[row]!,
      offset: this.offset[row]!,
      length: this.length[row]!,
      kind: this.isPut(row) ? 'put' : 'delete',
      valueOffset: this.valueOffset[row]!,
      valueLength: this.valueLength[row]!,
      sequence: Number.isNaN(sequence) ? undefined : sequence,
      replayed: (this.flags[row]! & REPLAYED) !== 0,
      ...((this.flags[row]! & DAMAGED) !== 0 ? { damaged: true } : {}),
      ...((this.flags[row]! & FROM_HINT) !== 0 ? { fromHint: true } : {}),
    };
  }

  /** The live row of a key (its winner, when that is a put), or -1. */
  liveRow(key: Uint8Array): number {
    const k = this.keys.indexOf(key);
    if (k < 0) return -1;
    return this.liveRowOf(k);
  }

  private liveRowOf(k: number): number {
    const w = this.winner[k]!;
    return w >= 0 && this.isPut(w) ? w : -1;
  }

  /** Bytes of key k's live record (its winning put), as the format counts a record; 0 when it has none. */
  liveLengthOf(k: number): number {
    const row = this.liveRowOf(k);
    return row < 0 ? 0 : this.length[row]!;
  }

  /** The live keys as latin1 strings (keys.ts keyToString), in the order they were first seen. */
  *liveKeyNames(): IterableIterator<string> {
    for (let k = 0; k < this.keys.size; k++) if (this.liveRowOf(k) >= 0) yield this.keys.keyAt(k);
  }

  /** The live keys' indexes in `keys`, in the order they were first seen. */
  liveKeyIndexes(): Uint32Array {
    const out = new Uint32Array(this.live);
    for (let k = 0, i = 0; k < this.keys.size; k++) if (this.liveRowOf(k) >= 0) out[i++] = k;
    return out;
  }

  /** The keys whose winning row is a delete (deleted keys), each with that row, in the order they were first seen. */
  *deletedKeyRows(): IterableIterator<{ key: string; row: number }> {
    for (let k = 0; k < this.keys.size; k++) {
      const w = this.winner[k]!;
      if (w >= 0 && !this.isPut(w)) yield { key: this.keys.keyAt(k), row: w };
    }
  }

  /** A key's rows, in replay precedence (the winner-to-be last), and its live row or -1. */
  history(key: Uint8Array): { rows: number[]; live: number } {
    const k = this.keys.indexOf(key);
    if (k < 0) return { rows: [], live: -1 };
    const rows: number[] = [];
    for (let r = this.newest[k]!; r >= 0; r = this.previous[r]!) rows.push(r);
    rows.reverse();
    if (this.bySequence) rows.sort((a, b) => this.sequenceOrNone(a) - this.sequenceOrNone(b) || a - b);
    return { rows, live: this.liveRowOf(k) };
  }

  /**
   * Each row's standing: 'live' (its key's winning put), 'tombstone' (a
   * delete), 'stale' (any other put) or 'unread' (a sound record after damage
   * at which the program stops reading its file: neither stale nor a
   * tombstone to it, it never read it), with its data file and length. A
   * damaged row is not visited (its bytes count as corrupt).
   */
  forEachStanding(visit: (fileIndex: number, length: number, standing: Standing) => void): void {
    for (let row = 0; row < this.rows; row++) {
      if ((this.flags[row]! & DAMAGED) !== 0) continue;
      visit(this.fileIndex[row]!, this.length[row]!, this.standingOf(row));
    }
  }

  /** Every row with its key's index in `keys`, its length, its standing and whether it is damaged (dead-space.ts). */
  forEachRow(visit: (k: number, length: number, standing: Standing, damaged: boolean) => void): void {
    for (let row = 0; row < this.rows; row++) visit(this.keyOfRow[row]!, this.length[row]!, this.standingOf(row), (this.flags[row]! & DAMAGED) !== 0);
  }

  private standingOf(row: number): Standing {
    if ((this.flags[row]! & REPLAYED) === 0) return 'unread';
    return this.winner[this.keyOfRow[row]!] === row && this.isPut(row) ? 'live' : this.isPut(row) ? 'stale' : 'tombstone';
  }

  /**
   * The bytes of a data file's rows that start within the given [start, end)
   * ranges, by standing (forEachStanding's; damaged rows are not counted).
   */
  standingWithin(fileIndex: number, ranges: readonly (readonly [number, number])[]): Record<Standing, number> {
    const out = { live: 0, stale: 0, tombstone: 0, unread: 0 };
    if (ranges.length === 0) return out;
    for (let row = 0; row < this.rows; row++) {
      if (this.fileIndex[row] !== fileIndex || (this.flags[row]! & DAMAGED) !== 0) continue;
      const at = this.offset[row]!;
      if (!ranges.some(([start, end]) => at >= start && at < end)) continue;
      out[this.standingOf(row)] += this.length[row]!;
    }
    return out;
  }
}
