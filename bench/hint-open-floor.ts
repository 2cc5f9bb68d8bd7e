/**
 * The least an open from hint files can take while it inserts every key into
 * an in-memory table, measured on a real store: read every hint file, check
 * its CRC, and insert each entry into a bare open-addressing table of typed
 * arrays (the keydir's layout: 8 u32 per slot, a (hash, slot) table at most
 * half full, key bytes in one arena), in the files' order. Nothing else: no
 * bounds checks, no sequence comparison, no tombstones, no segment
 * statistics, no progress or cancellation. Its integers are read as the
 * engine's replay reads them (a DataView, fieldsOf), and its tables faulted
 * in on the thread pool while the files are read (prefault), as the
 * engine's replay does. One JSON line:
 * the seconds it took and the keys it inserted (loading the code is not
 * counted).
 *
 *   node --import tsx bench/hint-open-floor.ts DIR
 *
 * Run it in a fresh process after evicting the store's pages, beside
 * bench/open-child.ts on the same store, as docs/BENCHMARKS.md does: the
 * difference is what kvscope's open spends beyond inserting.
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from '../src/engine/crc.js';
import { hashBytes } from '../src/engine/native/key-hash.js';
import { HINT_ENTRY, HINT_HEADER, HINT_TRAILER } from '../src/engine/native/layout.js';
import { fieldsOf } from '../src/engine/native/codec.js';
import { prefault } from '../src/engine/prefault.js';
import { realFs } from '../src/engine/fs.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: hint-open-floor.ts DIR\n');
  process.exit(2);
}
const names = readdirSync(dir)
  .filter((name) => name.endsWith('.hint'))
  .sort();

const started = performance.now();
// Sized from the trailers, and faulted in on the thread pool while the files are read and checked, as
// kvscope's open does (src/engine/prefault.ts): without that, this loop took its page faults in line
// and kvscope's open came out faster than its "floor".
let entries = 0;
let keyBytes = 0;
for (const name of names) {
  const fd = openSync(join(dir, name), 'r');
  const size = fstatSync(fd).size;
  const trailer = Buffer.alloc(HINT_TRAILER.size);
  readSync(fd, trailer, 0, HINT_TRAILER.size, size - HINT_TRAILER.size);
  closeSync(fd);
  const count = trailer.readUInt32LE(HINT_TRAILER.entryCount);
  entries += count;
  keyBytes += size - HINT_TRAILER.size - HINT_HEADER.size - count * HINT_ENTRY.size;
}
const memory = allocate(entries, keyBytes);
const faulted = prefault([new Uint8Array(memory.table.buffer), new Uint8Array(memory.meta.buffer), memory.arena]);
// Every file's read started at once on the thread pool, each one read call (the engine's own
// EngineFs.readFile), so that the later files are read while the first one's keys are inserted, as
// kvscope's open reads each next hint (HintReadAhead): reading every file before any insert, the loop
// came out slower than kvscope's open.
const reads = names.map((name) => realFs.readFile(join(dir, name)));
const state: InsertState = { slots: 0, arenaUsed: 0 };
for (let f = 0; f < reads.length; f++) {
  const bytes = await reads[f]!;
  const trailerAt = bytes.length - HINT_TRAILER.size;
  if (bytes.readUInt32LE(trailerAt + HINT_TRAILER.crc) !== crc32(bytes.subarray(0, trailerAt + HINT_TRAILER.crc))) throw new Error('hint checksum does not match');
  await faulted;
  insertFile(bytes, f, memory, state);
}
const keys = state.slots;
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ seconds, keys })}\n`);

interface Memory {
  table: Uint32Array;
  meta: Uint32Array;
  arena: Buffer;
}

/** A table sized for `entries` keys of `keyBytes` bytes in all, at most half full. */
function allocate(entries: number, keyBytes: number): Memory {
  let size = 1024;
  while (size < 2 * entries) size *= 2;
  return { table: new Uint32Array(2 * size), meta: new Uint32Array(8 * entries), arena: Buffer.allocUnsafeSlow(keyBytes) };
}

interface InsertState {
  /** Slots used, and arena bytes. */
  slots: number;
  arenaUsed: number;
}

/** Every entry of one hint file into the table. */
function insertFile(b: Buffer, f: number, { table, meta, arena }: Memory, state: InsertState): void {
  const size = table.length / 2;
  const mask = size - 1;
  const shift = 32 - Math.log2(size);
  let slots = state.slots;
  let arenaUsed = state.arenaUsed;
  const end = b.length - HINT_TRAILER.size;
  const fields = fieldsOf(b, end);
  for (let at = HINT_HEADER.size; at < end; ) {
    const keyLength = fields.getUint32(at + HINT_ENTRY.keyLength, true);
    const keyStart = at + HINT_ENTRY.size;
    const h = hashBytes(b, keyStart, keyStart + keyLength);
    let i = h >>> shift;
    while (table[2 * i + 1] !== 0) i = (i + 1) & mask;
    const slot = slots++;
    for (let k = 0; k < keyLength; k++) arena[arenaUsed + k] = b[keyStart + k]!;
    const m = slot * 8;
    meta[m] = h;
    meta[m + 1] = f;
    meta[m + 2] = fields.getUint32(at + HINT_ENTRY.offset, true);
    meta[m + 3] = fields.getUint32(at + HINT_ENTRY.recordLength, true);
    meta[m + 4] = fields.getUint32(at + HINT_ENTRY.sequence, true);
    meta[m + 5] = fields.getUint32(at + HINT_ENTRY.sequence + 4, true);
    meta[m + 6] = arenaUsed;
    meta[m + 7] = keyLength;
    arenaUsed += keyLength;
    table[2 * i] = h;
    table[2 * i + 1] = slot + 1;
    at = keyStart + keyLength;
  }
  state.slots = slots;
  state.arenaUsed = arenaUsed;
}
