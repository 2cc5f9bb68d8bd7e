/**
 * Records: "Jump to offset" says next to the field what is wrong with what
 * was typed (not an offset, past the end of the file), never as a page-wide
 * error banner.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, openFromScreen, shot } from './fixtures.js';

test('Jump to offset: malformed and past-the-end offsets are said inline, without a banner', async ({ page, kv }) => {
  const size = statSync(join(kv.dir, '000001.data')).size;
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await page.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name: 'Records' }).click();
  await page.getByLabel('File', { exact: true }).selectOption('000001.data');
  await expect(page.getByRole('listbox', { name: 'Record table' }).getByRole('option').first()).toContainText('header');
  const jump = page.getByLabel('Jump to offset');
  const message = page.getByRole('alert', { name: 'Jump error' });
  const banner = page.locator('.error-banner');
  for (const text of ['abc', '-1', '1e3']) {
    await jump.fill(text);
    await jump.press('Enter');
    await expect(message).toHaveText('not an offset: use a decimal or 0x… number');
    await expect(banner).toHaveCount(0);
  }
  await shot(page, 'records-jump-not-an-offset');
  for (const text of ['99999999', '0xfffff']) {
    await jump.fill(text);
    await expect(message).toHaveCount(0);
    await jump.press('Enter');
    await expect(message).toHaveText(`offset is past the end of the file (${size.toLocaleString('en-US')} bytes)`);
    await expect(banner).toHaveCount(0);
  }
  await shot(page, 'records-jump-past-end');
  // A good offset still jumps, and the message goes.
  await jump.fill('0x18');
  await jump.press('Enter');
  await expect(message).toHaveCount(0);
  await expect(page.getByTestId('record-details')).toHaveAttribute('data-record-offset', '24');
});
