/**
 * Verify as a job (progress, Cancel), then every problem with its file and
 * offset. A problem opens its file's record table and hex pane at the
 * offset; a region the scanner skipped says where reading resumed.
 */
import { useRef } from 'react';
import type { VerifyResult } from '../../../shared/contract.js';
import { useRefocusAfter } from '../focus.js';
import { countOf, formatCount } from '../format.js';
import type { JobState } from './StatsPanel.js';
import { damagedHowOfKind, damagedKeyLabel } from '../../../shared/damaged-key.js';
import { ProgressBar } from './JobProgress.js';

interface Props {
  job: JobState | null;
  result: VerifyResult | null;
  onStart: () => void;
  onCancel: () => void;
  onOpen: (file: string, offset: number) => void;
  /** A damaged record's key that is live or deleted: the Keys view with it selected (live keys or deleted ones). */
  onOpenKey: (key: string) => void;
  /** The Repair & crash lab view, where a repaired copy is written: what to do about the problems found. */
  onRepair: () => void;
  /** The store's format: what Verify checks is said for kvscope's own format (headers, batches, keydir image) or another's. */
  format: string;
}

export function VerifyView({ job, result, onStart, onCancel, onOpen, onOpenKey, onRepair, format }: Props) {
  const native = format === 'kvscope';
  const running = job?.kind === 'verify';
  const percent = running && job.total > 0 ? Math.round((job.done / job.total) * 100) : 0;
  // Cancel (or the end of the run) takes the Cancel button away: focus goes back to the Verify button.
  const start = useRef<HTMLButtonElement>(null);
  useRefocusAfter(job !== null, start);
  return (
    <div className="view-pad verify-view">
      <p className="small muted">
        {native
          ? "Verify reads every file and changes nothing: segment headers, every record's checksum, lengths, batches, sequence numbers, and every hint entry and every key of the keydir image against the record it points at."
          : `Verify reads every file and changes nothing: every record is decoded as ${format}'s program reads it (its checksum where the format keeps one, its lengths, its line), and every hint entry is checked against the record it points at.`}
      </p>
      <div className="controls-row">
        <button type="button" className="primary" ref={start} onClick={onStart} disabled={job !== null}>
          {result ? 'Verify again' : 'Verify'}
        </button>
        {running && (
          <>
            <ProgressBar percent={percent} label="Verify progress" className="grow" />
            <span className="small mono">{percent}%</span>
            <button type="button" onClick={onCancel}>
              Cancel
            </button>
          </>
        )}
        {job && !running && <span className="small muted">Another job is running…</span>}
      </div>
      {result && (
        <div className="verify-result" role="status" aria-label="Verify result">
          {result.ok ? (
            <div className="ok-box">
              ✓ No problems: {countOf(result.recordsChecked, 'record')} in {countOf(result.filesChecked, 'file')}.
            </div>
          ) : (
            <>
              <div className="bad-box">
                {countOf(result.problems.length, 'problem')} in {countOf(result.filesChecked, 'file')} ({countOf(result.recordsChecked, 'record')} checked). Click
                one to see its bytes.
              </div>
              <div className="controls-row small">
                <span className="muted">Nothing was changed. Repair writes a copy without the damage to a directory you name; this one stays as it is.</span>
                <button type="button" onClick={onRepair}>
                  Repair…
                </button>
              </div>
              <table className="problems small" aria-label="Problems">
                <thead>
                  <tr>
                    <th>Kind</th>
                    <th>File</th>
                    <th>Offset</th>
                    <th>Bytes</th>
                    <th>What</th>
                  </tr>
                </thead>
                <tbody>
                  {result.problems.map((p, i) => (
                    // The whole row takes a click; the keyboard and a screen reader open it by its offset, a button
                    // (a focusable row was no control to a screen reader, and Space did nothing).
                    <tr key={i} className="problem-row" onClick={() => onOpen(p.file, p.offset)} data-file={p.file} data-offset={p.offset}>
                      <td>
                        <span className={`status-pill kind-${p.kind}`}>{p.kind}</span>
                      </td>
                      <td className="mono">{p.file}</td>
                      <td className="mono">
                        <button
                          type="button"
                          className="link mono"
                          aria-label={`Open ${p.file} at offset ${p.offset}`}
                          onClick={(e) => {
                            e.stopPropagation();
                            onOpen(p.file, p.offset);
                          }}
                        >
                          {p.offset}
                        </button>
                      </td>
                      <td className="mono">{p.length ?? ''}</td>
                      <td>
                        {p.message}
                        {p.length !== undefined && (p.kind === 'bad-crc' || p.kind === 'impossible-length') && (
                          <span className="muted"> — skipped {formatCount(p.length)} bytes, resynchronised at offset {p.offset + p.length}</span>
                        )}
                        {p.damagedKey && (
                          <div className="damaged-key-line" data-testid="problem-key">
                            {damagedKeyLabel(p.damagedKey.from, damagedHowOfKind(p.kind))}: <span className="record-key-text">{p.damagedKey.display}</span>
                            {p.damagedKey.state !== undefined && (
                              <button
                                type="button"
                                className="small-button"
                                aria-label={`${p.damagedKey.state === 'live' ? 'Show key' : 'Show deleted key'} ${p.damagedKey.display}`}
                                title={p.damagedKey.state === 'live' ? 'The Keys view with this key selected: its live value and every version' : 'The key has no live value: the deleted keys, with this key selected (its versions, View and Restore)'}
                                onClick={(e) => {
                                  e.stopPropagation();
                                  onOpenKey(p.damagedKey!.key);
                                }}
                              >
                                {p.damagedKey.state === 'live' ? 'Show key' : 'Show deleted key'}
                              </button>
                            )}
                          </div>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </div>
      )}
    </div>
  );
}
