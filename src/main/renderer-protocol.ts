/**
 * The window loads the renderer from kvscope://app/index.html, served from out/renderer by the handler here,
 * not from its file:// URL. A file:// page's origin is the whole disk: Electron grants file:// pages fetch,
 * XHR and frames of any other file:// URL (its GrantFileProtocolExtraPrivileges fuse, on by default), and a
 * CSP 'self' on such a page matches every file, so even `script-src 'self'` and `style-src 'self'` let a
 * renderer that ran something it should not load any local file as a script or a stylesheet (and read the
 * rules of the latter). On kvscope://app, 'self' is out/renderer and nothing else, file:// is another origin,
 * and the answers carry a policy that allows no connection at all (the window talks over IPC only).
 *
 * Electron's own pattern (docs: protocol.handle): the scheme is registered as privileged (standard, secure)
 * before the app is ready, and handled once it is. Kept free of Electron imports so tests can call it.
 */
import { resolveStaticFile } from '../host/static-files.js';
import { pagePolicy } from '../shared/page-policy.js';

export const RENDERER_SCHEME = 'kvscope';
export const RENDERER_HOST = 'app';
export const RENDERER_PAGE_URL = `${RENDERER_SCHEME}://${RENDERER_HOST}/index.html`;

/**
 * What protocol.registerSchemesAsPrivileged takes for the scheme (before the app is ready): Electron's documented
 * set. Not corsEnabled: that lets other origins read the scheme's answers without any Access-Control header.
 */
export function rendererSchemePrivileges() {
  return { scheme: RENDERER_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } };
}

/**
 * The policy sent with every answer, enforced with the page's meta policy: 'self' (kvscope://app) for
 * scripts and styles, no connection of any kind (not even to loopback, which the meta policy allows for
 * the browser host's page), no frames, no images but data: URLs.
 */
export const ELECTRON_CONTENT_SECURITY_POLICY = pagePolicy("'none'");

const HEADERS: Record<string, string> = {
  'Content-Security-Policy': ELECTRON_CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
};

function refused(status: number): Response {
  return new Response(null, { status, headers: HEADERS });
}

/** The protocol.handle handler: GET/HEAD of kvscope://app/<file under rendererDir>, nothing else. */
export function rendererProtocolHandler(rendererDir: string): (request: Request) => Promise<Response> {
  return async (request) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return refused(400);
    }
    if (url.protocol !== `${RENDERER_SCHEME}:` || url.host !== RENDERER_HOST) return refused(404);
    if (request.method !== 'GET' && request.method !== 'HEAD') return refused(405);
    const file = await resolveStaticFile(rendererDir, url.pathname);
    if (!file) return refused(404);
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(file.body), {
      status: 200,
      headers: { ...HEADERS, 'Content-Type': file.contentType },
    });
  };
}
