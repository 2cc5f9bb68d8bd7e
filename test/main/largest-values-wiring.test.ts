/**
 * largestValues through both transports: the Electron main process's IPC handler (validated, dispatched), the
 * preload's window.kvscope.largestValues, and the browser host's POST /api/largestValues against a real store;
 * malformed requests refused before the service sees them.
 */
import { describe, expect, it, vi } from 'vitest';
import { buildPreloadApi } from '../../src/preload/api.js';
import { ipcChannel, LIMITS } from '../../src/shared/contract.js';
import { hostOnStore, ipcHandlerFor } from './method-wiring.js';

const MALFORMED: Array<[string, unknown]> = [
  ['no limit', { sessionId: 's1' }],
  ['a limit of 0', { sessionId: 's1', limit: 0 }],
  ['a limit above the most', { sessionId: 's1', limit: LIMITS.largestValuesMax + 1 }],
  ['a fractional limit', { sessionId: 's1', limit: 2.5 }],
  ['a limit as text', { sessionId: 's1', limit: '10' }],
  ['an unknown filter mode', { sessionId: 's1', limit: 10, filter: { mode: 'regex', pattern: '.' } }],
  ['an unknown field', { sessionId: 's1', limit: 10, sort: 'size' }],
];

describe('largestValues over Electron IPC', () => {
  it('main validates the request and dispatches it; a malformed one never reaches the service', async () => {
    const { call, dispatch } = ipcHandlerFor('largestValues');
    const request = { sessionId: 's1', limit: LIMITS.largestValuesMax, filter: { mode: 'prefix', pattern: 'user:' } };
    expect(await call(request)).toEqual({ ok: true, value: { method: 'largestValues', request } });
    for (const [name, bad] of MALFORMED) {
      expect(await call(bad), name).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    expect(dispatch).toHaveBeenCalledOnce();
  });

  it('the preload exposes largestValues, invoking its channel and unwrapping the answer', async () => {
    const value = { total: 0, values: [] };
    const invoke = vi.fn(async () => ({ ok: true, value }));
    const api = buildPreloadApi({ invoke, on: () => undefined, removeListener: () => undefined }) as Record<string, (r: unknown) => Promise<unknown>>;
    const request = { sessionId: 's', limit: 5 };
    await expect(api.largestValues!(request)).resolves.toEqual(value);
    expect(invoke).toHaveBeenCalledWith(ipcChannel('largestValues'), request);
  });
});

describe('largestValues over the browser host', () => {
  const host = hostOnStore('kvscope-largest-host-', async (store) => {
    await store.put('small', 'x');
    await store.put('big', 'y'.repeat(5000));
    await store.put('middle', 'z'.repeat(300));
  });

  it('answers the largest values with where they are, and 400 for a malformed request', async () => {
    const opened = await host.api('openStore', { path: host.storeDir });
    const sessionId = opened.body.value.sessionId;
    const reply = await host.api('largestValues', { sessionId, limit: 2 });
    expect(reply.status).toBe(200);
    expect(reply.body.value.total).toBe(3);
    expect(reply.body.value.values.map((v: { key: string }) => v.key)).toEqual(['big', 'middle']);
    const big = reply.body.value.values[0];
    expect(big.location).toMatchObject({ file: expect.any(String), offset: expect.any(Number), length: big.bytes });
    for (const [name, bad] of MALFORMED) {
      const refused = await host.api('largestValues', { ...(bad as object), sessionId });
      expect(refused.status, name).toBe(400);
      expect(refused.body).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
  });
});
