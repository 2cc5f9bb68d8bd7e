/**
 * Record-level commands: segments, records, repair, crash-lab, follow. Same
 * conventions as commands.ts: data on stdout (--json for machines), messages
 * on stderr, exit codes 0/1/2/3. They work on foreign formats (--format or
 * detected) wherever that makes sense; follow needs a kvscope store.
 */
import { damagedHowOfRow, damagedKeyLabel } from '../shared/damaged-key.js';
import { SEQUENCE_IS_TIMESTAMP_NOTE, sequenceRangeText, timestampFields, timestampText } from '../shared/sequence-text.js';
import { realFs } from '../engine/fs.js';
import { nativeFormat } from '../engine/formats/native.js';
import { unfinishedCompactionInputs } from '../engine/compaction.js';
import { dataFileName } from '../engine/native/files.js';
import { filePath } from '../engine/formats/fs-probe.js';
import { existsSync } from 'node:fs';
import { detectAll, getFormat } from '../engine/formats/registry.js';
import { addToSummary, damagedKeyIn, emptySummary, hasRecords, type DecodedRecord, type FileSummary, type FormatDescription, type FormatFile } from '../engine/formats/format.js';
import { figuresWithDamage, summarizeNativeFile } from '../engine/formats/native-summary.js';
import { decodedRecordsOf, ForeignStore } from '../engine/foreign-store.js';
import { printableKey } from '../engine/keys.js';
import { repairStore } from '../engine/repair.js';
import { runCrashLab, type Damage } from '../engine/crash-lab.js';
import { followStore } from '../engine/follow.js';
import { IoError, isFileGone, StoreError } from '../engine/errors.js';
import { startingOverWhileFilesGo } from '../engine/start-over.js';
import type { BrowsableStore } from '../engine/types.js';
import type { DamageFound } from '../engine/store.js';
import { UsageError, type CliOptions } from './args.js';
import { EXIT_OK, nothingToCompactText, withStore, sayOpenNotes, uncommittedCompaction, type Io } from './commands.js';
import { formatBytes, formatCount } from './units.js';
import { bytesToJson } from '../engine/jsonl.js';

type Command = (args: string[], opts: CliOptions, io: Io) => Promise<number>;

function noArgs(args: string[], name: string): void {
  if (args.length > 0) throw new UsageError(`${name} takes no arguments`);
}

function formatOf(id: string): FormatDescription {
  return getFormat(id) ?? nativeFormat;
}

type RowStatus = 'live' | 'shadowed' | 'tombstone' | 'corrupt' | 'torn' | 'unread' | 'ignored' | 'meta';

function statusOf(store: BrowsableStore, file: string, r: DecodedRecord): RowStatus {
  if (r.status === 'corrupt' || r.status === 'torn') return r.status;
  // A line the program reads and skips on replay (text-lines' ignoredLine): written whole, no record.
  if (r.kind === 'garbage') return 'ignored';
  // A sound record after damage at which the engine stops reading its file: never read by it.
  if ((r.kind === 'put' || r.kind === 'delete') && r.offset >= (store.unreadFrom?.(file) ?? Infinity)) return 'unread';
  if (r.kind === 'delete') return 'tombstone';
  if (r.kind === 'put' && r.key) {
    const loc = store.locate(r.key);
    return loc && loc.file === file && loc.offset === r.offset ? 'live' : 'shadowed';
  }
  return 'meta';
}

/**
 * A file's record count and sequence range: a native file's without
 * decoding each record (native-summary.ts), a foreign data file's as the
 * store's replay counted it.
 */
async function summaryOf(format: FormatDescription, root: string, file: FormatFile, store: BrowsableStore): Promise<FileSummary> {
  const replayed = store instanceof ForeignStore ? store.dataFileSummary(file) : undefined;
  if (replayed) return replayed;
  if (format.id === nativeFormat.id) {
    try {
      const summary = summarizeNativeFile(realFs, filePath(root, file.name), file);
      if (summary) return summary;
    } catch {
      // Unreadable as a whole: the decoders say what they can of it, below.
    }
  }
  const summary = emptySummary();
  // A data file the open took from its hint: what reading it finds damaged is counted here (ForeignStore.figuresWithDamage).
  const damaged = store instanceof ForeignStore && store.figuresFromIndex(file.name) ? (summary.damaged = [] as Array<{ offset: number; length: number }>) : undefined;
  for await (const r of decodedRecordsOf(format, root, file)) {
    addToSummary(summary, r);
    if (damaged && r.status !== 'valid') damaged.push({ offset: r.offset, length: r.length });
  }
  return summary;
}

function hex32(n: number | undefined): string {
  return n === undefined ? '-' : (n >>> 0).toString(16).padStart(8, '0');
}

const segments: Command = async (args, opts, io) => {
  noArgs(args, 'segments');
  // A file gone while they are read (a writer compacting): start over. Nothing is printed before every file is read.
  return startingOverWhileFilesGo(() => segmentsOnce(opts, io));
};

async function segmentsOnce(opts: CliOptions, io: Io): Promise<number> {
  await withStore(opts, async (o) => {
    const format = formatOf(o.detection.format);
    const stats = new Map(o.store.stats().perSegment.map((s) => [s.file, s]));
    const rows = [];
    // What reading the data files found damaged: the compaction plan says it would stop there (compaction does).
    const damageFound: DamageFound[] = [];
    for (const file of format.listFiles(o.detection.root).filter(hasRecords)) {
      // A file that cannot be read (a link to nothing, a directory, permission denied) is a row that says so, as the
      // open's note does, not the command's failure; one a compaction removed meanwhile still starts it over.
      let unreadable = file.unreadable;
      let summary = emptySummary();
      if (unreadable === undefined) {
        try {
          summary = await summaryOf(format, o.detection.root, file, o.store);
        } catch (err) {
          if (!(err instanceof IoError) || isFileGone(err)) throw err;
          unreadable = err.cause instanceof Error ? err.cause.message : err.message;
        }
      }
      const { records, oldestSequence: oldest, newestSequence: newest, damaged } = summary;
      if (file.role === 'data') for (const d of damaged ?? []) damageFound.push({ file: file.name, offset: d.offset, length: d.length });
      const s = stats.get(file.name);
      // What reading the file found damaged, where the open (from hints or the image) counted those records live.
      const native = o.native;
      const foreign = o.store instanceof ForeignStore && o.store.figuresFromIndex(file.name) ? o.store.figuresWithDamage(file.name, (damaged ?? []).map((d) => [d.offset, d.offset + d.length] as const)) : undefined;
      const figures = foreign ?? (s ? figuresWithDamage(s, damaged, native ? (ranges) => native.liveBytesWithin(file.name, ranges) : undefined) : undefined);
      rows.push({
        file: file.name,
        role: file.role,
        bytes: file.size,
        records,
        liveBytes: figures?.liveBytes ?? null,
        staleBytes: figures?.staleBytes ?? null,
        tombstoneBytes: foreign?.tombstoneBytes ?? s?.tombstoneBytes ?? null,
        corruptBytes: figures?.corruptBytes ?? null,
        // Sound records after damage the format's program stops reading the file at: not stale, not tombstones.
        unreadBytes: file.role === 'data' && s ? (foreign?.unreadBytes ?? s.unreadBytes ?? 0) : null,
        oldestSequence: oldest,
        newestSequence: newest,
        // The format's sequences are the writer's clock (Riak's tstamp): the range is a span of time.
        ...(format.sequenceIsTimestamp && oldest !== null ? { sequenceIsTimestamp: true as const } : {}),
        active: s?.active ?? false,
        ...(unreadable !== undefined ? { unreadable } : {}),
      });
    }
    // A committed compaction a crash interrupted: its outputs are listed (*.compacting), its inputs are not.
    const replaced = o.native ? unfinishedCompactionInputs(realFs, o.detection.root) : undefined;
    // One that has not reached its commit: its *.compacting files are not listed (nothing reads them).
    const uncommitted = o.native ? uncommittedCompaction(o.detection.root) : undefined;
    // What the open skipped, as every read command says it (the table counts damaged bytes, not whose keys they cost),
    // once every file is read: an attempt that starts over says nothing.
    sayOpenNotes(o, io);
    if (opts.json) {
      const unfinished = replaced ? { unfinishedCompaction: { replacedSegments: replaced.map((id) => dataFileName(id)) } } : {};
      io.out(JSON.stringify({ format: o.detection.format, files: rows, ...(o.native ? { compactionPlan: o.native.compactionPlan(damageFound) } : {}), ...unfinished, ...uncommitted?.json }));
      return;
    }
    // An 'unread' column only where some file has records its program never reads (after damage it stops at).
    const anyUnread = rows.some((r) => (r.unreadBytes ?? 0) > 0);
    io.out(`${'file'.padEnd(22)} ${'role'.padEnd(6)} ${'bytes'.padStart(10)} ${'records'.padStart(8)} ${'live'.padStart(10)} ${'stale'.padStart(10)} ${'tombst.'.padStart(10)} ${'corrupt'.padStart(10)}${anyUnread ? ` ${'unread'.padStart(10)}` : ''}  ${format.sequenceIsTimestamp ? 'written (UTC)' : 'sequences'}`);
    const n = (v: number | null) => (v === null ? '-' : String(v)).padStart(10);
    for (const r of rows) {
      io.out(
        `${r.file.padEnd(22)} ${r.role.padEnd(6)} ${String(r.bytes).padStart(10)} ${String(r.records).padStart(8)} ${n(r.liveBytes)} ${n(r.staleBytes)} ${n(r.tombstoneBytes)} ${n(r.corruptBytes)}${anyUnread ? ` ${n(r.unreadBytes)}` : ''}  ${r.oldestSequence === null ? '-' : sequenceRangeText(r.oldestSequence, r.newestSequence ?? r.oldestSequence, r.sequenceIsTimestamp, '..')}${r.active ? '  (active)' : ''}${r.unreadable !== undefined ? `  (cannot be read: ${r.unreadable})` : ''}`,
      );
    }
    if (anyUnread) io.out('unread: sound records after damage at which the program stops reading the file; it never read them, so they are neither stale nor tombstones to it');
    if (replaced) {
      io.out(`A compaction was interrupted after its commit (COMPACTION): its outputs (*.compacting) are read in place of ${replaced.map((id) => dataFileName(id)).join(', ')}, which the next writer deletes`);
    }
    if (uncommitted) io.out(uncommitted.text);
    if (o.native) {
      const plan = o.native.compactionPlan(damageFound);
      if (plan.stops) io.out(`Compaction would ${plan.stops.starts ? 'stop before its commit' : 'not start'}: ${plan.stops.reason} in ${plan.stops.file} at offset ${plan.stops.offset}; verify shows the damage; repair --to DIR writes a copy without it`);
      else if (plan.inputSegments.length === 0) io.out(`Compaction would do nothing: ${nothingToCompactText(plan.emptyActive)}`);
      else io.out(`Compaction would rewrite ${plan.inputSegments.length} segment(s), drop ${plan.recordsToDrop} record(s), reclaim ${formatBytes(plan.bytesToReclaim)} (${plan.bytesToReclaim} bytes)`);
    }
  }, undefined, { replayData: true }); // it reads every data file: read once, by the open (from hints it would be twice)
  return EXIT_OK;
}

const records: Command = async (args, opts, io) => {
  noArgs(args, 'records (use --segment FILE)');
  if (opts.segment === undefined) throw new UsageError('records needs --segment FILE');
  const limit = opts.limit ?? 100;
  const from = opts.offset ?? 0;
  await withStore(opts, async (o) => {
    const format = formatOf(o.detection.format);
    const files = format.listFiles(o.detection.root).filter(hasRecords);
    const file = files.find((f) => f.name === opts.segment) ?? files.find((f) => f.role === 'data' && String(f.id) === opts.segment);
    if (!file) throw new UsageError(`no file matches --segment ${opts.segment}; files: ${files.map((f) => f.name).join(', ')}`);
    if (from > 0 && from >= file.size) throw new UsageError(`--offset ${from} is past the end of ${file.name} (${file.size} bytes: offsets 0 to ${Math.max(0, file.size - 1)})`);
    let shown = 0;
    // A format whose sequence is the writer's clock (Riak's tstamp): a time column, in UTC, as history and the record table show it.
    const timed = format.sequenceIsTimestamp === true;
    const sequenceCell = (sequence: number | undefined): string =>
      timed ? (sequence === undefined ? '-' : timestampText(sequence).replace(/ UTC$/, '')).padEnd(19) : String(sequence ?? '-').padStart(12);
    if (!opts.json) {
      io.out(`${'offset'.padStart(10)} ${'length'.padStart(7)} ${'type'.padEnd(7)} ${timed ? 'time (UTC)'.padEnd(19) : 'sequence'.padStart(12)} ${'value'.padStart(8)} ${'stored'.padEnd(8)} ${'computed'.padEnd(8)} ${'status'.padEnd(9)} key`);
      // On stderr, as history's note: what the time is, and that the file stores it as seconds (--json keeps them).
      if (timed) io.err(`kvscope: note: ${SEQUENCE_IS_TIMESTAMP_NOTE}`);
    }
    for await (const r of decodedRecordsOf(format, o.detection.root, file)) {
      if (r.offset + r.length <= from) continue;
      if (shown++ >= limit) break;
      const status = statusOf(o.store, file.name, r);
      const damaged = damagedKeyIn(o.store, file.name, r);
      if (opts.json) {
        io.out(
          JSON.stringify({
            file: file.name,
            offset: r.offset,
            length: r.length,
            kind: r.kind,
            status,
            sequence: r.sequence ?? null,
            ...timestampFields(r.sequence, timed),
            key: damaged ? bytesToJson(damaged.key) : r.key ? bytesToJson(r.key) : null,
            ...(damaged ? { keyFrom: damaged.from } : {}),
            valueLength: r.valueLength ?? null,
            storedCrc: r.storedCrc ?? null,
            computedCrc: r.computedCrc ?? null,
            ...(r.problem ? { problem: r.problem } : {}),
            ...(r.label ? { label: r.label } : {}),
          }),
        );
      } else {
        // A damaged record's key, where one can be told, says how sure it is; then what is wrong.
        const key = damaged
          ? `${damagedKeyLabel(damaged.from, damagedHowOfRow(r))}: ${printableKey(damaged.key)}${r.problem ? `; ${r.problem}` : ''}`
          : r.key ? printableKey(r.key) : r.problem ?? (r.label ? `(${r.label})` : '');
        io.out(
          `${String(r.offset).padStart(10)} ${String(r.length).padStart(7)} ${r.kind.padEnd(7)} ${sequenceCell(r.sequence)} ${String(r.valueLength ?? '-').padStart(8)} ${hex32(r.storedCrc).padEnd(8)} ${hex32(r.computedCrc).padEnd(8)} ${status.padEnd(9)} ${key}`,
        );
      }
    }
  }, io);
  return EXIT_OK;
};

/** Keys listed on the line that counts them up to this many; more, one per line under it. */
const INLINE_KEYS = 8;

/**
 * The lines naming `count` keys of which `keys` are listed (a report lists 1,000 at most): after `head` on its
 * line when few, else one per line, indented, under it (892 lost keys were one line), and how many are not listed.
 */
function keyLines(head: string, count: number, keys: readonly string[]): string[] {
  const shown = keys.map((k) => printableKey(Buffer.from(k, 'latin1')));
  const unlisted = count - keys.length;
  const more = unlisted > 0 ? `… and ${formatCount(unlisted)} more, not listed (--json lists as many)` : undefined;
  if (keys.length <= INLINE_KEYS) return [`${head}${shown.length > 0 ? `: ${shown.join(' ')}` : ''}${more ? ` ${more}` : ''}`];
  return [`${head}:`, ...shown.map((k) => `  ${k}`), ...(more ? [`  ${more}`] : [])];
}

const repair: Command = async (args, opts, io) => {
  noArgs(args, 'repair (use --to DIR)');
  if (!opts.to) throw new UsageError('repair needs --to DIR (a new or empty directory)');
  const report = await repairStore(opts.dir, opts.to, opts.format !== undefined ? { format: opts.format } : {});
  if (opts.json) io.out(JSON.stringify({ ...report, lostKeys: report.lostKeys.map((k) => bytesToJson(Buffer.from(k, 'latin1'))) }));
  else {
    io.out(`Repaired copy written to ${report.target}: ${report.recordsWritten} record(s), ${report.keys} live key(s) (${report.method === 'replay' ? 'every committed record replayed in sequence order' : 'live keys imported'})`);
    io.out(`Lost: ${report.lostRegions.length} damaged region(s), ${report.lostBytes} bytes${report.lostRecords ? `, ${report.lostRecords} record(s) of unfinished batches` : ''}`);
    for (const r of report.lostRegions) io.out(`  ${r.file}@${r.offset}  ${r.length} bytes  ${r.reason}`);
    if (report.removedFiles.length > 0) io.out(`Removed: ${report.removedFiles.length} file(s) that never held a record, left out of the copy`);
    for (const r of report.removedFiles) io.out(`  ${r.file}  ${r.length} bytes  ${r.reason}`);
    // Said of any store (repair runs on sound ones too): not "the damaged store".
    for (const line of keyLines(`The source listed ${report.keysBefore} live key(s); the copy lacks ${report.lostKeyCount}`, report.lostKeyCount, report.lostKeys)) io.out(line);
    for (const n of report.notes) io.err(n);
  }
  return EXIT_OK;
};

function parseDamage(opts: CliOptions): Damage {
  if ((opts.tear === undefined) === (opts.flip === undefined)) throw new UsageError('crash-lab needs exactly one of --tear FILE:OFFSET or --flip FILE:OFFSET:MASK');
  const int = (text: string | undefined, what: string): number => {
    const n = text !== undefined && /^(0x[0-9a-f]+|\d+)$/i.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${what}: "${text}" is not a whole number`);
    return n;
  };
  if (opts.tear !== undefined) {
    const at = opts.tear.lastIndexOf(':');
    if (at <= 0) throw new UsageError('--tear takes FILE:OFFSET');
    return { kind: 'tear', file: opts.tear.slice(0, at), offset: int(opts.tear.slice(at + 1), '--tear offset') };
  }
  const parts = opts.flip!.split(':');
  if (parts.length < 3) throw new UsageError('--flip takes FILE:OFFSET:MASK (MASK in hex, e.g. ff or 0180)');
  const maskText = parts.pop()!.replace(/^0x/i, '');
  const offset = int(parts.pop(), '--flip offset');
  if (!/^([0-9a-f]{2})+$/i.test(maskText)) throw new UsageError(`--flip mask "${maskText}" must be whole bytes in hex, two digits each (e.g. ff or 0180)`);
  const mask = (maskText.match(/../g) ?? []).map((h) => parseInt(h, 16));
  if (mask.some((m) => m === 0)) throw new UsageError('--flip mask bytes must not be 00');
  return { kind: 'flip', file: parts.join(':'), offset, mask };
}

const crashLab: Command = async (args, opts, io) => {
  noArgs(args, 'crash-lab');
  if (!opts.to) throw new UsageError('crash-lab needs --to DIR (a new or empty directory for the copy)');
  const damage = parseDamage(opts);
  const report = await runCrashLab(opts.dir, { to: opts.to, damage, ...(opts.format !== undefined ? { format: opts.format } : {}) });
  if (opts.json) {
    io.out(JSON.stringify({ ...report, lost: report.lost.map((k) => bytesToJson(Buffer.from(k, 'latin1'))), appeared: report.appeared.map((k) => bytesToJson(Buffer.from(k, 'latin1'))) }));
  } else {
    io.out(`Damaged copy: ${report.copyDir}`);
    io.out(`Keys before: ${report.keysBefore}, after recovery: ${report.keysAfter}`);
    const lists: [string, number, string[]][] = [
      ['Lost', report.lostCount, report.lost],
      ['Changed', report.changedCount, report.changed.map((c) => c.key)],
      ['Came back or appeared', report.appearedCount, report.appeared],
    ];
    for (const [what, count, keys] of lists) for (const line of keyLines(`${what} (${count})`, count, keys)) io.out(line);
    for (const r of report.recovery) io.out(`recovery: ${r}`);
    for (const p of report.problems) io.out(`verify: ${p.kind} ${p.file}@${p.offset} ${p.message}`);
  }
  return EXIT_OK;
};

const follow: Command = async (args, opts, io) => {
  noArgs(args, 'follow');
  if (opts.format !== undefined && opts.format !== nativeFormat.id) {
    throw new StoreError('NOT_SUPPORTED', `follow reads kvscope segments; ${opts.format} directories cannot be followed`);
  }
  if (nativeFormat.detect(opts.dir) === null) {
    // Another engine's directory is named as such: follow reads kvscope segments only (their records' sequence
    // numbers and segment headers are what it follows by).
    const other = existsSync(opts.dir) ? detectAll(opts.dir)[0] : undefined;
    throw new StoreError(
      'NOT_A_STORE',
      other
        ? `${opts.dir}: a ${other.format} directory; follow reads kvscope stores only (the other commands read it: list, get, history, records, verify)`
        : `${opts.dir}: no kvscope segments to follow`,
    );
  }
  const follower = await followStore(opts.dir, {
    onChanges: (changes) => {
      for (const c of changes) {
        if (opts.json) io.out(JSON.stringify({ kind: c.kind, key: bytesToJson(Buffer.from(c.key, 'latin1')), sequence: c.sequence, file: c.file, offset: c.offset, valueLength: c.valueLength }));
        else io.out(`${c.kind === 'put' ? 'put   ' : 'delete'} ${printableKey(Buffer.from(c.key, 'latin1'))}  seq ${c.sequence}  ${c.file}@${c.offset}${c.kind === 'put' ? `  ${c.valueLength} bytes` : ''}`);
      }
    },
    // Files that came and went with no key changed (a compaction, a rotation): a message, not a change.
    onFilesChanged: ({ added, removed }) => {
      const parts = [...(added.length ? [`added ${added.join(', ')}`] : []), ...(removed.length ? [`removed ${removed.join(', ')}`] : [])];
      io.err(`kvscope: files changed, no key did: ${parts.join('; ')}`);
    },
    onError: (err) => io.err(`kvscope: ${err.message}`),
  });
  const pid = follower.lockHolder();
  io.err(`Following ${opts.dir} (${follower.keyCount()} keys; ${pid !== undefined ? `writer pid ${pid}` : 'no writer holds the lock'}). Ctrl-C stops.`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await follower.stop();
  return EXIT_OK;
};

export const DEBUG_COMMANDS: Record<string, Command> = {
  segments,
  records,
  repair,
  'crash-lab': crashLab,
  follow,
};

