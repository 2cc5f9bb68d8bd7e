#!/usr/bin/env node
/**
 * npm start: build, make sure the demo store exists, launch the Electron app
 * on it. Where no Electron binary is installed (as in CI sandboxes that block
 * its download), say so in one line and point to the browser host instead.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/**
 * Where the electron package keeps its binary. Computed here instead of
 * require('electron'), which would try to download the binary when missing.
 */
function electronBinary() {
  let packageDir;
  try {
    packageDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { reason: 'the electron package is not installed' };
  }
  const pathFile = join(packageDir, 'path.txt');
  const fallback = { win32: 'electron.exe', darwin: 'Electron.app/Contents/MacOS/Electron' }[process.platform] ?? 'electron';
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : fallback;
  const path = join(process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(packageDir, 'dist'), relative);
  return existsSync(path) ? { path } : { reason: `nothing at ${path}` };
}

const electron = electronBinary();
if (!electron.path) {
  console.error(
    `kvscope: no Electron binary is installed (${electron.reason}); run \`npm run serve:demo\` to use the inspector in a browser instead.`,
  );
  process.exit(1);
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run('npm', ['run', 'build']);
const demo = join(root, 'demo-data');
if (!existsSync(demo)) run(process.execPath, [join(root, 'bin', 'kvscope.js'), 'demo', demo]);

const child = spawn(electron.path, [root, demo], { cwd: root, stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
