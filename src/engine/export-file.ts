/**
 * Keys and their values written to a file as `kvscope export` writes them to
 * standard output (jsonl.ts's exportLine, one line each, '\n' after every
 * line): the inspector's "Export keys…". The file appears whole or not at
 * all: the lines go to a temporary file beside it, renamed over it once every
 * line is written; an export cancelled or failed removes the temporary file
 * and leaves `path` as it was.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setImmediate as nextTick } from 'node:timers/promises';
import { listedValue } from './copy-live.js';
import { AbortedError } from './errors.js';
import { exportLine } from './jsonl.js';
import { keyFromString } from './keys.js';
import type { BrowsableStore } from './types.js';

/** Keys between two reports of progress (and two looks at the signal). */
const KEYS_BETWEEN_REPORTS = 1024;
/** Bytes of lines gathered before a write. */
const WRITE_BYTES = 1024 * 1024;

export interface ExportFileOptions {
  /** Replace a file already at `path` (else one there, or one that appears meanwhile, is not touched: EEXIST). */
  overwrite: boolean;
  signal?: AbortSignal | undefined;
  onProgress?: ((done: number, total: number) => void) | undefined;
  /** A key whose value cannot be read (damage): left out, as `kvscope export` leaves it out. */
  onUnreadable: (key: Buffer, err: Error) => void;
}

/**
 * Write the live keys `keys` (key strings, latin1, in the order given) of
 * `store`, with their values, to `path`. Answers the lines and bytes written.
 */
export async function exportToFile(store: BrowsableStore, keys: { length: number; keyAt(i: number): string }, path: string, opts: ExportFileOptions): Promise<{ lines: number; bytes: number }> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
  const fd = openSync(temporary, 'wx', 0o644);
  let closed = false;
  try {
    let gathered = '';
    let lines = 0;
    let bytes = 0;
    const flush = (): void => {
      const buffer = Buffer.from(gathered, 'utf8');
      for (let at = 0; at < buffer.length; ) at += writeSync(fd, buffer, at, buffer.length - at);
      bytes += buffer.length;
      gathered = '';
    };
    for (let i = 0; i < keys.length; i++) {
      if (i % KEYS_BETWEEN_REPORTS === 0 && i > 0) {
        opts.onProgress?.(i, keys.length);
        await nextTick();
      }
      if (opts.signal?.aborted) throw new AbortedError('export');
      const key = keyFromString(keys.keyAt(i));
      const value = await listedValue(store, key, opts.onUnreadable);
      if (value === undefined) continue;
      gathered += `${exportLine(key, value)}\n`;
      lines++;
      if (gathered.length >= WRITE_BYTES) flush();
    }
    flush();
    opts.onProgress?.(keys.length, keys.length);
    if (opts.signal?.aborted) throw new AbortedError('export');
    fsyncSync(fd);
    closeSync(fd);
    closed = true;
    // In place at once, whole: over the file there (asked for), or beside nothing (a link fails if one appeared).
    if (opts.overwrite) renameSync(temporary, path);
    else {
      linkSync(temporary, path);
      unlinkSync(temporary);
    }
    return { lines, bytes };
  } catch (err) {
    if (!closed) closeSync(fd);
    try {
      unlinkSync(temporary);
    } catch {
      // already gone
    }
    throw err;
  }
}
