/**
 * The in-memory index: key string → (segment, offset, length, sequence).
 *
 * A Map from key string to a slot number, and the locations in typed-array
 * columns indexed by slot. Measured on this machine (docs/BENCHMARKS.md) this
 * costs far less per key than a Map of small objects, and keeps the garbage
 * collector out of the way at millions of keys.
 */

export interface Location {
  segment: number;
  offset: number;
  length: number;
  sequence: number;
}

const INITIAL_CAPACITY = 1024;

export class Keydir {
  private readonly slots = new Map<string, number>();
  private segments = new Uint32Array(INITIAL_CAPACITY);
  private offsets = new Uint32Array(INITIAL_CAPACITY);
  private lengths = new Uint32Array(INITIAL_CAPACITY);
  private sequences = new Float64Array(INITIAL_CAPACITY);
  private freeSlots: number[] = [];
  private nextSlot = 0;
  private sorted: string[] | undefined;

  get size(): number {
    return this.slots.size;
  }

  get(key: string): Location | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    return { segment: this.segments[slot]!, offset: this.offsets[slot]!, length: this.lengths[slot]!, sequence: this.sequences[slot]! };
  }

  has(key: string): boolean {
    return this.slots.has(key);
  }

  sequenceOf(key: string): number | undefined {
    const slot = this.slots.get(key);
    return slot === undefined ? undefined : this.sequences[slot];
  }

  /** After a setIfNewer that applied: the segment and length of the entry it replaced, or -1 when the key was new. */
  replacedSegment = -1;
  replacedLength = 0;

  /**
   * Point key at a location unless it already points at a record with an
   * equal or higher sequence number; false when nothing changed. The hot
   * path of replay: one hash lookup for a known key, no allocation.
   */
  setIfNewer(key: string, segment: number, offset: number, length: number, sequence: number): boolean {
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = this.freeSlots.pop() ?? this.allocateSlot();
      this.slots.set(key, slot);
      this.sorted = undefined;
      this.replacedSegment = -1;
    } else {
      if (this.sequences[slot]! >= sequence) return false;
      this.replacedSegment = this.segments[slot]!;
      this.replacedLength = this.lengths[slot]!;
    }
    this.segments[slot] = segment;
    this.offsets[slot] = offset;
    this.lengths[slot] = length;
    this.sequences[slot] = sequence;
    return true;
  }

  /** Point key at a location; returns the location it replaced, if any. */
  set(key: string, loc: Location): Location | undefined {
    let slot = this.slots.get(key);
    let previous: Location | undefined;
    if (slot === undefined) {
      slot = this.freeSlots.pop() ?? this.allocateSlot();
      this.slots.set(key, slot);
      this.sorted = undefined;
    } else {
      previous = { segment: this.segments[slot]!, offset: this.offsets[slot]!, length: this.lengths[slot]!, sequence: this.sequences[slot]! };
    }
    this.segments[slot] = loc.segment;
    this.offsets[slot] = loc.offset;
    this.lengths[slot] = loc.length;
    this.sequences[slot] = loc.sequence;
    return previous;
  }

  delete(key: string): Location | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    const previous = { segment: this.segments[slot]!, offset: this.offsets[slot]!, length: this.lengths[slot]!, sequence: this.sequences[slot]! };
    this.slots.delete(key);
    this.freeSlots.push(slot);
    this.sorted = undefined;
    return previous;
  }

  /** Every key with its location, in no particular order. */
  *entries(): IterableIterator<[string, Location]> {
    for (const [key, slot] of this.slots) {
      yield [key, { segment: this.segments[slot]!, offset: this.offsets[slot]!, length: this.lengths[slot]!, sequence: this.sequences[slot]! }];
    }
  }

  /** All keys sorted bytewise; cached until a key is added or removed. */
  sortedKeys(): readonly string[] {
    if (!this.sorted) {
      this.sorted = Array.from(this.slots.keys());
      this.sorted.sort();
    }
    return this.sorted;
  }

  private allocateSlot(): number {
    if (this.nextSlot === this.segments.length) {
      const capacity = this.segments.length * 2;
      this.segments = grow(this.segments, capacity);
      this.offsets = grow(this.offsets, capacity);
      this.lengths = grow(this.lengths, capacity);
      const seqs = new Float64Array(capacity);
      seqs.set(this.sequences);
      this.sequences = seqs;
    }
    return this.nextSlot++;
  }
}

function grow(a: Uint32Array<ArrayBuffer>, capacity: number): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(capacity);
  b.set(a);
  return b;
}
