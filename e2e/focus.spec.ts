/**
 * Keyboard focus: a modal dialog holds focus (Tab cycles inside it, the page
 * behind it is inert, Escape closes it wherever focus is, focus goes back to
 * what opened it), and after an action focus lands on a sensible control,
 * never on <body>.
 */
import type { Page } from '@playwright/test';
import { test, expect, openFromScreen, keyOption, shot, type Kv } from './fixtures.js';

async function openReadWrite(page: Page, kv: Kv): Promise<void> {
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await page.getByRole('switch', { name: 'Read-write mode' }).click();
  await expect(page.getByRole('status', { name: 'Store status' })).toContainText('read-write');
}

async function select(page: Page, key: string): Promise<void> {
  await page.getByLabel('Filter keys').fill(key);
  await keyOption(page, key).click();
  await expect(page.getByRole('heading', { name: key, exact: true })).toBeVisible();
}

test('the Delete key? dialog holds focus: Tab cycles inside, the page behind is inert, Escape closes, focus returns', async ({ page, kv }) => {
  await openReadWrite(page, kv);
  await select(page, 'greeting');
  const del = page.getByRole('button', { name: 'Delete', exact: true });
  await del.click();
  const dialog = page.getByRole('dialog', { name: 'Delete key?' });
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  // Tab and Shift+Tab never leave the dialog.
  for (let i = 0; i < 5; i++) {
    await page.keyboard.press('Tab');
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  await page.keyboard.press('Shift+Tab');
  expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  // The page behind cannot be reached: it is inert.
  expect(await page.getByRole('complementary', { name: 'Statistics' }).evaluate((el) => el.closest('[inert]') !== null)).toBe(true);
  await shot(page, 'focus-delete-dialog');

  // Escape closes it even when focus has left its buttons (a click on the backdrop puts it on <body>).
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(del).toBeFocused();
  expect(await page.locator('#root').getAttribute('inert')).toBeNull();

  // Tab, Tab, Enter from Cancel no longer reaches the Compact button behind the dialog.
  await del.click();
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('status', { name: 'Compaction result' })).toHaveCount(0);
});

test('the Discard changes? dialog holds focus too, and Cancel gives focus back to the editor', async ({ page, kv }) => {
  await openReadWrite(page, kv);
  await select(page, 'greeting');
  await page.getByRole('button', { name: 'Edit', exact: true }).click();
  const editor = page.getByRole('textbox', { name: 'Value' });
  await editor.fill('changed');
  await editor.press('Escape');
  const dialog = page.getByRole('dialog', { name: 'Discard unsaved changes?' });
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  for (let i = 0; i < 3; i++) {
    await page.keyboard.press('Tab');
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(editor).toBeFocused();
  await expect(editor).toHaveValue('changed');
});
