/**
 * One open store: toolbar (format and how sure the detector is, re-open as
 * another format, follow mode, the mode switch), then tabs: Keys (key
 * browser, value panel, statistics), Segments, Records (record table, hex
 * pane, details), Verify, Repair & crash lab. Owns the "data version" that
 * makes every panel refetch after a write, a compaction, a mode switch or
 * what a followed writer appended.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type {
  CompactSummary,
  FollowChange,
  FormatInfo,
  KeyFilter,
  KvscopeApi,
  SegmentFileInfo,
  SegmentsResponse,
  SessionInfo,
  StatsResponse,
  VerifyResult,
  DeadSpaceResult,
  Delimiter,
} from '../../../shared/contract.js';
import { asApiError, type ApiErrorShape } from '../../../shared/errors.js';
import { jobsReducer, kindOf, noJobs, type JobAction, type JobKind } from '../job-state.js';
import { NotWritableReason } from '../write-hint.js';
import { onTablistKeyDown } from '../focus.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { CopyDialog, type CopyOutcome } from './CopyDialog.js';
import { ExportDialog, type ExportOutcome } from './ExportDialog.js';
import { ImportDialog, type ImportOutcome } from './ImportDialog.js';
import { KeyBrowser, type KeySet } from './KeyBrowser.js';
import { LabView } from './LabView.js';
import { OpenProblems } from './OpenProblems.js';
import { RecordsView, type RecordTarget } from './RecordsView.js';
import { SegmentsView } from './SegmentsView.js';
import { StatsPanel } from './StatsPanel.js';
import { StatusBar } from './StatusBar.js';
import { ValuePanel } from './ValuePanel.js';
import { VerifyView } from './VerifyView.js';
import { DeadSpaceView, DEAD_SPACE_SHOWN } from './DeadSpaceView.js';

interface Props {
  api: KvscopeApi;
  session: SessionInfo;
  onSessionChange: (session: SessionInfo) => void;
  onClose: () => void;
  onError: (error: ApiErrorShape) => void;
  /** Takes down the error banner: a later action succeeded, or the user moved to another view. */
  onClearError?: () => void;
  onOpenDirectory: (path: string, format?: string, readWrite?: boolean) => void;
  /** Whether the shell has native folder and file choosers (the desktop app). */
  hasChoosers?: boolean;
}

/** Files the record table and the lab can read: not one listed as unreadable (the Segments view says why). */
function readableFiles(files: SegmentFileInfo[]): SegmentFileInfo[] {
  return files.filter((f) => f.unreadable === undefined);
}

export type Selection = { kind: 'key'; key: string } | { kind: 'new' } | null;
type Tab = 'keys' | 'segments' | 'records' | 'verify' | 'lab';
const TABS: { id: Tab; label: string }[] = [
  { id: 'keys', label: 'Keys' },
  { id: 'segments', label: 'Segments' },
  { id: 'records', label: 'Records' },
  { id: 'verify', label: 'Verify' },
  { id: 'lab', label: 'Repair & crash lab' },
];

export function Workspace({ api, session, onSessionChange, onClose, onError, onClearError, onOpenDirectory, hasChoosers }: Props) {
  /** A user action succeeded: an error banner left by an earlier one no longer says how things stand. */
  const succeeded = useCallback(() => onClearError?.(), [onClearError]);
  const [version, setVersion] = useState(0);
  const [tab, setTab] = useState<Tab>('keys');
  /** The lab was opened by Verify's Repair…: its repair field takes focus (not when the lab's tab is chosen). */
  const [repairAsked, setRepairAsked] = useState(false);
  useEffect(() => {
    if (tab !== 'lab') setRepairAsked(false);
  }, [tab]);
  const [selection, setSelection] = useState<Selection>(null);
  /** A key selected from outside the key list (a saved new key, "Edit it instead"): the list scrolls to it. */
  const [reveal, setReveal] = useState<{ key: string; nonce: number } | null>(null);
  /** Whether the key list shows the live keys or the deleted ones. */
  const [keySet, setKeySet] = useState<KeySet>('live');
  /** The key the value pane deleted last: said there (with Show deleted key) until another key or New key is chosen. */
  const [deletedNow, setDeletedNow] = useState<string | null>(null);
  useEffect(() => {
    if (selection !== null) setDeletedNow(null);
  }, [selection]);
  /** Asks the key list to take focus (after a save, restore or delete took it away with the control that had it). */
  const [focusKeys, setFocusKeys] = useState(0);
  const [stats, setStats] = useState<StatsResponse | null>(null);
  const [segments, setSegments] = useState<SegmentsResponse | null>(null);
  /**
   * The job running, from the start request's answer and the job's events in whatever order they come (job-state.ts);
   * kept in a ref too, for the event handler to read the kind of a job that ended.
   */
  const jobs = useRef(noJobs);
  const [jobsState, setJobsState] = useState(noJobs);
  const dispatchJob = useCallback((action: JobAction) => {
    jobs.current = jobsReducer(jobs.current, action);
    setJobsState(jobs.current);
  }, []);
  const job = jobsState.job;
  const [lastCompaction, setLastCompaction] = useState<CompactSummary | null>(null);
  const [verifyResult, setVerifyResult] = useState<VerifyResult | null>(null);
  /** The last dead-space search's result ("Where is the dead space?" in Statistics). */
  const [deadSpace, setDeadSpace] = useState<DeadSpaceResult | null>(null);
  /** "Copy into a new kvscope store…": whether its dialog is open, and how the last copy asked for ended. */
  const [copyOpen, setCopyOpen] = useState(false);
  const [copyOutcome, setCopyOutcome] = useState<CopyOutcome | null>(null);
  const copyTarget = useRef('');
  /** "Export keys…": the dialog (with the key list's filter and count when it was opened), how the last export ended. */
  const [exportAsked, setExportAsked] = useState<{ filter: KeyFilter | undefined; count: number } | null>(null);
  const [exportOutcome, setExportOutcome] = useState<ExportOutcome | null>(null);
  const exportPath = useRef('');
  /** "Import JSON Lines…": whether its dialog is open, and how the last import ended. */
  const [importOpen, setImportOpen] = useState(false);
  const [importOutcome, setImportOutcome] = useState<ImportOutcome | null>(null);
  const importPath = useRef('');
  const [switching, setSwitching] = useState(false);
  const [target, setTarget] = useState<RecordTarget | null>(null);
  const [formats, setFormats] = useState<FormatInfo[]>([]);
  /** Asks for the file list again (a view found a file it showed gone). */
  const [filesAsked, setFilesAsked] = useState(0);
  const [follow, setFollow] = useState<{ lockPid: number | null; changes: FollowChange[]; count: number; reloadError?: ApiErrorShape } | null>(null);
  /** Whether the value panel holds unsaved changes; leaving it asks first. */
  const dirty = useRef(false);
  const [pendingLeave, setPendingLeave] = useState<(() => void) | null>(null);
  const onDirtyChange = useCallback((d: boolean) => {
    dirty.current = d;
  }, []);
  /** Runs `action` now, or after the user agrees to discard unsaved changes. */
  const leaveEdit = (action: () => void) => {
    if (dirty.current) setPendingLeave(() => action);
    else action();
  };
  const { sessionId } = session;
  const needsSegments = tab !== 'keys';

  const bump = useCallback(() => setVersion((v) => v + 1), []);
  const report = useCallback((err: unknown) => onError(asApiError(err).toJSON()), [onError]);

  useEffect(() => {
    let live = true;
    api
      .stats({ sessionId })
      .then((s) => live && setStats(s))
      .catch((err: unknown) => live && report(err));
    return () => {
      live = false;
    };
  }, [api, sessionId, version, report]);

  useEffect(() => {
    if (!needsSegments) return;
    let live = true;
    api
      .segments({ sessionId })
      .then((s) => live && setSegments(s))
      .catch((err: unknown) => live && report(err));
    return () => {
      live = false;
    };
  }, [api, sessionId, version, report, needsSegments, filesAsked]);

  useEffect(() => {
    api
      .formats({})
      .then((r) => setFormats(r.formats))
      .catch(() => setFormats([]));
  }, [api]);

  useEffect(
    () =>
      api.onEvent((event) => {
        if (!('sessionId' in event) || event.sessionId !== sessionId) return;
        if (event.type === 'job-progress') {
          dispatchJob({ type: 'progress', jobId: event.jobId, phase: event.phase, done: event.done, total: event.total });
        } else if (event.type === 'job-done') {
          dispatchJob({ type: 'ended', jobId: event.jobId });
          succeeded();
          if (event.kind === 'verify') setVerifyResult(event.report);
          else if (event.kind === 'dead-space') setDeadSpace(event.result);
          else if (event.kind === 'copy') setCopyOutcome({ kind: 'done', result: event.result });
          else if (event.kind === 'export') setExportOutcome({ kind: 'done', result: event.result });
          else if (event.kind === 'import') {
            setImportOutcome({ kind: 'done', result: event.result });
            bump();
          }
          else {
            setLastCompaction(event.result);
            bump();
          }
        } else if (event.type === 'job-failed') {
          const kind = kindOf(jobs.current, event.jobId) ?? 'compact';
          dispatchJob({ type: 'ended', jobId: event.jobId });
          // A copy says how it ended in its dialog.
          if (kind === 'copy') setCopyOutcome({ kind: 'failed', error: event.error, target: copyTarget.current });
          else if (kind === 'export') setExportOutcome({ kind: 'failed', error: event.error, path: exportPath.current });
          else if (kind === 'import') setImportOutcome({ kind: 'failed', error: event.error, path: importPath.current });
          else if (event.error.code !== 'ABORTED') onError(event.error);
          else onError({ code: 'ABORTED', message: kind === 'verify' ? 'Verify was cancelled.' : kind === 'dead-space' ? 'The dead space search was cancelled.' : 'Compaction was cancelled; the store is unchanged.' });
          // A compaction, or an import that failed after writing some batches, changed the store.
          if (kind === 'compact' || kind === 'import') bump();
        } else if (event.type === 'follow-changes') {
          setFollow((f) =>
            f
              ? {
                  lockPid: event.lockPid,
                  changes: [...event.changes.slice().reverse(), ...f.changes].slice(0, 50),
                  count: f.count + event.changes.length + event.dropped,
                  ...(event.reloadError ? { reloadError: event.reloadError } : {}),
                }
              : f,
          );
          bump();
        }
      }),
    [api, sessionId, bump, onError, succeeded, dispatchJob],
  );

  const setMode = async (readWrite: boolean) => {
    setSwitching(true);
    try {
      if (follow) await toggleFollow();
      onSessionChange(await api.setMode({ sessionId, readWrite }));
      succeeded();
      bump();
    } catch (err) {
      report(err);
    } finally {
      setSwitching(false);
    }
  };

  /** Asks for a job: the answer names it (its progress, even its end, may have come first: the reducer keeps an ended job ended), or its refusal goes to `refused`. */
  const askForJob = async (kind: JobKind, ask: () => Promise<{ jobId: string }>, refused: (error: ApiErrorShape) => void) => {
    try {
      dispatchJob({ type: 'requested', kind });
      const { jobId } = await ask();
      dispatchJob({ type: 'started', jobId, kind });
    } catch (err) {
      dispatchJob({ type: 'refused' });
      refused(asApiError(err).toJSON());
    }
  };

  const startJob = (kind: 'compact' | 'verify') => {
    if (kind === 'compact') setLastCompaction(null);
    else setVerifyResult(null);
    return askForJob(kind, () => (kind === 'compact' ? api.compact({ sessionId }) : api.verify({ sessionId })), onError);
  };

  const startDeadSpace = (prefix: string, delimiter: Delimiter) =>
    askForJob('dead-space', () => api.deadSpace({ sessionId, limit: DEAD_SPACE_SHOWN, delimiter, ...(prefix ? { prefix } : {}) }), onError);

  // A copy, an export or an import says in its dialog how it ended, a refusal too.
  const startCopy = (to: string) => {
    copyTarget.current = to;
    setCopyOutcome(null);
    return askForJob('copy', () => api.copyStore({ sessionId, to }), (error) => setCopyOutcome({ kind: 'failed', error, target: to }));
  };

  const startExport = (path: string, overwrite: boolean) => {
    exportPath.current = path;
    setExportOutcome(null);
    const filter = exportAsked?.filter;
    return askForJob(
      'export',
      () => api.exportKeys({ sessionId, path, ...(filter ? { filter } : {}), ...(overwrite ? { overwrite: true as const } : {}) }),
      (error) => setExportOutcome({ kind: 'failed', error, path }),
    );
  };

  const startImport = (path: string) => {
    importPath.current = path;
    setImportOutcome(null);
    return askForJob('import', () => api.importFile({ sessionId, path }), (error) => setImportOutcome({ kind: 'failed', error, path }));
  };

  const cancelJob = async () => {
    if (job) await api.cancelJob({ jobId: job.jobId }).catch(report);
  };

  const toggleFollow = async () => {
    try {
      const res = await api.follow({ sessionId, enabled: !follow });
      setFollow(res.following ? { lockPid: res.lockPid, changes: [], count: 0 } : null);
    } catch (err) {
      report(err);
    }
  };

  const afterWrite = useCallback(
    (selectKey?: string | null, focusList?: boolean) => {
      if (selectKey !== undefined) setSelection(selectKey === null ? null : { kind: 'key', key: selectKey });
      // A key saved or restored is live: the list of live keys shows it (a deleted key restored leaves the deleted ones).
      if (typeof selectKey === 'string' && focusList) setKeySet('live');
      if (typeof selectKey === 'string') setReveal((r) => ({ key: selectKey, nonce: (r?.nonce ?? 0) + 1 }));
      if (focusList) setFocusKeys((n) => n + 1);
      if (focusList) succeeded(); // a save, restore or delete went through
      bump();
    },
    [bump, succeeded],
  );

  const openRecord = useCallback((file: string, offset: number) => {
    setTarget((t) => ({ file, offset, nonce: (t?.nonce ?? 0) + 1 }));
    setTab('records');
  }, []);

  /**
   * A record's key (the Records view's "Key history"): the Keys view with the key selected (its value, if it has
   * one, and its history), in the live keys or, for a key without a live value, the deleted ones.
   */
  const openKey = useCallback(
    (key: string) => {
      leaveEdit(() => {
        void api
          .getValue({ sessionId, key, maxBytes: 0 })
          .then((r) => r.found)
          .catch(() => true) // a live value that cannot be read is still a live key
          .then((live) => {
            onClearError?.();
            setKeySet(live ? 'live' : 'deleted');
            setSelection({ kind: 'key', key });
            setReveal((r) => ({ key, nonce: (r?.nonce ?? 0) + 1 }));
            setTab('keys');
          });
      });
    },
    // leaveEdit reads a ref
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api, sessionId, onClearError],
  );

  const readOnly = session.readOnly;
  const native = session.format === 'kvscope';
  const confidence = Math.round(session.detection.confidence * 100);
  const compactJob = job && (job.kind ?? 'compact') === 'compact' ? job : null;
  const deadSpaceJob = job && job.kind === 'dead-space' ? job : null;
  const copyJob = job && job.kind === 'copy' ? job : null;
  const exportJob = job && job.kind === 'export' ? job : null;
  const importJob = job && job.kind === 'import' ? job : null;
  const notWritableReason = session.writable ? null : (session.notWritableReason ?? 'This store cannot be written here');
  // The shown view is the tab panel of the Views tablist's selected tab.
  const viewPanel = { id: 'view-panel', role: 'tabpanel', 'aria-labelledby': `view-tab-${tab}` };
  return (
    <NotWritableReason.Provider value={notWritableReason}>
    <div className="workspace">
      <header className="toolbar">
        <h1 className="brand">
          <span className="logo">kv</span>scope
        </h1>
        <span className="toolbar-path mono" title={session.path}>
          {session.path}
        </span>
        <span className="format-badge" data-testid="format-badge" title={session.detection.reason}>
          <b>{session.format}</b> <span className="muted">· {confidence}% sure</span>
        </span>
        <select
          aria-label="Re-open as format"
          value=""
          onChange={(e) => {
            if (e.target.value) onOpenDirectory(session.path, e.target.value);
          }}
        >
          <option value="">Re-open as…</option>
          {formats
            .filter((f) => f.id !== session.format)
            .map((f) => (
              <option key={f.id} value={f.id}>
                {f.title}
              </option>
            ))}
        </select>
        <span className="spacer" />
        {native && (
          <button
            type="button"
            className={follow ? 'following' : ''}
            aria-pressed={follow !== null}
            onClick={() => void toggleFollow()}
            disabled={!readOnly}
            title={readOnly ? 'Show what another process writes to this store, as it writes it' : 'Follow mode works on read-only sessions'}
          >
            {follow ? '● Following' : 'Follow'}
          </button>
        )}
        <label className="switch" title={notWritableReason ?? 'Switch between read-only and read-write'}>
          <span>{readOnly ? 'Read-only' : 'Read-write'}</span>
          <button
            type="button"
            role="switch"
            aria-checked={!readOnly}
            aria-label="Read-write mode"
            // Not disabled while switching: a disabled button drops focus to <body>; a click meanwhile is ignored.
            aria-disabled={switching || undefined}
            disabled={!session.writable || job !== null}
            onClick={() => !switching && void setMode(readOnly)}
            className={readOnly ? 'switch-track' : 'switch-track on'}
          >
            <span className="switch-thumb" />
          </button>
        </label>
        <button type="button" className="ghost" onClick={() => leaveEdit(onClose)}>
          Close
        </button>
      </header>
      {/* The page's main landmark: everything between the toolbar (banner) and the status bar (contentinfo). */}
      <main className="workspace-main">
      <div className="detection-strip small" data-testid="detection">
        <span className="grow">
          Detected <b>{session.detection.format}</b> with {confidence}% confidence: {session.detection.reason}
          {!native && (
            <span className="muted">
              {' '}
              · Read-only: kvscope writes only its own format (Copy into a new kvscope store… makes a copy you can edit).
            </span>
          )}
        </span>
        <span className="strip-actions">
          <button
            type="button"
            className="small-button"
            onClick={() => {
              setCopyOutcome(null);
              setCopyOpen(true);
            }}
            title="Copy the live keys into a new kvscope store, which can be edited (this store is only read)"
          >
            Copy into a new kvscope store…
          </button>
          {native && !readOnly && (
            <button
              type="button"
              className="small-button"
              onClick={() => {
                setImportOutcome(null);
                setImportOpen(true);
              }}
              title="Import a JSON Lines file (what Export keys… and kvscope export write) into this store"
            >
              Import JSON Lines…
            </button>
          )}
        </span>
      </div>
      <OpenProblems report={session.openReport} />
      {follow && (
        <div className="follow-strip small" role="status" aria-label="Follow mode">
          <b>Following</b> · {follow.lockPid !== null ? `writer pid ${follow.lockPid}` : 'no writer holds the lock'} · {follow.count} change(s) seen
          {follow.reloadError && (
            <div className="inline-error small" role="alert" aria-label="Follow reload error">
              The store could not be read again after the latest changes, so keys and statistics may be behind them: {follow.reloadError.message}
            </div>
          )}
          {follow.changes.length > 0 && (
            <ul className="mono follow-list" aria-label="Recent changes">
              {follow.changes.slice(0, 6).map((c) => (
                <li key={`${c.file}:${c.offset}`}>
                  {c.kind === 'put' ? '+' : '−'} <span className="follow-key">{c.display}</span> <span className="muted">seq {c.sequence} · {c.file}@{c.offset}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <nav className="view-tabs" role="tablist" aria-label="Views" onKeyDown={onTablistKeyDown}>
        {TABS.map((t) => (
          <button
            key={t.id}
            id={`view-tab-${t.id}`}
            type="button"
            role="tab"
            aria-selected={tab === t.id}
            aria-controls="view-panel"
            tabIndex={tab === t.id ? 0 : -1}
            className={tab === t.id ? 'on' : ''}
            onClick={() =>
              t.id === tab
                ? undefined
                : leaveEdit(() => {
                    // An error banner belongs to the view it came from.
                    onClearError?.();
                    setTab(t.id);
                  })
            }
          >
            {t.label}
          </button>
        ))}
      </nav>
      {/* Every other view is named by a heading a screen reader can go to; the key view's panes are named by theirs. */}
      {tab !== 'keys' && <h2 className="sr-only">{TABS.find((t) => t.id === tab)!.label}</h2>}
      {tab === 'keys' && (
        <div className="panes" {...viewPanel}>
          <KeyBrowser
            api={api}
            sessionId={sessionId}
            version={version}
            readOnly={readOnly}
            selectedKey={selection?.kind === 'key' ? selection.key : null}
            reveal={reveal}
            focusRequest={focusKeys}
            onSelect={(key) => {
              if (selection?.kind === 'key' && selection.key === key) return;
              leaveEdit(() => setSelection({ kind: 'key', key }));
            }}
            onNewKey={() => leaveEdit(() => setSelection({ kind: 'new' }))}
            onError={report}
            keySet={keySet}
            onKeySetChange={setKeySet}
            onExport={(filter, count) => {
              setExportOutcome(null);
              setExportAsked({ filter, count });
            }}
          />
          <ValuePanel
            api={api}
            sessionId={sessionId}
            version={version}
            readOnly={readOnly}
            selection={selection}
            onWritten={afterWrite}
            onCancelNew={() => {
              setSelection(null);
              setFocusKeys((n) => n + 1);
            }}
            onDirtyChange={onDirtyChange}
            onOpenRecord={openRecord}
            onError={report}
            deleted={deletedNow}
            onDeleted={setDeletedNow}
            onShowDeleted={openKey}
          />
          <StatsPanel
            stats={stats}
            readOnly={readOnly}
            writable={session.writable}
            job={compactJob}
            lastCompaction={lastCompaction}
            onCompact={() => void startJob('compact')}
            onCancel={() => void cancelJob()}
            deadSpace={
              <DeadSpaceView
                job={deadSpaceJob}
                busy={job !== null || jobsState.requested !== null}
                result={deadSpace}
                onStart={(prefix, delimiter) => void startDeadSpace(prefix, delimiter)}
                onCancel={() => void cancelJob()}
                onSelectKey={openKey}
              />
            }
          />
        </div>
      )}
      {tab === 'segments' && (
        <div className="view" {...viewPanel}>
          <SegmentsView
            data={segments}
            readOnly={readOnly}
            job={compactJob}
            lastCompaction={lastCompaction}
            onCompact={() => void startJob('compact')}
            onOpenFile={(file) => openRecord(file, 0)}
          />
        </div>
      )}
      {tab === 'records' && (
        <div className="view" {...viewPanel}>
          {segments ? (
            <RecordsView
              api={api}
              sessionId={sessionId}
              version={version}
              files={readableFiles(segments.files)}
              target={target}
              onOpenKey={openKey}
              onFilesGone={() => setFilesAsked((n) => n + 1)}
              onError={report}
            />
          ) : (
            <div className="view-pad muted">Reading every file…</div>
          )}
        </div>
      )}
      {tab === 'verify' && (
        <div className="view" {...viewPanel}>
          <VerifyView job={job} result={verifyResult} onStart={() => void startJob('verify')} onCancel={() => void cancelJob()} onOpen={openRecord} onOpenKey={openKey} onRepair={() => {
              setRepairAsked(true);
              setTab('lab');
            }} format={session.format} />
        </div>
      )}
      {tab === 'lab' && (
        <div className="view" {...viewPanel}>
          <LabView api={api} session={session} files={readableFiles(segments?.files ?? [])} onOpenDirectory={(p) => onOpenDirectory(p)} onError={report} onSucceeded={succeeded} focusRepair={repairAsked} />
        </div>
      )}
      </main>
      <StatusBar session={session} stats={stats} />
      {copyOpen && (
        <CopyDialog
          session={session}
          job={copyJob}
          starting={jobsState.requested === 'copy'}
          otherJob={job !== null && copyJob === null}
          outcome={copyOutcome}
          {...(hasChoosers
            ? { onChoose: () => api.chooseDirectory({ title: 'Choose a directory for the new kvscope store' }).then((r) => r.path, (err: unknown) => (report(err), null)) }
            : {})}
          onStart={(to) => void startCopy(to)}
          onCancelJob={() => void cancelJob()}
          onOpenCopy={(path) => {
            setCopyOpen(false);
            leaveEdit(() => onOpenDirectory(path, 'kvscope', true));
          }}
          onClose={() => setCopyOpen(false)}
        />
      )}
      {exportAsked && (
        <ExportDialog
          filter={exportAsked.filter}
          count={exportAsked.count}
          job={exportJob}
          starting={jobsState.requested === 'export'}
          otherJob={job !== null && exportJob === null}
          outcome={exportOutcome}
          {...(hasChoosers ? { onChoose: () => api.chooseFile({ mode: 'save', title: 'Export keys to a JSON Lines file' }).then((r) => r.path, (err: unknown) => (report(err), null)) } : {})}
          onStart={(path, overwrite) => void startExport(path, overwrite)}
          onCancelJob={() => void cancelJob()}
          onClose={() => setExportAsked(null)}
        />
      )}
      {importOpen && (
        <ImportDialog
          job={importJob}
          starting={jobsState.requested === 'import'}
          otherJob={job !== null && importJob === null}
          outcome={importOutcome}
          {...(hasChoosers ? { onChoose: () => api.chooseFile({ mode: 'open', title: 'Import a JSON Lines file' }).then((r) => r.path, (err: unknown) => (report(err), null)) } : {})}
          onStart={(path) => void startImport(path)}
          onCancelJob={() => void cancelJob()}
          onClose={() => setImportOpen(false)}
        />
      )}
      {pendingLeave && (
        <ConfirmDialog
          title="Discard unsaved changes?"
          message="The value you are editing has changes that are not saved. Discard them?"
          confirmLabel="Discard"
          onConfirm={() => {
            const action = pendingLeave;
            setPendingLeave(null);
            dirty.current = false;
            action();
          }}
          onCancel={() => setPendingLeave(null)}
        />
      )}
    </div>
    </NotWritableReason.Provider>
  );
}
