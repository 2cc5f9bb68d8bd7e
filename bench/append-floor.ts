/**
 * The least a bulk load in kvscope's format can take: the bench's keys and
 * values, in its shuffled order and its batches, encoded as records (header,
 * key, value, CRC-32 with the engine's own encodeRecordInto and the batch
 * flags a batch gets) into one buffer per batch, written at the end of one
 * file and made durable with one fdatasync per batch, as kvscope's `batch()`
 * does under fsync 'always'. Nothing else: no index, no hint entries, no
 * segment rotation, no checks. Each group of 32 records' keys and values is
 * touched before it is copied, as the engine's write path does (their cache
 * misses overlap).
 *
 * bench/run.ts runs it in its own process right after kvscope's bulk load
 * and prints it beside the target "bulk load ≥ 50% of sequential write
 * bandwidth": the difference is what kvscope's load spends beyond writing
 * its records.
 */
import * as fs from 'node:fs';
import { encodeRecordInto, recordLength } from '../src/engine/native/codec.js';
import { FLAG_BATCH_END, FLAG_BATCH_FIRST, FLAG_IN_BATCH, RECORD_PUT } from '../src/engine/native/layout.js';
import type { Dataset } from './run.js';

const GROUP = 32;
const touched = { sum: 0 };

/** Append every record of the dataset to `path` (created, removed afterwards); the seconds it took and the bytes written. */
export function bareAppendLoop(path: string, data: Dataset, batchSize: number): { seconds: number; bytes: number } {
  const n = data.keys.length;
  let largest = 0;
  for (let at = 0; at < n; at += batchSize) {
    let bytes = 0;
    for (let i = at; i < Math.min(n, at + batchSize); i++) bytes += recordLength(data.keys[data.order[i]!]!.length, data.values[data.order[i]!]!.length);
    largest = Math.max(largest, bytes);
  }
  const buf = Buffer.allocUnsafeSlow(largest);
  const fd = fs.openSync(path, 'w');
  let position = 0;
  const started = performance.now();
  try {
    for (let at = 0; at < n; at += batchSize) {
      const end = Math.min(n, at + batchSize);
      let used = 0;
      for (let group = at; group < end; group += GROUP) {
        const groupEnd = Math.min(end, group + GROUP);
        let sum = 0;
        for (let i = group; i < groupEnd; i++) {
          const k = data.order[i]!;
          const key = data.keys[k]!;
          const value = data.values[k]!;
          sum += key[0]! + key[key.length - 1]! + (value.length > 0 ? value[0]! + value[value.length - 1]! : 0);
        }
        touched.sum = sum;
        for (let i = group; i < groupEnd; i++) {
          const k = data.order[i]!;
          const flags = end - at === 1 ? 0 : FLAG_IN_BATCH | (i === at ? FLAG_BATCH_FIRST : 0) | (i === end - 1 ? FLAG_BATCH_END : 0);
          used += encodeRecordInto(buf, used, RECORD_PUT, flags, i + 1, data.keys[k]!, data.values[k]!);
        }
      }
      for (let done = 0; done < used; ) done += fs.writeSync(fd, buf, done, used - done, position + done);
      position += used;
      fs.fdatasyncSync(fd);
    }
    return { seconds: (performance.now() - started) / 1000, bytes: position };
  } finally {
    fs.closeSync(fd);
    fs.rmSync(path, { force: true });
  }
}
