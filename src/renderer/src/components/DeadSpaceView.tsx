/**
 * "Where is the dead space?" in the Statistics pane: a job that reads every record (a kvscope store's segments;
 * another engine's versions are known at the open) and counts each overwritten put and tombstone against its key.
 * Its result lists the prefixes (one level of ':' below the one searched) and the keys with the most dead bytes;
 * a prefix row searches again under it (one level down), a key row selects the key in the Keys view.
 */
import { useRef, type KeyboardEvent } from 'react';
import type { DeadSpaceResult } from '../../../shared/contract.js';
import { useRefocusAfter } from '../focus.js';
import { countOf, formatBytes, formatCount } from '../format.js';
import { KeyText, keyTitle } from './KeyText.js';
import type { JobState } from './StatsPanel.js';

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
const LIST = { listStyle: 'none', margin: '4px 0 8px', padding: 0 } as const;
const ROW = { display: 'flex', width: '100%', gap: 8, alignItems: 'baseline', textAlign: 'left', padding: '2px 6px', background: 'none', border: 'none', borderRadius: 4, cursor: 'pointer', color: 'inherit', font: 'inherit' } as const;
const NAME = { flex: '1 1 auto', minWidth: 0, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' } as const;
const FIGURE = { flex: '0 0 auto', fontVariantNumeric: 'tabular-nums' } as const;
const ROW_BUTTONS = { display: 'flex', gap: 8, alignItems: 'center', flexWrap: 'wrap' } as const;

/** Up and Down move between a list's rows, Home and End to its first and last. */
function onRowsKeyDown(e: KeyboardEvent<HTMLOListElement>) {
  const buttons = Array.from(e.currentTarget.querySelectorAll<HTMLButtonElement>('button'));
  const current = buttons.indexOf(document.activeElement as HTMLButtonElement);
  if (current < 0) return;
  const to = e.key === 'ArrowDown' ? current + 1 : e.key === 'ArrowUp' ? current - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? buttons.length - 1 : undefined;
  if (to === undefined) return;
  buttons[Math.max(0, Math.min(buttons.length - 1, to))]!.focus();
  e.preventDefault();
}

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
          <div className="progress" role="progressbar" aria-label="Dead space search progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
            <div className="progress-fill" style={{ width: `${percent}%` }} />
          </div>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      ) : (
        <div className="dead-space-actions" style={ROW_BUTTONS}>
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
              <h4 className="small dead-space-heading" style={{ margin: '8px 0 0' }}>By prefix{result.branchCount > result.branches.length ? ` (the ${result.branches.length} of ${formatCount(result.branchCount)} with the most)` : ''}</h4>
              <ol className="dead-space-list small" style={LIST} aria-label="Dead space by prefix" onKeyDown={onRowsKeyDown}>
                {result.branches.map((b, i) => (
                  <li key={b.kind + b.prefix}>
                    <button
                      type="button"
                      className="dead-space-row" style={ROW}
                      tabIndex={i === 0 ? 0 : -1}
                      onClick={() => (b.kind === 'branch' ? onStart(b.prefix) : onSelectKey(b.prefix))}
                      title={`${keyTitle(b.display)}\n${formatCount(b.deadBytes)} dead bytes in ${countOf(b.deadRecords, 'record')} of ${countOf(b.keys, 'key')}${b.kind === 'branch' ? '\nClick: its prefixes and keys' : '\nClick: select the key'}`}
                    >
                      <span className="dead-space-name mono" style={NAME}>
                        <KeyText display={b.display} />
                      </span>
                      <span className="dead-space-figure" style={FIGURE}>{formatBytes(b.deadBytes)}</span>
                      <span className="dead-space-figure muted" style={FIGURE}>{formatCount(b.deadRecords)}</span>
                    </button>
                  </li>
                ))}
              </ol>
            </>
          )}
          {result.topKeys.length > 0 && (
            <>
              <h4 className="small dead-space-heading" style={{ margin: '8px 0 0' }}>Keys with the most</h4>
              <ol className="dead-space-list small" style={LIST} aria-label="Keys with the most dead space" onKeyDown={onRowsKeyDown}>
                {result.topKeys.map((k, i) => (
                  <li key={k.key}>
                    <button
                      type="button"
                      className="dead-space-row" style={ROW}
                      tabIndex={i === 0 ? 0 : -1}
                      onClick={() => onSelectKey(k.key)}
                      title={`${keyTitle(k.display)}\n${formatCount(k.deadBytes)} dead bytes: ${countOf(k.versions, 'version')}, ${formatCount(k.overwritten)} overwritten, ${formatCount(k.tombstones)} deleted; ${k.live ? 'live' : 'deleted'} now`}
                    >
                      <span className="dead-space-name mono" style={NAME}>
                        <KeyText display={k.display} />
                      </span>
                      <span className="dead-space-figure" style={FIGURE}>{formatBytes(k.deadBytes)}</span>
                      <span className="dead-space-figure muted" style={FIGURE}>{countOf(k.versions, 'version')}</span>
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
