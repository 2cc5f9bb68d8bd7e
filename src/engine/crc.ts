/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial), as an unsigned 32-bit number.
 *
 * Two implementations give the same checksum bit for bit; which is faster
 * depends on the length (measured on this machine, Node 20.20):
 *   32 B: crc-32 22 ns, zlib.crc32 103 ns      512 B: 334 ns vs 254 ns
 *  100 B: crc-32 69 ns, zlib.crc32 148 ns     4 KiB: 2577 ns vs 916 ns
 * zlib.crc32 pays a fixed ~100 ns to cross into C++; crc-32 is pure JS with
 * slicing-by-16 tables. Records are mostly small, values sometimes large, so
 * we switch at the measured crossover.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';
import CRC32 from 'crc-32';

const CROSSOVER_BYTES = 384;

/** CRC-32 of bytes, continuing from a previous CRC when `previous` is given. */
export function crc32(bytes: Uint8Array, previous = 0): number {
  if (bytes.length < CROSSOVER_BYTES) return CRC32.buf(bytes, previous | 0) >>> 0;
  return zlibCrc32(bytes, previous >>> 0) >>> 0;
}

// Slicing-by-8 tables for crc32Range: TABLES[k * 256 + n].
const TABLES = (() => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
})();

/**
 * CRC-32 of bytes[start, end) without making a view of them (the read and
 * replay paths call it once per record), continuing from a previous CRC when
 * `previous` is given. Same checksum as crc32.
 */
export function crc32Range(b: Uint8Array, start: number, end: number, previous = 0): number {
  if (end - start >= CROSSOVER_BYTES) return zlibCrc32(b.subarray(start, end), previous >>> 0) >>> 0;
  const t = TABLES;
  let c = ~previous;
  let i = start;
  for (const last = end - 8; i <= last; i += 8) {
    c ^= b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
    c =
      t[1792 + (c & 0xff)]! ^
      t[1536 + ((c >>> 8) & 0xff)]! ^
      t[1280 + ((c >>> 16) & 0xff)]! ^
      t[1024 + (c >>> 24)]! ^
      t[768 + b[i + 4]!]! ^
      t[512 + b[i + 5]!]! ^
      t[256 + b[i + 6]!]! ^
      t[b[i + 7]!]!;
  }
  for (; i < end; i++) c = t[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

// ------------------------------------------------------------------ fix-ups
//
// CRC-32 is linear over GF(2): for two messages A and B of the same length,
// crc(A) ^ crc(B) = crcRaw(A ^ B), where crcRaw has zero initial value and no
// final xor (the standard init and final xor cancel out). When B differs from
// A in one byte only, A ^ B is that byte's difference d followed by n zero
// bytes, and crcRaw(A ^ B) = d(x) * x^32 * x^(8n) mod P (the remainder of
// the message times x^32; each zero byte multiplies by x^8). That is the
// table entry for d (d(x) * x^32) times x^(8n); here x^32 is folded into the
// cached factor instead, F(n) = x^(8n + 32) mod P, so that the product is by
// d(x), which has 8 terms, not 32. So the new CRC costs one short
// multiplication modulo P instead of a pass over the message.
//
// Polynomials are held in the reflected order the table uses: bit 31 (the
// value 0x80000000) is the coefficient of x^0, bit 0 that of x^31, so a
// multiplication by x is a right shift, and x^32 = 0xedb88320 modulo P. A
// byte d enters the CRC register at bits 0-7: its bit j (value 1 << j) is
// the coefficient of x^(7 - j) of d(x).

const POLY_REFLECTED = 0xedb88320;
/** x^0, the polynomial 1, in the reflected order. */
const ONE = 0x80000000;

/** p * x modulo P. */
function timesX(p: number): number {
  return p & 1 ? (p >>> 1) ^ POLY_REFLECTED : p >>> 1;
}

/** a * b modulo P. */
function multiplyModP(a: number, b: number): number {
  let product = 0;
  // For each power x^i present in a (bit 31 - i), add b * x^i; b is multiplied by x as i grows.
  for (let bit = ONE; a !== 0; bit >>>= 1) {
    if (a & bit) {
      product ^= b;
      a = (a & ~bit) >>> 0;
    }
    b = timesX(b);
  }
  return product >>> 0;
}

/** X_POW_2K[k] = x^(2^k) modulo P, by repeated squaring from x^1; enough powers for exponents below 2^64. */
const X_POW_2K = (() => {
  const t = new Uint32Array(64);
  t[0] = ONE >>> 1; // x^1
  for (let k = 1; k < 64; k++) t[k] = multiplyModP(t[k - 1]!, t[k - 1]!);
  return t;
})();

/** F(n) = x^(8n + 32) modulo P. */
function zeroBytesFactor(bytes: number): number {
  let factor = X_POW_2K[5]!; // x^32
  // x^(8n) = product of x^(2^(k+3)) over the bits k set in n.
  for (let k = 3, n = bytes; n > 0; k++, n = Math.floor(n / 2)) {
    if (n % 2 === 1) factor = multiplyModP(factor, X_POW_2K[k]!);
  }
  return factor;
}

/** zeroBytesFactor by byte count; records in a workload share a few lengths. Bounded: the oldest entry goes first. */
const ZERO_BYTES_FACTORS = new Map<number, number>();
const ZERO_BYTES_FACTORS_MAX = 256;
let lastBytes = 0;
let lastFactor = X_POW_2K[5]!;

function factorFor(bytes: number): number {
  if (bytes === lastBytes) return lastFactor;
  let factor = ZERO_BYTES_FACTORS.get(bytes);
  if (factor === undefined) {
    if (!(Number.isSafeInteger(bytes) && bytes >= 0)) throw new RangeError(`crc32AfterByteChange: bytesAfter ${bytes}`);
    factor = zeroBytesFactor(bytes);
    if (ZERO_BYTES_FACTORS.size >= ZERO_BYTES_FACTORS_MAX) ZERO_BYTES_FACTORS.delete(ZERO_BYTES_FACTORS.keys().next().value!);
    ZERO_BYTES_FACTORS.set(bytes, factor);
  }
  lastBytes = bytes;
  lastFactor = factor;
  return factor;
}

/**
 * The CRC-32 a message gets when one of its bytes is xor'ed with deltaByte,
 * from the CRC it had before (`crc`) and the number of bytes the checksum
 * covers after the changed byte. O(1) whatever the message length (a cached
 * factor and at most 8 shift-and-xor steps); the same value as crc32 over
 * the changed message.
 */
export function crc32AfterByteChange(crc: number, deltaByte: number, bytesAfter: number): number {
  deltaByte &= 0xff;
  if (deltaByte === 0) return crc >>> 0;
  // d(x) * F: bit j of d stands for x^(7 - j), so walk j from 7 down while multiplying F by x.
  let term = factorFor(bytesAfter);
  let diff = 0;
  for (let j = 7; j >= 0; j--) {
    if ((deltaByte >>> j) & 1) diff ^= term;
    term = timesX(term);
  }
  return (crc ^ diff) >>> 0;
}

// ------------------------------------------------------------ concatenation
//
// The CRC of A followed by B is crc32(A) times x^(8|B|) modulo P, xor'ed with
// crc32(B) (the standard init and final xor cancel out, as above; zlib calls
// this crc32_combine). Multiplying a 32-bit value by a fixed polynomial
// modulo P is linear in the value's bits, so it is four lookups in tables of
// 256 entries, one per byte of the value. The k-th table of SHIFT_TABLES
// multiplies by x^(8 * 2^k), so |B| bytes take one lookup round per bit set
// in |B|; a length that comes many times in a row (records of one size) gets
// a table of its own (ONE_LENGTH_TABLE), one round in all.

/** SHIFT_TABLES[1024 k, 1024 k + 1024): 4 x 256 entries multiplying by x^(8 * 2^k) modulo P, built when first needed (bit k of shiftTablesBuilt). */
const SHIFT_TABLES = new Int32Array(32 * 1024);
let shiftTablesBuilt = 0;

function buildShiftTable(k: number): void {
  const factor = X_POW_2K[k + 3]!;
  const t = SHIFT_TABLES;
  for (let j = 0; j < 4; j++) {
    const row = 1024 * k + 256 * j;
    // Linear in the byte: the entry for v is the entry for v without its lowest bit, xor'ed with that bit's.
    for (let bit = 0; bit < 8; bit++) t[row + (1 << bit)] = multiplyModP((1 << (8 * j + bit)) >>> 0, factor);
    for (let v = 3; v < 256; v++) if ((v & (v - 1)) !== 0) t[row + v] = t[row + (v & (v - 1))]! ^ t[row + (v & -v)]!;
  }
  shiftTablesBuilt |= 1 << k;
}

/** The one length B (-1: none yet) whose shift ONE_LENGTH_TABLE holds: the length a run of records of one size shares. */
let oneLength = -1;
const ONE_LENGTH_TABLE = new Int32Array(1024);
let candidateLength = -1;
let candidateRepeats = 0;
/** A length that comes this many times in a row gets a table of its own (one lookup round instead of one per bit set). */
const REPEATS_FOR_A_TABLE = 64;

/** Shift c by x^(8n) modulo P, one lookup round per bit set in n. */
function shiftByRounds(c: number, n: number): number {
  const t = SHIFT_TABLES;
  for (let k = 0; n !== 0; k++, n >>>= 1) {
    if ((n & 1) === 0) continue;
    if (((shiftTablesBuilt >>> k) & 1) === 0) buildShiftTable(k);
    const row = 1024 * k;
    c = t[row + (c & 0xff)]! ^ t[row + 256 + ((c >>> 8) & 0xff)]! ^ t[row + 512 + ((c >>> 16) & 0xff)]! ^ t[row + 768 + (c >>> 24)]!;
  }
  return c;
}

/** ONE_LENGTH_TABLE shifting by x^(8n), from each byte position's 8 bits shifted by rounds. */
function buildOneLengthTable(n: number): void {
  const t = ONE_LENGTH_TABLE;
  for (let j = 0; j < 4; j++) {
    const row = 256 * j;
    for (let bit = 0; bit < 8; bit++) t[row + (1 << bit)] = shiftByRounds((1 << (8 * j + bit)) | 0, n);
    for (let v = 3; v < 256; v++) if ((v & (v - 1)) !== 0) t[row + v] = t[row + (v & (v - 1))]! ^ t[row + (v & -v)]!;
  }
  oneLength = n;
}

/**
 * The CRC-32 of A followed by B, from crc32(A), crc32(B) and B's length in
 * bytes (below 2^32): four table lookups per bit set in the length, or four
 * in all for a length that came many times in a row (records of one size).
 */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  if (lengthB >>> 0 !== lengthB) throw new RangeError(`crc32Combine: length ${lengthB}`);
  let c = crcA | 0;
  if (lengthB === oneLength) {
    const t = ONE_LENGTH_TABLE;
    c = t[c & 0xff]! ^ t[256 + ((c >>> 8) & 0xff)]! ^ t[512 + ((c >>> 16) & 0xff)]! ^ t[768 + (c >>> 24)]!;
    return (c ^ crcB) >>> 0;
  }
  if (lengthB !== candidateLength) {
    candidateLength = lengthB;
    candidateRepeats = 0;
  } else if (++candidateRepeats === REPEATS_FOR_A_TABLE) {
    buildOneLengthTable(lengthB);
  }
  return (shiftByRounds(c, lengthB) ^ crcB) >>> 0;
}
