/**
 * The contract over HTTP (POST /api/<method>, token in a header) and events
 * over a WebSocket (/events), for the page served by the browser host.
 */
import type { EventListener, KvscopeApi, KvscopeEvent, MethodName } from '../../shared/contract.js';
import { PAGE_HEADER, TOKEN_HEADER } from '../../shared/limits.js';
import { METHOD_NAMES } from '../../shared/methods.js';
import { ApiError, isApiErrorShape, type Envelope } from '../../shared/errors.js';

const TOKEN_KEY = 'kvscope.token';

/** Reads ?token= from the URL (keeping it in sessionStorage so reloads still work). */
export function takeTokenFromLocation(): string {
  const params = new URLSearchParams(window.location.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export function createHttpTransport(origin: string, token: string): KvscopeApi {
  const listeners = new Set<EventListener>();
  let socket: WebSocket | undefined;
  let retry = 0;
  // This page load's id: the host closes the stores a page opened once the page's socket is gone for good.
  const page = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');

  function connect(): void {
    const wsUrl = origin.replace(/^http/, 'ws') + '/events?token=' + encodeURIComponent(token) + '&page=' + page;
    const ws = new WebSocket(wsUrl);
    socket = ws;
    ws.onmessage = (message) => {
      let event: KvscopeEvent;
      try {
        event = JSON.parse(String(message.data)) as KvscopeEvent;
      } catch {
        return;
      }
      for (const listener of listeners) listener(event);
    };
    ws.onopen = () => {
      retry = 0;
    };
    ws.onclose = () => {
      socket = undefined;
      if (listeners.size > 0 && retry < 20) {
        retry++;
        setTimeout(connect, Math.min(5000, 200 * retry));
      }
    };
  }

  async function call(method: MethodName, request: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${origin}/api/${method}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', [TOKEN_HEADER]: token, [PAGE_HEADER]: page },
        body: JSON.stringify(request ?? {}),
        // closeStore is sent while the page unloads; keepalive lets it finish.
        keepalive: method === 'closeStore',
      });
    } catch {
      throw new ApiError('IO', 'Cannot reach the kvscope host. Is `kvscope serve` still running?');
    }
    let envelope: Envelope<unknown>;
    try {
      envelope = (await response.json()) as Envelope<unknown>;
    } catch {
      throw new ApiError('INTERNAL', `The host answered ${response.status} without a JSON body`);
    }
    if (envelope.ok) return envelope.value;
    throw isApiErrorShape(envelope.error)
      ? ApiError.fromShape(envelope.error)
      : new ApiError('INTERNAL', `The host answered ${response.status}`);
  }

  const api: Record<string, unknown> = {
    onEvent(listener: EventListener) {
      listeners.add(listener);
      if (!socket) connect();
      return () => {
        listeners.delete(listener);
      };
    },
  };
  for (const method of METHOD_NAMES) api[method] = (request: unknown) => call(method, request);
  return api as KvscopeApi;
}
