/**
 * Long-running jobs (compaction): an id, an AbortController, and events for
 * progress, completion and failure. At most one job per session.
 */
import { randomBytes } from 'node:crypto';
import type { ApiErrorShape } from '../shared/errors.js';
import { ApiError } from '../shared/errors.js';
import type { KvscopeEvent } from '../shared/contract.js';
import type { Progress } from '../engine/types.js';

interface Job {
  id: string;
  sessionId: string;
  controller: AbortController;
}

export type JobWork<T> = (ctx: { signal: AbortSignal; onProgress: (p: Progress) => void }) => Promise<T>;

/** Ids of finished jobs remembered, so cancelling one that just ended is told apart from an unknown id. */
const FINISHED_KEPT = 1000;

export class JobRunner {
  private readonly jobs = new Map<string, Job>();
  /** The latest FINISHED_KEPT jobs that ended (done, failed or cancelled). */
  private readonly finished = new Set<string>();

  constructor(private readonly emit: (event: KvscopeEvent) => void) {}

  runningFor(sessionId: string): string | undefined {
    for (const job of this.jobs.values()) if (job.sessionId === sessionId) return job.id;
    return undefined;
  }

  /**
   * Starts work in the background and returns its id at once. Progress is
   * forwarded as events (coalesced: an update is only sent when the figures
   * moved by at least 1% or the phase changed).
   */
  start<T>(
    sessionId: string,
    work: JobWork<T>,
    finish: (result: T) => KvscopeEvent & { type: 'job-done' },
    toError: (err: unknown) => ApiError,
  ): string {
    const running = this.runningFor(sessionId);
    if (running) throw new ApiError('BUSY', 'A job is already running on this store', { jobId: running });
    const id = 'job_' + randomBytes(8).toString('hex');
    const controller = new AbortController();
    this.jobs.set(id, { id, sessionId, controller });
    let last: Progress | undefined;
    const onProgress = (p: Progress): void => {
      const step = Math.max(1, Math.floor(p.total / 100));
      if (last && last.phase === p.phase && p.done !== p.total && Math.abs(p.done - last.done) < step) return;
      last = p;
      this.emit({ type: 'job-progress', jobId: id, sessionId, phase: p.phase, done: p.done, total: p.total });
    };
    // Start on the next tick so the caller has the id before the first event.
    setImmediate(() => {
      work({ signal: controller.signal, onProgress })
        .then((result) => {
          this.ended(id);
          this.emit({ ...finish(result), jobId: id, sessionId });
        })
        .catch((err: unknown) => {
          this.ended(id);
          const error: ApiErrorShape = controller.signal.aborted
            ? { code: 'ABORTED', message: 'Cancelled' }
            : toError(err).toJSON();
          this.emit({ type: 'job-failed', jobId: id, sessionId, error });
        });
    });
    return id;
  }

  private ended(id: string): void {
    this.jobs.delete(id);
    this.finished.add(id);
    if (this.finished.size > FINISHED_KEPT) this.finished.delete(this.finished.values().next().value!);
  }

  /**
   * Cancels a running job: true. A job that has already ended (its job-done or
   * job-failed event is sent, or about to be): false, nothing to cancel. An id
   * this runner never started (or ended too long ago to remember) is NO_JOB.
   */
  cancel(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    if (!job) {
      if (this.finished.has(jobId)) return false;
      throw new ApiError('NO_JOB', `No job ${jobId}: it was never started here, or ended long ago`, { jobId });
    }
    job.controller.abort();
    return true;
  }

  cancelAll(): void {
    for (const job of this.jobs.values()) job.controller.abort();
  }
}
