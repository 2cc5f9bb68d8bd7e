/**
 * A session's deleted keys (the deletedKeys method): found once, when first
 * asked for, in the background (the open never looks for them: a kvscope
 * store's keydir holds only live keys, and finding the deleted ones reads its
 * hints, ~0.3 s at 1M keys, or its records where a segment has no hint), then
 * kept with a KeyIndex over them for windows, filters and finding a key, until
 * the store changes (a write, a compaction, a reopen: the service makes a new
 * list then).
 */
import type { BrowsableStore, DeletedKey, Progress, RecordLocation } from '../engine/types.js';
import { KeyIndex } from './key-index.js';

export interface FoundDeletedKeys {
  readonly index: KeyIndex;
  readonly count: number;
  deletedAt(key: string): RecordLocation | undefined;
}

export class DeletedKeyList {
  private readonly controller = new AbortController();
  private search: Promise<void> | undefined;
  private found: FoundDeletedKeys | undefined;
  private failure: unknown;
  private progressNow: Progress = { phase: 'deleted keys', done: 0, total: 0 };

  constructor(
    /** The store object it was found in: another one (a reopen) needs another list. */
    readonly store: BrowsableStore,
    /** The service's write count when it was made: a later write needs another list. */
    readonly writes: number,
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
        const names = keys.map((k) => k.key);
        const at = new Map<string, RecordLocation>();
        for (const k of keys) at.set(k.key, k.deletedAt);
        this.found = { index: new KeyIndex(() => names), count: names.length, deletedAt: (key) => at.get(key) };
      })
      .catch((err: unknown) => {
        if (!this.cancelled) this.failure = err;
      });
  }

  /**
   * The deleted keys once found, waiting at most `ms` for the search; undefined while it runs (or once it was
   * cancelled). A search that failed throws its error (the next list tries again).
   */
  async ready(ms: number): Promise<FoundDeletedKeys | undefined> {
    this.start();
    if (!this.found && this.failure === undefined && !this.cancelled) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.search, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
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
    this.found?.index.dispose();
  }
}
