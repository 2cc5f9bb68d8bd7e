/**
 * The value editor: the draft in a text box, edited as text, JSON or hex,
 * with Save and Cancel. Switching the format re-expresses the draft only when
 * no byte would change; "Format" re-indents JSON and keeps every token's text.
 * The pane that holds it owns the draft, saving and cancelling.
 */
import type { KeyboardEvent } from 'react';
import { textEditProblem } from '../format.js';
import { formatJson } from '../../../shared/json-text.js';
import { bytesToDraft, draftToBytes, type EditDraft, type EditFormat } from '../value-draft.js';
import { onRadioGroupKeyDown } from '../focus.js';

interface Props {
  editing: EditDraft;
  onChange: (editing: EditDraft) => void;
  /** Why the value cannot be edited as text (only hex is offered then), or null. */
  textProblem: string | null;
  /** What is wrong with the draft, shown below it, or null. */
  error: string | null;
  onError: (message: string | null) => void;
  saving: boolean;
  onSave: () => void;
  onCancel: () => void;
  /** Escape and Ctrl+Enter, handled by the pane. */
  onKeyDown: (e: KeyboardEvent) => void;
  /** Focus the text box when the editor opens (Edit); the New key form focuses its key field instead. */
  autoFocus?: boolean;
}

export function ValueEditor({ editing, onChange, textProblem, error, onError, saving, onSave, onCancel, onKeyDown, autoFocus = false }: Props) {
  const changeEditFormat = (format: EditFormat) => {
    // Re-express the current draft in the new format when it converts cleanly, and only if no byte would change.
    const current = draftToBytes(editing.format, editing.draft);
    if ('bytes' in current && format !== 'hex') {
      const problem = textEditProblem(current.bytes);
      if (problem) return onError(problem);
    }
    onError(null);
    onChange({ format, draft: 'bytes' in current ? bytesToDraft(format, current.bytes) : editing.draft });
  };

  /** The explicit "Format" action: re-indents the draft, keeping every token's text. */
  const formatDraft = () => {
    const formatted = formatJson(editing.draft);
    if (!formatted.ok) return onError(`Invalid JSON: ${formatted.error}`);
    if (!formatted.indented) return onError(`Valid JSON, but too deeply nested to re-indent (${formatted.depth.toLocaleString('en-US')} levels); it is left as it is.`);
    onError(null);
    onChange({ ...editing, draft: formatted.text });
  };

  return (
    <div className="editor" onKeyDown={onKeyDown}>
      <div className="small muted">Ctrl+Enter saves · Escape cancels</div>
      <div className="controls-row">
        <span className="small muted">Edit as</span>
        <div className="segmented" role="radiogroup" aria-label="Edit as" onKeyDown={onRadioGroupKeyDown}>
          {(['text', 'json', 'hex'] as const).map((f) => (
            <button
              key={f}
              type="button"
              role="radio"
              aria-checked={editing.format === f}
              tabIndex={editing.format === f ? 0 : -1}
              className={editing.format === f ? 'on' : ''}
              disabled={textProblem !== null && f !== 'hex'}
              title={textProblem !== null && f !== 'hex' ? textProblem : undefined}
              onClick={() => changeEditFormat(f)}
            >
              {f}
            </button>
          ))}
        </div>
        {editing.format === 'json' && (
          <button type="button" className="small-button" onClick={formatDraft} title="Re-indent the JSON; numbers, strings and keys stay exactly as written">
            Format
          </button>
        )}
      </div>
      {textProblem && (
        <div className="notice small" role="note" aria-label="Why hex">
          {textProblem}
        </div>
      )}
      <textarea
        aria-label="Value"
        autoFocus={autoFocus}
        className="mono value-editor"
        spellCheck={false}
        value={editing.draft}
        onChange={(e) => onChange({ ...editing, draft: e.target.value })}
      />
      {error && (
        <div className="inline-error" role="alert">
          {error}
        </div>
      )}
      <div className="controls-row">
        <button type="button" className="primary" onClick={onSave} disabled={saving}>
          {saving ? 'Saving…' : 'Save'}
        </button>
        <button
          type="button"
          onClick={onCancel}
          disabled={saving}
        >
          Cancel
        </button>
      </div>
    </div>
  );
}
