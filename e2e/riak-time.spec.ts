/**
 * Riak's "sequence" is the writer's clock (tstamp, seconds): every version of basic's key-007 was written in the
 * same second, so the history showed 1795391755 five times, its buttons all had the same names ("View version
 * 1795391755"), and the record table cut the number to "17953…". Now it is a date and time, the buttons are named
 * by where each version is, and the record table's column is wide enough for the time.
 */
import { existsSync } from 'node:fs';
import { test, expect, openFromScreen, keyOption, shot } from './fixtures.js';
import { SHARED_DIR } from '../test/shared-dir.js';

const RIAK = `${SHARED_DIR}/fixtures/riak-bitcask/basic/data`;

test("a Riak key's history: each version's time, and buttons that name one version each", async ({ page, kv }) => {
  test.skip(!existsSync(RIAK), 'fixture missing');
  await page.goto(kv.url);
  await openFromScreen(page, RIAK);
  await page.getByLabel('Filter keys').fill('key-007');
  await keyOption(page, 'key-007').click();
  const history = page.getByRole('table', { name: 'History' });
  const rows = history.locator('tbody tr');
  await expect(rows).toHaveCount(5);
  await expect(history.locator('thead th').first()).toHaveText('time');
  for (const cell of await history.locator('td.history-seq').all()) {
    await expect(cell).toHaveText('2026-11-22 23:55:55 UTC');
    await expect(cell).toHaveAttribute('title', /1795391755 seconds since 1970.*writer's clock/);
  }
  // Every button names its own version.
  const names: string[] = [];
  for (const b of await history.getByRole('button').all()) names.push((await b.getAttribute('aria-label'))!);
  expect(names.length).toBeGreaterThan(5);
  expect(new Set(names).size).toBe(names.length);
  expect(names).toContain('View version at 4.bitcask.data @ 711');
  expect(names).toContain('Bytes of version at 1.bitcask.data @ 2387');
  // The value's location says when it was written.
  const location = page.getByLabel('Location');
  await expect(location).toContainText('written');
  await expect(location).toContainText('2026-11-22 23:55:55 UTC');
  await page.getByRole('button', { name: 'View version at 4.bitcask.data @ 711' }).click();
  await expect(page.getByRole('status', { name: 'Shown version' })).toContainText('Showing version written 2026-11-22 23:55:55 UTC (shadowed) from 4.bitcask.data @ 711');
  await shot(page, 'riak-time-history');

  // The record table: a time column, not a number cut short; the details say the time and the stored seconds.
  await page.getByRole('button', { name: 'Bytes of version at 4.bitcask.data @ 711' }).click();
  const table = page.getByRole('listbox', { name: 'Record table' });
  await expect(page.getByTestId('record-details')).toContainText('written 2026-11-22 23:55:55 UTC (1795391755)');
  await expect(page.locator('.record-table-head .c-seq')).toHaveText('time (UTC)');
  const cell = table.locator('.record-row[data-offset="711"] .c-seq');
  await expect(cell).toHaveText('2026-11-22 23:55:55');
  await expect(cell).toHaveAttribute('title', /1795391755 seconds since 1970/);
  const cut = await cell.evaluate((el) => el.scrollWidth > el.clientWidth);
  expect(cut).toBe(false);
  // At this window's width the table still fits its pane: no sideways scrolling for the wider column.
  const sideways = await table.evaluate((el) => el.scrollWidth > el.clientWidth);
  expect(sideways).toBe(false);
  await shot(page, 'riak-time-records');

  // The segments view: the span of time each file was written in.
  await page.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name: 'Segments' }).click();
  const segments = page.getByRole('table', { name: 'Segments' });
  await expect(segments.locator('thead')).toContainText('Written (UTC)');
  await expect(segments.locator('tr[data-file="4.bitcask.data"]')).toContainText('2026-11-22 23:55:55 UTC');
});
