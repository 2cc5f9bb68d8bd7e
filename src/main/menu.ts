import { resolve } from 'node:path';

/** The application menu as plain data, so it can be built and tested without Electron. */

export interface MenuItem {
  label?: string;
  role?: string;
  type?: 'separator' | 'submenu' | 'normal';
  accelerator?: string;
  enabled?: boolean;
  click?: () => void;
  submenu?: MenuItem[];
}

export interface MenuActions {
  openDirectory: () => void;
  openRecent: (path: string) => void;
  closeStore: () => void;
  about: () => void;
  quit: () => void;
}

export function buildMenuTemplate(recent: readonly string[], actions: MenuActions, isMac: boolean): MenuItem[] {
  const recentItems: MenuItem[] =
    recent.length === 0
      ? [{ label: 'No Recent Directories', enabled: false }]
      : recent.map((path) => ({ label: path, click: () => actions.openRecent(path) }));
  return [
    ...(isMac ? [{ role: 'appMenu' }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open Directory…', accelerator: 'CmdOrCtrl+O', click: actions.openDirectory },
        { label: 'Open Recent', submenu: recentItems },
        { type: 'separator' },
        { label: 'Close', accelerator: 'CmdOrCtrl+W', click: actions.closeStore },
        ...(isMac ? [] : [{ type: 'separator' as const }, { label: 'Quit', accelerator: 'CmdOrCtrl+Q', click: actions.quit }]),
      ],
    },
    { role: 'editMenu' },
    { label: 'Help', submenu: [{ label: 'About kvscope', click: actions.about }] },
  ];
}

/** The first argument after the app that is not a flag: a directory to open, made absolute. */
export function directoryFromArgv(argv: readonly string[], isPackaged: boolean, cwd: string): string | undefined {
  const args = argv.slice(isPackaged ? 1 : 2);
  const dir = args.find((a) => a !== '.' && !a.startsWith('-'));
  return dir === undefined ? undefined : resolve(cwd, dir);
}
