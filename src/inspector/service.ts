/**
 * The inspector service: one method per contract method, over sessions of
 * open stores. Pure Node (no Electron); the browser host and the Electron main
 * process are thin transports in front of it.
 *
 * Read-only by default: a store is opened without the writer lock and nothing
 * in its directory changes until the user switches the session to read-write.
 */
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { RecordLocation } from '../engine/types.js';
import type {
  EventListener,
  KvscopeEvent,
  KvscopeHandlers,
  Location,
  MethodName,
  RequestOf,
  ResponseOf,
  SessionInfo,
  StatsResponse,
} from '../shared/contract.js';
import { LIMITS } from '../shared/contract.js';
import { ApiError } from '../shared/errors.js';
import { keyStringToBytes } from '../shared/keytext.js';
import { validateRequest } from '../shared/validate.js';
import { toApiError } from './errors.js';
import { JobRunner } from './jobs.js';
import { KeyIndex } from './key-index.js';
import type { OpenedHandle, StoreOpener, WritableStore } from './opener.js';
import { RecentList } from './recent.js';

interface Session {
  id: string;
  path: string;
  /** Format id asked for at open time (undefined = detect). */
  requestedFormat: string | undefined;
  handle: OpenedHandle;
  index: KeyIndex;
}

export interface InspectorOptions {
  opener: StoreOpener;
  /** Where recent.json lives. */
  configDir: string;
  /** Whether stores may be switched to read-write at all (the host's --read-write). Default true. */
  allowWrites?: boolean;
}

function toLocation(loc: RecordLocation): Location {
  return { file: loc.file, segment: loc.segment, offset: loc.offset, length: loc.length, sequence: loc.sequence };
}

function keyBytes(key: string): Buffer {
  const bytes = keyStringToBytes(key);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export class InspectorService implements KvscopeHandlers {
  private readonly sessions = new Map<string, Session>();
  private readonly listeners = new Set<EventListener>();
  private readonly jobs: JobRunner;
  private readonly recent: RecentList;
  private readonly opener: StoreOpener;
  private readonly allowWrites: boolean;

  constructor(options: InspectorOptions) {
    this.opener = options.opener;
    this.allowWrites = options.allowWrites ?? true;
    this.recent = new RecentList(options.configDir);
    this.jobs = new JobRunner((event) => this.emit(event));
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
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(sessions.map((s) => s.handle.store.close()));
  }

  private session(sessionId: string): Session {
    const session = this.sessions.get(sessionId);
    if (!session) throw new ApiError('NO_SESSION', 'This store is not open (it may have been closed); open it again');
    return session;
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
      readOnly: store.readOnly,
      keyCount: store.keyCount(),
      detection: { format: detection.format, confidence: detection.confidence, reason: detection.reason },
      warnings,
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

  private assertWritesAllowed(): void {
    if (!this.allowWrites) {
      throw new ApiError('READ_ONLY', 'This inspector was started read-only; restart it with --read-write to edit stores');
    }
  }

  // ------------------------------------------------------------ sessions

  async openStore(req: RequestOf<'openStore'>): Promise<SessionInfo> {
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
      index: new KeyIndex(() => handle.store.sortedKeys()),
    };
    this.sessions.set(id, session);
    await this.recent.add(req.path, handle.store.format).catch(() => undefined);
    return this.info(session);
  }

  async closeStore(req: RequestOf<'closeStore'>): Promise<{ ok: true }> {
    const session = this.sessions.get(req.sessionId);
    if (!session) return { ok: true };
    const job = this.jobs.runningFor(session.id);
    if (job) this.jobs.cancel(job);
    this.sessions.delete(session.id);
    await session.handle.store.close();
    return { ok: true };
  }

  async setMode(req: RequestOf<'setMode'>): Promise<SessionInfo> {
    const session = this.session(req.sessionId);
    const { store } = session.handle;
    if (req.readWrite === !store.readOnly) return this.info(session);
    if (this.jobs.runningFor(session.id)) throw new ApiError('BUSY', 'Wait for the running job to finish first');
    if (req.readWrite) {
      this.assertWritesAllowed();
      if (!this.opener.isWritable(store.format)) {
        throw new ApiError('NOT_WRITABLE', `The ${store.format} format is read-only in kvscope`);
      }
      this.assertNotLocked(session.handle.detection.root, session.id);
    }
    await store.close();
    try {
      session.handle = await this.opener.open(session.path, {
        format: session.requestedFormat,
        readOnly: !req.readWrite,
      });
    } catch (err) {
      // Could not switch: keep the session usable in the mode it had.
      session.handle = await this.opener.open(session.path, { format: session.requestedFormat, readOnly: true });
      session.index = new KeyIndex(() => session.handle.store.sortedKeys());
      throw err;
    }
    session.index = new KeyIndex(() => session.handle.store.sortedKeys());
    return this.info(session);
  }

  // ------------------------------------------------------------ browsing

  async listKeys(req: RequestOf<'listKeys'>): Promise<ResponseOf<'listKeys'>> {
    const session = this.session(req.sessionId);
    const { total, keys } = session.index.window(req.filter, req.offset, req.limit);
    return { total, unfilteredTotal: session.handle.store.keyCount(), offset: req.offset, keys };
  }

  async keyTree(req: RequestOf<'keyTree'>): Promise<ResponseOf<'keyTree'>> {
    const session = this.session(req.sessionId);
    const { nodes, truncated } = session.index.tree(req.filter, req.delimiter, req.prefix);
    return { prefix: req.prefix, nodes, truncated };
  }

  async getValue(req: RequestOf<'getValue'>): Promise<ResponseOf<'getValue'>> {
    const session = this.session(req.sessionId);
    const found = await session.handle.store.getWithLocation(keyBytes(req.key));
    const offset = req.offset ?? 0;
    if (!found) return { key: req.key, found: false, size: 0, offset, base64: '', truncated: false };
    const maxBytes = req.maxBytes ?? LIMITS.valueWindowDefault;
    const value = found.value;
    const start = Math.min(offset, value.length);
    const end = Math.min(value.length, start + maxBytes);
    return {
      key: req.key,
      found: true,
      size: value.length,
      offset: start,
      base64: value.subarray(start, end).toString('base64'),
      truncated: start > 0 || end < value.length,
      location: toLocation(found.location),
    };
  }

  async history(req: RequestOf<'history'>): Promise<ResponseOf<'history'>> {
    const session = this.session(req.sessionId);
    const versions = await session.handle.store.history(keyBytes(req.key));
    return {
      key: req.key,
      versions: versions.map((v) => ({
        location: toLocation(v.location),
        kind: v.kind,
        valueLength: v.valueLength,
        status: v.status,
      })),
    };
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

  async putValue(req: RequestOf<'putValue'>): Promise<ResponseOf<'putValue'>> {
    const session = this.session(req.sessionId);
    const store = this.writable(session, 'save a value');
    const key = keyBytes(req.key);
    await store.put(key, Buffer.from(req.valueBase64, 'base64'));
    this.emit({ type: 'store-changed', sessionId: session.id });
    const location = store.locate(key);
    return { ...(location ? { location: toLocation(location) } : {}), keyCount: store.keyCount() };
  }

  async deleteKey(req: RequestOf<'deleteKey'>): Promise<ResponseOf<'deleteKey'>> {
    const session = this.session(req.sessionId);
    const store = this.writable(session, 'delete a key');
    const deleted = await store.delete(keyBytes(req.key));
    this.emit({ type: 'store-changed', sessionId: session.id });
    return { deleted, keyCount: store.keyCount() };
  }

  async compact(req: RequestOf<'compact'>): Promise<ResponseOf<'compact'>> {
    const session = this.session(req.sessionId);
    const store = this.writable(session, 'compact');
    const jobId = this.jobs.start(
      session.id,
      ({ signal, onProgress }) => store.compact({ signal, onProgress }),
      (result) => ({
        type: 'job-done',
        jobId: '',
        sessionId: session.id,
        result: {
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

  // ------------------------------------------------------------ misc

  async listRecent(_req: RequestOf<'listRecent'>): Promise<ResponseOf<'listRecent'>> {
    return { entries: await this.recent.list() };
  }

  async addRecent(req: RequestOf<'addRecent'>): Promise<ResponseOf<'addRecent'>> {
    return { entries: await this.recent.add(req.path, req.format) };
  }

  async formats(_req: RequestOf<'formats'>): Promise<ResponseOf<'formats'>> {
    return { formats: this.opener.formats() };
  }

  /** Only a shell with a native dialog (Electron) can pick a directory; it overrides this. */
  async chooseDirectory(_req: RequestOf<'chooseDirectory'>): Promise<ResponseOf<'chooseDirectory'>> {
    throw new ApiError('NOT_SUPPORTED', 'No native directory picker here: type the directory path instead');
  }
}
