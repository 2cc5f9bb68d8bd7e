/**
 * "Where does the space go?": the largest live values of the keys the key list shows (its filter applied), largest
 * first, each with its record's bytes on disk (header, key and value: what the key tree sums) and where the record
 * is; a row selects its key. Drawn as the tree's rows are, a view of the key pane beside the list and the tree.
 */
import { useEffect, useState } from 'react';
import type { KeyFilter, KvscopeApi, LargestValuesResponse } from '../../../shared/contract.js';
import { keyStringToHex } from '../../../shared/keytext.js';
import { countOf, formatBytes, formatCount } from '../format.js';
import { KeyText, keyTitle } from './KeyText.js';
import { onRowListKeyDown } from '../focus.js';

/** Values asked for: a screenful and more (the service gives at most LIMITS.largestValuesMax). */
export const LARGEST_SHOWN = 200;

interface Props {
  api: KvscopeApi;
  sessionId: string;
  filter: KeyFilter | undefined;
  showHex: boolean;
  selectedKey: string | null;
  onSelect: (key: string) => void;
  onError: (err: unknown) => void;
}

export function LargestValues({ api, sessionId, filter, showHex, selectedKey, onSelect, onError }: Props) {
  const [answer, setAnswer] = useState<LargestValuesResponse | null>(null);
  /** The row that is the list's one stop of Tab: the one focused last, else the first. */
  const [stop, setStop] = useState(0);
  useEffect(() => {
    let live = true;
    api
      .largestValues({ sessionId, limit: LARGEST_SHOWN, ...(filter ? { filter } : {}) })
      .then((res) => live && setAnswer(res))
      .catch((err: unknown) => live && onError(err));
    return () => {
      live = false;
    };
    // filter identity changes every render; its content is part of the parent's key
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, sessionId, onError]);
  if (!answer) return <div className="key-tree muted small tree-loading">Loading…</div>;
  const { values, total } = answer;
  return (
    <div className="key-tree">
      <p className="muted small" style={{ margin: 0, padding: '6px 12px' }}>
        {values.length === 0
          ? 'No keys.'
          : values.length < total
            ? `The ${formatCount(values.length)} largest of ${countOf(total, 'key')}: each live record's bytes (header, key and value)`
            : `${countOf(total, 'key')}, largest first: each live record's bytes (header, key and value)`}
      </p>
      <ol className="tree" aria-label="Largest values" onKeyDown={onRowListKeyDown}>
        {values.map((v, i) => {
          const selected = v.key === selectedKey;
          return (
            <li key={v.key} className={`tree-item mono${selected ? ' selected' : ''}`}>
              <button
                type="button"
                className="tree-button"
                tabIndex={i === stop ? 0 : -1}
                onFocus={() => setStop(i)}
                aria-current={selected ? 'true' : undefined}
                onClick={() => onSelect(v.key)}
                title={`${keyTitle(v.display)}\n${formatCount(v.bytes)} bytes in ${v.location.file} at ${formatCount(v.location.offset)}`}
              >
                <span className={`tree-label${v.printable ? '' : ' escaped'}`}>{showHex ? keyStringToHex(v.key) : <KeyText display={v.display} />}</span>
                <span className="count">{formatBytes(v.bytes)}</span>
              </button>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
