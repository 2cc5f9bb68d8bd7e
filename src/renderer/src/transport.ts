/**
 * Picks how the page talks to the inspector: `window.kvscope` (exposed by the
 * Electron preload) when present, else HTTP + WebSocket to the browser host.
 */
import type { KvscopeApi } from '../../shared/contract.js';
import { createHttpTransport, takeTokenFromLocation } from './http-transport.js';

declare global {
  interface Window {
    kvscope?: KvscopeApi;
  }
}

export type TransportKind = 'electron' | 'http';

export interface Transport {
  kind: TransportKind;
  api: KvscopeApi;
}

export function pickTransport(): Transport {
  if (window.kvscope) return { kind: 'electron', api: window.kvscope };
  return { kind: 'http', api: createHttpTransport(window.location.origin, takeTokenFromLocation()) };
}
