/**
 * The `kvscope` process: runs main() on the command line with the process's
 * streams and sets the exit code. bin/kvscope.js loads it, built into
 * out/cli/kvscope.mjs when that build is current, else from source.
 */
import { main } from './main.js';
import { EXIT_INTERRUPTED, interruptSignal } from './commands.js';
import { lineWriter } from './output.js';
import { terminalStatusLine } from './progress.js';

// A reader that stops early (`kvscope list | head`) is not an error.
// Any other write error (a full disk, say) leaves the output incomplete: said once, and not a success.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  process.stderr.write(`kvscope: cannot write the output: ${err.message}\n`);
  process.exit(3);
});
// Lines to a file or pipe are gathered into chunks (output.ts); a message on stderr first writes out
// the lines before it.
const stdout = lineWriter(process.stdout);
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
