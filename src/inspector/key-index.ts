/**
 * Windowed access to a store's sorted keys: filtering (prefix, substring,
 * glob), windows of the filtered list and one level of a key tree. Stays fast
 * at millions of keys: prefix filters are binary searches over the engine's
 * sorted array (no copy), other filters are computed once and cached until the
 * store's key list changes.
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

interface CacheEntry {
  source: readonly string[];
  range: KeyRange;
}

export class KeyIndex {
  private readonly cache = new Map<string, CacheEntry>();
  private static readonly CACHE_SIZE = 8;

  constructor(private readonly sortedKeys: () => readonly string[]) {}

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
    const matches = compileMatcher(filter);
    const keys = source.filter(matches);
    const range = { keys, start: 0, end: keys.length };
    this.cache.set(cacheKey, { source, range });
    while (this.cache.size > KeyIndex.CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    return range;
  }

  window(filter: KeyFilter | undefined, offset: number, limit: number): { total: number; keys: KeyEntry[] } {
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
