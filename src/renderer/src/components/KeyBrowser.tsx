/**
 * The key browser: filter (prefix / substring / glob), a virtualized list of
 * the sorted keys that fetches windows on demand, a tree grouped by ':' or
 * '/' (with each node's live bytes), or the largest values. Non-printable keys are shown escaped; a toggle shows every key as hex.
 * "deleted" lists the deleted keys instead (those whose newest record is a
 * tombstone: found by the service on first request, with progress and
 * Cancel), filtered the same way, as a list or a tree, and marked as deleted.
 */
import { useWriteHint } from '../write-hint.js';
import { useScaledList } from './scaled-list.js';
import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { DeletedKeyEntry, Delimiter, FilterMode, KeyEntry, KeyFilter, KvscopeApi } from '../../../shared/contract.js';
import { formatBytes } from '../format.js';
import { asApiError } from '../../../shared/errors.js';
import { GLOB_REFUSED, GLOB_SUMMARY, GLOB_SYNTAX } from '../../../shared/glob-syntax.js';
import { countOf, formatCount } from '../format.js';
import { KeyTree, type TreeFocusRequest, type TreeSort } from './KeyTree.js';
import { LargestValues } from './LargestValues.js';
import { KeyText, keyTitle } from './KeyText.js';
import { onRadioGroupKeyDown } from '../focus.js';

const PAGE = 200;
const ROW_HEIGHT = 26;
/** How soon the deleted keys are asked for again while the service is still finding them. */
const DELETED_POLL_MS = 150;

/** Which keys the list shows: the live ones, or the deleted ones (a tombstone is their newest record). */
export type KeySet = 'live' | 'deleted';

/** A key of the list: a deleted one says where it was deleted. */
type ListedKey = KeyEntry & { deletedAt?: DeletedKeyEntry['deletedAt'] };

/** A window of keys as the list uses it, from listKeys or deletedKeys. */
interface KeyWindow {
  total: number;
  unfilteredTotal: number;
  keys: ListedKey[];
  found?: number;
  /** deletedKeys still finding them: how far it got (or that it was cancelled). */
  searching?: { done: number; total: number } | 'cancelled';
}

interface Props {
  api: KvscopeApi;
  sessionId: string;
  version: number;
  readOnly: boolean;
  selectedKey: string | null;
  /** A key selected from elsewhere (a saved new key, "Edit it instead"): scrolled to and made the keyboard position. */
  reveal: { key: string; nonce: number } | null;
  /** Changes when the key list (or tree) should take focus. */
  focusRequest?: number;
  onSelect: (key: string) => void;
  onNewKey: () => void;
  onError: (err: unknown) => void;
  /** Live keys (the default) or deleted ones. */
  keySet?: KeySet;
  onKeySetChange?: (set: KeySet) => void;
  /** "Export keys…": the live keys the list shows, by the filter applied now, and how many it counts. */
  onExport?: (filter: KeyFilter | undefined, count: number) => void;
}

/** The service's answer to a malformed glob ("invalid pattern: …"), or null for any other error. */
function filterProblemOf(err: unknown): string | null {
  const e = asApiError(err);
  return e.code === 'BAD_REQUEST' && typeof e.details?.pattern === 'string' ? e.message : null;
}

/**
 * The filter as sent to the service. A keystroke goes out at once when no
 * filter request is in flight; keystrokes typed while one is are coalesced
 * into a single request, sent when it answers. So a keystroke is answered in
 * one round trip, and fast typing never queues stale filters on the service.
 */
function useCoalesced<T>(value: T): { applied: T; started: () => () => void } {
  const [applied, setApplied] = useState(value);
  const latest = useRef(value);
  latest.current = value;
  const busy = useRef(false);
  const token = useRef(0);
  useEffect(() => {
    if (!busy.current) setApplied(value);
  }, [value]);
  /** Call when a request for `applied` starts; call what it returns when it ends. */
  const started = useCallback(() => {
    const mine = ++token.current;
    busy.current = true;
    return () => {
      if (mine !== token.current) return;
      busy.current = false;
      setApplied(latest.current);
    };
  }, []);
  return { applied, started };
}

export function KeyBrowser({ api, sessionId, version, readOnly, selectedKey, reveal, focusRequest = 0, onSelect, onNewKey, onError, keySet = 'live', onKeySetChange, onExport }: Props) {
  const createHint = useWriteHint('create keys');
  const [pattern, setPattern] = useState('');
  const [mode, setMode] = useState<FilterMode>('substring');
  const [chosenView, setView] = useState<'list' | 'tree' | 'largest'>('list');
  const deleted = keySet === 'deleted';
  // The deleted keys have no live values: their largest is their list.
  const view = deleted && chosenView === 'largest' ? 'list' : chosenView;
  const [treeSort, setTreeSort] = useState<TreeSort>('name');
  /** deletedKeys is still finding the deleted keys (or was cancelled): asked again every DELETED_POLL_MS. */
  const [searching, setSearching] = useState<KeyWindow['searching']>(undefined);
  const [poll, setPoll] = useState(0);
  const [searchAgain, setSearchAgain] = useState(0);
  /** One window of keys, live or deleted. */
  const fetchWindow = useCallback(
    async (req: { offset: number; limit: number; filter?: KeyFilter; find?: string }): Promise<KeyWindow> => {
      if (!deleted) return api.listKeys({ sessionId, ...req });
      const res = await api.deletedKeys({ sessionId, ...req });
      if (!res.complete) return { ...res, searching: res.cancelled ? 'cancelled' : (res.progress ?? { done: 0, total: 0 }) };
      return res;
    },
    [api, sessionId, deleted],
  );
  const [delimiter, setDelimiter] = useState<Delimiter>(':');
  const [showHex, setShowHex] = useState(false);
  const { applied: appliedPattern, started: filterRequestStarted } = useCoalesced(pattern);
  const filter: KeyFilter | undefined = appliedPattern ? { mode, pattern: appliedPattern } : undefined;
  const filterKey = `${keySet}\u0000${mode}\u0000${appliedPattern}`;

  const [total, setTotal] = useState(0);
  const [unfilteredTotal, setUnfilteredTotal] = useState(0);
  const [, setTick] = useState(0);
  const [activeIndex, setActiveIndex] = useState(-1);
  /** The filter and store version whose first answer has arrived: the list shows them when this matches. */
  const [answered, setAnswered] = useState<string | null>(null);
  /** What is wrong with the filter as a glob (the service refused it), said under the field. */
  const [filterProblem, setFilterProblem] = useState<string | null>(null);
  const ready = answered === `${filterKey}\u0000${version}`;
  const pages = useRef(new Map<number, ListedKey[]>());
  const pending = useRef(new Set<number>());
  const generation = useRef(0);
  const scrollRef = useRef<HTMLDivElement>(null);

  const loadPage = useCallback(
    async (page: number): Promise<ListedKey[] | undefined> => {
      const have = pages.current.get(page);
      if (have) return have;
      if (pending.current.has(page)) return undefined;
      pending.current.add(page);
      const gen = generation.current;
      try {
        const res = await fetchWindow({ offset: page * PAGE, limit: PAGE, ...(filter ? { filter } : {}) });
        if (gen !== generation.current) return undefined;
        setSearching(res.searching);
        if (res.searching !== undefined) {
          // Not found yet: nothing to show; ask again soon (not after a Cancel: Search again does).
          if (res.searching !== 'cancelled') setTimeout(() => gen === generation.current && setPoll((n) => n + 1), DELETED_POLL_MS);
          setTotal(0);
          setAnswered(null);
          return undefined;
        }
        pages.current.set(page, res.keys);
        setFilterProblem(null);
        setTotal(res.total);
        setUnfilteredTotal(res.unfilteredTotal);
        setAnswered(`${filterKey}\u0000${version}`);
        setTick((t) => t + 1);
        return res.keys;
      } catch (err) {
        if (gen !== generation.current) return undefined;
        const problem = filterProblemOf(err);
        if (problem === null) return void onError(err);
        // A malformed glob: no keys, and the reason by the field (not a page-wide error).
        setFilterProblem(problem);
        setTotal(0);
        setAnswered(`${filterKey}\u0000${version}`);
        return undefined;
      } finally {
        pending.current.delete(page);
      }
    },
    // filterKey stands for filter; poll and searchAgain ask the deleted keys again
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [fetchWindow, filterKey, version, onError, poll, searchAgain],
  );

  const selectedRef = useRef(selectedKey);
  selectedRef.current = selectedKey;

  // A new filter or a changed store: drop every cached window and start over
  // (keeping the keyboard position on the selected key when it is in the first window).
  useEffect(() => {
    generation.current++;
    pages.current = new Map();
    pending.current = new Set();
    setActiveIndex(-1);
    const finished = filterRequestStarted();
    void loadPage(0)
      .then((keys) => {
        const at = keys?.findIndex((k) => k.key === selectedRef.current) ?? -1;
        if (at >= 0) setActiveIndex(at);
      })
      .finally(finished);
  }, [loadPage, version, filterRequestStarted]);

  // Ten million keys are taller than a browser can scroll: the list is scaled past that.
  const list = useScaledList({ count: total, rowHeight: ROW_HEIGHT, scrollRef });
  const items = list.rows;

  // Fetch the windows the visible rows fall in.
  useEffect(() => {
    if (items.length === 0) return;
    const first = Math.floor(items[0]!.index / PAGE);
    const last = Math.floor(items[items.length - 1]!.index / PAGE);
    for (let p = first; p <= last; p++) if (!pages.current.has(p)) void loadPage(p);
  });

  /** A revealed key the filter hides: said, with a way to clear the filter. */
  const [hidden, setHidden] = useState<string | null>(null);
  const hiddenRef = useRef(hidden);
  hiddenRef.current = hidden;
  /** A row to scroll to once the list has that many rows. */
  const [wantIndex, setWantIndex] = useState<number | null>(null);
  const sought = useRef(0);
  // A reveal asks where the key is in the list as filtered now (after the write that came with it), and again when
  // the filter changes while it hides the key; other filter changes and later writes leave the list where it is.
  useEffect(() => {
    if (!reveal || (reveal.nonce === sought.current && hiddenRef.current !== reveal.key)) return;
    sought.current = reveal.nonce;
    let live = true;
    setHidden(null);
    fetchWindow({ offset: 0, limit: 0, find: reveal.key, ...(filter ? { filter } : {}) })
      .then((res) => {
        if (!live) return;
        // The deleted keys not found yet: asked again when they are (the filter key changes then).
        if (res.searching !== undefined) return;
        const at = res.found ?? -1;
        if (at < 0) return setHidden(reveal.key);
        setTotal(res.total);
        setActiveIndex(at);
        setWantIndex(at);
      })
      .catch((err: unknown) => live && filterProblemOf(err) === null && onError(err));
    return () => {
      live = false;
    };
    // filterKey stands for filter
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [reveal, filterKey, searching === undefined]);
  useEffect(() => {
    if (wantIndex === null || wantIndex >= total) return;
    setWantIndex(null);
    list.scrollToIndex(wantIndex, 'center');
  }, [wantIndex, total, list]);

  const entryAt = (index: number): ListedKey | undefined => pages.current.get(Math.floor(index / PAGE))?.[index % PAGE];

  const selectIndex = async (index: number) => {
    if (total === 0) return;
    const clamped = Math.max(0, Math.min(total - 1, index));
    setActiveIndex(clamped);
    list.scrollToIndex(clamped, 'auto');
    const entry = entryAt(clamped) ?? (await loadPage(Math.floor(clamped / PAGE)))?.[clamped % PAGE];
    if (entry) onSelect(entry.key);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const visibleRows = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 260) / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = {
      ArrowDown: activeIndex + 1,
      ArrowUp: activeIndex - 1,
      PageDown: activeIndex + visibleRows,
      PageUp: activeIndex - visibleRows,
      Home: 0,
      End: total - 1,
    };
    if (e.key in moves) {
      e.preventDefault();
      void selectIndex(activeIndex < 0 && e.key !== 'End' ? 0 : moves[e.key]!);
    }
  };

  /**
   * The tree's errors: a malformed glob is said under the field (the list's request finds it too), and a search for
   * deleted keys cancelled meanwhile beside the count (Search again); anything else raised.
   */
  const treeError = useCallback((err: unknown) => (filterProblemOf(err) === null && asApiError(err).code !== 'ABORTED' ? onError(err) : undefined), [onError]);

  const sectionRef = useRef<HTMLElement>(null);
  const focusFilter = useCallback(() => sectionRef.current?.querySelector<HTMLElement>('input[type=search]')?.focus(), []);
  /** The key selected last: a deleted key's selection is gone by the time focus is asked for, and the tree lands next to where it was. */
  const lastSelected = useRef(selectedKey);
  // The tree places the focus itself once it has been read again after the write (its nodes are not there before).
  const treeFocus = useMemo<TreeFocusRequest | null>(
    () => (focusRequest === 0 ? null : { key: selectedKey ?? lastSelected.current, version, taken: false }),
    // asked for anew only by focusRequest; the key and version are those of the write that asked
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [focusRequest],
  );
  if (selectedKey !== null) lastSelected.current = selectedKey;
  useEffect(() => {
    // A tree shown took it (its effects run first); one shown later must not.
    if (focusRequest === 0 || !treeFocus || treeFocus.taken) return;
    treeFocus.taken = true;
    const target = sectionRef.current?.querySelector<HTMLElement>('[role=listbox]');
    (target ?? sectionRef.current?.querySelector<HTMLElement>('input[type=search]'))?.focus();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [focusRequest]);

  const filtered = appliedPattern !== '';
  /** The count answers the filter as typed now: until its answer arrives the last one's figures would be wrong. */
  const counted = ready && pattern === appliedPattern;
  const noun = deleted ? 'deleted key' : 'key';
  const countText =
    searching === 'cancelled'
      ? 'search for deleted keys cancelled'
      : searching !== undefined
        ? `finding deleted keys… ${searching.total > 0 ? `${formatBytes(searching.done)} of ${formatBytes(searching.total)} read` : ''}`
        : !counted
          ? pattern !== ''
            ? 'filtering…'
            : 'counting…'
          : filterProblem !== null
            ? 'invalid pattern'
            : filtered
              ? `${formatCount(total)} of ${countOf(unfilteredTotal, noun)}`
              : countOf(total, noun);
  const activeEntry = activeIndex >= 0 ? entryAt(activeIndex) : undefined;
  return (
    <section className="pane keys-pane" aria-label="Key browser" ref={sectionRef}>
      <div className="pane-head">
        <div className="filter-row">
          <input
            type="search"
            className="mono"
            aria-label="Filter keys"
            placeholder={mode === 'glob' ? 'user:*:profile' : mode === 'prefix' ? 'user:' : 'filter keys'}
            value={pattern}
            spellCheck={false}
            title={mode === 'glob' ? GLOB_SUMMARY : undefined}
            onChange={(e) => setPattern(e.target.value)}
            aria-invalid={filterProblem !== null && counted}
            aria-describedby={filterProblem !== null && counted ? 'key-filter-problem' : undefined}
          />
        </div>
        {filterProblem !== null && counted && (
          <div id="key-filter-problem" className="inline-error small filter-problem" role="alert" aria-label="Filter error">
            {filterProblem}
          </div>
        )}
        <div className="controls-row">
          <div className="segmented" role="radiogroup" aria-label="Which keys" onKeyDown={onRadioGroupKeyDown} title="Live keys, or deleted ones: keys whose newest record is a tombstone">
            {(['live', 'deleted'] as const).map((s) => (
              <button key={s} type="button" role="radio" aria-checked={keySet === s} tabIndex={keySet === s ? 0 : -1} className={keySet === s ? 'on' : ''} onClick={() => onKeySetChange?.(s)}>
                {s}
              </button>
            ))}
          </div>
          <div className="segmented" role="radiogroup" aria-label="Filter mode" onKeyDown={onRadioGroupKeyDown}>
            {(['prefix', 'substring', 'glob'] as const).map((m) => (
              <button key={m} type="button" role="radio" aria-checked={mode === m} tabIndex={mode === m ? 0 : -1} className={mode === m ? 'on' : ''} onClick={() => setMode(m)}>
                {m}
              </button>
            ))}
          </div>
          <div className="segmented" role="radiogroup" aria-label="Key view" onKeyDown={onRadioGroupKeyDown}>
            <button type="button" role="radio" aria-checked={view === 'list'} tabIndex={view === 'list' ? 0 : -1} className={view === 'list' ? 'on' : ''} onClick={() => setView('list')}>
              list
            </button>
            <button type="button" role="radio" aria-checked={view === 'tree'} tabIndex={view === 'tree' ? 0 : -1} className={view === 'tree' ? 'on' : ''} onClick={() => setView('tree')}>
              tree
            </button>
            {!deleted && (
              <button
                type="button"
                role="radio"
                aria-checked={view === 'largest'}
                tabIndex={view === 'largest' ? 0 : -1}
                className={view === 'largest' ? 'on' : ''}
                onClick={() => setView('largest')}
                title="The largest values of the keys listed, and their sizes on disk"
              >
                largest
              </button>
            )}
          </div>
          {view === 'tree' && (
            <select aria-label="Tree delimiter" value={delimiter} onChange={(e) => setDelimiter(e.target.value as Delimiter)}>
              <option value=":">:</option>
              <option value="/">/</option>
            </select>
          )}
          {view === 'tree' && !deleted && (
            <div className="segmented" role="radiogroup" aria-label="Sort tree by" onKeyDown={onRadioGroupKeyDown} title="Each level in key order, or largest first">
              {(['name', 'size'] as const).map((s) => (
                <button key={s} type="button" role="radio" aria-checked={treeSort === s} tabIndex={treeSort === s ? 0 : -1} className={treeSort === s ? 'on' : ''} onClick={() => setTreeSort(s)}>
                  {s}
                </button>
              ))}
            </div>
          )}
        </div>
        {mode === 'glob' && (
          <details className="glob-help small">
            <summary>Glob syntax</summary>
            <table aria-label="Glob syntax">
              <tbody>
                {GLOB_SYNTAX.map(({ examples, meaning }) => (
                  <tr key={examples.join(' ')}>
                    <th scope="row" className="mono">
                      {examples.join(' ')}
                    </th>
                    <td>{meaning}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="muted">{GLOB_REFUSED}</p>
          </details>
        )}
        <div className="controls-row">
          <span className="muted small" aria-live="polite" aria-busy={!counted || (searching !== undefined && searching !== 'cancelled')} data-testid="key-count">
            {countText}
          </span>
          {searching !== undefined && searching !== 'cancelled' && (
            <>
              {searching.total > 0 && <progress className="load-progress" max={searching.total} value={searching.done} aria-label="Deleted keys search" />}
              <button type="button" className="small-button" onClick={() => void api.deletedKeys({ sessionId, offset: 0, limit: 0, cancel: true }).then(() => setSearching('cancelled')).catch(onError)}>
                Cancel
              </button>
            </>
          )}
          {searching === 'cancelled' && (
            <button type="button" className="small-button" onClick={() => setSearchAgain((n) => n + 1)}>
              Search again
            </button>
          )}
          {hidden !== null && hidden === selectedKey && filtered && view === 'list' && (
            <span className="small muted" role="status" aria-label="Selected key hidden">
              the selected key is hidden by the filter{' '}
              <button type="button" className="small-button" onClick={() => setPattern('')}>
                Clear filter
              </button>
            </span>
          )}
          {/* Kept together on one line at the right; in a narrow pane they move as one below the count. */}
          <span className="key-actions">
            <label className="check small" title="Show keys as hex bytes">
              <input type="checkbox" checked={showHex} onChange={(e) => setShowHex(e.target.checked)} /> hex
            </label>
            {onExport && !deleted && (
              <button
                type="button"
                className="small-button"
                onClick={() => onExport(filter, total)}
                disabled={!counted || filterProblem !== null}
                title="Write the keys listed, with their values, to a file as JSON Lines (as kvscope export)"
              >
                Export…
              </button>
            )}
            <button type="button" className="small-button" onClick={onNewKey} disabled={readOnly} title={readOnly ? createHint : undefined}>
              New key
            </button>
          </span>
        </div>
      </div>
      {view === 'tree' && deleted && searching !== undefined ? (
        // Its branches count the deleted keys: drawn once they are found (the count above says how far that got).
        <div className="key-tree muted small tree-loading" role="status" aria-label="Deleted key tree">
          {searching === 'cancelled' ? 'The tree of deleted keys shows once they are found: Search again.' : 'The tree of deleted keys shows once they are found…'}
        </div>
      ) : view === 'tree' ? (
        <KeyTree
          key={`${delimiter}|${filterKey}`}
          version={version}
          focusRequest={treeFocus}
          onFocusNowhere={focusFilter}
          api={api}
          sessionId={sessionId}
          delimiter={delimiter}
          deleted={deleted}
          filter={filter}
          showHex={showHex}
          sortBy={deleted ? 'name' : treeSort}
          selectedKey={selectedKey}
          onSelect={onSelect}
          onError={treeError}
        />
      ) : view === 'largest' ? (
        <LargestValues
          key={`${filterKey}|${version}`}
          api={api}
          sessionId={sessionId}
          filter={filter}
          showHex={showHex}
          selectedKey={selectedKey}
          onSelect={onSelect}
          onError={treeError}
        />
      ) : (
        <div
          ref={list.ref}
          className="key-list"
          role="listbox"
          aria-label={deleted ? 'Deleted keys' : 'Keys'}
          tabIndex={0}
          aria-activedescendant={activeIndex >= 0 ? `key-row-${activeIndex}` : undefined}
          onKeyDown={onKeyDown}
        >
          {total === 0 && ready && filterProblem === null && (
            <div className="empty muted">{filtered ? `No ${noun} matches the filter.` : deleted ? 'This store has no deleted keys: no key’s newest record is a tombstone.' : 'This store has no live keys.'}</div>
          )}
          <div style={{ height: list.height, position: 'relative', width: '100%' }}>
            {items.map((item) => {
              const entry = entryAt(item.index);
              const selected = entry !== undefined && entry.key === selectedKey;
              return (
                <div
                  key={item.index}
                  id={`key-row-${item.index}`}
                  role="option"
                  aria-selected={selected}
                  // Only the rows near the view are rendered: each says where it is among all of the list's.
                  aria-setsize={total}
                  aria-posinset={item.index + 1}
                  className={`key-row mono${selected ? ' selected' : ''}${item.index === activeIndex ? ' active' : ''}${entry?.deletedAt ? ' deleted' : ''}`}
                  style={{ position: 'absolute', top: 0, left: 0, width: '100%', height: ROW_HEIGHT, transform: `translateY(${item.top}px)` }}
                  // Select the key the user saw: a new filter's list may arrive between render and click.
                  onClick={() => {
                    if (!entry) return void selectIndex(item.index);
                    setActiveIndex(item.index);
                    onSelect(entry.key);
                  }}
                  title={entry ? `${keyTitle(entry.display)}\nhex ${entry.hex}${entry.deletedAt ? `\ndeleted at ${entry.deletedAt.file} @ ${entry.deletedAt.offset}` : ''}` : undefined}
                >
                  {entry ? (
                    showHex ? (
                      <span className="hex-key">{entry.hex}</span>
                    ) : (
                      <span className={entry.printable ? '' : 'escaped'}>
                        <KeyText display={entry.display} />
                      </span>
                    )
                  ) : (
                    <span className="muted">…</span>
                  )}
                  {entry?.deletedAt && (
                    <span className="deleted-badge" aria-hidden="true">
                      deleted
                    </span>
                  )}
                </div>
              );
            })}
          </div>
        </div>
      )}
      {activeEntry && view === 'list' && <div className="sr-only">{activeEntry.display}</div>}
    </section>
  );
}
