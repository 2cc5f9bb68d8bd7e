/**
 * deadSpace through both transports: the Electron main process's IPC handler (validated, dispatched), the
 * preload's window.kvscope.deadSpace, and the browser host's POST /api/deadSpace against a real store, which
 * starts the job; malformed requests refused before the service sees them.
 */
import { describe, expect, it, vi } from 'vitest';
import { buildPreloadApi } from '../../src/preload/api.js';
import { ipcChannel, LIMITS } from '../../src/shared/contract.js';
import { hostOnStore, ipcHandlerFor } from './method-wiring.js';

const MALFORMED: Array<[string, unknown]> = [
  ['no limit', { sessionId: 's1' }],
  ['a limit of 0', { sessionId: 's1', limit: 0 }],
  ['a limit above the most', { sessionId: 's1', limit: LIMITS.deadSpaceMax + 1 }],
  ['a limit as text', { sessionId: 's1', limit: '10' }],
  ['a delimiter that is not : or /', { sessionId: 's1', limit: 10, delimiter: '.' }],
  ['a depth of 0', { sessionId: 's1', limit: 10, depth: 0 }],
  ['a fractional depth', { sessionId: 's1', limit: 10, depth: 1.5 }],
  ['a prefix that is not text', { sessionId: 's1', limit: 10, prefix: 7 }],
  ['an unknown field', { sessionId: 's1', limit: 10, top: 3 }],
];

describe('deadSpace over Electron IPC', () => {
  it('main validates the request and dispatches it; a malformed one never reaches the service', async () => {
    const { call, dispatch } = ipcHandlerFor('deadSpace');
    const request = { sessionId: 's1', limit: LIMITS.deadSpaceMax, prefix: 'user:', delimiter: '/', depth: 2 };
    expect(await call(request)).toEqual({ ok: true, value: { method: 'deadSpace', request } });
    for (const [name, bad] of MALFORMED) {
      expect(await call(bad), name).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    expect(dispatch).toHaveBeenCalledOnce();
  });

  it('the preload exposes deadSpace, invoking its channel and unwrapping the answer', async () => {
    const value = { jobId: 'j1' };
    const invoke = vi.fn(async () => ({ ok: true, value }));
    const api = buildPreloadApi({ invoke, on: () => undefined, removeListener: () => undefined }) as Record<string, (r: unknown) => Promise<unknown>>;
    const request = { sessionId: 's', limit: 5 };
    await expect(api.deadSpace!(request)).resolves.toEqual(value);
    expect(invoke).toHaveBeenCalledWith(ipcChannel('deadSpace'), request);
  });
});

describe('deadSpace over the browser host', () => {
  const host = hostOnStore('kvscope-dead-space-host-', async (store) => {
    await store.put('a', '1');
    await store.put('a', '2');
  });

  it('starts the job, and answers 400 for a malformed request', async () => {
    const opened = await host.api('openStore', { path: host.storeDir });
    const sessionId = opened.body.value.sessionId;
    const reply = await host.api('deadSpace', { sessionId, limit: 10 });
    expect(reply.status).toBe(200);
    expect(reply.body.value.jobId).toEqual(expect.any(String));
    for (const [name, bad] of MALFORMED) {
      const refused = await host.api('deadSpace', { ...(bad as object), sessionId });
      expect(refused.status, name).toBe(400);
      expect(refused.body).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
  });
});
