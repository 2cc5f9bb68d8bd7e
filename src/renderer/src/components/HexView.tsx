/** A virtualized hex dump (offset | bytes | ASCII), so megabytes stay smooth; 16 bytes a row, or 8 or 4 in a narrow pane. */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import { hexDumpHead, hexDumpRow } from '../format.js';
import { useRowBytes } from '../hex-fit.js';

/** A row's width in pixels: padding 2 × 12, two 14-pixel gaps, 8 offset digits, 3 characters a byte (a space between, one more per 8) and 1 of ASCII. */
const rowWidth = (n: number, ch: number) => 24 + 28 + ch * (8 + 3 * n - 1 + Math.floor((n - 1) / 8) + n);

export function HexView({ bytes, baseOffset }: { bytes: Uint8Array; baseOffset: number }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const probeRef = useRef<HTMLSpanElement>(null);
  const rowBytes = useRowBytes(scrollRef, probeRef, rowWidth);
  const rows = Math.ceil(bytes.length / rowBytes);
  const virtualizer = useVirtualizer({ count: rows, getScrollElement: () => scrollRef.current, estimateSize: () => 20, overscan: 30 });
  // Another row width: keep the byte that was at the top of the view at the top.
  const topByte = useRef(0);
  useEffect(() => {
    virtualizer.scrollToOffset(Math.floor(topByte.current / rowBytes) * 20);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [rowBytes]);
  return (
    <div
      ref={scrollRef}
      className="hex-view mono"
      data-testid="hex-view"
      data-row-bytes={rowBytes}
      onScroll={(e) => (topByte.current = Math.floor(e.currentTarget.scrollTop / 20) * rowBytes)}
    >
      <span ref={probeRef} className="hex-probe" aria-hidden="true">
        0000000000
      </span>
      <div className="hex-row hex-head">
        <span className="hex-offset">offset</span>
        <span className="hex-bytes">{hexDumpHead(rowBytes)}</span>
        <span className="hex-ascii">ascii</span>
      </div>
      {rows === 0 && <div className="muted small hex-empty">(empty value)</div>}
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((item) => {
          const row = hexDumpRow(bytes, item.index * rowBytes, baseOffset, rowBytes);
          return (
            <div key={item.key} className="hex-row" style={{ position: 'absolute', top: 0, left: 0, transform: `translateY(${item.start}px)` }}>
              <span className="hex-offset">{row.offset}</span>
              <span className="hex-bytes">{row.hex}</span>
              <span className="hex-ascii">{row.ascii}</span>
            </div>
          );
        })}
      </div>
    </div>
  );
}
