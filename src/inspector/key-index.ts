/**
 * Windowed access to a store's sorted keys: filtering (prefix, substring,
 * glob), windows of the filtered list and one level of a key tree. Stays fast
 * at millions of keys:
 * - the first window after opening is selected from the unsorted keys (the
 *   smallest N in one pass) instead of waiting for the full sort, which then
 *   runs in the background;
 * - prefix filters are binary searches over the engine's sorted array (no copy);
 * - substring filters search one string holding every key (`indexOf` over it
 *   is ~10× faster than testing a million strings), glob filters test only
 *   the keys containing the pattern's longest literal; results are cached
 *   until the store's key list changes.
 */
import picomatch from 'picomatch';
import type { Delimiter, KeyEntry, KeyFilter, TreeNode } from '../shared/contract.js';
import { LIMITS } from '../shared/contract.js';
import { describeKey, keyStringToHex, textToKeyString } from '../shared/keytext.js';

/** A sorted list of key strings, possibly a [start, end) range of a larger sorted array. */
export interface KeyRange {
  readonly keys: readonly string[];
  readonly start: number;
  readonly end: number;
}

/** Bigger than any latin1 char: prefix + UPPER sorts after every key with that prefix. */
const UPPER = '\u0100';
/** Not latin1, so never part of a key string. */
const SLASH_STAND_IN = '\u0101';

export function lowerBound(keys: readonly string[], target: string, lo = 0, hi = keys.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function prefixRange(keys: readonly string[], prefix: string, lo = 0, hi = keys.length): [number, number] {
  if (prefix === '') return [lo, hi];
  const start = lowerBound(keys, prefix, lo, hi);
  const end = lowerBound(keys, prefix + UPPER, start, hi);
  return [start, end];
}

export function entryFor(key: string): KeyEntry {
  const { display, printable } = describeKey(key);
  return { key, display, hex: keyStringToHex(key), printable };
}

function compileMatcher(filter: KeyFilter): (key: string) => boolean {
  // What a person types is text; keys are bytes: match against the UTF-8 bytes as latin1.
  const pattern = textToKeyString(filter.pattern);
  if (filter.mode === 'substring') return (key) => key.includes(pattern);
  if (filter.mode === 'prefix') return (key) => key.startsWith(pattern);
  // Keys are not paths: '*' should match any run of bytes, '/' included (as Redis KEYS does).
  // picomatch treats '/' as a separator, so hide it behind a char no key string can contain.
  const hide = (s: string) => (s.includes('/') ? s.replaceAll('/', SLASH_STAND_IN) : s);
  const isMatch = picomatch(hide(pattern), { dot: true, noextglob: true });
  return (key) => isMatch(hide(key));
}

/** Where the keys come from: the store. */
export interface KeySource {
  /** All keys sorted bytewise (the store caches the array until its key set changes). */
  sortedKeys(): readonly string[];
  /** The same keys in no particular order, without sorting; optional. */
  unorderedKeys?(): Iterable<string>;
  /** The n smallest keys, sorted, and the key count, computed by the source itself; optional (else from unorderedKeys). */
  smallestKeys?(n: number): { keys: string[]; count: number };
  /** The sorted keys computed in steps, awaiting `pause` between them; optional. */
  sortedKeysInSteps?(pause: () => Promise<void>): Promise<readonly string[]>;
}

/** Windows starting below this are answered without the full sort while it has not run yet. */
export const FIRST_WINDOW_MAX = 1000;

/**
 * The `n` smallest keys, sorted, and how many keys there are: one pass over
 * unsorted keys keeping a sorted buffer of `n` (a key enters it only when it
 * is smaller than the buffer's largest, which is rare after the first few).
 */
export function smallestKeys(keys: Iterable<string>, n: number): { keys: string[]; count: number } {
  const best: string[] = [];
  let count = 0;
  for (const key of keys) {
    count++;
    if (n <= 0) continue;
    if (best.length === n) {
      if (key >= best[n - 1]!) continue;
      best.pop();
    }
    best.splice(lowerBound(best, key), 0, key);
  }
  return { keys: best, count };
}

/**
 * Every key in a few big strings, each key followed by a NUL: one `indexOf`
 * pass per string finds all substring matches. Strings are cut at
 * HAYSTACK_CHUNK characters: V8 caps a string at ~2^29, and a chunk is joined
 * in ~10 ms, a step the background warm-up can take between two requests.
 */
interface Haystack {
  readonly source: readonly string[];
  readonly chunks: readonly HaystackChunk[];
}

interface HaystackChunk {
  /** Index in source of the chunk's first key. */
  readonly first: number;
  readonly text: string;
  /** starts[i] = where key first+i begins in text; the last entry is text.length. */
  readonly starts: Uint32Array;
}

export const HAYSTACK_CHUNK = 1 << 21;

/** The haystack's chunks, one per iteration (so a warm-up can pause between them). */
function* haystackChunks(source: readonly string[], chunkChars: number): Generator<HaystackChunk> {
  let first = 0;
  while (first < source.length) {
    let end = first;
    let chars = 0;
    do chars += source[end++]!.length + 1;
    while (end < source.length && chars + source[end]!.length + 1 <= chunkChars);
    const starts = new Uint32Array(end - first + 1);
    let at = 0;
    for (let i = first; i < end; i++) {
      starts[i - first] = at;
      at += source[i]!.length + 1;
    }
    starts[end - first] = at;
    yield { first, text: source.slice(first, end).join('\u0000') + '\u0000', starts };
    first = end;
  }
}

function buildHaystack(source: readonly string[], chunkChars = HAYSTACK_CHUNK): Haystack {
  return { source, chunks: [...haystackChunks(source, chunkChars)] };
}

/** The keys (in source order) containing `needle`; a match running across a separator is not one. */
export function keysContaining(h: Haystack, needle: string): string[] {
  const out: string[] = [];
  for (const { first, text, starts } of h.chunks) {
    let pos = 0;
    let k = 0;
    for (;;) {
      const at = text.indexOf(needle, pos);
      if (at < 0) break;
      while (starts[k + 1]! <= at) k++;
      const keyEnd = starts[k + 1]! - 1;
      if (at + needle.length <= keyEnd) {
        out.push(h.source[first + k]!);
        pos = starts[k + 1]!;
      } else {
        pos = at + 1;
      }
    }
  }
  return out;
}

/** Characters that are literal in a glob wherever they appear (picomatch, noextglob). */
const GLOB_LITERAL = /[A-Za-z0-9:_\-/. ,=#%~\u0080-\u00ff]/;

/**
 * The longest run of characters every key matching the glob must contain
 * ('' when there is none we can be sure of): outside brackets and braces, up
 * to the next wildcard. Patterns with escapes, groups or negation get ''.
 */
export function globLiteral(pattern: string): string {
  if (/[\\()!]/.test(pattern) || pattern.startsWith('./')) return '';
  let best = '';
  let run = '';
  let depth = 0;
  for (const ch of pattern) {
    if (ch === '[' || ch === '{') depth++;
    else if ((ch === ']' || ch === '}') && depth > 0) depth--;
    if (depth === 0 && GLOB_LITERAL.test(ch)) {
      run += ch;
      if (run.length > best.length) best = run;
    } else {
      run = '';
    }
  }
  return best;
}

interface CacheEntry {
  source: readonly string[];
  range: KeyRange;
}

export class KeyIndex {
  private readonly cache = new Map<string, CacheEntry>();
  private static readonly CACHE_SIZE = 8;
  private readonly source: KeySource;
  private haystack: Haystack | undefined;
  /** Whether the full sort has been asked for at least once (it is cached by the store after that). */
  private sortedOnce = false;
  private warmUp: NodeJS.Immediate | undefined;
  private warming = false;
  private sortedReady: Promise<void> | undefined;
  private haystackReady: Promise<void> | undefined;
  private disposed = false;

  constructor(
    source: KeySource | (() => readonly string[]),
    private readonly chunkChars = HAYSTACK_CHUNK,
  ) {
    this.source = typeof source === 'function' ? { sortedKeys: source } : source;
  }

  private sortedKeys(): readonly string[] {
    this.sortedOnce = true;
    return this.source.sortedKeys();
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
      const sorted = this.source.sortedKeysInSteps ? await this.source.sortedKeysInSteps(pause) : this.sortedKeys();
      this.sortedOnce = true;
      sortedDone();
      if (this.haystack?.source === sorted) return;
      const chunks: HaystackChunk[] = [];
      for (const chunk of haystackChunks(sorted, this.chunkChars)) {
        chunks.push(chunk);
        await pause();
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

  private haystackFor(source: readonly string[]): Haystack {
    if (this.haystack?.source !== source) this.haystack = buildHaystack(source, this.chunkChars);
    return this.haystack;
  }

  private match(source: readonly string[], filter: KeyFilter): string[] {
    const pattern = textToKeyString(filter.pattern);
    if (filter.mode === 'substring') return keysContaining(this.haystackFor(source), pattern);
    const matches = compileMatcher(filter);
    const literal = filter.mode === 'glob' ? globLiteral(pattern) : '';
    const candidates = literal ? keysContaining(this.haystackFor(source), literal) : source;
    return candidates.filter(matches);
  }

  /** The filtered, sorted keys (cached per filter until the store's key list changes). */
  filtered(filter?: KeyFilter): KeyRange {
    const source = this.sortedKeys();
    if (!filter || filter.pattern === '') return { keys: source, start: 0, end: source.length };
    if (filter.mode === 'prefix') {
      const [start, end] = prefixRange(source, textToKeyString(filter.pattern));
      return { keys: source, start, end };
    }
    const cacheKey = `${filter.mode}\u0000${filter.pattern}`;
    const hit = this.cache.get(cacheKey);
    if (hit && hit.source === source) {
      this.cache.delete(cacheKey);
      this.cache.set(cacheKey, hit);
      return hit.range;
    }
    const keys = this.match(source, filter);
    const range = { keys, start: 0, end: keys.length };
    this.cache.set(cacheKey, { source, range });
    while (this.cache.size > KeyIndex.CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    return range;
  }

  /** Whether this window is answered without the full sort: unfiltered, near the top, before any sort, from a source that can. */
  private isFirstWindow(filter: KeyFilter | undefined, offset: number, limit: number): boolean {
    const unfiltered = !filter || filter.pattern === '';
    return unfiltered && !this.sortedOnce && !!(this.source.smallestKeys || this.source.unorderedKeys) && offset + limit <= FIRST_WINDOW_MAX;
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
    for (let i = from; i < to; i++) keys.push(entryFor(range.keys[i]!));
    return { total, keys };
  }

  /**
   * One level of the tree under `prefix`: each distinct segment up to the next
   * delimiter becomes a branch (with the number of keys below it); a key with
   * no further delimiter is a leaf. Jumps over whole branches by binary search.
   */
  tree(filter: KeyFilter | undefined, delimiter: Delimiter, prefix: string): { nodes: TreeNode[]; truncated: boolean } {
    const range = this.filtered(filter);
    const [lo, hi] = prefixRange(range.keys, prefix, range.start, range.end);
    const nodes: TreeNode[] = [];
    let i = lo;
    while (i < hi) {
      if (nodes.length >= LIMITS.treeNodesMax) return { nodes, truncated: true };
      const key = range.keys[i]!;
      const cut = key.indexOf(delimiter, prefix.length);
      if (cut === -1) {
        nodes.push({ label: describeKey(key.slice(prefix.length)).display, prefix: key, kind: 'key', count: 1 });
        i++;
        continue;
      }
      const branch = key.slice(0, cut + 1);
      const [, end] = prefixRange(range.keys, branch, i, hi);
      nodes.push({
        label: describeKey(key.slice(prefix.length, cut)).display + delimiter,
        prefix: branch,
        kind: 'branch',
        count: end - i,
      });
      i = end;
    }
    return { nodes, truncated: false };
  }
}
