/**
 * The browser host: serves the built renderer and answers the contract over
 * HTTP (POST /api/<method>) with events over a WebSocket (/events). Binds
 * 127.0.0.1 only; every request needs the random token and our own Host and
 * Origin.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ApiError } from '../shared/errors.js';
import { createEngineOpener } from '../inspector/engine-opener.js';
import type { StoreOpener } from '../inspector/opener.js';
import { InspectorService } from '../inspector/service.js';
import { handleApi, sendError } from './api.js';
import { hasToken, isSameSite, newToken, securityHeaders, TOKEN_COOKIE } from './security.js';
import { resolveStaticFile } from './static-files.js';
import { PAGE_GRACE_MS, PageSessions } from './page-sessions.js';
import { PAGE_HEADER, PAGE_ID_PATTERN } from '../shared/limits.js';

/** The request's URL, or undefined when its target does not parse ("GET http://[ HTTP/1.1"). */
function requestUrl(req: IncomingMessage, port: number): URL | undefined {
  try {
    return new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
  } catch {
    return undefined;
  }
}

/** The page id a request names, if it is well formed. */
function pageOf(value: string | string[] | null | undefined): string | undefined {
  const id = Array.isArray(value) ? value[0] : value;
  return typeof id === 'string' && PAGE_ID_PATTERN.test(id) ? id : undefined;
}

export interface HostOptions {
  /** A directory the page opens on start. */
  dir?: string;
  /** 0 or absent: a free port. */
  port?: number;
  /** Allow switching stores to read-write (and open `dir` read-write). Default false. */
  readWrite?: boolean;
  host?: '127.0.0.1';
  /** Where recent.json lives. Default ~/.config/kvscope (or $XDG_CONFIG_HOME/kvscope). */
  configDir?: string;
  /** The built renderer. Default <project>/out/renderer. */
  rendererDir?: string;
  /** Override the token (tests). */
  token?: string;
  opener?: StoreOpener;
  /**
   * How long a page may be without its /events WebSocket before the stores it opened are closed (their
   * writer locks released). Default PAGE_GRACE_MS.
   */
  pageGraceMs?: number;
}

export interface RunningHost {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

export function defaultConfigDir(): string {
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'kvscope');
}

export function defaultRendererDir(): string {
  return fileURLToPath(new URL('../../out/renderer/', import.meta.url));
}

export async function startHost(options: HostOptions = {}): Promise<RunningHost> {
  const bindHost = '127.0.0.1';
  if (options.host !== undefined && options.host !== bindHost) {
    throw new Error('The browser host binds 127.0.0.1 only');
  }
  const token = options.token ?? newToken();
  const rendererDir = resolve(options.rendererDir ?? defaultRendererDir());
  const service = new InspectorService({
    opener: options.opener ?? createEngineOpener(),
    configDir: options.configDir ?? defaultConfigDir(),
    allowWrites: options.readWrite ?? false,
  });
  // Crash-lab copies an inspector that died left in the temp directory (only those its marker proves ours).
  service.sweepAbandonedLabCopies();
  let port = 0;
  // Named after the port once it is known (the policy's connect-src); nothing is answered before that.
  let answerHeaders = securityHeaders(0);
  // Stores opened by a page that is gone (killed, crashed: no goodbye) are closed after a grace period.
  const pages = new PageSessions(options.pageGraceMs ?? PAGE_GRACE_MS, async (ids) => {
    await Promise.allSettled(ids.map((sessionId) => service.closeStore({ sessionId })));
  });
  const noteCall = (page: string | undefined) => (method: string, request: unknown, value: unknown): void => {
    if (method === 'closeStore') {
      const id = (request as { sessionId?: unknown }).sessionId;
      if (typeof id === 'string') pages.closed(id);
    } else if (method === 'openStore' && page !== undefined) {
      pages.opened(page, (value as { sessionId: string }).sessionId);
    }
  };

  const forbidden = (res: ServerResponse, message: string): void =>
    sendError(res, new ApiError('FORBIDDEN', message), answerHeaders);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!isSameSite(req, port)) return forbidden(res, 'Foreign Host or Origin refused');
    const url = requestUrl(req, port);
    if (!url) return sendError(res, new ApiError('BAD_REQUEST', 'Malformed request target'), answerHeaders);
    if (url.pathname.startsWith('/api/')) {
      if (!hasToken(req, url, token, { header: true, query: false, cookie: false })) {
        return forbidden(res, 'Missing or wrong token');
      }
      return handleApi(service, url.pathname.slice('/api/'.length), req, res, answerHeaders, noteCall(pageOf(req.headers[PAGE_HEADER])));
    }
    if (!hasToken(req, url, token, { header: true, query: true, cookie: true })) {
      return forbidden(res, 'Missing or wrong token: open the URL kvscope printed');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendError(res, new ApiError('BAD_REQUEST', 'Only GET is served here'), answerHeaders);
    }
    const file = await resolveStaticFile(rendererDir, url.pathname);
    if (!file) return sendError(res, new ApiError('NOT_FOUND', 'Not found'), answerHeaders);
    res.writeHead(200, {
      ...answerHeaders,
      'Content-Type': file.contentType,
      'Content-Length': file.body.length,
      // Lets the page's own sub-requests (scripts, styles) carry the token.
      'Set-Cookie': `${TOKEN_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict`,
    });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, new ApiError('INTERNAL', String(err)), answerHeaders);
      else res.destroy();
    });
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const clients = new Set<WebSocket>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A target that does not parse threw here, outside any handler, and the exception ended the host.
    const url = requestUrl(req, port);
    const ok =
      url !== undefined &&
      url.pathname === '/events' &&
      isSameSite(req, port) &&
      hasToken(req, url, token, { header: true, query: true, cookie: true });
    if (!ok) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
      return;
    }
    const page = pageOf(url.searchParams.get('page'));
    sockets.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      if (page !== undefined) pages.connected(page);
      let gone = false;
      const leave = (): void => {
        clients.delete(ws);
        if (gone) return;
        gone = true;
        if (page !== undefined) pages.disconnected(page);
      };
      ws.on('close', leave);
      ws.on('error', leave);
      // The socket only pushes; anything the page sends is ignored.
    });
  });
  const unsubscribe = service.onEvent((event) => {
    const text = JSON.stringify(event);
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(text);
  });

  await new Promise<void>((resolvePromise, reject) => {
    const failed = (err: NodeJS.ErrnoException): void => {
      // The one listen error a person can act on, in words: the port is taken.
      if (err.code === 'EADDRINUSE') reject(new Error(`port ${options.port} on ${bindHost} is already in use (choose another with --port, or 0 for any free port)`));
      else reject(err);
    };
    server.once('error', failed);
    server.listen(options.port ?? 0, bindHost, () => {
      server.off('error', failed);
      resolvePromise();
    });
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  answerHeaders = securityHeaders(port);

  const query = new URLSearchParams({ token });
  if (options.dir) query.set('open', resolve(options.dir));
  const url = `http://${bindHost}:${port}/?${query.toString()}`;

  let closed: Promise<void> | undefined;
  return {
    url,
    token,
    port,
    close() {
      closed ??= (async () => {
        unsubscribe();
        pages.dispose();
        for (const ws of clients) ws.terminate();
        sockets.close();
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        await service.close();
      })();
      return closed;
    },
  };
}
