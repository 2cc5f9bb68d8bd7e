/**
 * What a hint file or the keydir image claims one segment holds — a record
 * at this offset, of this length, with this type, sequence number and key —
 * ordered by offset, so that a scan of the segment front to back checks each
 * claim against the record it meets there by stepping a cursor, instead of
 * reading the record a claim points at (a read per claim made verify's hint
 * and image checks ~2.4 µs a key, most of a 1M-key verify).
 *
 * A claim no committed record of the scan matches comes out of `unmatched()`;
 * verify then reads the bytes it points at, as a reader following it would.
 */
import { Uint32List, radixOrderSteps } from './arrays.js';
import type { Keydir, SlotsByLocation } from './keydir.js';
import { readU32, readU64 } from './native/codec.js';
import { HINT_ENTRY, HINT_HEADER, RECORD_PUT } from './native/layout.js';

export abstract class RecordClaims {
  private k = 0;
  private readonly missed = new Uint32List();

  /** Claims i = order[from], ..., order[to - 1], by ascending offsets[i]. */
  protected constructor(
    private readonly offsets: Uint32Array,
    private readonly order: Uint32Array,
    from: number,
    private readonly to: number,
  ) {
    this.k = from;
  }

  /** A committed record of the segment; records come in ascending offsets. */
  meet(offset: number, length: number, type: number, sequence: number, bytes: Uint8Array, keyStart: number, keyLength: number): void {
    const { offsets, order, to } = this;
    let k = this.k;
    while (k < to && offsets[order[k]!]! < offset) this.missed.push(order[k++]!);
    while (k < to && offsets[order[k]!]! === offset) {
      const i = order[k++]!;
      if (!this.describes(i, length, type, sequence, bytes, keyStart, keyLength)) this.missed.push(i);
    }
    this.k = k;
  }

  /** Where claim i says its record is. */
  offsetOf(i: number): number {
    return this.offsets[i]!;
  }

  /** How long claim i says its record is. */
  abstract lengthOf(i: number): number;

  /** The key claim i gives for its record (key string, latin1). */
  abstract keyOf(i: number): string;

  /** After the scan: the claims no record matched (by offset), and the claims past the last record. */
  unmatched(): Uint32Array {
    while (this.k < this.to) this.missed.push(this.order[this.k++]!);
    return this.missed.done();
  }

  /** Whether claim i describes this record (its key is bytes[keyStart, keyStart + keyLength)). */
  abstract describes(i: number, length: number, type: number, sequence: number, bytes: Uint8Array, keyStart: number, keyLength: number): boolean;
}

/** The entries of a hint file (checked whole by checkHint); claim i is the entry at byte entryAt(i) of the file. */
export class HintClaims extends RecordClaims {
  private constructor(
    private readonly hint: Buffer,
    private readonly entries: Uint32Array,
    offsets: Uint32Array,
    order: Uint32Array,
  ) {
    super(offsets, order, 0, order.length);
  }

  /** The claims of a hint's entries, in steps (a pass over the entries, then each pass of the order's sort): a caller on the event loop can pause between them. */
  static *ofSteps(hint: Buffer, entriesEnd: number, entryCount: number): Generator<void, HintClaims> {
    const entries = new Uint32Array(entryCount);
    const offsets = new Uint32Array(entryCount);
    let n = 0;
    for (let at = HINT_HEADER.size; at < entriesEnd && n < entryCount; n++) {
      entries[n] = at;
      offsets[n] = readU32(hint, at + HINT_ENTRY.offset);
      at += HINT_ENTRY.size + readU32(hint, at + HINT_ENTRY.keyLength);
    }
    yield;
    const order = yield* radixOrderSteps(n, [
      [offsets, 0, 0xffff],
      [offsets, 16, 0xffff],
    ]);
    return new HintClaims(hint, entries, offsets, order);
  }

  /** Where claim i's entry starts in the hint file. */
  entryAt(i: number): number {
    return this.entries[i]!;
  }

  lengthOf(i: number): number {
    return readU32(this.hint, this.entries[i]! + HINT_ENTRY.recordLength);
  }

  keyOf(i: number): string {
    const key = this.entries[i]! + HINT_ENTRY.size;
    return this.hint.toString('latin1', key, key + readU32(this.hint, this.entries[i]! + HINT_ENTRY.keyLength));
  }

  describes(i: number, length: number, type: number, sequence: number, bytes: Uint8Array, keyStart: number, keyLength: number): boolean {
    const h = this.hint;
    const at = this.entries[i]!;
    if (h[at + HINT_ENTRY.type] !== type || readU32(h, at + HINT_ENTRY.recordLength) !== length) return false;
    if (readU32(h, at + HINT_ENTRY.keyLength) !== keyLength || readU64(h, at + HINT_ENTRY.sequence) !== sequence) return false;
    const key = at + HINT_ENTRY.size;
    for (let j = 0; j < keyLength; j++) if (h[key + j] !== bytes[keyStart + j]) return false;
    return true;
  }
}

/** The live keys a keydir (taken from an image) puts in one segment; claim i is slot `slots[i]` of `byLocation`. */
export class KeydirClaims extends RecordClaims {
  constructor(
    private readonly keydir: Keydir,
    private readonly byLocation: SlotsByLocation,
    rank: number,
  ) {
    super(byLocation.offsets, byLocation.order, byLocation.first[rank]!, byLocation.first[rank + 1]!);
  }

  slotOf(i: number): number {
    return this.byLocation.slots[i]!;
  }

  lengthOf(i: number): number {
    return this.byLocation.lengths[i]!;
  }

  keyOf(i: number): string {
    return this.keydir.keyAt(this.byLocation.slots[i]!);
  }

  describes(i: number, length: number, type: number, sequence: number, bytes: Uint8Array, keyStart: number, keyLength: number): boolean {
    const slot = this.byLocation.slots[i]!;
    return (
      type === RECORD_PUT &&
      this.byLocation.lengths[i] === length &&
      this.keydir.sequenceAt(slot) === sequence &&
      this.keydir.compareKeyAt(slot, bytes, keyStart, keyStart + keyLength) === 0
    );
  }
}
