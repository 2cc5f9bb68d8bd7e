/**
 * Command-line parsing for `kvscope`. Options may stand anywhere on the line
 * (before or after the command); `--` ends options.
 */
import { parseArgs } from 'node:util';
import type { FsyncPolicy } from '../engine/types.js';
import { MAX_SEGMENT_SIZE, RECORD_HEADER, SEGMENT_HEADER } from '../engine/native/layout.js';

export class UsageError extends Error {}

export interface CliOptions {
  dir: string;
  format: string | undefined;
  segmentSize: number | undefined;
  fsync: FsyncPolicy | undefined;
  readOnly: boolean;
  json: boolean;
  /** KEY arguments are hex bytes (a key that is not text). */
  keyHex: boolean;
  prefix: string | undefined;
  segment: string | undefined;
  from: string | undefined;
  port: number | undefined;
  readWrite: boolean;
  limit: number | undefined;
  offset: number | undefined;
  to: string | undefined;
  tear: string | undefined;
  flip: string | undefined;
  /** No progress line on a terminal's stderr (import, compact, verify). */
  noProgress: boolean;
  /** history: each version's diff against the one before it. */
  diff: boolean;
  /** Another engine's store: read every data file at the open, none taken from its hint file (OpenStoreOptions.replayData). */
  noHints: boolean;
  /** du: the levels' separator (':' or '/'; checked by du), how many levels down, the N largest values instead, exact bytes. */
  delimiter: string | undefined;
  depth: number | undefined;
  top: number | undefined;
  /** du: the dead bytes (overwritten and deleted records) by prefix, or with --top the keys with most. */
  dead: boolean;
  bytes: boolean;
  help: boolean;
  version: boolean;
}

export interface ParsedCommand {
  command: string | undefined;
  args: string[];
  options: CliOptions;
  /** Whether --dir (-d) was on the line; options.dir is ./data when not. */
  dirGiven: boolean;
}

const OPTION_SPEC = {
  dir: { type: 'string', short: 'd' },
  format: { type: 'string', short: 'f' },
  'segment-size': { type: 'string' },
  fsync: { type: 'string' },
  'read-only': { type: 'boolean' },
  json: { type: 'boolean' },
  'key-hex': { type: 'boolean' },
  prefix: { type: 'string', short: 'p' },
  segment: { type: 'string' },
  from: { type: 'string' },
  port: { type: 'string' },
  'read-write': { type: 'boolean' },
  limit: { type: 'string' },
  offset: { type: 'string' },
  to: { type: 'string' },
  tear: { type: 'string' },
  flip: { type: 'string' },
  'no-progress': { type: 'boolean' },
  'no-hints': { type: 'boolean' },
  diff: { type: 'boolean' },
  delimiter: { type: 'string' },
  depth: { type: 'string' },
  top: { type: 'string' },
  bytes: { type: 'boolean' },
  dead: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

type OptionName = keyof typeof OPTION_SPEC;

/**
 * Options of every command that opens a store: where it is, what format, and
 * how it is opened (never a byte changed; a writer's segment size and fsync
 * policy, which a reader does without, so that one set of them, an alias's,
 * goes with every command).
 */
const STORE: readonly OptionName[] = ['dir', 'format', 'read-only', 'segment-size', 'fsync'];
const WRITER = STORE;
/**
 * The commands that read a store (another engine's too) and so may be asked to
 * read its data files rather than take keys from its hints (--no-hints); the
 * open refuses it where the store has no such hints (commands.ts, refuseNoHints).
 */
const READER: readonly OptionName[] = [...STORE, 'no-hints'];

/**
 * The options each command uses (--help and --version go with any). Any
 * other is refused, naming it and the command: it would be ignored, and a
 * user who gave it meant something by it (`set k v --prefix x`, `stats
 * --segment 1`). --read-only goes with every command that opens a store;
 * the ones that write refuse to run under it (exit 3).
 */
export const COMMAND_OPTIONS: Record<string, readonly OptionName[]> = {
  set: [...WRITER, 'json', 'key-hex'],
  get: [...READER, 'json', 'key-hex'],
  delete: [...WRITER, 'json', 'key-hex'],
  list: [...READER, 'json', 'key-hex', 'prefix', 'limit'],
  scan: [...READER, 'json', 'key-hex', 'prefix', 'limit'],
  history: [...READER, 'json', 'key-hex', 'diff'],
  stats: [...READER, 'json'],
  du: [...READER, 'json', 'key-hex', 'prefix', 'delimiter', 'depth', 'top', 'bytes', 'dead', 'no-progress'],
  compact: [...WRITER, 'json', 'no-progress'],
  verify: [...READER, 'json', 'no-progress'],
  dump: [...READER, 'json', 'segment'],
  // It reads every data file anyway: --no-hints changes nothing there, and is taken.
  segments: [...READER, 'json'],
  records: [...READER, 'json', 'segment', 'offset', 'limit'],
  repair: [...STORE, 'json', 'to'],
  'crash-lab': [...STORE, 'json', 'to', 'tear', 'flip'],
  follow: [...STORE, 'json'],
  // --no-hints: of import --from DIR's source.
  import: [...WRITER, 'json', 'from', 'no-progress', 'no-hints'],
  // Its output is JSON Lines with or without --json.
  export: [...READER, 'json', 'key-hex', 'prefix'],
  repl: [...READER, 'key-hex'],
  // DIR is its argument; it writes the demo store as it always does.
  demo: ['read-only', 'json'],
  serve: ['port', 'read-write'],
  formats: ['json'],
  help: [],
};

const ANY_COMMAND: readonly OptionName[] = ['help', 'version'];

/**
 * Other names of commands, as the seeds' users type them: kvdb's REPL deletes
 * with `del` (and the logs of kvdb and tiny-log-kv say DEL), as kvscope's
 * repl accepts. An alias is its command everywhere, in messages too.
 */
export const COMMAND_ALIASES: Readonly<Record<string, string>> = { del: 'delete' };

/**
 * An option given to a command that does not use it, and a string option
 * given twice (`-d r1 --dir r2`: which store was meant?), are usage errors.
 */
function checkOptions(command: string | undefined, tokens: readonly { kind: string; name?: string; rawName?: string; value?: string | undefined }[], help: boolean): void {
  const seen = new Map<string, string>();
  for (const t of tokens) {
    if (t.kind !== 'option' || t.name === undefined) continue;
    const name = t.name as OptionName;
    if (OPTION_SPEC[name].type === 'string') {
      const before = seen.get(name);
      if (before !== undefined) throw new UsageError(`--${name} was given twice ("${before}", "${t.value ?? ''}"); give it once`);
      seen.set(name, t.value ?? '');
    }
    // `kvscope help` is `kvscope --help`: it prints the usage whatever else the line holds.
    if (help || command === undefined || command === 'help' || ANY_COMMAND.includes(name)) continue;
    const allowed = Object.hasOwn(COMMAND_OPTIONS, command) ? COMMAND_OPTIONS[command] : undefined;
    if (allowed === undefined || allowed.includes(name)) continue; // an unknown command is said by the caller
    const shown = t.rawName !== undefined && t.rawName !== `--${name}` ? `${t.rawName} (--${name})` : `--${name}`;
    throw new UsageError(`${command} does not take ${shown}${allowed.length > 0 ? ` (its options: ${allowed.map((o) => `--${o}`).join(', ')})` : ' (it takes no options)'}`);
  }
}

function parseSize(text: string): number {
  const m = /^(\d+)([kmg]i?b?)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`--segment-size: "${text}" is not a size (examples: 4096, 64k, 64MiB)`);
  const unit = (m[2] ?? '').toLowerCase()[0];
  const mult = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  const size = Number(m[1]) * mult;
  // Sizes are binary (1k = 1024 bytes). A segment holds its header and at least one record header, and at most 1 GiB.
  const min = SEGMENT_HEADER.size + RECORD_HEADER.size;
  if (size < min || size > MAX_SEGMENT_SIZE) throw new UsageError(`--segment-size: "${text}" is outside ${min} bytes to 1GiB`);
  return size;
}

function parseInteger(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name}: "${text}" is not a whole number from ${min} to ${max}`);
  return n;
}

export function parseCommandLine(argv: string[]): ParsedCommand {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTION_SPEC, allowPositionals: true, strict: true, tokens: true });
  } catch (err) {
    const message = (err as Error).message;
    // Node's own wording for this one has an unbalanced quote ("as in '-- "--x"").
    const unknown = /^Unknown option '([^']*)'/.exec(message);
    throw new UsageError(unknown ? `unknown option "${unknown[1]}" (a value that starts with "-" goes after "--")` : message.replace(/^.*?: /, ''));
  }
  const v = parsed.values;
  const fsync = v.fsync;
  if (fsync !== undefined && fsync !== 'always' && fsync !== 'batch' && fsync !== 'never') {
    throw new UsageError(`--fsync must be always, batch or never, not "${fsync}"`);
  }
  const [given, ...args] = parsed.positionals;
  const command = given === undefined ? undefined : (Object.hasOwn(COMMAND_ALIASES, given) ? COMMAND_ALIASES[given]! : given);
  checkOptions(command, parsed.tokens, v.help ?? false);
  return {
    command,
    args,
    dirGiven: v.dir !== undefined,
    options: {
      dir: v.dir ?? 'data',
      format: v.format,
      segmentSize: v['segment-size'] !== undefined ? parseSize(v['segment-size']) : undefined,
      fsync,
      readOnly: v['read-only'] ?? false,
      json: v.json ?? false,
      keyHex: v['key-hex'] ?? false,
      prefix: v.prefix,
      segment: v.segment,
      from: v.from,
      port: parseInteger('port', v.port, 0, 65535),
      readWrite: v['read-write'] ?? false,
      limit: parseInteger('limit', v.limit, 1, Number.MAX_SAFE_INTEGER),
      offset: parseInteger('offset', v.offset, 0, Number.MAX_SAFE_INTEGER),
      to: v.to,
      tear: v.tear,
      flip: v.flip,
      noProgress: v['no-progress'] ?? false,
      noHints: v['no-hints'] ?? false,
      diff: v.diff ?? false,
      delimiter: v.delimiter,
      depth: parseInteger('depth', v.depth, 1, 1000),
      top: parseInteger('top', v.top, 1, Number.MAX_SAFE_INTEGER),
      bytes: v.bytes ?? false,
      dead: v.dead ?? false,
      help: v.help ?? false,
      version: v.version ?? false,
    },
  };
}

export const USAGE = `Usage: kvscope [--dir DIR] COMMAND [ARGS] [OPTIONS]

Commands on a kvscope store (DIR defaults to ./data):
  set KEY VALUE...        store a value (words are joined with spaces); prints OK
  get KEY                 print the value; exit 1 with "Key not found" if missing
  delete KEY | del KEY    delete a key; prints Deleted; exit 1 if missing
  list [--prefix P] [--limit N]
                          live keys, one per line, sorted (the first N)
  scan [--prefix P] [--limit N]
                          live keys and values, sorted (key<TAB>value; the first N)
  history KEY [--diff]    every version of a key in the log (--diff: after each, what changed from the one before)
  stats                   keys, segments, live and dead bytes
  du [--prefix P] [--delimiter :|/] [--depth N] [--top N] [--bytes]
                          where the space goes: each branch of the keys N levels below P (default 1) with its live
                          records' bytes and key count, largest first; --top N: the N largest values instead
  du --dead [--prefix P] [--delimiter :|/] [--depth N] [--top N] [--bytes]
                          where the dead space is: each branch's overwritten and deleted records' bytes and count
                          (every record read); --top N: the N keys with the most, with their version counts
  compact                 rewrite segments keeping only live records
  verify                  check every record and hint; exit 1 when problems are found
  dump [--segment N]      decoded records with offsets
  segments                every data and hint file: size, records, live/stale/tombstone/corrupt bytes, sequences
  records --segment FILE [--offset N] [--limit N]
                          the records of one file from offset N, with status (live/shadowed/tombstone/corrupt/torn/unread/ignored/meta)
  repair --to DIR         write a repaired copy to DIR (missing or empty); the store is only read
  crash-lab --to DIR (--tear FILE:OFFSET | --flip FILE:OFFSET:MASK)
                          damage a copy in DIR, reopen it, and report what recovery kept and lost
  follow                  print changes another process appends to a kvscope store (Ctrl-C stops)
  import FILE             load JSON Lines ({"key":..,"value":..}); "-" reads stdin
  import --from DIR       copy the live keys of any supported directory into DIR
  export [--prefix P]     write every live key as JSON Lines
  repl                    interactive shell (set/get/delete/list/compact/stats/help/quit); read-only on other formats;
                          on a terminal: line editing, history (arrows, Ctrl-R), Tab completes commands and keys
  demo DIR                create a demo store (DIR missing or empty)
  serve [DIR]             start the inspector in the browser (127.0.0.1 only)
  formats                 list the formats kvscope reads

Options (anywhere on the line):
  -d, --dir DIR           store directory (default ./data)
  -f, --format NAME       read another engine's directory (read-only); default: detect
  -p, --prefix P          list, scan, export, du: only the keys that start with P
      --segment-size N    rotate segments at N bytes (e.g. 64MiB)
      --fsync POLICY      always (default) | batch | never
      --read-only         open without the writer lock; never changes a byte
      --json              machine-readable output
      --key-hex           KEY arguments, --prefix and the repl's keys are hex bytes, for keys that are not text (list shows them as \\xNN)
      --diff              history: each version's unified diff against the version before it (JSON: of its
                          indented form; binary: the differing byte ranges); --json adds each one's hunks
      --no-progress       import, compact, verify, du --dead: no progress line on a terminal's stderr
      --delimiter D       du: what separates the levels of a key, : (default) or /
      --depth N           du: how many levels below --prefix a branch is (default 1)
      --top N             du: the N largest live values (their record's bytes, key and file), not branches
      --bytes             du: sizes in bytes, not KiB, MiB, GiB
      --dead              du: dead bytes (overwritten puts, tombstones) by prefix or key, not live ones
      --no-hints          get, list, scan, history, stats, du, verify, dump, segments, records, export, repl, import --from:
                          another engine's store (riak-bitcask) is opened by reading every data file, none taken
                          from its hint file (stats says why each was read): to compare, when a hint is suspect
      --port N            serve: port (default: a free one)
      --read-write        serve: allow writes from the inspector
  -h, --help              this help; COMMAND --help (or kvscope help COMMAND): that command's
  -V, --version           version

Environment:
  KVSCOPE_REPL_HISTORY    the file an interactive repl keeps its history in (default ~/.kvscope_history,
                          mode 0600, the last 1000 lines, values typed included); empty: no history file

Exit codes: 0 success, 1 not found or problems found, 2 usage error,
3 the store cannot be opened or written (locked, not a store, I/O error).`;

/** Every command name the line may start with: the commands, their aliases and help. */
export function commandNames(): string[] {
  return [...Object.keys(COMMAND_OPTIONS), ...Object.keys(COMMAND_ALIASES)];
}

/** The number of single-character edits (insert, delete, change, swap two neighbours) from `a` to `b`. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const change = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + change);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The error for a command kvscope does not have, naming the closest ones, as git does ("The most similar
 * command is"): those a typo or two away (`lsit`, `dlete`), or that it begins (`comp`).
 */
export function unknownCommand(name: string): UsageError {
  const lower = name.toLowerCase();
  const scored = commandNames()
    .map((c) => ({ c, d: lower.length >= 2 && c.startsWith(lower) ? 0 : editDistance(lower, c) }))
    .filter(({ c, d }) => d <= (c.length <= 4 ? 1 : 2))
    .sort((x, y) => x.d - y.d || x.c.localeCompare(y.c));
  const best = scored.filter(({ d }) => d === scored[0]?.d).map(({ c }) => `"${c}"`);
  return new UsageError(`unknown command "${name}"${best.length > 0 ? ` (did you mean ${best.join(' or ')}?)` : ''}`);
}

/**
 * `kvscope help COMMAND` and `kvscope COMMAND --help`: that command's lines
 * of USAGE, and the lines of the options it takes; undefined for a name
 * that is no command.
 */
export function commandUsage(given: string): string | undefined {
  const command = Object.hasOwn(COMMAND_ALIASES, given) ? COMMAND_ALIASES[given]! : given;
  if (!Object.hasOwn(COMMAND_OPTIONS, command)) return undefined;
  const [commandsPart, rest] = USAGE.split('\nOptions (anywhere on the line):\n');
  const optionsPart = rest!.split('\n\n')[0]!;
  // A command's text is its line and the more deeply indented lines after it; import has two.
  const entries = (part: string, start: RegExp, wanted: (m: RegExpExecArray) => boolean): string[][] => {
    const found: string[][] = [];
    let current: string[] | undefined;
    for (const line of part.split('\n')) {
      const m = start.exec(line);
      if (m) {
        current = wanted(m) ? [line] : undefined;
        if (current) found.push(current);
      } else if (/^ {3,}\S/.test(line)) current?.push(line);
      else current = undefined;
    }
    return found;
  };
  const own = entries(commandsPart!, /^ {2}([a-z-]+)/, (m) => m[1] === command);
  const taken = new Set<string>([...COMMAND_OPTIONS[command]!, ...ANY_COMMAND]);
  const options = entries(optionsPart, /^ {2}(?:-\w, | {4})--([\w-]+)/, (m) => taken.has(m[1]!));
  const dir = COMMAND_OPTIONS[command]!.includes('dir') ? '[--dir DIR] ' : '';
  const lines: string[] = [];
  for (const [first, ...more] of command === 'help' ? [['  help [COMMAND]          this help, or a command\'s']] : own) {
    // The synopsis, then what it does (beside it in the column at 26, or on the lines after it).
    const beside = first!.length > 26 && first!.slice(24, 26) === '  ';
    lines.push(`Usage: kvscope ${dir}${beside ? first!.slice(2, 26).trim() : first!.trim()} [OPTIONS]`);
    for (const text of [...(beside ? [first!.slice(26)] : []), ...more.map((l) => l.trim())]) lines.push(`  ${text}`);
  }
  lines.push('', 'Options:', ...options.flat(), '', 'Run "kvscope --help" for every command, the environment and the exit codes.');
  return lines.join('\n');
}

