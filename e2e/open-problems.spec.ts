/**
 * The problems the open found are all listed, behind a disclosure a
 * keyboard opens, not only the first one.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, openFromScreen, shot } from './fixtures.js';
import { flipByte } from '../test/engine/helpers.js';

test('three damaged records and missing hints: the notice lists every problem, opened with the keyboard', async ({ page, kv }) => {
  // Without hints or a keydir image the open replays every record and says which it skipped.
  for (const f of readdirSync(kv.dir)) if (f.endsWith('.hint') || f === 'KEYDIR') rmSync(join(kv.dir, f));
  for (const f of ['000001.data', '000002.data', '000003.data']) flipByte(join(kv.dir, f), 5000);
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  const notice = page.getByRole('status', { name: 'Problems found while opening' });
  await expect(notice).toContainText('7 problems found while opening: skipped bad-crc in 000001.data');
  const items = notice.locator('li');
  await expect(items).toHaveCount(7);
  await expect(items.first()).toBeHidden();
  await notice.locator('summary').focus();
  await page.keyboard.press('Enter');
  await expect(items).toHaveText([
    /^skipped bad-crc in 000001\.data at 4970/,
    /^skipped bad-crc in 000002\.data/,
    /^skipped bad-crc in 000003\.data/,
    /000001\.hint: missing/,
    /000002\.hint: missing/,
    /000003\.hint: missing/,
    /000004\.hint: missing/,
  ]);
  for (const item of await items.all()) await expect(item).toBeVisible();
  await shot(page, 'open-problems-expanded');
  await page.setViewportSize({ width: 800, height: 600 });
  await shot(page, 'open-problems-expanded-800');
});
