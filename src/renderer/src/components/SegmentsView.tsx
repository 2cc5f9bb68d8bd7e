/**
 * Every data and hint file: size, records, live / stale / tombstone /
 * corrupt bytes (a bar each), oldest and newest sequence. For native
 * read-write stores, the merge dry run (which segments a compaction would
 * rewrite, records it would drop, bytes it would reclaim) and, after a real
 * compaction, the plan side by side with what it did.
 */
import { Fragment } from 'react';
import { useWriteHint } from '../write-hint.js';
import type { CompactSummary, SegmentsResponse } from '../../../shared/contract.js';
import { countOf, formatBytes, formatCount } from '../format.js';
import { SEQUENCE_IS_TIMESTAMP_NOTE, sequenceRangeText } from '../../../shared/sequence-text.js';
import { COMPACTION_REFUSED, CompactionStops, NOTHING_TO_RECLAIM, NOTHING_TO_RECLAIM_SAID, nothingToReclaim } from './CompactionStops.js';
import type { JobState } from './StatsPanel.js';

interface Props {
  data: SegmentsResponse | null;
  readOnly: boolean;
  job: JobState | null;
  lastCompaction: CompactSummary | null;
  onCompact: () => void;
  onOpenFile: (file: string) => void;
}

/** What the unread bytes are, for a tooltip. */
const UNREAD_EXPLAINED =
  "Sound records after damage at which this format's program stops reading the file (the Records view marks them unread): it never read them, so they are not live, stale or tombstones to it";

function pct(part: number, whole: number): string {
  return whole > 0 ? `${(part / whole) * 100}%` : '0%';
}

export function SegmentsView({ data, readOnly, job, lastCompaction, onCompact, onOpenFile }: Props) {
  const compactHint = useWriteHint('compact');
  if (!data) return <div className="view-pad muted">Reading every file…</div>;
  const plan = data.compactionPlan;
  const planned = lastCompaction?.planned;
  const inputs = new Set(plan?.inputSegments ?? []);
  // A compaction would change nothing (as after one): said beside Compact now, which stays focusable (one that just
  // finished keeps focus) but does nothing.
  const nothing = nothingToReclaim(plan) && !readOnly && job === null;
  const dataFiles = data.files.filter((f) => f.role === 'data');
  // Records the format's program never reads (after damage it stops reading a file at): a column and a legend entry of
  // their own where some file has them, not counted stale or tombstones.
  const anyUnread = data.files.some((f) => (f.unreadBytes ?? 0) > 0);
  return (
    <div className="view-pad segments-view">
      {data.unfinishedCompaction && (
        <div className="warn-box small" role="note" aria-label="Unfinished compaction">
          A compaction was interrupted after its commit (COMPACTION): its output{dataFiles.filter((f) => f.file.endsWith('.compacting')).length === 1 ? ' is' : 's are'} read in place of{' '}
          <span className="mono">{data.unfinishedCompaction.replacedSegments.join(', ')}</span>, which the next writer deletes (it also renames the outputs).
        </div>
      )}
      {data.uncommittedCompaction && (
        <div className="warn-box small" role="note" aria-label="Uncommitted compaction">
          {data.uncommittedCompaction.writerPid !== null
            ? `A compaction is under way in the writer (pid ${data.uncommittedCompaction.writerPid}), not yet committed: `
            : 'A compaction was interrupted before its commit: nothing reads its files, and the next writer deletes them: '}
          <span className="mono">{data.uncommittedCompaction.files.map((f) => f.file).join(', ')}</span> ({formatBytes(data.uncommittedCompaction.bytes)}).
        </div>
      )}
      <div className="legend small">
        <span className="swatch seg-live" /> live <span className="swatch seg-stale" /> stale (shadowed) <span className="swatch seg-tomb" /> tombstones{' '}
        <span className="swatch seg-corrupt" /> corrupt / torn <span className="swatch seg-meta" /> headers, hints, keydir image
        {anyUnread && (
          <span className="legend-item" data-testid="legend-unread" title={UNREAD_EXPLAINED}>
            <span className="swatch seg-unread" /> unread: after damage its program stops reading the file at, never read by it
          </span>
        )}
      </div>
      <table className="segments-table small" aria-label="Segments">
        <thead>
          <tr>
            <th>File</th>
            <th>Size</th>
            <th>Records</th>
            <th>Live</th>
            <th>Stale</th>
            <th>Tombstones</th>
            <th>Corrupt</th>
            {anyUnread && <th title={UNREAD_EXPLAINED}>Unread</th>}
            <th>{data.files.some((f) => f.sequenceIsTimestamp) ? 'Written (UTC)' : 'Sequences'}</th>
            <th className="bar-col">Bytes</th>
          </tr>
        </thead>
        <tbody>
          {data.files.map((f) =>
            f.unreadable !== undefined ? (
              <tr key={f.file} className="unreadable" data-file={f.file}>
                <td className="mono">
                  {f.file}
                  <span className="badge badge-warn">cannot be read</span>
                </td>
                <td colSpan={anyUnread ? 9 : 8} className="bad why">
                  {f.unreadable}: none of its records were read
                </td>
              </tr>
            ) : (
              <Fragment key={f.file}>
                <tr className={inputs.has(f.id) && f.role === 'data' ? 'will-compact' : ''} data-file={f.file}>
                  <td className="mono">
                    <button type="button" className="link mono" onClick={() => onOpenFile(f.file)} title="Open in the record table">
                      {f.file}
                    </button>
                    {f.active ? <span className="badge">active</span> : null}
                    {inputs.has(f.id) && f.role === 'data' ? <span className="badge badge-warn">rewritten</span> : null}
                  </td>
                  <td className="mono">{formatBytes(f.bytes)}</td>
                  <td className="mono">{formatCount(f.records)}</td>
                  <td className="mono">{f.role === 'data' ? formatBytes(f.liveBytes) : '—'}</td>
                  <td className="mono">{f.role === 'data' ? formatBytes(f.staleBytes) : '—'}</td>
                  <td className="mono">{f.role === 'data' ? formatBytes(f.tombstoneBytes) : '—'}</td>
                  <td className={`mono${f.corruptBytes > 0 ? ' bad' : ''}`}>{f.role === 'data' ? formatBytes(f.corruptBytes) : '—'}</td>
                  {anyUnread && (
                    <td className="mono" data-col="unread">
                      {f.role === 'data' ? formatBytes(f.unreadBytes ?? 0) : '—'}
                    </td>
                  )}
                  <td className="mono seq-col" title={f.sequenceIsTimestamp && f.oldestSequence !== null ? `${f.oldestSequence} … ${f.newestSequence} seconds since 1970: ${SEQUENCE_IS_TIMESTAMP_NOTE}` : undefined}>
                    {f.oldestSequence === null ? '—' : sequenceRangeText(f.oldestSequence, f.newestSequence ?? f.oldestSequence, f.sequenceIsTimestamp)}
                  </td>
                  <td className="bar-col">
                    <div className="seg-bar" title={`live ${f.liveBytes} · stale ${f.staleBytes} · tombstones ${f.tombstoneBytes} · corrupt ${f.corruptBytes}${f.unreadBytes ? ` · unread ${f.unreadBytes}` : ''} · other ${f.metaBytes}`}>
                      <span className="seg-live" style={{ width: pct(f.liveBytes, f.bytes) }} />
                      <span className="seg-stale" style={{ width: pct(f.staleBytes, f.bytes) }} />
                      <span className="seg-tomb" style={{ width: pct(f.tombstoneBytes, f.bytes) }} />
                      <span className="seg-corrupt" style={{ width: pct(f.corruptBytes, f.bytes) }} />
                      {f.unreadBytes ? <span className="seg-unread" style={{ width: pct(f.unreadBytes, f.bytes) }} /> : null}
                      <span className="seg-meta" style={{ width: pct(f.metaBytes, f.bytes) }} />
                    </div>
                  </td>
                </tr>
                {f.readInsteadOfHint !== undefined && (
                  <tr className="read-instead" data-file-note={f.file}>
                    <td colSpan={anyUnread ? 10 : 9} className="small muted">
                      <span className="mono">{f.file}</span> was read record by record, its keys not taken from a hint: {f.readInsteadOfHint}
                    </td>
                  </tr>
                )}
              </Fragment>
            ),
          )}
        </tbody>
      </table>
      <h3 className="section-title">Merge dry run</h3>
      {plan ? (
        <div className="dry-run small" data-testid="dry-run">
          <div>
          A compaction now would rewrite <b>{plan.inputSegments.length}</b> of {countOf(dataFiles.length, 'segment')} ({plan.inputSegments.join(', ') || 'none'}), drop{' '}
          <b>{formatCount(plan.recordsToDrop)}</b> record{plan.recordsToDrop === 1 ? '' : 's'} and reclaim <b>{formatBytes(plan.bytesToReclaim)}</b> ({formatCount(plan.bytesToReclaim)} bytes).
          {plan.emptyActive && (
            <>
              {' '}
              <span className="mono">{plan.emptyActive}</span> is empty: it is the segment writes go to, never rewritten.
            </>
          )}
          </div>
          {plan.stops && <CompactionStops stops={plan.stops} />}
          <div className="controls-row">
            <button
              type="button"
              className={`primary${nothing ? ' nothing-to-do' : ''}`}
              disabled={readOnly || plan.stops?.starts === false}
              // Not disabled while the job runs or with nothing to reclaim: a disabled button drops focus to <body>; a
              // click then is ignored.
              aria-disabled={job !== null || nothing || undefined}
              aria-describedby={nothing ? 'dry-run-nothing' : undefined}
              onClick={() => job === null && !nothing && onCompact()}
              title={readOnly ? compactHint : plan.stops?.starts === false ? COMPACTION_REFUSED : nothing ? NOTHING_TO_RECLAIM : undefined}
            >
              {job ? `Compacting… ${job.total > 0 ? Math.round((job.done / job.total) * 100) : 0}%` : 'Compact now'}
            </button>
            {readOnly && <span className="muted">{compactHint}.</span>}
            {nothing && (
              <span id="dry-run-nothing" className="muted">
                {NOTHING_TO_RECLAIM_SAID}
              </span>
            )}
          </div>
        </div>
      ) : (
        <p className="small muted">This format is read-only in kvscope: nothing to compact here.</p>
      )}
      {lastCompaction && (
        <div className="compaction-compare small" role="status" aria-label="Plan versus result">
          <b>Compaction finished: plan versus result</b>
          <table className="before-after">
            <thead>
              <tr>
                <th />
                <th>Dry run said</th>
                <th>Compaction did</th>
                <th />
              </tr>
            </thead>
            <tbody>
              <tr>
                <td>Segments rewritten</td>
                <td className="mono">{planned ? planned.inputSegments.join(', ') : '—'}</td>
                <td className="mono">{lastCompaction.inputSegments.join(', ')}</td>
                <td>{planned && planned.inputSegments.join(',') === lastCompaction.inputSegments.join(',') ? '✓' : '≠'}</td>
              </tr>
              <tr>
                <td>Records dropped</td>
                <td className="mono">{planned ? formatCount(planned.recordsToDrop) : '—'}</td>
                <td className="mono">{formatCount(lastCompaction.recordsDropped)}</td>
                <td>{planned && planned.recordsToDrop === lastCompaction.recordsDropped ? '✓' : '≠'}</td>
              </tr>
              <tr>
                <td>Bytes reclaimed</td>
                <td className="mono">{planned ? formatCount(planned.bytesToReclaim) : '—'}</td>
                <td className="mono">{formatCount(lastCompaction.reclaimedBytes)}</td>
                <td>{planned && planned.bytesToReclaim === lastCompaction.reclaimedBytes ? '✓' : '≠'}</td>
              </tr>
              <tr>
                <td>Output segments</td>
                <td />
                <td className="mono">{lastCompaction.outputSegments.join(', ') || 'none'}</td>
                <td />
              </tr>
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
