/**
 * An error banner says how an action went: a later action of the same view
 * that succeeds, or a move to another view, takes it down; a path through a
 * file is "Not a directory", not "Not found".
 */
import { join } from 'node:path';
import { test, expect, openFromScreen, shot } from './fixtures.js';

test('repair into a file: "Not a directory"; a later successful repair, or another view, takes the banner down', async ({ page, kv }) => {
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  const tabs = page.getByRole('tablist', { name: 'Views' });
  await tabs.getByRole('tab', { name: 'Repair & crash lab' }).click();
  const into = page.getByLabel('Repair into directory');
  const banner = page.locator('.error-banner');
  await into.fill('/etc/passwd');
  await into.press('Enter');
  await expect(banner).toContainText('Not a directory');
  await expect(banner).toContainText('NOT_A_DIRECTORY');
  await expect(banner).not.toContainText('Not found');
  await shot(page, 'banner-repair-not-a-directory');

  // The same action, now succeeding: the banner goes.
  await into.fill(join(kv.base, 'repaired'));
  await into.press('Enter');
  await expect(page.getByLabel('Repair result')).toBeVisible();
  await expect(banner).toHaveCount(0);

  // A failing repair, then a successful crash-lab run (another action of the same view): the banner goes.
  await into.fill('/etc/passwd');
  await into.press('Enter');
  await expect(banner).toContainText('Not a directory');
  await page.getByLabel('Damage offset').fill('100');
  await page.getByRole('button', { name: 'Damage the copy and reopen' }).click();
  await expect(page.getByLabel('Crash lab result')).toBeVisible();
  await expect(banner).toHaveCount(0);

  // A failing repair, then another view: the banner goes.
  await into.fill('/etc/passwd');
  await into.press('Enter');
  await expect(banner).toContainText('Not a directory');
  await tabs.getByRole('tab', { name: 'Segments' }).click();
  await expect(banner).toHaveCount(0);
});
