/**
 * diffVersions through both transports: the Electron main process's IPC handler (validated, dispatched), the
 * preload's window.kvscope.diffVersions, and the browser host's POST /api/diffVersions against a real store;
 * malformed requests refused before the service sees them.
 */
import { describe, expect, it, vi } from 'vitest';
import { buildPreloadApi } from '../../src/preload/api.js';
import { ipcChannel } from '../../src/shared/contract.js';
import { hostOnStore, ipcHandlerFor } from './method-wiring.js';

const MALFORMED: Array<[string, unknown]> = [
  ['no `to`', { sessionId: 's1', key: 'k', from: { live: true } }],
  ['a version named both ways', { sessionId: 's1', key: 'k', from: { live: true, file: '000001.data', offset: 0 }, to: { live: true } }],
  ['live: false', { sessionId: 's1', key: 'k', from: { live: false }, to: { live: true } }],
  ['a file outside the store', { sessionId: 's1', key: 'k', from: { file: '../000001.data', offset: 0 }, to: { live: true } }],
  ['a negative offset', { sessionId: 's1', key: 'k', from: { file: '000001.data', offset: -1 }, to: { live: true } }],
  ['a context too large', { sessionId: 's1', key: 'k', from: { live: true }, to: { live: true }, context: 1000 }],
];

describe('diffVersions over Electron IPC', () => {
  it('main validates the request and dispatches it; a malformed one never reaches the service', async () => {
    const { call, dispatch } = ipcHandlerFor('diffVersions');
    const request = { sessionId: 's1', key: 'k', from: { file: '000001.data', offset: 24 }, to: { live: true }, context: 5 };
    expect(await call(request)).toEqual({ ok: true, value: { method: 'diffVersions', request } });
    for (const [, bad] of MALFORMED) {
      expect(await call(bad)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    expect(dispatch).toHaveBeenCalledOnce();
  });

  it('the preload exposes diffVersions, invoking its channel and unwrapping the answer', async () => {
    const value = { key: 'k', mode: 'text', hunks: [] };
    const invoke = vi.fn(async () => ({ ok: true, value }));
    const api = buildPreloadApi({ invoke, on: () => undefined, removeListener: () => undefined }) as Record<string, (r: unknown) => Promise<unknown>>;
    const request = { sessionId: 's', key: 'k', from: { live: true }, to: { live: true } };
    await expect(api.diffVersions!(request)).resolves.toEqual(value);
    expect(invoke).toHaveBeenCalledWith(ipcChannel('diffVersions'), request);
  });
});

describe('diffVersions over the browser host', () => {
  const host = hostOnStore('kvscope-diff-host-', async (store) => {
    await store.put('note', 'one\ntwo\n');
    await store.put('note', 'one\nthree\n');
  });

  it('answers the diff of two versions, and 400 for a malformed request', async () => {
    const opened = await host.api('openStore', { path: host.storeDir });
    const sessionId = opened.body.value.sessionId;
    const history = await host.api('history', { sessionId, key: 'note' });
    const first = history.body.value.versions[0].location;
    const reply = await host.api('diffVersions', { sessionId, key: 'note', from: { file: first.file, offset: first.offset }, to: { live: true } });
    expect(reply.status).toBe(200);
    expect(reply.body.value).toMatchObject({ mode: 'text', added: 1, removed: 1, hunks: [{ oldStart: 1, newStart: 1 }] });
    for (const [name, bad] of MALFORMED) {
      const refused = await host.api('diffVersions', { ...(bad as object), sessionId });
      expect(refused.status, name).toBe(400);
      expect(refused.body).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
  });
});
