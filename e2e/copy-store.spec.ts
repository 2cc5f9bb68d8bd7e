/**
 * "Copy into a new kvscope store…": another engine's store, read-only in
 * kvscope, copied through the real page into a new kvscope store, which is
 * then opened read-write and edited; a long copy shows its progress and is
 * cancelled, leaving no directory; a relative or non-empty target is refused
 * in the dialog.
 */
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { Store } from '../src/engine/store.js';
import { SHARED_DIR } from '../test/shared-dir.js';
import { hashTree } from '../test/formats/helpers.js';
import { test, expect, openFromScreen, selectKey, shot } from './fixtures.js';
import { cancelHeldJob, holdStoreCalls } from './helpers/held-store.js';

const riak = `${SHARED_DIR}/fixtures/riak-bitcask/basic/data`;

function copyDialog(page: Page) {
  return page.getByRole('dialog', { name: 'Copy into a new kvscope store' });
}

test('a Riak store copied into a new kvscope store, opened read-write and edited; the Riak files unchanged', async ({ page, kv }) => {
  test.skip(!existsSync(riak), 'no riak-bitcask fixture');
  await page.setViewportSize({ width: 1280, height: 800 });
  const source = join(kv.base, 'riak');
  cpSync(riak, source, { recursive: true });
  const before = hashTree(source);
  await page.goto(kv.url);
  await openFromScreen(page, source);
  await expect(page.getByTestId('format-badge')).toContainText('riak-bitcask');
  await expect(page.getByTestId('key-count')).toHaveText(/^[\d,]+ keys$/);
  const keyCount = await page.getByTestId('key-count').textContent();
  expect(keyCount).toBe('31 keys');
  await page.getByRole('button', { name: 'Copy into a new kvscope store…' }).click();
  const dialog = copyDialog(page);
  await expect(dialog).toContainText('live keys of this riak-bitcask store');
  await expect(dialog.getByLabel('New store directory (missing or empty)')).toBeFocused();

  // A relative path is said beside the field, not sent.
  await dialog.getByLabel('New store directory (missing or empty)').fill('copy');
  await dialog.getByRole('button', { name: 'Copy', exact: true }).click();
  await expect(dialog.getByRole('alert', { name: 'Path problem' })).toContainText('"copy" is a relative path');
  await shot(page, 'copy-store-relative');

  // A directory that holds something is refused by the service, in the dialog.
  const full = join(kv.base, 'full');
  mkdirSync(full);
  writeFileSync(join(full, 'notes.txt'), 'mine');
  await dialog.getByLabel('New store directory (missing or empty)').fill(full);
  await dialog.getByRole('button', { name: 'Copy', exact: true }).click();
  await expect(dialog.getByRole('alert', { name: 'Copy problem' })).toContainText(`${full} is not empty; name a new or empty directory`);
  await shot(page, 'copy-store-not-empty');

  const target = join(kv.base, 'copy');
  await dialog.getByLabel('New store directory (missing or empty)').fill(target);
  // What was said of the other path goes with it.
  await expect(dialog.getByRole('alert')).toHaveCount(0);
  await shot(page, 'copy-store-dialog');
  await dialog.getByRole('button', { name: 'Copy', exact: true }).click();
  const result = dialog.getByRole('status', { name: 'Copy result' });
  await expect(result).toContainText(`live keys into the new kvscope store ${target}`);
  await expect(result).toContainText('This store was not changed.');
  await shot(page, 'copy-store-done');
  expect(hashTree(source)).toEqual(before);

  await dialog.getByRole('button', { name: 'Open the copy read-write' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId('format-badge')).toContainText('kvscope');
  await expect(page.getByRole('status', { name: 'Store status' })).toContainText('read-write');
  await expect(page.getByTestId('key-count')).toHaveText(keyCount!);
  await selectKey(page, 'key-001');
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByRole('textbox', { name: 'Value' }).fill('edited in the copy');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('button', { name: 'Edit' })).toBeVisible();
  await page.getByRole('button', { name: 'Close', exact: true }).click();
  const copy = await Store.open(target, { readOnly: true });
  try {
    expect((await copy.get('key-001'))?.toString()).toBe('edited in the copy');
  } finally {
    await copy.close();
  }
  expect(hashTree(source)).toEqual(before);
});

test('a long copy shows its progress; Cancel leaves no directory behind', async ({ page, kv }) => {
  const source = join(kv.base, 'big');
  const store = await Store.open(source, { create: true, fsync: 'never' });
  const ops = [];
  for (let i = 0; i < 60_000; i++) ops.push({ type: 'put' as const, key: `key:${String(i).padStart(7, '0')}`, value: `value ${i}` });
  await store.batch(ops);
  await store.close();
  // The host runs in this process: each batch the copy writes (10,000 keys) takes half a second more, as on a
  // slow disk, and those after the first wait until Cancel was answered: the copy is still running then.
  const held = holdStoreCalls('batch', { delayMs: 500, after: 1 });
  try {
    await page.goto(kv.url);
    await openFromScreen(page, source);
    await page.getByRole('button', { name: 'Copy into a new kvscope store…' }).click();
    const dialog = copyDialog(page);
    const target = join(kv.base, 'big-copy');
    await dialog.getByLabel('New store directory (missing or empty)').fill(target);
    await dialog.getByRole('button', { name: 'Copy', exact: true }).click();
    const progress = dialog.getByRole('progressbar', { name: 'Copy progress' });
    await expect(progress).toHaveAttribute('aria-valuenow', /^[1-9]\d?$/);
    await expect(dialog).toContainText(/Copying keys: [\d,]+ of 60,000/);
    await shot(page, 'copy-store-progress');
    await cancelHeldJob(page, dialog.getByRole('button', { name: 'Cancel copy' }), held);
    await expect(dialog.getByRole('alert', { name: 'Copy problem' })).toContainText(`The copy was cancelled. What it had written was removed: ${target} is as it was before`);
    await shot(page, 'copy-store-cancelled');
    expect(existsSync(target)).toBe(false);
    // Escape closes the dialog once nothing runs; the store stays open as it was.
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    await expect(page.getByTestId('key-count')).toContainText('60,000');
  } finally {
    held.restore();
  }
});
