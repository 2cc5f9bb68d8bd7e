/**
 * The page's job state from the start request's answer and the job's events
 * in every order they can come (job-state.ts): a job whose end has been seen
 * never shows as running again (QA saw Verify's result beside a 0% progress
 * bar and Cancel when job-done came before the answer naming the job).
 */
import { describe, expect, it } from 'vitest';
import { jobsReducer, kindOf, noJobs, type JobAction, type JobKind, type JobsState } from '../../src/renderer/src/job-state.js';

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [items.slice()];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

function run(actions: readonly JobAction[], from: JobsState = noJobs): JobsState[] {
  const states: JobsState[] = [];
  let state = from;
  for (const a of actions) states.push((state = jobsReducer(state, a)));
  return states;
}

const after = (actions: readonly JobAction[], from: JobsState = noJobs): JobsState => run(actions, from).at(-1) ?? from;

describe.each<JobKind>(['verify', 'compact'])('a %s job: its answer, progress and end in every order', (kind) => {
  const jobId = `job_${kind}`;
  const events: JobAction[] = [
    { type: 'started', jobId, kind },
    { type: 'progress', jobId, phase: kind, done: 10, total: 100 },
    { type: 'progress', jobId, phase: kind, done: 60, total: 100 },
    { type: 'ended', jobId },
  ];
  const orders = permutations(events);

  it.each(orders.map((order) => [order.map((a) => (a.type === 'progress' ? `progress ${a.done}` : a.type)).join(', '), order] as const))('%s', (_name, order) => {
    const states = run([{ type: 'requested', kind }, ...order]);
    const endedAt = order.findIndex((a) => a.type === 'ended') + 1;
    states.forEach((state, i) => {
      if (i >= endedAt) {
        // Once its end is seen, nothing that comes later shows it running: no progress, no Cancel.
        expect(state.job).toBeNull();
      } else if (i > 0) {
        // Before it, a progress or the answer shows it running, as the kind the page asked for.
        expect(state.job).toMatchObject({ jobId, kind });
        const lastProgress = order.slice(0, i).filter((a) => a.type === 'progress').at(-1);
        if (lastProgress?.type === 'progress') expect(state.job?.done).toBe(lastProgress.done);
      }
    });
    const last = states.at(-1)!;
    expect(last.job).toBeNull();
    // Nothing waits for an answer any more, and the ended job's kind is known (its cancel or failure message).
    expect(last.requested).toBeNull();
    expect(kindOf(last, jobId)).toBe(kind);
  });
});

describe('jobs after one another and refusals', () => {
  it('an ended job named again (a late answer or progress) does not replace the next job', () => {
    const first = after([{ type: 'requested', kind: 'verify' }, { type: 'ended', jobId: 'a' }]);
    const second = after([{ type: 'requested', kind: 'compact' }, { type: 'progress', jobId: 'b', phase: 'compact', done: 5, total: 10 }], first);
    expect(second.job).toMatchObject({ jobId: 'b', kind: 'compact', done: 5 });
    const late = after(
      [
        { type: 'started', jobId: 'a', kind: 'verify' },
        { type: 'progress', jobId: 'a', phase: 'verify', done: 0, total: 10 },
      ],
      second,
    );
    expect(late.job).toMatchObject({ jobId: 'b', kind: 'compact', done: 5 });
    expect(kindOf(late, 'a')).toBe('verify');
  });

  it('a refused request shows no job and waits for no answer', () => {
    const state = after([{ type: 'requested', kind: 'compact' }, { type: 'refused' }]);
    expect(state).toMatchObject({ job: null, requested: null });
  });

  it('the answer after a progress keeps the progress figures', () => {
    const state = after([
      { type: 'requested', kind: 'verify' },
      { type: 'progress', jobId: 'v', phase: 'verify', done: 40, total: 100 },
      { type: 'started', jobId: 'v', kind: 'verify' },
    ]);
    expect(state.job).toEqual({ jobId: 'v', kind: 'verify', phase: 'verify', done: 40, total: 100 });
  });
});
