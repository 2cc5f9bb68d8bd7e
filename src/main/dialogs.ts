/**
 * The native choosers the Electron shell answers itself (the inspector
 * service, and so the browser host, answers them NOT_SUPPORTED): a directory
 * (Open, Copy into a new kvscope store…), a file to write (Export keys…) and
 * a file to read (Import JSON Lines…). Electron's dialog is passed in, so the
 * wiring is tested with a fake one.
 */
import type { MethodName, RequestOf, ResponseOf } from '../shared/contract.js';
import type { Dispatch } from './ipc.js';

interface FileFilter {
  name: string;
  extensions: string[];
}

export interface OpenDialogOptionsLike {
  title: string;
  properties: Array<'openDirectory' | 'openFile'>;
  filters?: FileFilter[];
}

export interface SaveDialogOptionsLike {
  title: string;
  defaultPath: string;
  filters: FileFilter[];
  properties: Array<'createDirectory'>;
}

/** The slice of Electron's `dialog` the choosers use (the window argument left to the caller). */
export interface DialogLike {
  showOpenDialog(options: OpenDialogOptionsLike): Promise<{ canceled: boolean; filePaths: string[] }>;
  showSaveDialog(options: SaveDialogOptionsLike): Promise<{ canceled: boolean; filePath?: string }>;
}

/** What Export keys… offers as the file's name. */
export const DEFAULT_EXPORT_NAME = 'keys.jsonl';

const JSON_LINES: FileFilter[] = [
  { name: 'JSON Lines', extensions: ['jsonl', 'ndjson'] },
  { name: 'All files', extensions: ['*'] },
];

export interface Choosers {
  chooseDirectory(req: RequestOf<'chooseDirectory'>): Promise<ResponseOf<'chooseDirectory'>>;
  chooseFile(req: RequestOf<'chooseFile'>): Promise<ResponseOf<'chooseFile'>>;
}

export function createChoosers(dialog: DialogLike): Choosers {
  return {
    async chooseDirectory({ title }) {
      const result = await dialog.showOpenDialog({ title: title ?? 'Open a key-value store', properties: ['openDirectory'] });
      return { path: result.canceled ? null : (result.filePaths[0] ?? null) };
    },
    async chooseFile({ mode, title }) {
      if (mode === 'save') {
        // The service asks before an export replaces a file (the dialog's Export then says so): Linux's dialog asks
        // only with showOverwriteConfirmation, left off; macOS's and Windows' ask whatever the flag.
        const result = await dialog.showSaveDialog({
          title: title ?? 'Export keys to a JSON Lines file',
          defaultPath: DEFAULT_EXPORT_NAME,
          filters: JSON_LINES,
          properties: ['createDirectory'],
        });
        return { path: result.canceled || !result.filePath ? null : result.filePath };
      }
      const result = await dialog.showOpenDialog({ title: title ?? 'Import a JSON Lines file', properties: ['openFile'], filters: JSON_LINES });
      return { path: result.canceled ? null : (result.filePaths[0] ?? null) };
    },
  };
}

/** The main process's dispatch: the choosers answered here, every other method by the service. */
export function withChoosers(choosers: Choosers, service: Dispatch): Dispatch {
  return (method: MethodName, request: unknown) => {
    if (method === 'chooseDirectory') return choosers.chooseDirectory(request as RequestOf<'chooseDirectory'>);
    if (method === 'chooseFile') return choosers.chooseFile(request as RequestOf<'chooseFile'>);
    return service(method, request);
  };
}
