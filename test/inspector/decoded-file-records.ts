/**
 * The record table's index of a file, written the plain way: every record
 * decoded at once and kept. Only the tests use it, as what the streamed
 * index (src/inspector/streamed-file-records.ts) must answer.
 */
import { countsAsRecord, type DecodedRecord, type FormatFile } from '../../src/engine/formats/format.js';
import { CLASS_IGNORED, classOf, entryOf, nextGeneration, Progressing, summarize, type FileRecords, type IndexEntry, type RecordSummary } from '../../src/inspector/file-records.js';

/**
 * A file's records decoded whole by its format's decodeFile and kept: the
 * plain index StreamedFileRecords is held to (the record table indexed
 * small files this way before every format decoded a record at a time).
 */
export class DecodedFileRecords extends Progressing implements FileRecords {
  readonly complete = true;
  readonly generation: number;
  private readonly list: IndexEntry[];
  private readonly classes: Uint8Array;
  readonly fileSize: number;

  constructor(
    readonly file: FormatFile,
    private readonly records: DecodedRecord[],
    private readonly stampText: string,
    size: number,
  ) {
    super();
    this.list = records.map(entryOf);
    this.classes = Uint8Array.from(this.list, classOf);
    this.fileSize = size;
    this.generation = nextGeneration();
  }

  get stamp(): string {
    return this.stampText;
  }
  get count(): number {
    return this.list.length;
  }
  get ignoredCount(): number {
    return this.classes.filter((c) => c === CLASS_IGNORED).length;
  }
  get indexedBytes(): number {
    return this.list.reduce((n, e) => Math.max(n, e.offset + e.length), 0);
  }
  protected advance(): void {}
  offsetAt(i: number): number {
    return this.list[i]!.offset;
  }
  lengthAt(i: number): number {
    return this.list[i]!.length;
  }
  classAt(i: number): number {
    return this.classes[i]!;
  }
  indexAt(offset: number): number {
    const list = this.list;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = list[mid]!;
      if (e.offset + e.length <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo < list.length ? lo : -1;
  }
  entries(indices: ArrayLike<number>): IndexEntry[] {
    return Array.from(indices, (i) => this.list[i]!);
  }
  forEachKey(from: number, to: number, visit: (i: number, key: Buffer) => void): void {
    for (let i = from; i < Math.min(to, this.list.length); i++) {
      const key = this.records[i]!.key;
      if (key !== undefined) visit(i, Buffer.from(key.buffer, key.byteOffset, key.byteLength));
    }
  }
  detail(i: number): DecodedRecord {
    return this.records[i]!;
  }
  summary(): RecordSummary {
    return summarize(
      this,
      (i) => (this.list[i]!.kind === 'header' ? undefined : this.list[i]!.sequence),
      (i) => countsAsRecord(this.list[i]!),
    );
  }
  refresh(): void {}
}
