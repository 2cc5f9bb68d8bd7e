import { useRef, type ReactNode } from 'react';
import { useWriteHint } from '../write-hint.js';
import { useRefocusAfter } from '../focus.js';
import type { CompactSummary, StatsResponse } from '../../../shared/contract.js';
import { countOf, formatBytes, formatCount, formatRatio } from '../format.js';
import type { JobKind } from '../job-state.js';
import { COMPACTION_REFUSED, CompactionStops, NOTHING_TO_RECLAIM, NOTHING_TO_RECLAIM_SAID, nothingToReclaim } from './CompactionStops.js';
import { ProgressBar } from './JobProgress.js';

export interface JobState {
  jobId: string;
  kind?: JobKind;
  phase: string;
  done: number;
  total: number;
}

interface Props {
  stats: StatsResponse | null;
  readOnly: boolean;
  writable: boolean;
  job: JobState | null;
  lastCompaction: CompactSummary | null;
  onCompact: () => void;
  onCancel: () => void;
  /** "Where is the dead space?" (DeadSpaceView), below the compaction. */
  deadSpace?: ReactNode;
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <div className="figure">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

export function StatsPanel({ stats, readOnly, writable, job, lastCompaction, onCompact, onCancel, deadSpace }: Props) {
  const compactHint = useWriteHint('compact');
  const plan = stats?.compactionPlan;
  const nothingToCompact = nothingToReclaim(plan);
  // Of the records' bytes (headers are neither live nor dead).
  const recordBytes = stats ? stats.liveBytes + stats.deadBytes : 0;
  const livePct = stats && recordBytes > 0 ? (stats.liveBytes / recordBytes) * 100 : 100;
  const percent = job && job.total > 0 ? Math.round((job.done / job.total) * 100) : 0;
  // The Cancel button goes with the job: focus goes back to Compact.
  const compact = useRef<HTMLButtonElement>(null);
  useRefocusAfter(job !== null, compact);
  return (
    // The panel scrolls when its figures, notes and compaction outgrow the window; it takes focus so the keyboard can
    // scroll it too (read-only, nothing inside it can be focused).
    <aside className="pane stats-pane" aria-label="Statistics" tabIndex={0}>
      <h2 className="pane-title">Statistics</h2>
      {!stats ? (
        <p className="muted">Loading…</p>
      ) : (
        <>
          <dl className="figures">
            <Figure label="Keys" value={formatCount(stats.keys)} />
            <Figure label="Segments" value={formatCount(stats.segments)} />
            <Figure label="Total size" value={formatBytes(stats.totalBytes)} />
            <Figure label="Live bytes" value={formatBytes(stats.liveBytes)} />
            <Figure label="Dead bytes" value={formatBytes(stats.deadBytes)} />
            {stats.overheadBytes !== undefined && stats.overheadBytes > 0 && <Figure label="Headers" value={formatBytes(stats.overheadBytes)} />}
            {stats.fileBytes !== undefined && <Figure label="On disk" value={formatBytes(stats.fileBytes)} />}
            <Figure label="Space amplification" value={formatRatio(stats.spaceAmplification)} />
          </dl>
          {stats.figuresFrom === 'index' && (
            <p className="small muted" data-testid="figures-from">
              Figures from {stats.format === 'kvscope' ? 'hint files and the keydir image' : 'hint files'}: damage since they were written is not counted here (Verify and the Segments view read the records).
            </p>
          )}
          {stats.recordsReadBecause && stats.recordsReadBecause.length > 0 && (
            <div className="small records-read" role="note" aria-label="Data files read instead of their hints">
              {stats.recordsReadBecause.length === 1 ? 'One data file was' : `${formatCount(stats.recordsReadBecause.length)} data files were`} read record by record, not
              from {stats.recordsReadBecause.length === 1 ? 'its hint' : 'their hints'}:
              <ul>
                {stats.recordsReadBecause.map((r) => (
                  <li key={r.file} data-file={r.file}>
                    <span className="mono">{r.file}</span>: {r.why}
                  </li>
                ))}
              </ul>
            </div>
          )}
          <div className="live-bar" title={`${livePct.toFixed(1)}% live`}>
            <div className="live-bar-fill" style={{ width: `${livePct}%` }} />
          </div>
          <div className="legend small muted">
            <span className="dot live" /> live <span className="dot dead" /> dead
          </div>

          <h3 className="section-title">Compaction</h3>
          {plan && nothingToCompact ? (
            <p className="small muted" data-testid="compaction-plan">
              {NOTHING_TO_RECLAIM_SAID}
            </p>
          ) : plan ? (
            <p className="small" data-testid="compaction-plan">
              Will reclaim <b>{formatBytes(plan.bytesToReclaim)}</b> by dropping {formatCount(plan.recordsToDrop)} records from{' '}
              {plan.inputSegments.length} segment{plan.inputSegments.length === 1 ? '' : 's'}.
            </p>
          ) : (
            <p className="small muted">This format cannot be compacted here.</p>
          )}
          {plan?.stops && <CompactionStops stops={plan.stops} />}
          {!plan ? null : job ? (
            <div className="job">
              <div className="job-label small" data-testid="compaction-job">
                Compacting…{job.total > 0 ? ` ${percent}%` : ''} — copying the live records of {countOf(plan.inputSegments.length, 'segment')} into new ones; the
                old ones are deleted at the end.
              </div>
              <ProgressBar percent={percent} label="Compaction progress" />
              <button type="button" onClick={onCancel}>
                Cancel
              </button>
            </div>
          ) : (
            <button
              type="button"
              className="primary"
              ref={compact}
              onClick={() => !nothingToCompact && onCompact()}
              disabled={!plan || readOnly || !writable || plan.stops?.starts === false}
              // Nothing to reclaim (as a compaction just finished): not disabled, which would drop the focus it has
              // to <body>; it says why and a click does nothing.
              aria-disabled={nothingToCompact || undefined}
              title={readOnly || !writable ? compactHint : plan?.stops?.starts === false ? COMPACTION_REFUSED : nothingToCompact ? NOTHING_TO_RECLAIM : undefined}
            >
              Compact
            </button>
          )}
          {(readOnly || !writable) && plan && <p className="small muted">{compactHint}.</p>}
          {lastCompaction && (
            <div className="compaction-result" role="status" aria-label="Compaction result">
              <div className="small">
                <b>Compaction finished</b>
              </div>
              <table className="before-after small">
                <thead>
                  <tr>
                    <th>
                      <span className="sr-only">figure</span>
                    </th>
                    <th>Before</th>
                    <th>After</th>
                  </tr>
                </thead>
                <tbody>
                  <tr>
                    <td>Segments</td>
                    <td>{formatCount(lastCompaction.segmentsBefore)}</td>
                    <td>{formatCount(lastCompaction.segmentsAfter)}</td>
                  </tr>
                  <tr>
                    <td>Size</td>
                    <td>{formatBytes(lastCompaction.bytesBefore)}</td>
                    <td>{formatBytes(lastCompaction.bytesAfter)}</td>
                  </tr>
                </tbody>
              </table>
              <div className="small">
                Reclaimed <b>{formatBytes(lastCompaction.reclaimedBytes)}</b>, dropped {formatCount(lastCompaction.recordsDropped)} records.
              </div>
            </div>
          )}
          {deadSpace}
          {stats.perSegment.length > 0 && (
            <>
              <h3 className="section-title">Segments</h3>
              <table className="segments small mono">
                <thead>
                  <tr>
                    <th>File</th>
                    <th>Size</th>
                    <th>Live</th>
                  </tr>
                </thead>
                <tbody>
                  {stats.perSegment.map((seg) => (
                    <tr key={seg.file}>
                      <td>
                        {seg.file}
                        {seg.active ? ' •' : ''}
                      </td>
                      <td>{formatBytes(seg.bytes)}</td>
                      <td>{seg.bytes > 0 ? `${Math.round((seg.liveBytes / seg.bytes) * 100)}%` : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </>
      )}
    </aside>
  );
}
