/**
 * The `kvscope` process: runs main() on the command line with the process's
 * streams and sets the exit code. bin/kvscope.js loads it, built into
 * out/cli/kvscope.mjs when that build is current, else from source.
 */
import { main } from './main.js';
import { EXIT_INTERRUPTED, EXIT_STORE, interruptSignal } from './commands.js';
import { lineWriter } from './output.js';
import { terminalStatusLine } from './progress.js';

// A reader that stops early (`kvscope list | head`) is not an error: the process ends at once, with the status
// it has (0), as nothing it would still write can be read. Any other write error (a full disk, say) leaves the
// output incomplete: said once, and not a success (exit 3). A command that holds the writer's lock (the repl)
// says so (keepsOnWhenOutputGone): it is told through outputGone and ends by itself, its store closed.
const outputGone = new AbortController();
let endsItself = false;
let outputFailed = false;
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (outputGone.signal.aborted) return;
  const readerGone = err.code === 'EPIPE';
  if (!readerGone) process.stderr.write(`kvscope: cannot write the output: ${err.message}\n`);
  if (!endsItself) process.exit(readerGone ? (process.exitCode ?? 0) : EXIT_STORE);
  outputFailed = !readerGone;
  outputGone.abort();
});
// Lines to a file or pipe are gathered into chunks (output.ts); a message on stderr first writes out
// the lines before it. Once the reader has gone, nothing more is written.
const stdout = lineWriter({ write: (text) => outputGone.signal.aborted || process.stdout.write(text), isTTY: process.stdout.isTTY });
// Progress of long work, on stderr only when it is a terminal; erased before any other line is written.
const status = terminalStatusLine(process.stderr);
const code = await main(process.argv.slice(2), {
  out: (text) => {
    status?.clear();
    stdout.line(text);
  },
  err: (text) => {
    status?.clear();
    stdout.flush();
    process.stderr.write(text + '\n');
  },
  status,
  flush: stdout.flush,
  outBytes: (bytes) => {
    status?.clear();
    stdout.flush();
    process.stdout.write(bytes);
    process.stdout.write('\n');
  },
  stdin: process.stdin,
  outputGone: outputGone.signal,
  keepsOnWhenOutputGone: () => {
    endsItself = true;
  },
});
status?.clear();
stdout.flush();
process.exitCode = code;
// Ctrl-C (or SIGTERM, SIGHUP) stopped the work, the store is closed and what was done is said: the process
// ends as that signal killed it, by the signal again with Node's default (the command's handler is gone), so
// that a shell says 130 (143, 129) and a shell script's loop stops as well. Nothing left is waited for (not
// even a read of a FIFO the work was stopped in the middle of, which process.exit would wait for).
if (code === EXIT_INTERRUPTED) {
  const signal = interruptSignal();
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}
// Stdout's reader has gone, or it could not be written, and the store is closed: nothing left (a pipe still open
// on stdin) is waited for.
if (outputGone.signal.aborted) process.exit(outputFailed ? EXIT_STORE : code);
