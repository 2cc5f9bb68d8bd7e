/**
 * The bytes of one file (offset | hex | ASCII), fetched from the service in
 * pages as rows scroll into view. The selected record's fields are coloured
 * by role (the legend names them), the selected field is outlined, the
 * cursor byte is boxed. Clicking a byte (or moving the cursor with the arrow
 * keys, PageUp/PageDown, Home/End) selects the field and record it belongs
 * to. Every byte carries data-offset, and bytes of the selected record carry
 * data-field (index into its fields) and data-role, so tests can read the
 * highlighting back.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { FieldInfo, KvscopeApi, RecordDetail } from '../../../shared/contract.js';
import { base64ToBytes } from '../../../shared/keytext.js';
import { useRowBytes } from '../hex-fit.js';

const PAGE_BYTES = 4096;
const ROW_HEIGHT = 20;
/** The pane shows one window of the file at a time (browsers cap element heights; 1 GiB would be 67M rows). */
export const HEX_WINDOW = 1024 * 1024;

export const ROLE_LABELS: Record<string, string> = {
  magic: 'magic',
  version: 'version',
  crc: 'checksum',
  type: 'type',
  flags: 'flags',
  sequence: 'sequence',
  timestamp: 'timestamp',
  'key-length': 'key length',
  'value-length': 'value length',
  key: 'key',
  value: 'value',
  offset: 'offset',
  text: 'text',
  padding: 'padding',
  other: 'other',
};

interface Props {
  api: KvscopeApi;
  sessionId: string;
  file: string;
  fileSize: number;
  /** Bumped when the file may have changed. */
  version: number;
  record: RecordDetail | null;
  fieldIndex: number;
  cursor: number | null;
  /** Scroll so this offset is visible (changes of `scrollNonce` trigger it). */
  scrollTo: number | null;
  scrollNonce: number;
  onByte: (offset: number) => void;
  /** A read of `file` failed (the file it was for: the pane may show another by the time the answer comes). */
  onError: (err: unknown, file: string) => void;
}

/** Index of the field holding byte `offset`, -1 when none. Fields are in byte order. */
export function fieldAt(fields: readonly FieldInfo[], offset: number): number {
  let lo = 0;
  let hi = fields.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const f = fields[mid]!;
    if (offset < f.start) hi = mid - 1;
    else if (offset >= f.end) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/**
 * A row's width in pixels: padding 2 × 12, two 14-pixel gaps, the 8-digit offset, a byte cell of 2.6ch, 1ch after
 * the 8th byte, an ASCII cell of 1.2ch (styles.css: .hx-b, .hx-a).
 */
const rowWidth = (n: number, ch: number) => 24 + 28 + ch * (8 + 2.6 * n + 1 + 1.2 * n) + 1;

export function HexPane({ api, sessionId, file, fileSize, version, record, fieldIndex, cursor, scrollTo, scrollNonce, onByte, onError }: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const headRef = useRef<HTMLDivElement>(null);
  const probeRef = useRef<HTMLSpanElement>(null);
  /** Bytes a row: 16, or 8 or 4 when the pane is narrower than a 16-byte row (an 800-pixel window). */
  const rowBytes = useRowBytes(scrollRef, probeRef, rowWidth);
  const pages = useRef(new Map<number, Uint8Array>());
  const pending = useRef(new Set<number>());
  const generation = useRef(0);
  const [, setTick] = useState(0);
  const [windowStart, setWindowStart] = useState(0);
  const windowEnd = Math.min(fileSize, windowStart + HEX_WINDOW);
  const rows = Math.ceil(Math.max(0, windowEnd - windowStart) / rowBytes);
  const pendingScroll = useRef<number | null>(null);

  useEffect(() => {
    generation.current++;
    pages.current = new Map();
    pending.current = new Set();
    setTick((t) => t + 1);
  }, [file, version, sessionId]);

  useEffect(() => setWindowStart(0), [file]);

  /** Make `offset` part of the shown window (moving the window when needed), then scroll to it. */
  const reveal = (offset: number, align: 'auto' | 'center' = 'auto') => {
    const start = Math.floor(offset / HEX_WINDOW) * HEX_WINDOW;
    if (start !== windowStart) {
      pendingScroll.current = offset;
      setWindowStart(start);
      return;
    }
    const row = Math.floor((offset - start) / rowBytes);
    // A jump to a record shows it with context unless it is already on screen (the rows in view, not the
    // virtualizer's items: those include the overscan rows rendered out of view).
    const el = scrollRef.current;
    const firstInView = el ? Math.ceil(el.scrollTop / ROW_HEIGHT) : 0;
    const lastInView = el ? Math.floor((el.scrollTop + el.clientHeight) / ROW_HEIGHT) - 1 : -1;
    const onScreen = row > firstInView && row < lastInView;
    if (align === 'center' && onScreen) return;
    virtualizer.scrollToIndex(row, { align: align === 'center' ? 'start' : 'auto' });
    if (align === 'center' && row > 2) virtualizer.scrollToOffset(Math.max(0, (row - 3) * ROW_HEIGHT));
  };

  const loadPage = useCallback(
    async (page: number) => {
      if (pages.current.has(page) || pending.current.has(page)) return;
      pending.current.add(page);
      const gen = generation.current;
      try {
        const res = await api.readBytes({ sessionId, file, offset: page * PAGE_BYTES, length: PAGE_BYTES });
        if (gen !== generation.current) return;
        pages.current.set(page, base64ToBytes(res.base64));
        setTick((t) => t + 1);
      } catch (err) {
        if (gen === generation.current) onError(err, file);
      } finally {
        pending.current.delete(page);
      }
    },
    [api, sessionId, file, onError],
  );

  const virtualizer = useVirtualizer({ count: rows, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const items = virtualizer.getVirtualItems();

  useEffect(() => {
    if (items.length === 0) return;
    const first = Math.floor((windowStart + items[0]!.index * rowBytes) / PAGE_BYTES);
    const last = Math.floor((windowStart + items[items.length - 1]!.index * rowBytes + rowBytes - 1) / PAGE_BYTES);
    for (let p = first; p <= last; p++) void loadPage(p);
  });

  useEffect(() => {
    if (scrollTo === null || fileSize === 0) return;
    reveal(Math.min(scrollTo, fileSize - 1), 'center');
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [scrollNonce, fileSize]);

  // After the window moved: scroll to the offset that asked for it.
  useEffect(() => {
    const at = pendingScroll.current;
    if (at === null || rows === 0) return;
    pendingScroll.current = null;
    virtualizer.scrollToOffset(Math.max(0, (Math.floor((at - windowStart) / rowBytes) - 3) * ROW_HEIGHT));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [windowStart, rows]);

  // Another row width moves every byte to another row: bring the cursor (or the selected record) back into view.
  const shownRowBytes = useRef(rowBytes);
  useEffect(() => {
    if (shownRowBytes.current === rowBytes) return;
    shownRowBytes.current = rowBytes;
    const at = cursor ?? record?.offset ?? null;
    if (at !== null && fileSize > 0) reveal(Math.min(at, fileSize - 1), 'center');
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [rowBytes]);

  const byteAt = (offset: number): number | undefined => pages.current.get(Math.floor(offset / PAGE_BYTES))?.[offset % PAGE_BYTES];

  const fields = record?.fields ?? [];
  const recordStart = record ? record.offset : -1;
  const recordEnd = record ? record.offset + record.length : -1;
  const selected = fieldIndex >= 0 ? fields[fieldIndex] : undefined;

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (fileSize === 0) return;
    const at = cursor ?? recordStart;
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 400) / ROW_HEIGHT) - 1) * rowBytes;
    const moves: Record<string, number> = {
      ArrowRight: at + 1,
      ArrowLeft: at - 1,
      ArrowDown: at + rowBytes,
      ArrowUp: at - rowBytes,
      PageDown: at + page,
      PageUp: at - page,
      Home: e.ctrlKey ? 0 : at - (at % rowBytes),
      End: e.ctrlKey ? fileSize - 1 : Math.min(fileSize - 1, at - (at % rowBytes) + rowBytes - 1),
    };
    if (!(e.key in moves)) return;
    e.preventDefault();
    const next = Math.max(0, Math.min(fileSize - 1, moves[e.key]!));
    onByte(next);
    reveal(next);
  };

  const cell = (offset: number, ascii: boolean) => {
    const b = byteAt(offset);
    const inRecord = offset >= recordStart && offset < recordEnd;
    const fi = inRecord ? fieldAt(fields, offset) : -1;
    const f = fi >= 0 ? fields[fi] : undefined;
    let cls = ascii ? 'hx-a' : 'hx-b';
    if (inRecord) cls += ' in-record';
    if (f) cls += ` role-${f.role}`;
    if (record && inRecord && (record.status === 'corrupt' || record.status === 'torn')) {
      // What a damaged header claims keeps its colours; the bytes nothing explains are striped.
      cls += f && f.name !== 'damaged bytes' ? ' damaged-record' : ' damaged';
    }
    if (selected && fi === fieldIndex) {
      cls += ' sel-field';
      if (offset === selected.start || offset % rowBytes === 0) cls += ' sel-first';
      if (offset === selected.end - 1 || offset % rowBytes === rowBytes - 1) cls += ' sel-last';
    }
    if (offset === cursor) cls += ' cursor';
    const text = b === undefined ? (ascii ? ' ' : '··') : ascii ? (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.') : b.toString(16).padStart(2, '0');
    return (
      <span
        key={(ascii ? 'a' : 'h') + offset}
        className={cls}
        data-offset={offset}
        {...(f ? { 'data-field': fi, 'data-role': f.role } : {})}
        onMouseDown={(e) => {
          e.preventDefault();
          scrollRef.current?.focus();
          onByte(offset);
        }}
      >
        {text}
      </span>
    );
  };

  const roles = [...new Set(fields.map((f) => f.role))];
  return (
    <div className="hex-pane">
      <div className="hex-legend small" aria-label="Legend">
        {roles.length === 0 ? (
          <span className="muted">Select a record to colour its fields.</span>
        ) : (
          roles.map((r) => (
            <span key={r} className={`legend-item`}>
              <span className={`swatch role-${r}`} /> {ROLE_LABELS[r] ?? r}
            </span>
          ))
        )}
        {record && (record.status === 'corrupt' || record.status === 'torn') && (
          <span className="legend-item">
            <span className="swatch damaged" /> damaged
          </span>
        )}
      </div>
      {fileSize > HEX_WINDOW && (
        <div className="hex-window small" data-testid="hex-window">
          <button type="button" className="small-button" disabled={windowStart === 0} onClick={() => reveal(windowStart - 1)} aria-label="Previous window">
            ◀
          </button>
          <span className="mono">
            bytes {windowStart.toLocaleString('en-US')}–{windowEnd.toLocaleString('en-US')} of {fileSize.toLocaleString('en-US')}
          </span>
          <button type="button" className="small-button" disabled={windowEnd >= fileSize} onClick={() => reveal(windowEnd)} aria-label="Next window">
            ▶
          </button>
        </div>
      )}
      {/* The grid's cursor said to a screen reader as the arrows move it (the boxed byte is only seen). */}
      <span className="sr-only" role="status" aria-label="Hex cursor" data-testid="hex-cursor">
        {cursor === null ? '' : cursorText(cursor, byteAt(cursor))}
      </span>
      <span ref={probeRef} className="hex-probe mono" aria-hidden="true">
        0000000000
      </span>
      <div ref={headRef} className="hex-row hex-head mono">
        <span className="hex-offset">offset</span>
        <span className="hex-bytes">
          {Array.from({ length: rowBytes }, (_, i) => (
            <span key={i} className="hx-b head">
              {i.toString(16).padStart(2, '0')}
            </span>
          ))}
        </span>
        <span className="hex-ascii">ascii</span>
      </div>
      <div
        ref={scrollRef}
        className="hex-scroll mono"
        tabIndex={0}
        role="grid"
        aria-label="File bytes"
        aria-rowcount={rows}
        data-testid="file-hex"
        data-row-bytes={rowBytes}
        onKeyDown={onKeyDown}
        onScroll={(e) => {
          // A pane narrower than a row scrolls sideways: the column titles go with it.
          if (headRef.current) headRef.current.scrollLeft = e.currentTarget.scrollLeft;
        }}
      >
        {fileSize === 0 && <div className="muted small empty">(empty file)</div>}
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const start = windowStart + item.index * rowBytes;
            const count = Math.min(rowBytes, fileSize - start);
            const offsets = Array.from({ length: count }, (_, i) => start + i);
            return (
              // A row of the grid is its offset (the row's header), its bytes and their text; aria-rowindex places the
              // rendered rows among all of the window's, as the virtualizer renders only those near the view.
              <div key={item.key} className="hex-row" role="row" aria-rowindex={item.index + 1} style={{ position: 'absolute', top: 0, left: 0, height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}>
                <span className="hex-offset" role="rowheader">
                  {start.toString(16).padStart(8, '0')}
                </span>
                <span className="hex-bytes" role="gridcell">
                  {offsets.map((o) => cell(o, false))}
                </span>
                <span className="hex-ascii" role="gridcell">
                  {offsets.map((o) => cell(o, true))}
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

/** What the hex cursor's live region says: the offset (decimal and hex) and the byte there, once read. */
function cursorText(offset: number, byte: number | undefined): string {
  const at = `offset ${offset} (0x${offset.toString(16)})`;
  if (byte === undefined) return at;
  const char = byte >= 0x20 && byte < 0x7f ? ` '${String.fromCharCode(byte)}'` : '';
  return `${at}: byte ${byte.toString(16).padStart(2, '0')}${char}`;
}
