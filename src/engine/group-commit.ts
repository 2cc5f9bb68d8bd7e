/**
 * Group commit for the `batch` fsync policy: a write appends at once, then
 * waits for an fdatasync that started after its append. Writes that arrive
 * while one fdatasync runs share the next one, so N concurrent writers pay
 * for about two fsyncs instead of N.
 */
import type { EngineFs } from './fs.js';

/** What a writer waits on: the segment's fd, and whether rotation has since sealed it (fdatasync'ed after every append). */
export interface SyncTarget {
  readonly fd: number;
  readonly sealed: boolean;
}

interface Waiter {
  target: SyncTarget;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class GroupCommit {
  private queue: Waiter[] = [];
  private running: Promise<void> | undefined;
  /**
   * The error of a failed fdatasync. After one, a later fdatasync that
   * succeeds proves nothing about pages the failed one dropped ("fsyncgate"),
   * so every waiter from then on is rejected with it.
   */
  private failed: { error: unknown } | undefined;

  constructor(private readonly efs: EngineFs) {}

  /** Resolves once everything written to the target's fd before this call is durable. */
  sync(target: SyncTarget): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.failed) {
        reject(this.failed.error);
        return;
      }
      this.queue.push({ target, resolve, reject });
      this.running ??= this.drain();
    });
  }

  /** Resolves when no fsync is running or waiting. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const round = this.queue;
      this.queue = [];
      try {
        if (this.failed) throw this.failed.error;
        for (const target of new Set(round.map((w) => w.target))) {
          // Rotation fdatasync'ed a sealed segment after every append to it, and
          // compaction may have closed its fd since (EBADF): nothing left to sync.
          if (target.sealed) continue;
          try {
            await this.efs.fdatasync(target.fd);
          } catch (err) {
            if (!(target.sealed && (err as NodeJS.ErrnoException).code === 'EBADF')) throw err;
          }
        }
        for (const w of round) w.resolve();
      } catch (err) {
        this.failed ??= { error: err };
        for (const w of round) w.reject(err);
      }
    }
    this.running = undefined;
  }
}
