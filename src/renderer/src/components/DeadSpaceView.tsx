/**
 * "Where is the dead space?" in the Statistics pane: a job that reads every record (a kvscope store's segments;
 * another engine's versions are known at the open) and counts each overwritten put and tombstone against its key.
 * Its result lists the prefixes (one level of ':' below the one searched) and the keys with the most dead bytes;
 * a prefix row searches again under it (one level down), a key row selects the key in the Keys view.
 */
import { useRef } from 'react';
import type { DeadSpaceResult } from '../../../shared/contract.js';
import { onRowListKeyDown, useRefocusAfter } from '../focus.js';
import { countOf, formatBytes, formatCount } from '../format.js';
import { KeyText, keyTitle } from './KeyText.js';
import type { JobState } from './StatsPanel.js';
import { ProgressBar } from './JobProgress.js';

/** Prefixes and keys asked for (the service gives at most LIMITS.deadSpaceMax). */
export const DEAD_SPACE_SHOWN = 20;

interface Props {
  /** The dead-space job running, or null. */
  job: JobState | null;
  /** Another job of the session runs (one at a time): Find waits. */
  busy: boolean;
  result: DeadSpaceResult | null;
  onStart: (prefix: string) => void;
  onCancel: () => void;
  onSelectKey: (key: string) => void;
}

// Laid out here: styles.css holds other work in progress (its rules for these can follow).

export function DeadSpaceView({ job, busy, result, onStart, onCancel, onSelectKey }: Props) {
  const find = useRef<HTMLButtonElement>(null);
  useRefocusAfter(job !== null, find);
  const under = result && result.prefix !== '' ? result.prefix : null;
  const percent = job && job.total > 0 ? Math.round((job.done / job.total) * 100) : 0;
  return (
    <section aria-label="Dead space by key" data-testid="dead-space">
      <h3 className="section-title">Where is the dead space?</h3>
      <p className="small muted">Overwritten values and deletes, counted against their keys{job ? '' : ' (reads every record)'}.</p>
      {job ? (
        <div className="job">
          <div className="job-label small">Reading every record… {percent}%</div>
          <ProgressBar percent={percent} label="Dead space search progress" />
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      ) : (
        <div className="dead-space-actions">
          <button type="button" ref={find} onClick={() => onStart('')} disabled={busy} title={busy ? 'Another job is running' : undefined}>
            {result ? 'Search again' : 'Find dead space'}
          </button>
          {under && (
            <button type="button" onClick={() => onStart('')} disabled={busy}>
              All keys
            </button>
          )}
        </div>
      )}
      {result && !job && (
        <div className="dead-space-result" role="status" aria-label="Dead space result">
          <p className="small">
            {result.deadRecords === 0 ? (
              <>No dead records{under ? <> under <span className="mono">{under}</span></> : ''}: nothing for a compaction to drop here.</>
            ) : (
              <>
                <b>{formatBytes(result.deadBytes)}</b> in {countOf(result.deadRecords, 'dead record')} of {countOf(result.keys, 'key')}
                {under ? <> under <span className="mono">{under}</span></> : ''}.
              </>
            )}
            {result.damagedBytes > 0 && <> {formatBytes(result.damagedBytes)} of damaged records are not counted (Verify shows them).</>}
          </p>
          {result.branches.length > 0 && (
            <>
              <h4 className="small dead-space-heading">By prefix{result.branchCount > result.branches.length ? ` (the ${result.branches.length} of ${formatCount(result.branchCount)} with the most)` : ''}</h4>
              <ol className="dead-space-list small" aria-label="Dead space by prefix" onKeyDown={onRowListKeyDown}>
                {result.branches.map((b, i) => (
                  <li key={b.kind + b.prefix}>
                    <button
                      type="button"
                      className="dead-space-row"
                      tabIndex={i === 0 ? 0 : -1}
                      onClick={() => (b.kind === 'branch' ? onStart(b.prefix) : onSelectKey(b.prefix))}
                      title={`${keyTitle(b.display)}\n${formatCount(b.deadBytes)} dead bytes in ${countOf(b.deadRecords, 'record')} of ${countOf(b.keys, 'key')}${b.kind === 'branch' ? '\nClick: its prefixes and keys' : '\nClick: select the key'}`}
                    >
                      <span className="dead-space-name mono">
                        <KeyText display={b.display} />
                      </span>
                      <span className="dead-space-figure">{formatBytes(b.deadBytes)}</span>
                      <span className="dead-space-figure muted">{formatCount(b.deadRecords)}</span>
                    </button>
                  </li>
                ))}
              </ol>
            </>
          )}
          {result.topKeys.length > 0 && (
            <>
              <h4 className="small dead-space-heading">Keys with the most</h4>
              <ol className="dead-space-list small" aria-label="Keys with the most dead space" onKeyDown={onRowListKeyDown}>
                {result.topKeys.map((k, i) => (
                  <li key={k.key}>
                    <button
                      type="button"
                      className="dead-space-row"
                      tabIndex={i === 0 ? 0 : -1}
                      onClick={() => onSelectKey(k.key)}
                      title={`${keyTitle(k.display)}\n${formatCount(k.deadBytes)} dead bytes: ${countOf(k.versions, 'version')}, ${formatCount(k.overwritten)} overwritten, ${formatCount(k.tombstones)} deleted; ${k.live ? 'live' : 'deleted'} now`}
                    >
                      <span className="dead-space-name mono">
                        <KeyText display={k.display} />
                      </span>
                      <span className="dead-space-figure">{formatBytes(k.deadBytes)}</span>
                      <span className="dead-space-figure muted">{countOf(k.versions, 'version')}</span>
                    </button>
                  </li>
                ))}
              </ol>
            </>
          )}
        </div>
      )}
    </section>
  );
}
