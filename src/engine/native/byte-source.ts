/**
 * Random access to a file's bytes through a sliding window, so scanning a
 * segment reads it in large sequential chunks whatever its size, and the same
 * scanner also runs over bytes already in memory.
 */
import type { EngineFs } from '../fs.js';
import { readAt } from '../fs.js';

export interface ByteSource {
  readonly size: number;
  /** `length` bytes at `position` (fewer only past the end). Valid until the next call. */
  view(position: number, length: number): Buffer;
}

export function memorySource(bytes: Uint8Array): ByteSource {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { size: buf.length, view: (p, n) => buf.subarray(p, Math.min(p + n, buf.length)) };
}

const WINDOW_BYTES = 4 * 1024 * 1024;

/** A source over `read(position, length)`, read through a sliding window of `windowBytes`. */
export function windowedSource(size: number, read: (position: number, length: number) => Buffer, windowBytes = WINDOW_BYTES): ByteSource {
  let start = 0;
  let window: Buffer = Buffer.alloc(0);
  return {
    size,
    view(position, length) {
      const end = Math.min(position + length, size);
      if (position >= start && end <= start + window.length) return window.subarray(position - start, end - start);
      if (end - position > windowBytes) return read(position, end - position);
      start = position;
      window = read(position, Math.min(windowBytes, size - position));
      return window.subarray(0, end - position);
    },
  };
}

export function fileSource(efs: EngineFs, fd: number, size: number, windowBytes = WINDOW_BYTES): ByteSource {
  return windowedSource(size, (position, length) => readAt(efs, fd, length, position), windowBytes);
}
