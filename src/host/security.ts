/**
 * The browser host's gatekeeping: a random token on every request, and a
 * Host/Origin check that defeats DNS rebinding (a foreign site resolving its
 * own name to 127.0.0.1 still sends its own Host and Origin).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TOKEN_HEADER } from '../shared/contract.js';
import { pagePolicy } from '../shared/page-policy.js';

export const TOKEN_COOKIE = 'kvscope_token';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

function sameSecret(given: string | undefined, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export interface TokenSources {
  header: boolean;
  query: boolean;
  cookie: boolean;
}

/** Whether the request carries the token in one of the allowed places. */
export function hasToken(req: IncomingMessage, url: URL, token: string, sources: TokenSources): boolean {
  if (sources.header) {
    const header = req.headers[TOKEN_HEADER];
    if (sameSecret(Array.isArray(header) ? header[0] : header, token)) return true;
  }
  if (sources.query && sameSecret(url.searchParams.get('token') ?? undefined, token)) return true;
  if (sources.cookie && sameSecret(cookieValue(req, TOKEN_COOKIE), token)) return true;
  return false;
}

export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}

/** Host must name us; Origin, when sent, must be our own page. */
export function isSameSite(req: IncomingMessage, port: number): boolean {
  const hosts = allowedHosts(port);
  const host = req.headers.host;
  if (!host || !hosts.has(host.toLowerCase())) return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  for (const allowed of hosts) if (origin.toLowerCase() === `http://${allowed}`) return true;
  return false;
}

/**
 * The page's policy, sent with every answer (the page's meta policy applies too; a browser enforces both):
 * nothing but our own scripts, styles, API and our own /events WebSocket on this port. Not ws://127.0.0.1:*:
 * a page that ran something it should not could otherwise talk to every other WebSocket server on the machine.
 */
export function contentSecurityPolicy(port: number): string {
  return pagePolicy(`'self' ws://127.0.0.1:${port} ws://localhost:${port}`);
}

export function securityHeaders(port: number): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(port),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
}
