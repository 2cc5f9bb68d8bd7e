/**
 * The Electron main process: one hardened window, the menu, the native
 * open and save dialogs (dialogs.ts), a directory from the command line or dropped on the window, and the
 * contract served over IPC by the same inspector service the browser host
 * uses. Everything testable lives in ipc.ts, dialogs.ts, security.ts and menu.ts.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, type MenuItemConstructorOptions } from 'electron';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { IPC_EVENT_CHANNEL, type KvscopeEvent, type MethodName } from '../shared/contract.js';
import { createEngineOpener } from '../inspector/engine-opener.js';
import { toApiError } from '../inspector/errors.js';
import { InspectorService } from '../inspector/service.js';
import { createChoosers, withChoosers } from './dialogs.js';
import { registerContractHandlers } from './ipc.js';
import { buildMenuTemplate, directoryFromArgv } from './menu.js';
import { RENDERER_SCHEME, rendererProtocolHandler, rendererSchemePrivileges } from './renderer-protocol.js';
import { hardenWebContents, isTrustedUrl, rendererUrl, secureWebPreferences } from './security.js';

const service = new InspectorService({
  opener: createEngineOpener(),
  // KVSCOPE_CONFIG_DIR lets tests keep their recent list out of the user's profile.
  configDir: process.env.KVSCOPE_CONFIG_DIR || app.getPath('userData'),
  allowWrites: true,
});
// Crash-lab copies an inspector that died left in the temp directory (only those its marker proves ours).
service.sweepAbandonedLabCopies();
// The page is kvscope://app/index.html, not a file:// URL (renderer-protocol.ts says why); the scheme must be
// registered before the app is ready, and is handled once it is.
protocol.registerSchemesAsPrivileged([rendererSchemePrivileges()]);
const pageUrl = rendererUrl(process.env.ELECTRON_RENDERER_URL, app.isPackaged);
let mainWindow: BrowserWindow | null = null;
let pendingDirectory = directoryFromArgv(process.argv, app.isPackaged, process.cwd());

function send(event: KvscopeEvent): void {
  if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(IPC_EVENT_CHANNEL, event);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

// The dialogs are the window's (modal to it) once there is one.
const choosers = createChoosers({
  showOpenDialog: (options) => (mainWindow ? dialog.showOpenDialog(mainWindow, options) : dialog.showOpenDialog(options)),
  showSaveDialog: (options) => (mainWindow ? dialog.showSaveDialog(mainWindow, options) : dialog.showSaveDialog(options)),
});

async function refreshMenu(): Promise<void> {
  const recent = (await service.listRecent({}).catch(() => ({ entries: [] }))).entries.map((e) => e.path);
  const template = buildMenuTemplate(
    recent,
    {
      openDirectory: () => {
        void choosers.chooseDirectory({}).then(({ path }) => path && send({ type: 'open-directory', path }));
      },
      openRecent: (path) => send({ type: 'open-directory', path }),
      closeStore: () => send({ type: 'close-store' }),
      about: () => {
        void dialog.showMessageBox({
          type: 'info',
          title: 'About kvscope',
          message: `kvscope ${app.getVersion()}`,
          detail: 'An inspector for log-structured key-value stores.',
        });
      },
      quit: () => app.quit(),
    },
    process.platform === 'darwin',
  );
  Menu.setApplicationMenu(Menu.buildFromTemplate(template as MenuItemConstructorOptions[]));
}

function createWindow(): void {
  // Electronegativity cannot see through secureWebPreferences(): contextIsolation, sandbox and
  // disableBlinkFeatures 'Auxclick' are set there, asserted by test/main/wiring.test.ts and
  // test/reliability/electronegativity.test.ts, hence the suppression on the next line.
  mainWindow = new BrowserWindow({ // eng-disable CONTEXT_ISOLATION_JS_CHECK SANDBOX_JS_CHECK AUXCLICK_JS_CHECK
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 560,
    title: 'kvscope',
    backgroundColor: '#0f1217',
    show: false,
    webPreferences: secureWebPreferences(join(__dirname, '../preload/index.cjs')),
  });
  hardenWebContents(mainWindow.webContents, {
    isDirectory,
    onOpenDirectory: (path) => send({ type: 'open-directory', path }),
  });
  mainWindow.once('ready-to-show', () => mainWindow?.show());
  // A reload starts a new page: the old page's stores (and writer lock) go.
  mainWindow.webContents.on('did-start-loading', () => {
    void service.closeAllSessions();
  });
  mainWindow.webContents.on('did-finish-load', () => {
    if (pendingDirectory) {
      send({ type: 'open-directory', path: pendingDirectory });
      pendingDirectory = undefined;
    }
  });
  mainWindow.on('closed', () => {
    mainWindow = null;
  });
  void mainWindow.loadURL(pageUrl);
}

registerContractHandlers({
  ipcMain,
  isTrustedUrl: (url) => isTrustedUrl(url, pageUrl),
  toError: toApiError,
  dispatch: withChoosers(choosers, (method: MethodName, request: unknown) => {
    const result = service.dispatch(method, request);
    if (method === 'openStore' || method === 'addRecent') void result.then(() => refreshMenu(), () => undefined);
    return result;
  }),
});
service.onEvent(send);

// Every renderer sandboxed, whatever its webPreferences say.
app.enableSandbox();

app.on('web-contents-created', (_event, contents) => {
  // No other window, webview or navigation, whoever asks.
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

app.whenReady().then(async () => {
  protocol.handle(RENDERER_SCHEME, rendererProtocolHandler(join(__dirname, '../renderer')));
  await refreshMenu();
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app.on('will-quit', () => {
  void service.close();
});
