/**
 * Window hardening: secure webPreferences, our own renderer URL (kvscope://app,
 * renderer-protocol.ts) as the only trusted origin, navigation and new windows blocked, every permission
 * request denied. A folder dropped on the window shows up as a navigation to
 * its file:// URL; that is turned into an "open this directory" request
 * instead of a navigation.
 */
import { fileURLToPath } from 'node:url';
import { RENDERER_PAGE_URL } from './renderer-protocol.js';

export function secureWebPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
    // Middle-click (auxclick) could open a link in a new window; new windows are denied anyway.
    disableBlinkFeatures: 'Auxclick',
  } as const;
}

/**
 * The page we load: the built renderer on kvscope://app (served from out/renderer by renderer-protocol.ts), never
 * its file:// URL, whose origin is the whole disk. In development (`isPackaged` false) the dev server electron-vite
 * names in ELECTRON_RENDERER_URL, when it is on this machine: a packaged app, or a URL elsewhere, would hand the
 * preload's API (every store on disk) to whatever page the environment variable names.
 */
export function rendererUrl(devServerUrl: string | undefined, isPackaged: boolean): string {
  if (!devServerUrl || isPackaged) return RENDERER_PAGE_URL;
  let url: URL;
  try {
    url = new URL(devServerUrl);
  } catch {
    return RENDERER_PAGE_URL;
  }
  const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  return (url.protocol === 'http:' || url.protocol === 'https:') && loopback ? devServerUrl : RENDERER_PAGE_URL;
}

/**
 * True for our renderer page (any hash/query), false for anything else: the same scheme and host (with the
 * port), and for a file:// page the same file. Not URL.origin, which is 'null' for every kvscope:// (and
 * file://) URL alike.
 */
export function isTrustedUrl(url: string, trusted: string): boolean {
  let given: URL;
  let own: URL;
  try {
    given = new URL(url);
    own = new URL(trusted);
  } catch {
    return false;
  }
  if (given.protocol !== own.protocol || given.host !== own.host) return false;
  return own.protocol !== 'file:' || given.pathname === own.pathname;
}

export interface WebContentsLike {
  on(event: 'will-navigate', listener: (event: { preventDefault(): void }, url: string) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  session: {
    setPermissionRequestHandler(handler: (wc: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
    setPermissionCheckHandler(handler: () => boolean): void;
  };
}

export function hardenWebContents(
  contents: WebContentsLike,
  deps: { isDirectory: (path: string) => boolean; onOpenDirectory: (path: string) => void },
): void {
  contents.on('will-navigate', (event, url) => {
    event.preventDefault();
    if (!url.startsWith('file:')) return;
    let path: string;
    try {
      path = fileURLToPath(url);
    } catch {
      return;
    }
    path = path.replace(/[\\/]+$/, '') || '/';
    if (deps.isDirectory(path)) deps.onOpenDirectory(path);
  });
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  contents.session.setPermissionCheckHandler(() => false);
}
