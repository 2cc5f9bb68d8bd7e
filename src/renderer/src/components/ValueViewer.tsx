/**
 * A value's bytes read four ways: Text, JSON, Hex and Base64 tabs. JSON is
 * shown as stored (only re-indented), with notes on what JSON.parse would
 * change. When an old version is shown instead of the live value, a notice
 * says which one and leads back.
 */
import { useMemo } from 'react';
import type { VersionInfo } from '../../../shared/contract.js';
import { bytesToBase64 } from '../../../shared/keytext.js';
import { decodeText, formatBytes } from '../format.js';
import { formatJson, type JsonNotes } from '../json-text.js';
import { partialJsonNotice } from '../value-load.js';
import { HexView } from './HexView.js';

export type View = 'text' | 'json' | 'hex' | 'base64';

/** An old version shown in the value views instead of the live value. */
export interface ShownVersion {
  version: VersionInfo;
  bytes: Uint8Array;
  size: number;
  truncated: boolean;
}

interface Props {
  /** The bytes to show: the live value's (or its first part), or the shown version's. */
  bytes: Uint8Array;
  /** Where `bytes` start in the value, for the hex offsets. */
  baseOffset: number;
  view: View;
  onViewChange: (view: View) => void;
  shown: ShownVersion | null;
  onBackToLive: () => void;
  /** Only the first part of the live value is loaded (`loaded` of its `size` bytes), or null. */
  partial?: { loaded: number; size: number } | null;
  /** Loads the rest of the live value (null while a load runs). */
  onLoadAll?: (() => void) | null;
}

function JsonNotesView({ notes }: { notes: JsonNotes }) {
  if (notes.inexactNumbers.length === 0 && notes.duplicateKeys.length === 0) return null;
  const list = (items: string[]) => items.slice(0, 5).join(', ') + (items.length > 5 ? ', …' : '');
  return (
    <div className="notice small" role="note" aria-label="JSON notes">
      {notes.inexactNumbers.length > 0 && (
        <div>
          Shown as stored: {list(notes.inexactNumbers)} cannot be held exactly by a JavaScript number (JSON.parse would change {notes.inexactNumbers.length === 1 ? 'it' : 'them'}).
        </div>
      )}
      {notes.duplicateKeys.length > 0 && <div>Duplicate key {list(notes.duplicateKeys)} in one object: every occurrence is shown; most JSON readers keep only the last.</div>}
    </div>
  );
}

export function ValueViewer({ bytes, baseOffset, view, onViewChange, shown, onBackToLive, partial = null, onLoadAll = null }: Props) {
  const text = useMemo(() => decodeText(bytes), [bytes]);
  /** A value only partly loaded is not parsed: its first part is not JSON (the rest is missing), whatever the whole is. */
  const incomplete = partial !== null || (shown?.truncated ?? false);
  const json = useMemo(() => (view === 'json' && !incomplete ? formatJson(text.text) : null), [text, view, incomplete]);
  const partialNotice = partial && partialJsonNotice(partial.loaded, partial.size);
  return (
    <>
      {shown && (
        <div className="notice small notice-row" role="status" aria-label="Shown version">
          <span>
            Showing version seq {shown.version.location.sequence} ({shown.version.status}) from {shown.version.location.file} @ {shown.version.location.offset}, {formatBytes(shown.size)}
            {shown.truncated ? ' (first part)' : ''}.
          </span>
          <button type="button" className="small-button" onClick={onBackToLive}>
            Back to live value
          </button>
        </div>
      )}
      <div className="tabs" role="tablist" aria-label="Value view">
        {(['text', 'json', 'hex', 'base64'] as const).map((v) => (
          <button key={v} type="button" role="tab" aria-selected={view === v} className={view === v ? 'on' : ''} onClick={() => onViewChange(v)}>
            {v === 'json' ? 'JSON' : v === 'base64' ? 'Base64' : v === 'hex' ? 'Hex' : 'Text'}
          </button>
        ))}
      </div>
      <div role="region" aria-label="Value" className={`value-view${view === 'hex' ? ' holds-hex' : ''}`}>
        {view === 'text' && (
          <>
            {!text.valid && <div className="notice small">Not valid UTF-8: invalid bytes are shown as �. Use Hex to see them.</div>}
            <pre className="mono value-text">{text.text}</pre>
          </>
        )}
        {view === 'json' && partialNotice && (
          <div className="notice small notice-row" role="status" aria-label="JSON needs the whole value">
            <span>{partialNotice.message}</span>
            {partialNotice.canLoadAll && (
              <button type="button" className="small-button" onClick={() => onLoadAll?.()} disabled={!onLoadAll}>
                {onLoadAll ? 'Load all' : 'Loading…'}
              </button>
            )}
          </div>
        )}
        {view === 'json' && !partial && shown?.truncated && (
          <div className="notice small" role="status" aria-label="JSON needs the whole value">
            Only the first {formatBytes(shown.bytes.length)} of this version ({formatBytes(shown.size)}) is read, so it cannot be viewed as JSON.
          </div>
        )}
        {view === 'json' &&
          json &&
          (json.ok ? (
            <>
              {!json.indented && (
                <div className="notice small" role="note" aria-label="JSON shown as stored">
                  Valid JSON, too deeply nested to show indented ({json.depth.toLocaleString('en-US')} levels); shown as stored.
                </div>
              )}
              <JsonNotesView notes={json.notes} />
              <pre className="mono value-text json">{json.text}</pre>
            </>
          ) : (
            <div className="inline-error">Not valid JSON: {json.error}</div>
          ))}
        {view === 'hex' && <HexView bytes={bytes} baseOffset={baseOffset} />}
        {view === 'base64' && <pre className="mono value-text wrap">{bytesToBase64(bytes)}</pre>}
      </div>
    </>
  );
}
