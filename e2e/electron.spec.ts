/**
 * The same journey in the Electron shell, through Playwright's _electron.
 * Skips, saying why, where no Electron binary is installed (its download
 * needs network this environment does not have); it never pretends to pass.
 */
import { _electron as electron } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDemoStore } from '../src/cli/demo.js';
import { test, expect, keyOption, ROOT, shot } from './fixtures.js';
import { findElectronBinary } from './helpers/electron-binary.js';

const binary = findElectronBinary();

test('electron: open from the command line, browse, edit, delete, compact', async () => {
  test.skip(!binary.found, `No Electron binary found at ${binary.path}: ${binary.reason}`);
  const tmp = mkdtempSync(join(tmpdir(), 'kvscope-electron-'));
  const dir = join(tmp, 'store');
  await makeDemoStore(dir);
  const app = await electron.launch({
    executablePath: binary.path,
    args: [ROOT, dir],
    env: { ...process.env, KVSCOPE_CONFIG_DIR: join(tmp, 'config') },
  });
  try {
    const page = await app.firstWindow();
    // Exactly the contract is exposed, nothing of Node.
    const exposed = await page.evaluate(() => ({
      api: Object.keys(window.kvscope ?? {}).sort(),
      hasRequire: typeof (window as unknown as { require?: unknown }).require !== 'undefined',
      hasProcess: typeof (window as unknown as { process?: unknown }).process !== 'undefined',
    }));
    expect(exposed.hasRequire).toBe(false);
    expect(exposed.hasProcess).toBe(false);
    expect(exposed.api).toContain('onEvent');
    expect(exposed.api).toContain('openStore');
    // The page is kvscope://app (src/main/renderer-protocol.ts), not file://: another file on disk is not its to read.
    expect(page.url()).toBe('kvscope://app/index.html');
    const passwd = await page.evaluate(() => fetch('file:///etc/passwd').then((r) => r.text(), () => 'refused'));
    expect(passwd).toBe('refused');

    const keys = page.getByRole('listbox', { name: 'Keys' });
    await expect(keys).toBeVisible();
    await expect(page.getByRole('status', { name: 'Store status' })).toContainText(dir);
    await page.getByLabel('Filter keys').fill('config/app');
    await keyOption(page, 'config/app.json').click();
    const value = page.getByRole('region', { name: 'Value' });
    await expect(value).toContainText('"theme": "dark"');
    for (const tab of ['JSON', 'Hex', 'Base64', 'Text']) await page.getByRole('tab', { name: tab }).click();
    await shot(page, 'electron-01-value');

    await page.getByRole('switch', { name: 'Read-write mode' }).click();
    await expect(page.getByRole('status', { name: 'Store status' })).toContainText('read-write');
    await page.getByLabel('Filter keys').fill('greeting');
    await keyOption(page, 'greeting').click();
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('textbox', { name: 'Value' }).fill('hello from electron');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(value).toContainText('hello from electron');

    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete key?' }).getByRole('button', { name: 'Delete' }).click();
    await expect(page.getByTestId('key-count')).toHaveText(/^0 of /);

    await page.getByLabel('Filter keys').fill('');
    await page.getByRole('complementary', { name: 'Statistics' }).getByRole('button', { name: 'Compact' }).click();
    await expect(page.getByRole('status', { name: 'Compaction result' })).toContainText('Compaction finished');
    await shot(page, 'electron-02-compacted');
  } finally {
    await app.close();
    rmSync(tmp, { recursive: true, force: true });
  }
});
