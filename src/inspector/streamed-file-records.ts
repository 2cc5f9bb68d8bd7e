/**
 * The records of any file but a native data segment (which has
 * NativeSegmentIndex), from its format's decodeRecords: a Riak Bitcask
 * data or hint file, a native hint file or keydir image, a seed program's
 * segment or log. Such a file can hold millions of records, so they are
 * indexed like a native segment, not kept whole:
 * - indexing pulls records from the decoder in time slices in the
 *   background, and stops early when a request waits for a record it has
 *   not reached yet;
 * - each record leaves only what a table row shows, in typed columns, and
 *   its key bytes in one arena (~70 bytes a record plus its key);
 * - a record's fields (the hex view) are decoded again, from its offset,
 *   when it is shown.
 * The file's bytes are read once and kept while the index lives.
 */
import { decodeSafelyOneByOne } from '../engine/foreign-store.js';
import { ByteArena, grown } from '../engine/arrays.js';
import { countsAsRecord, RECORD_KINDS, recordKindIndex, type DecodedRecord, type FormatDescription, type FormatFile } from '../engine/formats/format.js';
import { keyToString } from '../engine/keys.js';
import { classOf, CLASS_CORRUPT, CLASS_IGNORED, CLASS_TORN, nextGeneration, Progressing, summarize, type FileRecords, type IndexEntry, type RecordSummary } from './file-records.js';

const INITIAL_ROWS = 1024;

/** What few records carry: a problem, a damaged record's key as its bytes read, a label. */
interface RareText {
  problem?: string;
  problemKind?: DecodedRecord['problemKind'];
  damagedKey?: string;
  label?: string;
}

export class StreamedFileRecords extends Progressing implements FileRecords {
  readonly generation = nextGeneration();
  private n = 0;
  private ignored = 0;
  private end = 0;
  private records: Iterator<DecodedRecord> | undefined;
  private offsets = new Float64Array(INITIAL_ROWS);
  private lengths = new Float64Array(INITIAL_ROWS);
  private classes = new Uint8Array(INITIAL_ROWS);
  private kinds = new Uint8Array(INITIAL_ROWS);
  /** NaN where the record has none. */
  private sequences = new Float64Array(INITIAL_ROWS);
  private valueOffsets = new Float64Array(INITIAL_ROWS);
  private valueLengths = new Float64Array(INITIAL_ROWS);
  private storedCrcs = new Float64Array(INITIAL_ROWS);
  private computedCrcs = new Float64Array(INITIAL_ROWS);
  /** Where the record's key is in `keys`; -1 for a record without one. */
  private keyAt = new Float64Array(INITIAL_ROWS);
  private keyLengths = new Uint32Array(INITIAL_ROWS);
  private readonly keys = new ByteArena();
  private readonly rare = new Map<number, RareText>();

  constructor(
    readonly file: FormatFile,
    private readonly bytes: Buffer,
    private readonly format: FormatDescription,
    readonly stamp: string,
    readonly fileSize: number,
  ) {
    super();
    this.records = decodeSafelyOneByOne(format, file, bytes)[Symbol.iterator]();
  }

  get complete(): boolean {
    return this.records === undefined;
  }
  get count(): number {
    return this.n;
  }
  get ignoredCount(): number {
    return this.ignored;
  }
  get indexedBytes(): number {
    return this.end;
  }

  protected advance(deadline: number, wanted: () => boolean): void {
    let steps = 0;
    while (this.records !== undefined) {
      if ((++steps & 255) === 0 && (performance.now() >= deadline || wanted())) break;
      const next = this.records.next();
      if (next.done) this.records = undefined;
      else this.push(next.value);
    }
  }

  private push(r: DecodedRecord): void {
    const i = this.n;
    if (i === this.offsets.length) this.grow();
    this.n++;
    this.offsets[i] = r.offset;
    this.lengths[i] = r.length;
    this.end = Math.max(this.end, r.offset + r.length);
    this.classes[i] = classOf(r);
    if (this.classes[i] === CLASS_IGNORED) this.ignored++;
    this.kinds[i] = recordKindIndex(r.kind);
    this.sequences[i] = r.sequence ?? Number.NaN;
    this.valueOffsets[i] = r.valueOffset ?? Number.NaN;
    this.valueLengths[i] = r.valueLength ?? Number.NaN;
    this.storedCrcs[i] = r.storedCrc ?? Number.NaN;
    this.computedCrcs[i] = r.computedCrc ?? Number.NaN;
    if (r.key === undefined) {
      this.keyAt[i] = -1;
      this.keyLengths[i] = 0;
    } else {
      this.keyAt[i] = this.keys.append(r.key);
      this.keyLengths[i] = r.key.length;
    }
    if (r.problem !== undefined || r.problemKind !== undefined || r.unverifiedKey !== undefined || r.label !== undefined) {
      const rare: RareText = {};
      if (r.problem !== undefined) rare.problem = r.problem;
      if (r.problemKind !== undefined) rare.problemKind = r.problemKind;
      if (r.unverifiedKey !== undefined) rare.damagedKey = keyToString(r.unverifiedKey);
      if (r.label !== undefined) rare.label = r.label;
      this.rare.set(i, rare);
    }
  }

  private grow(): void {
    const size = 2 * this.offsets.length;
    this.offsets = grown(this.offsets, size);
    this.lengths = grown(this.lengths, size);
    this.classes = grown(this.classes, size);
    this.kinds = grown(this.kinds, size);
    this.sequences = grown(this.sequences, size);
    this.valueOffsets = grown(this.valueOffsets, size);
    this.valueLengths = grown(this.valueLengths, size);
    this.storedCrcs = grown(this.storedCrcs, size);
    this.computedCrcs = grown(this.computedCrcs, size);
    this.keyAt = grown(this.keyAt, size);
    this.keyLengths = grown(this.keyLengths, size);
  }

  offsetAt(i: number): number {
    return this.offsets[i]!;
  }
  lengthAt(i: number): number {
    return this.lengths[i]!;
  }
  classAt(i: number): number {
    return this.classes[i]!;
  }

  indexAt(offset: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.offsets[mid]! + this.lengths[mid]! <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.n ? lo : -1;
  }

  private keyOf(i: number): Buffer | undefined {
    const at = this.keyAt[i]!;
    return at < 0 ? undefined : this.keys.view(at, this.keyLengths[i]!);
  }

  /** Record i as the record table's row (what entryOf makes of the decoded record). */
  private entry(i: number): IndexEntry {
    const cls = this.classes[i]!;
    const e: IndexEntry = { offset: this.offsets[i]!, length: this.lengths[i]!, kind: RECORD_KINDS[this.kinds[i]!]!, status: cls === CLASS_CORRUPT ? 'corrupt' : cls === CLASS_TORN ? 'torn' : 'valid' };
    const key = this.keyOf(i);
    if (key !== undefined) e.key = keyToString(key);
    const optional = [
      ['sequence', this.sequences[i]!],
      ['valueOffset', this.valueOffsets[i]!],
      ['valueLength', this.valueLengths[i]!],
      ['storedCrc', this.storedCrcs[i]!],
      ['computedCrc', this.computedCrcs[i]!],
    ] as const;
    for (const [name, value] of optional) if (!Number.isNaN(value)) e[name] = value;
    const rare = this.rare.get(i);
    if (rare) Object.assign(e, rare);
    return e;
  }

  entries(indices: ArrayLike<number>): IndexEntry[] {
    return Array.from(indices, (i) => this.entry(i));
  }

  forEachKey(from: number, to: number, visit: (i: number, key: Buffer) => void): void {
    for (let i = from; i < Math.min(to, this.n); i++) {
      const key = this.keyOf(i);
      if (key !== undefined) visit(i, key);
    }
  }

  /** Record i with its fields: decoded again from its offset (from the start, for a decoder that cannot resume there). */
  detail(i: number): DecodedRecord {
    const offset = this.offsets[i]!;
    const length = this.lengths[i]!;
    try {
      for (const r of this.format.decodeRecords(this.file, this.bytes, offset)) {
        if (r.offset === offset && r.length === length) return r;
        break;
      }
    } catch {
      // The record is the one that stands for a decoder failure: found below, as indexing found it.
    }
    let j = 0;
    for (const r of decodeSafelyOneByOne(this.format, this.file, this.bytes)) if (j++ === i) return r;
    throw new RangeError(`no record ${i} in ${this.file.name}`);
  }

  summary(): RecordSummary {
    return summarize(
      this,
      (i) => (RECORD_KINDS[this.kinds[i]!] === 'header' || Number.isNaN(this.sequences[i]!) ? undefined : this.sequences[i]!),
      (i) => countsAsRecord({ kind: RECORD_KINDS[this.kinds[i]!]!, key: this.keyAt[i]! < 0 ? undefined : true }),
    );
  }

  refresh(): void {}
}
