/** A virtualized hex dump (offset | bytes | ASCII), so megabytes stay smooth. */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';
import { HEX_ROW, hexDumpRow } from '../format.js';

export function HexView({ bytes, baseOffset }: { bytes: Uint8Array; baseOffset: number }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const rows = Math.ceil(bytes.length / HEX_ROW);
  const virtualizer = useVirtualizer({ count: rows, getScrollElement: () => scrollRef.current, estimateSize: () => 20, overscan: 30 });
  return (
    <div ref={scrollRef} className="hex-view mono" data-testid="hex-view">
      <div className="hex-row hex-head">
        <span className="hex-offset">offset</span>
        <span className="hex-bytes">00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f</span>
        <span className="hex-ascii">ascii</span>
      </div>
      {rows === 0 && <div className="muted small hex-empty">(empty value)</div>}
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((item) => {
          const row = hexDumpRow(bytes, item.index * HEX_ROW, baseOffset);
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
