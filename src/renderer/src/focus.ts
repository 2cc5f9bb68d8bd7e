/**
 * Keeping keyboard focus on the page: a control that disappears or is
 * disabled while focused leaves focus on <body>, and a keyboard user has to
 * start over from the top. These helpers move it somewhere sensible instead.
 */
import { useEffect, useRef, type KeyboardEvent, type RefObject } from 'react';

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

/**
 * ARIA's keys for a tablist: Left and Right (wrapping round), Home and End move focus among its tabs; Enter or Space
 * (a tab is a button) then shows that tab's view. Only the selected tab is a stop of Tab (the others tabIndex -1).
 */
export function onTablistKeyDown(e: KeyboardEvent<HTMLElement>): void {
  const tabs = Array.from(e.currentTarget.querySelectorAll<HTMLElement>('[role=tab]'));
  const at = tabs.indexOf(document.activeElement as HTMLElement);
  if (at < 0) return;
  const moves: Record<string, number> = { ArrowRight: (at + 1) % tabs.length, ArrowLeft: (at - 1 + tabs.length) % tabs.length, Home: 0, End: tabs.length - 1 };
  if (!(e.key in moves)) return;
  e.preventDefault();
  tabs[moves[e.key]!]!.focus();
}

/**
 * ARIA's keys for a radio group: the arrows (Right and Down forward, Left and Up back, wrapping round) check the next
 * radio that is not disabled and give it focus. Only the checked radio is a stop of Tab (the others tabIndex -1).
 */
export function onRadioGroupKeyDown(e: KeyboardEvent<HTMLElement>): void {
  const step = ({ ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 } as Record<string, number>)[e.key];
  if (step === undefined) return;
  const radios = Array.from(e.currentTarget.querySelectorAll<HTMLButtonElement>('[role=radio]'));
  const at = radios.indexOf(document.activeElement as HTMLButtonElement);
  if (at < 0) return;
  e.preventDefault();
  for (let i = 1; i < radios.length; i++) {
    const next = radios[(at + step * i + radios.length * i) % radios.length]!;
    if (next.disabled) continue;
    next.focus();
    next.click();
    return;
  }
}

/**
 * A list of buttons that is one stop of Tab (the largest values, the dead space's rows): Up and Down move between
 * its buttons, Home and End to the first and last.
 */
export function onRowListKeyDown(e: KeyboardEvent<HTMLElement>): void {
  const buttons = Array.from(e.currentTarget.querySelectorAll<HTMLButtonElement>('button'));
  const current = buttons.indexOf(document.activeElement as HTMLButtonElement);
  if (current < 0) return;
  const to = e.key === 'ArrowDown' ? current + 1 : e.key === 'ArrowUp' ? current - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? buttons.length - 1 : undefined;
  if (to === undefined) return;
  buttons[Math.max(0, Math.min(buttons.length - 1, to))]!.focus();
  e.preventDefault();
}
