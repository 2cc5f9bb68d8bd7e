/**
 * diffVersions through both transports: the Electron main process's IPC handler (validated, dispatched), the
 * preload's window.kvscope.diffVersions, and the browser host's POST /api/diffVersions against a real store;
 * malformed requests refused before the service sees them.
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
    const handlers = new Map<string, Handler>();
    const dispatch = vi.fn(async (method: string, request: unknown) => ({ method, request }));
    registerContractHandlers({ ipcMain: { handle: (c, h) => handlers.set(c, h), removeHandler: (c) => handlers.delete(c) }, dispatch, isTrustedUrl: (u) => isTrustedUrl(u, PAGE), toError: toApiError });
    const handler = handlers.get(ipcChannel('diffVersions'));
    expect(handler).toBeDefined();
    const request = { sessionId: 's1', key: 'k', from: { file: '000001.data', offset: 24 }, to: { live: true }, context: 5 };
    expect(await handler!({ senderFrame: { url: PAGE } }, request)).toEqual({ ok: true, value: { method: 'diffVersions', request } });
    for (const [, bad] of MALFORMED) {
      expect(await handler!({ senderFrame: { url: PAGE } }, bad)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
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
  let base: string;
  let host: RunningHost;
  let storeDir: string;
  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'kvscope-diff-host-'));
    const renderer = join(base, 'renderer');
    mkdirSync(renderer);
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>kvscope</title>');
    storeDir = join(base, 'store');
    const store = await Store.open(storeDir, { create: true });
    await store.put('note', 'one\ntwo\n');
    await store.put('note', 'one\nthree\n');
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

  it('answers the diff of two versions, and 400 for a malformed request', async () => {
    const opened = await api('openStore', { path: storeDir });
    const sessionId = opened.body.value.sessionId;
    const history = await api('history', { sessionId, key: 'note' });
    const first = history.body.value.versions[0].location;
    const reply = await api('diffVersions', { sessionId, key: 'note', from: { file: first.file, offset: first.offset }, to: { live: true } });
    expect(reply.status).toBe(200);
    expect(reply.body.value).toMatchObject({ mode: 'text', added: 1, removed: 1, hunks: [{ oldStart: 1, newStart: 1 }] });
    for (const [name, bad] of MALFORMED) {
      const refused = await api('diffVersions', { ...(bad as object), sessionId });
      expect(refused.status, name).toBe(400);
      expect(refused.body).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
  });
});
