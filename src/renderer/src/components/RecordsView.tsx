/**
 * Record-level view of one file: a paged, virtualized record table (offset,
 * length, type, sequence, key, value size, CRCs, status), filters by key
 * substring and status, jump to an offset; beside it the file's bytes with
 * the selected record's fields highlighted, and a details tree naming each
 * field with its decoded value and the format's one-line explanation.
 *
 * A large segment is indexed (and filtered) by the service in the
 * background: until a response says `complete`, the table shows what there
 * is, the count grows, a progress note says how far indexing or filtering
 * got, and the pages on screen are asked for again every POLL_MS.
 *
 * The table scrolls through all of a file's records in one list, millions
 * included: past what a browser can lay out, it scales its scrolling (the
 * key list's scaled-list.ts). Keyboard: arrows, Page Up/Down, Home, End.
 */
import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { FrameRow, KvscopeApi, RecordDetail, RecordRow, RecordRowStatus, SegmentFileInfo } from '../../../shared/contract.js';
import { RECORD_ROW_STATUSES } from '../../../shared/record-status.js';
import { asApiError } from '../../../shared/errors.js';
import { countOf, formatBytes, formatCount, parseByteOffset } from '../format.js';
import { HexPane, fieldAt, ROLE_LABELS } from './HexPane.js';
import { useScaledList } from './scaled-list.js';
import { KeyText, keyTitle } from './KeyText.js';
import { damagedHowOfRow, damagedKeyLabel } from '../../../shared/damaged-key.js';
import { sequenceTitle, timestampText } from '../../../shared/sequence-text.js';

const PAGE = 200;
const ROW_HEIGHT = 24;
/** How often the table asks again while the file is being indexed or filtered. */
const POLL_MS = 400;

export interface RecordTarget {
  file: string;
  offset: number;
  nonce: number;
}

interface Props {
  api: KvscopeApi;
  sessionId: string;
  version: number;
  files: SegmentFileInfo[];
  target: RecordTarget | null;
  /** The file list may be out of date: a file the view showed is gone. */
  onFilesGone: () => void;
  /** Show a key's history (and value, if it has one) in the Keys view. */
  onOpenKey?: (key: string) => void;
  onError: (err: unknown) => void;
}

/** Whether `err` says that `file` is not in the store (any more). */
export function isFileGone(err: unknown, file: string): boolean {
  const e = asApiError(err);
  return e.code === 'NOT_FOUND' && e.details?.file === file;
}

/**
 * The file to show instead of one that went (`gone`: every file found gone): the data file holding the oldest
 * records now. A compaction merges the live records of the files it removes into new files, so that is where
 * the oldest of what the user was reading went; the first data file by number is often only the newest one (a
 * compaction's outputs are numbered after the segment being written). Without data files left, the first file.
 */
export function fileAfterRemoval(files: readonly SegmentFileInfo[], gone: ReadonlySet<string>): string {
  const left = files.filter((f) => !gone.has(f.file));
  let best: SegmentFileInfo | undefined;
  for (const f of left) {
    if (f.role !== 'data') continue;
    if (!best || (f.oldestSequence ?? Infinity) < (best.oldestSequence ?? Infinity)) best = f;
  }
  return best?.file ?? left[0]?.file ?? '';
}

/** Why a record is 'unread' (the history says the same of such a version). */
const UNREAD_TITLE = 'After damage earlier in this file its engine stops reading the file: it never reads this record';
const IGNORED_TITLE = 'Its engine reads this line and skips it on replay: written whole, it is no record';
const STATUS_TITLES: Partial<Record<RecordRowStatus, string>> = { unread: UNREAD_TITLE, ignored: IGNORED_TITLE };

/** "5 records + 3 ignored lines", "965 records + header and trailer": the rows that hold no record counted apart, as the segments view counts. */
function recordCountText(rows: number, frameRows: readonly FrameRow[], ignoredRows: number): string {
  const apart = [...frameRows, ...(ignoredRows > 0 ? [countOf(ignoredRows, 'ignored line')] : [])];
  return `${countOf(rows - frameRows.length - ignoredRows, 'record')}${apart.length > 0 ? ` + ${apart.join(' and ')}` : ''}`;
}

function hex32(n: number | undefined): string {
  return n === undefined ? '' : (n >>> 0).toString(16).padStart(8, '0');
}

/**
 * The byte offset typed in "Jump to offset" (decimal, or hex after 0x), or why it is not one: said next to the
 * field. `fileSize` 0 (not known yet) leaves the past-the-end check to the service.
 */
export function parseJumpOffset(text: string, fileSize: number): { offset: number } | { error: string } {
  const n = parseByteOffset(text);
  if (n === undefined) return { error: 'not an offset: use a decimal or 0x… number' };
  if (fileSize > 0 && n >= fileSize) return { error: pastEnd(fileSize) };
  return { offset: n };
}

function pastEnd(fileSize: number): string {
  return `offset is past the end of the file (${formatCount(fileSize)} bytes)`;
}

/** "indexing… 41%" while the file is being indexed, then "filtering… 41%" while a filter goes through the index. */
function progressText(indexedBytes: number, fileSize: number, filtered: boolean, scanned: number | undefined, indexedRecords: number): string {
  if (indexedBytes < fileSize) {
    const pct = fileSize > 0 ? Math.floor((indexedBytes / fileSize) * 100) : 0;
    return `indexing… ${pct}%${filtered ? ' (filtering as it goes)' : ''}`;
  }
  if (filtered && scanned !== undefined) {
    const pct = indexedRecords > 0 ? Math.floor((scanned / indexedRecords) * 100) : 0;
    return `filtering… ${pct}%`;
  }
  return 'indexing…';
}

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

export function RecordsView({ api, sessionId, version, files, target, onFilesGone, onOpenKey, onError }: Props) {
  const [file, setFile] = useState<string>(target?.file ?? files.find((f) => f.role === 'data')?.file ?? files[0]?.file ?? '');
  const [keyFilter, setKeyFilter] = useState('');
  const [status, setStatus] = useState<RecordRowStatus | ''>('');
  const [jump, setJump] = useState('');
  /** Why the typed offset cannot be jumped to, said next to the field. */
  const [jumpError, setJumpError] = useState<string | null>(null);
  const debouncedKey = useDebounced(keyFilter, 150);
  const [total, setTotal] = useState(0);
  const [unfilteredTotal, setUnfilteredTotal] = useState(0);
  // The file's header and trailer rows, and a text log's missing-newline note, are not records (the segments view does not count them): said apart.
  const [frameRows, setFrameRows] = useState<FrameRow[]>([]);
  // So are the lines its engine reads and skips on replay.
  const [ignoredRows, setIgnoredRows] = useState(0);
  const [fileSize, setFileSize] = useState(0);
  const [ready, setReady] = useState(false);
  /** Whether the last answer covered the whole file (indexing and filtering done). */
  const [complete, setComplete] = useState(true);
  const [progress, setProgress] = useState<{ indexedBytes: number; scanned: number | undefined }>({ indexedBytes: 0, scanned: undefined });
  const [pollTick, setPollTick] = useState(0);
  const [, setTick] = useState(0);
  const pages = useRef(new Map<number, RecordRow[]>());
  /** Pages that came back short while the file was still being indexed or filtered: asked for again. */
  const partial = useRef(new Set<number>());
  /** Pages of the last incomplete answers, shown until their fresh copies arrive once it is complete. */
  const previous = useRef(new Map<number, RecordRow[]>());
  const wasComplete = useRef(true);
  /** The file, filter and version the cached pages belong to: rows of a previous file are never shown or clicked. */
  const pagesFor = useRef('');
  const pending = useRef(new Map<number, Promise<RecordRow[] | undefined>>());
  const generation = useRef(0);
  const tableRef = useRef<HTMLDivElement | null>(null);
  const headRef = useRef<HTMLDivElement | null>(null);
  /** Position in the table (filtered list) of the selected record, when known: where the keyboard moves from. */
  const selectedPos = useRef<number | null>(null);
  /** The same position as state, so the chosen row lights up at once, before its record arrives from the service. */
  const [chosenRow, setChosenRow] = useState<number | null>(null);
  const choose = (pos: number | null) => {
    selectedPos.current = pos;
    setChosenRow(pos);
  };

  const [record, setRecord] = useState<RecordDetail | null>(null);
  /** The record asked for last (selectAt's calls, counted): an answer to an earlier ask that comes after it is dropped. */
  const recordAsk = useRef(0);
  const [fieldIndex, setFieldIndex] = useState(-1);
  const [cursor, setCursor] = useState<number | null>(null);
  const [hexScroll, setHexScroll] = useState<{ offset: number | null; nonce: number }>({ offset: null, nonce: 0 });
  const filterKey = `${file}\u0000${debouncedKey}\u0000${status}`;
  const filtered = debouncedKey !== '' || status !== '';

  /**
   * A file the view showed that the store no longer has (a compaction, ours or a followed writer's, removes the
   * files it merges), and the file shown instead: said in a status line, not raised as an error.
   */
  const [removed, setRemoved] = useState<{ file: string; now: string | null } | null>(null);
  /** Files found gone: never chosen again, even from a file list older than the discovery. */
  const goneFiles = useRef(new Set<string>());
  const filesRef = useRef(files);
  filesRef.current = files;
  const fileRef = useRef(file);
  fileRef.current = file;
  const onFilesGoneRef = useRef(onFilesGone);
  onFilesGoneRef.current = onFilesGone;

  /** The file list that was current when a read found the file shown gone: the next file is chosen from a newer one. */
  const staleFiles = useRef<readonly SegmentFileInfo[] | null>(null);

  /**
   * Leave `goneFile`, and say so: for the file `next` (from a list that no longer has it), or for none until the
   * file list has been read again (`null`).
   */
  const leaveGone = useCallback((goneFile: string, next: string | null) => {
    goneFiles.current.add(goneFile);
    // A file chosen after a removal that turns out gone too: the notice still names the one the user was looking at.
    setRemoved((r) => ({ file: r && r.now === goneFile ? r.file : goneFile, now: next }));
    fileRef.current = next ?? '';
    setFile(next ?? '');
  }, []);

  /** A failed request about `inFile`: a file that went is left quietly (and the file list asked for again); anything else is an error. */
  const failed = useCallback(
    (err: unknown, inFile: string) => {
      if (!isFileGone(err, inFile)) return onError(err);
      if (inFile !== fileRef.current) return; // already left
      // The list on hand was read before the file went: it may name other files that went with it.
      staleFiles.current = filesRef.current;
      leaveGone(inFile, null);
      onFilesGoneRef.current();
    },
    [onError, leaveGone],
  );

  // Keep the chosen file when the list refreshes; a file no longer listed is gone.
  useEffect(() => {
    if (files.length === 0 || files === staleFiles.current) return;
    staleFiles.current = null;
    if (!file) {
      const next = fileAfterRemoval(files, goneFiles.current);
      setFile(next);
      setRemoved((r) => (r && r.now === null ? { ...r, now: next } : r));
    } else if (!files.some((f) => f.file === file) || goneFiles.current.has(file)) {
      leaveGone(file, fileAfterRemoval(files, goneFiles.current));
    }
  }, [files, file, leaveGone]);

  const loadPage = useCallback(
    /** `again`: ask even when the page is cached (the count may have grown). */
    async (page: number, again = false): Promise<RecordRow[] | undefined> => {
      const have = again ? undefined : pages.current.get(page);
      if (have) return have;
      const inFlight = pending.current.get(page);
      if (inFlight) return inFlight;
      if (!file) return undefined;
      const gen = generation.current;
      const fetchPage = async (): Promise<RecordRow[] | undefined> => {
        try {
          const res = await api.records({
            sessionId,
            file,
            start: page * PAGE,
            limit: PAGE,
            ...(debouncedKey ? { key: debouncedKey } : {}),
            ...(status ? { status } : {}),
          });
          if (gen !== generation.current) return undefined;
          if (res.complete && !wasComplete.current) {
            // Rows near the end of the index may have changed (a batch found unfinished): fetch the pages again.
            previous.current = pages.current;
            pages.current = new Map();
            partial.current = new Set();
          }
          wasComplete.current = res.complete;
          pages.current.set(page, res.rows);
          if (!res.complete && res.rows.length < PAGE) partial.current.add(page);
          else partial.current.delete(page);
          setTotal(res.total);
          setUnfilteredTotal(res.unfilteredTotal);
          setFrameRows(res.frameRows);
          setIgnoredRows(res.ignoredRows);
          setFileSize(res.fileSize);
          setComplete(res.complete);
          setProgress({ indexedBytes: res.indexedBytes, scanned: res.scanned });
          setReady(true);
          setTick((t) => t + 1);
          return res.rows;
        } catch (err) {
          if (gen === generation.current) failed(err, file);
          return undefined;
        }
      };
      // Concurrent callers (the scroll effect, a click on a row still loading) share one request.
      const request = fetchPage().finally(() => {
        if (gen === generation.current) pending.current.delete(page);
      });
      pending.current.set(page, request);
      return request;
    },
    // filterKey stands for file, key filter and status
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api, sessionId, filterKey, failed],
  );

  useEffect(() => {
    generation.current++;
    pages.current = new Map();
    partial.current = new Set();
    previous.current = new Map();
    wasComplete.current = true;
    pagesFor.current = `${filterKey}\u0000${version}`;
    pending.current = new Map();
    setReady(false);
    setComplete(true);
    void loadPage(0);
  }, [loadPage, version]);

  const list = useScaledList({ count: total, rowHeight: ROW_HEIGHT, scrollRef: tableRef });
  const items = list.rows;
  // Another file or filter: a new list, from its top.
  useEffect(() => {
    choose(null);
    if (tableRef.current) tableRef.current.scrollTop = 0;
  }, [filterKey]);
  /** Scroll the table to row `pos` (of the filtered list). */
  const showRow = (pos: number, align: 'auto' | 'center') => list.scrollToIndex(pos, align);
  useEffect(() => {
    if (items.length === 0) return;
    const first = Math.floor(items[0]!.index / PAGE);
    const last = Math.floor(items[items.length - 1]!.index / PAGE);
    for (let p = first; p <= last; p++) if (!pages.current.has(p)) void loadPage(p);
  });
  // While the service is still indexing or filtering: ask again for the short pages on screen (or the first one) to see the count grow.
  useEffect(() => {
    if (!ready || complete) return;
    const timer = setTimeout(() => {
      const shown = items.length > 0 ? [Math.floor(items[0]!.index / PAGE), Math.floor(items[items.length - 1]!.index / PAGE)] : [0, 0];
      const again = new Set<number>([shown[0]!]);
      for (let p = shown[0]!; p <= shown[1]!; p++) if (partial.current.has(p)) again.add(p);
      void Promise.all([...again].map((p) => loadPage(p, true))).finally(() => setPollTick((t) => t + 1));
    }, POLL_MS);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ready, complete, pollTick, loadPage]);
  const rowAt = (i: number): RecordRow | undefined => {
    if (pagesFor.current !== `${filterKey}\u0000${version}`) return undefined;
    const page = Math.floor(i / PAGE);
    return (pages.current.get(page) ?? previous.current.get(page))?.[i % PAGE];
  };
  // A format whose sequence is the writer's clock (Riak's tstamp): the column shows each record's date and time, in a
  // column wide enough for it (styles.css, .seq-time), not a 10-digit count cut to "17953…".
  const timeSeq = files.find((f) => f.file === file)?.sequenceIsTimestamp === true || items.some((item) => rowAt(item.index)?.sequenceIsTimestamp === true);
  /** A row to scroll to once the table has that many rows (a jump past what the table knew). */
  const [wantRow, setWantRow] = useState<{ pos: number; nonce: number } | null>(null);
  useEffect(() => {
    if (!wantRow || wantRow.pos >= total) return;
    setWantRow(null);
    showRow(wantRow.pos, 'center');
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [wantRow, total]);
  /**
   * The row End chose while the file was still being indexed (or filtered): the last row then, not the file's. The
   * selection follows the end as the count grows, until the index is complete or the selection moves elsewhere.
   */
  const followingEnd = useRef<number | null>(null);
  useEffect(() => {
    const at = followingEnd.current;
    if (at === null) return;
    if (selectedPos.current !== at) {
      followingEnd.current = null;
      return;
    }
    if (complete) followingEnd.current = null;
    if (total - 1 > at) {
      if (!complete) followingEnd.current = total - 1;
      void moveTo(total - 1);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [total, complete]);
  /** Select the row at `pos`; a row still loading is selected once its page arrives. */
  const selectRow = async (pos: number) => {
    const gen = generation.current;
    choose(pos);
    const r = rowAt(pos) ?? (await loadPage(Math.floor(pos / PAGE)))?.[pos % PAGE];
    if (r && gen === generation.current && selectedPos.current === pos) void selectAt(file, r.offset, { pos });
  };

  /** Select the record holding `offset` (and the field holding it, when `byte`). */
  const selectAt = useCallback(
    /** `pos`: the record's row in the table, when the table chose it (and set selectedPos); else it is known only without a filter (its index). */
    async (inFile: string, offset: number, opts: { byte?: boolean; scrollTable?: boolean; scrollHex?: boolean; pos?: number; jump?: boolean } = {}) => {
      const ask = ++recordAsk.current;
      try {
        const res = await api.recordAt({ sessionId, file: inFile, offset });
        // A later choice was made meanwhile (its answer may have come first): this record is no longer the one chosen.
        if (ask !== recordAsk.current) return;
        const rec = res.record;
        setRecord(rec);
        if (opts.pos === undefined) choose(rec && !filtered ? rec.index : null);
        if (!rec) return;
        const fi = opts.byte ? fieldAt(rec.fields, offset) : -1;
        setFieldIndex(fi);
        setCursor(opts.byte ? offset : rec.offset);
        if (opts.scrollHex !== false) setHexScroll((s) => ({ offset: opts.byte ? offset : rec.offset, nonce: s.nonce + 1 }));
        if (opts.scrollTable && !filtered) {
          // The service indexed the file at least up to this record: the table may not know those rows yet.
          setTotal((t) => Math.max(t, res.indexedRecords));
          setUnfilteredTotal((t) => Math.max(t, res.indexedRecords));
          setWantRow((w) => ({ pos: rec.index, nonce: (w?.nonce ?? 0) + 1 }));
        }
      } catch (err) {
        if (ask !== recordAsk.current) return;
        // A typed offset the service finds past the end (the file shrank, or its size was not known yet): said by the field.
        const e = asApiError(err);
        if (opts.jump && e.code === 'BAD_REQUEST' && typeof e.details?.size === 'number') return setJumpError(pastEnd(e.details.size));
        failed(err, inFile);
      }
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api, sessionId, failed, filtered],
  );

  // Jumps from elsewhere (verify problems, history, segments): open the file at the offset.
  const lastTarget = useRef(0);
  useEffect(() => {
    if (!target || target.nonce === lastTarget.current) return;
    lastTarget.current = target.nonce;
    setFile(target.file);
    setKeyFilter('');
    setStatus('');
    // Let the new file's first page arrive so the table can scroll to the row.
    setTimeout(() => void selectAt(target.file, target.offset, { scrollTable: true }), 50);
    // The control that asked (a Verify problem, a history row) is gone with its view: the table takes focus.
    tableRef.current?.focus({ preventScroll: true });
  }, [target, selectAt]);

  // A new file clears the selection (and a record of the file before, still on its way, is not shown).
  useEffect(() => {
    recordAsk.current++;
    setRecord((r) => (r && target?.file === file ? r : null));
    setJumpError(null);
    setFieldIndex(-1);
    setCursor(null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [file]);

  const onByte = (offset: number) => {
    if (record && offset >= record.offset && offset < record.offset + record.length) {
      setFieldIndex(fieldAt(record.fields, offset));
      setCursor(offset);
      return;
    }
    setCursor(offset);
    void selectAt(file, offset, { byte: true, scrollTable: true, scrollHex: false });
  };

  const selectField = (i: number) => {
    if (!record || i < 0 || i >= record.fields.length) return;
    setFieldIndex(i);
    setCursor(record.fields[i]!.start);
    setHexScroll((s) => ({ offset: record.fields[i]!.start, nonce: s.nonce + 1 }));
  };

  /** The selected record's row in the table: known, or found among the pages loaded (-1: none). */
  const selectedRow = (): number => {
    if (selectedPos.current !== null) return selectedPos.current;
    if (!record) return -1;
    for (const [p, rows] of pages.current) {
      const i = rows.findIndex((r) => r.offset === record.offset);
      if (i >= 0) return p * PAGE + i;
    }
    return -1;
  };

  const onTableKey = async (e: KeyboardEvent<HTMLDivElement>) => {
    const screen = Math.max(1, Math.floor((tableRef.current?.clientHeight ?? 0) / ROW_HEIGHT) - 1);
    const step = { ArrowDown: 1, ArrowUp: -1, PageDown: screen, PageUp: -screen }[e.key];
    if (step === undefined && e.key !== 'Home' && e.key !== 'End') return;
    e.preventDefault();
    if (total === 0) return;
    const from = selectedRow();
    const to = e.key === 'Home' ? 0 : e.key === 'End' ? total - 1 : from < 0 ? 0 : Math.max(0, Math.min(total - 1, from + step!));
    followingEnd.current = e.key === 'End' && !complete ? to : null;
    if (to === from) return;
    await moveTo(to);
  };

  /** Select row `to` and scroll to it, from the keyboard (or the end growing under End). */
  const moveTo = async (to: number) => {
    choose(to);
    showRow(to, 'auto');
    const gen = generation.current;
    const next = rowAt(to) ?? (await loadPage(Math.floor(to / PAGE)))?.[to % PAGE];
    // Another key may have moved on meanwhile: select only what is still wanted.
    if (next && gen === generation.current && selectedPos.current === to) void selectAt(file, next.offset, { pos: to });
  };

  const doJump = () => {
    const parsed = parseJumpOffset(jump, fileSize);
    if ('error' in parsed) return setJumpError(parsed.error);
    setJumpError(null);
    setKeyFilter('');
    setStatus('');
    void selectAt(file, parsed.offset, { byte: true, scrollTable: true, jump: true });
  };

  const info = files.find((f) => f.file === file);
  /** The row chosen by position when known (it may still be loading), else the one holding the selected record. */
  const isSelected = (index: number): boolean => {
    if (chosenRow !== null) return index === chosenRow;
    const r = rowAt(index);
    return !!r && !!record && r.offset === record.offset;
  };
  /** The selected row, when it is drawn: the table's active option (as in the key list), since focus stays on the table. */
  const activeRow = items.find((item) => isSelected(item.index))?.index;
  const deletedNow = useDeletedNow(api, sessionId, version, record);
  return (
    <div className="records-view">
      <section className="records-left" aria-label="Records">
        <div className="pane-head">
          <div className="controls-row">
            <label className="small muted" htmlFor="records-file">
              File
            </label>
            <select
              id="records-file"
              aria-label="File"
              value={file}
              onChange={(e) => {
                setRemoved(null);
                setFile(e.target.value);
              }}
            >
              {!file && <option value="">—</option>}
              {files.map((f) => (
                <option key={f.file} value={f.file}>
                  {f.file} ({f.role}, {formatBytes(f.bytes)})
                </option>
              ))}
            </select>
            <span className="spacer" />
            <form
              className="jump"
              onSubmit={(e) => {
                e.preventDefault();
                doJump();
              }}
            >
              <input
                type="text"
                className="mono"
                aria-label="Jump to offset"
                aria-invalid={jumpError !== null}
                aria-describedby={jumpError !== null ? 'jump-error' : undefined}
                placeholder="offset or 0x…"
                value={jump}
                onChange={(e) => {
                  setJump(e.target.value);
                  setJumpError(null);
                }}
                size={12}
              />
              <button type="submit" className="small-button">
                Go
              </button>
              {jumpError !== null && (
                <span id="jump-error" className="inline-error small jump-error" role="alert" aria-label="Jump error">
                  {jumpError}
                </span>
              )}
            </form>
          </div>
          <div className="controls-row">
            <input type="search" className="mono grow" aria-label="Filter records by key" placeholder="key contains…" value={keyFilter} onChange={(e) => setKeyFilter(e.target.value)} />
            <select aria-label="Status filter" value={status} onChange={(e) => setStatus(e.target.value as RecordRowStatus | '')}>
              <option value="">any status</option>
              {RECORD_ROW_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
          {removed && (
            <div className="records-notice small" role="status" aria-label="File removed">
              <span>
                <b className="mono">{removed.file}</b> is no longer in the store: a compaction merges files into new ones and removes them.{' '}
                {removed.now === null ? (
                  'Reading the list of files again…'
                ) : removed.now ? (
                  <>
                    Showing <b className="mono">{removed.now}</b>, which holds the oldest records now.
                  </>
                ) : (
                  'No file is left to show.'
                )}
              </span>
              <button type="button" className="ghost small-button" aria-label="Dismiss" onClick={() => setRemoved(null)}>
                ×
              </button>
            </div>
          )}
          <div className="small muted" data-testid="record-count">
            {filtered ? `${formatCount(total)} of ${countOf(unfilteredTotal, 'row')}` : recordCountText(total, frameRows, ignoredRows)}
            {info ? ` · ${formatBytes(fileSize)}` : ''}
            {ready && !complete && (
              <span className="record-progress" data-testid="record-progress" role="status" aria-label="Indexing progress">
                {' · '}
                {progressText(progress.indexedBytes, fileSize, filtered, progress.scanned, unfilteredTotal)}
              </span>
            )}
          </div>
        </div>
        {/* The column titles scroll sideways with the rows (the table is wider than its pane when the window is narrow). */}
        <div ref={headRef} className="record-table-head-wrap mono small" aria-hidden="true">
          <div className={timeSeq ? 'record-table-head seq-time' : 'record-table-head'}>
            <span className="c-off">offset</span>
            <span className="c-len">len</span>
            <span className="c-type">type</span>
            <span className="c-seq" title={timeSeq ? 'When the record was written (the writer\'s clock, UTC): the newest wins' : undefined}>
              {timeSeq ? 'time (UTC)' : 'seq'}
            </span>
            <span className="c-key">key</span>
            <span className="c-val">value</span>
            <span className="c-crc" title="The CRC stored in the record; marked ≠ when the CRC computed over its bytes differs">
              crc
            </span>
            <span className="c-status">status</span>
          </div>
        </div>
        <div
          ref={list.ref}
          className="record-table mono small"
          role="listbox"
          aria-label="Record table"
          tabIndex={0}
          aria-activedescendant={activeRow !== undefined ? `record-row-${activeRow}` : undefined}
          onKeyDown={(e) => void onTableKey(e)}
          onScroll={(e) => {
            if (headRef.current) headRef.current.scrollLeft = e.currentTarget.scrollLeft;
          }}
        >
          {ready && total === 0 && (
            <div className="empty muted">{!complete ? (filtered ? 'Searching…' : 'Indexing…') : filtered ? 'No record matches.' : 'No records in this file.'}</div>
          )}
          <div className={timeSeq ? 'record-table-body seq-time' : 'record-table-body'} style={{ height: list.height }}>
            {items.map((item) => {
              const r = rowAt(item.index);
              const selected = isSelected(item.index);
              const crcMismatch = r && r.storedCrc !== undefined && r.computedCrc !== undefined && r.storedCrc !== r.computedCrc;
              return (
                <div
                  key={item.index}
                  id={`record-row-${item.index}`}
                  role="option"
                  aria-selected={selected}
                  // Only the rows near the view are rendered: each says where it is among all of the table's.
                  aria-setsize={total}
                  aria-posinset={item.index + 1}
                  className={`record-row st-${r?.status ?? 'loading'}${selected ? ' selected' : ''}`}
                  style={{ position: 'absolute', top: 0, left: 0, width: '100%', height: ROW_HEIGHT, transform: `translateY(${item.top}px)` }}
                  data-offset={r?.offset}
                  data-status={r?.status}
                  title={r?.problem}
                  onClick={() => void selectRow(item.index)}
                >
                  {r ? (
                    <>
                      {/* Each cell is named for a screen reader (the column titles are drawn apart, hidden from it). */}
                      <span className="sr-only"> offset </span>
                      <span className="c-off">{r.offset}</span>
                      <span className="sr-only l-len"> length </span>
                      <span className="c-len">{r.length}</span>
                      <span className="sr-only"> type </span>
                      <span className="c-type">{r.kind}</span>
                      {r.sequence !== undefined && <span className="sr-only l-seq">{r.sequenceIsTimestamp ? ' written ' : ' sequence '}</span>}
                      <span className="c-seq" title={r.sequence === undefined ? undefined : (sequenceTitle({ sequence: r.sequence, ...(r.sequenceIsTimestamp ? { sequenceIsTimestamp: true as const } : {}) }) ?? String(r.sequence))}>
                        {r.sequence === undefined ? '' : r.sequenceIsTimestamp ? timestampText(r.sequence).replace(/ UTC$/, '') : r.sequence}
                      </span>
                      <span className="sr-only">{r.status === 'corrupt' || r.status === 'torn' || r.status === 'ignored' ? ' problem ' : r.label !== undefined && r.keyDisplay === undefined ? ' ' : ' key '}</span>
                      {r.status === 'corrupt' || r.status === 'torn' ? (
                        <span className="c-key">
                          {/* The key the damaged record belonged to, where one can be told: first, as a key is elsewhere. */}
                          {r.damagedKey && (
                            <span className="damaged-key" title={`${damagedKeyLabel(r.damagedKey.from, damagedHowOfRow(r))}: ${r.damagedKey.display}`}>
                              <KeyText display={r.damagedKey.display} />
                              <span className="muted">{r.damagedKey.from === 'record' ? ' (unverified) ' : " (the keydir's) "}</span>
                            </span>
                          )}
                          <i>{r.problem}</i>
                        </span>
                      ) : r.status === 'ignored' ? (
                        <span className="c-key">
                          <i className="muted">{r.problem}</i>
                        </span>
                      ) : r.label !== undefined && r.keyDisplay === undefined ? (
                        <span className="c-key" title={r.label}>
                          <i className="muted">{r.label}</i>
                        </span>
                      ) : (
                        <span className="c-key" title={r.keyDisplay !== undefined ? keyTitle(r.keyDisplay) : undefined}>
                          <KeyText display={r.keyDisplay ?? ''} />
                        </span>
                      )}
                      {r.valueLength !== undefined && <span className="sr-only l-val"> value length </span>}
                      <span className="c-val">{r.valueLength ?? ''}</span>
                      {r.storedCrc !== undefined && <span className="sr-only l-crc"> crc </span>}
                      <span
                        className={`c-crc${crcMismatch ? ' bad' : ''}`}
                        title={r.storedCrc === undefined ? undefined : `stored ${hex32(r.storedCrc)}${r.computedCrc !== undefined ? `, computed ${hex32(r.computedCrc)}` : ''}`}
                      >
                        {hex32(r.storedCrc)}
                        {crcMismatch ? ' ≠' : ''}
                      </span>
                      <span className="sr-only"> status </span>
                      <span className="c-status">
                        <span className={`status-pill st-${r.status}`} title={STATUS_TITLES[r.status]}>
                          {r.status}
                        </span>
                      </span>
                    </>
                  ) : (
                    <span className="muted">…</span>
                  )}
                </div>
              );
            })}
          </div>
        </div>
      </section>
      <section className="records-right" aria-label="Bytes and fields">
        <HexPane
          api={api}
          sessionId={sessionId}
          file={file}
          fileSize={file ? fileSize : 0}
          version={version}
          record={record}
          fieldIndex={fieldIndex}
          cursor={cursor}
          scrollTo={hexScroll.offset}
          scrollNonce={hexScroll.nonce}
          onByte={onByte}
          onError={failed}
        />
        <FieldTree record={record} fieldIndex={fieldIndex} onSelect={selectField} onOpenKey={onOpenKey} deletedNow={deletedNow} />
      </section>
    </div>
  );
}

/**
 * For a tombstone: whether its key has no live value now (a deleted key: the key list's deleted set holds it), once
 * asked (again after each change of the store); undefined for any other record, and while the answer is coming.
 */
function useDeletedNow(api: KvscopeApi, sessionId: string, version: number, record: RecordDetail | null): boolean | undefined {
  const key = record?.kind === 'delete' && record.status === 'tombstone' ? record.key : undefined;
  const [answer, setAnswer] = useState<{ key: string; version: number; deleted: boolean } | null>(null);
  useEffect(() => {
    if (key === undefined) return;
    let live = true;
    void api
      .getValue({ sessionId, key, maxBytes: 0 })
      .then((r) => !r.found)
      .catch(() => false) // a live value that cannot be read is still a live key
      .then((deleted) => live && setAnswer({ key, version, deleted }));
    return () => {
      live = false;
    };
  }, [api, sessionId, version, key]);
  return key !== undefined && answer?.key === key && answer.version === version ? answer.deleted : undefined;
}

function FieldTree({
  record,
  fieldIndex,
  onSelect,
  onOpenKey,
  deletedNow,
}: {
  record: RecordDetail | null;
  fieldIndex: number;
  onSelect: (i: number) => void;
  onOpenKey?: (key: string) => void;
  /** A tombstone's key has no live value now (useDeletedNow). */
  deletedNow: boolean | undefined;
}) {
  if (!record) return <div className="field-tree muted small empty">Select a record or click a byte.</div>;
  const tombstone = record.kind === 'delete' && record.status === 'tombstone';
  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      onSelect(Math.max(0, Math.min(record.fields.length - 1, (fieldIndex < 0 ? -1 : fieldIndex) + (e.key === 'ArrowDown' ? 1 : -1))));
    }
  };
  return (
    <div className="field-tree" aria-label="Record details" role="region" data-testid="record-details" data-record-offset={record.offset} data-record-length={record.length}>
      <div className="field-tree-head small">
        <span className="record-summary">
          <b className="mono">
            {record.kind} @ {record.offset}
          </b>{' '}
          <span className={`status-pill st-${record.status}`}>{record.status}</span>{' '}
          <span className="muted mono">
            {record.length} bytes
            {record.sequence === undefined
              ? ''
              : record.sequenceIsTimestamp
                ? ` · written ${timestampText(record.sequence)} (${record.sequence})`
                : ` · seq ${record.sequence}`}
            {record.keyDisplay !== undefined && (
              <>
                {' · key '}
                <span className="record-key-text">{record.keyDisplay}</span>
              </>
            )}
          </span>
        </span>
        <span className="record-actions">
          {onOpenKey && record.key !== undefined && tombstone && deletedNow === true && (
            <button
              type="button"
              className="small-button key-history-button"
              onClick={() => onOpenKey(record.key!)}
              title="The key has no live value: the key list's deleted keys, with this key selected (where it was deleted, every version, View and Restore)"
            >
              Show deleted key
            </button>
          )}
          {onOpenKey && record.key !== undefined && (record.kind === 'put' || record.kind === 'delete') && !(tombstone && deletedNow !== false) && (
            <button
              type="button"
              className="small-button key-history-button"
              onClick={() => onOpenKey(record.key!)}
              title={
                tombstone
                  ? 'The key is live again (written after this delete): every version of it, and its live value'
                  : record.kind === 'delete'
                    ? 'Every version of this key: when it was written, overwritten and deleted'
                    : 'Every version of this key, and its live value'
              }
            >
              Key history
            </button>
          )}
        </span>
        {/* An ignored line's reason is no error: nothing there is damaged. */}
        {record.problem && <div className={record.status === 'ignored' ? 'small muted' : 'inline-error small'}>{record.problem}</div>}
        {record.damagedKey && (
          <div className="small damaged-key-line" data-testid="damaged-key">
            {damagedKeyLabel(record.damagedKey.from, damagedHowOfRow(record))}: <span className="record-key-text">{record.damagedKey.display}</span>
          </div>
        )}
      </div>
      <ul className="fields" role="tree" aria-label="Fields" tabIndex={0} onKeyDown={onKeyDown}>
        {record.fields.map((f, i) => (
          <li
            key={`${f.name}-${f.start}`}
            role="treeitem"
            aria-selected={i === fieldIndex}
            className={`field${i === fieldIndex ? ' selected' : ''}`}
            data-field={i}
            data-start={f.start}
            data-end={f.end}
            data-role={f.role}
            onClick={() => onSelect(i)}
          >
            <span className={`swatch role-${f.role}`} title={ROLE_LABELS[f.role] ?? f.role} />
            <span className="field-name mono">{f.name}</span>
            <span className="field-range mono muted">
              [{f.start}, {f.end}) {f.end - f.start} B
            </span>
            <span className="field-value mono">{f.display}</span>
            <div className="field-explain small muted">{f.explain}</div>
          </li>
        ))}
      </ul>
    </div>
  );
}
