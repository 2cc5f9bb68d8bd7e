/**
 * The CLI's standard output, a line at a time.
 *
 * Node writes to a file or a pipe synchronously, one system call per write:
 * `kvscope export` of a million keys made a million calls and spent 6.7 of
 * its 8.3 s in them. So a file or a pipe gets its lines gathered into chunks
 * of up to CHUNK_CHARS characters. A gathered chunk goes out:
 * - when it is full;
 * - when the event loop comes round again, so `follow`, `serve` and a REPL
 *   on a pipe still print as they go;
 * - before anything is written to standard error (the entry flushes first), so the
 *   two streams keep the order in which the lines were written;
 * - when the command ends (`flush`).
 *
 * A terminal gets every line as it is written, as before.
 */

/** Characters gathered before they are written (a JavaScript string's, about as many bytes for ASCII). */
export const CHUNK_CHARS = 64 * 1024;

/** Where the lines go: process.stdout, or a test's stand-in. */
export interface LineSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface LineWriter {
  /** Write `text` and a newline. */
  line(text: string): void;
  /** Write out what is gathered, now. */
  flush(): void;
}

export function lineWriter(sink: LineSink): LineWriter {
  if (sink.isTTY) return { line: (text) => void sink.write(`${text}\n`), flush: () => undefined };
  let gathered = '';
  let scheduled = false;
  const flush = (): void => {
    if (gathered === '') return;
    const chunk = gathered;
    gathered = '';
    sink.write(chunk);
  };
  const onTurn = (): void => {
    scheduled = false;
    flush();
  };
  return {
    line(text) {
      gathered += `${text}\n`;
      if (gathered.length >= CHUNK_CHARS) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(onTurn);
      }
    },
    flush,
  };
}
