/**
 * "Export keys…": the live keys the key list shows (its filter applied) with
 * their values, written to a file the person names as JSON Lines, the lines
 * `kvscope export` prints; a job with progress and Cancel. A file already
 * there is replaced only once the person says so.
 */
import type { ExportResult, KeyFilter } from '../../../shared/contract.js';
import type { ApiErrorShape } from '../../../shared/errors.js';
import { formatBytes, formatCount } from '../format.js';
import { JobProgress } from './JobProgress.js';
import { Modal } from './Modal.js';
import { ChooseButton, JobFormActions, LeftOutKeys, PathInput, usePathField } from './PathJobForm.js';
import type { JobState } from './StatsPanel.js';

/** How the last export asked for ended, if it did. */
export type ExportOutcome = { kind: 'done'; result: ExportResult } | { kind: 'failed'; error: ApiErrorShape; path: string };

interface Props {
  filter: KeyFilter | undefined;
  /** Keys the list counts for the filter. */
  count: number;
  job: JobState | null;
  starting: boolean;
  otherJob: boolean;
  outcome: ExportOutcome | null;
  /** The shell's save chooser, where it has one: the path chosen, or null. */
  onChoose?: () => Promise<string | null>;
  onStart: (path: string, overwrite: boolean) => void;
  onCancelJob: () => void;
  onClose: () => void;
}

function filterText(filter: KeyFilter | undefined): string {
  if (!filter || filter.pattern === '') return 'all the live keys';
  const how = filter.mode === 'prefix' ? 'starting with' : filter.mode === 'substring' ? 'containing' : 'matching the glob';
  return `the live keys ${how} “${filter.pattern}”`;
}

export function ExportDialog({ filter, count, job, starting, otherJob, outcome, onChoose, onStart, onCancelJob, onClose }: Props) {
  const field = usePathField('file', 'written');
  const path = field.path;
  const running = job !== null || starting;

  const done = outcome?.kind === 'done' ? outcome.result : null;
  // What the service said of a path goes once another is typed.
  const failed = outcome?.kind === 'failed' && outcome.path === path.trim() ? outcome : null;
  const exists = failed !== null && failed.error.code === 'BAD_REQUEST' && failed.error.details?.exists === true;
  return (
    <Modal title="Export keys" className="wide" onEscape={() => (running ? onCancelJob() : onClose())}>
      {done ? (
        <>
          <p className="modal-message" role="status" aria-label="Export result">
            Wrote {formatCount(done.lines)} {done.lines === 1 ? 'key' : 'keys'} ({formatBytes(done.bytes)}) to <span className="mono">{done.path}</span>.
            <LeftOutKeys count={done.leftOutCount} keys={done.leftOut} />
          </p>
          <div className="modal-actions">
            <button type="button" onClick={onClose}>
              Close
            </button>
          </div>
        </>
      ) : (
        <form onSubmit={field.onSubmit(running, (p) => onStart(p, false))}>
          <p className="modal-message small">
            Writes {filterText(filter)} ({formatCount(count)} {count === 1 ? 'key' : 'keys'}, as the list shows them) with their values to a file as JSON Lines,
            one <span className="mono">{'{"key": …, "value": …}'}</span> per line: what <span className="mono">kvscope export</span> writes, which{' '}
            <span className="mono">kvscope import</span> reads.
          </p>
          <PathInput id="export-path" label="File" placeholder="/path/to/keys.jsonl" field={field} disabled={running}>
            {onChoose && <ChooseButton field={field} onChoose={onChoose} disabled={running} />}
          </PathInput>
          {failed && exists && (
            <div className="notice small notice-row" role="alert" aria-label="File exists">
              <span>
                <span className="mono">{failed.path}</span> already exists. Replace it with the export?
              </span>
              <button type="button" className="danger" onClick={() => onStart(failed.path, true)}>
                Replace it
              </button>
            </div>
          )}
          {failed && !exists && (
            <div className={failed.error.code === 'ABORTED' ? 'notice small' : 'inline-error small'} role="alert" aria-label="Export problem">
              {failed.error.code === 'ABORTED' ? (
                <>
                  The export was cancelled: no file was written, <span className="mono">{failed.path}</span> is as it was before.
                </>
              ) : (
                <>The export did not go through: {failed.error.message}</>
              )}
            </div>
          )}
          {running && <JobProgress job={job} label="Export progress" />}
          <JobFormActions running={running} job={job} otherJob={otherJob} noun="export" action="Export" canSubmit={path.trim() !== ''} onCancelJob={onCancelJob} onClose={onClose} />
        </form>
      )}
    </Modal>
  );
}
