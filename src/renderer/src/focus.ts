/**
 * Keeping keyboard focus on the page: a control that disappears or is
 * disabled while focused leaves focus on <body>, and a keyboard user has to
 * start over from the top. These helpers move it somewhere sensible instead.
 */
import { useEffect, useRef, type RefObject } from 'react';

/** Whether focus is nowhere in particular (on <body>, or on nothing). */
export function focusLost(): boolean {
  const el = document.activeElement;
  return el === null || el === document.body || !el.isConnected;
}

/**
 * When `busy` ends (a job finished or was cancelled, its Cancel button gone),
 * gives focus to `ref`'s element if focus was lost meanwhile.
 */
export function useRefocusAfter(busy: boolean, ref: RefObject<HTMLElement | null>): void {
  const was = useRef(busy);
  useEffect(() => {
    if (was.current && !busy && focusLost()) ref.current?.focus();
    was.current = busy;
  }, [busy, ref]);
}
