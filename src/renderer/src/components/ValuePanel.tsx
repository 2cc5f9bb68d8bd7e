/**
 * The selected key's value: Text, JSON, Hex and Base64 views, its size and
 * location (file, segment, offset, sequence) and history; editing, creating
 * and deleting keys when the store is read-write.
 */
import { useWriteHint } from '../write-hint.js';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { GetValueResponse, HistoryResponse, KvscopeApi, VersionInfo } from '../../../shared/contract.js';
import { LIMITS } from '../../../shared/limits.js';
import { asApiError, type ApiErrorShape } from '../../../shared/errors.js';
import {
  base64ToBytes,
  bytesToBase64,
  bytesToHex,
  describeKey,
  hexToBytes,
  keyStringToHex,
  textToKeyString,
  bytesToKeyString,
} from '../../../shared/keytext.js';
import { decodeText, formatBytes, formatCount, textEditProblem } from '../format.js';
import type { Selection } from './Workspace.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { HexView } from './HexView.js';
import { KeyText, keyTitle } from './KeyText.js';
import { formatJson, type JsonNotes } from '../json-text.js';

type View = 'text' | 'json' | 'hex' | 'base64';
type EditFormat = 'text' | 'json' | 'hex';

interface Props {
  api: KvscopeApi;
  sessionId: string;
  version: number;
  readOnly: boolean;
  selection: Selection;
  onWritten: (selectKey?: string | null) => void;
  /** Leave the New key form without creating a key. */
  onCancelNew: () => void;
  /** Told whether there are unsaved changes (an edit or a new key that differs from what is stored). */
  onDirtyChange?: (dirty: boolean) => void;
  /** Show a record's bytes in the Records view. */
  onOpenRecord?: (file: string, offset: number) => void;
  onError: (err: unknown) => void;
}

/** An old version shown in the value views instead of the live value. */
interface ShownVersion {
  version: VersionInfo;
  bytes: Uint8Array;
  size: number;
  truncated: boolean;
}

interface Loaded {
  response: GetValueResponse;
  bytes: Uint8Array;
}

/** Turns an edited draft into bytes, or explains why it cannot be saved. The draft's own text is saved: JSON is checked, never re-serialized. */
function draftToBytes(format: EditFormat, draft: string): { bytes: Uint8Array } | { error: string } {
  if (format === 'hex') {
    const bytes = hexToBytes(draft);
    return bytes ? { bytes } : { error: 'Invalid hex: use pairs of hex digits, e.g. "de ad be ef".' };
  }
  if (format === 'json') {
    const checked = formatJson(draft);
    if (!checked.ok) return { error: `Invalid JSON: ${checked.error}` };
  }
  return { bytes: new TextEncoder().encode(draft) };
}

/** The value as editable text: its own text, in every format (a JSON value is not re-indented unless the user asks). */
function bytesToDraft(format: EditFormat, bytes: Uint8Array): string {
  if (format === 'hex') return bytesToHex(bytes, ' ');
  return decodeText(bytes).text;
}

/** The live value could not be read: what failed and where, inside the value pane. */
function LoadErrorView({ error, onOpenRecord, hasHistory }: { error: ApiErrorShape; onOpenRecord: ((file: string, offset: number) => void) | undefined; hasHistory: boolean }) {
  const file = typeof error.details?.file === 'string' ? error.details.file : null;
  const offset = typeof error.details?.offset === 'number' ? error.details.offset : null;
  return (
    <div className="inline-error" role="alert" aria-label="Value error">
      <div>
        <strong>{error.code === 'CORRUPT' ? 'The live value cannot be read: its record is corrupt.' : 'The live value cannot be read.'}</strong>
      </div>
      <div className="mono small">{error.message}</div>
      {file !== null && offset !== null && (
        <div className="small notice-row">
          <span>
            Record at <span className="mono">{file}</span> offset <span className="mono">{offset}</span>.
            {hasHistory ? ' The history below lists every version of this key; an older one can be viewed or restored.' : ''}
          </span>
          {onOpenRecord && (
            <button type="button" className="small-button" onClick={() => onOpenRecord(file, offset)}>
              Show bytes
            </button>
          )}
        </div>
      )}
    </div>
  );
}

/** The key the New key form names, or why it names none. */
function newKeyString(newKey: { text: string; asHex: boolean }): { key: string } | { error: string } {
  let key: string;
  if (newKey.asHex) {
    const bytes = hexToBytes(newKey.text);
    if (!bytes || bytes.length === 0) return { error: 'Invalid key: enter the key as pairs of hex digits.' };
    key = bytesToKeyString(bytes);
  } else {
    if (newKey.text === '') return { error: 'Enter a key.' };
    key = textToKeyString(newKey.text);
  }
  if (key.length > LIMITS.keyChars) return { error: 'The key is too long.' };
  return { key };
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

export function ValuePanel({ api, sessionId, version, readOnly, selection, onWritten, onCancelNew, onDirtyChange, onOpenRecord, onError }: Props) {
  const editHint = useWriteHint('edit');
  const deleteHint = useWriteHint('delete');
  const restoreHint = useWriteHint('restore');
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  /** Why the live value could not be read (shown in this pane, not as a page-wide error). */
  const [loadError, setLoadError] = useState<ApiErrorShape | null>(null);
  const [shown, setShown] = useState<ShownVersion | null>(null);
  const [restoring, setRestoring] = useState(false);
  const [history, setHistory] = useState<HistoryResponse | null>(null);
  const [view, setView] = useState<View>('text');
  const [editing, setEditing] = useState<{ format: EditFormat; draft: string } | null>(null);
  const [newKey, setNewKey] = useState({ text: '', asHex: false });
  const [localError, setLocalError] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [saving, setSaving] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const [confirmDiscard, setConfirmDiscard] = useState(false);
  /** New key form: the named key already exists (checked as it is typed and again on save). */
  const [existing, setExisting] = useState<string | null>(null);
  /** New key form: the key the user agreed to overwrite. */
  const [overwrite, setOverwrite] = useState<string | null>(null);
  const key = selection?.kind === 'key' ? selection.key : null;
  /** The key shown whole (heading wrapped, all of its hex), and whether either is cut short when it is not. */
  const [keyOpen, setKeyOpen] = useState(false);
  const [keyCut, setKeyCut] = useState(false);
  const keyHeadRef = useRef<HTMLHeadingElement>(null);
  const keyHexRef = useRef<HTMLDivElement>(null);
  useEffect(() => setKeyOpen(false), [key]);
  useLayoutEffect(() => {
    const els = [keyHeadRef.current, keyHexRef.current].filter((e): e is HTMLHeadingElement | HTMLDivElement => e !== null);
    if (keyOpen || els.length === 0) return;
    const measure = () => setKeyCut(els.some((e) => e.scrollWidth > e.clientWidth + 1));
    measure();
    const observer = new ResizeObserver(measure);
    for (const e of els) observer.observe(e);
    return () => observer.disconnect();
  }, [key, keyOpen, selection]);

  /** Whether the edit would change what is stored (a format switch alone changes nothing). */
  const dirty = useMemo(() => {
    if (!editing) return false;
    if (selection?.kind === 'new') return editing.draft !== '' || newKey.text !== '';
    if (!loaded) return false;
    const current = draftToBytes(editing.format, editing.draft);
    if (!('bytes' in current)) return true;
    const original = loaded.bytes;
    return current.bytes.length !== original.length || current.bytes.some((b, i) => b !== original[i]);
  }, [editing, selection, newKey.text, loaded]);

  useEffect(() => onDirtyChange?.(dirty), [dirty, onDirtyChange]);
  useEffect(() => () => onDirtyChange?.(false), [onDirtyChange]);

  useEffect(() => {
    setEditing(selection?.kind === 'new' ? { format: 'text', draft: '' } : null);
    setLocalError(null);
    if (selection?.kind === 'new') setNewKey({ text: '', asHex: false });
    setOverwrite(null);
  }, [selection]);

  useEffect(() => {
    setLoaded(null);
    setLoadError(null);
    setHistory(null);
    setShown(null);
    if (key === null) return;
    let live = true;
    api
      .getValue({ sessionId, key })
      .then((response) => live && setLoaded({ response, bytes: base64ToBytes(response.base64) }))
      .catch((err: unknown) => live && setLoadError(asApiError(err).toJSON()));
    api
      .history({ sessionId, key })
      .then((h) => live && setHistory(h))
      .catch(() => live && setHistory(null));
    return () => {
      live = false;
    };
  }, [api, sessionId, key, version, onError]);

  const viewBytes = shown ? shown.bytes : loaded?.bytes;
  const text = useMemo(() => (viewBytes ? decodeText(viewBytes) : null), [viewBytes]);
  const json = useMemo(() => (text && view === 'json' ? formatJson(text.text) : null), [text, view]);

  /** Fetches the next window of a large value and appends it. */
  const loadMore = async () => {
    if (!loaded || key === null) return;
    setLoadingMore(true);
    try {
      const next = await api.getValue({ sessionId, key, offset: loaded.response.offset + loaded.bytes.length });
      const chunk = base64ToBytes(next.base64);
      const bytes = new Uint8Array(loaded.bytes.length + chunk.length);
      bytes.set(loaded.bytes);
      bytes.set(chunk, loaded.bytes.length);
      const complete = loaded.response.offset === 0 && bytes.length >= next.size;
      setLoaded({ response: { ...loaded.response, size: next.size, truncated: !complete }, bytes });
    } catch (err) {
      onError(err);
    } finally {
      setLoadingMore(false);
    }
  };

  const keyExists = useCallback(
    async (k: string) => {
      try {
        return (await api.getValue({ sessionId, key: k, maxBytes: 0 })).found;
      } catch {
        return true; // it cannot be read (a corrupt record), but the keydir has it
      }
    },
    [api, sessionId],
  );

  // New key form: say as the key is typed whether it exists already.
  useEffect(() => {
    if (selection?.kind !== 'new') return;
    setExisting(null);
    const named = newKeyString(newKey);
    if ('error' in named) return;
    let live = true;
    const timer = setTimeout(() => {
      void keyExists(named.key).then((found) => live && setExisting(found ? named.key : null));
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [selection, newKey, keyExists, version]);

  const save = async () => {
    if (!editing) return;
    setLocalError(null);
    const converted = draftToBytes(editing.format, editing.draft);
    if ('error' in converted) return setLocalError(converted.error);
    let targetKey = key;
    if (selection?.kind === 'new') {
      const named = newKeyString(newKey);
      if ('error' in named) return setLocalError(named.error);
      targetKey = named.key;
      // Never overwrite an existing key from the New key form without an explicit yes.
      if (overwrite !== targetKey && (await keyExists(targetKey))) {
        setExisting(targetKey);
        return;
      }
    }
    if (targetKey === null) return;
    setSaving(true);
    try {
      await api.putValue({ sessionId, key: targetKey, valueBase64: bytesToBase64(converted.bytes) });
      setEditing(null);
      onWritten(targetKey);
    } catch (err) {
      onError(err);
    } finally {
      setSaving(false);
    }
  };

  const showVersion = async (v: VersionInfo) => {
    if (v.kind !== 'put') return;
    try {
      const res = await api.recordValue({ sessionId, file: v.location.file, offset: v.location.offset });
      setShown({ version: v, bytes: base64ToBytes(res.base64), size: res.size, truncated: res.truncated });
    } catch (err) {
      onError(err);
    }
  };

  const restore = async (v: VersionInfo) => {
    if (key === null) return;
    setRestoring(true);
    try {
      await api.restoreVersion({ sessionId, key, file: v.location.file, offset: v.location.offset });
      setShown(null);
      onWritten(key);
    } catch (err) {
      onError(err);
    } finally {
      setRestoring(false);
    }
  };

  const remove = async () => {
    setConfirmDelete(false);
    if (key === null) return;
    try {
      await api.deleteKey({ sessionId, key });
      onWritten(null);
    } catch (err) {
      onError(err);
    }
  };

  const startEdit = () => {
    if (!loaded) return;
    const asText = textEditProblem(loaded.bytes) === null;
    const format: EditFormat = view === 'hex' || view === 'base64' || !asText ? 'hex' : view === 'json' ? 'json' : 'text';
    setLocalError(null);
    setEditing({ format, draft: bytesToDraft(format, loaded.bytes) });
  };

  const changeEditFormat = (format: EditFormat) => {
    if (!editing) return;
    // Re-express the current draft in the new format when it converts cleanly, and only if no byte would change.
    const current = draftToBytes(editing.format, editing.draft);
    if ('bytes' in current && format !== 'hex') {
      const problem = textEditProblem(current.bytes);
      if (problem) return setLocalError(problem);
    }
    setLocalError(null);
    setEditing({ format, draft: 'bytes' in current ? bytesToDraft(format, current.bytes) : editing.draft });
  };

  const cancelEdit = () => {
    setConfirmDiscard(false);
    setEditing(null);
    setLocalError(null);
    if (selection?.kind === 'new') onCancelNew();
  };

  /** Escape cancels (asking first when there are changes); Ctrl+Enter or Cmd+Enter saves. */
  const editorKeys = (e: React.KeyboardEvent) => {
    if (!editing || saving) return;
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      if (dirty) setConfirmDiscard(true);
      else cancelEdit();
    } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void save();
    }
  };

  /** The explicit "Format" action: re-indents the draft, keeping every token's text. */
  const formatDraft = () => {
    if (!editing) return;
    const formatted = formatJson(editing.draft);
    if (!formatted.ok) return setLocalError(`Invalid JSON: ${formatted.error}`);
    setLocalError(null);
    setEditing({ ...editing, draft: formatted.text });
  };

  const valueViews = viewBytes && (
    <>
      {shown && (
        <div className="notice small notice-row" role="status" aria-label="Shown version">
          <span>
            Showing version seq {shown.version.location.sequence} ({shown.version.status}) from {shown.version.location.file} @ {shown.version.location.offset}, {formatBytes(shown.size)}
            {shown.truncated ? ' (first part)' : ''}.
          </span>
          <button type="button" className="small-button" onClick={() => setShown(null)}>
            Back to live value
          </button>
        </div>
      )}
      <div className="tabs" role="tablist" aria-label="Value view">
        {(['text', 'json', 'hex', 'base64'] as const).map((v) => (
          <button key={v} type="button" role="tab" aria-selected={view === v} className={view === v ? 'on' : ''} onClick={() => setView(v)}>
            {v === 'json' ? 'JSON' : v === 'base64' ? 'Base64' : v === 'hex' ? 'Hex' : 'Text'}
          </button>
        ))}
      </div>
      <div role="region" aria-label="Value" className={`value-view${view === 'hex' ? ' holds-hex' : ''}`}>
        {view === 'text' && text && (
          <>
            {!text.valid && <div className="notice small">Not valid UTF-8: invalid bytes are shown as �. Use Hex to see them.</div>}
            <pre className="mono value-text">{text.text}</pre>
          </>
        )}
        {view === 'json' &&
          json &&
          (json.ok ? (
            <>
              <JsonNotesView notes={json.notes} />
              <pre className="mono value-text json">{json.text}</pre>
            </>
          ) : (
            <div className="inline-error">Not valid JSON: {json.error}</div>
          ))}
        {view === 'hex' && <HexView bytes={viewBytes} baseOffset={shown ? 0 : (loaded?.response.offset ?? 0)} />}
        {view === 'base64' && <pre className="mono value-text wrap">{bytesToBase64(viewBytes)}</pre>}
      </div>
    </>
  );

  if (selection === null) {
    return (
      <section className="pane value-pane" aria-label="Selected key">
        <div className="placeholder muted">Select a key to see its value.</div>
      </section>
    );
  }

  const keyInfo = key !== null ? describeKey(key) : null;
  const response = loaded?.response;
  /** Why the value cannot be edited as text (it is edited as hex then), or null. */
  const textProblem = editing && editing.format === 'hex' && loaded && selection.kind === 'key' ? textEditProblem(loaded.bytes) : null;
  const discardDialog = confirmDiscard && (
    <ConfirmDialog
      title="Discard unsaved changes?"
      message={selection?.kind === 'new' ? 'The new key has not been created.' : 'Your changes to this value have not been saved.'}
      confirmLabel="Discard"
      onConfirm={cancelEdit}
      onCancel={() => setConfirmDiscard(false)}
    />
  );
  const editor = editing && (
    <div className="editor" onKeyDown={editorKeys}>
      <div className="small muted">Ctrl+Enter saves · Escape cancels</div>
      <div className="controls-row">
        <span className="small muted">Edit as</span>
        <div className="segmented" role="radiogroup" aria-label="Edit as">
          {(['text', 'json', 'hex'] as const).map((f) => (
            <button
              key={f}
              type="button"
              role="radio"
              aria-checked={editing.format === f}
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
        className="mono value-editor"
        spellCheck={false}
        value={editing.draft}
        onChange={(e) => setEditing({ ...editing, draft: e.target.value })}
      />
      {localError && (
        <div className="inline-error" role="alert">
          {localError}
        </div>
      )}
      <div className="controls-row">
        <button type="button" className="primary" onClick={() => void save()} disabled={saving}>
          {saving ? 'Saving…' : 'Save'}
        </button>
        <button
          type="button"
          onClick={cancelEdit}
          disabled={saving}
        >
          Cancel
        </button>
      </div>
    </div>
  );

  if (selection.kind === 'new') {
    return (
      <section className="pane value-pane" aria-label="Selected key">
        <h2 className="pane-title">New key</h2>
        <div className="new-key" onKeyDown={editorKeys}>
          <label htmlFor="new-key-input">Key</label>
          <input
            id="new-key-input"
            className="mono"
            type="text"
            value={newKey.text}
            spellCheck={false}
            placeholder={newKey.asHex ? '75 73 65 72 3a 31' : 'user:42'}
            onChange={(e) => {
              setOverwrite(null);
              setNewKey({ ...newKey, text: e.target.value });
            }}
          />
          <label className="check small">
            <input
              type="checkbox"
              checked={newKey.asHex}
              onChange={(e) => {
                setOverwrite(null);
                setNewKey({ ...newKey, asHex: e.target.checked });
              }}
            />{' '}
            key as hex
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
              <button type="button" className="small-button" onClick={() => onWritten(existing)}>
                Edit it instead
              </button>
              {overwrite !== existing && (
                <button type="button" className="small-button danger-outline" onClick={() => setOverwrite(existing)}>
                  Overwrite it
                </button>
              )}
            </span>
          </div>
        )}
        {editor}
        {discardDialog}
      </section>
    );
  }

  return (
    <section className="pane value-pane" aria-label="Selected key">
      <div className="value-head">
        <h2 ref={keyHeadRef} className={`pane-title mono value-key${keyOpen ? ' open' : ''}`} title={keyInfo ? keyTitle(keyInfo.display) : undefined}>
          {keyInfo && <KeyText display={keyInfo.display} />}
        </h2>
        <div className="value-actions">
          <button type="button" onClick={startEdit} disabled={readOnly || !loaded || !response?.found || response.truncated || editing !== null} title={readOnly ? editHint : undefined}>
            Edit
          </button>
          <button type="button" className="danger-outline" onClick={() => setConfirmDelete(true)} disabled={readOnly || (!response?.found && !loadError) || editing !== null} title={readOnly ? deleteHint : undefined}>
            Delete
          </button>
        </div>
      </div>
      {key !== null && (
        <div className="key-hex-row">
          <div ref={keyHexRef} className={`muted small mono key-hex${keyOpen ? ' open' : ''}`} data-testid="key-hex">
            hex {keyStringToHex(key)}
          </div>
          {(keyOpen || keyCut) && (
            <button type="button" className="link small key-toggle" aria-expanded={keyOpen} onClick={() => setKeyOpen(!keyOpen)}>
              {keyOpen ? 'Hide whole key' : 'Show whole key'}
            </button>
          )}
        </div>
      )}
      {loadError ? (
        <>
          <LoadErrorView error={loadError} onOpenRecord={onOpenRecord} hasHistory={(history?.versions.length ?? 0) > 0} />
          {shown && valueViews}
        </>
      ) : !loaded ? (
        <div className="muted">Loading…</div>
      ) : !response?.found ? (
        <>
          <div className="muted">This key has no live value (it was deleted).</div>
          {shown && valueViews}
        </>
      ) : (
        <>
          <dl className="location small" aria-label="Location">
            <div>
              <dt>size</dt>
              <dd>{formatBytes(response.size)}</dd>
            </div>
            <div>
              <dt>file</dt>
              <dd className="mono">{response.location?.file}</dd>
            </div>
            <div>
              <dt>segment</dt>
              <dd className="mono">{response.location?.segment}</dd>
            </div>
            <div>
              <dt>offset</dt>
              <dd className="mono">{response.location?.offset}</dd>
            </div>
            <div>
              <dt>sequence</dt>
              <dd className="mono">{response.location?.sequence}</dd>
            </div>
          </dl>
          {response.truncated && (
            <div className="notice small notice-row">
              <span>
                Showing the first {formatBytes(loaded.bytes.length)} of {formatBytes(response.size)}. Load the rest to edit it.
              </span>
              <button type="button" className="small-button" onClick={() => void loadMore()} disabled={loadingMore}>
                {loadingMore ? 'Loading…' : 'Load more'}
              </button>
            </div>
          )}
          {editing ? (
            editor
          ) : (
            valueViews
          )}
        </>
      )}
      {history && history.versions.length > 0 && !editing && (
        <details className="history small" open>
          <summary>History ({formatCount(history.versions.length)} version{history.versions.length === 1 ? '' : 's'}, oldest first)</summary>
          <table className="mono" aria-label="History">
            <thead>
              <tr>
                <th>seq</th>
                <th>kind</th>
                <th>file @ offset</th>
                <th>size</th>
                <th>status</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {history.versions.map((v) => (
                <tr
                  key={`${v.location.file}:${v.location.offset}`}
                  className={shown && shown.version.location.file === v.location.file && shown.version.location.offset === v.location.offset ? 'shown' : ''}
                  data-sequence={v.location.sequence}
                >
                  <td>{v.location.sequence}</td>
                  <td>{v.kind}</td>
                  <td>
                    {v.location.file} @ {v.location.offset}
                  </td>
                  <td>{v.kind === 'put' ? formatBytes(v.valueLength) : '—'}</td>
                  <td className={`status-${v.status}`}>{v.status}</td>
                  <td className="history-actions">
                    {v.kind === 'put' && v.status !== 'corrupt' && (
                      <button type="button" className="small-button" onClick={() => void showVersion(v)} aria-label={`View version ${v.location.sequence}`}>
                        View
                      </button>
                    )}
                    {v.kind === 'put' && v.status !== 'live' && v.status !== 'corrupt' && (
                      <button
                        type="button"
                        className="small-button"
                        disabled={readOnly || restoring}
                        title={readOnly ? restoreHint : 'Write this value again as the newest version'}
                        onClick={() => void restore(v)}
                        aria-label={`Restore version ${v.location.sequence}`}
                      >
                        Restore
                      </button>
                    )}
                    {onOpenRecord && (
                      <button type="button" className="small-button" onClick={() => onOpenRecord(v.location.file, v.location.offset)} aria-label={`Bytes of version ${v.location.sequence}`}>
                        Bytes
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
      {discardDialog}
      {confirmDelete && keyInfo && (
        <ConfirmDialog
          title="Delete key?"
          message={`Delete “${keyInfo.display}”? A tombstone is appended; the old value stays on disk until compaction.`}
          confirmLabel="Delete"
          onConfirm={() => void remove()}
          onCancel={() => setConfirmDelete(false)}
        />
      )}
    </section>
  );
}
