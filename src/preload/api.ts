/**
 * The renderer's API over IPC, built from the contract's method names: one
 * function per method (unwrapping the envelope) plus onEvent. Kept free of
 * Electron imports so tests can build it with fakes.
 */
import { IPC_EVENT_CHANNEL, METHOD_NAMES, ipcChannel } from '../shared/methods.js';
import { encodeBridgeError, type ApiErrorShape } from '../shared/errors.js';

const MAX_BACKLOG = 100;

type Envelope = { ok: true; value: unknown } | { ok: false; error: ApiErrorShape };

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export interface ContextBridgeLike {
  exposeInMainWorld(key: string, api: unknown): void;
}

export function buildPreloadApi(ipcRenderer: IpcRendererLike): Record<string, unknown> {
  const api: Record<string, unknown> = {};
  for (const method of METHOD_NAMES) {
    api[method] = async (request: unknown) => {
      const envelope = (await ipcRenderer.invoke(ipcChannel(method), request)) as Envelope;
      if (envelope && envelope.ok) return envelope.value;
      const error = envelope?.error ?? { code: 'INTERNAL', message: 'No answer from the main process' };
      throw new Error(encodeBridgeError(error));
    };
  }
  // Subscribe once, at load: events the shell sends before the page has
  // subscribed (a directory from the command line) wait in a small backlog.
  const listeners = new Set<(event: unknown) => void>();
  const backlog: unknown[] = [];
  ipcRenderer.on(IPC_EVENT_CHANNEL, (_event: unknown, payload: unknown) => {
    if (listeners.size === 0) {
      if (backlog.length < MAX_BACKLOG) backlog.push(payload);
      return;
    }
    for (const listener of listeners) listener(payload);
  });
  api.onEvent = (listener: (event: unknown) => void) => {
    if (typeof listener !== 'function') throw new TypeError('onEvent needs a function');
    listeners.add(listener);
    const pending = backlog.splice(0);
    if (pending.length > 0) queueMicrotask(() => pending.forEach((event) => listener(event)));
    return () => {
      listeners.delete(listener);
    };
  };
  return Object.freeze(api);
}

export function exposeApi(contextBridge: ContextBridgeLike, ipcRenderer: IpcRendererLike): void {
  contextBridge.exposeInMainWorld('kvscope', buildPreloadApi(ipcRenderer));
}
