/**
 * Riak Bitcask's on-disk records, built byte by byte for tests (bitcask_fileops.erl's layout; see
 * src/engine/formats/riak-bitcask.ts): a data record, a hint entry, a hint file's trailer and the
 * tombstone2 value.
 */
import { crc32 } from '../../src/engine/crc.js';

const bytesOf = (b: string | Buffer): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b, 'latin1'));

/** crc32:32, tstamp:32, key_sz:16, value_sz:32, key, value (all big-endian). */
export function dataRecord(tstamp: number, key: string | Buffer, value: string | Buffer): Buffer {
  const k = bytesOf(key);
  const v = Buffer.isBuffer(value) ? value : Buffer.from(value);
  const body = Buffer.alloc(10 + k.length + v.length);
  body.writeUInt32BE(tstamp, 0);
  body.writeUInt16BE(k.length, 4);
  body.writeUInt32BE(v.length, 6);
  k.copy(body, 10);
  v.copy(body, 10 + k.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body), 0);
  return Buffer.concat([crc, body]);
}

/** The value a delete writes since bitcask 2.0: `bitcask_tombstone2` and the file id it was written in. */
export function tombstone2(fileId: number): Buffer {
  const id = Buffer.alloc(4);
  id.writeUInt32BE(fileId, 0);
  return Buffer.concat([Buffer.from('bitcask_tombstone2'), id]);
}

/** tstamp:32, key_sz:16, total_sz:32, tombstone:1 + offset:63, key. */
export function hintEntry(tstamp: number, key: string, totalSize: number, offset: number, tombstone = false): Buffer {
  const k = bytesOf(key);
  const b = Buffer.alloc(18 + k.length);
  b.writeUInt32BE(tstamp, 0);
  b.writeUInt16BE(k.length, 4);
  b.writeUInt32BE(totalSize, 6);
  b.writeUInt32BE((tombstone ? 0x80000000 : 0) + Math.floor(offset / 2 ** 32), 10);
  b.writeUInt32BE(offset >>> 0, 14);
  k.copy(b, 18);
  return b;
}

/** A hint file of `entries` with its trailer: an entry of key size 0 whose total_sz is the CRC-32 of the entries and whose offset is 2^63-1. */
export function withTrailer(entries: Buffer, crc = crc32(entries)): Buffer {
  const t = Buffer.alloc(18);
  t.writeUInt32BE(crc, 6);
  t.writeUInt32BE(0x7fffffff, 10);
  t.writeUInt32BE(0xffffffff, 14);
  return Buffer.concat([entries, t]);
}
