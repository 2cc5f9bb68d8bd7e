/**
 * deletedKeys through both transports: the Electron main process's IPC handler (validated, dispatched), the
 * preload's window.kvscope.deletedKeys, and the browser host's POST /api/deletedKeys against a real store.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { startHost, type RunningHost } from '../../src/host/index.js';
import { toApiError } from '../../src/inspector/errors.js';
import { registerContractHandlers, type InvokeEventLike } from '../../src/main/ipc.js';
import { isTrustedUrl } from '../../src/main/security.js';
import { buildPreloadApi } from '../../src/preload/api.js';
import { ipcChannel } from '../../src/shared/contract.js';
import { httpSend } from '../reliability/http-send.js';

const PAGE = 'file:///app/out/renderer/index.html';
type Handler = (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>;

describe('deletedKeys over Electron IPC', () => {
  it('main validates the request and dispatches it; a malformed one never reaches the service', async () => {
    const handlers = new Map<string, Handler>();
    const dispatch = vi.fn(async (method: string, request: unknown) => ({ method, request }));
    registerContractHandlers({ ipcMain: { handle: (c, h) => handlers.set(c, h), removeHandler: (c) => handlers.delete(c) }, dispatch, isTrustedUrl: (u) => isTrustedUrl(u, PAGE), toError: toApiError });
    const handler = handlers.get(ipcChannel('deletedKeys'));
    expect(handler).toBeDefined();
    const request = { sessionId: 's1', offset: 0, limit: 10, filter: { mode: 'glob', pattern: 'a*' } };
    expect(await handler!({ senderFrame: { url: PAGE } }, request)).toEqual({ ok: true, value: { method: 'deletedKeys', request } });
    const bad = (await handler!({ senderFrame: { url: PAGE } }, { sessionId: 's1', offset: 0, limit: 10, cancel: false })) as { ok: boolean; error: { code: string } };
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
  let base: string;
  let host: RunningHost;
  let storeDir: string;
  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'kvscope-deleted-host-'));
    const renderer = join(base, 'renderer');
    mkdirSync(renderer);
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>kvscope</title>');
    storeDir = join(base, 'store');
    const store = await Store.open(storeDir, { create: true });
    await store.put('kept', '1');
    await store.put('dropped', '2');
    await store.delete('dropped');
    await store.close();
    host = await startHost({ rendererDir: renderer, configDir: join(base, 'config') });
  });
  afterAll(async () => {
    await host.close();
    rmSync(base, { recursive: true, force: true });
  });

  async function api(method: string, body: unknown): Promise<{ status: number; body: { ok: boolean; value?: any; error?: any } }> {
    const headers = { 'content-type': 'application/json', 'x-kvscope-token': host.token };
    const reply = await httpSend(host.port, { path: `/api/${method}`, headers, body: JSON.stringify(body) }, { method: 'POST' });
    return { status: reply.status, body: JSON.parse(reply.body) };
  }

  it('answers the deleted keys of a store, and 400 for a malformed request', async () => {
    const opened = await api('openStore', { path: storeDir });
    const sessionId = opened.body.value.sessionId;
    let reply = await api('deletedKeys', { sessionId, offset: 0, limit: 10 });
    while (reply.body.ok && !reply.body.value.complete) reply = await api('deletedKeys', { sessionId, offset: 0, limit: 10 });
    expect(reply.status).toBe(200);
    expect(reply.body.value).toMatchObject({ complete: true, total: 1, keys: [{ key: 'dropped', display: 'dropped', deletedAt: { file: '000001.data' } }] });
    const bad = await api('deletedKeys', { sessionId, offset: -5, limit: 10 });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });
});
