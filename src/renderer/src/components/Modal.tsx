import { useEffect, useId, useRef, type ReactNode } from 'react';
import { createPortal } from 'react-dom';

interface Props {
  title: string;
  /** Escape, wherever focus is in the page. */
  onEscape: () => void;
  children: ReactNode;
  /** Extra class of the dialog box (a wider one, say). */
  className?: string;
  /** The dialog's accessible name when it is not the title. */
  label?: string;
}

/** The page's root element (what main.tsx renders into): made inert while a modal is open. */
function appRoot(): HTMLElement | null {
  return document.getElementById('root');
}

/** Open modals: the page stays inert until the last one closes. */
let openModals = 0;

const FOCUSABLE = 'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * A modal dialog. While it is open the rest of the page is inert (neither
 * focus nor clicks reach it), focus starts on its first control, Tab and
 * Shift+Tab cycle through its controls, and Escape calls onEscape wherever
 * focus is. When it closes, focus goes back to the control that opened it,
 * if that is still on the page (the caller may move it elsewhere afterwards).
 */
export function Modal({ title, onEscape, children, className, label }: Props) {
  const dialogRef = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const escapeLatest = useRef(onEscape);
  escapeLatest.current = onEscape;

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null;
    const root = appRoot();
    openModals++;
    root?.setAttribute('inert', '');
    dialogRef.current?.querySelector<HTMLElement>(FOCUSABLE)?.focus();

    const onKeyDown = (e: KeyboardEvent) => {
      const dialog = dialogRef.current;
      if (!dialog) return;
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        escapeLatest.current();
      } else if (e.key === 'Tab') {
        const items = [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)];
        if (items.length === 0) return;
        const at = items.indexOf(document.activeElement as HTMLElement);
        const next = at < 0 ? (e.shiftKey ? items.length - 1 : 0) : (at + (e.shiftKey ? -1 : 1) + items.length) % items.length;
        e.preventDefault();
        items[next]!.focus();
      }
    };
    document.addEventListener('keydown', onKeyDown, true);
    return () => {
      document.removeEventListener('keydown', onKeyDown, true);
      openModals--;
      if (openModals === 0) root?.removeAttribute('inert');
      if (opener && opener.isConnected && !(opener as HTMLButtonElement).disabled) opener.focus();
    };
  }, []);

  return createPortal(
    <div className="modal-backdrop">
      <div className={className ? `modal ${className}` : 'modal'} role="dialog" aria-modal="true" {...(label ? { 'aria-label': label } : { 'aria-labelledby': titleId })} ref={dialogRef}>
        <h2 id={titleId}>{title}</h2>
        {children}
      </div>
    </div>,
    document.body,
  );
}
