/**
 * Counts of one read "1 key", "1 record", "1 file", "1 segment", never
 * "1 keys": a tiny-log-kv store with one line.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, openFromScreen, shot } from './fixtures.js';

test('a store of one key in one file: every count of one is singular', async ({ page, kv }) => {
  const dir = join(kv.base, 'one');
  mkdirSync(dir);
  writeFileSync(join(dir, 'store.log'), 'SET greeting hello\n');
  await page.goto(kv.url);
  await openFromScreen(page, dir);

  await expect(page.getByTestId('key-count')).toHaveText('1 key');
  const status = page.getByRole('status', { name: 'Store status' });
  await expect(status).toContainText('1 key');
  await expect(status).toContainText('1 segment');
  await expect(status).not.toContainText('keys');
  await expect(status).not.toContainText('segments');
  await page.getByLabel('Filter keys').fill('greet');
  await expect(page.getByTestId('key-count')).toHaveText('1 of 1 key');

  await page.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name: 'Records' }).click();
  await expect(page.getByTestId('record-count')).toHaveText(/^1 record · /);

  await page.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name: 'Verify' }).click();
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await expect(page.getByRole('status', { name: 'Verify result' })).toHaveText('✓ No problems: 1 record in 1 file.');
  await shot(page, 'counts-of-one');
});
