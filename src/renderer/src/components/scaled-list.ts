/**
 * Virtual scrolling for a list of fixed-height rows that may be taller than a
 * browser can scroll. Chromium caps an element at ~33.5 M px, i.e. 1.3 M rows
 * of 26 px; past MAX_SCROLL_PX the scrolled content is shrunk and one scrolled
 * pixel stands for `scale` pixels of the list, so ten million keys are still
 * reachable from top to bottom. Rows near the viewport keep their real height:
 * each is drawn at its distance from the (virtual) scroll position.
 *
 * Written for this rather than taken from @tanstack/react-virtual (used for the
 * other lists): its scroll bookkeeping reads `scrollTop` directly in several
 * places, so it cannot be taught a scaled scroll position.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type MutableRefObject } from 'react';

/** Tallest scrolled content we create (well under Chromium's limit). */
export const MAX_SCROLL_PX = 16_000_000;

/** How many list pixels one scrolled pixel stands for, so the last row is reachable exactly. */
export function scrollScale(listHeight: number, viewport: number, max = MAX_SCROLL_PX): number {
  if (listHeight <= max) return 1;
  return (listHeight - viewport) / Math.max(1, max - viewport);
}

export interface ListRow {
  index: number;
  /** Where to draw the row, in px from the top of the scrolled content. */
  top: number;
}

export interface RowWindow {
  /** First and one-past-last row to draw (overscan included). */
  first: number;
  end: number;
  /** Height to give the scrolled content. */
  height: number;
  scale: number;
  /** Top of row `index` in scrolled-content px, given the scroll position. */
  topOf(index: number): number;
}

/** The rows to draw for a scroll position: pure, so it can be unit tested. */
export function rowWindow(opts: { count: number; rowHeight: number; scrollTop: number; viewport: number; overscan: number; max?: number }): RowWindow {
  const { count, rowHeight, viewport, overscan } = opts;
  const listHeight = count * rowHeight;
  const max = opts.max ?? MAX_SCROLL_PX;
  const height = Math.min(listHeight, max);
  const scale = scrollScale(listHeight, viewport, max);
  const scrollTop = Math.max(0, Math.min(opts.scrollTop, Math.max(0, height - viewport)));
  const listTop = scrollTop * scale;
  const first = Math.max(0, Math.floor(listTop / rowHeight) - overscan);
  const end = Math.min(count, Math.ceil((listTop + viewport) / rowHeight) + overscan);
  return { first, end, height, scale, topOf: (index) => scrollTop + (index * rowHeight - listTop) };
}

/**
 * The scroll position that keeps the list where it was when its scale
 * changes from `oldScale` (the count grew or shrank past MAX_SCROLL_PX: a
 * file's records while they are being indexed): the same list pixel at the
 * top of the viewport, so the rows on screen do not jump.
 */
export function scrollTopKeeping(scrollTop: number, oldScale: number, newScale: number): number {
  return Math.round((scrollTop * oldScale) / newScale);
}

/** The scroll position that shows row `index` (align 'auto': only as far as needed). */
export function scrollTopFor(
  index: number,
  align: 'auto' | 'start' | 'center',
  opts: { count: number; rowHeight: number; scrollTop: number; viewport: number; max?: number },
): number {
  const { rowHeight, viewport } = opts;
  const w = rowWindow({ ...opts, overscan: 0 });
  const listTop = opts.scrollTop * w.scale;
  const rowTop = index * rowHeight;
  const rowBottom = rowTop + rowHeight;
  // Round so the row ends up wholly inside the viewport despite the scale.
  if (align === 'start' || (align === 'auto' && rowTop < listTop)) return Math.floor(rowTop / w.scale);
  if (align === 'center') return Math.round((rowTop - (viewport - rowHeight) / 2) / w.scale);
  if (rowBottom > listTop + viewport) return Math.ceil((rowBottom - viewport) / w.scale);
  return opts.scrollTop;
}

/**
 * Rows to draw for the scroll container `scrollRef` (give the container
 * `ref={list.ref}`), the content height, and a scrollToIndex.
 */
export function useScaledList(opts: { count: number; rowHeight: number; scrollRef: MutableRefObject<HTMLDivElement | null>; overscan?: number }) {
  const { count, rowHeight, scrollRef } = opts;
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(0);
  const [el, setEl] = useState<HTMLDivElement | null>(null);
  const ref = useCallback(
    (node: HTMLDivElement | null) => {
      scrollRef.current = node;
      setEl(node);
    },
    [scrollRef],
  );

  useEffect(() => {
    if (!el) return undefined;
    const onScroll = () => setScrollTop(el.scrollTop);
    el.addEventListener('scroll', onScroll, { passive: true });
    const resize = new ResizeObserver(() => setViewport(el.clientHeight));
    resize.observe(el);
    setViewport(el.clientHeight);
    setScrollTop(el.scrollTop);
    return () => {
      el.removeEventListener('scroll', onScroll);
      resize.disconnect();
    };
  }, [el]);

  const window = rowWindow({ count, rowHeight, scrollTop, viewport, overscan: opts.overscan ?? 20 });
  // A new scale (the count changed past what the browser can lay out): keep the same rows on screen.
  const lastScale = useRef(window.scale);
  useLayoutEffect(() => {
    const old = lastScale.current;
    lastScale.current = window.scale;
    if (!el || old === window.scale) return;
    el.scrollTop = scrollTopKeeping(el.scrollTop, old, window.scale);
    setScrollTop(el.scrollTop);
  }, [el, window.scale]);
  const rows: ListRow[] = [];
  for (let i = window.first; i < window.end; i++) rows.push({ index: i, top: window.topOf(i) });

  const scrollToIndex = useCallback(
    (index: number, align: 'auto' | 'start' | 'center' = 'auto') => {
      const node = scrollRef.current;
      if (!node) return;
      const top = scrollTopFor(index, align, { count, rowHeight, scrollTop: node.scrollTop, viewport: node.clientHeight });
      if (top !== node.scrollTop) node.scrollTop = top;
      setScrollTop(node.scrollTop);
    },
    [count, rowHeight, scrollRef],
  );

  return { ref, rows, height: window.height, scale: window.scale, scrollToIndex };
}
