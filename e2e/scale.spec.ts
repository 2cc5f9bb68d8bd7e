/**
 * A key list taller than the browser can scroll: Chromium stops at ~33.5 M px,
 * i.e. about 1.29 M rows of 26 px. With 1.5 M keys the last ones are only
 * reachable because the list scales its scrolling past that height.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../src/engine/store.js';
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
  // Rows drawn inside the list's visible box (overscan rows outside it are not counted).
  const visibleKeys = () =>
    list.evaluate((el) => {
      const box = el.getBoundingClientRect();
      return [...el.querySelectorAll('.key-row')]
        .filter((r) => {
          const b = r.getBoundingClientRect();
          return b.top >= box.top - 1 && b.bottom <= box.bottom + 1;
        })
        .map((r) => r.textContent ?? '');
    });
  await expect.poll(async () => (await visibleKeys())[0], { timeout: 30_000 }).toMatch(/^k:07[45]\d{4}$/);
  await list.evaluate((el) => (el.scrollTop = 0));
  await expect(keyOption(page, keyName(0))).toBeInViewport({ timeout: 30_000 });
  await list.evaluate((el) => (el.scrollTop = el.scrollHeight));
  await expect(keyOption(page, keyName(KEYS - 1))).toBeInViewport({ timeout: 30_000 });
  // Rows are drawn one row height apart, not stretched by the scaling.
  const tops = await list.locator('.key-row').evaluateAll((rows) => rows.map((r) => r.getBoundingClientRect().top).sort((a, b) => a - b));
  for (let i = 1; i < tops.length; i++) expect(tops[i]! - tops[i - 1]!).toBeCloseTo(26, 0);
});
