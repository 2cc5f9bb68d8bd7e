/**
 * Lists taller than the browser can scroll: Chromium stops at ~33.5 M px,
 * i.e. about 1.29 M key rows of 26 px or 1.4 M record rows of 24 px. With
 * 1.5 M keys (and their 1.5 M records in one segment) the last ones are only
 * reachable because the lists scale their scrolling past that height.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../src/engine/store.js';
import type { Locator } from '@playwright/test';
import { expect, keyOption, openFromScreen, shot, test } from './fixtures.js';

const KEYS = 1_500_000;
const keyName = (i: number) => `k:${String(i).padStart(7, '0')}`;

let dir = '';

test.beforeAll(async () => {
  test.setTimeout(120_000);
  dir = join(mkdtempSync(join(tmpdir(), 'kvscope-e2e-scale-')), 'store');
  const store = await Store.open(dir, { create: true, fsync: 'never' });
  const value = Buffer.from('v');
  for (let i = 0; i < KEYS; i += 10_000) {
    const ops = [];
    for (let j = i; j < Math.min(KEYS, i + 10_000); j++) ops.push({ type: 'put' as const, key: keyName(j), value });
    await store.batch(ops);
  }
  await store.close();
});

test.afterAll(() => {
  if (dir) rmSync(join(dir, '..'), { recursive: true, force: true });
});

/** Rows drawn inside a list's visible box (overscan rows outside it are not counted): an attribute of each, or its text. */
async function visibleRows(list: Locator, row: string, attribute?: string): Promise<string[]> {
  return list.evaluate(
    (el, [row, attribute]) => {
      const box = el.getBoundingClientRect();
      return [...el.querySelectorAll(row!)]
        .filter((r) => {
          const b = r.getBoundingClientRect();
          return b.top >= box.top - 1 && b.bottom <= box.bottom + 1;
        })
        .map((r) => (attribute ? r.getAttribute(attribute) : r.textContent) ?? '');
    },
    [row, attribute] as const,
  );
}

test('1.5 million keys: the list reaches its last key by keyboard and by scrolling', async ({ page, kv }) => {
  test.setTimeout(120_000);
  await page.goto(kv.url);
  await openFromScreen(page, dir);
  const list = page.getByRole('listbox', { name: 'Keys' });
  await expect(page.getByTestId('key-count')).toHaveText('1,500,000 keys', { timeout: 30_000 });
  await expect(keyOption(page, keyName(0))).toBeVisible({ timeout: 30_000 });

  // The scrolled content stays within what the browser can lay out.
  const scrollHeight = await list.evaluate((el) => el.scrollHeight);
  expect(scrollHeight).toBeLessThan(33_000_000);

  // End goes to the very last key, far past row 1.29 M.
  await keyOption(page, keyName(0)).click();
  await list.press('End');
  await expect(keyOption(page, keyName(KEYS - 1))).toBeVisible({ timeout: 30_000 });
  await expect(list.locator('.key-row.selected')).toHaveText(keyName(KEYS - 1));
  // Arrow keys still move one row at a time down there.
  await list.press('ArrowUp');
  await expect(list.locator('.key-row.selected')).toHaveText(keyName(KEYS - 2));
  await expect(keyOption(page, keyName(KEYS - 2))).toBeInViewport();
  await shot(page, '40-key-list-last-of-1.5M');

  // Scrolling: the middle of the scrollbar shows the middle of the list; the bottom shows the end.
  await list.evaluate((el) => (el.scrollTop = (el.scrollHeight - el.clientHeight) / 2));
  await expect.poll(async () => (await visibleRows(list, '.key-row'))[0], { timeout: 30_000 }).toMatch(/^k:07[45]\d{4}$/);
  await list.evaluate((el) => (el.scrollTop = 0));
  await expect(keyOption(page, keyName(0))).toBeInViewport({ timeout: 30_000 });
  await list.evaluate((el) => (el.scrollTop = el.scrollHeight));
  await expect(keyOption(page, keyName(KEYS - 1))).toBeInViewport({ timeout: 30_000 });
  // Rows are drawn one row height apart, not stretched by the scaling.
  const tops = await list.locator('.key-row').evaluateAll((rows) => rows.map((r) => r.getBoundingClientRect().top).sort((a, b) => a - b));
  for (let i = 1; i < tops.length; i++) expect(tops[i]! - tops[i - 1]!).toBeCloseTo(26, 0);
});

test('1.5 million records in one segment: the record table reaches the last one by keyboard and by scrolling', async ({ page, kv }) => {
  test.setTimeout(120_000);
  // Records of 32 bytes (22-byte header, 9-byte key, 1-byte value) after the 24-byte segment header, in key order.
  const offsetOf = (i: number) => 24 + 32 * i;
  await page.goto(kv.url);
  await openFromScreen(page, dir);
  await page.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name: 'Records' }).click();
  // The segment header is a row of its own, not counted as a record (as in the segments view).
  await expect(page.getByTestId('record-count')).toHaveText(/^1,500,000 records \+ header/, { timeout: 60_000 });
  const table = page.getByRole('listbox', { name: 'Record table' });
  expect(await table.evaluate((el) => el.scrollHeight)).toBeLessThan(33_000_000);

  // End selects the very last record, far past row 1.4 M; arrows and Page Up move from there.
  await table.locator('.record-row[data-offset="0"]').click();
  await table.press('End');
  await expect(table.locator('.record-row.selected')).toHaveAttribute('data-offset', String(offsetOf(KEYS - 1)), { timeout: 30_000 });
  await expect(page.getByTestId('record-details')).toHaveAttribute('data-record-offset', String(offsetOf(KEYS - 1)));
  await table.press('ArrowUp');
  await expect(table.locator('.record-row.selected')).toHaveAttribute('data-offset', String(offsetOf(KEYS - 2)));
  await expect(table.locator('.record-row.selected')).toBeInViewport();
  await table.press('PageUp');
  // The details follow once the chosen record has arrived from the service: wait for them, then check how far it went.
  const details = page.getByTestId('record-details');
  await expect(details).not.toHaveAttribute('data-record-offset', String(offsetOf(KEYS - 2)), { timeout: 30_000 });
  const afterPageUp = Number(await details.getAttribute('data-record-offset'));
  expect((offsetOf(KEYS - 2) - afterPageUp) / 32).toBeGreaterThan(5);
  await expect(table.locator('.record-row.selected')).toHaveAttribute('data-offset', String(afterPageUp));
  await expect(table.locator('.record-row.selected')).toBeInViewport();
  await table.press('Home');
  await expect(table.locator('.record-row.selected')).toHaveAttribute('data-offset', '0');
  // Keys pressed faster than the records arrive: none is lost (row 5 is the fifth record, after the header's row).
  for (let i = 0; i < 5; i++) await table.press('ArrowDown');
  await expect(table.locator('.record-row.selected')).toHaveAttribute('data-offset', String(offsetOf(4)));
  await expect(page.getByTestId('record-details')).toHaveAttribute('data-record-offset', String(offsetOf(4)));
  await table.press('Home');
  await expect(page.getByTestId('record-details')).toHaveAttribute('data-record-offset', '0');
  await shot(page, '41-record-table-of-1.5M');

  // The middle of the scrollbar shows the middle of the file; the bottom shows its end.
  await table.evaluate((el) => (el.scrollTop = (el.scrollHeight - el.clientHeight) / 2));
  await expect
    .poll(async () => Number((await visibleRows(table, '.record-row[data-offset]', 'data-offset'))[0] ?? -1), { timeout: 30_000 })
    .toBeGreaterThan(offsetOf(740_000));
  expect(Number((await visibleRows(table, '.record-row[data-offset]', 'data-offset'))[0])).toBeLessThan(offsetOf(760_000));
  await table.evaluate((el) => (el.scrollTop = el.scrollHeight));
  await expect(table.locator(`.record-row[data-offset="${offsetOf(KEYS - 1)}"]`)).toBeInViewport({ timeout: 30_000 });
  const tops = await table.locator('.record-row').evaluateAll((rows) => rows.map((r) => r.getBoundingClientRect().top).sort((a, b) => a - b));
  for (let i = 1; i < tops.length; i++) expect(tops[i]! - tops[i - 1]!).toBeCloseTo(24, 0);
  await shot(page, '42-record-table-end-of-1.5M');
});
