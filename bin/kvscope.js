#!/usr/bin/env node
// The kvscope command. Runs the TypeScript sources through tsx, so a fresh
// clone needs only `npm ci` (no build step) for the CLI.
import { register } from 'tsx/esm/api';

register();
// A reader that stops early (`kvscope list | head`) is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2), {
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(text + '\n'),
  stdin: process.stdin,
});
process.exitCode = code;
