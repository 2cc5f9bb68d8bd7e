/**
 * Decoded strings keep their spaces: runs of spaces in a value or a key are
 * shown as they are in the record details (tiny-log-kv edge-cases' "padded",
 * whose value starts with two spaces), not collapsed to one.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../src/engine/store.js';
import { SHARED_DIR } from '../test/shared-dir.js';
import { test, expect, openFromScreen, shot } from './fixtures.js';

test('tiny-log-kv "padded": the value’s two leading spaces are both shown', async ({ page, kv }) => {
  const dir = join(kv.base, 'tiny');
  cpSync(`${SHARED_DIR}/fixtures/tiny-log-kv/edge-cases/data`, dir, { recursive: true });
  await page.goto(kv.url);
  await openFromScreen(page, dir);
  await page.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name: 'Records' }).click();
  await page.getByLabel('Filter records by key').fill('padded');
  await page.getByRole('listbox', { name: 'Record table' }).getByRole('option').filter({ hasText: 'padded' }).first().click();
  const value = page.getByTestId('record-details').locator('li[data-role="value"] .field-value');
  // innerText is the text as rendered: spaces that CSS collapses are gone from it.
  expect(await value.innerText()).toContain('"  leading and trailing"');
  await shot(page, 'record-details-padded');
});

test('a native record’s key with a run of spaces keeps them in the details', async ({ page, kv }) => {
  const store = await Store.open(kv.dir);
  await store.put('spaced   key', 'v');
  await store.close();
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await page.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name: 'Records' }).click();
  // The key went into the newest data file.
  const files = await page.getByLabel('File', { exact: true }).locator('option').allTextContents();
  const newest = files.filter((f) => f.includes('.data')).at(-1)!.split(' ')[0]!;
  await page.getByLabel('File', { exact: true }).selectOption(newest);
  await page.getByLabel('Filter records by key').fill('spaced');
  await page.getByRole('listbox', { name: 'Record table' }).getByRole('option').filter({ hasText: 'spaced' }).click();
  const details = page.getByTestId('record-details');
  expect(await details.locator('li[data-role="key"] .field-value').innerText()).toContain('"spaced   key"');
  expect(await details.locator('.field-tree-head').innerText()).toContain('key spaced   key');
});
