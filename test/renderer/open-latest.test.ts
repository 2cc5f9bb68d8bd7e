/**
 * Opens under way answering in any order (open-latest.ts): the open asked for
 * last is shown; an earlier one that answers later, or one that answers after
 * the store was closed, is closed and never shown, and the session shown
 * before is closed. Before, an earlier open answering last replaced the later
 * one, and the later session was never closed (it kept its writer lock).
 */
import { describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../src/shared/contract.js';
import { openAsLatest, OpenSequence, type OpenApi } from '../../src/renderer/src/open-latest.js';

/** An api whose openStore answers only when the test says, in the order it says; it records what was closed. */
function heldApi() {
  const pending = new Map<string, (info: SessionInfo) => void>();
  const closed: string[] = [];
  const api: OpenApi = {
    openStore: (req) => new Promise((resolve) => pending.set(req.path, resolve as (info: SessionInfo) => void)),
    closeStore: async (req) => {
      closed.push(req.sessionId);
      return { ok: true } as never;
    },
  };
  const answer = async (path: string) => {
    pending.get(path)!({ sessionId: `s-${path}` } as SessionInfo);
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { api, closed, answer };
}

function page(initial: SessionInfo | null) {
  let shown = initial;
  const history: string[] = [];
  return {
    current: () => shown,
    show: (info: SessionInfo) => {
      shown = info;
      history.push(info.sessionId);
    },
    shown: () => shown?.sessionId ?? null,
    history,
  };
}

describe('two opens under way', () => {
  it.each([
    ['the earlier answers first', ['a', 'b']],
    ['the later answers first', ['b', 'a']],
  ])('%s: the later one is shown, the earlier and the previous session are closed', async (_name, order) => {
    const { api, closed, answer } = heldApi();
    const view = page({ sessionId: 's-old' } as SessionInfo);
    const seq = new OpenSequence();
    const results = ['a', 'b'].map((path) => openAsLatest(seq, seq.begin(), api, { path }, view.current, view.show));
    for (const path of order) await answer(path);
    expect(await Promise.all(results)).toEqual(['superseded', 'shown']);
    expect(view.shown()).toBe('s-b');
    expect(view.history).toEqual(['s-b']);
    expect(closed).toContain('s-a');
    expect(closed).toContain('s-old');
    expect(closed).not.toContain('s-b');
  });

  it('an open that answers after Close is closed, not shown', async () => {
    const { api, closed, answer } = heldApi();
    const view = page(null);
    const seq = new OpenSequence();
    const result = openAsLatest(seq, seq.begin(), api, { path: 'a' }, view.current, view.show);
    seq.supersede();
    await answer('a');
    expect(await result).toBe('superseded');
    expect(view.shown()).toBeNull();
    expect(closed).toEqual(['s-a']);
  });
});
