/**
 * A key's history: every version the log holds, oldest first, with its
 * sequence, kind, place, size and status, and buttons to view an old value,
 * restore it (write it again as the newest version) or show its record's bytes.
 * A table where it fits; in a narrow pane each version is a block of three
 * lines (styles.css, the `history` container).
 */
import type { VersionInfo } from '../../../shared/contract.js';
import { formatBytes, formatCount } from '../format.js';
import { useWriteHint } from '../write-hint.js';

interface Props {
  versions: VersionInfo[];
  /** The version shown in the value views instead of the live value, if any. */
  shown: VersionInfo | null;
  readOnly: boolean;
  /** A restore is being written (the Restore buttons wait for it). */
  restoring: boolean;
  onView: (v: VersionInfo) => void;
  onRestore: (v: VersionInfo) => void;
  /** Show a record's bytes in the Records view. */
  onOpenRecord: ((file: string, offset: number) => void) | undefined;
}

export function ValueHistory({ versions, shown, readOnly, restoring, onView, onRestore, onOpenRecord }: Props) {
  const restoreHint = useWriteHint('restore');
  return (
    <details className="history small" open>
      <summary>History ({formatCount(versions.length)} version{versions.length === 1 ? '' : 's'}, oldest first)</summary>
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
          {versions.map((v) => (
            <tr
              key={`${v.location.file}:${v.location.offset}`}
              className={shown && shown.location.file === v.location.file && shown.location.offset === v.location.offset ? 'shown' : ''}
              data-sequence={v.location.sequence}
            >
              <td className="history-seq">{v.location.sequence}</td>
              <td>{v.kind}</td>
              <td className="history-where">
                {v.location.file} @ {v.location.offset}
              </td>
              <td>{v.kind === 'put' ? formatBytes(v.valueLength) : '—'}</td>
              <td className={`status-${v.status}`} title={v.status === 'unread' ? 'After damage earlier in this file its engine stops reading the file: it never read this version' : undefined}>
                {v.status}
              </td>
              <td className="history-actions">
                {v.kind === 'put' && v.status !== 'corrupt' && (
                  <button type="button" className="small-button" onClick={() => onView(v)} aria-label={`View version ${v.location.sequence}`}>
                    View
                  </button>
                )}
                {v.kind === 'put' && v.status !== 'live' && v.status !== 'corrupt' && (
                  <button
                    type="button"
                    className="small-button"
                    disabled={readOnly || restoring}
                    title={readOnly ? restoreHint : 'Write this value again as the newest version'}
                    onClick={() => onRestore(v)}
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
  );
}
