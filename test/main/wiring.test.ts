import { describe, expect, it, vi } from 'vitest';
import { createChoosers, withChoosers, type DialogLike } from '../../src/main/dialogs.js';
import { registerContractHandlers, type InvokeEventLike } from '../../src/main/ipc.js';
import { buildMenuTemplate, directoryFromArgv, type MenuItem } from '../../src/main/menu.js';
import { hardenWebContents, isTrustedUrl, rendererUrl, secureWebPreferences } from '../../src/main/security.js';
import { RENDERER_PAGE_URL } from '../../src/main/renderer-protocol.js';
import { buildPreloadApi, exposeApi } from '../../src/preload/api.js';
import { IPC_EVENT_CHANNEL, METHOD_NAMES, ipcChannel } from '../../src/shared/contract.js';
import { ApiError, asApiError } from '../../src/shared/errors.js';
import { toApiError } from '../../src/inspector/errors.js';

const PAGE = RENDERER_PAGE_URL;
type Handler = (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>;

function fakeIpcMain() {
  const handlers = new Map<string, Handler>();
  return {
    handlers,
    handle: (channel: string, handler: Handler) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, handler);
    },
    removeHandler: (channel: string) => handlers.delete(channel),
  };
}

function wire() {
  const ipcMain = fakeIpcMain();
  const dispatch = vi.fn(async (method: string, request: unknown) => ({ method, request }));
  const registration = registerContractHandlers({
    ipcMain,
    dispatch,
    isTrustedUrl: (url) => isTrustedUrl(url, PAGE),
    toError: toApiError,
  });
  return { ipcMain, dispatch, registration };
}

const fromPage: InvokeEventLike = { senderFrame: { url: PAGE } };

describe('main process IPC wiring', () => {
  it('registers exactly one handler per contract method', () => {
    const { ipcMain, registration } = wire();
    expect([...ipcMain.handlers.keys()].sort()).toEqual(METHOD_NAMES.map(ipcChannel).sort());
    registration.dispose();
    expect(ipcMain.handlers.size).toBe(0);
  });

  it('validates the request and passes the parsed value on', async () => {
    const { ipcMain, dispatch } = wire();
    const reply = await ipcMain.handlers.get(ipcChannel('openStore'))!(fromPage, { path: '/data/s' });
    expect(reply).toEqual({ ok: true, value: { method: 'openStore', request: { path: '/data/s' } } });
    expect(dispatch).toHaveBeenCalledOnce();
  });

  it.each([
    ['a wrong type', 'listKeys', { sessionId: 's1', offset: 'zero', limit: 1 }],
    ['a relative path', 'openStore', { path: 'data/../etc' }],
    ['a NUL byte', 'openStore', { path: '/data/\u0000' }],
    ['extra fields', 'formats', { evil: true }],
  ])('answers BAD_REQUEST for %s without calling the service', async (_name, method, raw) => {
    const { ipcMain, dispatch } = wire();
    const reply = await ipcMain.handlers.get(ipcChannel(method as 'formats'))!(fromPage, raw);
    expect(reply).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(dispatch).not.toHaveBeenCalled();
  });

  it.each([
    ['a remote page', { senderFrame: { url: 'https://evil.example/' } }],
    ['another local file', { senderFrame: { url: 'file:///tmp/evil.html' } }],
    ['the built page as a file:// URL', { senderFrame: { url: 'file:///app/out/renderer/index.html' } }],
    ['another kvscope:// host', { senderFrame: { url: 'kvscope://evil/index.html' } }],
    ['another scheme with the same host', { senderFrame: { url: 'evil://app/index.html' } }],
    ['a missing frame', { senderFrame: null }],
  ])('refuses calls from %s', async (_name, event) => {
    const { ipcMain, dispatch } = wire();
    const reply = await ipcMain.handlers.get(ipcChannel('formats'))!(event, {});
    expect(reply).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(dispatch).not.toHaveBeenCalled();
  });

  it('keeps error codes and details across the boundary', async () => {
    const ipcMain = fakeIpcMain();
    registerContractHandlers({
      ipcMain,
      isTrustedUrl: () => true,
      toError: toApiError,
      dispatch: async () => {
        throw new ApiError('LOCKED', 'locked by pid 42', { pid: 42 });
      },
    });
    const reply = await ipcMain.handlers.get(ipcChannel('setMode'))!(fromPage, { sessionId: 's1', readWrite: true });
    expect(reply).toEqual({ ok: false, error: { code: 'LOCKED', message: 'locked by pid 42', details: { pid: 42 } } });
  });
});

describe('preload', () => {
  function fakeIpcRenderer(reply: unknown = { ok: true, value: 'v' }) {
    const listeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
    return {
      invoke: vi.fn(async () => reply),
      on: (channel: string, l: (event: unknown, ...args: unknown[]) => void) => {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel)!.add(l);
      },
      removeListener: (channel: string, l: (event: unknown, ...args: unknown[]) => void) => listeners.get(channel)?.delete(l),
      emit: (channel: string, payload: unknown) => listeners.get(channel)?.forEach((l) => l({ sender: 'secret' }, payload)),
      listeners,
    };
  }

  it('exposes exactly the contract as window.kvscope, and nothing else', () => {
    const exposeInMainWorld = vi.fn();
    exposeApi({ exposeInMainWorld }, fakeIpcRenderer());
    expect(exposeInMainWorld).toHaveBeenCalledOnce();
    const [name, api] = exposeInMainWorld.mock.calls[0]!;
    expect(name).toBe('kvscope');
    expect(Object.keys(api).sort()).toEqual([...METHOD_NAMES, 'onEvent'].sort());
    for (const value of Object.values(api)) expect(typeof value).toBe('function');
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('invokes the method channel and unwraps the envelope', async () => {
    const ipc = fakeIpcRenderer({ ok: true, value: { formats: [] } });
    const api = buildPreloadApi(ipc) as Record<string, (r: unknown) => Promise<unknown>>;
    await expect(api.formats!({})).resolves.toEqual({ formats: [] });
    expect(ipc.invoke).toHaveBeenCalledWith(ipcChannel('formats'), {});
  });

  it('rejects with an error the renderer can decode back to its code', async () => {
    const ipc = fakeIpcRenderer({ ok: false, error: { code: 'LOCKED', message: 'pid 7 holds it', details: { pid: 7 } } });
    const api = buildPreloadApi(ipc) as Record<string, (r: unknown) => Promise<unknown>>;
    const err = await api.setMode!({ sessionId: 's', readWrite: true }).catch((e: unknown) => e);
    // contextBridge keeps only the message; the shape must survive in it.
    const decoded = asApiError(new Error((err as Error).message));
    expect(decoded.toJSON()).toEqual({ code: 'LOCKED', message: 'pid 7 holds it', details: { pid: 7 } });
  });

  it('forwards events without the IPC event object and unsubscribes', () => {
    const ipc = fakeIpcRenderer();
    const api = buildPreloadApi(ipc) as { onEvent: (l: (e: unknown) => void) => () => void };
    const seen: unknown[] = [];
    const off = api.onEvent((e) => seen.push(e));
    ipc.emit(IPC_EVENT_CHANNEL, { type: 'store-changed', sessionId: 's' });
    off();
    ipc.emit(IPC_EVENT_CHANNEL, { type: 'store-changed', sessionId: 's2' });
    expect(seen).toEqual([{ type: 'store-changed', sessionId: 's' }]);
  });

  it('keeps events sent before the page subscribed (a directory from the command line)', async () => {
    const ipc = fakeIpcRenderer();
    const api = buildPreloadApi(ipc) as { onEvent: (l: (e: unknown) => void) => () => void };
    ipc.emit(IPC_EVENT_CHANNEL, { type: 'open-directory', path: '/data/store' });
    const seen: unknown[] = [];
    api.onEvent((e) => seen.push(e));
    await Promise.resolve();
    expect(seen).toEqual([{ type: 'open-directory', path: '/data/store' }]);
  });
});

describe('window security', () => {
  it('uses isolated, sandboxed, node-free web preferences', () => {
    expect(secureWebPreferences('/p.cjs')).toMatchObject({
      preload: '/p.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    });
  });

  it('loads the page from kvscope://app, not from its file:// URL (whose origin is the whole disk)', () => {
    expect(rendererUrl(undefined, false)).toBe('kvscope://app/index.html');
    expect(rendererUrl(undefined, true)).toBe('kvscope://app/index.html');
  });

  it('takes the dev server from ELECTRON_RENDERER_URL only unpackaged, and only on this machine', () => {
    expect(rendererUrl('http://localhost:5173/', false)).toBe('http://localhost:5173/');
    expect(rendererUrl('http://127.0.0.1:5173/', false)).toBe('http://127.0.0.1:5173/');
    // A packaged app ignores it: the variable would give any page the preload's API.
    expect(rendererUrl('http://localhost:5173/', true)).toBe('kvscope://app/index.html');
    for (const elsewhere of ['https://evil.example/', 'http://localhost.evil.example/', 'file:///tmp/evil.html', 'javascript:alert(1)', 'not a url']) {
      expect(rendererUrl(elsewhere, false), elsewhere).toBe('kvscope://app/index.html');
    }
  });

  it('trusts only our own renderer URL', () => {
    expect(isTrustedUrl(`${PAGE}#x`, PAGE)).toBe(true);
    expect(isTrustedUrl(`${PAGE}?open=1`, PAGE)).toBe(true);
    // Node's URL gives every kvscope:// URL the origin 'null': scheme and host are compared instead.
    expect(isTrustedUrl('kvscope://evil/index.html', PAGE)).toBe(false);
    expect(isTrustedUrl('other://app/index.html', PAGE)).toBe(false);
    expect(isTrustedUrl('file:///app/out/renderer/index.html', PAGE)).toBe(false);
    const file = 'file:///app/out/renderer/index.html';
    expect(isTrustedUrl(`${file}#x`, file)).toBe(true);
    expect(isTrustedUrl('file:///app/out/renderer/other.html', file)).toBe(false);
    expect(isTrustedUrl('file://evil-host/app/out/renderer/index.html', file)).toBe(false);
    expect(isTrustedUrl('http://localhost:5173/', 'http://localhost:5173/')).toBe(true);
    expect(isTrustedUrl('http://localhost:5174/', 'http://localhost:5173/')).toBe(false);
    expect(isTrustedUrl('not a url', PAGE)).toBe(false);
  });

  it('blocks navigation and new windows, denies permissions, and opens dropped folders', () => {
    let navigate: ((e: { preventDefault(): void }, url: string) => void) | undefined;
    let openHandler: ((d: { url: string }) => { action: 'deny' }) | undefined;
    let permission: ((wc: unknown, p: string, cb: (g: boolean) => void) => void) | undefined;
    let check: (() => boolean) | undefined;
    const opened: string[] = [];
    hardenWebContents(
      {
        on: (_event, l) => (navigate = l),
        setWindowOpenHandler: (h) => (openHandler = h),
        session: { setPermissionRequestHandler: (h) => (permission = h), setPermissionCheckHandler: (h) => (check = h) },
      },
      { isDirectory: (p) => p === '/data/store', onOpenDirectory: (p) => opened.push(p) },
    );
    const prevent = vi.fn();
    navigate!({ preventDefault: prevent }, 'https://evil.example/');
    navigate!({ preventDefault: prevent }, 'file:///data/store/');
    navigate!({ preventDefault: prevent }, 'file:///data/file.txt');
    expect(prevent).toHaveBeenCalledTimes(3);
    expect(opened).toEqual(['/data/store']);
    expect(openHandler!({ url: 'https://x' })).toEqual({ action: 'deny' });
    const granted: boolean[] = [];
    for (const p of ['media', 'geolocation', 'notifications']) permission!(null, p, (g) => granted.push(g));
    expect(granted).toEqual([false, false, false]);
    expect(check!()).toBe(false);
  });
});

describe('menu and command line', () => {
  const actions = { openDirectory: vi.fn(), openRecent: vi.fn(), closeStore: vi.fn(), about: vi.fn(), quit: vi.fn() };
  const find = (items: MenuItem[], label: string) => items.find((i) => i.label === label)!;

  it('has File › Open Directory…, Open Recent, Close and Help › About', () => {
    const menu = buildMenuTemplate(['/a', '/b'], actions, false);
    const file = find(menu, 'File').submenu!;
    find(file, 'Open Directory…').click!();
    expect(actions.openDirectory).toHaveBeenCalled();
    const recent = find(file, 'Open Recent').submenu!;
    expect(recent.map((r) => r.label)).toEqual(['/a', '/b']);
    recent[1]!.click!();
    expect(actions.openRecent).toHaveBeenCalledWith('/b');
    find(file, 'Close').click!();
    expect(actions.closeStore).toHaveBeenCalled();
    find(find(menu, 'Help').submenu!, 'About kvscope').click!();
    expect(actions.about).toHaveBeenCalled();
    expect(find(buildMenuTemplate([], actions, false), 'File').submenu![1]!.submenu![0]).toMatchObject({ enabled: false });
  });

  it('takes a directory from the command line, made absolute', () => {
    expect(directoryFromArgv(['electron', '.', 'demo-data'], false, '/work')).toBe('/work/demo-data');
    expect(directoryFromArgv(['electron', '.', '--inspect', '/abs/store'], false, '/work')).toBe('/abs/store');
    expect(directoryFromArgv(['kvscope', '/abs/store'], true, '/work')).toBe('/abs/store');
    expect(directoryFromArgv(['electron', '.'], false, '/work')).toBeUndefined();
  });
});

describe('native choosers', () => {
  /** The main process's wiring with a fake Electron dialog answering `answer` and a service that records its calls. */
  function wireChoosers(answer: { canceled: boolean; path?: string }) {
    const dialog = {
      showOpenDialog: vi.fn<DialogLike['showOpenDialog']>(async () => ({ canceled: answer.canceled, filePaths: answer.path ? [answer.path] : [] })),
      showSaveDialog: vi.fn<DialogLike['showSaveDialog']>(async () => ({ canceled: answer.canceled, ...(answer.path ? { filePath: answer.path } : {}) })),
    };
    const service = vi.fn(async (method: string) => ({ from: 'service', method }));
    const ipcMain = fakeIpcMain();
    registerContractHandlers({ ipcMain, isTrustedUrl: (url) => isTrustedUrl(url, PAGE), toError: toApiError, dispatch: withChoosers(createChoosers(dialog), service) });
    const call = (method: 'chooseFile' | 'chooseDirectory' | 'formats', request: unknown) => ipcMain.handlers.get(ipcChannel(method))!(fromPage, request);
    return { dialog, service, call };
  }

  it("chooseFile 'save' asks the save dialog for a JSON Lines file named keys.jsonl and answers the path", async () => {
    const { dialog, service, call } = wireChoosers({ canceled: false, path: '/home/me/out.jsonl' });
    expect(await call('chooseFile', { mode: 'save', title: 'Export keys' })).toEqual({ ok: true, value: { path: '/home/me/out.jsonl' } });
    expect(dialog.showSaveDialog).toHaveBeenCalledOnce();
    const options = dialog.showSaveDialog.mock.calls[0]![0];
    expect(options).toMatchObject({ title: 'Export keys', defaultPath: 'keys.jsonl' });
    expect(options.filters[0]).toEqual({ name: 'JSON Lines', extensions: ['jsonl', 'ndjson'] });
    // The service asks before a file is replaced, not the dialog (where the platform leaves that to us).
    expect(options.properties).not.toContain('showOverwriteConfirmation');
    expect(dialog.showOpenDialog).not.toHaveBeenCalled();
    expect(service).not.toHaveBeenCalled();
  });

  it("chooseFile 'open' asks the open dialog for one file, not a directory nor several", async () => {
    const { dialog, service, call } = wireChoosers({ canceled: false, path: '/home/me/in.jsonl' });
    expect(await call('chooseFile', { mode: 'open' })).toEqual({ ok: true, value: { path: '/home/me/in.jsonl' } });
    expect(dialog.showOpenDialog).toHaveBeenCalledOnce();
    const options = dialog.showOpenDialog.mock.calls[0]![0];
    expect(options.properties).toEqual(['openFile']);
    expect(options.filters?.[0]?.extensions).toContain('jsonl');
    expect(dialog.showSaveDialog).not.toHaveBeenCalled();
    expect(service).not.toHaveBeenCalled();
  });

  it('answers path null when the person cancels, in both modes and for a directory', async () => {
    // A cancelled dialog's path, if it gives one, is not taken.
    const { call } = wireChoosers({ canceled: true, path: '/stale/choice' });
    for (const mode of ['save', 'open']) expect(await call('chooseFile', { mode })).toEqual({ ok: true, value: { path: null } });
    expect(await call('chooseDirectory', {})).toEqual({ ok: true, value: { path: null } });
  });

  it('chooseDirectory asks the open dialog for a directory', async () => {
    const { dialog, call } = wireChoosers({ canceled: false, path: '/data/store' });
    expect(await call('chooseDirectory', { title: 'Pick' })).toEqual({ ok: true, value: { path: '/data/store' } });
    expect(dialog.showOpenDialog.mock.calls[0]![0]).toMatchObject({ title: 'Pick', properties: ['openDirectory'] });
  });

  it.each([
    ['a bad mode', { mode: 'delete' }],
    ['no mode', {}],
    ['a path to fill in', { mode: 'save', defaultPath: '/etc/passwd' }],
    ['a title too long', { mode: 'open', title: 'x'.repeat(201) }],
  ])('refuses %s with BAD_REQUEST before any dialog opens', async (_name, request) => {
    const { dialog, service, call } = wireChoosers({ canceled: false, path: '/x' });
    expect(await call('chooseFile', request)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(dialog.showOpenDialog).not.toHaveBeenCalled();
    expect(dialog.showSaveDialog).not.toHaveBeenCalled();
    expect(service).not.toHaveBeenCalled();
  });

  it('leaves every other method to the service', async () => {
    const { dialog, service, call } = wireChoosers({ canceled: false, path: '/x' });
    expect(await call('formats', {})).toEqual({ ok: true, value: { from: 'service', method: 'formats' } });
    expect(service).toHaveBeenCalledOnce();
    expect(dialog.showOpenDialog).not.toHaveBeenCalled();
  });
});
