/**
 * "Copy into a new kvscope store…": the live keys of the open store (any
 * format) copied into a new kvscope store in a directory the person names, as
 * a job (progress, Cancel); then the copy can be opened read-write. The store
 * open is only read.
 */
import { useState, type FormEvent } from 'react';
import type { CopyResult, SessionInfo } from '../../../shared/contract.js';
import type { ApiErrorShape } from '../../../shared/errors.js';
import { isAbsolutePathText, relativePathProblem } from '../../../shared/path-text.js';
import { formatCount } from '../format.js';
import type { JobState } from './StatsPanel.js';
import { JobProgress } from './JobProgress.js';
import { Modal } from './Modal.js';

/** How the last copy asked for ended, if it did. */
export type CopyOutcome = { kind: 'done'; result: CopyResult } | { kind: 'failed'; error: ApiErrorShape; target: string };

interface Props {
  session: SessionInfo;
  /** The copy running (its progress), if any; `starting` while the request is unanswered. */
  job: JobState | null;
  starting: boolean;
  /** Another kind of job runs on this store: no copy until it ends. */
  otherJob: boolean;
  outcome: CopyOutcome | null;
  /** The desktop app's folder chooser; absent in the browser. */
  onChoose?: () => Promise<string | null>;
  onStart: (to: string) => void;
  onCancelJob: () => void;
  onOpenCopy: (path: string) => void;
  onClose: () => void;
}

export function CopyDialog({ session, job, starting, otherJob, outcome, onChoose, onStart, onCancelJob, onOpenCopy, onClose }: Props) {
  const [path, setPath] = useState('');
  /** Why the typed path is not asked for (a relative one), said beside the field. */
  const [pathProblem, setPathProblem] = useState<string | null>(null);
  const running = job !== null || starting;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const trimmed = path.trim();
    if (!trimmed || running) return;
    if (!isAbsolutePathText(trimmed)) {
      setPathProblem(relativePathProblem(trimmed, { thing: 'directory', done: 'copied into' }));
      return;
    }
    setPathProblem(null);
    onStart(trimmed);
  };

  const choose = async () => {
    const picked = await onChoose?.();
    if (picked) {
      setPath(picked);
      setPathProblem(null);
    }
  };

  const done = outcome?.kind === 'done' ? outcome.result : null;
  // What the service said of a path goes once another is typed.
  const failed = outcome?.kind === 'failed' && outcome.target === path.trim() ? outcome : null;
  return (
    <Modal title="Copy into a new kvscope store" className="wide" onEscape={() => (running ? onCancelJob() : onClose())}>
      {done ? (
        <>
          <p className="modal-message" role="status" aria-label="Copy result">
            Copied {formatCount(done.copied)} of {formatCount(done.keys)} live {done.keys === 1 ? 'key' : 'keys'} into the new kvscope store <span className="mono">{done.target}</span>.
            {done.leftOutCount > 0 && (
              <>
                {' '}
                {formatCount(done.leftOutCount)} {done.leftOutCount === 1 ? 'key' : 'keys'} could not be read and {done.leftOutCount === 1 ? 'was' : 'were'} left out
                (Verify shows the damage): <span className="mono">{done.leftOut.join(', ')}</span>
                {done.leftOut.length < done.leftOutCount ? ', …' : ''}.
              </>
            )}{' '}
            This store was not changed.
          </p>
          <div className="modal-actions">
            <button type="button" onClick={onClose}>
              Close
            </button>
            <button type="button" className="primary" autoFocus onClick={() => onOpenCopy(done.target)}>
              Open the copy read-write
            </button>
          </div>
        </>
      ) : (
        <form onSubmit={submit}>
          <p className="modal-message small">
            Copies the {formatCount(session.keyCount)} live {session.keyCount === 1 ? 'key' : 'keys'} of this {session.format} store into a new kvscope store, which can
            then be opened read-write. This store is only read. Deleted keys and older versions are not copied.
          </p>
          <label htmlFor="copy-path">New store directory (missing or empty)</label>
          <div className="row">
            <input
              id="copy-path"
              className="mono grow"
              type="text"
              placeholder="/path/to/new-store"
              value={path}
              spellCheck={false}
              autoComplete="off"
              disabled={running}
              aria-invalid={pathProblem !== null}
              aria-describedby={pathProblem !== null ? 'copy-path-problem' : undefined}
              onChange={(e) => {
                setPath(e.target.value);
                setPathProblem(null);
              }}
            />
            {onChoose && (
              <button type="button" onClick={() => void choose()} disabled={running}>
                Choose…
              </button>
            )}
          </div>
          {pathProblem !== null && (
            <div id="copy-path-problem" className="inline-error small" role="alert" aria-label="Path problem">
              {pathProblem}
            </div>
          )}
          {failed && (
            <div className={failed.error.code === 'ABORTED' ? 'notice small' : 'inline-error small'} role="alert" aria-label="Copy problem">
              {failed.error.code === 'ABORTED' ? (
                <>
                  The copy was cancelled. What it had written was removed: <span className="mono">{failed.target}</span> is as it was before (missing, or empty).
                </>
              ) : (
                <>
                  The copy did not go through: {failed.error.message}
                </>
              )}
            </div>
          )}
          {running && <JobProgress job={job} label="Copy progress" />}
          {otherJob && !running && <p className="small muted">Another job is running on this store: wait for it to end.</p>}
          <div className="modal-actions">
            {running ? (
              <button type="button" onClick={onCancelJob} disabled={job === null}>
                Cancel copy
              </button>
            ) : (
              <>
                <button type="button" onClick={onClose}>
                  Close
                </button>
                <button type="submit" className="primary" disabled={path.trim() === '' || otherJob}>
                  Copy
                </button>
              </>
            )}
          </div>
        </form>
      )}
    </Modal>
  );
}
