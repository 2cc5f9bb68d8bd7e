/**
 * Which page opened which session, and whether that page is still there.
 *
 * A page closes its store as it unloads (pagehide → closeStore), but a
 * browser that is killed or crashes says nothing: its sessions stayed open
 * until the host stopped, a read-write one holding the store's writer lock,
 * so no other page could switch that store to read-write. The page names
 * itself on each request and on its /events WebSocket (PAGE_HEADER, a random
 * id per page load); when a page has sessions and no open WebSocket for
 * `graceMs`, its sessions are closed. The grace covers a WebSocket that
 * drops and reconnects (the page retries within seconds), and a page whose
 * socket has not connected yet.
 *
 * Chosen over letting another page "take over" the lock: nothing is needed
 * from the person, and a page that is only briefly disconnected keeps its
 * lock. Requests without a page id (scripts, tests) are not tracked.
 */
export interface PageTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: PageTimers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Default time a page may be without its WebSocket before its sessions close. */
export const PAGE_GRACE_MS = 45_000;

export class PageSessions {
  private readonly sockets = new Map<string, number>();
  private readonly sessions = new Map<string, Set<string>>();
  private readonly timers = new Map<string, unknown>();

  constructor(
    private readonly graceMs: number,
    private readonly closeSessions: (sessionIds: string[]) => Promise<void>,
    private readonly clock: PageTimers = realTimers,
  ) {}

  /** A session opened by `page`. */
  opened(page: string, sessionId: string): void {
    let set = this.sessions.get(page);
    if (!set) this.sessions.set(page, (set = new Set()));
    set.add(sessionId);
    if (!this.sockets.get(page)) this.arm(page);
  }

  /** A session closed (by its page or otherwise): nothing to do for it later. */
  closed(sessionId: string): void {
    for (const [page, set] of this.sessions) {
      if (set.delete(sessionId) && set.size === 0) {
        this.sessions.delete(page);
        this.disarm(page);
      }
    }
  }

  /** A WebSocket of `page` opened. */
  connected(page: string): void {
    this.sockets.set(page, (this.sockets.get(page) ?? 0) + 1);
    this.disarm(page);
  }

  /** A WebSocket of `page` closed. */
  disconnected(page: string): void {
    const left = (this.sockets.get(page) ?? 1) - 1;
    if (left > 0) {
      this.sockets.set(page, left);
      return;
    }
    this.sockets.delete(page);
    if (this.sessions.has(page)) this.arm(page);
  }

  /** Pages whose sessions will close unless they reconnect (tests, messages). */
  pendingPages(): string[] {
    return [...this.timers.keys()];
  }

  dispose(): void {
    for (const page of [...this.timers.keys()]) this.disarm(page);
  }

  private arm(page: string): void {
    if (this.timers.has(page)) return;
    this.timers.set(
      page,
      this.clock.setTimeout(() => {
        this.timers.delete(page);
        if (this.sockets.get(page)) return;
        const ids = [...(this.sessions.get(page) ?? [])];
        this.sessions.delete(page);
        if (ids.length > 0) void this.closeSessions(ids).catch(() => undefined);
      }, this.graceMs),
    );
  }

  private disarm(page: string): void {
    const timer = this.timers.get(page);
    if (timer === undefined) return;
    this.timers.delete(page);
    this.clock.clearTimeout(timer);
  }
}
