/**
 * The parts the dialogs that run a job on a path share (Copy into a new
 * kvscope store…, Export keys…, Import JSON Lines…): the path typed, refused
 * beside its field when it is not absolute (the page cannot show which
 * directory a relative one would be taken from); the actions, Cancel while
 * the job runs and Close and the dialog's own action otherwise; Choose…
 * where the shell has a chooser; and the
 * sentence naming keys a job could not read.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { isAbsolutePathText, relativePathProblem } from '../../../shared/path-text.js';
import { formatCount } from '../format.js';
import type { JobState } from './StatsPanel.js';

export interface PathField {
  path: string;
  /** Why the typed path is not asked for (a relative one), said beside the field. */
  problem: string | null;
  /** Typed or chosen: any problem said of the path before goes. */
  setPath: (path: string) => void;
  /** The trimmed path when it is absolute; else null, with the problem said. */
  accept: () => string | null;
  /** The form's submit handler: `start` with the path accepted, unless the field is empty, `busy` or the path refused. */
  onSubmit: (busy: boolean, start: (path: string) => void) => (e: FormEvent) => void;
}

/** A path field's state; `thing` and `done` word its refusal ("a relative file cannot be written"). */
export function usePathField(thing: 'directory' | 'file', done: string): PathField {
  const [path, setPathText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const accept = (): string | null => {
    const trimmed = path.trim();
    if (!isAbsolutePathText(trimmed)) {
      setProblem(relativePathProblem(trimmed, { thing, done }));
      return null;
    }
    setProblem(null);
    return trimmed;
  };
  return {
    path,
    problem,
    setPath: (p) => {
      setPathText(p);
      setProblem(null);
    },
    accept,
    onSubmit: (busy, start) => (e) => {
      e.preventDefault();
      if (path.trim() === '' || busy) return;
      const accepted = accept();
      if (accepted !== null) start(accepted);
    },
  };
}

/** The labelled path input, with what follows it on its row (a Choose… button) and its problem below. */
export function PathInput({ id, label, placeholder, field, disabled, children }: { id: string; label: string; placeholder: string; field: PathField; disabled: boolean; children?: ReactNode }) {
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <div className="row">
        <input
          id={id}
          className="mono grow"
          type="text"
          placeholder={placeholder}
          value={field.path}
          spellCheck={false}
          autoComplete="off"
          disabled={disabled}
          aria-invalid={field.problem !== null}
          aria-describedby={field.problem !== null ? `${id}-problem` : undefined}
          onChange={(e) => field.setPath(e.target.value)}
        />
        {children}
      </div>
      {field.problem !== null && (
        <div id={`${id}-problem`} className="inline-error small" role="alert" aria-label="Path problem">
          {field.problem}
        </div>
      )}
    </>
  );
}

/**
 * "Choose…" beside a path field, where the shell has a native chooser (the desktop app; the browser host's page
 * gets no button): the path chosen fills the field, a cancelled chooser leaves it as it was.
 */
export function ChooseButton({ field, onChoose, disabled }: { field: PathField; onChoose: () => Promise<string | null>; disabled: boolean }) {
  const choose = async () => {
    const picked = await onChoose();
    if (picked) field.setPath(picked);
  };
  return (
    <button type="button" onClick={() => void choose()} disabled={disabled}>
      Choose…
    </button>
  );
}

/** Below the form: "another job is running" when one is, and Cancel <noun> while this job runs, else Close and the action. */
export function JobFormActions(props: {
  running: boolean;
  job: JobState | null;
  otherJob: boolean;
  /** "copy", "export", "import": Cancel copy. */
  noun: string;
  /** The submit button's label. */
  action: string;
  canSubmit: boolean;
  onCancelJob: () => void;
  onClose: () => void;
}) {
  const { running, job, otherJob, noun, action, canSubmit, onCancelJob, onClose } = props;
  return (
    <>
      {otherJob && !running && <p className="small muted">Another job is running on this store: wait for it to end.</p>}
      <div className="modal-actions">
        {running ? (
          <button type="button" onClick={onCancelJob} disabled={job === null}>
            Cancel {noun}
          </button>
        ) : (
          <>
            <button type="button" onClick={onClose}>
              Close
            </button>
            <button type="submit" className="primary" disabled={!canSubmit || otherJob}>
              {action}
            </button>
          </>
        )}
      </div>
    </>
  );
}

/** " N keys could not be read and were left out (Verify shows the damage): a, b, …." — nothing when none were. */
export function LeftOutKeys({ count, keys }: { count: number; keys: string[] }) {
  if (count === 0) return null;
  return (
    <>
      {' '}
      {formatCount(count)} {count === 1 ? 'key' : 'keys'} could not be read and {count === 1 ? 'was' : 'were'} left out (Verify shows the damage):{' '}
      <span className="mono">{keys.join(', ')}</span>
      {keys.length < count ? ', …' : ''}.
    </>
  );
}
