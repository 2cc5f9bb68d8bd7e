/**
 * deletedKeys through both transports: the Electron main process's IPC handler (validated, dispatched), the
 * preload's window.kvscope.deletedKeys, and the browser host's POST /api/deletedKeys against a real store.
 */
import { describe, expect, it, vi } from 'vitest';
import { buildPreloadApi } from '../../src/preload/api.js';
import { ipcChannel } from '../../src/shared/contract.js';
import { hostOnStore, ipcHandlerFor } from './method-wiring.js';

describe('deletedKeys over Electron IPC', () => {
  it('main validates the request and dispatches it; a malformed one never reaches the service', async () => {
    const { call, dispatch } = ipcHandlerFor('deletedKeys');
    const request = { sessionId: 's1', offset: 0, limit: 10, filter: { mode: 'glob', pattern: 'a*' } };
    expect(await call(request)).toEqual({ ok: true, value: { method: 'deletedKeys', request } });
    const bad = (await call({ sessionId: 's1', offset: 0, limit: 10, cancel: false })) as { ok: boolean; error: { code: string } };
    expect(bad).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(dispatch).toHaveBeenCalledOnce();
  });

  it('the preload exposes deletedKeys, invoking its channel and unwrapping the answer', async () => {
    const value = { complete: true, total: 0, unfilteredTotal: 0, offset: 0, keys: [] };
    const invoke = vi.fn(async () => ({ ok: true, value }));
    const api = buildPreloadApi({ invoke, on: () => undefined, removeListener: () => undefined }) as Record<string, (r: unknown) => Promise<unknown>>;
    await expect(api.deletedKeys!({ sessionId: 's', offset: 0, limit: 1 })).resolves.toEqual(value);
    expect(invoke).toHaveBeenCalledWith(ipcChannel('deletedKeys'), { sessionId: 's', offset: 0, limit: 1 });
  });
});

describe('deletedKeys over the browser host', () => {
  const host = hostOnStore('kvscope-deleted-host-', async (store) => {
    await store.put('kept', '1');
    await store.put('dropped', '2');
    await store.delete('dropped');
  });

  it('answers the deleted keys of a store, and 400 for a malformed request', async () => {
    const opened = await host.api('openStore', { path: host.storeDir });
    const sessionId = opened.body.value.sessionId;
    let reply = await host.api('deletedKeys', { sessionId, offset: 0, limit: 10 });
    while (reply.body.ok && !reply.body.value.complete) reply = await host.api('deletedKeys', { sessionId, offset: 0, limit: 10 });
    expect(reply.status).toBe(200);
    expect(reply.body.value).toMatchObject({ complete: true, total: 1, keys: [{ key: 'dropped', display: 'dropped', deletedAt: { file: '000001.data' } }] });
    const bad = await host.api('deletedKeys', { sessionId, offset: -5, limit: 10 });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });
});
