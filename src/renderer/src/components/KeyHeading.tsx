/**
 * The selected key at the top of the value pane: the key as text (spaces and
 * all) beside the pane's actions, and its hex below. Both stay one line; when
 * either is cut short, "Show whole key" wraps the heading and shows all of
 * the hex.
 */
import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { describeKey, keyStringToHex } from '../../../shared/keytext.js';
import { KeyText, keyTitle } from './KeyText.js';

interface Props {
  /** The key string (one char per byte). */
  keyString: string;
  /** Buttons beside the heading. */
  actions: ReactNode;
}

export function KeyHeading({ keyString, actions }: Props) {
  /** The key shown whole (heading wrapped, all of its hex), and whether either is cut short when it is not. */
  const [keyOpen, setKeyOpen] = useState(false);
  const [keyCut, setKeyCut] = useState(false);
  const keyHeadRef = useRef<HTMLHeadingElement>(null);
  const keyHexRef = useRef<HTMLDivElement>(null);
  useEffect(() => setKeyOpen(false), [keyString]);
  useLayoutEffect(() => {
    const els = [keyHeadRef.current, keyHexRef.current].filter((e): e is HTMLHeadingElement | HTMLDivElement => e !== null);
    if (keyOpen || els.length === 0) return;
    const measure = () => setKeyCut(els.some((e) => e.scrollWidth > e.clientWidth + 1));
    measure();
    const observer = new ResizeObserver(measure);
    for (const e of els) observer.observe(e);
    return () => observer.disconnect();
  }, [keyString, keyOpen]);
  const { display } = describeKey(keyString);
  return (
    <>
      <div className="value-head">
        <h2 ref={keyHeadRef} className={`pane-title mono value-key${keyOpen ? ' open' : ''}`} title={keyTitle(display)}>
          <KeyText display={display} />
        </h2>
        <div className="value-actions">{actions}</div>
      </div>
      <div className="key-hex-row">
        <div ref={keyHexRef} className={`muted small mono key-hex${keyOpen ? ' open' : ''}`} data-testid="key-hex">
          hex {keyStringToHex(keyString)}
        </div>
        {(keyOpen || keyCut) && (
          <button type="button" className="link small key-toggle" aria-expanded={keyOpen} onClick={() => setKeyOpen(!keyOpen)}>
            {keyOpen ? 'Hide whole key' : 'Show whole key'}
          </button>
        )}
      </div>
    </>
  );
}
