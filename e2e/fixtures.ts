/**
 * Test fixtures: a freshly generated demo store in a temp directory and the
 * browser host serving the built renderer on a random port.
 */
import { test as base, expect, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { makeDemoStore } from '../src/cli/demo.js';
import { startHost, type RunningHost } from '../src/host/index.js';

export const ROOT = resolve(import.meta.dirname, '..');
export const RENDERER_DIR = join(ROOT, 'out', 'renderer');
export const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots');

export interface Kv {
  /** The generated store. */
  dir: string;
  /** A scratch directory outside the store (config, other dirs). */
  base: string;
  host: RunningHost;
  /** The host URL with the token but without ?open=. */
  url: string;
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

export const test = base.extend<{ kv: Kv }>({
  // eslint-disable-next-line no-empty-pattern
  kv: async ({}, use) => {
    if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
      throw new Error(`No built renderer at ${RENDERER_DIR}: run \`npm run build\` first`);
    }
    const tmp = mkdtempSync(join(tmpdir(), 'kvscope-e2e-'));
    const dir = join(tmp, 'store');
    await makeDemoStore(dir);
    const host = await startHost({ readWrite: true, configDir: join(tmp, 'config'), rendererDir: RENDERER_DIR });
    await use({ dir, base: tmp, host, url: `http://127.0.0.1:${host.port}/?token=${host.token}` });
    await host.close();
    rmSync(tmp, { recursive: true, force: true });
  },
});

export { expect };

/** Opens `dir` from the open screen, the way a person does. */
export async function openFromScreen(page: Page, dir: string): Promise<void> {
  await page.getByLabel('Directory').fill(dir);
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await expect(page.getByRole('listbox', { name: 'Keys' })).toBeVisible();
}

export function keyOption(page: Page, display: string) {
  return page.getByRole('listbox', { name: 'Keys' }).getByRole('option', { name: display, exact: true });
}

/** Open the kv store from the open screen and switch it to read-write. */
export async function openReadWrite(page: Page, kv: Kv): Promise<void> {
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await page.getByRole('switch', { name: 'Read-write mode' }).click();
  await expect(page.getByRole('status', { name: 'Store status' })).toContainText('read-write');
}

/** Filter the key list down to `key`, select it, and wait for its value pane's heading. */
export async function selectKey(page: Page, key: string): Promise<void> {
  await page.getByLabel('Filter keys').fill(key);
  await keyOption(page, key).click();
  await expect(page.getByRole('heading', { name: key, exact: true })).toBeVisible();
}

/** Stop a writer process with SIGTERM and wait until it has exited (its close writes files into the store). */
export async function stopWriter(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Starts a process that holds `dir` open for writing; resolves with it and its pid once ready. */
export async function holdWriter(dir: string): Promise<{ child: ChildProcess; pid: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'e2e/helpers/hold-writer.ts'), dir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const pid = await new Promise<number>((resolvePid, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready (\d+)/.exec(out);
      if (m) resolvePid(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`writer exited with ${code}: ${stderr}`)));
  });
  return { child, pid };
}
