/**
 * A key's history: every version the log holds, oldest first, with its
 * sequence, kind, place, size and status, and buttons to view an old value,
 * restore it (write it again as the newest version), compare it with the version before it (Diff), or show its
 * record's bytes; above them, a form compares any two versions.
 * A table where every version fits on one line; in a narrower pane each
 * version is a block of three lines (styles.css, `.history.stacked`).
 */
import { useLayoutEffect, useRef, useState } from 'react';
import type { VersionInfo } from '../../../shared/contract.js';
import { formatBytes, formatCount } from '../format.js';
import { sequenceHeading, sequenceText, sequenceTitle } from '../../../shared/sequence-text.js';
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
  /** Show what changed from one version to another. */
  onCompare: (from: VersionInfo, to: VersionInfo) => void;
}

/** Right padding of a table cell but the last (styles.css). */
const CELL_PADDING = 8;
/** Gap between the buttons of a version (styles.css, .history-actions). */
const BUTTON_GAP = 4;

/**
 * The width the history's table needs to show every version on one line: for each text column its longest text
 * (title included) in the table's monospaced font, whose character width `charWidth` is measured; the buttons
 * of the row that has the most; the cells' padding. Undefined while nothing is laid out (no buttons measured).
 */
export function tableWidthNeeded(table: HTMLTableElement, charWidth: number): number | undefined {
  const textColumns = 5;
  const chars = new Array<number>(textColumns).fill(0);
  let buttons = 0;
  for (const row of table.rows) {
    for (let c = 0; c < textColumns && c < row.cells.length; c++) chars[c] = Math.max(chars[c]!, row.cells[c]!.textContent!.length);
    const actions = row.cells[textColumns];
    if (!actions || row.parentElement?.tagName === 'THEAD') continue;
    const widths = [...actions.querySelectorAll('button')].map((b) => b.getBoundingClientRect().width);
    if (widths.length > 0) buttons = Math.max(buttons, widths.reduce((a, b) => a + b, 0) + BUTTON_GAP * (widths.length - 1));
  }
  if (charWidth <= 0) return undefined;
  return Math.ceil(chars.reduce((a, b) => a + b, 0) * charWidth + textColumns * CELL_PADDING + buttons);
}

/**
 * Where a version's record is, "file @ offset": what tells versions apart in the buttons' names (their sequences
 * need not: a format that stores the writer's clock gives every version written in one second the same one).
 */
export function versionPlace(v: VersionInfo): string {
  return `${v.location.file} @ ${v.location.offset}`;
}

/** The put before version `index` (a tombstone between them or not): what its Diff compares it with. */
function previousPut(versions: readonly VersionInfo[], index: number): VersionInfo | undefined {
  for (let i = index - 1; i >= 0; i--) if (versions[i]!.kind === 'put') return versions[i];
  return undefined;
}

export function ValueHistory({ versions, shown, readOnly, restoring, onView, onRestore, onOpenRecord, onCompare }: Props) {
  const puts = versions.filter((v) => v.kind === 'put');
  /** The two versions the Compare form names, by place ("file @ offset"): the two newest puts to begin with. */
  const [pair, setPair] = useState<{ from: string; to: string }>(() => ({
    from: puts.length > 1 ? versionPlace(puts[puts.length - 2]!) : '',
    to: puts.length > 0 ? versionPlace(puts[puts.length - 1]!) : '',
  }));
  const byPlace = (place: string) => puts.find((v) => versionPlace(v) === place);
  const comparePair = () => {
    const from = byPlace(pair.from);
    const to = byPlace(pair.to);
    if (from && to) onCompare(from, to);
  };
  const restoreHint = useWriteHint('restore');
  const detailsRef = useRef<HTMLDetailsElement>(null);
  const tableRef = useRef<HTMLTableElement>(null);
  const measureRef = useRef<HTMLSpanElement>(null);
  const [stacked, setStacked] = useState(false);
  // A table while every version fits on one line, else a block per version: checked as the pane's width changes
  // and whenever the versions (their texts, their buttons) change.
  useLayoutEffect(() => {
    const details = detailsRef.current;
    const table = tableRef.current;
    const sample = measureRef.current;
    if (!details || !table || !sample) return;
    const fit = () => {
      const need = tableWidthNeeded(table, sample.getBoundingClientRect().width / sample.textContent!.length);
      if (need !== undefined) setStacked(details.clientWidth < need);
    };
    fit();
    const observer = new ResizeObserver(fit);
    observer.observe(details);
    return () => observer.disconnect();
  }, [versions, readOnly, onOpenRecord]);
  return (
    <details ref={detailsRef} className={stacked ? 'history small stacked' : 'history small'} open>
      <summary>History ({formatCount(versions.length)} version{versions.length === 1 ? '' : 's'}, oldest first)</summary>
      {puts.length > 1 && (
        <form
          className="history-compare small"
          aria-label="Compare two versions"
          onSubmit={(e) => {
            e.preventDefault();
            comparePair();
          }}
        >
          <label className="compare-from">
            Compare <VersionSelect label="Compare from version" versions={puts} value={pair.from} onChange={(from) => setPair({ ...pair, from })} />
          </label>
          <span className="compare-to">
            <label>
              with <VersionSelect label="Compare to version" versions={puts} value={pair.to} onChange={(to) => setPair({ ...pair, to })} />
            </label>
            <button type="submit" className="small-button" disabled={pair.from === pair.to || !byPlace(pair.from) || !byPlace(pair.to)}>
              Compare
            </button>
          </span>
        </form>
      )}
      <span ref={measureRef} className="mono history-measure" aria-hidden="true">
        0123456789abcdef
      </span>
      <table ref={tableRef} className="mono" aria-label="History">
        <thead>
          <tr>
            <th>{sequenceHeading(versions.map((v) => v.location))}</th>
            <th>kind</th>
            <th>file @ offset</th>
            <th>size</th>
            <th>status</th>
            <th>
              <span className="sr-only">actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {versions.map((v, i) => {
            const before = v.kind === 'put' ? previousPut(versions, i) : undefined;
            return (
            <tr
              key={`${v.location.file}:${v.location.offset}`}
              className={shown && shown.location.file === v.location.file && shown.location.offset === v.location.offset ? 'shown' : ''}
              data-sequence={v.location.sequence}
            >
              <td className={v.location.sequenceIsTimestamp ? 'history-seq history-time' : 'history-seq'} title={sequenceTitle(v.location)}>
                {sequenceText(v.location)}
              </td>
              <td>{v.kind}</td>
              <td className="history-where">{versionPlace(v)}</td>
              <td>{v.kind === 'put' ? formatBytes(v.valueLength) : '—'}</td>
              <td className={`status-${v.status}`} title={v.status === 'unread' ? 'After damage earlier in this file its engine stops reading the file: it never read this version' : undefined}>
                {v.status}
              </td>
              <td className="history-actions">
                {v.kind === 'put' && v.status !== 'corrupt' && (
                  <button type="button" className="small-button" onClick={() => onView(v)} aria-label={`View version at ${versionPlace(v)}`}>
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
                    aria-label={`Restore version at ${versionPlace(v)}`}
                  >
                    Restore
                  </button>
                )}
                {before && (
                  <button
                    type="button"
                    className="small-button"
                    onClick={() => onCompare(before, v)}
                    title={`What changed from the version at ${versionPlace(before)}`}
                    aria-label={`Diff version at ${versionPlace(v)} with the one before it`}
                  >
                    Diff
                  </button>
                )}
                {onOpenRecord && (
                  <button type="button" className="small-button" onClick={() => onOpenRecord(v.location.file, v.location.offset)} aria-label={`Bytes of version at ${versionPlace(v)}`}>
                    Bytes
                  </button>
                )}
              </td>
            </tr>
            );
          })}
        </tbody>
      </table>
    </details>
  );
}

/**
 * A version as the Compare form's choices name it: its place, with its status unless it is merely an older value
 * (shadowed), so that the name fits the select: "000004.data @ 8275", "000005.data @ 29200 (live)".
 */
export function versionChoice(v: VersionInfo): string {
  return v.status === 'shadowed' ? versionPlace(v) : `${versionPlace(v)} (${v.status})`;
}

/** A version described in full, for a choice's title: its place, status, sequence and size. */
function versionChoiceTitle(v: VersionInfo): string {
  const seq = `${v.location.sequenceIsOrder ? '' : v.location.sequenceIsTimestamp ? 'written ' : 'seq '}${sequenceText(v.location)}`;
  return `${versionPlace(v)}: ${v.status}, ${seq}, ${formatBytes(v.valueLength)}`;
}

/** A choice among a key's versions, each named by its place (file @ offset) and, unless shadowed, its status. */
function VersionSelect({ label, versions, value, onChange }: { label: string; versions: VersionInfo[]; value: string; onChange: (place: string) => void }) {
  const chosen = versions.find((v) => versionPlace(v) === value);
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value)} title={chosen && versionChoiceTitle(chosen)}>
      {versions.map((v) => (
        <option key={versionPlace(v)} value={versionPlace(v)} title={versionChoiceTitle(v)}>
          {versionChoice(v)}
        </option>
      ))}
    </select>
  );
}
