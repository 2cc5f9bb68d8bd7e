/**
 * An import of JSON Lines (jsonl.ts) into a kvscope store, in two passes so
 * that a bad line imports nothing and no file is held in memory: the first
 * checks every line, the second parses them again and writes them in the
 * batches of copy-live.ts. `kvscope import FILE` and the inspector's "Import
 * JSON Lines…" both run them.
 */
import { createInterface } from 'node:readline';
import { StoreError } from './errors.js';
import type { ImportBatches } from './copy-live.js';
import { checkImportLine, parseImportLine } from './jsonl.js';

/** The lines of a text stream; a UTF-8 byte order mark before the first (some editors write one) is not part of it. */
export async function* readLines(source: NodeJS.ReadableStream, signal?: AbortSignal): AsyncGenerator<string> {
  const rl = createInterface({ input: source, crlfDelay: Infinity });
  // Stopped: no more lines (a pipe or terminal may hold the reader waiting for one; closing ends the wait).
  const stop = (): void => {
    rl.close();
    (source as Partial<NodeJS.ReadStream>).destroy?.();
  };
  if (signal?.aborted) stop();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    let first = true;
    for await (const line of rl) {
      if (signal?.aborted) return;
      yield first && line.startsWith('\uFEFF') ? line.slice(1) : line;
      first = false;
    }
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}

/** A line the first pass refused: its number (from 1) and what is wrong with it. */
export interface BadLine {
  line: number;
  message: string;
}

/**
 * The first pass: every line checked as the second will parse it (blank
 * lines are skipped). Stops at the first bad line, or when the signal is
 * aborted (`lines` then says how far it got). `onLine` sees every line read.
 */
export async function checkImportLines(
  lines: AsyncIterable<string>,
  opts: { signal?: AbortSignal | undefined; onLine?: ((n: number, line: string) => void) | undefined } = {},
): Promise<{ lines: number; records: number; bad?: BadLine }> {
  let n = 0;
  let records = 0;
  for await (const line of lines) {
    n++;
    opts.onLine?.(n, line);
    if (line.trim() === '') continue;
    try {
      checkImportLine(line);
    } catch (err) {
      return { lines: n, records, bad: { line: n, message: (err as Error).message } };
    }
    records++;
  }
  return { lines: n, records };
}

/**
 * The second pass: each line parsed and added to `batches`, written a batch
 * at a time; the last batch is written unless the signal was aborted (then
 * only the whole batches before it are in: batches.written, through line
 * batches.writtenThrough). A line that no longer parses (the file changed
 * since the first pass) is an IO error naming it. `onLine` sees each line's number.
 */
export async function writeImportLines(
  lines: AsyncIterable<string>,
  batches: ImportBatches,
  opts: { file: string; signal?: AbortSignal | undefined; onLine?: ((n: number) => void) | undefined },
): Promise<void> {
  let at = 0;
  for await (const line of lines) {
    at++;
    opts.onLine?.(at);
    if (line.trim() === '') continue;
    let op: ReturnType<typeof parseImportLine>;
    try {
      op = parseImportLine(line);
    } catch (err) {
      throw new StoreError('IO', `${opts.file}:${at} changed while it was imported (${(err as Error).message}); ${batches.written} lines were imported`);
    }
    if (!batches.tryAdd(op, at)) await batches.add(op, at); // awaited only when a batch is full, not at every line
    if (opts.signal?.aborted) break;
  }
  // Interrupted: the batch gathered is not written; the whole batches before it are.
  if (!opts.signal?.aborted) await batches.flush();
}
