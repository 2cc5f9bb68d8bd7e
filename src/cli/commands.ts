/**
 * The one-shot commands of `kvscope`. Each takes the parsed command line and
 * an output sink, writes data to `out` and messages to `err`, and returns
 * the exit code.
 */
import { closeSync, createReadStream, existsSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getThroughKeydirImage } from '../engine/image-lookup.js';
import { statsThroughKeydirImage } from '../engine/image-stats.js';
import { openStore, openedNotes, type OpenedStore } from '../engine/open.js';
import { Store } from '../engine/store.js';
import { AbortedError, ReadOnlyError, StoreError } from '../engine/errors.js';
import { assertSeparateDirectories } from '../engine/repair.js';
import { uncommittedCompaction as findUncommittedCompaction } from '../engine/compaction.js';
import { realFs } from '../engine/fs.js';
import { keyFromString, printableKey, printableValue, toBytes } from '../engine/keys.js';
import { decodedRecordsOf, ForeignStore } from '../engine/foreign-store.js';
import { detectAll, getFormat, listFormats } from '../engine/formats/registry.js';
import { nativeFormat } from '../engine/formats/native.js';
import { damagedKeyIn, hasRecords, type DecodedRecord, type FormatDescription } from '../engine/formats/format.js';

type DamagedKey = NonNullable<ReturnType<typeof damagedKeyIn>>;
import { recordAsObject } from '../engine/formats/decode-helpers.js';
import type { BrowsableStore, Progress, StoreStats, VerifyReport } from '../engine/types.js';
import { copyLiveKeys, ImportBatches, listedValue } from '../engine/copy-live.js';
import { checkImportLines, readLines, writeImportLines } from '../engine/import-lines.js';
import { UsageError, type CliOptions } from './args.js';
import { bytesToJson, exportLine } from '../engine/jsonl.js';
import { makeDemoStore } from './demo.js';
import { engineProgress, progressText, type StatusLine } from './progress.js';
import { formatBytes, formatCount } from './units.js';
import { versionDiffs, versionDiffText } from './history-diff.js';
import { damagedHowOfKind, damagedHowOfRow, damagedKeyLabel } from '../shared/damaged-key.js';
import { SEQUENCE_IS_ORDER_NOTE, SEQUENCE_IS_TIMESTAMP_NOTE, sequenceHeading, sequenceText, timestampFields, timestampText } from '../shared/sequence-text.js';

export const EXIT_OK = 0;
export const EXIT_NOT_FOUND = 1;
export const EXIT_USAGE = 2;
export const EXIT_STORE = 3;
/**
 * Stopped by Ctrl-C (SIGINT), SIGTERM or SIGHUP: main's code; the process itself then ends by that signal
 * (interruptSignal), which a shell says as 128 + its number (130, 143, 129).
 */
export const EXIT_INTERRUPTED = 130;

/**
 * The signals that stop long work as Ctrl-C does: SIGINT (Ctrl-C), SIGTERM
 * (kill, a service manager, `timeout`) and SIGHUP (the terminal closed).
 * Node's default for each is to die at once, leaving a stale LOCK, no hints
 * and no keydir image.
 */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The signal that stopped the work last (onInterrupt): the entry ends the process by it once the store is closed. */
let stoppedBy: NodeJS.Signals = 'SIGINT';
export function interruptSignal(): NodeJS.Signals {
  return stoppedBy;
}

/**
 * Ctrl-C (SIGINT), SIGTERM or SIGHUP while long work runs (import, compact,
 * verify): instead of Node's default, dying at once without a word, the work
 * is stopped through `signal` (the engine's cancellation, as the inspector's
 * Cancel), the store closed cleanly, and the command says what was done; the
 * process then ends by the same signal (interruptSignal). Stopping takes
 * little (the batch being written, the close's hints and keydir image), so a
 * second signal meanwhile does not cut it short (which left the progress
 * line drawn, a stale LOCK, no keydir image, and nothing said of what was
 * imported): it says once that the store is being closed, and how to quit
 * at once (Ctrl-\, SIGQUIT) if that is really wanted.
 */
export function onInterrupt(io: Pick<Io, 'err'>, signals: readonly NodeJS.Signals[] = STOP_SIGNALS): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let told = false;
  const interrupted = (by: NodeJS.Signals): void => {
    if (!controller.signal.aborted) {
      stoppedBy = by;
      controller.abort();
      return;
    }
    if (told) return;
    told = true;
    io.err('kvscope: stopping… the store is being closed (Ctrl-\\ quits at once, leaving it for the next open to recover)');
  };
  for (const s of signals) process.on(s, interrupted);
  return { signal: controller.signal, dispose: () => signals.forEach((s) => process.off(s, interrupted)) };
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Write out lines `out` may have gathered (before anything written to stdout another way). */
  flush?(): void;
  /** Write bytes as they are, then a newline (a value need not be UTF-8 text); else `out` gets them as UTF-8. */
  outBytes?(bytes: Uint8Array): void;
  stdin: NodeJS.ReadableStream;
  /** A line on a terminal's stderr for the progress of long work (none when stderr is not a terminal); `err` erases it first. */
  status?: StatusLine | undefined;
  /**
   * Aborted when stdout's reader has gone (EPIPE) and a command said it would end by itself (`keepsOnWhenOutputGone`, the
   * repl, which holds the writer's lock); without that the entry ends the process at once.
   */
  outputGone?: AbortSignal;
  /** Called by a command that ends itself, closing its store, when `outputGone` is aborted. */
  keepsOnWhenOutputGone?(): void;
}

/** The progress line import, compact and verify draw: none with --json or --no-progress, or off a terminal. */
export function statusFor(opts: CliOptions, io: Io): StatusLine | undefined {
  return opts.json || opts.noProgress ? undefined : io.status;
}

/** What long work is given besides: the engine's progress, and the signal that stops it. */
export interface Work {
  onProgress?: ((p: Progress) => void) | undefined;
  signal?: AbortSignal | undefined;
  /** Another engine's store: read every data file's records at the open, for a command that reads them anyway (OpenStoreOptions.replayData). */
  replayData?: boolean | undefined;
}

/** Work's options, without the ones it has not (an engine option set to undefined is not the same as absent). */
export function workOptions(work: Work | undefined): { onProgress?: (p: Progress) => void; signal?: AbortSignal; replayData?: boolean } {
  return { ...(work?.onProgress ? { onProgress: work.onProgress } : {}), ...(work?.signal ? { signal: work.signal } : {}), ...(work?.replayData ? { replayData: true } : {}) };
}

/** What long work run by `interruptibly` is given. */
export interface Interruptible {
  /** The engine's progress (drawn on the progress line, statusFor) and the signal a stop signal aborts (onInterrupt). */
  work: Work & { signal: AbortSignal };
  status: StatusLine | undefined;
  /** The phase has begun (the store is open) before any progress of it came: how far it got is then 0 of 0. */
  begin(): void;
}

/** What `interruptibly` gives back when a stop signal ended the work: the command then returns EXIT_INTERRUPTED. */
export const INTERRUPTED = Symbol('interrupted');

/**
 * Long work that Ctrl-C, SIGTERM or SIGHUP stops (import, compact, verify, du --dead): `run` gets its Work,
 * the progress line drawn meanwhile; stopped (the engine's AbortedError), the line is cleared and
 * `interrupted` says what was done, given the last progress of `phase` (undefined before the first, or
 * before `begin`; howFar says it). The signals' handlers and the line are gone once it returns.
 */
export async function interruptibly<T>(
  opts: CliOptions,
  io: Io,
  how: { phase?: string; run: (w: Interruptible) => Promise<T>; interrupted: (reached: Progress | undefined) => void },
): Promise<T | typeof INTERRUPTED> {
  const status = statusFor(opts, io);
  const interrupt = onInterrupt(io);
  const drawn = status && engineProgress(status);
  const { phase } = how;
  let reached: Progress | undefined;
  const onProgress =
    phase === undefined
      ? drawn
      : (p: Progress): void => {
          if (p.phase === phase) reached = p;
          drawn?.(p);
        };
  try {
    return await how.run({ work: { onProgress, signal: interrupt.signal }, status, begin: () => (reached = { phase: phase ?? '', done: 0, total: 0 }) });
  } catch (err) {
    if (!(err instanceof AbortedError)) throw err;
    status?.clear();
    how.interrupted(reached);
    return INTERRUPTED;
  } finally {
    interrupt.dispose();
    status?.clear();
  }
}

/** How far a phase of reading got when it was stopped: "after 1.2 MiB of 4.0 MiB (30%)", or "as it began" before its total was known; undefined before it began. */
export function howFar(reached: Progress | undefined): string | undefined {
  if (reached === undefined) return undefined;
  return reached.total > 0 ? `after ${formatBytes(reached.done)} of ${formatBytes(reached.total)} (${Math.floor((reached.done / reached.total) * 100)}%)` : 'as it began';
}

type Command = (args: string[], opts: CliOptions, io: Io) => Promise<number>;

/**
 * Open the directory for reading (never changes a byte), run fn, close.
 * With `io`, what the open found (damage the replay skipped, a torn tail,
 * a file it cannot read) goes to stderr first (openedNotes; a reader leaves out the hints it did not use).
 */
export async function withStore<T>(opts: CliOptions, fn: (opened: OpenedStore) => Promise<T>, io?: Pick<Io, 'err'>, work?: Work): Promise<T> {
  return withOpened(opts, false, work, async (opened) => {
    if (io) sayOpenNotes(opened, io);
    return fn(opened);
  });
}

/** At most this many lines of what an open found go to stderr; the rest are counted ("kvscope verify" lists them all). */
export const MAX_OPEN_NOTES = 10;

/** Say what the open found on stderr (`kvscope: recovery: …`), at most MAX_OPEN_NOTES lines. */
export function sayOpenNotes(opened: OpenedStore, io: Pick<Io, 'err'>): void {
  const notes = openedNotes(opened, { leaveOutReaderHints: true });
  for (const note of notes.slice(0, MAX_OPEN_NOTES)) io.err(`kvscope: recovery: ${note}`);
  if (notes.length > MAX_OPEN_NOTES) io.err(`kvscope: recovery: … and ${notes.length - MAX_OPEN_NOTES} more; "kvscope verify" lists every problem`);
}

/**
 * How many damaged records or files the open skipped that may have held
 * committed keys or versions: all it found but a torn last write at the end
 * of the newest file (a crash's, said and not counted).
 */
export function damageSkipped(opened: OpenedStore): number {
  if (opened.native) return opened.native.damageSkipped().length;
  return opened.store instanceof ForeignStore ? opened.store.damageSkipped().length : 0;
}

/**
 * A command that promises the data (export, scan, import --from) exits 1
 * when the open skipped damage (damageSkipped): what it gave may lack keys,
 * or give an older value of a key whose newest record is damaged. Said in a
 * closing line; the code to return.
 */
function finishAfterDamage(opened: OpenedStore, io: Pick<Io, 'err'>, code: number): number {
  const skipped = damageSkipped(opened);
  if (skipped === 0) return code;
  io.err(`kvscope: the open skipped ${skipped} damaged record(s) or file(s) (above): keys they held may be missing, or older, in this output; "kvscope verify" shows the damage`);
  return EXIT_NOT_FOUND;
}

/**
 * Open the directory as its writer (a kvscope store, created when missing or
 * empty; another engine's directory opens read-only), run fn, close. A
 * writer's open may change files (a torn tail cut off, a compaction
 * finished): what it found goes to stderr, one line each.
 */
/**
 * Runs fn on the store opened for writing, then closes it. A close that could not sync under --fsync never is
 * an error (see withOpened), unless the caller says it itself (`saysCloseFailure`: import, which knows which
 * of its lines were synced before).
 */
export async function withWriter<T>(
  opts: CliOptions,
  io: Pick<Io, 'err'>,
  fn: (opened: OpenedStore) => Promise<T>,
  work?: Work,
  { saysCloseFailure = false }: { saysCloseFailure?: boolean } = {},
): Promise<T> {
  return withOpened(
    opts,
    true,
    work,
    async (opened) => {
      sayOpenNotes(opened, io);
      return fn(opened);
    },
    !saysCloseFailure,
  );
}

/**
 * --no-hints is refused, before anything is opened, where it means nothing:
 * a kvscope store (it opens from its own hints and keydir image; verify
 * reads every record), another engine's format kvscope never opens from hints
 * (its data files are always read), or, for a command that would create a
 * kvscope store (repl), a directory with no store. Where no format is
 * found, the open says so itself.
 */
export function refuseNoHints(dir: string, format: string | undefined, creates: boolean): void {
  const withHints = listFormats().filter((f) => f.readHint !== undefined).map((f) => f.id);
  const forWhat = `--no-hints reads every data file of another engine's store whose keys kvscope can take from hint files (${withHints.join(', ')})`;
  if (format === nativeFormat.id || (format === undefined && nativeFormat.detect(dir) !== null)) {
    throw new UsageError(`${forWhat}; ${dir} is a kvscope store (to read every one of its records, run kvscope verify)`);
  }
  const id = format ?? detectAll(dir)[0]?.format;
  if (id === undefined) {
    if (creates) throw new UsageError(`${forWhat}; ${dir} holds no store`);
    return;
  }
  const description = getFormat(id);
  if (description && description.readHint === undefined) throw new UsageError(`${forWhat}; ${dir} is a ${id} directory, whose data files kvscope always reads (it has no hint files to open from)`);
}

async function withOpened<T>(opts: CliOptions, write: boolean, work: Work | undefined, fn: (opened: OpenedStore) => Promise<T>, refuseUnsyncedClose = true): Promise<T> {
  // A write with --read-only is refused by the store it opens; where there is no store, say that, not only that
  // the directory does not exist (as if leaving out --read-only would not create it).
  if (write && opts.readOnly && !existsSync(opts.dir)) throw new StoreError('READ_ONLY', `cannot write: ${opts.dir} does not exist, and --read-only creates nothing`);
  if (opts.noHints) refuseNoHints(opts.dir, opts.format, write);
  const opened = await openStore(opts.dir, {
    ...workOptions(work),
    ...(opts.noHints ? { replayData: true } : {}),
    format: opts.format,
    readOnly: !write || opts.readOnly,
    create: write,
    ...(opts.segmentSize !== undefined ? { segmentSize: opts.segmentSize } : {}),
    ...(opts.fsync !== undefined ? { fsync: opts.fsync } : {}),
  });
  let result: T;
  try {
    result = await fn(opened);
  } finally {
    await opened.store.close();
  }
  // Under --fsync never, the close's fdatasync is the only one this command's writes had (a segment is synced
  // only when it is sealed): one that failed means they may not be on disk, which "OK" and exit 0 would hide.
  const failure = opened.native?.closeFailure;
  if (refuseUnsyncedClose && failure !== undefined && opened.native!.fsyncPolicy === 'never') {
    throw new StoreError('IO', `closing the store failed (${failure.cause.message}): under --fsync never, what this command wrote to ${failure.file} may not be on disk`);
  }
  return result;
}

export function nativeOrRefuse(opened: OpenedStore, what: string): Store {
  if (!opened.native) {
    const { format, root } = opened.detection;
    throw new StoreError('READ_ONLY', `cannot ${what}: ${root} is a ${format} directory, read-only in kvscope (to change its data, copy it into a kvscope store: kvscope -d NEW_DIR import --from ${root})`);
  }
  return opened.native;
}

/**
 * A command-line argument's text, refused when it holds U+FFFD: Node turns
 * bytes of the command line that are not UTF-8 into U+FFFD, and their own
 * bytes cannot be known (`set $'k\xff' v` stored k\xef\xbf\xbd and said OK).
 * A real U+FFFD is rare next to that mistake: it is still possible, through
 * --key-hex (efbfbd) for a key and import for a value.
 */
export function textArg(what: string, text: string): string {
  if (!text.includes('\uFFFD')) return text;
  const way =
    what === 'VALUE'
      ? 'for a value that is not UTF-8 text (or holds U+FFFD), use "kvscope import" (JSON Lines: {"key": K, "value": {"base64": ...}})'
      : 'for a key that is not UTF-8 text (or holds U+FFFD, ef bf bd), give its bytes with --key-hex (e.g. --key-hex 6bff)';
  throw new UsageError(`the ${what} argument holds U+FFFD (\uFFFD), which is what bytes that are not UTF-8 become on the command line: its bytes cannot be known; ${way}`);
}

/** A KEY argument: its text (as UTF-8), or with --key-hex the bytes its hex digits spell. */
export function keyArg(opts: Pick<CliOptions, 'keyHex'>, text: string, what = 'KEY'): string | Buffer {
  if (!opts.keyHex) return textArg(what, text);
  if (!/^([0-9a-f]{2})*$/i.test(text)) throw new UsageError(`--key-hex: ${what === 'KEY' ? '' : `${what} `}"${text}" is not hex bytes (two digits a byte, e.g. 00ff106b)`);
  return Buffer.from(text, 'hex');
}

/** The --prefix of list, scan and export: text (as UTF-8), or with --key-hex hex bytes, as a KEY is. */
function prefixArg(opts: CliOptions): string | Buffer | undefined {
  return opts.prefix === undefined ? undefined : keyArg(opts, opts.prefix, '--prefix');
}

function one(args: string[], name: string, what = 'KEY'): string {
  if (args.length !== 1) throw new UsageError(`${name} takes exactly one ${what}`);
  return args[0]!;
}

/**
 * What a compaction did to the store's size: `Reclaimed 1.2 MiB`, or, when
 * its output is larger (smaller segments each with a header, and hints),
 * `Grew by 408 B` (it said "Reclaimed -408 B").
 */
export function reclaimedText(reclaimedBytes: number): string {
  return reclaimedBytes < 0 ? `Grew by ${formatBytes(-reclaimedBytes)}` : `Reclaimed ${formatBytes(reclaimedBytes)}`;
}

export function statsText(s: StoreStats): string {
  const lines = [
    `Format:              ${s.format}`,
    `Keys:                ${s.keys}`,
    `Segments:            ${s.segments}`,
    // Data bytes; a running writer's preallocated zeros make the files longer (docs/FORMAT.md, "Preallocated space").
    `Total size:          ${formatBytes(s.totalBytes)} (${s.totalBytes} bytes of data${s.fileBytes !== undefined ? `; ${s.fileBytes} bytes on disk with preallocated space` : ''})`,
    `Live data:           ${formatBytes(s.liveBytes)}`,
    `Dead data:           ${formatBytes(s.deadBytes)}`,
    ...(s.overheadBytes !== undefined ? [`Overhead:            ${formatBytes(s.overheadBytes)} (segment headers)`] : []),
    `Space amplification: ${Number.isFinite(s.spaceAmplification) ? s.spaceAmplification.toFixed(2) : '∞'}x`,
    // Hints and the keydir image describe the records as written: damage since is seen by what reads them.
    ...(s.figuresFrom === 'index' ? [`Figures from:        ${s.format === nativeFormat.id ? 'hints / keydir image' : 'hint files'}, records not read (damage since they were written: kvscope verify, segments)`] : []),
    // Another engine's data files whose records the open read instead of the hint, and why.
    ...(s.recordsReadBecause ?? []).map((r) => `Records read:        ${r.file} (${r.why})`),
  ];
  for (const seg of s.perSegment) {
    lines.push(
      `  ${seg.file.padEnd(22)} ${String(seg.bytes).padStart(10)} B  ${String(seg.records).padStart(7)} records${seg.fileBytes !== undefined ? `  (${seg.fileBytes} B on disk)` : ''}  live ${seg.liveBytes}  stale ${seg.staleBytes}  tombstones ${seg.tombstoneBytes}${seg.corruptBytes ? `  corrupt ${seg.corruptBytes}` : ''}${seg.active ? '  (active)' : ''}`,
    );
  }
  return lines.join('\n');
}

/**
 * A compaction that has not reached its commit in a kvscope store's
 * directory (uncommittedCompactionFiles): interrupted (a crash, a kill), so
 * that the next writer deletes its files, or under way in the writer that
 * holds the lock. stats, verify and segments say it: its field for --json
 * and its line of text; undefined when there is none.
 */
export function uncommittedCompaction(root: string): { json: { uncommittedCompaction: NonNullable<ReturnType<typeof findUncommittedCompaction>> }; text: string } | undefined {
  const found = findUncommittedCompaction(realFs, root);
  if (!found) return undefined;
  const { files, bytes, writerPid } = found;
  const which = `${files.length} file(s), ${bytes} bytes${bytes >= 1024 ? ` (${formatBytes(bytes)})` : ''}: ${files.map((f) => f.file).join(', ')}`;
  return {
    json: { uncommittedCompaction: found },
    text:
      writerPid !== undefined
        ? `A compaction is under way in the writer (pid ${writerPid}), not yet committed: ${which}`
        : `An unfinished compaction was found (interrupted before its commit), which the next writer rolls back: ${which}. Nothing reads them; the next writer deletes them`,
  };
}

function verifyText(report: VerifyReport): string {
  if (report.ok) return `OK: ${report.recordsChecked} records in ${report.filesChecked} files, no problems`;
  const lines = [`${report.problems.length} problem(s) in ${report.filesChecked} files (${report.recordsChecked} good records):`];
  for (const p of report.problems) lines.push(`  ${p.file}@${p.offset}  ${p.kind}  ${p.message}${p.key ? `; ${damagedKeyLabel(p.key.from, damagedHowOfKind(p.kind))}: ${printableKey(keyFromString(p.key.key))}` : ''}`);
  return lines.join('\n');
}

/** verify --json: a problem's key as --json gives keys (UTF-8 text, else base64), and how sure it is (keyFrom). */
function verifyJson(report: VerifyReport): object {
  return { ...report, problems: report.problems.map(({ key, ...p }) => (key ? { ...p, key: bytesToJson(keyFromString(key.key)), keyFrom: key.from } : p)) };
}

const set: Command = async (args, opts, io) => {
  if (args.length < 2) throw new UsageError('set takes KEY VALUE');
  const key = keyArg(opts, args[0]!);
  const value = textArg('VALUE', args.slice(1).join(' '));
  await withWriter(opts, io, async (o) => nativeOrRefuse(o, 'set').put(key, value));
  io.out(opts.json ? JSON.stringify({ ok: true }) : 'OK');
  return EXIT_OK;
};

const get: Command = async (args, opts, io) => {
  const key = keyArg(opts, one(args, 'get'));
  // A kvscope store closed cleanly answers through its keydir image, unopened (a few small reads), for a key
  // it has and (a version 2 image) for a key it has not; when the image cannot say, the store is opened.
  const throughImage = !opts.noHints && (opts.format === undefined || opts.format === nativeFormat.id) ? getThroughKeydirImage(opts.dir, toBytes(key)) : undefined;
  const value = throughImage === 'absent' ? undefined : (throughImage ?? (await withStore(opts, (o) => o.store.get(key), io)));
  if (value === undefined) {
    // --json answers on stdout either way: the value null when there is none (as other --json output says absence).
    if (opts.json) io.out(JSON.stringify({ key: bytesToJson(toBytes(key)), value: null }));
    io.err('Key not found');
    return EXIT_NOT_FOUND;
  }
  if (opts.json) io.out(JSON.stringify({ key: bytesToJson(toBytes(key)), value: bytesToJson(value) }));
  else if (io.outBytes) io.outBytes(value); // `kvscope get k > file` gets the value's own bytes
  else io.out(value.toString('utf8'));
  return EXIT_OK;
};

const del: Command = async (args, opts, io) => {
  const key = keyArg(opts, one(args, 'delete'));
  const deleted = await withWriter(opts, io, (o) => nativeOrRefuse(o, 'delete').delete(key));
  // --json answers on stdout either way, as get does.
  if (opts.json) io.out(JSON.stringify({ deleted }));
  if (!deleted) {
    io.err('Key not found');
    return EXIT_NOT_FOUND;
  }
  if (!opts.json) io.out('Deleted');
  return EXIT_OK;
};

/**
 * The live keys (key strings) in order, those starting with `prefix` when
 * given, at most `limit`. A native store sorts only the prefix's keys (a
 * prefix query on ten million keys took 13 s and 1.3 GB, sorting and
 * stringing every key); other formats filter their sorted strings.
 */
function keysWithPrefix(opened: OpenedStore, prefix: string | Buffer | undefined, limit = Infinity): string[] {
  const bytes = prefix === undefined ? undefined : toBytes(prefix);
  if (opened.native) return opened.native.scanKeys({ ...(bytes ? { prefix: bytes } : {}), ...(limit < Infinity ? { limit } : {}) });
  const keys = opened.store.sortedKeys();
  const p = bytes?.toString('latin1') ?? '';
  const out: string[] = [];
  for (const k of keys) {
    if (out.length >= limit) break;
    if (k.startsWith(p)) out.push(k);
  }
  return out;
}

const list: Command = async (args, opts, io) => {
  if (args.length > 0) throw new UsageError('list takes no arguments (use --prefix P)');
  const keys = await withStore(opts, async (o) => keysWithPrefix(o, prefixArg(opts), opts.limit), io);
  if (opts.json) io.out(JSON.stringify(keys.map((k) => bytesToJson(keyFromString(k)))));
  else for (const k of keys) io.out(printableKey(keyFromString(k)));
  return EXIT_OK;
};

/**
 * The keys a command could not read and left out: each named on stderr as it
 * comes, then counted in a closing line. The rest still comes out (what a
 * user salvaging a damaged store needs), and the command exits 1, so a
 * script knows its output is not whole.
 */
class LeftOut {
  count = 0;
  constructor(private readonly io: Pick<Io, 'err'>) {}

  readonly add = (key: Buffer, err: Error): void => {
    this.count++;
    this.io.err(`kvscope: ${printableKey(key)}: ${err.message}; left out`);
  };

  /** The key's value from a store of another format, or undefined (said and counted) when it cannot be read. */
  valueOf(store: BrowsableStore, key: Buffer): Promise<Buffer | undefined> {
    return listedValue(store, key, this.add);
  }

  /** The closing line, if any key was left out, and the exit code. */
  finish(): number {
    if (this.count === 0) return EXIT_OK;
    this.io.err(`kvscope: ${this.count} key(s) could not be read and were left out; "kvscope verify" shows the damage`);
    return EXIT_NOT_FOUND;
  }
}

/**
 * Each live key and its value in key order (those starting with `prefix`, at
 * most `limit`) to `visit`, for scan and export; a key that cannot be read is
 * left out (LeftOut). A native store hands them over as it reads them
 * (Store.forEachEntry); other formats look each key up.
 */
async function forEachEntry(opened: OpenedStore, prefix: string | Buffer | undefined, limit: number | undefined, io: Pick<Io, 'err'>, visit: (key: Buffer, value: Buffer) => void): Promise<number> {
  const leftOut = new LeftOut(io);
  if (opened.native) {
    opened.native.forEachEntry({ ...(prefix !== undefined ? { prefix: toBytes(prefix) } : {}), ...(limit !== undefined ? { limit } : {}), onUnreadable: leftOut.add }, visit);
  } else {
    for (const k of keysWithPrefix(opened, prefix, limit)) {
      const key = keyFromString(k);
      const value = await leftOut.valueOf(opened.store, key);
      if (value !== undefined) visit(key, value);
    }
  }
  return finishAfterDamage(opened, io, leftOut.finish());
}

const scan: Command = async (args, opts, io) => {
  if (args.length > 0) throw new UsageError('scan takes no arguments (use --prefix P)');
  return withStore(opts, (o) =>
    forEachEntry(o, prefixArg(opts), opts.limit, io, (key, value) => io.out(opts.json ? exportLine(key, value) : `${printableKey(key)}\t${printableValue(value)}`)),
  io);
};

const history: Command = async (args, opts, io) => {
  const key = keyArg(opts, one(args, 'history'));
  const { versions, diffs } = await withStore(
    opts,
    async (o) => {
      const versions = await o.store.history(key);
      return { versions, diffs: opts.diff ? await versionDiffs(o, versions) : undefined };
    },
    io,
  );
  if (opts.json) {
    io.out(JSON.stringify(diffs ? versions.map((v, i) => (diffs.has(i) ? { ...v, diff: diffs.get(i) } : v)) : versions));
    // Said on stderr as well, as get --json and delete --json say "Key not found": exit 1 is not silent.
    if (versions.length === 0) io.err('Key not found in the log');
  } else if (versions.length === 0) {
    io.err('Key not found in the log');
  } else {
    // A format whose sequence is the writer's clock shows it as a time, in a column as wide as its dates.
    const locations = versions.map((v) => v.location);
    const width = Math.max(9, ...locations.map((l) => sequenceText(l).length));
    io.out(`${sequenceHeading(locations, true).padEnd(width)} file                    offset    length  kind    status`);
    // On stderr, as every other message of the command: "kvscope: note: …".
    if (locations.some((l) => l.sequenceIsOrder)) io.err(`kvscope: note: ${SEQUENCE_IS_ORDER_NOTE}`);
    if (locations.some((l) => l.sequenceIsTimestamp)) io.err(`kvscope: note: ${SEQUENCE_IS_TIMESTAMP_NOTE}`);
    for (const [i, v] of versions.entries()) {
      io.out(`${sequenceText(v.location).padEnd(width)} ${v.location.file.padEnd(23)} ${String(v.location.offset).padEnd(9)} ${String(v.location.length).padEnd(7)} ${v.kind.padEnd(7)} ${v.status}`);
      // --diff: its patch after each version, as `git log -p` (the text ends with its own newline).
      const diff = diffs?.get(i);
      if (diff) io.out(versionDiffText(diff, v).replace(/\n$/, ''));
    }
  }
  return versions.length === 0 ? EXIT_NOT_FOUND : EXIT_OK;
};

const stats: Command = async (args, opts, io) => {
  if (args.length > 0) throw new UsageError('stats takes no arguments');
  // A kvscope store closed cleanly gives its figures from its keydir image's header, unopened; else it is opened.
  const throughImage = !opts.noHints && (opts.format === undefined || opts.format === nativeFormat.id) ? statsThroughKeydirImage(opts.dir) : undefined;
  const { s, unfinished } = throughImage
    ? { s: throughImage, unfinished: uncommittedCompaction(opts.dir) }
    : await withStore(opts, async (o) => ({ s: o.store.stats(), unfinished: o.native ? uncommittedCompaction(o.detection.root) : undefined }), io);
  io.out(opts.json ? JSON.stringify({ ...s, ...unfinished?.json }) : statsText(s));
  if (unfinished && !opts.json) io.out(unfinished.text);
  return EXIT_OK;
};

/** Why a compaction has nothing to do: every record live and no segment empty, but the one writes go to (never an input). */
export function nothingToCompactText(emptyActive: string | undefined): string {
  return emptyActive
    ? `every record is live, and the only empty segment is ${emptyActive}, the one writes go to`
    : 'every record is live and no segment is empty';
}

const compact: Command = async (args, opts, io) => {
  if (args.length > 0) throw new UsageError('compact takes no arguments');
  let compacting = false;
  const result = await interruptibly(opts, io, {
    run: ({ work }) =>
      withWriter(
        opts,
        io,
        (o) => {
          const store = nativeOrRefuse(o, 'compact');
          compacting = true;
          return store.compact(workOptions(work));
        },
        work,
      ),
    interrupted: () => {
      // Stopped before its commit (after it, it is not stopped): its outputs deleted, the segments as they were.
      if (opts.json) io.out(JSON.stringify({ interrupted: true, compacted: false, while: compacting ? 'compacting' : 'opening' }));
      io.err(compacting ? 'kvscope: compaction interrupted; the store is unchanged' : 'kvscope: interrupted while opening the store; nothing was compacted');
    },
  });
  if (result === INTERRUPTED) return EXIT_INTERRUPTED;
  if (opts.json) io.out(JSON.stringify(result));
  else {
    io.out(result.inputSegments.length === 0 ? `Nothing to compact: ${nothingToCompactText(result.emptyActive)}` : 'Compaction finished');
    const emptyActive = result.emptyActive ? ` (${result.emptyActive}, the one writes go to, is empty)` : '';
    io.out(`${reclaimedText(result.reclaimedBytes)} (${result.bytesBefore} → ${result.bytesAfter} bytes), dropped ${result.recordsDropped} records, ${result.segmentsBefore} → ${result.segmentsAfter} segments${emptyActive}`);
  }
  return EXIT_OK;
};

const verify: Command = async (args, opts, io) => {
  if (args.length > 0) throw new UsageError('verify takes no arguments');
  // Its report says what the open would (every problem, on stdout): no notes on stderr besides.
  const verified = await interruptibly(opts, io, {
    phase: 'verify',
    run: ({ work, begin }) =>
      withStore(
        opts,
        async (o) => {
          begin();
          const report = await o.store.verify(workOptions(work));
          // A key read from a damaged record that the store's keydir (from hints) holds at that very place: the keydir's.
          for (const p of report.problems) {
            const at = p.key?.from === 'record' ? o.store.locate(keyFromString(p.key.key)) : undefined;
            if (at && at.file === p.file && at.offset === p.offset) p.key = { key: p.key!.key, from: 'keydir' };
          }
          // Not a problem (the store reads the same), but files the directory holds: said beside the report.
          return { report, unfinished: o.native ? uncommittedCompaction(o.detection.root) : undefined };
        },
        undefined,
        work,
      ),
    interrupted: (checked) => {
      if (opts.json) {
        const progress = checked === undefined ? { while: 'opening' } : { while: 'verifying', checkedBytes: checked.done, totalBytes: checked.total };
        io.out(JSON.stringify({ interrupted: true, ...progress }));
      }
      const where = howFar(checked);
      io.err(`kvscope: verify interrupted ${where === undefined ? 'while opening the store; nothing was checked' : `${where}; no report`}`);
    },
  });
  if (verified === INTERRUPTED) return EXIT_INTERRUPTED;
  const { report, unfinished } = verified;
  io.out(opts.json ? JSON.stringify({ ...verifyJson(report), ...unfinished?.json }) : verifyText(report));
  if (unfinished && !opts.json) io.out(unfinished.text);
  return report.ok ? EXIT_OK : EXIT_NOT_FOUND;
};

/** `timed`: the format's sequence is the writer's clock (Riak's tstamp), shown as time=… in UTC, as history shows it. */
function recordLine(file: string, r: DecodedRecord, timed: boolean, damaged: DamagedKey | undefined): string {
  const key = damaged ? printableKey(damaged.key) : r.key ? printableKey(r.key) : '';
  const seq = r.sequence === undefined ? (timed ? 'time=-' : 'seq=-') : timed ? `time=${timestampText(r.sequence)}` : `seq=${r.sequence}`;
  const value = r.valueLength !== undefined ? String(r.valueLength) : '-';
  // The key as list and records show it (printableKey escapes tabs and newlines): quoting it as JSON as well
  // escaped it twice (key="back\\\\slash" for back\\slash).
  // A damaged record's key says how sure it is, after the problem: "key (unverified, the record fails its checksum)".
  const keyFrom = damaged ? `\t${damagedKeyLabel(damaged.from, damagedHowOfRow(r))}` : '';
  return `${file}@${r.offset}\t${r.length}\t${r.kind}\t${r.status}\t${seq}\tkey=${key}\tvalue=${value}${r.problem ? `\t${r.problem}` : ''}${keyFrom}${r.label ? `\t${r.label}` : ''}`;
}

const dump: Command = async (args, opts, io) => {
  if (args.length > 0) throw new UsageError('dump takes no arguments (use --segment N)');
  await withStore(opts, async (o) => {
    const format: FormatDescription = getFormat(o.detection.format) ?? nativeFormat;
    const files = format.listFiles(o.detection.root).filter(hasRecords);
    const chosen = opts.segment === undefined ? files.filter((f) => f.role === 'data') : files.filter((f) => f.name === opts.segment || String(f.id) === opts.segment);
    if (chosen.length === 0) throw new UsageError(`no file matches --segment ${opts.segment}; files: ${files.map((f) => f.name).join(', ')}`);
    // The seconds are kept in --json (with sequenceIsTimestamp and the ISO time beside them); the text says the time.
    const timed = format.sequenceIsTimestamp === true;
    if (timed && !opts.json) io.err(`kvscope: note: ${SEQUENCE_IS_TIMESTAMP_NOTE}`);
    for (const file of chosen) {
      for await (const r of decodedRecordsOf(format, o.detection.root, file)) {
        const damaged = damagedKeyIn(o.store, file.name, r);
        if (opts.json) {
          const { unverifiedKey: _, ...record } = recordAsObject(r);
          const key = damaged ? { key: bytesToJson(damaged.key), keyFrom: damaged.from } : { key: r.key ? bytesToJson(r.key) : undefined };
          io.out(JSON.stringify({ file: file.name, ...record, ...timestampFields(r.sequence, timed), ...key }));
        } else io.out(recordLine(file.name, r, timed, damaged));
      }
    }
  }, io);
  return EXIT_OK;
};

const importCmd: Command = async (args, opts, io) => {
  const code = await interruptibly(opts, io, {
    run: (w) => importing(args, opts, io, w),
    // Interrupted while a store was being opened: nothing was written.
    interrupted: () => {
      if (opts.json) io.out(JSON.stringify({ imported: 0, ...(opts.from === undefined ? { throughLine: 0 } : {}), interrupted: true }));
      io.err('kvscope: interrupted: nothing was imported');
    },
  });
  return code === INTERRUPTED ? EXIT_INTERRUPTED : code;
};

/**
 * An import that Ctrl-C stopped: it stops between batches, so what went in
 * is the whole batches written before it (each atomic, and durable once the
 * store is closed, which the caller has done), in the order they were read.
 */
function sayInterruptedImport(io: Io, opts: CliOptions, json: Record<string, unknown>, text: string): number {
  if (opts.json) io.out(JSON.stringify({ ...json, interrupted: true }));
  io.err(`kvscope: interrupted: ${text}`);
  return EXIT_INTERRUPTED;
}

/**
 * What an import whose close could not sync its last segment under --fsync
 * never (ImportBatches.notSynced) says after "N … were written": the close's
 * error, what is on disk (the batches in segments sealed before, synced
 * then) and what may not be. Undefined when everything written is on disk.
 */
function notSyncedText(batches: ImportBatches, unit: 'lines' | 'keys'): { text: string; json: Record<string, unknown> } | undefined {
  const n = batches.notSynced();
  if (n === undefined) return undefined;
  const { synced } = n;
  const rest = batches.written - synced.written;
  const known =
    synced.written === 0
      ? `none of them is known to be on disk (${n.file} held them all, and nothing had synced it)`
      : unit === 'lines'
        ? `lines 1–${formatCount(synced.through)} are on disk (synced when their segments were sealed), lines ${formatCount(synced.through + 1)}–${formatCount(batches.writtenThrough)} (in ${n.file}) may not be`
        : `the first ${formatCount(synced.written)} (through ${printableKey(toBytes(synced.lastKey!))}) are on disk (synced when their segments were sealed), the other ${formatCount(rest)} (in ${n.file}) may not be`;
  return {
    text: `but closing the store failed (${n.cause.message}): under --fsync never, ${known}`,
    json: { closeFailed: n.cause.message, synced: synced.written, ...(unit === 'lines' ? { syncedThroughLine: synced.through } : {}) },
  };
}

/** Lines between two looks at the progress line's clock. */
const PROGRESS_EVERY_LINES = 1024;

async function importing(args: string[], opts: CliOptions, io: Io, { work, status }: Interruptible): Promise<number> {
  const { signal } = work;
  if (opts.from !== undefined) {
    if (args.length > 0) throw new UsageError('import --from DIR takes no FILE');
    // It writes into --dir (a writer's lock, new segments): --read-only refuses it before anything is opened.
    if (opts.readOnly) throw new ReadOnlyError(`import into ${opts.dir}`);
    assertSeparateDirectories(opts.from, opts.dir, 'import --from');
    if (opts.noHints) refuseNoHints(opts.from, opts.format, false);
    const source = await openStore(opts.from, { ...workOptions(work), format: opts.format, readOnly: true, ...(opts.noHints ? { replayData: true } : {}) });
    sayOpenNotes(source, io);
    let count = 0;
    let keys = 0;
    let batches: ImportBatches | undefined;
    // A key whose record cannot be read is left out, named, and counted (as export does); the rest is imported.
    const leftOut = new LeftOut(io);
    try {
      // The target is a kvscope store, new or existing: never another engine's directory (detected, not written into).
      const opened = await openStore(opts.dir, { ...workOptions(work), create: true, fsync: opts.fsync ?? 'batch', ...(opts.segmentSize ? { segmentSize: opts.segmentSize } : {}) });
      let target: Store;
      try {
        target = nativeOrRefuse(opened, 'import');
      } catch (err) {
        await opened.store.close();
        throw err;
      }
      try {
        batches = new ImportBatches(target);
        ({ copied: count, keys } = await copyLiveKeys(source, batches, {
          signal,
          onUnreadable: leftOut.add,
          onProgress: (copied, total) => status?.update(progressText('import', copied, total, 'keys')),
        }));
        // Interrupted: the batch gathered is not written (the keys before it are, in key order).
        if (!signal.aborted) await batches.flush();
      } finally {
        await target.close();
      }
    } finally {
      await source.store.close();
    }
    // The store is closed: what was written is durable, unless the close could not sync it (--fsync never).
    const notSynced = batches && notSyncedText(batches, 'keys');
    if (signal.aborted) {
      const written = batches?.written ?? 0;
      const last = batches?.lastKeyWritten;
      const through = (): string => `in key order, through ${printableKey(toBytes(last!))}`;
      return sayInterruptedImport(
        io,
        opts,
        { imported: written, from: source.detection.format, ...notSynced?.json },
        written === 0
          ? 'nothing was imported'
          : notSynced
            ? `${formatCount(written)} of the source's ${formatCount(keys)} keys were written (${through()}), ${notSynced.text}; the rest were not imported`
            : `${formatCount(written)} of the source's ${formatCount(keys)} keys were imported (${through()}); the rest were not`,
      );
    }
    if (notSynced) throw new StoreError('IO', `${formatCount(batches!.written)} keys were written from ${source.detection.format} directory ${opts.from}, ${notSynced.text}`);
    io.out(opts.json ? JSON.stringify({ imported: count, from: source.detection.format, ...(leftOut.count > 0 ? { leftOut: leftOut.count } : {}) }) : `Imported ${count} keys from ${source.detection.format} directory ${opts.from}`);
    return finishAfterDamage(source, io, leftOut.finish());
  }
  const file = one(args, 'import', 'FILE ("-" for standard input), or --from DIR');
  if (opts.noHints) throw new UsageError('import takes --no-hints only with --from DIR (the store it reads): a FILE has no hints');
  // Two passes over the lines, so that a bad line imports nothing and no file is held in memory (holding
  // every parsed line took 0.6 GB at a million lines): the first checks every line, the second parses them
  // again and writes them IMPORT_BATCH at a time. Standard input is read once: the first pass keeps a copy
  // of it in a temporary file for the second. So is any FILE that is not a regular file, which a second read
  // would find empty or wait on (/dev/stdin, a FIFO, bash's <(…)): before, such an import failed, "changed
  // while it was imported".
  // /dev/stdin is read as "-" is: opened by its name, a socket (what a Node or Python parent may give as
  // standard input) cannot be (ENXIO).
  const fromStdin = file === '-' || STDIN_PATHS.includes(file);
  const spoolDir = fromStdin || !isRegularFile(file) ? mkdtempSync(join(tmpdir(), 'kvscope-import-')) : undefined;
  try {
    const source = spoolDir === undefined ? file : join(spoolDir, 'stdin.jsonl');
    const spool = spoolDir === undefined ? undefined : new LineSpool(source);
    let checked: Awaited<ReturnType<typeof checkImportLines>>;
    try {
      checked = await checkImportLines(readLines(fromStdin ? io.stdin : createReadStream(file), signal), {
        onLine: (n, line) => {
          spool?.add(line);
          if (n % PROGRESS_EVERY_LINES === 0) status?.update(progressText('import (checking)', n, undefined, 'lines'));
        },
      });
    } finally {
      spool?.close();
    }
    const { lines: n, records: count, bad } = checked;
    if (bad) {
      io.err(`kvscope: ${file}:${bad.line}: ${bad.message}; nothing was imported`);
      return EXIT_USAGE;
    }
    if (signal.aborted) return sayInterruptedImport(io, opts, { imported: 0, throughLine: 0 }, `nothing was imported (stopped while checking the lines, at line ${formatCount(n)})`);
    let imported = 0;
    let through = 0;
    // Set in the callback (declared `let written: ImportBatches | undefined`, it would stay narrowed to undefined after it).
    let written = undefined as ImportBatches | undefined;
    await withWriter(opts, io, async (o) => {
      const batches = new ImportBatches(nativeOrRefuse(o, 'import'));
      written = batches;
      await writeImportLines(readLines(createReadStream(source), signal), batches, {
        file,
        signal,
        onLine: (at) => {
          if (at % PROGRESS_EVERY_LINES === 0) status?.update(progressText('import', at, n, 'lines'));
        },
      });
      imported = batches.written;
      through = batches.writtenThrough;
    }, work, { saysCloseFailure: true });
    // The store is closed: what was written is durable, unless the close could not sync it (--fsync never).
    const notSynced = written && notSyncedText(written, 'lines');
    if (signal.aborted) {
      const input = file === '-' ? "the input's" : "the file's";
      const lines = `lines 1–${formatCount(through)}${file === '-' ? '' : ` of ${file}`}`;
      return sayInterruptedImport(
        io,
        opts,
        { imported, throughLine: through, ...notSynced?.json },
        imported === 0
          ? 'nothing was imported'
          : notSynced
            ? `${formatCount(imported)} of ${input} ${formatCount(count)} lines were written (${lines}), ${notSynced.text}; the rest were not imported`
            : `${formatCount(imported)} of ${input} ${formatCount(count)} lines were imported (${lines}); the rest were not`,
      );
    }
    if (notSynced) throw new StoreError('IO', `${formatCount(imported)} lines were written, ${notSynced.text}`);
    if (imported !== count) throw new StoreError('IO', `${file} changed while it was imported: ${count} lines checked, ${imported} imported`);
    io.out(opts.json ? JSON.stringify({ imported }) : `Imported ${imported} lines`);
    return EXIT_OK;
  } finally {
    if (spoolDir !== undefined) rmSync(spoolDir, { recursive: true, force: true });
  }
}

/** The names of standard input, read as "-" is. */
const STDIN_PATHS = ['/dev/stdin', '/dev/fd/0', '/proc/self/fd/0'];

/** Whether `path` is a regular file (one a second read finds as the first did); true when it cannot be looked at, for the read to say why. */
function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return true;
  }
}

/** Lines written to a new file, gathered into 1 MiB writes (the copy of standard input, or of a FIFO, an import reads twice). */
class LineSpool {
  private readonly fd: number;
  private gathered = '';
  constructor(path: string) {
    this.fd = openSync(path, 'wx', 0o600);
  }
  add(line: string): void {
    this.gathered += `${line}\n`;
    if (this.gathered.length >= 1024 * 1024) this.write();
  }
  close(): void {
    try {
      this.write();
    } finally {
      closeSync(this.fd);
    }
  }
  private write(): void {
    if (this.gathered === '') return;
    writeFileSync(this.fd, this.gathered, 'utf8');
    this.gathered = '';
  }
}

const exportCmd: Command = async (args, opts, io) => {
  if (args.length > 0) throw new UsageError('export takes no arguments');
  return withStore(opts, (o) => forEachEntry(o, prefixArg(opts), undefined, io, (key, value) => io.out(exportLine(key, value))), io);
};

const demo: Command = async (args, opts, io) => {
  const dir = args[0];
  if (!dir || args.length > 1) throw new UsageError('demo takes a DIR');
  // It creates a store: refused as every writer is under --read-only (exit 3), before anything is created.
  if (opts.readOnly) throw new ReadOnlyError(`create a demo store in ${dir}`);
  if (nativeFormat.detect(dir) !== null) {
    if (opts.json) io.out(JSON.stringify({ dir, created: false }));
    io.err(`${dir} already holds a store; left as it is`);
    return EXIT_OK;
  }
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new StoreError('NOT_EMPTY', `${dir} is not empty and holds no kvscope store; name a new or empty directory for the demo`);
  }
  const summary = await makeDemoStore(dir);
  if (opts.json) io.out(JSON.stringify({ dir, created: true, keys: summary.keys, segments: summary.segments }));
  io.err(`Demo store in ${summary.dir}: ${summary.keys} keys in ${summary.segments} segments`);
  return EXIT_OK;
};

const formats: Command = async (_args, opts, io) => {
  const all = [nativeFormat, ...listFormats().filter((f) => f.id !== nativeFormat.id)];
  if (opts.json) io.out(JSON.stringify(all.map((f) => ({ id: f.id, title: f.title, writable: f.writable, summary: f.summary }))));
  else for (const f of all) io.out(`${f.id.padEnd(26)} ${f.title}${f.writable ? '' : ' (read-only)'}`);
  return EXIT_OK;
};

export const COMMANDS: Record<string, Command> = {
  set,
  get,
  delete: del,
  list,
  scan,
  history,
  stats,
  compact,
  verify,
  dump,
  import: importCmd,
  export: exportCmd,
  demo,
  formats,
};
