/**
 * The inspector page's Content-Security-Policy, as its two hosts send it with every answer (the page's own meta
 * policy in src/renderer/index.html applies too; a browser enforces both): nothing by default, our own scripts
 * and styles only, no images but data: URLs, no plugins, no <base>, no form posts, never framed. The hosts differ
 * only in where the page may connect: the browser host to its own API and /events WebSocket on its port, the
 * Electron window nowhere (its contract goes over IPC).
 */
export function pagePolicy(connectSrc: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `connect-src ${connectSrc}`,
    'img-src data:',
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
