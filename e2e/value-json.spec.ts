/**
 * The JSON tab and the JSON editor on what is valid JSON but hard to show:
 * nesting deeper than a recursive parser can follow.
 */
import type { Page } from '@playwright/test';
import { Store } from '../src/engine/store.js';
import { test, expect, openFromScreen, shot } from './fixtures.js';

const DEEP = '['.repeat(100_000) + ']'.repeat(100_000);

async function select(page: Page, filter: string): Promise<void> {
  await page.getByLabel('Filter keys').fill(filter);
  await expect(page.getByTestId('key-count')).toContainText('1 of');
  await page.getByRole('listbox', { name: 'Keys' }).getByRole('option').first().click();
}

test('JSON tab and editor: 100,000 levels of nesting are valid JSON, shown as stored and saved as typed', async ({ page, kv }) => {
  const store = await Store.open(kv.dir);
  await store.put('deep:json', DEEP);
  await store.put('deep:draft', '[]');
  await store.close();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await page.getByRole('switch', { name: 'Read-write mode' }).click();
  await expect(page.getByRole('status', { name: 'Store status' })).toContainText('read-write');

  await select(page, 'deep:json');
  await page.getByRole('tab', { name: 'JSON', exact: true }).click();
  const frame = page.getByRole('region', { name: 'Value' });
  await expect(frame.getByRole('note', { name: 'JSON shown as stored' })).toHaveText('Valid JSON, too deeply nested to show indented (100,000 levels); shown as stored.');
  await expect(frame).not.toContainText('Not valid JSON');
  expect(await frame.locator('pre.json').evaluate((el) => el.textContent === '['.repeat(100_000) + ']'.repeat(100_000))).toBe(true);
  await shot(page, 'value-json-deep');

  // The JSON editor takes the same draft: Format says why it leaves it as it is, Save writes it.
  await select(page, 'deep:draft');
  await page.getByRole('tab', { name: 'JSON', exact: true }).click();
  await page.getByRole('button', { name: 'Edit' }).click();
  await expect(page.getByRole('radio', { name: 'json' })).toBeChecked();
  await page.getByRole('textbox', { name: 'Value' }).fill(DEEP);
  await page.getByRole('button', { name: 'Format' }).click();
  await expect(page.getByRole('alert')).toHaveText('Valid JSON, but too deeply nested to re-indent (100,000 levels); it is left as it is.');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('button', { name: 'Edit' })).toBeVisible();
  await expect(page.getByText('Invalid JSON')).toHaveCount(0);
  await expect(page.getByRole('note', { name: 'JSON shown as stored' })).toBeVisible();
  await page.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(page.getByLabel('Directory')).toBeVisible();
  const saved = await Store.open(kv.dir, { readOnly: true });
  expect((await saved.get('deep:draft'))?.toString() === DEEP).toBe(true);
  await saved.close();
});
