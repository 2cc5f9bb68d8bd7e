/**
 * "Export keys…": the keys the list shows for a prefix filter, exported
 * through the real page, are what `kvscope export --prefix` prints, byte for
 * byte; exporting over that file asks first; a long export shows its
 * progress and, cancelled, leaves no file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { Store } from '../src/engine/store.js';
import { test, expect, openFromScreen, ROOT, shot } from './fixtures.js';
import { cancelHeldJob, holdStoreCalls } from './helpers/held-store.js';

function exportDialog(page: Page) {
  return page.getByRole('dialog', { name: 'Export keys' });
}

async function filterByPrefix(page: Page, prefix: string): Promise<void> {
  await page.getByRole('radiogroup', { name: 'Filter mode' }).getByRole('radio', { name: 'prefix' }).click();
  await page.getByLabel('Filter keys').fill(prefix);
  await expect(page.getByTestId('key-count')).toHaveText(/ of /);
}

test('a prefix filter exported is what kvscope export --prefix prints; a file already there is replaced only when asked', async ({ page, kv }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await filterByPrefix(page, 'user:001');
  const count = (await page.getByTestId('key-count').textContent())!.split(' ')[0];
  await page.getByRole('button', { name: 'Export…' }).click();
  const dialog = exportDialog(page);
  await expect(dialog).toContainText(`Writes the live keys starting with “user:001” (${count} keys, as the list shows them)`);
  await expect(dialog.getByLabel('File')).toBeFocused();
  // The browser host has no native file chooser: no Choose… that could only fail.
  await expect(dialog.getByRole('button', { name: 'Choose…' })).toHaveCount(0);
  const path = join(kv.base, 'users.jsonl');
  await dialog.getByLabel('File').fill(path);
  await shot(page, 'export-keys-dialog');
  await dialog.getByRole('button', { name: 'Export', exact: true }).click();
  await expect(dialog.getByRole('status', { name: 'Export result' })).toContainText(`Wrote ${count} keys`);
  await shot(page, 'export-keys-done');
  const cli = spawnSync(process.execPath, [join(ROOT, 'bin/kvscope.js'), '--dir', kv.dir, 'export', '--prefix', 'user:001']);
  expect(cli.status, cli.stderr.toString()).toBe(0);
  expect(readFileSync(path).equals(cli.stdout)).toBe(true);
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toHaveCount(0);

  // The same file again, with another filter: asked before it is replaced.
  await filterByPrefix(page, 'user:0011');
  await page.getByRole('button', { name: 'Export…' }).click();
  await dialog.getByLabel('File').fill(path);
  await dialog.getByRole('button', { name: 'Export', exact: true }).click();
  const exists = dialog.getByRole('alert', { name: 'File exists' });
  await expect(exists).toContainText(`${path} already exists. Replace it with the export?`);
  await shot(page, 'export-keys-exists');
  expect(readFileSync(path).equals(cli.stdout)).toBe(true);
  await exists.getByRole('button', { name: 'Replace it' }).click();
  await expect(dialog.getByRole('status', { name: 'Export result' })).toContainText('Wrote');
  const again = spawnSync(process.execPath, [join(ROOT, 'bin/kvscope.js'), '--dir', kv.dir, 'export', '--prefix', 'user:0011']);
  expect(readFileSync(path).equals(again.stdout)).toBe(true);
});

test('a long export shows its progress; Cancel leaves no file', async ({ page, kv }) => {
  const source = join(kv.base, 'big');
  const store = await Store.open(source, { create: true, fsync: 'never' });
  const ops = [];
  for (let i = 0; i < 5000; i++) ops.push({ type: 'put' as const, key: `key:${String(i).padStart(5, '0')}`, value: `value ${i}` });
  await store.batch(ops);
  await store.close();
  // The host runs in this process: each value read takes a millisecond more, as on a slow disk, and those after
  // the first 2,048 (it tells its progress every 1,024 keys) wait until Cancel was answered: the export is still running then.
  const held = holdStoreCalls('get', { delayMs: 1, after: 2048 });
  try {
    await page.goto(kv.url);
    await openFromScreen(page, source);
    await page.getByRole('button', { name: 'Export…' }).click();
    const dialog = exportDialog(page);
    const path = join(kv.base, 'all.jsonl');
    await dialog.getByLabel('File').fill(path);
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await expect(dialog.getByRole('progressbar', { name: 'Export progress' })).toHaveAttribute('aria-valuenow', /^[1-9]\d?$/);
    await expect(dialog).toContainText(/Exporting keys: [\d,]+ of 5,000/);
    await shot(page, 'export-keys-progress');
    await cancelHeldJob(page, dialog.getByRole('button', { name: 'Cancel export' }), held);
    await expect(dialog.getByRole('alert', { name: 'Export problem' })).toContainText(`The export was cancelled: no file was written, ${path} is as it was before.`);
    await shot(page, 'export-keys-cancelled');
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(kv.base).filter((n) => n.endsWith('.partial'))).toEqual([]);
  } finally {
    held.restore();
  }
});
