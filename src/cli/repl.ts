/**
 * The interactive shell, speaking the mini-kvstore-v2 commands:
 *   set KEY VALUE...   get KEY   delete KEY   list   compact   stats   help   quit | exit
 * plus history KEY and verify. A line is split into words as a shell would
 * (repl-words.ts: quotes and backslashes, no expansions), so a key or value
 * with spaces can be given. It prints a "> " prompt only when stdin is a
 * terminal, so a piped script gets nothing but the answers; with stdout a
 * terminal too, readline edits the line (history, Ctrl-R, Tab). On another
 * engine's directory it is read-only: the reading commands work, the
 * writing ones say why they cannot.
 */
import { createInterface, type Interface } from 'node:readline';
import type { OpenedStore } from '../engine/open.js';
import { isUtf8 } from 'node:buffer';
import { keyFromString, printableKey, printableValue } from '../engine/keys.js';
import { EXIT_INTERRUPTED, keyArg, nativeOrRefuse, onInterrupt as onStopSignal, reclaimedText, statsText, STOP_SIGNALS } from './commands.js';
import { splitWords } from './repl-words.js';
import { replCompleter } from './repl-complete.js';
import { HISTORY_LINES, type ReplHistory } from './repl-history.js';
import { addReverseSearch } from './repl-search.js';
import { sequenceText } from '../shared/sequence-text.js';

export const REPL_HELP = `Commands:
  set <key> <value>   store or update a key-value pair
  get <key>           retrieve a value
  delete <key> | del  remove a key (tombstone)
  list                show all keys
  history <key>       every version of a key in the log
  compact             merge segments and reclaim space
  verify              check every record's checksum
  stats               display store metrics
  help                show this help
  quit | exit         close the store

A line is split into words as in a shell: quote a key or value that has
spaces, as in  set "my key" 'a value'.  Inside "..." \\" and \\\\ stand for
" and \\; inside '...' every character stands for itself; outside quotes a
backslash makes the next character ordinary (\\  a space, \\" a quote).
The words of a value are joined with one space.

On a terminal: the up and down arrows recall earlier lines and Ctrl-R
searches them (kept in ~/.kvscope_history, or the file KVSCOPE_REPL_HISTORY
names; KVSCOPE_REPL_HISTORY= keeps none); Tab completes a command or a key.`;

export interface ReplIo {
  input: NodeJS.ReadableStream;
  interactive: boolean;
  out(text: string): void;
  err(text: string): void;
  prompt(text: string): void;
  /** kvscope --key-hex repl: every <key> is hex bytes. */
  keyHex?: boolean;
  /** Where an interactive session's Ctrl-C (SIGINT) comes from: the process (its terminal), or a test's emitter. */
  interrupts?: NodeJS.EventEmitter;
  /**
   * Interactive with stdout a terminal as well: readline edits the line on `output` (the arrows, the
   * history, Tab completion, the prompt drawn by it); `history` keeps the lines across sessions (none: in
   * memory only).
   */
  lineEditor?: { output: NodeJS.WritableStream; history?: ReplHistory | undefined };
  /** Aborted when standard output's reader has gone (`kvscope repl | head -1`): the session ends after its line. */
  outputGone?: AbortSignal | undefined;
}

/** How the session reads its lines: with keyHex (kvscope --key-hex repl), every <key> is hex bytes. */
export interface ReplOptions {
  keyHex?: boolean;
}

/**
 * What a line did: 'ok', 'failed' (a usage error, an unknown command, a key
 * not found, problems found: what makes the one-shot command exit non-zero),
 * or 'quit' (the session should end).
 */
export type LineResult = 'ok' | 'failed' | 'quit';

/** Run one line. */
export async function runReplLine(opened: OpenedStore, line: string, io: Pick<ReplIo, 'out' | 'err'>, opts: ReplOptions = {}): Promise<LineResult> {
  const store = opened.store;
  // An unterminated quote throws (LineSyntaxError): the line is not run, and the error is said as any other.
  const words = splitWords(line);
  if (words.length === 0) return 'ok';
  const command = words[0]!.toLowerCase();
  const args = words.slice(1);
  const keyOf = (text: string): string | Buffer => (opts.keyHex ? keyArg({ keyHex: true }, text) : text);
  // The one key of get, delete and history; undefined (a usage message) when there is none or more than one.
  const key = args.length === 1 ? keyOf(args[0]!) : undefined;
  switch (command) {
    case 'set': {
      if (args.length < 2) {
        io.err('Usage: set <key> <value>');
        return 'failed';
      }
      await nativeOrRefuse(opened, 'set').put(keyOf(args[0]!), args.slice(1).join(' '));
      io.out('OK');
      return 'ok';
    }
    case 'get': {
      if (key === undefined) return usage(io, 'get <key>');
      const value = await store.get(key);
      if (value === undefined) {
        io.err('Key not found');
        return 'failed';
      }
      // Text as it is (tabs, newlines and all, as mini-kvstore-v2 prints it); bytes that are not UTF-8 escaped as scan
      // shows them (\xNN), where decoding them would print U+FFFD in their place and lose them.
      io.out(isUtf8(value) ? value.toString('utf8') : printableValue(value));
      return 'ok';
    }
    case 'delete':
    case 'del': {
      if (key === undefined) return usage(io, 'delete <key>');
      if (await nativeOrRefuse(opened, 'delete').delete(key)) {
        io.out('Deleted');
        return 'ok';
      }
      io.err('Key not found');
      return 'failed';
    }
    case 'list': {
      const keys = store.sortedKeys();
      io.out(`Keys (${keys.length}):`);
      for (const k of keys) io.out(`  ${printableKey(keyFromString(k))}`);
      return 'ok';
    }
    case 'history': {
      if (key === undefined) return usage(io, 'history <key>');
      const versions = await store.history(key);
      if (versions.length === 0) io.err('Key not found in the log');
      for (const v of versions) io.out(`  ${v.location.sequenceIsTimestamp ? 'time' : 'seq'} ${sequenceText(v.location)}  ${v.location.file}@${v.location.offset}  ${v.kind}  ${v.status}`);
      return versions.length === 0 ? 'failed' : 'ok';
    }
    case 'compact': {
      const r = await nativeOrRefuse(opened, 'compact').compact();
      io.out('Compaction finished');
      io.err(`${reclaimedText(r.reclaimedBytes)}, dropped ${r.recordsDropped} records`);
      return 'ok';
    }
    case 'verify': {
      const report = await store.verify();
      io.out(report.ok ? `OK: ${report.recordsChecked} records, no problems` : `${report.problems.length} problem(s):`);
      for (const p of report.problems) io.out(`  ${p.file}@${p.offset}  ${p.kind}  ${p.message}`);
      return report.ok ? 'ok' : 'failed';
    }
    case 'stats':
      io.out(statsText(store.stats()));
      return 'ok';
    case 'help':
      io.out(REPL_HELP);
      return 'ok';
    case 'quit':
    case 'exit':
      return 'quit';
    default:
      io.err(`Unknown command: ${command} (type "help")`);
      return 'failed';
  }
}

function usage(io: Pick<ReplIo, 'err'>, text: string): 'failed' {
  io.err(`Usage: ${text} (quote a key that has spaces: "my key")`);
  return 'failed';
}

/** What an interactive session says at a Ctrl-C on its prompt. */
export const REPL_INTERRUPT_HINT = '(To exit, press Ctrl-C again or Ctrl-D, or type quit)';

/**
 * Read lines until quit/exit or end of input. Errors of one line are reported and the session goes on.
 * Piped (stdin not a terminal), the session then exits 1 when any line failed (sqlite3's convention: every
 * line runs, and the status says whether all went well), so that a script's mistakes are not a success;
 * interactive, it exits 0.
 *
 * Interactive with stdout a terminal too (io.lineEditor), readline edits the line as node's REPL does: the
 * arrows go through the history (kept across sessions, repl-history.ts), Ctrl-R searches it
 * (repl-search.ts), Tab completes a command or a key (repl-complete.ts), and readline draws the prompt.
 * Piped, nothing of that: no prompt, no banner, no history file read or written.
 *
 * Interactive, Ctrl-C is a shell's or node's REPL's: it drops the line being typed and gives a new prompt;
 * a second one in a row (editing, with nothing typed since) ends the session as quit, Ctrl-D (on an empty
 * line) or the end of input do, the store then closed cleanly by the caller (before, Node's default killed
 * the process at once, leaving the LOCK, no keydir image and no hints). Editing the line, the terminal is
 * raw and readline gets the Ctrl-C as a key ('SIGINT' on the interface); otherwise the process gets the
 * signal.
 */
export async function runRepl(opened: OpenedStore, io: ReplIo): Promise<number> {
  const editor = io.interactive ? io.lineEditor : undefined;
  const history = editor?.history;
  const keyHex = io.keyHex ?? false;
  // readline's history, newest first: what the file held, then each line added (the 'history' event).
  let lines: string[] = editor ? (history?.load() ?? []) : [];
  const rl = editor
    ? createInterface({
        input: io.input,
        output: editor.output,
        terminal: true,
        prompt: '> ',
        crlfDelay: Infinity,
        history: lines,
        historySize: HISTORY_LINES,
        completer: replCompleter(opened, { keyHex }),
      })
    : createInterface({ input: io.input, terminal: false, crlfDelay: Infinity });
  const prompt = (): void => {
    if (!editor) return io.prompt('> ');
    io.prompt(''); // what the last line printed is written out before readline draws
    rl.prompt(true); // the cursor stays where it is in a line typed ahead
  };
  if (editor) {
    rl.on('history', (now: string[]) => {
      lines = now;
      history?.save(now);
    });
    addReverseSearch(rl, () => lines, '> ');
  }
  let failures = 0;
  const interrupts = io.interrupts ?? process;
  let interruptedLast = false;
  // Not editing, the terminal dropped the line itself (it shows ^C); editing, readline's line is dropped here.
  const newLine = (): void => (editor ? dropLine(rl, () => io.prompt('\n')) : io.prompt('\n'));
  const onInterrupt = (): void => {
    // Editing, keys typed since the last Ctrl-C (a line recalled, say) break the row: that line is dropped.
    const inARow = interruptedLast && (!editor || rl.line === '');
    newLine();
    if (inARow) {
      rl.close();
      return;
    }
    interruptedLast = true;
    io.err(REPL_INTERRUPT_HINT);
    prompt();
  };
  // SIGTERM and SIGHUP (piped, Ctrl-C too: there is no line to drop) end the session after the line being run,
  // and so does a reader of stdout that has gone: the caller closes the store (before, the process died at
  // once, leaving the LOCK and no hints or keydir image) and, after a signal, the process ends by it.
  const stop = onStopSignal(io, io.interactive ? STOP_SIGNALS.filter((s) => s !== 'SIGINT') : STOP_SIGNALS);
  const ending = (): boolean => stop.signal.aborted || io.outputGone?.aborted === true;
  const end = (): void => rl.close();
  stop.signal.addEventListener('abort', end);
  io.outputGone?.addEventListener('abort', end);
  if (io.interactive) {
    const { format, root } = opened.detection;
    io.err(`kvscope ${root}${opened.native ? '' : ` (${format}, read-only)`} — type "help" for commands`);
    prompt();
    interrupts.on('SIGINT', onInterrupt);
    if (editor) rl.on('SIGINT', onInterrupt);
  }
  try {
    for await (const line of rl) {
      // Lines read before the end was asked for are not run.
      if (ending()) break;
      interruptedLast = false;
      let result: LineResult;
      try {
        result = await runReplLine(opened, line, io, { keyHex });
      } catch (err) {
        result = 'failed';
        io.err(`Error: ${(err as Error).message}`);
      }
      if (result === 'failed') failures++;
      if (result === 'quit') break;
      if (io.interactive) prompt();
    }
  } finally {
    interrupts.off('SIGINT', onInterrupt);
    stop.dispose();
    io.outputGone?.removeEventListener('abort', end);
    rl.close();
  }
  if (stop.signal.aborted) return EXIT_INTERRUPTED;
  return failures === 0 || io.interactive ? 0 : 1;
}

/**
 * Drop the line being edited, as node's REPL does at a Ctrl-C: the cursor goes past what was typed (it stays
 * on screen) to a new line, and readline's line is emptied. Interface.clearLine is what node's REPL calls
 * for it, undocumented: where it is missing, Ctrl-E and Ctrl-U empty the line and a newline follows.
 */
function dropLine(rl: Interface, newline: () => void): void {
  const clearLine = (rl as Interface & { clearLine?: () => void }).clearLine;
  if (typeof clearLine === 'function') return clearLine.call(rl);
  rl.write(null, { ctrl: true, name: 'e' });
  rl.write(null, { ctrl: true, name: 'u' });
  newline();
}
