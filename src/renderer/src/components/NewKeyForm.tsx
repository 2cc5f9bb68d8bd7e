/**
 * The New key form's key field (as text or as hex), and the warning when the
 * key it names exists already: edit that key instead, or overwrite it (asked
 * for explicitly; saving never overwrites without it). The value is typed in
 * the editor below it, which the pane owns.
 */
import type { KeyboardEvent } from 'react';
import { describeKey } from '../../../shared/keytext.js';
import type { NewKeyInput } from '../value-draft.js';

interface Props {
  newKey: NewKeyInput;
  onChange: (newKey: NewKeyInput) => void;
  /** The named key, when it exists already. */
  existing: string | null;
  /** The key the user agreed to overwrite. */
  overwrite: string | null;
  onOverwrite: (key: string) => void;
  onEditInstead: (key: string) => void;
  /** Escape and Ctrl+Enter, handled by the pane. */
  onKeyDown: (e: KeyboardEvent) => void;
}

export function NewKeyForm({ newKey, onChange, existing, overwrite, onOverwrite, onEditInstead, onKeyDown }: Props) {
  return (
    <>
      <div className="new-key" onKeyDown={onKeyDown}>
        <label htmlFor="new-key-input">Key</label>
        <input
          id="new-key-input"
          autoFocus
          className="mono"
          type="text"
          value={newKey.text}
          spellCheck={false}
          placeholder={newKey.asHex ? '75 73 65 72 3a 31' : 'user:42'}
          onChange={(e) => onChange({ ...newKey, text: e.target.value })}
        />
        <label className="check small">
          <input type="checkbox" checked={newKey.asHex} onChange={(e) => onChange({ ...newKey, asHex: e.target.checked })} /> key as hex
        </label>
      </div>
      {existing !== null && (
        <div className="notice small notice-row" role="alert" aria-label="Key exists">
          <span>
            {overwrite === existing
              ? `Saving will overwrite the existing value of “${describeKey(existing).display}”.`
              : `A key “${describeKey(existing).display}” already exists. Saving here would overwrite its value.`}
          </span>
          <span className="inline-actions">
            <button type="button" className="small-button" onClick={() => onEditInstead(existing)}>
              Edit it instead
            </button>
            {overwrite !== existing && (
              <button type="button" className="small-button danger-outline" onClick={() => onOverwrite(existing)}>
                Overwrite it
              </button>
            )}
          </span>
        </div>
      )}
    </>
  );
}
