/**
 * The `kvscope` process: runs main() on the command line with the process's
 * streams and sets the exit code. bin/kvscope.js loads it, built into
 * out/cli/kvscope.mjs when that build is current, else from source.
 */
import { main } from './main.js';

// A reader that stops early (`kvscope list | head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
const code = await main(process.argv.slice(2), {
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(text + '\n'),
  stdin: process.stdin,
});
process.exitCode = code;
