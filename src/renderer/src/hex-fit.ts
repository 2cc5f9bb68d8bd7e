/**
 * How many bytes a hex dump row shows: 16, or 8 or 4 when the pane is too
 * narrow for 16 (an 800-pixel window), so the offset, hex and ASCII columns
 * are all on screen without scrolling sideways. Measured from rendered widths:
 * the width of the monospace font's digit and the pane's inner width.
 */
import { useLayoutEffect, useState, type RefObject } from 'react';

export const ROW_CHOICES = [16, 8, 4] as const;
export type RowBytes = (typeof ROW_CHOICES)[number];

/** The most bytes per row whose row (`rowWidth(n)` pixels) fits in `available` pixels; 4 when none does. */
export function fitRowBytes(available: number, rowWidth: (bytes: number) => number): RowBytes {
  for (const n of ROW_CHOICES) if (rowWidth(n) <= available) return n;
  return 4;
}

/**
 * Bytes per row for the scroll box `box`, re-measured when it is resized. `probe` holds ten digits in the
 * dump's font (its width / 10 is the CSS ch); `rowWidth(n, ch)` is a row's width in pixels.
 */
export function useRowBytes(box: RefObject<HTMLElement | null>, probe: RefObject<HTMLElement | null>, rowWidth: (bytes: number, ch: number) => number): RowBytes {
  const [rowBytes, setRowBytes] = useState<RowBytes>(16);
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const measure = () => {
      const ch = (probe.current?.getBoundingClientRect().width ?? 0) / 10;
      if (!(ch > 0) || el.clientWidth === 0) return; // not laid out (hidden): keep what it was
      setRowBytes(fitRowBytes(el.clientWidth, (n) => rowWidth(n, ch)));
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [box, probe, rowWidth]);
  return rowBytes;
}
