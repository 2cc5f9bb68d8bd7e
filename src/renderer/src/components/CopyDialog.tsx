/**
 * "Copy into a new kvscope store…": the live keys of the open store (any
 * format) copied into a new kvscope store in a directory the person names, as
 * a job (progress, Cancel); then the copy can be opened read-write. The store
 * open is only read.
 */
import type { CopyResult, SessionInfo } from '../../../shared/contract.js';
import type { ApiErrorShape } from '../../../shared/errors.js';
import { formatCount } from '../format.js';
import type { JobState } from './StatsPanel.js';
import { JobProgress } from './JobProgress.js';
import { Modal } from './Modal.js';
import { ChooseButton, JobFormActions, LeftOutKeys, PathInput, usePathField } from './PathJobForm.js';

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
  const field = usePathField('directory', 'copied into');
  const path = field.path;
  const running = job !== null || starting;

  const done = outcome?.kind === 'done' ? outcome.result : null;
  // What the service said of a path goes once another is typed.
  const failed = outcome?.kind === 'failed' && outcome.target === path.trim() ? outcome : null;
  return (
    <Modal title="Copy into a new kvscope store" className="wide" onEscape={() => (running ? onCancelJob() : onClose())}>
      {done ? (
        <>
          <p className="modal-message" role="status" aria-label="Copy result">
            Copied {formatCount(done.copied)} of {formatCount(done.keys)} live {done.keys === 1 ? 'key' : 'keys'} into the new kvscope store <span className="mono">{done.target}</span>.
            <LeftOutKeys count={done.leftOutCount} keys={done.leftOut} />{' '}
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
        <form onSubmit={field.onSubmit(running, (p) => onStart(p))}>
          <p className="modal-message small">
            Copies the {formatCount(session.keyCount)} live {session.keyCount === 1 ? 'key' : 'keys'} of this {session.format} store into a new kvscope store, which can
            then be opened read-write. This store is only read. Deleted keys and older versions are not copied.
          </p>
          <PathInput id="copy-path" label="New store directory (missing or empty)" placeholder="/path/to/new-store" field={field} disabled={running}>
            {onChoose && <ChooseButton field={field} onChoose={onChoose} disabled={running} />}
          </PathInput>
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
          <JobFormActions running={running} job={job} otherJob={otherJob} noun="copy" action="Copy" canSubmit={path.trim() !== ''} onCancelJob={onCancelJob} onClose={onClose} />
        </form>
      )}
    </Modal>
  );
}
