/**
 * A value's bytes read four ways: Text, JSON, Hex and Base64 tabs. JSON is
 * shown as stored (only re-indented), with notes on what JSON.parse would
 * change. When an old version is shown instead of the live value, a notice
 * says which one and leads back.
 */
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { VersionInfo } from '../../../shared/contract.js';
import { bytesToBase64 } from '../../../shared/keytext.js';
import { decodeText, formatBytes } from '../format.js';
import { sequenceText } from '../../../shared/sequence-text.js';
import { formatJson, formatJsonSteps, type JsonNotes, type JsonResult } from '../../../shared/json-text.js';
import { base64RowSteps } from '../base64-rows.js';
import { buildRowIndex, rowIndexSteps, type RowIndex } from '../line-index.js';
import { ResumableWork } from '../sliced.js';
import { partialJsonNotice } from '../value-load.js';
import { onTablistKeyDown } from '../focus.js';
import { HexView } from './HexView.js';
import { LinesView } from './LinesView.js';

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
  /** The key has no live value (it was deleted): leaving a shown version closes it, to the deleted key's note. */
  noLiveValue?: boolean;
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

/**
 * Texts up to this many characters and SIMPLE_ROWS_MAX rows are drawn whole in one <pre> (wrapped); larger ones are
 * drawn by rows (LinesView), their rows indexed and their JSON formatted in slices.
 */
export const SIMPLE_CHARS_MAX = 64 * 1024;
export const SIMPLE_ROWS_MAX = 2000;

/** Values up to this many bytes have their Base64 (SIMPLE_CHARS_MAX characters) drawn whole; larger ones by rows. */
export const SIMPLE_BASE64_BYTES = (SIMPLE_CHARS_MAX / 4) * 3;

/** Whether `text` is drawn whole: its row index when it is not (small texts are indexed at once, cheaply). */
function isSmall(text: string): boolean {
  if (text.length > SIMPLE_CHARS_MAX) return false;
  return buildRowIndex(text).count <= SIMPLE_ROWS_MAX;
}

/** The JSON of a large value, formatted and indexed in slices. */
function* prepareJson(text: string): Generator<void, { json: JsonResult; rows: RowIndex | null }, void> {
  const json = yield* formatJsonSteps(text);
  const rows = json.ok ? yield* rowIndexSteps(json.text) : null;
  return { json, rows };
}

/**
 * The result of a generator run in slices for `input` while `active` (null until it is done, and for a null
 * input). Leaving (another tab: not active) stops the run under way and keeps what it did: going back to the same
 * input goes on from there, and once done it is not run again. A new input (another key) drops the work.
 * `start` is read once: pass a function that does not change.
 */
function useSliced<I, T>(input: I | null, active: boolean, start: (input: I) => Generator<void, T, void>): T | null {
  const [done, setDone] = useState<{ input: I; value: T } | null>(null);
  /** What was done last: going back to an input (the JSON tab again) does not run it again. */
  const last = useRef(done);
  last.current = done;
  const work = useRef<ResumableWork<I, T> | null>(null);
  work.current ??= new ResumableWork(start);
  useEffect(() => {
    const sliced = work.current!;
    // Work left unfinished for another value (a key shown while on another tab) is not wanted any more.
    sliced.dropUnless(input);
    if (input === null || !active || last.current?.input === input) return undefined;
    let stopped = false;
    void sliced.run(input, () => stopped).then((value) => {
      if (value !== null) setDone({ input, value });
    });
    return () => {
      stopped = true;
    };
  }, [input, active]);
  useEffect(() => () => work.current?.drop(), []);
  return done && done.input === input ? done.value : null;
}

const indexText = (text: string) => rowIndexSteps(text);
const indexBase64 = (bytes: Uint8Array) => base64RowSteps(bytes);

/** A React key per row index: another value's rows start a fresh view (scrolled to the top, no old copy note). */
const indexIds = new WeakMap<RowIndex, number>();
let lastIndexId = 0;
function idOf(index: RowIndex): number {
  let id = indexIds.get(index);
  if (id === undefined) indexIds.set(index, (id = ++lastIndexId));
  return id;
}

export function ValueViewer({ bytes, baseOffset, view, onViewChange, shown, onBackToLive, noLiveValue = false, partial = null, onLoadAll = null }: Props) {
  const text = useMemo(() => decodeText(bytes), [bytes]);
  /** A value only partly loaded is not parsed: its first part is not JSON (the rest is missing), whatever the whole is. */
  const incomplete = partial !== null || (shown?.truncated ?? false);
  const small = useMemo(() => isSmall(text.text), [text]);
  const json = useMemo(() => (small && view === 'json' && !incomplete ? formatJson(text.text) : null), [text, view, incomplete, small]);
  /** A large value: its text's rows (Text tab, and the JSON tab while it is formatted), and its JSON formatted and indexed. */
  const textRows = useSliced(small ? null : text.text, view === 'text' || view === 'json', indexText);
  const bigJson = useSliced(small || incomplete ? null : text.text, view === 'json', prepareJson);
  /** A large value's Base64, encoded and cut into rows in slices (a small one is drawn whole). */
  const smallBase64 = bytes.length <= SIMPLE_BASE64_BYTES;
  const base64Rows = useSliced(smallBase64 ? null : bytes, view === 'base64', indexBase64);
  const holdsLines = (!small && (view === 'text' || view === 'json')) || (view === 'base64' && !smallBase64);
  const partialNotice = partial && partialJsonNotice(partial.loaded, partial.size);
  const ids = useId();
  return (
    <>
      {shown && (
        <div className="notice small notice-row" role="status" aria-label="Shown version">
          <span>
            Showing version {shown.version.location.sequenceIsOrder ? '' : shown.version.location.sequenceIsTimestamp ? 'written ' : 'seq '}
            {sequenceText(shown.version.location)} ({shown.version.status}) from {shown.version.location.file} @ {shown.version.location.offset}, {formatBytes(shown.size)}
            {shown.truncated ? ' (first part)' : ''}.
          </span>
          <button type="button" className="small-button" onClick={onBackToLive}>
            {noLiveValue ? 'Close this version' : 'Back to live value'}
          </button>
        </div>
      )}
      {/* The value's region holds its tabs and the view shown, a tab panel named by its tab (ARIA's tabs pattern). */}
      <div role="region" aria-label="Value">
        <div className="tabs" role="tablist" aria-label="Value view" onKeyDown={onTablistKeyDown}>
          {(['text', 'json', 'hex', 'base64'] as const).map((v) => (
            <button
              key={v}
              id={`${ids}-tab-${v}`}
              type="button"
              role="tab"
              aria-selected={view === v}
              aria-controls={view === v ? `${ids}-panel` : undefined}
              tabIndex={view === v ? 0 : -1}
              className={view === v ? 'on' : ''}
              onClick={() => onViewChange(v)}>
              {v === 'json' ? 'JSON' : v === 'base64' ? 'Base64' : v === 'hex' ? 'Hex' : 'Text'}
            </button>
          ))}
        </div>
        <div role="tabpanel" id={`${ids}-panel`} aria-labelledby={`${ids}-tab-${view}`} className={`value-view${view === 'hex' ? ' holds-hex' : holdsLines ? ' holds-lines' : ''}`}>
          {view === 'text' && (
            <>
              {!text.valid && <div className="notice small">Not valid UTF-8: invalid bytes are shown as �. Use Hex to see them.</div>}
              {small ? <pre className="mono value-text">{text.text}</pre> : textRows ? <LinesView key={idOf(textRows)} index={textRows} label="Value text" /> : <div className="muted small lines-wait">Preparing the text…</div>}
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
          {view === 'json' && !small && !incomplete && !bigJson && (
            <>
              <div className="notice small" role="status" aria-label="Formatting">
                Formatting… (shown as stored meanwhile)
              </div>
              {textRows && <LinesView key={idOf(textRows)} index={textRows} label="Value text" />}
            </>
          )}
          {view === 'json' &&
            bigJson &&
            (bigJson.json.ok ? (
              <>
                {!bigJson.json.indented && (
                  <div className="notice small" role="note" aria-label="JSON shown as stored">
                    Valid JSON, too deeply nested to show indented ({bigJson.json.depth.toLocaleString('en-US')} levels); shown as stored.
                  </div>
                )}
                <JsonNotesView notes={bigJson.json.notes} />
                {bigJson.rows && <LinesView key={idOf(bigJson.rows)} index={bigJson.rows} className="json" label="Value JSON" />}
              </>
            ) : (
              <div className="inline-error">Not valid JSON: {bigJson.json.error}</div>
            ))}
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
          {view === 'base64' &&
            (smallBase64 ? (
              <pre className="mono value-text wrap">{bytesToBase64(bytes)}</pre>
            ) : base64Rows ? (
              <LinesView key={idOf(base64Rows)} index={base64Rows} label="Value Base64" />
            ) : (
              <div className="muted small lines-wait">Preparing the Base64…</div>
            ))}
        </div>
      </div>
    </>
  );
}
