/**
 * For the tests that one contract method is wired end to end: its Electron IPC handler in main (validating
 * before the service sees anything), and the browser host answering it over HTTP on a store the test fills.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, vi } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { startHost, type RunningHost } from '../../src/host/index.js';
import { toApiError } from '../../src/inspector/errors.js';
import { registerContractHandlers, type InvokeEventLike } from '../../src/main/ipc.js';
import { isTrustedUrl } from '../../src/main/security.js';
import { ipcChannel, type MethodName } from '../../src/shared/contract.js';
import { httpSend } from '../reliability/http-send.js';

/** The page main trusts in these tests. */
export const PAGE = 'file:///app/out/renderer/index.html';

type Handler = (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>;

/**
 * Main's handler for `method`, registered as the app registers it, over a service that answers every request
 * with { method, request }: `call` sends a request from the trusted page; `dispatch` counts what reached the service.
 */
export function ipcHandlerFor(method: MethodName): { call: (request: unknown) => Promise<unknown>; dispatch: ReturnType<typeof vi.fn> } {
  const handlers = new Map<string, Handler>();
  const dispatch = vi.fn(async (m: string, request: unknown) => ({ method: m, request }));
  registerContractHandlers({ ipcMain: { handle: (c, h) => handlers.set(c, h), removeHandler: (c) => handlers.delete(c) }, dispatch, isTrustedUrl: (u) => isTrustedUrl(u, PAGE), toError: toApiError });
  const handler = handlers.get(ipcChannel(method));
  if (!handler) throw new Error(`main registers no handler for ${method}`);
  return { call: (request) => handler({ senderFrame: { url: PAGE } }, request), dispatch };
}

export interface HostOnStore {
  /** The store the host serves (filled before it started). */
  readonly storeDir: string;
  /** POST /api/<method> with the token; the status and the parsed answer. */
  api(method: string, body: unknown): Promise<{ status: number; body: { ok: boolean; value?: any; error?: any } }>;
}

/** Called in a describe: a kvscope store filled by `fill`, and a browser host started on it, for the block's tests. */
export function hostOnStore(prefix: string, fill: (store: Store) => Promise<void>): HostOnStore {
  let base = '';
  let host: RunningHost;
  const h = {
    storeDir: '',
    async api(method: string, body: unknown) {
      const headers = { 'content-type': 'application/json', 'x-kvscope-token': host.token };
      const reply = await httpSend(host.port, { path: `/api/${method}`, headers, body: JSON.stringify(body) }, { method: 'POST' });
      return { status: reply.status, body: JSON.parse(reply.body) };
    },
  };
  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), prefix));
    const renderer = join(base, 'renderer');
    mkdirSync(renderer);
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>kvscope</title>');
    h.storeDir = join(base, 'store');
    const store = await Store.open(h.storeDir, { create: true });
    await fill(store);
    await store.close();
    host = await startHost({ rendererDir: renderer, configDir: join(base, 'config') });
  });
  afterAll(async () => {
    await host.close();
    rmSync(base, { recursive: true, force: true });
  });
  return h;
}
