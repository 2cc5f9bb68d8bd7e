/**
 * The browser host's bookkeeping of which page opened which session: a page
 * without its WebSocket for the grace period has its sessions closed; one
 * that reconnects in time, or still has another socket, keeps them. Timers
 * are a fake clock, moved by hand.
 */
import { describe, expect, it } from 'vitest';
import { PageSessions, type PageTimers } from '../../src/host/page-sessions.js';

function fakeClock(): PageTimers & { advance(ms: number): void } {
  let now = 0;
  let next = 1;
  const pending = new Map<number, { at: number; fn: () => void }>();
  return {
    setTimeout(fn, ms) {
      const id = next++;
      pending.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout(handle) {
      pending.delete(handle as number);
    },
    advance(ms) {
      now += ms;
      for (const [id, t] of [...pending].sort((x, y) => x[1].at - y[1].at)) {
        if (t.at <= now && pending.delete(id)) t.fn();
      }
    },
  };
}

function setup(graceMs = 1000) {
  const clock = fakeClock();
  const closed: string[][] = [];
  const pages = new PageSessions(graceMs, async (ids) => void closed.push(ids), clock);
  return { clock, closed, pages };
}

describe('PageSessions', () => {
  it('closes the sessions of a page whose socket closed and stayed away for the grace period', () => {
    const { clock, closed, pages } = setup();
    pages.connected('page-a');
    pages.opened('page-a', 's1');
    pages.opened('page-a', 's2');
    pages.connected('page-b');
    pages.opened('page-b', 's3');
    pages.disconnected('page-a');
    clock.advance(999);
    expect(closed).toEqual([]);
    clock.advance(1);
    expect(closed).toEqual([['s1', 's2']]);
    clock.advance(10_000);
    expect(closed).toEqual([['s1', 's2']]);
  });

  it('keeps them when the page reconnects within the grace period (a dropped socket, not a dead page)', () => {
    const { clock, closed, pages } = setup();
    pages.connected('page-a');
    pages.opened('page-a', 's1');
    pages.disconnected('page-a');
    clock.advance(900);
    pages.connected('page-a');
    clock.advance(5000);
    expect(closed).toEqual([]);
    // Gone again, for good this time.
    pages.disconnected('page-a');
    clock.advance(1000);
    expect(closed).toEqual([['s1']]);
  });

  it('counts each socket of a page: one closing while another is open changes nothing', () => {
    const { clock, closed, pages } = setup();
    pages.connected('page-a');
    pages.connected('page-a');
    pages.opened('page-a', 's1');
    pages.disconnected('page-a');
    clock.advance(5000);
    expect(closed).toEqual([]);
    pages.disconnected('page-a');
    clock.advance(1000);
    expect(closed).toEqual([['s1']]);
  });

  it('gives a page that has not connected its socket yet the grace period, then closes what it opened', () => {
    const { clock, closed, pages } = setup();
    pages.opened('page-a', 's1');
    clock.advance(500);
    pages.connected('page-a');
    clock.advance(5000);
    expect(closed).toEqual([]);
    pages.opened('page-never', 's2');
    clock.advance(1000);
    expect(closed).toEqual([['s2']]);
  });

  it('forgets sessions the page closed itself', () => {
    const { clock, closed, pages } = setup();
    pages.connected('page-a');
    pages.opened('page-a', 's1');
    pages.opened('page-a', 's2');
    pages.closed('s1');
    pages.disconnected('page-a');
    clock.advance(1000);
    expect(closed).toEqual([['s2']]);
    pages.opened('page-b', 's3');
    pages.closed('s3');
    expect(pages.pendingPages()).toEqual([]);
  });
});
