/**
 * What changed between two versions of a key (the service's diffVersions), below the value in the value pane:
 * a unified diff, each line with its numbers in both versions and a +/− marker (and, for a screen reader, the
 * words "added" / "removed"), drawn by rows (only those in view are in the DOM); or, for binary values, the byte
 * ranges that differ; for values too large to diff, their sizes and where they first differ; for a version that
 * fails its checks, that. Escape or Close closes it (the pane gives focus back to where it was).
 */
import { useEffect, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { DiffHunk, DiffLine, DiffVersionsResponse } from '../../../shared/contract.js';
import { formatBytes, formatCount } from '../format.js';

export interface DiffState {
  /** The versions compared, in words ("000001.data @ 24"). */
  fromLabel: string;
  toLabel: string;
  answer?: DiffVersionsResponse;
  error?: string;
}

interface Props {
  state: DiffState;
  onClose: () => void;
}

type Row = { kind: 'hunk'; hunk: DiffHunk } | { kind: 'line'; line: DiffLine };

const ROW_HEIGHT = 18;
/** Rows shown before the list scrolls. */
const VISIBLE_ROWS = 24;

function rowsOf(hunks: readonly DiffHunk[]): Row[] {
  const rows: Row[] = [];
  for (const hunk of hunks) {
    rows.push({ kind: 'hunk', hunk });
    for (const line of hunk.lines) rows.push({ kind: 'line', line });
  }
  return rows;
}

function hunkText(h: DiffHunk): string {
  const range = (start: number, lines: number) => (lines === 1 ? `${start}` : `${start},${lines}`);
  return `@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`;
}

const MARK = { added: '+', removed: '−', context: ' ' } as const;
const SPOKEN = { added: 'added', removed: 'removed', context: 'unchanged' } as const;

function DiffLines({ hunks }: { hunks: readonly DiffHunk[] }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const rows = rowsOf(hunks);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 20 });
  const digits = Math.max(3, ...hunks.map((h) => String(Math.max(h.oldStart + h.oldLines, h.newStart + h.newLines)).length));
  return (
    <div
      ref={scrollRef}
      className="diff-lines mono"
      role="list"
      aria-label="Changed lines"
      tabIndex={0}
      data-rows={rows.length}
      style={{ height: Math.min(rows.length, VISIBLE_ROWS) * ROW_HEIGHT + 2, ['--num-width' as string]: `${digits}ch` }}
    >
      <div className="diff-sizer" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((item) => {
          const row = rows[item.index]!;
          if (row.kind === 'hunk') {
            return (
              <div key={item.index} role="listitem" aria-setsize={rows.length} aria-posinset={item.index + 1} className="diff-row diff-hunk" style={{ top: item.start }}>
                {hunkText(row.hunk)}
              </div>
            );
          }
          const { line } = row;
          return (
            // Only the lines near the view are rendered: each says where it is among all of the diff's rows.
            <div key={item.index} role="listitem" aria-setsize={rows.length} aria-posinset={item.index + 1} className={`diff-row diff-${line.kind}`} style={{ top: item.start }} data-kind={line.kind}>
              <span className="diff-num" aria-hidden="true">
                {line.oldLine ?? ''}
              </span>
              <span className="diff-num" aria-hidden="true">
                {line.newLine ?? ''}
              </span>
              <span className="diff-mark" aria-hidden="true">
                {MARK[line.kind]}
              </span>
              <span className="sr-only">
                {SPOKEN[line.kind]}
                {line.kind !== 'added' ? `, line ${line.oldLine}` : ''}
                {line.kind !== 'removed' ? `, new line ${line.newLine}` : ''}:{' '}
              </span>
              <span className="diff-text">{line.text}</span>
              {line.noNewlineAtEnd && <span className="diff-eof muted"> (no line end)</span>}
            </div>
          );
        })}
      </div>
    </div>
  );
}

/** One line saying what was compared and what came of it. */
function summary(a: DiffVersionsResponse): string {
  const sizes = `${formatBytes(a.fromSize)} → ${formatBytes(a.toSize)}`;
  switch (a.mode) {
    case 'text':
    case 'json': {
      const what = a.mode === 'json' ? 'JSON, compared as indented text' : 'text, line by line';
      if (a.hunks!.length === 0) {
        return a.identical ? `The same value (${sizes}).` : `The same JSON value, formatted differently (${sizes}): no change once indented.`;
      }
      return `${what}: ${formatCount(a.added!)} line${a.added === 1 ? '' : 's'} added, ${formatCount(a.removed!)} removed (${sizes}).`;
    }
    case 'binary':
      return a.identical ? `The same value (${sizes}).` : `Binary values (${a.reason}): ${formatCount(a.differingBytes!)} bytes differ (${sizes}).`;
    case 'too-large':
      return a.identical
        ? `The same value (${sizes}).`
        : `Not diffed line by line: ${a.reason}. ${sizes}; they first differ at byte ${formatCount(a.firstDifference ?? 0)}.`;
    case 'corrupt':
      return `Not compared: ${a.reason}.`;
  }
}

export function VersionDiff({ state, onClose }: Props) {
  const regionRef = useRef<HTMLElement>(null);
  // Opened (or another pair asked for): focus goes to the diff, so Escape and the keys reach it.
  useEffect(() => {
    regionRef.current?.focus();
  }, [state.fromLabel, state.toLabel]);
  const a = state.answer;
  return (
    <section
      ref={regionRef}
      className="version-diff"
      aria-label="Version diff"
      tabIndex={-1}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          e.stopPropagation();
          onClose();
        }
      }}
    >
      <div className="version-diff-head">
        <h3>
          Changes{' '}
          <span className="diff-side">
            from <span className="mono">{state.fromLabel}</span>
          </span>{' '}
          <span className="diff-side">
            to <span className="mono">{state.toLabel}</span>
          </span>
        </h3>
        <button type="button" className="small-button" onClick={onClose}>
          Close
        </button>
      </div>
      {state.error ? (
        <div className="error small" role="alert">
          {state.error}
        </div>
      ) : !a ? (
        <div className="muted small" role="status">
          Comparing…
        </div>
      ) : (
        <>
          <p className={a.mode === 'corrupt' ? 'diff-summary small diff-corrupt' : 'diff-summary small'} role="status" aria-label="Diff summary" data-mode={a.mode}>
            {summary(a)}
            {a.from.corrupt && <span className="diff-side-problem"> {state.fromLabel}: {a.from.corrupt}.</span>}
            {a.to.corrupt && <span className="diff-side-problem"> {state.toLabel}: {a.to.corrupt}.</span>}
          </p>
          {a.hunks && a.hunks.length > 0 && <DiffLines hunks={a.hunks} />}
          {a.mode === 'binary' && a.byteRanges && a.byteRanges.length > 0 && (
            <table className="mono small diff-ranges" aria-label="Differing bytes">
              <thead>
                <tr>
                  <th>offset</th>
                  <th>length</th>
                </tr>
              </thead>
              <tbody>
                {a.byteRanges.map((r) => (
                  <tr key={r.offset}>
                    <td>{r.offset}</td>
                    <td>{r.length}</td>
                  </tr>
                ))}
                {a.byteRangesCapped && (
                  <tr>
                    <td colSpan={2} className="muted">
                      … more ranges differ (the first {a.byteRanges.length} are listed)
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
