/**
 * `kvscope serve [DIR] [--port N] [--read-write]`: the inspector in a
 * browser, served on 127.0.0.1 only, until interrupted.
 */
import { statSync } from 'node:fs';
import { StoreError } from '../engine/errors.js';
import { UsageError, type CliOptions } from './args.js';
import { EXIT_OK, STOP_SIGNALS, type Io } from './commands.js';

export async function serve(args: string[], opts: CliOptions, io: Io): Promise<number> {
  if (args.length > 1) throw new UsageError('serve takes at most one DIR');
  // Said here, before a browser is pointed at a page that could only say the same.
  if (args[0] !== undefined && !statSync(args[0], { throwIfNoEntry: false })?.isDirectory()) {
    throw new StoreError('NOT_FOUND', `${args[0]}: not a directory (or it does not exist)`);
  }
  const { startHost } = await import('../host/index.js');
  const host = await startHost({
    ...(args[0] !== undefined ? { dir: args[0] } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    readWrite: opts.readWrite,
  });
  io.out(host.url);
  io.err(`kvscope inspector at ${host.url} (127.0.0.1 only; the token in the URL is required). Ctrl-C to stop.`);
  // Ctrl-C, SIGTERM or SIGHUP (the terminal closed) stops it, the stores it opened closed (their writer's LOCK
  // released): before, SIGHUP killed it at once, leaving the LOCK of a store opened read-write.
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      for (const signal of STOP_SIGNALS) process.off(signal, stop);
      resolve();
    };
    for (const signal of STOP_SIGNALS) process.on(signal, stop);
  });
  await host.close();
  return EXIT_OK;
}
