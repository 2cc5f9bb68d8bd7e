/**
 * Keys grouped by a delimiter, one level fetched at a time, with key counts per branch and the bytes of the live
 * records at or below each node (their sizes on disk); the live keys or the deleted ones. A level is in key order,
 * or largest first.
 */
import { createContext, useContext, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type MutableRefObject, type ReactNode } from 'react';
import type { Delimiter, KeyFilter, KvscopeApi, TreeNode } from '../../../shared/contract.js';
import { describeKey, keyStringToHex } from '../../../shared/keytext.js';
import { formatBytes, formatCount } from '../format.js';
import { KeyText, keyTitle } from './KeyText.js';

export type TreeSort = 'name' | 'size';

interface Props {
  api: KvscopeApi;
  sessionId: string;
  delimiter: Delimiter;
  /** The tree of the deleted keys (leaves marked deleted), not the live ones. */
  deleted?: boolean;
  filter: KeyFilter | undefined;
  showHex: boolean;
  /** Each level in key order (the service's), or largest first (ties in key order). */
  sortBy?: TreeSort;
  selectedKey: string | null;
  onSelect: (key: string) => void;
  onError: (err: unknown) => void;
  /** The store's version: each shown level is read again when it changes, its branches left open. */
  version: number;
  /**
   * Take focus once the tree has been read again at `version` (after a save or a delete): on `key`'s node, or where
   * it was, the node after it in its branch, else the one before, else its branch. With no node to go to, onFocusNowhere.
   */
  focusRequest?: TreeFocusRequest | null;
  onFocusNowhere?: () => void;
}

export interface TreeFocusRequest {
  /** The key to land on, or next to where it was (a deleted key); null: the tree's tab stop. */
  key: string | null;
  version: number;
  /** Set by the tree shown when it was asked (or by the list shown instead): a tree shown later leaves focus where it is. */
  taken: boolean;
}

/**
 * The tree is one stop of Tab (ARIA's roving tabindex): the node focused last, else the first; the arrows, Home and End
 * move within it. Without this every shown node was a stop, and a keyboard left an open branch of 300 keys in 300 Tabs.
 */
const TabStop = createContext<{ current: string | null; setCurrent: (prefix: string) => void }>({ current: null, setCurrent: () => {} });

/** The focus asked for and not yet placed: the level that holds its key's node (or held it) places it once read again. */
const PendingFocus = createContext<MutableRefObject<TreeFocusRequest | null>>({ current: null });

/**
 * Where a pending focus goes in a level read again: the key's node, or a closed branch holding it ('open': an open
 * one, whose own level places it); where the node was gone (the key deleted, or its branch emptied), the node after
 * it as it was shown, else the one before. undefined: none of these.
 */
function focusTarget(key: string, before: readonly TreeNode[], now: readonly TreeNode[], open: (prefix: string) => boolean): TreeNode | 'open' | undefined {
  const holds = (n: TreeNode) => n.prefix === key || (n.kind === 'branch' && key.startsWith(n.prefix));
  const here = now.find(holds);
  if (here) return here.kind === 'branch' && open(here.prefix) ? 'open' : here;
  const at = before.findIndex(holds);
  if (at < 0) return undefined;
  const present = new Set(now.map((n) => n.prefix));
  return before.slice(at + 1).find((n) => present.has(n.prefix)) ?? before.slice(0, at).reverse().find((n) => present.has(n.prefix));
}

/** A level's nodes as shown: in key order (the service's), or largest first (Array.prototype.sort is stable: equal sizes keep the key order). */
const shownOrder = (nodes: TreeNode[], sortBy: TreeSort | undefined) => (sortBy === 'size' ? [...nodes].sort((a, b) => (b.bytes ?? 0) - (a.bytes ?? 0)) : nodes);

function Level(props: Props & { prefix: string; depth: number }) {
  const { api, sessionId, delimiter, deleted, filter, prefix, depth, sortBy, onError, version, onFocusNowhere } = props;
  /** The nodes read at `version`, and those shown before them (where a node gone was). Read again, the old ones stay until the new come. */
  const [read, setRead] = useState<{ nodes: TreeNode[]; truncated: boolean; version: number; before: TreeNode[] } | null>(null);
  const pending = useContext(PendingFocus);
  const list = useRef<HTMLUListElement>(null);
  useEffect(() => {
    let live = true;
    api
      .keyTree({ sessionId, delimiter, prefix, ...(filter ? { filter } : {}), ...(deleted ? { deleted: true as const } : {}) })
      .then((res) => {
        if (!live) return;
        setRead((old) => ({ nodes: res.nodes, truncated: res.truncated, version, before: old ? shownOrder(old.nodes, sortBy) : [] }));
      })
      .catch((err: unknown) => live && onError(err));
    return () => {
      live = false;
    };
    // filter identity changes every render; its content is part of the parent's key
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, sessionId, delimiter, deleted, prefix, onError, version]);
  // A focus asked for after a write: placed by the level holding its key's node once it has been read again.
  useEffect(() => {
    const request = pending.current;
    if (!read || !request || read.version < request.version || !list.current) return;
    const items = Array.from(list.current.querySelectorAll<HTMLElement>(':scope > [role=treeitem]'));
    const itemOf = (p: string) => items.find((el) => el.dataset.prefix === p);
    const now = shownOrder(read.nodes, sortBy);
    if (request.key === null || !request.key.startsWith(prefix)) {
      if (depth > 0) return;
      pending.current = null;
      const first = items.find((el) => el.tabIndex === 0) ?? items[0];
      return first ? first.focus() : onFocusNowhere?.();
    }
    const target = focusTarget(request.key, read.before, now, (p) => itemOf(p)?.getAttribute('aria-expanded') === 'true');
    // An open branch holds it: placed by its level. An emptied branch's level: by the level above, where it is gone.
    if (target === 'open' || (target === undefined && depth > 0 && now.length === 0)) return;
    pending.current = null;
    if (target) itemOf(target.prefix)?.focus();
    // Nowhere else to go: the branch itself, or at the top out of the tree.
    else if (depth > 0) list.current.parentElement?.closest<HTMLElement>('[role=treeitem]')?.focus();
    else onFocusNowhere?.();
    // sortBy: the order the nodes are shown in now
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [read]);
  if (!read) return <div className="muted small tree-loading">Loading…</div>;
  const { nodes, truncated } = read;
  const shown = shownOrder(nodes, sortBy);
  return (
    <ul ref={list} role={depth === 0 ? 'tree' : 'group'} aria-label={depth === 0 ? (deleted ? 'Deleted key tree' : 'Key tree') : undefined} className="tree">
      {shown.map((node, i) => (
        <TreeItem key={node.prefix} {...props} node={node} first={depth === 0 && i === 0} position={i + 1} siblings={truncated ? -1 : shown.length} />
      ))}
      {truncated && <li className="muted small">… more (narrow the filter)</li>}
      {nodes.length === 0 && <li className="muted small">{deleted ? 'No deleted keys.' : 'No keys.'}</li>}
    </ul>
  );
}

/**
 * A node's part of the key as the flat list shows keys (KeyText: every space
 * kept, those at its ends marked; escaped bytes in the escaped colour), and
 * after a branch's part its delimiter.
 */
function NodeLabel({ node, parentPrefix, delimiter, after }: { node: TreeNode; parentPrefix: string; delimiter: Delimiter; after: ReactNode }) {
  const branch = node.kind === 'branch';
  const part = node.prefix.slice(parentPrefix.length, branch ? -delimiter.length : undefined);
  const display = branch ? node.label.slice(0, -delimiter.length) : node.label;
  return (
    <span className={`tree-label${describeKey(part).printable ? '' : ' escaped'}`}>
      <KeyText display={display} />
      {branch && delimiter}
      {after}
    </span>
  );
}

/**
 * The bytes of a node's live records, right of its count (in a column of one width, so sizes line up); the deleted
 * keys' tree has none.
 */
function NodeSize({ node }: { node: TreeNode }) {
  if (node.bytes === undefined) return null;
  return (
    <span
      className="count node-size"
      title={`${formatCount(node.bytes)} bytes of live records (header, key and value)`}
    >
      {formatBytes(node.bytes)}
    </span>
  );
}

/**
 * A node is the tree item itself (ARIA's tree view pattern): it takes the focus and carries its level, its place among
 * its siblings and its state; its row (the mark, label, count and size) is what is seen and clicked. Its name is its
 * row's text (an open branch's nodes are not part of it), the mark left out and words a screen reader needs put in
 * unseen: "user: 2,850 keys, 191.8 KiB", "0, 44 B". A name of its own (aria-label) would not hold the row's text as
 * it is seen, which speech input goes by (WCAG 2.5.3).
 */
function TreeItem(props: Props & { prefix: string; depth: number; node: TreeNode; first: boolean; position: number; /** -1: a level cut short (unknown). */ siblings: number }) {
  const { node, depth, selectedKey, onSelect, showHex, prefix, delimiter, deleted, first, position, siblings } = props;
  const [open, setOpen] = useState(false);
  const stop = useContext(TabStop);
  const tabIndex = stop.current === node.prefix || (stop.current === null && first) ? 0 : -1;
  /** A key's name: a pause (a comma) between its label and its size, kept inline (as .sr-only is not) so none is said before it. */
  const pause = node.kind === 'key' && node.bytes !== undefined ? <span className="tree-pause">,</span> : null;
  const label = showHex ? (
    <span className="tree-label">
      {keyStringToHex(node.prefix)}
      {pause}
    </span>
  ) : (
    <NodeLabel node={node} parentPrefix={prefix} delimiter={delimiter} after={pause} />
  );
  const place = { 'aria-level': depth + 1, 'aria-setsize': siblings, 'aria-posinset': position, tabIndex, 'data-prefix': node.prefix };
  if (node.kind === 'key') {
    const selected = node.prefix === selectedKey;
    return (
      <li role="treeitem" {...place} aria-selected={selected} className={`tree-item mono${selected ? ' selected' : ''}${deleted ? ' deleted' : ''}`} style={{ paddingLeft: 12 + depth * 14 }}>
        <div className="tree-button" onClick={() => onSelect(node.prefix)} title={`${keyTitle(describeKey(node.prefix).display)}${deleted ? '\ndeleted' : ''}`}>
          <span className="tree-icon" aria-hidden="true">·</span>
          {label}
          {deleted && (
            <span className="deleted-badge" aria-hidden="true">
              deleted
            </span>
          )}
          <NodeSize node={node} />
        </div>
      </li>
    );
  }
  return (
    <li role="treeitem" {...place} aria-expanded={open} className="tree-branch">
      <div
        className="tree-button mono"
        style={{ paddingLeft: 12 + depth * 14 }}
        onClick={() => {
          // Closing a branch hides its nodes: the tab stop, if it was one of them, comes back to the branch.
          if (open && stop.current !== null && stop.current !== node.prefix && stop.current.startsWith(node.prefix)) stop.setCurrent(node.prefix);
          setOpen(!open);
        }}
        title={keyTitle(describeKey(node.prefix).display)}>
        <span className="tree-icon" aria-hidden="true">{open ? '▾' : '▸'}</span>
        {label}
        <span className="count">
          {formatCount(node.count)}
          <span className="sr-only">
            {node.count === 1 ? ' key' : ' keys'}
            {node.bytes !== undefined && ','}
          </span>
        </span>
        <NodeSize node={node} />
      </div>
      {open && <Level {...props} prefix={node.prefix} depth={depth + 1} />}
    </li>
  );
}

/** Type-ahead waits this long for the next character of a name before a character starts a new one. */
const TYPE_AHEAD_MS = 600;

/**
 * Up and Down move between shown nodes, Home and End to the first and last; Right opens a branch (on an open one,
 * moves to its first node), Left closes it (elsewhere, moves to the branch holding the node); Enter and Space select a
 * key or open (close) a branch; typing moves to the next shown node whose label starts with what was typed.
 */
function onTreeKeyDown(e: KeyboardEvent<HTMLDivElement>, typed: { text: string; at: number }) {
  const items = Array.from(e.currentTarget.querySelectorAll<HTMLElement>('[role=treeitem]'));
  const current = items.indexOf(document.activeElement as HTMLElement);
  if (current < 0) return;
  const item = items[current]!;
  const row = (el: HTMLElement) => el.querySelector<HTMLElement>(':scope > .tree-button')!;
  const expanded = item.getAttribute('aria-expanded');
  const parent = item.parentElement?.closest<HTMLElement>('[role=treeitem]');
  if (e.key === 'ArrowDown') items[Math.min(items.length - 1, current + 1)]!.focus();
  else if (e.key === 'ArrowUp') items[Math.max(0, current - 1)]!.focus();
  else if (e.key === 'Home') items[0]!.focus();
  else if (e.key === 'End') items[items.length - 1]!.focus();
  else if (e.key === 'ArrowRight' && expanded === 'false') row(item).click();
  else if (e.key === 'ArrowRight' && expanded === 'true' && item.contains(items[current + 1] ?? null)) items[current + 1]!.focus();
  else if (e.key === 'ArrowLeft' && expanded === 'true') row(item).click();
  else if (e.key === 'ArrowLeft' && parent) parent.focus();
  else if (e.key === 'Enter' || e.key === ' ') row(item).click();
  else if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) {
    const again = e.timeStamp - typed.at < TYPE_AHEAD_MS;
    typed.text = (again ? typed.text : '') + e.key.toLowerCase();
    typed.at = e.timeStamp;
    // A first character looks from the next node on (typing it again steps through the nodes it starts); more of a
    // name keeps the node that still matches.
    const from = typed.text.length === 1 ? current + 1 : current;
    const labelOf = (el: HTMLElement) => (row(el).querySelector('.tree-label')?.textContent ?? '').toLowerCase();
    for (let i = 0; i < items.length; i++) {
      const candidate = items[(from + i) % items.length]!;
      if (labelOf(candidate).startsWith(typed.text)) {
        candidate.focus();
        break;
      }
    }
  } else return;
  e.preventDefault();
}

export function KeyTree(props: Props) {
  const [current, setCurrent] = useState<string | null>(null);
  const typed = useRef({ text: '', at: -Infinity });
  const pending = useRef<TreeFocusRequest | null>(null);
  // Set before the levels' effects run, which place it once they have been read again.
  useLayoutEffect(() => {
    const request = props.focusRequest;
    if (!request || request.taken) return;
    request.taken = true;
    pending.current = request;
  }, [props.focusRequest]);
  return (
    <PendingFocus.Provider value={pending}>
      <TabStop.Provider value={{ current, setCurrent }}>
        <div
          className="key-tree"
          onKeyDown={(e) => onTreeKeyDown(e, typed.current)}
          onFocus={(e) => {
            const prefix = (e.target as HTMLElement).dataset.prefix;
            if (prefix !== undefined) setCurrent(prefix);
          }}
        >
          <Level {...props} prefix="" depth={0} />
        </div>
      </TabStop.Provider>
    </PendingFocus.Provider>
  );
}
