/**
 * Where each of a million or so numbers (sequence numbers: integers below
 * 2^53) was first seen: open addressing in one Float64Array of (number,
 * place + 1) pairs, so that a probe touches one cache line, placed so that four
 * consecutive numbers share a line (slotOf). Verify asks it
 * once per record; a Map<number, number> took ~0.6 s of a 1.8 s verify of
 * 1.33M records (boxed doubles, and a hash table grown entry by entry).
 */
export class FirstSeen {
  /** Pairs (number, place + 1); place + 1 = 0: an empty entry. */
  private table = new Float64Array(2 << 12);
  private count = 0;
  /** Entries looked at by firstPlace so far (how well the numbers spread). */
  probes = 0;

  /** The place `value` was first seen at, else -1 after noting `place` (≥ 0) for it. */
  firstPlace(value: number, place: number): number {
    if (4 * (this.count + 1) > this.table.length) this.grow();
    const table = this.table;
    const mask = (table.length >>> 1) - 1;
    for (let i = slotOf(value, mask); ; i = (i + 1) & mask) {
      this.probes++;
      const seen = table[2 * i + 1]!;
      if (seen === 0) {
        table[2 * i] = value;
        table[2 * i + 1] = place + 1;
        this.count++;
        return -1;
      }
      if (table[2 * i] === value) return seen - 1;
    }
  }

  private grow(): void {
    const old = this.table;
    const table = (this.table = new Float64Array(old.length * 2));
    const mask = (table.length >>> 1) - 1;
    for (let j = 0; j < old.length; j += 2) {
      if (old[j + 1] === 0) continue;
      let i = slotOf(old[j]!, mask);
      while (table[2 * i + 1] !== 0) i = (i + 1) & mask;
      table[2 * i] = old[j]!;
      table[2 * i + 1] = old[j + 1]!;
    }
  }
}

/** Consecutive numbers kept in neighbouring entries: 4 pairs of 16 bytes, one cache line. */
const RUN = 4;

/**
 * The home entry of `value` in a table of mask + 1 entries (a power of two,
 * at least RUN): the numbers of one aligned run of RUN consecutive numbers
 * side by side (a store's sequence numbers come in long runs: one cache miss
 * per line, not per number), each run's place a hash of the run's number.
 * Runs must land apart from each other: with the low bits kept as they are
 * (XORed with a hash of the high ones), two long runs of one store (the
 * records compaction moved, and the sequences after them) landed on one
 * stretch of the table, and linear probing walked its length for every
 * number: 27 billion probes, 67 s, for a verify of 1.5M records.
 */
function slotOf(value: number, mask: number): number {
  const run = Math.floor(value / RUN);
  let h = Math.imul((run >>> 0) ^ Math.imul(Math.floor(run / 0x1_0000_0000), 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return ((h * RUN) + (value % RUN)) & mask;
}
