/**
 * "Import JSON Lines…" through the real page: a file imported into a kvscope
 * store open read-write shows its keys; a file with a bad line imports
 * nothing and names the line; a long import shows its progress and,
 * cancelled while writing, says how far it went.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect, openReadWrite, selectKey, shot } from './fixtures.js';
import { cancelHeldJob, holdStoreCalls } from './helpers/held-store.js';

function importDialog(page: Page) {
  return page.getByRole('dialog', { name: 'Import JSON Lines' });
}

test('a file imported shows its keys; a bad line imports nothing', async ({ page, kv }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await openReadWrite(page, kv);
  const count = page.getByTestId('key-count');
  // Read once counted (a switch to read-write has the list counted again).
  await expect(count).toHaveText(/^[\d,]+ keys$/);
  const before = (await count.textContent())!;
  const bad = join(kv.base, 'bad.jsonl');
  writeFileSync(bad, '{"key": "imported:1", "value": "one"}\n{"key": "imported:2", "value": {"base64": "not base64!"}}\n');
  await page.getByRole('button', { name: 'Import JSON Lines…' }).click();
  const dialog = importDialog(page);
  await expect(dialog.getByLabel('File')).toBeFocused();
  // The browser host has no native file chooser: no Choose… that could only fail.
  await expect(dialog.getByRole('button', { name: 'Choose…' })).toHaveCount(0);
  await dialog.getByLabel('File').fill(bad);
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(dialog.getByRole('alert', { name: 'Import problem' })).toContainText(`${bad}:2: "value" is not valid base64; nothing was imported`);
  await shot(page, 'import-file-bad-line');
  await expect(count).toHaveText(before);

  const good = join(kv.base, 'good.jsonl');
  writeFileSync(good, '{"key": "imported:1", "value": "one"}\n{"key": "imported:2", "value": "two"}\n');
  await dialog.getByLabel('File').fill(good);
  await shot(page, 'import-file-dialog');
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(dialog.getByRole('status', { name: 'Import result' })).toContainText(`Imported 2 lines from ${good}.`);
  await shot(page, 'import-file-done');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await selectKey(page, 'imported:2');
  await expect(page.getByRole('region', { name: 'Value' })).toContainText('two');
});

test('a long import shows its progress; cancelled while writing, it says how far it went', async ({ page, kv }) => {
  const file = join(kv.base, 'many.jsonl');
  writeFileSync(file, Array.from({ length: 30_000 }, (_, i) => JSON.stringify({ key: `bulk:${String(i).padStart(6, '0')}`, value: `v${i}` })).join('\n') + '\n');
  await openReadWrite(page, kv);
  // The host runs in this process: each batch written (10,000 lines) takes half a second more, as on a slow disk,
  // and those after the first wait until Cancel was answered: the import is still writing then.
  const held = holdStoreCalls('batch', { delayMs: 500, after: 1 });
  try {
    await page.getByRole('button', { name: 'Import JSON Lines…' }).click();
    const dialog = importDialog(page);
    await dialog.getByLabel('File').fill(file);
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    await expect(dialog).toContainText(/Importing: [\d,]+ of 30,000/);
    await shot(page, 'import-file-progress');
    await cancelHeldJob(page, dialog.getByRole('button', { name: 'Cancel import' }), held);
    const result = dialog.getByRole('status', { name: 'Import result' });
    await expect(result).toContainText(/The import was cancelled while writing: [\d,]+ lines of 30,000 went in \(through line [\d,]+ of the file, in whole batches\); the rest did not\./);
    await shot(page, 'import-file-cancelled');
  } finally {
    held.restore();
  }
});
