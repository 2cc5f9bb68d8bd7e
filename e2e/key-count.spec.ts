/**
 * The key count never shows a figure that belongs to another filter: while
 * the answer for the filter as typed has not arrived, it says "filtering…".
 */
import type { Route } from '@playwright/test';
import { test, expect, openFromScreen } from './fixtures.js';

test('while a filter is being answered the count says "filtering…", then the filtered count', async ({ page, kv }) => {
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  const count = page.getByTestId('key-count');
  await expect(count).toHaveText('3,654 keys');

  // Hold the service's answers for the new filter until the count has been looked at.
  const held: Route[] = [];
  await page.route('**/api/listKeys', async (route) => {
    const body = route.request().postDataJSON() as { filter?: { pattern: string } };
    if (body.filter?.pattern?.startsWith('user:0001')) held.push(route);
    else await route.continue();
  });
  await page.getByLabel('Filter keys').fill('user:0001');
  await expect.poll(() => held.length).toBeGreaterThan(0);
  await expect(count).toHaveText('filtering…');
  await expect(count).toHaveAttribute('aria-busy', 'true');
  for (const route of held.splice(0)) await route.continue();
  await page.unroute('**/api/listKeys');
  await expect(count).toHaveText('19 of 3,654 keys');
  await expect(count).toHaveAttribute('aria-busy', 'false');
});
