/**
 * `kvscope du`: where a store's space goes, as du and ncdu say it for a disk. The live keys under --prefix are
 * grouped at --depth levels of --delimiter, one line per branch (its live records' bytes, its key count, its
 * prefix), largest first; --top N lists the N largest live values instead. A record's bytes are as its format
 * counts them (header, key and value), so the branches add up to the live bytes `stats` gives. Read-only: it
 * opens the store as `list` does.
 *
 * --dead: the dead bytes instead (overwritten puts and tombstones, engine/dead-space.ts), which takes reading
 * every record of a kvscope store: progress on a terminal and Ctrl-C as verify has them.
 */
import type { OpenedStore } from '../engine/open.js';
import { keyFromString, printableKey } from '../engine/keys.js';
import { bytesToJson } from '../engine/jsonl.js';
import { prefixRange, StringKeyList, type KeyList } from '../engine/key-list.js';
import { largestN } from '../engine/key-sort.js';
import { branchEnd } from '../engine/dead-space.js';
import { UsageError, type CliOptions } from './args.js';
import { EXIT_INTERRUPTED, EXIT_OK, howFar, INTERRUPTED, interruptibly, keyArg, withStore, workOptions, type Io } from './commands.js';
import { formatBytes, formatCount } from './units.js';

/** The live keys in order with each one's record bytes: the store's sorted KeyList, or its strings and locate. */
function sizedKeys(opened: OpenedStore): { list: KeyList; bytesAt: (i: number) => number } {
  const { store } = opened;
  const list: KeyList = store.sortedKeyList?.() ?? new StringKeyList(store.sortedKeys());
  const bytesAt = list.recordBytesAt?.bind(list) ?? ((i: number) => store.locate(Buffer.from(list.keyAt(i), 'latin1'))?.length ?? 0);
  return { list, bytesAt };
}

interface Branch {
  /** Key string of the branch (ending with the delimiter), or of a key with fewer levels than --depth. */
  prefix: string;
  kind: 'branch' | 'key';
  keys: number;
  bytes: number;
}

export async function du(args: string[], opts: CliOptions, io: Io): Promise<number> {
  if (args.length > 0) throw new UsageError('du takes no arguments (use --prefix P)');
  if (opts.top !== undefined && (opts.depth !== undefined || opts.delimiter !== undefined)) {
    throw new UsageError('du --top lists the largest values, not branches: --depth and --delimiter go without it');
  }
  const delimiter = opts.delimiter ?? ':';
  if (delimiter !== ':' && delimiter !== '/') throw new UsageError(`--delimiter must be : or /, not "${delimiter}"`);
  const depth = opts.depth ?? 1;
  const given = opts.prefix === undefined ? undefined : keyArg(opts, opts.prefix, '--prefix');
  const prefix = given === undefined ? '' : Buffer.from(given).toString('latin1');
  const size = (n: number): string => (opts.bytes ? String(n) : formatBytes(n));
  const shownKey = (key: string): string => printableKey(keyFromString(key));
  if (opts.dead) return deadDu(opts, io, { prefix, delimiter, depth, size, shownKey });

  return withStore(
    opts,
    async (opened) => {
      const { list, bytesAt } = sizedKeys(opened);
      const [lo, hi] = prefixRange(list, prefix);
      if (opts.top !== undefined) {
        const sizes = new Float64Array(hi - lo);
        for (let i = lo; i < hi; i++) sizes[i - lo] = bytesAt(i);
        const values = largestN(sizes, opts.top).map(({ position, bytes }) => {
          const key = list.keyAt(lo + position);
          const where = opened.store.locate(keyFromString(key))!;
          return { key, bytes, file: where.file, offset: where.offset };
        });
        if (opts.json) {
          const json = values.map((v) => ({ key: bytesToJson(keyFromString(v.key)), bytes: v.bytes, file: v.file, offset: v.offset }));
          io.out(JSON.stringify({ prefix: bytesToJson(keyFromString(prefix)), keys: hi - lo, values: json }));
        } else {
          const width = Math.max(0, ...values.map((v) => size(v.bytes).length));
          for (const v of values) io.out(`${size(v.bytes).padStart(width)}  ${shownKey(v.key)}  (${v.file} at ${v.offset})`);
        }
        return EXIT_OK;
      }
      const branches: Branch[] = [];
      let total = 0;
      for (let i = lo; i < hi; ) {
        const key = list.keyAt(i);
        const end = branchEnd(key, prefix.length, delimiter, depth);
        if (end === -1) {
          const bytes = bytesAt(i);
          branches.push({ prefix: key, kind: 'key', keys: 1, bytes });
          total += bytes;
          i++;
          continue;
        }
        const branch = key.slice(0, end);
        const [, after] = prefixRange(list, branch, i, hi);
        let bytes = 0;
        for (let j = i; j < after; j++) bytes += bytesAt(j);
        branches.push({ prefix: branch, kind: 'branch', keys: after - i, bytes });
        total += bytes;
        i = after;
      }
      // Largest first; equal sizes in key order (the order they were found in).
      const order = branches.map((b, at) => ({ b, at })).sort((x, y) => y.b.bytes - x.b.bytes || x.at - y.at);
      if (opts.json) {
        const json = order.map(({ b }) => ({ prefix: bytesToJson(keyFromString(b.prefix)), kind: b.kind, keys: b.keys, bytes: b.bytes }));
        io.out(JSON.stringify({ prefix: bytesToJson(keyFromString(prefix)), delimiter, depth, keys: hi - lo, bytes: total, branches: json }));
        return EXIT_OK;
      }
      const sizes = order.map(({ b }) => size(b.bytes));
      const counts = order.map(({ b }) => formatCount(b.keys));
      const sizeWidth = Math.max(0, ...sizes.map((s) => s.length));
      const countWidth = Math.max(0, ...counts.map((s) => s.length));
      order.forEach(({ b }, k) => io.out(`${sizes[k]!.padStart(sizeWidth)}  ${counts[k]!.padStart(countWidth)}  ${shownKey(b.prefix)}`));
      return EXIT_OK;
    },
    io,
  );
}

interface DeadDuOptions {
  prefix: string;
  delimiter: string;
  depth: number;
  size: (n: number) => string;
  shownKey: (key: string) => string;
}

/** `du --dead`: the dead bytes by branch, or the keys with the most (--top). */
async function deadDu(opts: CliOptions, io: Io, { prefix, delimiter, depth, size, shownKey }: DeadDuOptions): Promise<number> {
  const dead = await interruptibly(opts, io, {
    phase: 'dead space',
    run: ({ work }) => withStore(opts, (o) => o.store.deadSpace(workOptions(work)), io, work),
    interrupted: (read) => {
      if (opts.json) io.out(JSON.stringify({ interrupted: true, ...(read === undefined ? { while: 'opening' } : { while: 'reading', readBytes: read.done, totalBytes: read.total }) }));
      // Begun at its first progress: stopped as the open ends, it was still opening the store.
      io.err(`kvscope: du --dead interrupted ${howFar(read) ?? 'while opening the store'}; no report`);
    },
  });
  if (dead === INTERRUPTED) return EXIT_INTERRUPTED;
  const t = dead.totals;
  const apart = { damagedBytes: t.damagedBytes, unreadBytes: t.unreadBytes };
  if (opts.top !== undefined) {
    const keys = dead.top(opts.top, prefix);
    if (opts.json) {
      const json = keys.map((k) => ({ key: bytesToJson(keyFromString(k.key)), deadBytes: k.deadBytes, overwritten: k.overwritten, tombstones: k.tombstones, live: k.live, versions: k.versions }));
      io.out(JSON.stringify({ prefix: bytesToJson(keyFromString(prefix)), ...apart, keys: json }));
      return EXIT_OK;
    }
    const sizes = keys.map((k) => size(k.deadBytes));
    const width = Math.max(0, ...sizes.map((s) => s.length));
    keys.forEach((k, i) => {
      const what = [`${formatCount(k.versions)} version${k.versions === 1 ? '' : 's'}`, `${formatCount(k.overwritten)} overwritten`, `${formatCount(k.tombstones)} deleted`, k.live ? 'live' : 'deleted now'];
      io.out(`${sizes[i]!.padStart(width)}  ${shownKey(k.key)}  (${what.join(', ')})`);
    });
    if (keys.length === 0) io.out('No dead records' + (prefix === '' ? '' : ` under ${shownKey(prefix)}`));
    sayApart(io, apart, size);
    return EXIT_OK;
  }
  const grouped = dead.branches(prefix, delimiter, depth);
  if (opts.json) {
    const json = grouped.branches.map((b) => ({ prefix: bytesToJson(keyFromString(b.prefix)), kind: b.kind, keys: b.keys, deadBytes: b.deadBytes, deadRecords: b.deadRecords }));
    io.out(JSON.stringify({ prefix: bytesToJson(keyFromString(prefix)), delimiter, depth, keys: grouped.keys, deadBytes: grouped.deadBytes, deadRecords: grouped.deadRecords, ...apart, branches: json }));
    return EXIT_OK;
  }
  const sizes = grouped.branches.map((b) => size(b.deadBytes));
  const records = grouped.branches.map((b) => formatCount(b.deadRecords));
  const sizeWidth = Math.max(0, ...sizes.map((s) => s.length));
  const recordWidth = Math.max(0, ...records.map((s) => s.length));
  grouped.branches.forEach((b, k) => io.out(`${sizes[k]!.padStart(sizeWidth)}  ${records[k]!.padStart(recordWidth)}  ${shownKey(b.prefix)}`));
  if (grouped.branches.length === 0) io.out('No dead records' + (prefix === '' ? '' : ` under ${shownKey(prefix)}`));
  sayApart(io, apart, size);
  return EXIT_OK;
}

/** Damaged and unread bytes are nobody's dead bytes: said on stderr, after the lines. */
function sayApart(io: Io, apart: { damagedBytes: number; unreadBytes: number }, size: (n: number) => string): void {
  if (apart.damagedBytes > 0) io.err(`kvscope: ${size(apart.damagedBytes)} of damaged records not counted (kvscope verify shows them)`);
  if (apart.unreadBytes > 0) io.err(`kvscope: ${size(apart.unreadBytes)} of records the format's program never reads (after damage) not counted`);
}
