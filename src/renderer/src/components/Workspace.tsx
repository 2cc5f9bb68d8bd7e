/**
 * One open store: toolbar with the mode switch, key browser, value panel,
 * stats panel and status bar. Owns the "data version" that makes every panel
 * refetch after a write, a compaction or a mode switch.
 */
import { useCallback, useEffect, useState } from 'react';
import type { CompactSummary, KvscopeApi, SessionInfo, StatsResponse } from '../../../shared/contract.js';
import { asApiError, type ApiErrorShape } from '../../../shared/errors.js';
import { KeyBrowser } from './KeyBrowser.js';
import { StatsPanel, type JobState } from './StatsPanel.js';
import { StatusBar } from './StatusBar.js';
import { ValuePanel } from './ValuePanel.js';

interface Props {
  api: KvscopeApi;
  session: SessionInfo;
  onSessionChange: (session: SessionInfo) => void;
  onClose: () => void;
  onError: (error: ApiErrorShape) => void;
}

export type Selection = { kind: 'key'; key: string } | { kind: 'new' } | null;

export function Workspace({ api, session, onSessionChange, onClose, onError }: Props) {
  const [version, setVersion] = useState(0);
  const [selection, setSelection] = useState<Selection>(null);
  const [stats, setStats] = useState<StatsResponse | null>(null);
  const [job, setJob] = useState<JobState | null>(null);
  const [lastCompaction, setLastCompaction] = useState<CompactSummary | null>(null);
  const [switching, setSwitching] = useState(false);
  const { sessionId } = session;

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

  useEffect(
    () =>
      api.onEvent((event) => {
        if (!('sessionId' in event) || event.sessionId !== sessionId) return;
        if (event.type === 'job-progress') {
          setJob({ jobId: event.jobId, phase: event.phase, done: event.done, total: event.total });
        } else if (event.type === 'job-done') {
          setJob(null);
          setLastCompaction(event.result);
          bump();
        } else if (event.type === 'job-failed') {
          setJob(null);
          if (event.error.code !== 'ABORTED') onError(event.error);
          else onError({ code: 'ABORTED', message: 'Compaction was cancelled; the store is unchanged.' });
          bump();
        }
      }),
    [api, sessionId, bump, onError],
  );

  const setMode = async (readWrite: boolean) => {
    setSwitching(true);
    try {
      onSessionChange(await api.setMode({ sessionId, readWrite }));
      bump();
    } catch (err) {
      report(err);
    } finally {
      setSwitching(false);
    }
  };

  const startCompaction = async () => {
    try {
      setLastCompaction(null);
      const { jobId } = await api.compact({ sessionId });
      setJob((current) => current ?? { jobId, phase: 'starting', done: 0, total: 0 });
    } catch (err) {
      report(err);
    }
  };

  const cancelJob = async () => {
    if (job) await api.cancelJob({ jobId: job.jobId }).catch(report);
  };

  const afterWrite = useCallback(
    (selectKey?: string | null) => {
      if (selectKey !== undefined) setSelection(selectKey === null ? null : { kind: 'key', key: selectKey });
      bump();
    },
    [bump],
  );

  const readOnly = session.readOnly;
  return (
    <div className="workspace">
      <header className="toolbar">
        <span className="brand">
          <span className="logo">kv</span>scope
        </span>
        <span className="toolbar-path mono" title={session.path}>
          {session.path}
        </span>
        <span className="spacer" />
        <label className="switch" title={session.writable ? 'Switch between read-only and read-write' : 'This store cannot be written here'}>
          <span>{readOnly ? 'Read-only' : 'Read-write'}</span>
          <button
            type="button"
            role="switch"
            aria-checked={!readOnly}
            aria-label="Read-write mode"
            disabled={switching || !session.writable || job !== null}
            onClick={() => void setMode(readOnly)}
            className={readOnly ? 'switch-track' : 'switch-track on'}
          >
            <span className="switch-thumb" />
          </button>
        </label>
        <button type="button" className="ghost" onClick={onClose}>
          Close
        </button>
      </header>
      {session.warnings.length > 0 && (
        <div className="warning-strip" role="status">
          {session.warnings.length} problem(s) found while opening: {session.warnings[0]}
        </div>
      )}
      <div className="panes">
        <KeyBrowser
          api={api}
          sessionId={sessionId}
          version={version}
          readOnly={readOnly}
          selectedKey={selection?.kind === 'key' ? selection.key : null}
          onSelect={(key) => setSelection({ kind: 'key', key })}
          onNewKey={() => setSelection({ kind: 'new' })}
          onError={report}
        />
        <ValuePanel
          api={api}
          sessionId={sessionId}
          version={version}
          readOnly={readOnly}
          selection={selection}
          onWritten={afterWrite}
          onError={report}
        />
        <StatsPanel
          stats={stats}
          readOnly={readOnly}
          writable={session.writable}
          job={job}
          lastCompaction={lastCompaction}
          onCompact={() => void startCompaction()}
          onCancel={() => void cancelJob()}
        />
      </div>
      <StatusBar session={session} stats={stats} />
    </div>
  );
}
