/**
 * The renderer's API over IPC, built from the contract's method names: one
 * function per method (unwrapping the envelope) plus onEvent. Kept free of
 * Electron imports so tests can build it with fakes.
 */
import { IPC_EVENT_CHANNEL, METHOD_NAMES, ipcChannel } from '../shared/methods.js';
import { encodeBridgeError, type ApiErrorShape } from '../shared/errors.js';

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
  api.onEvent = (listener: (event: unknown) => void) => {
    if (typeof listener !== 'function') throw new TypeError('onEvent needs a function');
    const wrapped = (_event: unknown, payload: unknown) => listener(payload);
    ipcRenderer.on(IPC_EVENT_CHANNEL, wrapped);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT_CHANNEL, wrapped);
    };
  };
  return Object.freeze(api);
}

export function exposeApi(contextBridge: ContextBridgeLike, ipcRenderer: IpcRendererLike): void {
  contextBridge.exposeInMainWorld('kvscope', buildPreloadApi(ipcRenderer));
}
