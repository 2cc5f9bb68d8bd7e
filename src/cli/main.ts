/**
 * Entry point of the `kvscope` command: parse, dispatch, map errors to exit
 * codes. Data goes to stdout, messages to stderr.
 */
import { readFileSync } from 'node:fs';
import { StoreError } from '../engine/errors.js';
import { commandUsage, parseCommandLine, unknownCommand, USAGE, UsageError } from './args.js';
import { COMMANDS, EXIT_OK, EXIT_STORE, EXIT_USAGE, withStore, withWriter, type Io } from './commands.js';
import type { OpenedStore } from '../engine/open.js';
import { runRepl } from './repl.js';
import { historyPath, ReplHistory } from './repl-history.js';
import { DEBUG_COMMANDS } from './debug-commands.js';
import { du } from './du.js';
import { notWritableText } from './error-text.js';
import { detectAll, UnknownFormatError } from '../engine/formats/registry.js';

const STORE_ERROR_EXIT: Record<string, number> = { TOO_LARGE: EXIT_USAGE, BAD_REQUEST: EXIT_USAGE };

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * Where no --dir was given and ./data is no store, the working directory may
 * be another engine's (tiny-log-kv's store.log, kvstore-rs's default.json,
 * mini-kvstore-v2's db/, kvdb's logs/: their programs run there): say so,
 * and how to read it.
 */
function workingDirectoryHint(err: unknown, defaultDir: { dir: string; command: string; args: string[] }): string | undefined {
  // Only the error about ./data itself (not one about import --from DIR, say).
  if (!(err instanceof UnknownFormatError) || err.dir !== defaultDir.dir) return undefined;
  const here = detectAll('.');
  if (here.length === 0) return undefined;
  return `The working directory holds a ${here[0]!.format} store: give -d . (kvscope -d . ${defaultDir.command}${defaultDir.args.length > 0 ? ' ...' : ''})`;
}

export async function main(argv: string[], io: Io): Promise<number> {
  let dir: string | undefined;
  let defaultDir: { dir: string; command: string; args: string[] } | undefined;
  try {
    const { command, args, options, dirGiven } = parseCommandLine(argv);
    dir = options.dir;
    if (!dirGiven && command !== undefined) defaultDir = { dir: options.dir, command, args };
    if (options.version) {
      io.out(version());
      return EXIT_OK;
    }
    // `kvscope help set` and `kvscope set --help`: that command's usage; `kvscope help`, `kvscope --help`: all.
    const about = command === 'help' ? args[0] : options.help ? command : undefined;
    if (about !== undefined && about !== 'help') {
      const text = commandUsage(about);
      if (text === undefined) throw unknownCommand(about);
      io.out(text);
      return EXIT_OK;
    }
    if (options.help || command === undefined || command === 'help') {
      (command === undefined && !options.help ? io.err : io.out)(USAGE);
      return command === undefined && !options.help ? EXIT_USAGE : EXIT_OK;
    }
    if (command === 'repl') {
      if (args.length > 0) throw new UsageError('repl takes no arguments');
      const session = async (opened: OpenedStore): Promise<number> => {
        const interactive = Boolean((io.stdin as NodeJS.ReadStream).isTTY);
        const prompt = (text: string): void => {
          io.flush?.();
          if (!io.outputGone?.aborted) process.stdout.write(text);
        };
        // A terminal on both sides: the line is edited (history, Tab completion); piped, no history file is touched.
        const lineEditor = interactive && process.stdout.isTTY ? { output: process.stdout, history: new ReplHistory(historyPath(), io.err) } : undefined;
        // A writer's lock is held: a reader of stdout that goes ends the session, the store closed, not the process at once.
        io.keepsOnWhenOutputGone?.();
        return await runRepl(opened, { input: io.stdin, interactive, out: io.out, err: io.err, prompt, keyHex: options.keyHex, lineEditor, outputGone: io.outputGone });
      };
      return await (options.readOnly ? withStore(options, session, io) : withWriter(options, io, session));
    }
    if (command === 'serve') {
      const { serve } = await import('./serve.js');
      return await serve(args, options, io);
    }
    // Own names only: `kvscope constructor` is an unknown command, not Object's constructor run as one.
    const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : Object.hasOwn(DEBUG_COMMANDS, command) ? DEBUG_COMMANDS[command] : command === 'du' ? du : undefined;
    if (!run) throw unknownCommand(command);
    return await run(args, options, io);
  } catch (err) {
    const notWritable = dir === undefined ? undefined : notWritableText(err, dir);
    if (notWritable !== undefined) {
      io.err(`kvscope: ${notWritable}`);
      return EXIT_STORE;
    }
    if (err instanceof UsageError) {
      io.err(`kvscope: ${err.message}`);
      io.err('Run "kvscope --help" for usage.');
      return EXIT_USAGE;
    }
    if (err instanceof StoreError) {
      io.err(`kvscope: ${err.message}`);
      const hint = defaultDir === undefined ? undefined : workingDirectoryHint(err, defaultDir);
      if (hint !== undefined) io.err(hint);
      return STORE_ERROR_EXIT[err.code] ?? EXIT_STORE;
    }
    const e = err as NodeJS.ErrnoException;
    // The OS error's code once: Node's messages usually hold it already ("listen EADDRINUSE: …").
    io.err(`kvscope: ${e.code && !e.message.includes(e.code) ? `${e.code}: ` : ''}${e.message}`);
    return EXIT_STORE;
  }
}
