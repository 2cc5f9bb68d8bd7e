/**
 * The selected key's pane: loads its value and history, and puts together
 * the key heading, the value's size and location (file, segment, offset,
 * sequence), the value viewer or the editor, and the history. Owns what a
 * write needs: editing, creating (the New key form) and deleting keys when
 * the store is read-write, restoring an old version, and asking before
 * unsaved changes are dropped.
 */
import { NotWritableReason, useWriteHint } from '../write-hint.js';
import { useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import type { HistoryResponse, KvscopeApi, Location, VersionInfo } from '../../../shared/contract.js';
import { asApiError, type ApiErrorShape } from '../../../shared/errors.js';
import { base64ToBytes, bytesToBase64, describeKey } from '../../../shared/keytext.js';
import { formatBytes, textEditProblem } from '../format.js';
import { sequenceText, sequenceTitle } from '../../../shared/sequence-text.js';
import { bytesToDraft, draftToBytes, newKeyString, type EditDraft, type EditFormat } from '../value-draft.js';
import { LIMITS } from '../../../shared/limits.js';
import { LOAD_ALL_MAX, LOAD_ALL_WINDOW, readOn, type LoadedValue } from '../value-load.js';
import type { Selection } from './Workspace.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { DeletedNote } from './DeletedNote.js';
import { KeyHeading } from './KeyHeading.js';
import { KeyText } from './KeyText.js';
import { NewKeyForm } from './NewKeyForm.js';
import { ValueEditor } from './ValueEditor.js';
import { ValueHistory, versionPlace } from './ValueHistory.js';
import { VersionDiff, type DiffState } from './VersionDiff.js';
import { ValueViewer, type ShownVersion, type View } from './ValueViewer.js';

interface Props {
  api: KvscopeApi;
  sessionId: string;
  version: number;
  readOnly: boolean;
  selection: Selection;
  /** A write was made (or a key is to be selected): `focusList` moves focus to the key list, as the control that had it is gone. */
  onWritten: (selectKey?: string | null, focusList?: boolean) => void;
  /** Leave the New key form without creating a key. */
  onCancelNew: () => void;
  /** Told whether there are unsaved changes (an edit or a new key that differs from what is stored). */
  onDirtyChange?: (dirty: boolean) => void;
  /** Show a record's bytes in the Records view. */
  onOpenRecord?: (file: string, offset: number) => void;
  onError: (err: unknown) => void;
  /** The key this pane deleted last, while nothing else is selected: said in the pane, with the way to its history. */
  deleted?: string | null;
  /** A key was deleted here. */
  onDeleted?: (key: string) => void;
  /** The deleted keys, with this one selected (its history, View and Restore). */
  onShowDeleted?: (key: string) => void;
}

type Loaded = LoadedValue;

/** The live value could not be read: what failed and where, inside the value pane. */
function LoadErrorView({
  error,
  onOpenRecord,
  versions,
}: {
  error: ApiErrorShape;
  onOpenRecord: ((file: string, offset: number) => void) | undefined;
  /** The key's history, when it has arrived. */
  versions: readonly VersionInfo[] | undefined;
}) {
  // Restore is for a store that can be written (after switching to read-write): never a foreign format or a read-only host.
  const canRestore = useContext(NotWritableReason) === null;
  /** Versions the history can show (what its View button offers). */
  const readable = versions?.filter((v) => v.kind === 'put' && v.status !== 'corrupt').length ?? 0;
  const historyNote =
    !versions || versions.length === 0
      ? ''
      : readable === 0
        ? ' The history below lists every version of this key; none of them can be read.'
        : ` The history below lists every version of this key; an older one can be viewed${canRestore ? ' or restored' : ''}.`;
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
            {historyNote}
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

/**
 * The size of the value shown and where its record is: the live value's, or the old version's while one is shown
 * from the history (the location line always describes the bytes below it).
 */
function LocationView({ size, location }: { size: number; location: Location | undefined }) {
  return (
    <dl className="location small" aria-label="Location">
      <div>
        <dt>size</dt>
        <dd>{formatBytes(size)}</dd>
      </div>
      <div>
        <dt>file</dt>
        <dd className="mono">{location?.file}</dd>
      </div>
      <div>
        <dt>segment</dt>
        <dd className="mono">{location?.segment}</dd>
      </div>
      <div>
        <dt>offset</dt>
        <dd className="mono">{location?.offset}</dd>
      </div>
      <div>
        <dt>{location?.sequenceIsTimestamp ? 'written' : 'sequence'}</dt>
        <dd className="mono" title={location && sequenceTitle(location)}>
          {location && sequenceText(location)}
        </dd>
      </div>
    </dl>
  );
}

export function ValuePanel({ api, sessionId, version, readOnly, selection, onWritten, onCancelNew, onDirtyChange, onOpenRecord, onError, deleted, onDeleted, onShowDeleted }: Props) {
  const editHint = useWriteHint('edit');
  const deleteHint = useWriteHint('delete');
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  /** Why the live value could not be read (shown in this pane, not as a page-wide error). */
  const [loadError, setLoadError] = useState<ApiErrorShape | null>(null);
  const [shown, setShown] = useState<ShownVersion | null>(null);
  /**
   * The older version asked for last (showVersion's calls, counted; another key or Back to live value counts too): an
   * answer to an earlier ask is dropped, so a version of the key selected before is never shown as this key's.
   */
  const versionAsk = useRef(0);
  const [restoring, setRestoring] = useState(false);
  const [history, setHistory] = useState<HistoryResponse | null>(null);
  /** Two versions being compared (the diff below the value), if any. */
  const [diff, setDiff] = useState<DiffState | null>(null);
  /** What had focus when the diff was asked for (a Diff or Compare button): it gets it back when the diff closes. */
  const diffOpener = useRef<HTMLElement | null>(null);
  const historyRef = useRef<HTMLDivElement>(null);
  const [view, setView] = useState<View>('text');
  const [editing, setEditing] = useState<EditDraft | null>(null);
  const [newKey, setNewKey] = useState({ text: '', asHex: false });
  const [localError, setLocalError] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [saving, setSaving] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  /** Load all in progress: bytes held so far of those wanted. */
  const [loadingAll, setLoadingAll] = useState<{ have: number; want: number } | null>(null);
  /** Set by Cancel (or another key, or a reload) to stop a Load all before its next window. */
  const stopLoad = useRef<{ stopped: boolean } | null>(null);
  const [confirmDiscard, setConfirmDiscard] = useState(false);
  /** New key form: the named key already exists (checked as it is typed and again on save). */
  const [existing, setExisting] = useState<string | null>(null);
  /** New key form: the key the user agreed to overwrite. */
  const [overwrite, setOverwrite] = useState<string | null>(null);
  /** "Edit it instead": the value typed in the New key form, to open in that key's editor once its value has loaded. */
  const [carried, setCarried] = useState<{ key: string; draft: EditDraft } | null>(null);
  /** Why a carried draft is edited without the key's live value beside it (it cannot be read, or it was deleted meanwhile). */
  const [keptWithout, setKeptWithout] = useState<string | null>(null);
  const key = selection?.kind === 'key' ? selection.key : null;
  const editButton = useRef<HTMLButtonElement>(null);
  /** Asks the Edit button to take focus (after an edit was cancelled or discarded: the editor that had it is gone). */
  const [focusEdit, setFocusEdit] = useState(0);
  useEffect(() => {
    if (focusEdit > 0) editButton.current?.focus();
  }, [focusEdit]);

  /** Whether the edit would change what is stored (a format switch alone changes nothing). */
  const dirty = useMemo(() => {
    if (!editing) return false;
    if (selection?.kind === 'new') return editing.draft !== '' || newKey.text !== '';
    // No live value to compare with (a carried draft kept beside a value that cannot be read): any text is a change.
    if (!loaded || !loaded.response.found) return editing.draft !== '';
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
    setKeptWithout(null);
    if (selection?.kind === 'new') setNewKey({ text: '', asHex: false });
    setOverwrite(null);
  }, [selection]);

  useEffect(() => {
    // A Load all or Load more under way is for the value shown before: it stops, and its bytes are dropped.
    if (stopLoad.current) stopLoad.current.stopped = true;
    stopLoad.current = null;
    setLoadingAll(null);
    setLoadingMore(false);
    setLoaded(null);
    setLoadError(null);
    setHistory(null);
    versionAsk.current++;
    setShown(null);
    setDiff(null);
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

  // The carried draft becomes the edit of the key it was carried to, as an unsaved change (saved, or discarded
  // with the usual question). When the key's live value cannot be read (a damaged record) or the key was deleted
  // meanwhile, the draft is kept all the same, and the pane says why the value is not beside it: saving writes it
  // as the key's value. It is dropped only if another key is selected first.
  useEffect(() => {
    if (!carried) return;
    if (key !== carried.key) return setCarried(null);
    if (loadError) {
      setKeptWithout('The value you typed is kept as an unsaved edit; the key’s stored value cannot be read (above). Saving writes your value as the key’s new one.');
    } else if (!loaded || loaded.response.key !== carried.key) {
      return;
    } else if (!loaded.response.found) {
      setKeptWithout('This key was deleted since the New key form found it. The value you typed is kept as an unsaved edit; saving creates the key again with it.');
    }
    setLocalError(null);
    setEditing(carried.draft);
    setCarried(null);
  }, [carried, key, loaded, loadError]);

  const viewBytes = shown ? shown.bytes : loaded?.bytes;

  /**
   * Reads more of a large value: the next window (Load more), or all the rest in the largest windows the service
   * answers, with progress and Cancel (Load all). Another value under the key meanwhile is shown from its start.
   */
  const readMore = async (all: boolean) => {
    if (!loaded || key === null || loadingMore || loadingAll) return;
    const token = { stopped: false };
    stopLoad.current = token;
    if (all) setLoadingAll({ have: loaded.bytes.length, want: loaded.response.size });
    else setLoadingMore(true);
    try {
      const result = await readOn(
        (offset, maxBytes) =>
          api
            .getValue({ sessionId, key, offset, maxBytes })
            // A window past the end: the value was replaced by a shorter one meanwhile (a followed writer).
            .catch((err: unknown) => (asApiError(err).details?.size !== undefined ? null : Promise.reject(err))),
        loaded,
        {
          until: all ? LOAD_ALL_MAX : loaded.bytes.length + LIMITS.valueWindowDefault,
          windowBytes: all ? LOAD_ALL_WINDOW : LIMITS.valueWindowDefault,
          onProgress: all ? (have, want) => !token.stopped && setLoadingAll({ have, want }) : undefined,
          cancelled: () => token.stopped,
        },
      );
      if (stopLoad.current !== token) return; // another key or a reload took over
      if (result.kind === 'changed') {
        const fresh = await api.getValue({ sessionId, key });
        if (stopLoad.current === token) setLoaded({ response: fresh, bytes: base64ToBytes(fresh.base64) });
        return;
      }
      setLoaded(result.loaded);
    } catch (err) {
      if (stopLoad.current === token) onError(err);
    } finally {
      if (stopLoad.current === token) {
        stopLoad.current = null;
        setLoadingMore(false);
        setLoadingAll(null);
      }
    }
  };
  const loadMore = () => readMore(false);
  const loadAll = () => readMore(true);
  /** Cancel of Load all: the bytes read so far are kept. */
  const cancelLoadAll = () => {
    if (stopLoad.current) stopLoad.current.stopped = true;
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
      setKeptWithout(null);
      onWritten(targetKey, true);
    } catch (err) {
      onError(err);
    } finally {
      setSaving(false);
    }
  };

  const showVersion = async (v: VersionInfo) => {
    if (v.kind !== 'put') return;
    const ask = ++versionAsk.current;
    try {
      const res = await api.recordValue({ sessionId, file: v.location.file, offset: v.location.offset });
      if (ask === versionAsk.current) setShown({ version: v, bytes: base64ToBytes(res.base64), size: res.size, truncated: res.truncated });
    } catch (err) {
      if (ask === versionAsk.current) onError(err);
    }
  };

  const compare = async (from: VersionInfo, to: VersionInfo) => {
    if (key === null) return;
    const active = document.activeElement;
    diffOpener.current = active instanceof HTMLElement && active !== document.body ? active : null;
    const labels = { fromLabel: versionPlace(from), toLabel: versionPlace(to) };
    setDiff(labels);
    try {
      const answer = await api.diffVersions({
        sessionId,
        key,
        from: { file: from.location.file, offset: from.location.offset },
        to: { file: to.location.file, offset: to.location.offset },
      });
      setDiff((now) => (now && now.fromLabel === labels.fromLabel && now.toLabel === labels.toLabel ? { ...labels, answer } : now));
    } catch (err) {
      const error = asApiError(err).message;
      setDiff((now) => (now && now.fromLabel === labels.fromLabel && now.toLabel === labels.toLabel ? { ...labels, error } : now));
    }
  };

  /** Closes the diff; focus goes back to the button that asked for it, or else to the history. */
  const closeDiff = () => {
    setDiff(null);
    const opener = diffOpener.current;
    diffOpener.current = null;
    requestAnimationFrame(() => {
      if (opener && opener.isConnected && !(opener as HTMLButtonElement).disabled) opener.focus();
      else historyRef.current?.querySelector<HTMLElement>('summary')?.focus();
    });
  };

  const restore = async (v: VersionInfo) => {
    if (key === null) return;
    setRestoring(true);
    try {
      await api.restoreVersion({ sessionId, key, file: v.location.file, offset: v.location.offset });
      setShown(null);
      onWritten(key, true);
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
      onWritten(null, true);
      onDeleted?.(key);
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

  const cancelEdit = () => {
    setConfirmDiscard(false);
    setEditing(null);
    setKeptWithout(null);
    setLocalError(null);
    if (selection?.kind === 'new') onCancelNew();
    else setFocusEdit((n) => n + 1);
  };

  /** Cancel (the button or Escape): at once without changes, after asking with them. */
  const askCancel = () => {
    if (dirty) setConfirmDiscard(true);
    else cancelEdit();
  };

  /** Escape cancels (asking first when there are changes); Ctrl+Enter or Cmd+Enter saves. */
  const editorKeys = (e: React.KeyboardEvent) => {
    if (!editing || saving) return;
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      askCancel();
    } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void save();
    }
  };

  const valueViews = viewBytes && (
    <ValueViewer
      bytes={viewBytes}
      baseOffset={shown ? 0 : (loaded?.response.offset ?? 0)}
      view={view}
      onViewChange={setView}
      shown={shown}
      onBackToLive={() => {
        versionAsk.current++;
        setShown(null);
      }}
      noLiveValue={loaded?.response.found === false}
      partial={!shown && loaded?.response.truncated ? { loaded: loaded.bytes.length, size: loaded.response.size } : null}
      onLoadAll={loadingAll || loadingMore ? null : () => void loadAll()}
    />
  );

  if (selection === null) {
    return (
      <section className="pane value-pane" aria-label="Selected key">
        {deleted != null && onShowDeleted ? (
          <div className="placeholder deleted-now" role="status" aria-label="Key deleted" style={{ maxWidth: '34em', padding: '0 16px' }}>
            <p>
              Deleted{' '}
              <span className="mono" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
                <KeyText display={describeKey(deleted).display} />
              </span>
              : a tombstone was appended, and the old value stays on disk until a compaction.
            </p>
            <p className="small">
              <button type="button" className="small-button" onClick={() => onShowDeleted(deleted)}>
                Show deleted key
              </button>{' '}
              <span className="muted">to see its versions and restore one.</span>
            </p>
          </div>
        ) : (
          <div className="placeholder muted">Select a key to see its value.</div>
        )}
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
  const keptNotice = keptWithout && editing && (
    <div className="notice small" role="status" aria-label="Draft kept">
      {keptWithout}
    </div>
  );
  const editor = editing && (
    <ValueEditor
      editing={editing}
      onChange={setEditing}
      textProblem={textProblem}
      error={localError}
      onError={setLocalError}
      saving={saving}
      onSave={() => void save()}
      onCancel={askCancel}
      onKeyDown={editorKeys}
      autoFocus={selection?.kind === 'key'}
    />
  );

  if (selection.kind === 'new') {
    return (
      <section className="pane value-pane" aria-label="Selected key">
        <h2 className="pane-title">New key</h2>
        <NewKeyForm
          newKey={newKey}
          onChange={(next) => {
            setOverwrite(null);
            setNewKey(next);
          }}
          existing={existing}
          overwrite={overwrite}
          onOverwrite={setOverwrite}
          onEditInstead={(k) => {
            if (editing && editing.draft !== '') setCarried({ key: k, draft: editing });
            onWritten(k);
          }}
          onKeyDown={editorKeys}
        />
        {editor}
        {discardDialog}
      </section>
    );
  }

  return (
    <section className="pane value-pane" aria-label="Selected key">
      {key !== null && (
        <KeyHeading
          keyString={key}
          actions={
            <>
              <button type="button" ref={editButton} onClick={startEdit} disabled={readOnly || !loaded || !response?.found || response.truncated || editing !== null} title={readOnly ? editHint : undefined}>
                Edit
              </button>
              <button type="button" className="danger-outline" onClick={() => setConfirmDelete(true)} disabled={readOnly || (!response?.found && !loadError) || editing !== null} title={readOnly ? deleteHint : undefined}>
                Delete
              </button>
            </>
          }
        />
      )}
      {loadError ? (
        <>
          <LoadErrorView error={loadError} onOpenRecord={onOpenRecord} versions={history?.versions} />
          {editing ? (
            <>
              {keptNotice}
              {editor}
            </>
          ) : (
            shown && valueViews
          )}
        </>
      ) : !loaded ? (
        <div className="muted">Loading…</div>
      ) : !response?.found ? (
        <>
          <DeletedNote versions={history?.versions} readOnly={readOnly} onOpenRecord={onOpenRecord} />
          {editing ? (
            <>
              {keptNotice}
              {editor}
            </>
          ) : (
            shown && valueViews
          )}
        </>
      ) : (
        <>
          <LocationView size={shown ? shown.size : response.size} location={shown ? shown.version.location : response.location} />
          {loadingAll ? (
            <div className="notice small notice-row" role="status" aria-label="Loading the value">
              <span>
                Loading {formatBytes(loadingAll.have)} of {formatBytes(loadingAll.want)}…
              </span>
              <progress className="load-progress" max={loadingAll.want} value={loadingAll.have} aria-label="Loaded" />
              <button type="button" className="small-button" onClick={cancelLoadAll}>
                Cancel
              </button>
            </div>
          ) : (
            response.truncated && (
              <div className="notice small notice-row">
                <span>
                  Showing the first {formatBytes(loaded.bytes.length)} of {formatBytes(response.size)}. Load the rest to edit it.
                  {response.size > LOAD_ALL_MAX ? ` A value larger than ${formatBytes(LOAD_ALL_MAX)} is not loaded whole here.` : ''}
                </span>
                <span className="notice-buttons">
                  <button type="button" className="small-button" onClick={() => void loadMore()} disabled={loadingMore}>
                    {loadingMore ? 'Loading…' : 'Load more'}
                  </button>
                  {response.size <= LOAD_ALL_MAX && (
                    <button type="button" className="small-button" onClick={() => void loadAll()} disabled={loadingMore}>
                      Load all
                    </button>
                  )}
                </span>
              </div>
            )
          )}
          {editing ? (
            editor
          ) : (
            valueViews
          )}
        </>
      )}
      {diff && !editing && <VersionDiff state={diff} onClose={closeDiff} />}
      {history && history.versions.length > 0 && !editing && (
        <div ref={historyRef}>
        <ValueHistory
          versions={history.versions}
          shown={shown?.version ?? null}
          readOnly={readOnly}
          restoring={restoring}
          onView={(v) => void showVersion(v)}
          onRestore={(v) => void restore(v)}
          onOpenRecord={onOpenRecord}
          onCompare={(from, to) => void compare(from, to)}
        />
        </div>
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
