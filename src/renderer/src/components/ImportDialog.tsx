/**
 * "Import JSON Lines…": a file of `{"key": …, "value": …}` lines (what Export
 * keys… and `kvscope export` write) imported into the open kvscope store,
 * read-write, as `kvscope import FILE` does: every line checked first, a bad
 * one imports nothing; a job with progress and Cancel.
 */
import type { ImportResult } from '../../../shared/contract.js';
import type { ApiErrorShape } from '../../../shared/errors.js';
import { formatCount } from '../format.js';
import { JobProgress } from './JobProgress.js';
import { Modal } from './Modal.js';
import { ChooseButton, JobFormActions, PathInput, usePathField } from './PathJobForm.js';
import type { JobState } from './StatsPanel.js';

/** How the last import asked for ended, if it did. */
export type ImportOutcome = { kind: 'done'; result: ImportResult } | { kind: 'failed'; error: ApiErrorShape; path: string };

interface Props {
  job: JobState | null;
  starting: boolean;
  otherJob: boolean;
  outcome: ImportOutcome | null;
  /** The shell's open chooser, where it has one: the path chosen, or null. */
  onChoose?: () => Promise<string | null>;
  onStart: (path: string) => void;
  onCancelJob: () => void;
  onClose: () => void;
}

function lines(n: number): string {
  return `${formatCount(n)} ${n === 1 ? 'line' : 'lines'}`;
}

export function ImportDialog({ job, starting, otherJob, outcome, onChoose, onStart, onCancelJob, onClose }: Props) {
  const field = usePathField('file', 'read');
  const path = field.path;
  const running = job !== null || starting;

  const done = outcome?.kind === 'done' ? outcome.result : null;
  // What the service said of a path goes once another is typed.
  const failed = outcome?.kind === 'failed' && outcome.path === path.trim() ? outcome : null;
  return (
    <Modal title="Import JSON Lines" className="wide" onEscape={() => (running ? onCancelJob() : onClose())}>
      {done ? (
        <>
          <p className="modal-message" role="status" aria-label="Import result">
            {done.interrupted
              ? `The import was cancelled while writing: ${lines(done.imported)} of ${formatCount(done.records)} went in (through line ${formatCount(done.throughLine)} of the file, in whole batches); the rest did not.`
              : `Imported ${lines(done.imported)} from `}
            {!done.interrupted && <span className="mono">{done.path}</span>}
            {!done.interrupted && '.'} The store has {formatCount(done.keyCount)} live {done.keyCount === 1 ? 'key' : 'keys'} now.
          </p>
          <div className="modal-actions">
            <button type="button" onClick={onClose}>
              Close
            </button>
          </div>
        </>
      ) : (
        <form onSubmit={field.onSubmit(running, (p) => onStart(p))}>
          <p className="modal-message small">
            Reads a file of <span className="mono">{'{"key": …, "value": …}'}</span> lines (<span className="mono">{'"deleted": true'}</span> deletes the key), what
            Export keys… and <span className="mono">kvscope export</span> write, into this store. Every line is checked first: if one is not right, nothing is imported.
          </p>
          <PathInput id="import-path" label="File" placeholder="/path/to/keys.jsonl" field={field} disabled={running}>
            {onChoose && <ChooseButton field={field} onChoose={onChoose} disabled={running} />}
          </PathInput>
          {failed && (
            <div className={failed.error.code === 'ABORTED' ? 'notice small' : 'inline-error small'} role="alert" aria-label="Import problem">
              {failed.error.code === 'ABORTED' ? 'The import was cancelled while its lines were checked: nothing was imported.' : <>The import did not go through: {failed.error.message}</>}
            </div>
          )}
          {running && <JobProgress job={job} label="Import progress" />}
          <JobFormActions running={running} job={job} otherJob={otherJob} noun="import" action="Import" canSubmit={path.trim() !== ''} onCancelJob={onCancelJob} onClose={onClose} />
        </form>
      )}
    </Modal>
  );
}
