/**
 * A large text drawn by rows: only the rows in view (and a margin) are in the
 * DOM, each one fixed-height line with `white-space: pre`. Lines longer than
 * ROW_CHARS come as several rows (marked ↪ in the margin), so no single node
 * holds megabytes; a text without line ends (Base64) comes as rows of a
 * fixed width. Selecting can only take the rows drawn, so "Copy value"
 * copies the whole text.
 */
import { useRef, useState } from 'react';
import { continuesLine, ROW_CHARS, rowText, type RowIndex } from '../line-index.js';
import { useScaledList } from './scaled-list.js';

export const LINE_HEIGHT = 18;

export function LinesView({ index, className, label }: { index: RowIndex; className?: string; label: string }) {
  const scrollRef = useRef<HTMLDivElement | null>(null);
  const list = useScaledList({ count: index.count, rowHeight: LINE_HEIGHT, scrollRef, overscan: 30 });
  const [copied, setCopied] = useState<string | null>(null);

  const copy = async () => {
    try {
      if (!navigator.clipboard) throw new Error('the clipboard is not available to this page');
      await navigator.clipboard.writeText(index.text);
      setCopied(`Copied ${index.text.length.toLocaleString('en-US')} characters.`);
    } catch (err) {
      setCopied(`Could not copy: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  return (
    <>
      <div className="lines-bar small muted">
        <span>
          {index.lines.toLocaleString('en-US')} {index.lines === 1 ? 'line' : 'lines'}
          {index.width !== undefined ? ` of ${index.width.toLocaleString('en-US')} characters (${index.text.length.toLocaleString('en-US')} in all)` : ''}
          {index.broken ? ` · lines longer than ${ROW_CHARS.toLocaleString('en-US')} characters go on in the next row (↪)` : ''}
        </span>
        <span className="lines-bar-end">
          {copied && (
            <span role="status" aria-label="Copy result">
              {copied}
            </span>
          )}
          <button type="button" className="small-button" onClick={() => void copy()}>
            Copy value
          </button>
        </span>
      </div>
      <div ref={list.ref} className={`lines-view mono${className ? ` ${className}` : ''}`} role="document" aria-label={label} data-testid="lines-view" data-rows={index.count} data-lines={index.lines} tabIndex={0}>
        <div className="lines-sizer" style={{ height: list.height, width: `calc(${index.widest}ch + 32px)` }}>
          {list.rows.map((r) => (
            <div key={r.index} className={`text-line${continuesLine(index, r.index) ? ' cont' : ''}`} data-row={r.index} style={{ top: r.top }}>
              {rowText(index, r.index)}
            </div>
          ))}
        </div>
      </div>
    </>
  );
}
