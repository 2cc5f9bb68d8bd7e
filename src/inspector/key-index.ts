/**
 * Windowed access to a store's sorted keys: filtering (prefix, substring,
 * glob), windows of the filtered list and one level of a key tree. Stays fast
 * at millions of keys:
 * - the first window after opening is selected from the unsorted keys (the
 *   smallest N in one pass) instead of waiting for the full sort, which then
 *   runs in the background;
 * - the sorted list is a KeyList: a native store's keydir slots in key
 *   order, no string per key (a string is made for a key shown or tested);
 * - prefix filters are binary searches over it (no copy);
 * - substring filters search a few big strings holding every key
 *   (`indexOf` over them is ~10× faster than testing a million strings),
 *   glob filters test only the keys containing the pattern's longest
 *   literal, in place in those strings, in time linear in the key (glob.ts:
 *   a lazily built DFA, never a backtracking regex); a filter's result is the positions of its keys in the sorted
 *   list, cached until the store's key list changes.
 */
import type { Delimiter, KeyEntry, KeyFilter, TreeNode } from '../shared/contract.js';
import { Uint32List } from '../engine/arrays.js';
import type { KeyBatch, KeyList } from '../engine/key-list.js';
import { batchesInPositionOrder, lowerBound, prefixRange, StringKeyList } from '../engine/key-list.js';
import { largestN, SmallestN } from '../engine/key-sort.js';
import { GlobMatcher, globLiteral, parseKeyFilterGlob } from './glob.js';
import { LIMITS } from '../shared/contract.js';
import { describeKey, keyStringToHex, textToKeyString } from '../shared/keytext.js';

/** A sorted list of keys, possibly a [start, end) range of a larger sorted list. */
export interface KeyRange {
  readonly list: KeyList;
  readonly start: number;
  readonly end: number;
}

/** The keys of `base` at `positions` (ascending), in that order: a filter's result. */
export class PickedKeyList implements KeyList {
  constructor(
    readonly base: KeyList,
    readonly positions: Uint32Array,
  ) {}

  get length(): number {
    return this.positions.length;
  }
  keyAt(i: number): string {
    return this.base.keyAt(this.positions[i]!);
  }
  keyLengthAt(i: number): number {
    return this.base.keyLengthAt(this.positions[i]!);
  }
  copyKeyAt(i: number, into: Buffer, at: number): number {
    return this.base.copyKeyAt(this.positions[i]!, into, at);
  }
  compareAt(i: number, bytes: Uint8Array): number {
    return this.base.compareAt(this.positions[i]!, bytes);
  }
  isCurrent(): boolean {
    return this.base.isCurrent();
  }
  keyBatches(batchBytes: number): Generator<KeyBatch> {
    return batchesInPositionOrder(this, batchBytes);
  }
}

export function entryFor(key: string): KeyEntry {
  const { display, printable } = describeKey(key);
  return { key, display, hex: keyStringToHex(key), printable };
}

/** Where the keys come from: the store. */
export interface KeySource {
  /** All keys sorted bytewise (the store caches the array until its key set changes). */
  sortedKeys(): readonly string[];
  /** The same keys as a KeyList, without a string per key; optional (else sortedKeys). */
  sortedKeyList?(): KeyList;
  /** sortedKeyList computed in steps, awaiting `pause` between them; optional. */
  sortedKeyListInSteps?(pause: () => Promise<void>): Promise<KeyList>;
  /** The same keys in no particular order, without sorting; optional. */
  unorderedKeys?(): Iterable<string>;
  /** The n smallest keys, sorted, and the key count, computed by the source itself; optional (else from unorderedKeys). */
  smallestKeys?(n: number): { keys: string[]; count: number };
}

/** Windows starting below this are answered without the full sort while it has not run yet. */
export const FIRST_WINDOW_MAX = 1000;

/**
 * The `n` smallest keys, sorted, and how many keys there are: one pass over
 * unsorted keys keeping a sorted buffer of `n` (a key enters it only when it
 * is smaller than the buffer's largest, which is rare after the first few).
 */
export function smallestKeys(keys: Iterable<string>, n: number): { keys: string[]; count: number } {
  const best = new SmallestN<string>(n, (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let count = 0;
  for (const key of keys) {
    count++;
    best.offer(key);
  }
  return { keys: best.items, count };
}

/**
 * Every key in a few big strings (each key followed by a NUL, with its
 * position in the sorted list): one `indexOf` pass per string finds all
 * substring matches. One string per KeyBatch of HAYSTACK_CHUNK bytes, each
 * made in a few milliseconds, a step the background warm-up can take between
 * two requests; in the order the store's memory holds the keys, not sorted
 * order (13× faster to gather at ten million keys). A few big strings, not
 * one per key: nothing for the garbage collector to trace key by key (Node
 * keeps strings this big outside the JavaScript heap).
 */
interface Haystack {
  readonly source: KeyList;
  readonly chunks: readonly HaystackChunk[];
}

/** A batch of keys as one string (latin1: a byte per char), each key followed by a NUL. */
interface HaystackChunk {
  readonly text: string;
  readonly starts: Uint32Array;
  readonly positions: Uint32Array;
}

export const HAYSTACK_CHUNK = 1 << 21;

function chunkOf({ bytes, starts, positions }: KeyBatch): HaystackChunk {
  return { text: bytes.toString('latin1'), starts, positions };
}

function buildHaystack(source: KeyList, chunkBytes = HAYSTACK_CHUNK): Haystack {
  const chunks: HaystackChunk[] = [];
  for (const batch of source.keyBatches(chunkBytes)) if (batch) chunks.push(chunkOf(batch));
  return { source, chunks };
}

/**
 * Positions (ascending) of the keys containing `needle` (a key string; a
 * match running across a separator is not one) and accepted by `glob`
 * (tested in place: no string is made per key). Without a needle, every key
 * is tested.
 */
function search(h: Haystack, needle: string | undefined, glob?: GlobMatcher): Uint32Array {
  const out = new Uint32List();
  for (const { text, starts, positions } of h.chunks) {
    const take = (k: number) => {
      if (glob === undefined || glob.matchRange(text, starts[k]!, starts[k + 1]! - 1)) out.push(positions[k]!);
    };
    if (needle === undefined) {
      for (let k = 0; k < positions.length; k++) take(k);
      continue;
    }
    let pos = 0;
    let k = 0;
    for (;;) {
      const at = text.indexOf(needle, pos);
      if (at < 0) break;
      while (starts[k + 1]! <= at) k++;
      const keyEnd = starts[k + 1]! - 1;
      if (at + needle.length <= keyEnd) {
        take(k);
        pos = starts[k + 1]!;
      } else {
        pos = at + 1;
      }
    }
  }
  return inOrder(out.done(), h.source.length);
}

/** Distinct positions below n, ascending: a sort when they are few, one pass over n marks when they are many. */
function inOrder(positions: Uint32Array, n: number): Uint32Array {
  if (positions.length < n / 16) return positions.sort();
  const marked = new Uint8Array(n);
  for (let i = 0; i < positions.length; i++) marked[positions[i]!] = 1;
  for (let p = 0, j = 0; p < n; p++) if (marked[p] === 1) positions[j++] = p;
  return positions;
}

/**
 * sums[i] = bytes of the live records of keys [0, i) of a list: a branch's bytes are sums[end] - sums[start], two
 * reads, so the tree keeps jumping over branches by binary search. Made in one pass the first time a list's sizes
 * are asked for, and again once a write changed them (the list's sizesVersion).
 */
interface SizeSums {
  readonly version: number;
  readonly sums: Float64Array;
}

/** The bytes of key i's live record in `list` (a filter's picked keys read their base list's), or undefined. */
function recordBytesReader(list: KeyList): ((i: number) => number) | undefined {
  if (list instanceof PickedKeyList) {
    const bytesAt = list.base.recordBytesAt;
    const positions = list.positions;
    return bytesAt && ((i) => bytesAt(positions[i]!));
  }
  return list.recordBytesAt;
}

function sizesVersionOf(list: KeyList): number {
  return (list instanceof PickedKeyList ? list.base : list).sizesVersion?.() ?? 0;
}

interface CacheEntry {
  source: KeyList;
  range: KeyRange;
}

export class KeyIndex {
  private readonly cache = new Map<string, CacheEntry>();
  private static readonly CACHE_SIZE = 8;
  private readonly source: KeySource;
  private haystack: Haystack | undefined;
  /** The source's last sortedKeys() array and its KeyList, for a source that gives strings. */
  private wrapped: StringKeyList | undefined;
  /** Whether the full sort has been asked for at least once (it is cached by the store after that). */
  private sortedOnce = false;
  private warmUp: NodeJS.Immediate | undefined;
  private warming = false;
  private sortedReady: Promise<void> | undefined;
  private haystackReady: Promise<void> | undefined;
  private disposed = false;
  /** Per list (the sorted keys, a filter's picked keys): its size sums, while its sizes are the ones they add up. */
  private sizeSums = new WeakMap<KeyList, SizeSums>();

  constructor(
    source: KeySource | (() => readonly string[]),
    private readonly chunkBytes = HAYSTACK_CHUNK,
  ) {
    this.source = typeof source === 'function' ? { sortedKeys: source } : source;
  }

  /** The store's sorted keys as a KeyList (the same object while they do not change). */
  private sortedList(): KeyList {
    this.sortedOnce = true;
    if (this.source.sortedKeyList) return this.source.sortedKeyList();
    const keys = this.source.sortedKeys();
    if (this.wrapped?.keys !== keys) this.wrapped = new StringKeyList(keys);
    return this.wrapped;
  }

  /**
   * Sort the keys and build the substring haystack after the first window has
   * been answered, in steps of a few milliseconds with the event loop's turn
   * between them, so requests keep being answered and the first filter or
   * scroll finds everything ready.
   */
  private scheduleWarmUp(): void {
    if (this.warming) return;
    this.warming = true;
    let sortedDone!: () => void;
    let haystackDone!: () => void;
    this.sortedReady = new Promise<void>((r) => (sortedDone = r));
    this.haystackReady = new Promise<void>((r) => (haystackDone = r));
    const pause = () =>
      new Promise<void>((resolve, reject) => {
        if (this.disposed) return reject(new Error('disposed'));
        this.warmUp = setImmediate(() => (this.disposed ? reject(new Error('disposed')) : resolve()));
      });
    const warm = async () => {
      await pause();
      const sorted = this.source.sortedKeyListInSteps ? await this.source.sortedKeyListInSteps(pause) : this.sortedList();
      this.sortedOnce = true;
      sortedDone();
      if (this.haystack?.source === sorted) return;
      const chunks: HaystackChunk[] = [];
      for (const batch of sorted.keyBatches(this.chunkBytes)) {
        if (batch) chunks.push(chunkOf(batch));
        await pause();
        // A write added or removed keys: what is left to read is another list's. A filter builds the new one.
        if (!sorted.isCurrent()) return;
      }
      // A filter may have built it meanwhile, or the keys changed: keep what matches the current list.
      if (this.haystack?.source !== sorted) this.haystack = { source: sorted, chunks };
    };
    // Errors only mean the session closed or the store changed under us: filters build what they need.
    warm()
      .catch(() => undefined)
      .finally(() => {
        sortedDone();
        haystackDone();
      });
  }

  /**
   * Resolves when `window`/`tree` for this request can be answered without
   * sorting or building synchronously: while the background warm-up runs, a
   * request waits for it (the host keeps answering other requests) instead of
   * redoing its work in one blocking call.
   */
  async prepare(filter: KeyFilter | undefined, offset = 0, limit = 0): Promise<void> {
    if (this.isFirstWindow(filter, offset, limit)) return;
    if (!filter || filter.pattern === '' || filter.mode === 'prefix') {
      if (!this.sortedOnce) this.scheduleWarmUp();
      await this.sortedReady;
      return;
    }
    this.scheduleWarmUp();
    await this.haystackReady;
  }

  /** Stop background work (the session is closing). */
  dispose(): void {
    this.disposed = true;
    if (this.warmUp) clearImmediate(this.warmUp);
    this.haystack = undefined;
  }

  private haystackFor(source: KeyList): Haystack {
    if (this.haystack?.source !== source) this.haystack = buildHaystack(source, this.chunkBytes);
    return this.haystack;
  }

  /** Positions in source of the keys matching a substring or glob filter. */
  private match(source: KeyList, filter: KeyFilter): Uint32Array {
    const pattern = textToKeyString(filter.pattern);
    const haystack = this.haystackFor(source);
    if (filter.mode === 'substring') return search(haystack, pattern);
    // What a person types is text; keys are bytes: the glob is matched against the UTF-8 bytes as latin1.
    const { glob, problem } = parseKeyFilterGlob(filter.pattern);
    if (!glob) throw new Error(`invalid pattern: ${problem}`); // the service refuses it before asking
    return search(haystack, globLiteral(glob) || undefined, new GlobMatcher(glob));
  }

  /** The filtered, sorted keys (cached per filter until the store's key list changes). */
  filtered(filter?: KeyFilter): KeyRange {
    const source = this.sortedList();
    if (!filter || filter.pattern === '') return { list: source, start: 0, end: source.length };
    if (filter.mode === 'prefix') {
      const [start, end] = prefixRange(source, textToKeyString(filter.pattern));
      return { list: source, start, end };
    }
    const cacheKey = `${filter.mode}\u0000${filter.pattern}`;
    const hit = this.cache.get(cacheKey);
    if (hit && hit.source === source) {
      this.cache.delete(cacheKey);
      this.cache.set(cacheKey, hit);
      return hit.range;
    }
    const list = new PickedKeyList(source, this.match(source, filter));
    const range = { list, start: 0, end: list.length };
    this.cache.set(cacheKey, { source, range });
    while (this.cache.size > KeyIndex.CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    return range;
  }

  /** Whether this window is answered without the full sort: unfiltered, near the top, before any sort, from a source that can. */
  private isFirstWindow(filter: KeyFilter | undefined, offset: number, limit: number): boolean {
    const unfiltered = !filter || filter.pattern === '';
    return unfiltered && !this.sortedOnce && !!(this.source.smallestKeys || this.source.unorderedKeys) && offset + limit <= FIRST_WINDOW_MAX;
  }

  /** The position of `key` (a key string) in the filtered, sorted keys, or -1 when they do not hold it. */
  indexOf(filter: KeyFilter | undefined, key: string): number {
    const range = this.filtered(filter);
    const bytes = Buffer.from(key, 'latin1');
    const at = lowerBound(range.list, bytes, range.start, range.end);
    return at < range.end && range.list.compareAt(at, bytes) === 0 ? at - range.start : -1;
  }

  window(filter: KeyFilter | undefined, offset: number, limit: number): { total: number; keys: KeyEntry[] } {
    if (this.isFirstWindow(filter, offset, limit)) {
      const first = this.source.smallestKeys ? this.source.smallestKeys(offset + limit) : smallestKeys(this.source.unorderedKeys!(), offset + limit);
      this.scheduleWarmUp();
      return { total: first.count, keys: first.keys.slice(offset).map(entryFor) };
    }
    const range = this.filtered(filter);
    const total = range.end - range.start;
    const from = range.start + Math.min(offset, total);
    const to = Math.min(range.end, from + limit);
    const keys: KeyEntry[] = [];
    for (let i = from; i < to; i++) keys.push(entryFor(range.list.keyAt(i)));
    return { total, keys };
  }

  /**
   * sums[i] = bytes of the live records of keys [0, i) of `list`, or undefined when its keys have no records (the
   * deleted keys). Built once per list, again after a write changed a size.
   */
  private sumsFor(list: KeyList): Float64Array | undefined {
    const bytesAt = recordBytesReader(list);
    if (!bytesAt) return undefined;
    const version = sizesVersionOf(list);
    const hit = this.sizeSums.get(list);
    if (hit && hit.version === version) return hit.sums;
    const n = list.length;
    const sums = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) sums[i + 1] = sums[i]! + bytesAt(i);
    this.sizeSums.set(list, { version, sums });
    return sums;
  }

  /**
   * The `n` largest live records of the filtered keys, largest first: their keys and bytes. An O(count) selection
   * over the keys' sizes, not a sort of them all. Empty when the keys have no records (the deleted keys).
   */
  largest(filter: KeyFilter | undefined, n: number): { total: number; records: Array<{ key: string; bytes: number }> } {
    const range = this.filtered(filter);
    const total = range.end - range.start;
    const bytesAt = recordBytesReader(range.list);
    if (!bytesAt) return { total, records: [] };
    const sizes = new Float64Array(total);
    for (let i = 0; i < total; i++) sizes[i] = bytesAt(range.start + i);
    const records = largestN(sizes, n).map(({ position, bytes }) => ({ key: range.list.keyAt(range.start + position), bytes }));
    return { total, records };
  }

  /**
   * One level of the tree under `prefix`: each distinct segment up to the next
   * delimiter becomes a branch (with the number of keys below it and the bytes
   * of their live records); a key with no further delimiter is a leaf. Jumps
   * over whole branches by binary search; a branch's bytes are two reads of
   * the list's size sums.
   */
  tree(filter: KeyFilter | undefined, delimiter: Delimiter, prefix: string): { nodes: TreeNode[]; truncated: boolean } {
    const range = this.filtered(filter);
    const [lo, hi] = prefixRange(range.list, prefix, range.start, range.end);
    const sums = this.sumsFor(range.list);
    const bytesOf = (start: number, end: number): { bytes?: number } => (sums ? { bytes: sums[end]! - sums[start]! } : {});
    const nodes: TreeNode[] = [];
    let i = lo;
    while (i < hi) {
      if (nodes.length >= LIMITS.treeNodesMax) return { nodes, truncated: true };
      const key = range.list.keyAt(i);
      const cut = key.indexOf(delimiter, prefix.length);
      if (cut === -1) {
        nodes.push({ label: describeKey(key.slice(prefix.length)).display, prefix: key, kind: 'key', count: 1, ...bytesOf(i, i + 1) });
        i++;
        continue;
      }
      const branch = key.slice(0, cut + 1);
      const [, end] = prefixRange(range.list, branch, i, hi);
      nodes.push({
        label: describeKey(key.slice(prefix.length, cut)).display + delimiter,
        prefix: branch,
        kind: 'branch',
        count: end - i,
        ...bytesOf(i, end),
      });
      i = end;
    }
    return { nodes, truncated: false };
  }
}
