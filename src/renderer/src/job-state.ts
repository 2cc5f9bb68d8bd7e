/**
 * The page's view of the session's job (compaction, verify, a copy into a new store, an export, an import, the
 * dead-space search), from what
 * reaches it in whatever order: the answer to the request that started the
 * job (its id) comes over HTTP (or IPC), its progress and its end (job-done,
 * job-failed) as events over another channel. A short job's end can arrive
 * before the answer that names it, and a progress event can be overtaken:
 * an ended job never comes back as running (a progress bar at 0% and Cancel
 * beside its result), whichever comes last.
 */
import type { JobState } from './components/StatsPanel.js';

export type JobKind = 'compact' | 'verify' | 'copy' | 'export' | 'import' | 'dead-space';

export interface JobsState {
  /** The job running, as the page shows it; null when none. */
  job: JobState | null;
  /** The kind of job the page asked for and has no answer (no id) for yet. */
  requested: JobKind | null;
  /** Kinds of the jobs the page started, by id. */
  kinds: Readonly<Record<string, JobKind>>;
  /** Ids of jobs that ended (job-done or job-failed seen), the latest ENDED_KEPT: nothing said of them later revives them. */
  ended: readonly string[];
}

export type JobAction =
  /** The page asks for a job of this kind (before the request is sent). */
  | { type: 'requested'; kind: JobKind }
  /** The request was refused: no job started. */
  | { type: 'refused' }
  /** The request's answer: the job's id. */
  | { type: 'started'; jobId: string; kind: JobKind }
  | { type: 'progress'; jobId: string; phase: string; done: number; total: number }
  /** job-done or job-failed. */
  | { type: 'ended'; jobId: string };

const ENDED_KEPT = 50;

export const noJobs: JobsState = { job: null, requested: null, kinds: {}, ended: [] };

/** The kind of a job by its id: from the answer that named it, else the request still unanswered (one job per session). */
export function kindOf(state: JobsState, jobId: string): JobKind | undefined {
  return state.kinds[jobId] ?? (state.job?.jobId === jobId ? state.job.kind : undefined) ?? state.requested ?? undefined;
}

export function jobsReducer(state: JobsState, action: JobAction): JobsState {
  switch (action.type) {
    case 'requested':
      return { ...state, requested: action.kind };
    case 'refused':
      return { ...state, requested: null };
    case 'started': {
      const kinds = { ...state.kinds, [action.jobId]: action.kind };
      // Its end came first: the answer names a job that is over.
      if (state.ended.includes(action.jobId)) return { ...state, requested: null, kinds };
      const seen = state.job?.jobId === action.jobId ? state.job : null;
      if (state.job && !seen) return { ...state, requested: null, kinds };
      const job: JobState = seen ? { ...seen, kind: action.kind } : { jobId: action.jobId, kind: action.kind, phase: 'starting', done: 0, total: 0 };
      return { ...state, requested: null, kinds, job };
    }
    case 'progress': {
      if (state.ended.includes(action.jobId)) return state;
      const kind = kindOf(state, action.jobId);
      return { ...state, job: { jobId: action.jobId, ...(kind ? { kind } : {}), phase: action.phase, done: action.done, total: action.total } };
    }
    case 'ended': {
      const kind = kindOf(state, action.jobId);
      const ended = [...state.ended.filter((id) => id !== action.jobId), action.jobId].slice(-ENDED_KEPT);
      return {
        ...state,
        job: state.job?.jobId === action.jobId ? null : state.job,
        // The request this job answers is over too, when its answer has not come yet.
        requested: state.kinds[action.jobId] === undefined && state.requested === kind ? null : state.requested,
        kinds: kind && state.kinds[action.jobId] === undefined ? { ...state.kinds, [action.jobId]: kind } : state.kinds,
        ended,
      };
    }
  }
}
