/**
 * Follow mode: a read-only tail of a native store that another process is
 * writing. It never takes the lock and never writes. It keeps, per data
 * segment, the offset up to which it has read committed records, and its own
 * keydir (key -> newest sequence and kind). On every tick (fs.watch on the
 * directory, plus a poll every `pollMs` in case watching misses something)
 * it reads only the new bytes of each segment:
 *
 *  - a segment that grew: records from the remembered offset; an incomplete
 *    record or batch at the end is left for the next tick (the writer is
 *    still appending it);
 *  - a new segment (rotation, compaction output): read from its header;
 *  - a segment that vanished (compaction removed its inputs): forgotten;
 *  - a segment that shrank (a writer cut a torn tail at open): read again.
 *
 * A record is a change only when its sequence number is higher than the
 * newest one known for its key, so compaction outputs (old records under new
 * file names) change nothing.
 */
import { watch, type FSWatcher } from 'node:fs';
import { realFs, type EngineFs } from './fs.js';
import { fileSource } from './native/byte-source.js';
import { RECORD_TOMBSTONE, SEGMENT_HEADER } from './native/layout.js';
import { committedRecords, scanRecords } from './native/scan.js';
import { pathOf } from './native/files.js';
import { liveLockHolder } from './lock.js';
import { nativeDataFiles } from './compaction.js';

export interface FollowChange {
  /** Key string (latin1). */
  key: string;
  kind: 'put' | 'delete';
  sequence: number;
  file: string;
  offset: number;
  valueLength: number;
}

/** The poll's interval when none is given, and the longest one a caller may ask for. */
export const DEFAULT_POLL_MS = 250;
export const MAX_POLL_MS = 500;

export interface FollowOptions {
  /**
   * Poll interval in ms (also the fallback when fs.watch says nothing). Default DEFAULT_POLL_MS, at least 20,
   * at most MAX_POLL_MS. For tests: false turns the poll off, leaving the watcher alone to notice appends.
   */
  pollMs?: number | false;
  /** For tests: false turns fs.watch off, leaving the poll alone to notice appends (default true). */
  watch?: boolean;
  onChanges: (changes: FollowChange[]) => void;
  /**
   * The set of data files changed without a change to report: a compaction
   * that rewrote no key's newest version still removes its inputs and adds
   * its outputs (and a rotation adds an empty segment). Called with the
   * files' names; a view showing files can list them again.
   */
  onFilesChanged?: (files: { added: string[]; removed: string[] }) => void;
  onError?: (err: Error) => void;
  efs?: EngineFs;
}

interface SegmentState {
  name: string;
  /** Everything before this offset has been read. */
  position: number;
  size: number;
  /** Whether the file ended in preallocated space when last read: appends go over it without growing the file. */
  preallocated?: boolean;
}

export class StoreFollower {
  private readonly segments = new Map<number, SegmentState>();
  private readonly keydir = new Map<string, { sequence: number; kind: 'put' | 'delete' }>();
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private running: Promise<void> | undefined;
  private pollInterval: number | undefined;
  private again = false;
  private stopped = false;
  private readonly efs: EngineFs;

  private constructor(
    readonly dir: string,
    private readonly opts: FollowOptions,
  ) {
    this.efs = opts.efs ?? realFs;
  }

  /** Reads the store as it is now (no changes reported for it), then follows it. */
  static async start(dir: string, opts: FollowOptions): Promise<StoreFollower> {
    const follower = new StoreFollower(dir, opts);
    follower.readNewBytes();
    if (opts.pollMs !== false) {
      follower.pollInterval = Math.min(Math.max(opts.pollMs ?? DEFAULT_POLL_MS, 20), MAX_POLL_MS);
      follower.timer = setInterval(() => follower.tick(), follower.pollInterval);
    }
    if (opts.watch === false) return follower;
    try {
      follower.watcher = watch(dir, { persistent: false }, () => follower.tick());
      follower.watcher.on('error', () => {
        follower.watcher?.close();
        follower.watcher = undefined; // the poll goes on
      });
    } catch {
      follower.watcher = undefined;
    }
    return follower;
  }

  /** The poll's interval in effect, in ms (undefined when a test turned the poll off). */
  get pollMs(): number | undefined {
    return this.pollInterval;
  }

  /** Whether fs.watch is watching the directory (else the poll alone notices appends). */
  watching(): boolean {
    return this.watcher !== undefined;
  }

  /** Live keys as the follower sees them. */
  keyCount(): number {
    let n = 0;
    for (const v of this.keydir.values()) if (v.kind === 'put') n++;
    return n;
  }

  has(key: string): boolean {
    return this.keydir.get(key)?.kind === 'put';
  }

  /** Pid of the live process holding the writer lock, if any. */
  lockHolder(): number | undefined {
    return liveLockHolder(this.efs, this.dir);
  }

  /** Check for new bytes now (also called by the watcher and the poll). */
  tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          const { changes, added, removed } = this.readNewBytes();
          if (changes.length > 0) this.opts.onChanges(changes);
          else if (added.length > 0 || removed.length > 0) this.opts.onFilesChanged?.({ added, removed });
        } catch (err) {
          this.opts.onError?.(err as Error);
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** The changes since the last read, and the data files that came and went (by name) since then. */
  private readNewBytes(): { changes: FollowChange[]; added: string[]; removed: string[] } {
    const changes: FollowChange[] = [];
    const files = nativeDataFiles(this.efs, this.dir);
    const present = new Map(files.map((f) => [f.id, f.name]));
    const removed: string[] = [];
    for (const [id, state] of [...this.segments]) {
      if (present.get(id) === state.name) continue;
      removed.push(state.name);
      this.segments.delete(id);
    }
    const known = new Set(this.segments.keys());
    for (const f of files) {
      let fd: number;
      try {
        fd = this.efs.openSync(pathOf(this.dir, f.name), 'r');
      } catch {
        continue; // renamed or removed between listing and opening: the next tick sees it
      }
      try {
        const size = this.efs.fstatSize(fd);
        let state = this.segments.get(f.id);
        if (!state || state.name !== f.name || size < state.position) {
          state = { name: f.name, position: SEGMENT_HEADER.size, size: 0 };
          this.segments.set(f.id, state);
        }
        // Appends grow the file, or go over the zeros a syncing writer preallocated (read again while the file ends in them: at most ~1 MiB).
        if (size <= state.position || (size === state.size && !state.preallocated)) {
          state.size = size;
          continue;
        }
        state.size = size;
        let safe = state.position;
        state.preallocated = false;
        /** The end of damage in the middle: skipped (as replay does) once something other than preallocated space follows it. */
        let damageEnd = -1;
        for (const ev of committedRecords(scanRecords(fileSource(this.efs, fd, size), state.position))) {
          if (damageEnd >= 0 && ev.kind !== 'preallocated') safe = damageEnd;
          damageEnd = -1;
          if (ev.kind === 'record') {
            safe = ev.offset + ev.length;
            const key = ev.key.toString('latin1');
            const kind = ev.header.type === RECORD_TOMBSTONE ? 'delete' : 'put';
            const known = this.keydir.get(key);
            if (known && known.sequence >= ev.header.sequence) continue;
            this.keydir.set(key, { sequence: ev.header.sequence, kind });
            changes.push({ key, kind, sequence: ev.header.sequence, file: f.name, offset: ev.offset, valueLength: ev.header.valueLength });
          } else if (ev.kind === 'preallocated') {
            state.preallocated = true;
          } else if (ev.kind !== 'incomplete-batch' && ev.offset + ev.length < size) {
            damageEnd = ev.offset + ev.length;
          }
          // A torn or unfinished tail, and the damage right before preallocated space, stay unread: the writer may be appending it right now.
        }
        state.position = safe;
      } finally {
        this.efs.closeSync(fd);
      }
    }
    // A file is added once it has been read (one that could not be opened is tried again next time).
    const added = files.filter((f) => !known.has(f.id) && this.segments.has(f.id)).map((f) => f.name);
    return { changes, added, removed };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.watcher?.close();
    await this.running;
  }
}

/** Start following a native store directory. */
export function followStore(dir: string, opts: FollowOptions): Promise<StoreFollower> {
  return StoreFollower.start(dir, opts);
}
