/**
 * Verify's check of a foreign format's hint files (Riak Bitcask's): each
 * entry must describe a sound record of the data file with the same id, at
 * the offset it gives, with the same key, length, timestamp and kind; and a
 * complete hint (one with a sound trailer) must list every record of its
 * data file.
 *
 * The data file's records are kept as columns while verify reads the file
 * (DataRecords: ~40 bytes a record and its key), and a hint's entries are
 * checked as they come (HintChecker), so neither file's records are held as
 * objects: a cask of a million keys took 1.6 GB and held the event loop for
 * 1.5 s when they were.
 */
import { ByteArena, grown } from './arrays.js';
import { RECORD_KINDS, recordKindIndex, type DecodedRecord, type FormatFile, type RecordKind } from './formats/format.js';
import type { Problem } from './types.js';


/** What a hint entry is checked against: every record of one data file, by offset. */
export class DataRecords {
  private n = 0;
  private offsets = new Float64Array(1024);
  private lengths = new Float64Array(1024);
  /** NaN where the record has none. */
  private sequences = new Float64Array(1024);
  private kinds = new Uint8Array(1024);
  private valid = new Uint8Array(1024);
  private keyAt = new Float64Array(1024);
  private keyLengths = new Uint32Array(1024);
  private readonly keys = new ByteArena();
  /** Whether records came in ascending offsets (else find() scans back for the last one at an offset). */
  private ordered = true;

  get count(): number {
    return this.n;
  }

  add(r: DecodedRecord): void {
    const i = this.n;
    if (i === this.offsets.length) {
      const size = 2 * i;
      this.offsets = grown(this.offsets, size);
      this.lengths = grown(this.lengths, size);
      this.sequences = grown(this.sequences, size);
      this.kinds = grown(this.kinds, size);
      this.valid = grown(this.valid, size);
      this.keyAt = grown(this.keyAt, size);
      this.keyLengths = grown(this.keyLengths, size);
    }
    if (i > 0 && r.offset < this.offsets[i - 1]!) this.ordered = false;
    this.n++;
    this.offsets[i] = r.offset;
    this.lengths[i] = r.length;
    this.sequences[i] = r.sequence ?? Number.NaN;
    this.kinds[i] = recordKindIndex(r.kind);
    this.valid[i] = r.status === 'valid' ? 1 : 0;
    const key = r.key ?? new Uint8Array(0);
    this.keyAt[i] = this.keys.append(key);
    this.keyLengths[i] = key.length;
  }

  /** The record at `offset` (the last one added there), or -1. */
  find(offset: number): number {
    if (!this.ordered) {
      for (let i = this.n - 1; i >= 0; i--) if (this.offsets[i] === offset) return i;
      return -1;
    }
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.offsets[mid]! <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 && this.offsets[lo - 1] === offset ? lo - 1 : -1;
  }

  offsetAt(i: number): number {
    return this.offsets[i]!;
  }
  lengthAt(i: number): number {
    return this.lengths[i]!;
  }
  kindAt(i: number): RecordKind {
    return RECORD_KINDS[this.kinds[i]!]!;
  }
  isValid(i: number): boolean {
    return this.valid[i] === 1;
  }
  sequenceAt(i: number): number | undefined {
    const s = this.sequences[i]!;
    return Number.isNaN(s) ? undefined : s;
  }
  /** Whether record i's key is `key`, byte for byte (a record without a key has the empty one). */
  hasKey(i: number, key: Uint8Array): boolean {
    return this.keys.equals(this.keyAt[i]!, this.keyLengths[i]!, key);
  }
}

/** Checks one hint file's entries, given one at a time, against its data file's records. */
export class HintChecker {
  private readonly problems: Problem[] = [];
  /** Data records some entry points at (whether it matched or not). */
  private readonly described: Uint8Array;
  private complete = false;
  private end = 0;

  constructor(
    private readonly file: FormatFile,
    private readonly data: DataRecords | undefined,
  ) {
    this.described = new Uint8Array(data?.count ?? 0);
  }

  entry(r: DecodedRecord): void {
    this.end = Math.max(this.end, r.offset + r.length);
    if (r.kind === 'trailer' && r.status === 'valid') this.complete = true;
    const data = this.data;
    if (!data || !r.pointsTo) return;
    const i = data.find(r.pointsTo.offset);
    if (i >= 0) this.described[i] = 1;
    if (r.status !== 'valid' || !r.key) return;
    const where = `hint entry says offset ${r.pointsTo.offset}, ${r.pointsTo.length} bytes`;
    let mismatch: string | undefined;
    if (i < 0) mismatch = `${where}, but no record starts there`;
    else if (!data.isValid(i)) mismatch = `${where}, but the record there is damaged`;
    else if (data.lengthAt(i) !== r.pointsTo.length) mismatch = `${where}, but the record there is ${data.lengthAt(i)} bytes`;
    else if (!data.hasKey(i, r.key)) mismatch = `${where}, but the record there has a different key`;
    else if (data.kindAt(i) !== r.pointsTo.kind) mismatch = `${where} (${r.pointsTo.kind}), but the record there is a ${data.kindAt(i)}`;
    else if (r.sequence !== undefined && data.sequenceAt(i) !== r.sequence) mismatch = `${where}, but the record there has timestamp ${data.sequenceAt(i)}, not ${r.sequence}`;
    if (mismatch) this.problems.push({ file: this.file.name, offset: r.offset, kind: 'hint-mismatch', length: r.length, message: mismatch });
  }

  /** The problems found, with, for a complete hint, the data records it does not list. */
  finish(): Problem[] {
    const data = this.data;
    if (!data) return [{ file: this.file.name, offset: 0, kind: 'stale-hint', message: `hint file without a data file with id ${this.file.id}` }];
    if (this.complete) {
      let missing = 0;
      let first = -1;
      for (let i = 0; i < data.count; i++) {
        const kind = data.kindAt(i);
        if (this.described[i] === 0 && data.isValid(i) && (kind === 'put' || kind === 'delete') && data.find(data.offsetAt(i)) === i) {
          if (missing++ === 0) first = data.offsetAt(i);
        }
      }
      if (missing > 0) {
        this.problems.push({
          file: this.file.name,
          offset: this.end,
          kind: 'stale-hint',
          message: `${missing} record(s) of the data file (first at offset ${first}) have no entry in this hint file`,
        });
      }
    }
    return this.problems;
  }
}
