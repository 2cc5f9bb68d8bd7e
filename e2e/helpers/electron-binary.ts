/**
 * Finds the Electron binary the way the electron package does, without
 * require('electron') (which starts a download when the binary is missing).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export function findElectronBinary(): { path: string; found: boolean; reason: string } {
  const require = createRequire(import.meta.url);
  let packageDir: string;
  try {
    packageDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { path: 'node_modules/electron', found: false, reason: 'the electron package is not installed' };
  }
  const pathFile = join(packageDir, 'path.txt');
  const fallback =
    process.platform === 'win32' ? 'electron.exe' : process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron';
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : fallback;
  const path = join(process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(packageDir, 'dist'), relative);
  if (existsSync(path)) return { path, found: true, reason: '' };
  return {
    path,
    found: false,
    reason: existsSync(pathFile)
      ? 'the file listed in node_modules/electron/path.txt does not exist'
      : 'the electron package has no path.txt: its binary download never ran (no network here)',
  };
}
