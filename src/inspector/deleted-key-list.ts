/**
 * A session's deleted keys (the deletedKeys method): found once, when first
 * asked for, in the background (the open never looks for them: a kvscope
 * store's keydir holds only live keys, and finding the deleted ones reads its
 * hints, ~0.3 s at 1M keys, or its records where a segment has no hint), then
 * kept with a KeyIndex over them for windows, filters and finding a key.
 *
 * The service's writes update the list in place (written: a put takes its key
 * out, a delete puts its key in, with its tombstone) instead of searching
 * again; writes made while the search runs are applied to what it finds. A
 * compaction (which drops tombstones) or a reopen makes the service start a
 * new list.
 */
import type { BrowsableStore, DeletedKey, Progress, RecordLocation } from '../engine/types.js';
import { KeyIndex } from './key-index.js';

export interface FoundDeletedKeys {
  readonly index: KeyIndex;
  readonly count: number;
  deletedAt(key: string): RecordLocation | undefined;
}

/** A write the list follows: its key, whether the key is live after it, and the tombstone a delete wrote. */
interface Written {
  key: string;
  live: boolean;
  tombstone: RecordLocation | undefined;
}

/** The deleted keys sorted bytewise (key strings are latin1: `<` is bytewise), with where each was deleted. */
class DeletedKeySet implements FoundDeletedKeys {
  private readonly names: string[];
  private readonly at = new Map<string, RecordLocation>();
  /** What the index reads: a copy of `names`, made again after a change (a new array tells the index its caches are stale). */
  private shown: readonly string[] | undefined;
  readonly index = new KeyIndex(() => (this.shown ??= this.names.slice()));

  constructor(keys: readonly DeletedKey[]) {
    this.names = keys.map((k) => k.key);
    for (const k of keys) this.at.set(k.key, k.deletedAt);
  }

  get count(): number {
    return this.names.length;
  }

  deletedAt(key: string): RecordLocation | undefined {
    return this.at.get(key);
  }

  /**
   * A live key is not deleted; a key deleted by this write is, at its tombstone (the newest one, should writes'
   * answers come back out of order); a put that a later delete overtook changes nothing (that delete lists it).
   */
  apply({ key, live, tombstone }: Written): void {
    const known = this.at.get(key);
    if (live) {
      if (known === undefined) return;
      this.at.delete(key);
      this.names.splice(this.position(key), 1);
      this.shown = undefined;
    } else if (tombstone) {
      if (known !== undefined && known.sequence >= tombstone.sequence) return;
      this.at.set(key, tombstone);
      if (known === undefined) {
        this.names.splice(this.position(key), 0, key);
        this.shown = undefined;
      }
    }
  }

  /** Where `key` is, or would go, in names. */
  private position(key: string): number {
    let lo = 0;
    let hi = this.names.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.names[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export class DeletedKeyList {
  private readonly controller = new AbortController();
  private search: Promise<void> | undefined;
  private found: DeletedKeySet | undefined;
  private failure: unknown;
  private progressNow: Progress = { phase: 'deleted keys', done: 0, total: 0 };
  /** Writes made while the search runs, applied (in order) to what it finds. */
  private pending: Written[] = [];

  constructor(
    /** The store object it was found in: another one (a reopen) needs another list. */
    readonly store: BrowsableStore,
  ) {}

  get cancelled(): boolean {
    return this.controller.signal.aborted;
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  get progress(): { done: number; total: number } {
    return { done: this.progressNow.done, total: this.progressNow.total };
  }

  /** Starts the search (once). */
  start(): void {
    if (this.search) return;
    this.search = this.store
      .deletedKeys({ signal: this.controller.signal, onProgress: (p) => (this.progressNow = p) })
      .then((keys: DeletedKey[]) => {
        if (this.cancelled) return;
        const found = new DeletedKeySet(keys);
        for (const w of this.pending) found.apply(w);
        this.pending = [];
        this.found = found;
      })
      .catch((err: unknown) => {
        if (!this.cancelled) this.failure = err;
      });
  }

  /**
   * A write of `key` went through: `live` is whether the key has a live value now, `tombstone` where a delete
   * wrote its tombstone. The list follows it (no search again); while the search runs, once it is done.
   */
  written(key: string, live: boolean, tombstone?: RecordLocation): void {
    const w = { key, live, tombstone };
    if (this.found) this.found.apply(w);
    else if (this.search) this.pending.push(w);
  }

  /**
   * The deleted keys once found, waiting at most `ms` for the search (Infinity: until it ends); undefined while it
   * runs (or once it was cancelled). A search that failed throws its error (the next list tries again).
   */
  async ready(ms: number): Promise<FoundDeletedKeys | undefined> {
    this.start();
    if (!this.found && this.failure === undefined && !this.cancelled) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.search, ...(ms === Infinity ? [] : [new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))])]);
      clearTimeout(timer);
    }
    if (this.failure !== undefined) throw this.failure;
    return this.found;
  }

  /** Stops the search (a search already done keeps its keys). */
  cancel(): void {
    if (!this.found) this.controller.abort();
  }

  dispose(): void {
    this.controller.abort();
    this.pending = [];
    this.found?.index.dispose();
  }
}
