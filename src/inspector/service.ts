/**
 * The inspector service: one method per contract method, over sessions of
 * open stores. Pure Node (no Electron); the browser host and the Electron main
 * process are thin transports in front of it.
 *
 * Read-only by default: a store is opened without the writer lock and nothing
 * in its directory changes until the user switches the session to read-write.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readHintEntryCount } from '../engine/hints.js';
import { readKeydirImageKeyCount } from '../engine/keydir-image.js';
import type { BrowsableStore, KeyVersion, RecordLocation, SegmentStats, VerifyReport } from '../engine/types.js';
import { CorruptRecordError } from '../engine/errors.js';
import type { FileSummary, FormatFile } from '../engine/formats/format.js';
import { figuresWithDamage, summarizeSegmentWalking } from '../engine/formats/native-summary.js';
import { Yielder } from '../engine/yielder.js';
import { getFormat } from '../engine/formats/registry.js';
import { assertFreshTarget, assertSeparateDirectories, repairStore } from '../engine/repair.js';
import { copyIntoNewStore } from '../engine/copy-live.js';
import { exportToFile } from '../engine/export-file.js';
import { ImportBatches } from '../engine/copy-live.js';
import { checkImportLines, readLines, writeImportLines } from '../engine/import-lines.js';
import { AbortedError } from '../engine/errors.js';
import { runCrashLab } from '../engine/crash-lab.js';
import { followStore, type FollowChange as EngineFollowChange, type StoreFollower } from '../engine/follow.js';
import { uncommittedCompaction, unfinishedCompactionInputs } from '../engine/compaction.js';
import { realFs } from '../engine/fs.js';
import { dataFileName } from '../engine/native/files.js';
import type {
  VersionInfo,
  DamagedKeyInfo,
  DiffSide,
  VersionRef,
  EventListener,
  FrameRow,
  KvscopeEvent,
  KvscopeHandlers,
  KeyFilter,
  Location,
  MethodName,
  RequestOf,
  ResponseOf,
  RecordDetail,
  RecordRow,
  RecordRowStatus,
  SegmentFileInfo,
  SessionInfo,
  StatsResponse,
  VerifyResult,
  DeadSpaceResult,
} from '../shared/contract.js';
import { LIMITS } from '../shared/contract.js';
import { ApiError } from '../shared/errors.js';
import { parseKeyFilterGlob } from './glob.js';
import { describeKey, keyStringToBytes } from '../shared/keytext.js';
import type { DamagedKeyFrom } from '../shared/damaged-key.js';
import { validateRequest } from '../shared/validate.js';
import { toApiError } from './errors.js';
import { JobRunner } from './jobs.js';
import { entryFor, KeyIndex } from './key-index.js';
import type { OpenedHandle, StoreOpener, WritableStore } from './opener.js';
import { RecentList } from './recent.js';
import { userPath } from './paths.js';
import { LabCopies } from './lab-copies.js';
import { CLASS_DELETE, CLASS_PUT, classOf, type FileRecords, type IndexEntry } from './file-records.js';
import { NativeSegmentIndex, RecordIndexCache, range } from './record-index.js';
import { classStatus as statusOfClass, RecordFilter } from './record-filter.js';
import { DeletedKeyList, type FoundDeletedKeys } from './deleted-key-list.js';
import { corruptDiff, diffValues } from './value-diff.js';

/** At most this many problems travel in one verify report. */
const MAX_PROBLEMS = 5000;

/** Sessions kept open at once (a page has one; the host may serve several tabs). */
export const MAX_SESSIONS = 16;
/**
 * How long a records request waits for indexing or a filter to reach its
 * page; after that it answers with what there is (complete: false) and the
 * table asks again.
 */
const RECORDS_WAIT_MS = 250;
/** How long a deletedKeys request waits for the search for deleted keys; after that it answers with its progress. */
const DELETED_KEYS_WAIT_MS = 250;
/**
 * The largest value getValue keeps between windows (see HeldValue): a native
 * store's largest value. A larger one (another format's) is read again for
 * each window.
 */
export const HELD_VALUE_MAX_BYTES = 64 * 1024 * 1024;
/** How long a held value stays unasked for before it goes. */
const HELD_VALUE_IDLE_MS = 30_000;
/** Waits (ms) before each new try of a followed store's reopen that failed: ~4.5 s in all. */
const FOLLOW_REOPEN_RETRIES = [50, 100, 200, 400, 800, 1000, 1000, 1000];

interface Session {
  id: string;
  path: string;
  /** Format id asked for at open time (undefined = detect). */
  requestedFormat: string | undefined;
  handle: OpenedHandle;
  index: KeyIndex;
  records: RecordIndexCache | undefined;
  /** The last record-table filter: it goes on scanning in the background and is reused while paging. */
  filtered?: RecordFilter;
  /** The deleted keys, found when first asked for (deletedKeys). */
  deleted?: DeletedKeyList;
  follower?: StoreFollower;
  /** The newest reopen of a followed store, running or waiting for the one before it. */
  reopening?: Promise<void>;
  /** A reopen that has not started yet: changes seen now are read by it too. */
  reopenQueued?: Promise<void>;
  /** Native data files read for the segments view (records, sequences, damage), by name, while their size, mtime and inode stay the same. */
  segmentSummaries?: Map<string, { version: string; summary: Promise<FileSummary | undefined> }>;
}

/**
 * The last value getValue read whole (and checked: its CRC covers all of it)
 * while a window of it was asked for and more of it followed: the next
 * windows (Load more, Load all) are cut from it instead of reading and
 * checking the whole value again. One value for the whole inspector, known by
 * the store object that read it and the record it came from (a new version
 * of the key is another record; a reopened store another object).
 */
interface HeldValue {
  sessionId: string;
  store: BrowsableStore;
  key: string;
  location: RecordLocation;
  value: Buffer;
  idle: NodeJS.Timeout;
}

function sameRecord(a: RecordLocation, b: RecordLocation): boolean {
  return a.file === b.file && a.segment === b.segment && a.offset === b.offset && a.length === b.length && a.sequence === b.sequence;
}

export interface InspectorOptions {
  opener: StoreOpener;
  /** Where recent.json lives. */
  configDir: string;
  /** Whether stores may be switched to read-write at all (the host's --read-write). Default true. */
  allowWrites?: boolean;
  /** Where crash-lab copies made without a `to` go. Default: the system temp directory. */
  labDir?: string;
}

/** Whether the session's format stores the writer's clock where others store a sequence number (Riak's tstamp). */
function sequenceIsTimestamp(session: Session): boolean {
  return getFormat(session.handle.store.format)?.sequenceIsTimestamp === true;
}

/** How long Verify's end waits for the deleted keys to say which damaged keys are deleted (see withKeyStates). */
export const DELETED_STATE_WAIT_MS = 1000;

function toLocation(loc: RecordLocation): Location {
  const location: Location = { file: loc.file, segment: loc.segment, offset: loc.offset, length: loc.length, sequence: loc.sequence };
  if (loc.sequenceIsOrder) location.sequenceIsOrder = true;
  if (loc.sequenceIsTimestamp) location.sequenceIsTimestamp = true;
  return location;
}

/** A damaged record's key for the contract: 'record' becomes 'keydir' where the store's keydir holds that key at the record's place. */
function damagedKeyInfo(store: BrowsableStore, file: string, offset: number, key: string, from: DamagedKeyFrom): DamagedKeyInfo {
  if (from === 'record') {
    const at = store.locate(keyBytes(key));
    if (at && at.file === file && at.offset === offset) from = 'keydir';
  }
  return { key, display: describeKey(key).display, from };
}

function verifyResult(report: VerifyReport, store: BrowsableStore): VerifyResult {
  return {
    ok: report.ok,
    filesChecked: report.filesChecked,
    recordsChecked: report.recordsChecked,
    problems: report.problems.slice(0, MAX_PROBLEMS).map((p) => ({
      file: p.file,
      offset: p.offset,
      kind: p.kind,
      ...(p.length !== undefined ? { length: p.length } : {}),
      message: p.message,
      ...(p.key ? { damagedKey: damagedKeyInfo(store, p.file, p.offset, p.key.key, p.key.from) } : {}),
    })),
  };
}

function keyBytes(key: string): Buffer {
  const bytes = keyStringToBytes(key);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export class InspectorService implements KvscopeHandlers {
  private readonly sessions = new Map<string, Session>();
  /** Sessions closed by closeSessionsBeyondLimit, to say so when one is asked for again (the latest 1000). */
  private readonly evicted = new Set<string>();
  private readonly listeners = new Set<EventListener>();
  private readonly jobs: JobRunner;
  private readonly recent: RecentList;
  private readonly opener: StoreOpener;
  private readonly allowWrites: boolean;
  /** Bumped by every write and reopen: cached record-table filters depend on the keydir. */
  private writes = 0;
  /** Crash-lab copies this inspector made in the temp directory, deleted once nothing wants them. */
  private readonly labCopies: LabCopies;
  /** The value whose windows are being read (getValue), if any. */
  private held: HeldValue | undefined;

  constructor(options: InspectorOptions) {
    this.opener = options.opener;
    this.allowWrites = options.allowWrites ?? true;
    this.recent = new RecentList(options.configDir);
    this.jobs = new JobRunner((event) => this.emit(event));
    this.labCopies = new LabCopies(options.labDir);
  }

  /**
   * Deletes crash-lab copies that an inspector on this host left when it died
   * (lab-copies.ts: only directories with its marker, made by a process that
   * is gone, over ten minutes ago). Called by the host and the Electron main
   * process as they start.
   */
  sweepAbandonedLabCopies(): string[] {
    return this.labCopies.sweepAbandoned();
  }

  /** Crash-lab copies no longer wanted go: their session closed or made another, and none is open in a session. */
  private pruneLabCopies(): void {
    const open = [...this.sessions.values()].flatMap((s) => [s.path, s.handle.detection.root]);
    this.labCopies.prune(new Set(this.sessions.keys()), open);
  }

  // ------------------------------------------------------------ plumbing

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: KvscopeEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // a broken listener must not break the others
      }
    }
  }

  /**
   * Validates `raw` against the contract and calls the method. Every failure
   * comes back as an ApiError (typed code, message, details).
   */
  async dispatch<M extends MethodName>(method: M, raw: unknown): Promise<ResponseOf<M>> {
    try {
      const request = validateRequest(method, raw);
      const handler = this[method] as (req: RequestOf<M>) => Promise<ResponseOf<M>>;
      return await handler.call(this, request);
    } catch (err) {
      throw toApiError(err);
    }
  }

  /** Closes every open store (a reloaded Electron window starts afresh). */
  async closeAllSessions(): Promise<void> {
    const ids = [...this.sessions.keys()];
    await Promise.allSettled(ids.map((sessionId) => this.closeStore({ sessionId })));
  }

  async close(): Promise<void> {
    this.jobs.cancelAll();
    this.dropHeldValue();
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of sessions) this.stopRecordWork(s);
    await Promise.allSettled(sessions.map((s) => this.stopFollowing(s)));
    await Promise.allSettled(sessions.map((s) => s.handle.store.close()));
    this.labCopies.removeAll();
  }

  private session(sessionId: string): Session {
    const session = this.sessions.get(sessionId);
    if (!session) {
      if (this.evicted.has(sessionId)) {
        throw new ApiError('NO_SESSION', `This store was closed because ${MAX_SESSIONS} others were opened after it was last used (at most ${MAX_SESSIONS} stay open); open it again`);
      }
      throw new ApiError('NO_SESSION', 'This store is not open (it may have been closed); open it again');
    }
    // Most recently used last: the first session of the map is the one to close when too many are open.
    this.sessions.delete(sessionId);
    this.sessions.set(sessionId, session);
    return session;
  }

  /**
   * Close the least recently used sessions beyond MAX_SESSIONS (those running
   * a job are kept): a page that crashed or never said goodbye leaves its
   * session open, and each holds its store's keydir (~0.4 GB at 1M keys).
   */
  private async closeSessionsBeyondLimit(): Promise<void> {
    for (const session of [...this.sessions.values()]) {
      if (this.sessions.size <= MAX_SESSIONS) return;
      if (this.jobs.runningFor(session.id)) continue;
      this.evicted.add(session.id);
      if (this.evicted.size > 1000) this.evicted.delete(this.evicted.values().next().value!);
      await this.closeStore({ sessionId: session.id });
    }
  }

  private writable(session: Session, what: string): WritableStore {
    const native = session.handle.native;
    if (!native || !this.opener.isWritable(session.handle.store.format)) {
      throw new ApiError('NOT_WRITABLE', `Cannot ${what}: the ${session.handle.store.format} format is read-only in kvscope`);
    }
    if (session.handle.store.readOnly) {
      throw new ApiError('READ_ONLY', `Cannot ${what}: the store is open read-only. Switch to read-write first.`);
    }
    return native;
  }

  private info(session: Session): SessionInfo {
    const { store, detection, warnings } = session.handle;
    return {
      sessionId: session.id,
      path: session.path,
      root: detection.root,
      format: store.format,
      writable: this.allowWrites && this.opener.isWritable(store.format),
      // A foreign format is never written, whatever the host allows: restarting with --read-write would not help.
      ...(!this.opener.isWritable(store.format)
        ? {
            notWritableReason: `kvscope writes only its own format, and this store is ${store.format} (Copy into a new kvscope store… makes a copy you can edit${
              this.allowWrites ? '' : ', in an inspector started with --read-write'
            })`,
          }
        : !this.allowWrites
          ? { notWritableReason: 'This inspector was started read-only: restart it with --read-write' }
          : {}),
      readOnly: store.readOnly,
      keyCount: store.keyCount(),
      detection: { format: detection.format, confidence: detection.confidence, reason: detection.reason },
      warnings,
      openReport: session.handle.openReport ?? warnings.map((text) => ({ kind: 'problem' as const, text })),
    };
  }

  /** Refuses read-write while another process (or another session of ours) holds the store. */
  private assertNotLocked(root: string, exceptSession?: string): void {
    for (const other of this.sessions.values()) {
      if (other.id !== exceptSession && other.handle.detection.root === root && !other.handle.store.readOnly) {
        throw new ApiError('LOCKED', `${root} is already open for writing in another tab or window of this inspector`, {
          pid: process.pid,
        });
      }
    }
    const holder = this.opener.lockHolder(root);
    if (holder !== undefined && holder !== process.pid) {
      throw new ApiError(
        'LOCKED',
        `${root} is locked by another writer (pid ${holder}); stop that process or keep browsing read-only`,
        { pid: holder },
      );
    }
  }

  /** Repair and the crash lab create files (never in the store): only when this inspector may write. */
  private assertFilesMayBeWritten(what: string): void {
    if (!this.allowWrites) {
      throw new ApiError('READ_ONLY', `Cannot ${what}: this inspector was started read-only; restart it with --read-write`);
    }
  }

  private assertWritesAllowed(): void {
    if (!this.allowWrites) {
      throw new ApiError('READ_ONLY', 'This inspector was started read-only; restart it with --read-write to edit stores');
    }
  }

  // ------------------------------------------------------------ sessions

  async openStore(request: RequestOf<'openStore'>): Promise<SessionInfo> {
    const req = { ...request, path: userPath(request.path) };
    const info = await stat(req.path).catch((err: unknown) => {
      throw toApiError(err);
    });
    if (!info.isDirectory()) throw new ApiError('NOT_A_STORE', `${req.path} is not a directory`);
    if (req.readWrite) this.assertWritesAllowed();
    let handle = await this.opener.open(req.path, { format: req.format, readOnly: true });
    if (req.readWrite) {
      if (!this.opener.isWritable(handle.store.format)) {
        await handle.store.close();
        throw new ApiError('NOT_WRITABLE', `The ${handle.store.format} format is read-only in kvscope`);
      }
      try {
        this.assertNotLocked(handle.detection.root);
      } catch (err) {
        await handle.store.close();
        throw err;
      }
      await handle.store.close();
      handle = await this.opener.open(req.path, { format: req.format, readOnly: false });
    }
    const id = 's_' + randomBytes(8).toString('hex');
    const session: Session = {
      id,
      path: req.path,
      requestedFormat: req.format,
      handle,
      index: new KeyIndex(handle.store),
      records: undefined,
    };
    this.sessions.set(id, session);
    await this.closeSessionsBeyondLimit();
    await this.recent.add(req.path, handle.store.format).catch(() => undefined);
    return this.info(session);
  }

  /** A new key index for the session's (re)opened store; the old one stops its background work. */
  private replaceIndex(session: Session): void {
    this.dropHeldValue(session.id);
    session.index.dispose();
    session.index = new KeyIndex(session.handle.store);
  }

  async closeStore(req: RequestOf<'closeStore'>): Promise<{ ok: true }> {
    const session = this.sessions.get(req.sessionId);
    if (!session) return { ok: true };
    const job = this.jobs.runningFor(session.id);
    if (job) this.jobs.cancel(job);
    this.sessions.delete(session.id);
    this.dropHeldValue(session.id);
    session.index.dispose();
    this.stopRecordWork(session);
    await this.stopFollowing(session);
    await session.handle.store.close();
    this.pruneLabCopies();
    return { ok: true };
  }

  async setMode(req: RequestOf<'setMode'>): Promise<SessionInfo> {
    const session = this.session(req.sessionId);
    const { store } = session.handle;
    if (req.readWrite === !store.readOnly) return this.info(session);
    if (this.jobs.runningFor(session.id)) throw new ApiError('BUSY', 'Wait for the running job to finish first');
    if (req.readWrite) {
      if (!this.opener.isWritable(store.format)) {
        throw new ApiError('NOT_WRITABLE', `The ${store.format} format is read-only in kvscope`);
      }
      this.assertWritesAllowed();
      this.assertNotLocked(session.handle.detection.root, session.id);
    }
    await this.stopFollowing(session);
    await store.close();
    try {
      session.handle = await this.opener.open(session.path, {
        format: session.requestedFormat,
        readOnly: !req.readWrite,
      });
    } catch (err) {
      // Could not switch: keep the session usable in the mode it had.
      session.handle = await this.opener.open(session.path, { format: session.requestedFormat, readOnly: true });
      this.replaceIndex(session);
      throw err;
    }
    this.replaceIndex(session);
    return this.info(session);
  }

  // ------------------------------------------------------------ browsing

  async listKeys(req: RequestOf<'listKeys'>): Promise<ResponseOf<'listKeys'>> {
    const session = this.session(req.sessionId);
    checkGlob(req.filter);
    // Finding a key needs the sorted list, as a window past the first one does.
    await session.index.prepare(req.filter, req.offset, req.find === undefined ? req.limit : Number.MAX_SAFE_INTEGER);
    const { total, keys } = session.index.window(req.filter, req.offset, req.limit);
    const response: ResponseOf<'listKeys'> = { total, unfilteredTotal: session.handle.store.keyCount(), offset: req.offset, keys };
    if (req.find !== undefined) response.found = session.index.indexOf(req.filter, req.find);
    return response;
  }

  async keyTree(req: RequestOf<'keyTree'>): Promise<ResponseOf<'keyTree'>> {
    const session = this.session(req.sessionId);
    checkGlob(req.filter);
    const index = req.deleted ? await this.deletedKeyIndex(session) : session.index;
    await index.prepare(req.filter);
    const { nodes, truncated } = index.tree(req.filter, req.delimiter, req.prefix);
    return { prefix: req.prefix, nodes, truncated };
  }

  async largestValues(req: RequestOf<'largestValues'>): Promise<ResponseOf<'largestValues'>> {
    const session = this.session(req.sessionId);
    checkGlob(req.filter);
    await session.index.prepare(req.filter);
    const store = session.handle.store;
    const { total, records } = session.index.largest(req.filter, req.limit);
    const values = records.map(({ key, bytes }) => ({ ...entryFor(key), bytes, location: toLocation(store.locate(keyBytes(key))!) }));
    return { total, values };
  }

  /** The deleted keys' index, for their tree: waits for them to be found (as deletedKeys starts that, if need be). */
  private async deletedKeyIndex(session: Session): Promise<KeyIndex> {
    const list = this.deletedList(session, false) ?? (session.deleted = new DeletedKeyList(session.handle.store));
    const found = await this.foundDeletedKeys(session, list, Infinity);
    if (!found) throw new ApiError('ABORTED', 'The search for the deleted keys was cancelled: ask for them again');
    return found.index;
  }

  async getValue(req: RequestOf<'getValue'>): Promise<ResponseOf<'getValue'>> {
    const session = this.session(req.sessionId);
    const store = session.handle.store;
    const key = keyBytes(req.key);
    // The key's live record still the one whose value is held: its next window without reading it again.
    const found = this.heldValue(session.id, store, req.key, store.locate(key)) ?? (await store.getWithLocation(key));
    const offset = req.offset ?? 0;
    if (!found) return { key: req.key, found: false, size: 0, offset, base64: '', truncated: false };
    const maxBytes = req.maxBytes ?? LIMITS.valueWindowDefault;
    const value = found.value;
    // A window starts inside the value or exactly at its end (an empty window: nothing more to read).
    if (offset > value.length) {
      throw new ApiError('BAD_REQUEST', `offset ${offset} is past the end of the value (${value.length} bytes)`, { offset, size: value.length });
    }
    const end = Math.min(value.length, offset + maxBytes);
    // Held while windows of it follow; the one that reaches the end lets it go.
    if (end < value.length && value.length <= HELD_VALUE_MAX_BYTES) this.holdValue(session.id, store, req.key, found.location, value);
    else if (this.held?.value === value) this.dropHeldValue();
    return {
      key: req.key,
      found: true,
      size: value.length,
      offset,
      base64: value.subarray(offset, end).toString('base64'),
      truncated: end < value.length,
      location: toLocation(found.location),
    };
  }

  private heldValue(sessionId: string, store: BrowsableStore, key: string, location: RecordLocation | undefined): { value: Buffer; location: RecordLocation } | undefined {
    const held = this.held;
    if (!held || !location || held.sessionId !== sessionId || held.store !== store || held.key !== key || !sameRecord(held.location, location)) return undefined;
    held.idle.refresh();
    return { value: held.value, location: held.location };
  }

  private holdValue(sessionId: string, store: BrowsableStore, key: string, location: RecordLocation, value: Buffer): void {
    if (this.held?.value === value) return;
    this.dropHeldValue();
    const idle = setTimeout(() => this.dropHeldValue(), HELD_VALUE_IDLE_MS);
    idle.unref();
    this.held = { sessionId, store, key, location, value, idle };
  }

  /** Lets the held value go (only when it is that session's, given one). */
  private dropHeldValue(sessionId?: string): void {
    if (!this.held || (sessionId !== undefined && this.held.sessionId !== sessionId)) return;
    clearTimeout(this.held.idle);
    this.held = undefined;
  }

  async history(req: RequestOf<'history'>): Promise<ResponseOf<'history'>> {
    const session = this.session(req.sessionId);
    const key = keyBytes(req.key);
    // Every version that reads back intact, and a damaged live one as 'corrupt' (Store.history).
    const versions: VersionInfo[] = (await session.handle.store.history(key)).map((v) => ({
      location: toLocation(v.location),
      kind: v.kind,
      valueLength: v.valueLength,
      status: v.status,
    }));
    return { key: req.key, versions };
  }

  /**
   * A window of the deleted keys. Found in the background on the first request (and again after a compaction or a
   * reopen; this service's writes update the list: deletedKeyWritten); a request waits for that at most
   * DELETED_KEYS_WAIT_MS, then answers `complete: false` with progress.
   */
  async deletedKeys(req: RequestOf<'deletedKeys'>): Promise<ResponseOf<'deletedKeys'>> {
    const session = this.session(req.sessionId);
    checkGlob(req.filter);
    const empty = { total: 0, unfilteredTotal: 0, offset: req.offset, keys: [] };
    let list = this.deletedList(session, req.cancel === true);
    if (req.cancel) {
      list?.cancel();
      if (!list || list.cancelled) return { complete: false, cancelled: true, ...empty };
    }
    list ??= session.deleted = new DeletedKeyList(session.handle.store);
    const found = await this.foundDeletedKeys(session, list, DELETED_KEYS_WAIT_MS);
    if (!found) return { complete: false, ...(list.cancelled ? { cancelled: true as const } : { progress: list.progress }), ...empty };
    await found.index.prepare(req.filter, req.offset, req.find === undefined ? req.limit : Number.MAX_SAFE_INTEGER);
    const { total, keys } = found.index.window(req.filter, req.offset, req.limit);
    const response: ResponseOf<'deletedKeys'> = {
      complete: true,
      total,
      unfilteredTotal: found.count,
      offset: req.offset,
      keys: keys.map((k) => ({ ...k, deletedAt: toLocation(found.deletedAt(k.key)!) })),
    };
    if (req.find !== undefined) response.found = found.index.indexOf(req.filter, req.find);
    return response;
  }

  /** The session's deleted-key list if it is for its store now (not failed; not cancelled unless `cancelled` is asked for); else none. */
  private deletedList(session: Session, cancelled: boolean): DeletedKeyList | undefined {
    const list = session.deleted;
    if (list && (list.store !== session.handle.store || list.failed || (list.cancelled && !cancelled))) {
      list.dispose();
      session.deleted = undefined;
      return undefined;
    }
    return list;
  }

  /** The list's keys once found, waiting at most `ms` for them; a search that failed is dropped (the next request searches again). */
  private async foundDeletedKeys(session: Session, list: DeletedKeyList, ms: number): Promise<FoundDeletedKeys | undefined> {
    try {
      return await list.ready(ms);
    } catch (err) {
      if (session.deleted === list) session.deleted = undefined;
      throw err;
    }
  }

  async stats(req: RequestOf<'stats'>): Promise<StatsResponse> {
    const session = this.session(req.sessionId);
    const s = session.handle.store.stats();
    const native = session.handle.native;
    const response: StatsResponse = {
      format: s.format,
      keys: s.keys,
      segments: s.segments,
      totalBytes: s.totalBytes,
      liveBytes: s.liveBytes,
      deadBytes: s.deadBytes,
      ...(s.overheadBytes !== undefined ? { overheadBytes: s.overheadBytes } : {}),
      ...(s.fileBytes !== undefined ? { fileBytes: s.fileBytes } : {}),
      ...(s.figuresFrom !== undefined ? { figuresFrom: s.figuresFrom } : {}),
      ...(s.recordsReadBecause !== undefined ? { recordsReadBecause: s.recordsReadBecause.map(({ file, why }) => ({ file, why })) } : {}),
      spaceAmplification: Number.isFinite(s.spaceAmplification) ? s.spaceAmplification : null,
      perSegment: s.perSegment.map((p) => ({
        file: p.file,
        segment: p.segment,
        bytes: p.bytes,
        records: p.records,
        liveBytes: p.liveBytes,
        staleBytes: p.staleBytes,
        tombstoneBytes: p.tombstoneBytes,
        corruptBytes: p.corruptBytes,
        active: p.active,
      })),
    };
    if (native && this.opener.isWritable(s.format)) response.compactionPlan = native.compactionPlan();
    return response;
  }

  // ------------------------------------------------------------ writes

  /** A write of `key` (a put, or a delete that wrote `tombstone`) went through: the deleted-key list follows it, without searching again. */
  private deletedKeyWritten(session: Session, store: WritableStore, key: string, tombstone?: RecordLocation): void {
    if (session.deleted?.store === session.handle.store) session.deleted.written(key, store.has(keyBytes(key)), tombstone);
  }

  async putValue(req: RequestOf<'putValue'>): Promise<ResponseOf<'putValue'>> {
    const session = this.session(req.sessionId);
    const store = this.writable(session, 'save a value');
    const key = keyBytes(req.key);
    await store.put(key, Buffer.from(req.valueBase64, 'base64'));
    this.writes++;
    this.deletedKeyWritten(session, store, req.key);
    this.emit({ type: 'store-changed', sessionId: session.id });
    const location = store.locate(key);
    return { ...(location ? { location: toLocation(location) } : {}), keyCount: store.keyCount() };
  }

  async deleteKey(req: RequestOf<'deleteKey'>): Promise<ResponseOf<'deleteKey'>> {
    const session = this.session(req.sessionId);
    const store = this.writable(session, 'delete a key');
    const tombstone = await store.deleteAndLocate(keyBytes(req.key));
    this.writes++;
    if (tombstone) this.deletedKeyWritten(session, store, req.key, tombstone);
    this.emit({ type: 'store-changed', sessionId: session.id });
    return { deleted: tombstone !== undefined, keyCount: store.keyCount() };
  }

  async compact(req: RequestOf<'compact'>): Promise<ResponseOf<'compact'>> {
    const session = this.session(req.sessionId);
    const store = this.writable(session, 'compact');
    const planned = store.compactionPlan();
    const jobId = this.jobs.start(
      session.id,
      ({ signal, onProgress }) =>
        store.compact({ signal, onProgress }).finally(() => {
          this.writes++;
          // It dropped tombstones (and may have moved them): the deleted keys are found again when next asked for.
          if (session.deleted?.store === store) {
            session.deleted.dispose();
            session.deleted = undefined;
          }
        }),
      (result) => ({
        type: 'job-done',
        jobId: '',
        sessionId: session.id,
        kind: 'compact',
        result: {
          planned,
          inputSegments: result.inputSegments,
          outputSegments: result.outputSegments,
          segmentsBefore: result.segmentsBefore,
          segmentsAfter: result.segmentsAfter,
          bytesBefore: result.bytesBefore,
          bytesAfter: result.bytesAfter,
          reclaimedBytes: result.reclaimedBytes,
          recordsDropped: result.recordsDropped,
        },
      }),
      toApiError,
    );
    return { jobId };
  }

  async cancelJob(req: RequestOf<'cancelJob'>): Promise<ResponseOf<'cancelJob'>> {
    return { cancelled: this.jobs.cancel(req.jobId) };
  }

  // ------------------------------------------------------------ records, bytes, verify

  private recordCache(session: Session): RecordIndexCache {
    if (!session.records) {
      const description = getFormat(session.handle.store.format);
      if (!description) throw new ApiError('NOT_SUPPORTED', `No format description for ${session.handle.store.format}`);
      session.records = new RecordIndexCache(description, session.handle.detection.root);
    }
    return session.records;
  }

  /** Background indexing and filtering of a closed session stop. */
  private stopRecordWork(session: Session): void {
    session.deleted?.dispose();
    session.deleted = undefined;
    session.filtered?.stop();
    session.filtered = undefined;
    session.records?.clear();
  }

  /** The file's record index (indexing goes on in the background until the whole file is indexed). */
  private async fileRecords(session: Session, file: string): Promise<FileRecords> {
    const records = await this.recordCache(session).get(file);
    if (!records) throw noSuchFile(file);
    records.start();
    return records;
  }

  /** Status of a record from its class and, for a put, the keydir. */
  private classStatus(session: Session, file: string, cls: number, key: Uint8Array | undefined, offset: number): RecordRowStatus {
    // A sound record after damage at which the engine stops reading its file: never read by it.
    if ((cls === CLASS_DELETE || cls === CLASS_PUT) && offset >= (session.handle.store.unreadFrom?.(file) ?? Infinity)) return 'unread';
    const byClass = statusOfClass(cls);
    if (byClass !== undefined) return byClass;
    if (key === undefined) return 'meta';
    const loc = session.handle.store.locate(key);
    return loc && loc.file === file && loc.offset === offset ? 'live' : 'shadowed';
  }

  private rowStatus(session: Session, file: string, e: IndexEntry): RecordRowStatus {
    return this.classStatus(session, file, classOf(e), e.key === undefined ? undefined : keyBytes(e.key), e.offset);
  }

  private row(session: Session, file: string, index: number, e: IndexEntry): RecordRow {
    const row: RecordRow = { index, offset: e.offset, length: e.length, kind: e.kind, status: this.rowStatus(session, file, e) };
    if (e.sequence !== undefined) {
      row.sequence = e.sequence;
      if (sequenceIsTimestamp(session)) row.sequenceIsTimestamp = true;
    }
    if (e.key !== undefined) {
      row.key = e.key;
      row.keyDisplay = describeKey(e.key).display;
    }
    if (e.valueLength !== undefined) row.valueLength = e.valueLength;
    if (e.storedCrc !== undefined) row.storedCrc = e.storedCrc;
    if (e.computedCrc !== undefined) row.computedCrc = e.computedCrc;
    if (e.problem !== undefined) row.problem = e.problem;
    // A damaged record's key: as its bytes read (a format that gives the record as itself keeps it as its key).
    const damaged = e.status === 'valid' ? undefined : (e.damagedKey ?? e.key);
    if (damaged !== undefined) row.damagedKey = damagedKeyInfo(session.handle.store, file, e.offset, damaged, 'record');
    if (e.label !== undefined) row.label = e.label;
    return row;
  }

  /**
   * Every data and hint file with its byte breakdown. A native store keeps
   * these figures per segment from its replay, so its files are not decoded
   * here; but an open from hints or the keydir image never read the records,
   * so each data file is read once with the fast walk for its records,
   * sequences and damaged regions (segmentSummary: ~0.3 s for the 180 MB of a
   * 1M-key store the first time, the event loop given back every few ms;
   * then only files that changed), and damaged bytes the store counted live
   * or stale are corrupt, as in `kvscope segments`. A file the session has
   * completely indexed (record table) shows what indexing found. Foreign
   * formats are decoded file by file.
   */
  async segments(req: RequestOf<'segments'>): Promise<ResponseOf<'segments'>> {
    const session = this.session(req.sessionId);
    const native = session.handle.native;
    const fromStore = native !== undefined && session.handle.store === native;
    const cache = this.recordCache(session);
    const stats = session.handle.store.stats();
    const perSegment = new Map(stats.perSegment.map((s) => [s.file, s]));
    const files: SegmentFileInfo[] = [];
    for (const file of cache.files()) {
      if (file.unreadable !== undefined) {
        files.push(unreadableFileInfo(file));
        continue;
      }
      const kept = perSegment.get(file.name);
      let records = fromStore ? await cache.completed(file.name) : undefined;
      if (fromStore && !records) {
        if (file.role === 'hint' || file.role === 'keydir') {
          files.push(metadataFileInfo(session.handle.detection.root, file));
          continue;
        }
        if (kept) {
          // The store's figures come from its replay, which from hints or the keydir image never read the records:
          // a record that fails its checksum counted live or stale. Reading the file (as `kvscope segments` does)
          // finds it. A segment whose records the open read (or this process wrote) has its damage counted already.
          const summary = native.figuresFromIndex(file.name) ? await this.segmentSummary(session, file) : undefined;
          files.push(segmentInfoFromStats(kept, summary, (ranges) => native.liveBytesWithin(file.name, ranges)));
          continue;
        }
      }
      records ??= await cache.get(file.name);
      if (!records) continue;
      if (!records.complete) {
        records.start();
        await records.waitFor(() => false);
      }
      files.push(this.decodedFileInfo(session, file, records, kept));
    }
    if (sequenceIsTimestamp(session)) for (const f of files) if (f.oldestSequence !== null) f.sequenceIsTimestamp = true;
    // Data files whose records the open read, not their hints (a Riak cask's), and why: as `kvscope stats` says.
    const readBecause = new Map((stats.recordsReadBecause ?? []).map((r) => [r.file, r.why]));
    for (const f of files) {
      const why = f.role === 'data' ? readBecause.get(f.file) : undefined;
      if (why !== undefined) f.readInsteadOfHint = why;
    }
    const response: ResponseOf<'segments'> = { format: session.handle.store.format, files };
    if (native && this.opener.isWritable(session.handle.store.format)) response.compactionPlan = native.compactionPlan();
    const replaced = native ? unfinishedCompactionInputs(realFs, session.handle.detection.root) : undefined;
    if (replaced) response.unfinishedCompaction = { replacedSegments: replaced.map((id) => dataFileName(id)) };
    const uncommitted = native ? uncommittedCompaction(realFs, session.handle.detection.root) : undefined;
    if (uncommitted) response.uncommittedCompaction = { files: uncommitted.files, bytes: uncommitted.bytes, writerPid: uncommitted.writerPid ?? null };
    return response;
  }

  /**
   * A native data file's records, sequences and damaged regions, read with
   * the walk (native-summary.ts: one CRC per window, the event loop given back
   * every few milliseconds), once per version of the file: sealed segments
   * never change, so a segments view asked for again reads only the files
   * that did. Undefined when the file cannot be read now (the store's own
   * figures are shown).
   */
  private segmentSummary(session: Session, file: FormatFile): Promise<FileSummary | undefined> {
    const path = join(session.handle.detection.root, file.name);
    let version: string;
    try {
      const info = statSync(path);
      version = `${info.size}:${info.mtimeMs}:${info.ino}`;
    } catch {
      return Promise.resolve(undefined);
    }
    const cache = (session.segmentSummaries ??= new Map());
    const have = cache.get(file.name);
    if (have && have.version === version) return have.summary;
    const yielder = new Yielder('segments');
    const summary = summarizeSegmentWalking(realFs, path, { pause: () => yielder.tick(0, 0) }).catch(() => undefined);
    cache.set(file.name, { version, summary });
    return summary;
  }

  private decodedFileInfo(session: Session, file: FormatFile, records: FileRecords, kept: SegmentStats | undefined): SegmentFileInfo {
    const s = records.summary();
    const info: SegmentFileInfo = {
      file: file.name,
      role: file.role === 'hint' || file.role === 'keydir' ? file.role : 'data',
      id: file.id,
      bytes: s.bytes,
      records: s.records,
      liveBytes: 0,
      staleBytes: 0,
      tombstoneBytes: 0,
      corruptBytes: 0,
      metaBytes: 0,
      oldestSequence: s.oldestSequence,
      newestSequence: s.newestSequence,
      active: kept?.active ?? false,
    };
    if (info.role !== 'data') {
      info.metaBytes = s.bytes;
      return info;
    }
    let live = 0;
    const native = session.handle.native;
    if (records instanceof NativeSegmentIndex && kept && native) {
      // The keydir's figure for the segment (reading every key of a large segment again would take seconds),
      // less what it points at in damaged records: those bytes count as corrupt.
      live = Math.max(0, Math.min(kept.liveBytes - native.liveBytesWithin(file.name, s.damaged), s.putBytes));
    } else if (kept && !native && kept.bytes === s.bytes) {
      // A foreign store counted its live records as it replayed the file, as large as it is now (a lookup per key took
      // 0.8 s at a million keys, holding the event loop).
      // One the open took from its hint counted its records live whatever their state: those in damaged regions are not.
      const store = session.handle.store;
      const unread = s.damaged.length > 0 && store.figuresFromIndex?.(file.name) === true ? (store.liveBytesWithin?.(file.name, s.damaged) ?? 0) : 0;
      live = Math.min(kept.liveBytes - unread, s.putBytes);
    } else {
      records.forEachKey(0, records.count, (i, key) => {
        if (this.classStatus(session, file.name, records.classAt(i), key, records.offsetAt(i)) === 'live') live += records.lengthAt(i);
      });
    }
    // Sound records after damage at which the program stops reading the file (their rows say 'unread'): it never read
    // them, so they are neither stale nor tombstones; counted apart, as `kvscope segments` counts them.
    const unreadFrom = session.handle.store.unreadFrom?.(file.name);
    const unread = { put: 0, delete: 0 };
    if (unreadFrom !== undefined) {
      for (let i = 0; i < records.count; i++) {
        if (records.offsetAt(i) < unreadFrom) continue;
        const cls = records.classAt(i);
        if (cls === CLASS_PUT) unread.put += records.lengthAt(i);
        else if (cls === CLASS_DELETE) unread.delete += records.lengthAt(i);
      }
    }
    info.liveBytes = live;
    info.staleBytes = s.putBytes - live - unread.put + s.uncommittedBytes;
    info.tombstoneBytes = s.tombstoneBytes - unread.delete;
    if (unread.put + unread.delete > 0) info.unreadBytes = unread.put + unread.delete;
    info.corruptBytes = s.corruptBytes;
    info.metaBytes = s.metaBytes;
    return info;
  }

  /** The session's filter for this request, reused while its file, index and (for live/shadowed) the keydir stay the same. */
  private recordFilter(session: Session, file: string, records: FileRecords, needle: string | undefined, status: RecordRowStatus | undefined): RecordFilter {
    // Live and shadowed change with every write; the other statuses and keys do not.
    const storeState = status === 'live' || status === 'shadowed' ? `${session.handle.store.keyCount()}:${this.writes}` : '';
    const cacheKey = [file, records.generation, needle ?? '', status ?? '', storeState].join('\u0000');
    const have = session.filtered;
    if (have && have.cacheKey === cacheKey && have.records === records && !have.stale) return have;
    have?.stop();
    const filter = new RecordFilter(cacheKey, records, needle, status, (cls, key, offset) => this.classStatus(session, file, cls, key, offset));
    session.filtered = filter;
    filter.start();
    return filter;
  }

  async records(req: RequestOf<'records'>): Promise<ResponseOf<'records'>> {
    const session = this.session(req.sessionId);
    const records = await this.fileRecords(session, req.file);
    const needle = req.key ? req.key : undefined;
    const end = req.start + req.limit;
    let total: number;
    let indices: ArrayLike<number>;
    let complete: boolean;
    let scanned: number | undefined;
    if (needle !== undefined || req.status !== undefined) {
      const filter = this.recordFilter(session, req.file, records, needle, req.status);
      await filter.waitFor(() => filter.total >= end, RECORDS_WAIT_MS);
      total = filter.total;
      indices = filter.slice(req.start, end);
      complete = filter.done;
      scanned = filter.scannedRecords;
    } else {
      await records.waitFor(() => records.count >= end, RECORDS_WAIT_MS);
      total = records.count;
      indices = range(Math.min(req.start, total), Math.min(end, total));
      complete = records.complete;
    }
    const entries = records.entries(indices);
    const rows = entries.map((e, x) => this.row(session, req.file, indices[x]!, e));
    const response: ResponseOf<'records'> = {
      file: req.file,
      fileSize: records.fileSize,
      total,
      unfilteredTotal: records.count,
      frameRows: frameRows(records),
      ignoredRows: records.ignoredCount,
      start: req.start,
      rows,
      complete,
      indexedBytes: records.indexedBytes,
    };
    if (scanned !== undefined) response.scanned = scanned;
    return response;
  }

  /** The index of the record holding byte `offset`, indexing the file up to it first (-1 past the end). */
  private async indexHolding(records: FileRecords, offset: number): Promise<number> {
    if (records.indexedBytes <= offset) await records.waitFor(() => records.indexedBytes > offset);
    return records.indexAt(offset);
  }

  async recordAt(req: RequestOf<'recordAt'>): Promise<ResponseOf<'recordAt'>> {
    const session = this.session(req.sessionId);
    const records = await this.fileRecords(session, req.file);
    // Exactly at the end: no record there (null); past it: not an offset of this file.
    if (req.offset > records.fileSize) {
      throw new ApiError('BAD_REQUEST', `offset ${req.offset} is past the end of ${req.file} (${records.fileSize} bytes)`, { offset: req.offset, size: records.fileSize });
    }
    const index = await this.indexHolding(records, req.offset);
    const indexed = { indexedRecords: records.count, complete: records.complete };
    if (index < 0) return { file: req.file, record: null, ...indexed };
    const entry = records.entries([index])[0]!;
    const decoded = records.detail(index);
    const detail: RecordDetail = {
      ...this.row(session, req.file, index, entry),
      ...(decoded.valueOffset !== undefined ? { valueOffset: decoded.valueOffset } : {}),
      fields: decoded.fields.map((f) => ({ name: f.name, role: f.role, start: f.start, end: f.end, display: f.display, explain: f.explain })),
    };
    return { file: req.file, record: detail, ...indexed };
  }

  async readBytes(req: RequestOf<'readBytes'>): Promise<ResponseOf<'readBytes'>> {
    const session = this.session(req.sessionId);
    const read = this.recordCache(session).readBytes(req.file, req.offset, req.length);
    if (!read) throw noSuchFile(req.file);
    return { file: req.file, fileSize: read.size, offset: Math.min(req.offset, read.size), base64: read.bytes.toString('base64') };
  }

  /** The record starting exactly at `offset`, which must be a valid put. */
  private async putRecordAt(session: Session, file: string, offset: number): Promise<IndexEntry> {
    const records = await this.fileRecords(session, file);
    const index = await this.indexHolding(records, offset);
    const entry = index >= 0 ? records.entries([index])[0] : undefined;
    if (!entry || entry.offset !== offset) throw new ApiError('NOT_FOUND', `No record starts at offset ${offset} of ${file}`);
    if (entry.status !== 'valid' || entry.kind !== 'put' || entry.valueOffset === undefined) {
      throw new ApiError('BAD_REQUEST', `The record at ${file}@${offset} is not a readable put (${entry.status} ${entry.kind})`);
    }
    return entry;
  }

  async recordValue(req: RequestOf<'recordValue'>): Promise<ResponseOf<'recordValue'>> {
    const session = this.session(req.sessionId);
    const entry = await this.putRecordAt(session, req.file, req.offset);
    const size = entry.valueLength ?? 0;
    const want = Math.min(size, req.maxBytes ?? LIMITS.valueWindowDefault);
    const read = this.recordCache(session).readBytes(req.file, entry.valueOffset!, want);
    const bytes = read?.bytes ?? Buffer.alloc(0);
    return {
      key: entry.key ?? '',
      found: true,
      size,
      offset: 0,
      base64: bytes.toString('base64'),
      truncated: bytes.length < size,
      location: {
        file: req.file,
        segment: (await this.fileRecords(session, req.file)).file.id,
        offset: entry.offset,
        length: entry.length,
        sequence: entry.sequence ?? 0,
        ...(entry.sequence !== undefined && sequenceIsTimestamp(session) ? { sequenceIsTimestamp: true as const } : {}),
      },
    };
  }

  /**
   * What changed from one version of a key to another (value-diff.ts). Each is a version the key's history lists
   * (a file and offset) or its live value; one that fails its checks is said, not diffed.
   */
  async diffVersions(req: RequestOf<'diffVersions'>): Promise<ResponseOf<'diffVersions'>> {
    const session = this.session(req.sessionId);
    const versions = await session.handle.store.history(keyBytes(req.key));
    const from = await this.versionToDiff(session, req.key, versions, req.from);
    const to = await this.versionToDiff(session, req.key, versions, req.to);
    const sides = { key: req.key, from: from.side, to: to.side };
    if (from.value === undefined || to.value === undefined) {
      const which = from.value === undefined && to.value === undefined ? 'neither version' : from.value === undefined ? 'the "from" version' : 'the "to" version';
      return { ...sides, ...corruptDiff(from.side.size, to.side.size, `${which} reads back intact (${[from.side.corrupt, to.side.corrupt].filter(Boolean).join('; ')}): nothing compared`) };
    }
    return { ...sides, ...(await diffValues(from.value, to.value, { context: req.context })) };
  }

  /** A version to diff: its place and size, and its value, or why it fails its checks (`side.corrupt`, no value). */
  private async versionToDiff(session: Session, key: string, versions: KeyVersion[], ref: VersionRef): Promise<{ side: DiffSide; value?: Buffer }> {
    const store = session.handle.store;
    const named = describeKey(key).display;
    if ('live' in ref) {
      const live = store.locate(keyBytes(key));
      if (!live) throw new ApiError('NOT_FOUND', `${named} has no live value to compare`);
      const side: DiffSide = { live: true, location: toLocation(live), size: versions.find((v) => sameRecord(v.location, live))?.valueLength ?? 0 };
      try {
        const found = await store.getWithLocation(keyBytes(key));
        if (!found) throw new ApiError('NOT_FOUND', `${named} has no live value to compare`);
        return { side: { ...side, location: toLocation(found.location), size: found.value.length }, value: found.value };
      } catch (err) {
        if (err instanceof CorruptRecordError) return { side: { ...side, corrupt: err.message } };
        throw err;
      }
    }
    const where = `${ref.file} @ ${ref.offset}`;
    const version = versions.find((v) => v.location.file === ref.file && v.location.offset === ref.offset);
    if (!version) throw new ApiError('NOT_FOUND', `The history of ${named} lists no version at ${where}`, { file: ref.file, offset: ref.offset });
    if (version.kind === 'delete') throw new ApiError('BAD_REQUEST', `The version of ${named} at ${where} is a tombstone (the key deleted): it has no value to compare`);
    const side: DiffSide = { live: version.status === 'live', location: toLocation(version.location), size: version.valueLength };
    if (version.status === 'corrupt') return { side: { ...side, corrupt: `the record at ${where} fails its checks` } };
    const records = await this.fileRecords(session, ref.file);
    const index = await this.indexHolding(records, ref.offset);
    const entry = index >= 0 ? records.entries([index])[0] : undefined;
    if (!entry || entry.offset !== ref.offset || entry.status !== 'valid' || entry.valueOffset === undefined) {
      return { side: { ...side, corrupt: `the record at ${where} ${entry?.problem ?? 'does not read back'}` } };
    }
    const read = this.recordCache(session).readBytes(ref.file, entry.valueOffset, entry.valueLength ?? 0);
    if (!read || read.bytes.length !== (entry.valueLength ?? 0)) return { side: { ...side, corrupt: `the value at ${where} is cut short` } };
    return { side: { ...side, size: read.bytes.length }, value: read.bytes };
  }

  async restoreVersion(req: RequestOf<'restoreVersion'>): Promise<ResponseOf<'restoreVersion'>> {
    const session = this.session(req.sessionId);
    const store = this.writable(session, 'restore a version');
    const entry = await this.putRecordAt(session, req.file, req.offset);
    if (entry.key !== req.key) throw new ApiError('BAD_REQUEST', `The record at ${req.file}@${req.offset} belongs to another key`);
    const read = this.recordCache(session).readBytes(req.file, entry.valueOffset!, entry.valueLength ?? 0);
    if (!read || read.bytes.length !== (entry.valueLength ?? 0)) throw new ApiError('CORRUPT', `The value at ${req.file}@${req.offset} is cut short`);
    const key = keyBytes(req.key);
    await store.put(key, read.bytes);
    this.writes++;
    this.deletedKeyWritten(session, store, req.key);
    this.emit({ type: 'store-changed', sessionId: session.id });
    const location = store.locate(key);
    return { ...(location ? { location: toLocation(location) } : {}), keyCount: store.keyCount() };
  }

  async verify(req: RequestOf<'verify'>): Promise<ResponseOf<'verify'>> {
    const session = this.session(req.sessionId);
    const store = session.handle.store;
    const jobId = this.jobs.start(
      session.id,
      async ({ signal, onProgress }) => this.withKeyStates(session, verifyResult(await store.verify({ signal, onProgress }), store)),
      (report) => ({ type: 'job-done', jobId: '', sessionId: session.id, kind: 'verify', report }),
      toApiError,
    );
    return { jobId };
  }

  /** Where the dead space is, by prefix and key: a job reading every record of a kvscope store (dead-space.ts). */
  async deadSpace(req: RequestOf<'deadSpace'>): Promise<ResponseOf<'deadSpace'>> {
    const session = this.session(req.sessionId);
    const store = session.handle.store;
    const prefix = req.prefix ?? '';
    const delimiter = req.delimiter ?? ':';
    const depth = req.depth ?? 1;
    const jobId = this.jobs.start(
      session.id,
      async ({ signal, onProgress }): Promise<DeadSpaceResult> => {
        const dead = await store.deadSpace({ signal, onProgress });
        const grouped = dead.branches(prefix, delimiter, depth);
        const t = dead.totals;
        return {
          prefix,
          delimiter,
          depth,
          keys: grouped.keys,
          deadBytes: grouped.deadBytes,
          deadRecords: grouped.deadRecords,
          overwrittenBytes: t.overwrittenBytes,
          tombstoneBytes: t.tombstoneBytes,
          damagedBytes: t.damagedBytes,
          unreadBytes: t.unreadBytes,
          branches: grouped.branches.slice(0, req.limit).map((b) => ({ ...b, display: entryFor(b.prefix).display })),
          branchCount: grouped.branches.length,
          topKeys: dead.top(req.limit, prefix).map((k) => ({ ...k, display: entryFor(k.key).display })),
        };
      },
      (result) => ({ type: 'job-done', jobId: '', sessionId: session.id, kind: 'dead-space', result }),
      toApiError,
    );
    return { jobId };
  }

  /**
   * The report with each damaged record's key said to be live (it has a value now) or deleted (its newest record a
   * tombstone), for Verify to offer going to it. The deleted keys are looked for only when some key is not live
   * (the search the deleted-key list makes, kept for it), and waited for at most DELETED_STATE_WAIT_MS: Verify's
   * report is not held back by a long search of a large store (which goes on for the deleted-key list), and a key
   * it has not placed by then says neither. A search that fails or is cancelled says none.
   */
  private async withKeyStates(session: Session, report: VerifyResult): Promise<VerifyResult> {
    const store = session.handle.store;
    const keys = report.problems.flatMap((p) => (p.damagedKey ? [p.damagedKey] : []));
    for (const k of keys) if (store.has(keyBytes(k.key))) k.state = 'live';
    if (keys.every((k) => k.state === 'live')) return report;
    let found: FoundDeletedKeys | undefined;
    try {
      const list = this.deletedList(session, false) ?? (session.deleted = new DeletedKeyList(store));
      found = await this.foundDeletedKeys(session, list, DELETED_STATE_WAIT_MS);
    } catch {
      return report; // no deleted keys known: the keys that are not live offer nothing to go to
    }
    for (const k of keys) if (k.state === undefined && found?.deletedAt(k.key) !== undefined) k.state = 'deleted';
    return report;
  }

  async repair(req: RequestOf<'repair'>): Promise<ResponseOf<'repair'>> {
    const session = this.session(req.sessionId);
    this.assertFilesMayBeWritten('write a repaired copy');
    const report = await repairStore(session.path, userPath(req.to), { format: session.handle.store.format });
    return { ...report, lostKeys: report.lostKeys.map((k) => describeKey(k).display) };
  }

  async crashLab(req: RequestOf<'crashLab'>): Promise<ResponseOf<'crashLab'>> {
    const session = this.session(req.sessionId);
    this.assertFilesMayBeWritten('run the crash lab (it writes a damaged copy)');
    // Without a `to`, the copy goes in a directory of our own, deleted once nothing wants it (lab-copies.ts).
    const made = req.to === undefined ? this.labCopies.create(session.id, session.path) : undefined;
    let report: Awaited<ReturnType<typeof runCrashLab>>;
    try {
      report = await runCrashLab(session.path, {
        damage: req.damage,
        format: session.handle.store.format,
        to: made ? made.copyDir : userPath(req.to!),
      });
    } catch (err) {
      if (made) this.labCopies.failed(made.dir);
      throw err;
    }
    if (made) {
      this.labCopies.made(session.id, made.dir);
      this.pruneLabCopies();
    }
    return {
      ...report,
      lost: report.lost.map((k) => describeKey(k).display),
      appeared: report.appeared.map((k) => describeKey(k).display),
      changed: report.changed.map((c) => ({ key: c.key, display: describeKey(c.key).display, before: c.before, after: c.after })),
      problems: report.problems.slice(0, MAX_PROBLEMS).map((p) => ({ file: p.file, offset: p.offset, kind: p.kind, ...(p.length !== undefined ? { length: p.length } : {}), message: p.message })),
    };
  }

  /**
   * A job copying the live keys into a new kvscope store at `to` (copy-live.ts, as `kvscope import --from`). The
   * target is checked before the job starts: missing or empty, apart from the store's directory.
   */
  async copyStore(req: RequestOf<'copyStore'>): Promise<ResponseOf<'copyStore'>> {
    const session = this.session(req.sessionId);
    this.assertFilesMayBeWritten('copy the store (it writes a new store)');
    const target = userPath(req.to);
    const { store, native, detection } = session.handle;
    assertFreshTarget(session.path, target);
    assertSeparateDirectories(detection.root, target, 'the copy');
    const jobId = this.jobs.start(
      session.id,
      ({ signal, onProgress }) =>
        copyIntoNewStore({ store, native }, target, { signal, onProgress: (copied, keys) => onProgress({ phase: 'Copying keys', done: copied, total: keys }) }),
      (copy) => ({
        type: 'job-done',
        jobId: '',
        sessionId: session.id,
        kind: 'copy',
        result: {
          source: session.path,
          format: store.format,
          target,
          copied: copy.copied,
          keys: copy.keys,
          leftOut: copy.leftOut.map((k) => describeKey(k).display),
          leftOutCount: copy.leftOutCount,
        },
      }),
      toApiError,
    );
    return { jobId };
  }

  /**
   * A job writing the live keys the key list shows (its filter) to a file, as `kvscope export` writes them
   * (export-file.ts). Where it goes is checked before the job starts.
   */
  async exportKeys(req: RequestOf<'exportKeys'>): Promise<ResponseOf<'exportKeys'>> {
    const session = this.session(req.sessionId);
    this.assertFilesMayBeWritten('export keys (it writes a file)');
    checkGlob(req.filter);
    const path = userPath(req.path);
    const info = statSync(path, { throwIfNoEntry: false });
    if (info?.isDirectory()) throw new ApiError('BAD_REQUEST', `${path} is a directory: name the file to write`);
    if (info && !req.overwrite) throw new ApiError('BAD_REQUEST', `${path} already exists; replace it only if you mean to`, { exists: true, path });
    if (!statSync(dirname(path), { throwIfNoEntry: false })?.isDirectory()) throw new ApiError('NOT_FOUND', `${dirname(path)} does not exist or is not a directory: the file goes in an existing directory`);
    // A file in the store's directory would be one more file there (detection and the file list read it).
    assertSeparateDirectories(session.path, path, 'the export');
    assertSeparateDirectories(session.handle.detection.root, path, 'the export');
    const { store } = session.handle;
    const index = session.index;
    const jobId = this.jobs.start(
      session.id,
      async ({ signal, onProgress }) => {
        await index.prepare(req.filter);
        const range = index.filtered(req.filter);
        const keys = { length: range.end - range.start, keyAt: (i: number) => range.list.keyAt(range.start + i) };
        const leftOut: string[] = [];
        let leftOutCount = 0;
        const written = await exportToFile(store, keys, path, {
          overwrite: req.overwrite === true,
          signal,
          onProgress: (done, total) => onProgress({ phase: 'Exporting keys', done, total }),
          onUnreadable: (key) => {
            leftOutCount++;
            if (leftOut.length < 100) leftOut.push(describeKey(key.toString('latin1')).display);
          },
        });
        return { path, ...written, keys: keys.length, leftOut, leftOutCount };
      },
      (result) => ({ type: 'job-done', jobId: '', sessionId: session.id, kind: 'export', result }),
      toApiError,
    );
    return { jobId };
  }

  /**
   * A job importing a JSON Lines file into the open kvscope store (read-write), in import-lines.ts's two passes,
   * as `kvscope import FILE`: a bad line imports nothing.
   */
  async importFile(req: RequestOf<'importFile'>): Promise<ResponseOf<'importFile'>> {
    const session = this.session(req.sessionId);
    const store = this.writable(session, 'import keys');
    const path = userPath(req.path);
    const info = statSync(path, { throwIfNoEntry: false });
    if (!info) throw new ApiError('NOT_FOUND', `${path} does not exist`);
    if (!info.isFile()) throw new ApiError('BAD_REQUEST', `${path} is not a file: name the JSON Lines file to import`);
    const jobId = this.jobs.start(
      session.id,
      async ({ signal, onProgress }) => {
        // Checked whole first: how far, by the bytes of the lines read.
        let bytes = 0;
        const checked = await checkImportLines(readLines(createReadStream(path), signal), {
          onLine: (n, line) => {
            bytes += Buffer.byteLength(line) + 1;
            if (n % 1024 === 0) onProgress({ phase: 'Checking lines', done: Math.min(bytes, info.size), total: info.size });
          },
        });
        if (signal.aborted) throw new AbortedError('import');
        if (checked.bad) throw new ApiError('BAD_REQUEST', `${path}:${checked.bad.line}: ${checked.bad.message}; nothing was imported`, { line: checked.bad.line });
        const batches = new ImportBatches(store);
        try {
          await writeImportLines(readLines(createReadStream(path), signal), batches, {
            file: path,
            signal,
            onLine: (at) => {
              if (at % 1024 === 0) onProgress({ phase: 'Importing', done: at, total: checked.lines });
            },
          });
        } finally {
          this.writes++;
          // Its puts and deletes went in by batch, past the deleted-key list: it is found again when next asked for.
          if (session.deleted?.store === store) {
            session.deleted.dispose();
            session.deleted = undefined;
          }
          this.emit({ type: 'store-changed', sessionId: session.id });
        }
        return {
          path,
          lines: checked.lines,
          records: checked.records,
          imported: batches.written,
          throughLine: signal.aborted ? batches.writtenThrough : checked.lines,
          interrupted: signal.aborted,
          keyCount: store.keyCount(),
        };
      },
      (result) => ({ type: 'job-done', jobId: '', sessionId: session.id, kind: 'import', result }),
      toApiError,
    );
    return { jobId };
  }

  // ------------------------------------------------------------ follow

  private async stopFollowing(session: Session): Promise<void> {
    const follower = session.follower;
    session.follower = undefined;
    if (follower) await follower.stop();
    await session.reopening?.catch(() => undefined);
  }

  /**
   * Reopen a followed (read-only) store so keys and values include what the
   * other process wrote. A reopen that is already running may have read the
   * files before the newest write, so it is not reused: one more runs after
   * it (reopens asked for while that one waits share it).
   */
  private reopenFollowed(session: Session): Promise<void> {
    if (session.reopenQueued) return session.reopenQueued;
    const previous = session.reopening ?? Promise.resolve();
    const next: Promise<void> = previous
      .catch(() => undefined)
      .then(() => {
        session.reopenQueued = undefined;
        return this.reopenWithRetries(session);
      })
      .finally(() => {
        if (session.reopening === next) session.reopening = undefined;
      });
    session.reopening = next;
    session.reopenQueued = next;
    return next;
  }

  /**
   * A read-only open can fail while the writer is in the middle of changing a
   * file (a closing writer trims its preallocated tail and writes hints and a
   * keydir image), so a failed reopen is tried again a few times before the
   * failure is reported.
   */
  private async reopenWithRetries(session: Session): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.reopenOnce(session);
      } catch (err) {
        if (attempt >= FOLLOW_REOPEN_RETRIES.length || !session.follower || !this.sessions.has(session.id)) throw err;
        await new Promise((resolveDelay) => setTimeout(resolveDelay, FOLLOW_REOPEN_RETRIES[attempt]));
      }
    }
  }

  private async reopenOnce(session: Session): Promise<void> {
    const old = session.handle;
    const fresh = await this.opener.open(session.path, { format: session.requestedFormat, readOnly: true });
    if (!this.sessions.has(session.id) || !session.follower) {
      await fresh.store.close();
      return;
    }
    session.handle = fresh;
    this.writes++;
    this.replaceIndex(session);
    // Requests still reading the old store get a moment to finish.
    setTimeout(() => void old.store.close().catch(() => undefined), 2000).unref();
  }

  async follow(req: RequestOf<'follow'>): Promise<ResponseOf<'follow'>> {
    const session = this.session(req.sessionId);
    const root = session.handle.detection.root;
    if (!req.enabled) {
      await this.stopFollowing(session);
      return { following: false, lockPid: this.opener.lockHolder(root) ?? null };
    }
    if (!session.handle.native) throw new ApiError('NOT_SUPPORTED', `Follow mode reads kvscope segments; the ${session.handle.store.format} format cannot be followed`);
    if (!session.handle.store.readOnly) throw new ApiError('NOT_SUPPORTED', 'Follow mode watches another process writing; switch this session to read-only first');
    if (!session.follower) {
      // Changes, or files that came and went without one (a compaction that rewrote no newest version): the
      // session is opened again, and the views read what they show again.
      const reopenAndSay = (changes: EngineFollowChange[]) => {
        const follower = session.follower;
        if (!follower) return;
        const shown = changes.slice(-200);
        void this.reopenFollowed(session)
          .then(
            () => undefined,
            (err: unknown) => toApiError(err).toJSON(),
          )
          .then((reloadError) => {
            this.emit({
              ...(reloadError ? { reloadError } : {}),
              type: 'follow-changes',
              sessionId: session.id,
              changes: shown.map((c) => ({ ...c, display: describeKey(c.key).display })),
              dropped: changes.length - shown.length,
              keyCount: session.handle.store.keyCount(),
              lockPid: follower.lockHolder() ?? null,
            });
          });
      };
      session.follower = await followStore(root, { onChanges: reopenAndSay, onFilesChanged: () => reopenAndSay([]) });
    }
    return { following: true, lockPid: session.follower.lockHolder() ?? null };
  }

  // ------------------------------------------------------------ misc

  async listRecent(_req: RequestOf<'listRecent'>): Promise<ResponseOf<'listRecent'>> {
    return { entries: await this.recent.list() };
  }

  async addRecent(req: RequestOf<'addRecent'>): Promise<ResponseOf<'addRecent'>> {
    return { entries: await this.recent.add(userPath(req.path), req.format) };
  }

  async formats(_req: RequestOf<'formats'>): Promise<ResponseOf<'formats'>> {
    return { formats: this.opener.formats() };
  }

  /** Only a shell with a native dialog (Electron) can pick a directory; it overrides this. */
  async chooseDirectory(_req: RequestOf<'chooseDirectory'>): Promise<ResponseOf<'chooseDirectory'>> {
    throw new ApiError('NOT_SUPPORTED', 'No native directory picker here: type the directory path instead');
  }

  /** Only a shell with a native dialog (Electron) can pick a file; it overrides this. */
  async chooseFile(_req: RequestOf<'chooseFile'>): Promise<ResponseOf<'chooseFile'>> {
    throw new ApiError('NOT_SUPPORTED', 'No native file picker here: type the file path instead');
  }
}

/**
 * The answer for a file the store does not have (any more: a compaction
 * removes its input segments and their hints). `details.file` names it, so a
 * view showing that file can tell it went from other things not found.
 */
function noSuchFile(file: string): ApiError {
  return new ApiError('NOT_FOUND', `No data or hint file named ${file} in this store`, { file });
}

/**
 * The header row a file starts with and the trailer row it ends with, when it has them, and the note of no bytes
 * after a text log's last line without '\n' (text-lines' unterminatedLine): not records.
 */
function frameRows(records: FileRecords): FrameRow[] {
  const out: FrameRow[] = [];
  if (records.count > 0 && records.entries([0])[0]!.kind === 'header') out.push('header');
  const last = records.complete && records.count > 1 ? records.entries([records.count - 1])[0]! : undefined;
  if (last?.kind === 'trailer') out.push('trailer');
  else if (last?.kind === 'note') out.push('missing-newline note');
  return out;
}

/** A listed file that cannot be read: a row that says why, with nothing counted. */
function unreadableFileInfo(file: FormatFile): SegmentFileInfo {
  const role = file.role === 'hint' || file.role === 'keydir' ? file.role : 'data';
  return { file: file.name, role, id: file.id, bytes: 0, records: 0, liveBytes: 0, staleBytes: 0, tombstoneBytes: 0, corruptBytes: 0, metaBytes: 0, oldestSequence: null, newestSequence: null, active: false, unreadable: file.unreadable };
}

/**
 * A native segment's figures as the store keeps them from replay, corrected
 * by what reading the file found (`summary`: its records, sequences and
 * damaged regions), as `kvscope segments` shows them.
 */
function segmentInfoFromStats(s: SegmentStats, summary: FileSummary | undefined, liveWithin: (ranges: readonly (readonly [number, number])[]) => number): SegmentFileInfo {
  const { liveBytes, staleBytes, corruptBytes } = summary ? figuresWithDamage(s, summary.damaged, liveWithin) : s;
  return {
    file: s.file,
    role: 'data',
    id: s.segment,
    bytes: s.bytes,
    records: summary?.records ?? s.records,
    liveBytes,
    staleBytes,
    tombstoneBytes: s.tombstoneBytes,
    corruptBytes,
    metaBytes: s.bytes - liveBytes - staleBytes - s.tombstoneBytes - corruptBytes,
    oldestSequence: summary ? summary.oldestSequence : (s.oldestSequence ?? null),
    newestSequence: summary ? summary.newestSequence : (s.newestSequence ?? null),
    active: s.active,
  };
}

/**
 * A native hint file or keydir image: all of it is metadata. A hint's entry
 * count is in its trailer, an image's keys in its header.
 */
function metadataFileInfo(root: string, file: FormatFile): SegmentFileInfo {
  const path = join(root, file.name);
  return {
    file: file.name,
    role: file.role === 'keydir' ? 'keydir' : 'hint',
    id: file.id,
    bytes: file.size,
    records: (file.role === 'keydir' ? readKeydirImageKeyCount(path) : readHintEntryCount(path)) ?? 0,
    liveBytes: 0,
    staleBytes: 0,
    tombstoneBytes: 0,
    corruptBytes: 0,
    metaBytes: file.size,
    oldestSequence: null,
    newestSequence: null,
    active: false,
  };
}

/**
 * A glob filter that is malformed is refused, saying what is wrong (BAD_REQUEST, details.pattern), not answered with
 * no keys: by the parse the key index matches with, so what is refused is exactly what could not be read as written.
 */
function checkGlob(filter: KeyFilter | undefined): void {
  if (filter?.mode !== 'glob') return;
  const { problem } = parseKeyFilterGlob(filter.pattern);
  if (problem !== undefined) throw new ApiError('BAD_REQUEST', `invalid pattern: ${problem}`, { pattern: filter.pattern });
}
