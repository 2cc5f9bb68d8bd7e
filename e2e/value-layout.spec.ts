/**
 * The value pane held to what a person sees, by boxes, computed styles, text
 * and scroll positions: keys with runs of spaces or spaces at their ends,
 * very long keys, and the Hex tab of a large and of an empty value.
 */
import type { Locator, Page } from '@playwright/test';
import { Store } from '../src/engine/store.js';
import { test, expect, openFromScreen, shot } from './fixtures.js';

const SPACE_KEY = 'space key with  spaces ';
const LEAD_KEY = '  lead';
const LONG_KEY = `long:${'x'.repeat(595)}`;

/** Adds the awkward keys and values to the demo store. */
async function addKeys(dir: string): Promise<void> {
  const store = await Store.open(dir);
  await store.put(SPACE_KEY, 'x');
  await store.put(LEAD_KEY, 'lead');
  await store.put(LONG_KEY, 'value of a long key');
  await store.put('bigvalue', new Uint8Array(1536 * 1024).fill(0x41));
  await store.put('empty-value', '');
  await store.close();
}

async function select(page: Page, filter: string): Promise<void> {
  await page.getByLabel('Filter keys').fill(filter);
  await expect(page.getByTestId('key-count')).toContainText('1 of');
  await page.getByRole('listbox', { name: 'Keys' }).getByRole('option').first().click();
}

type Box = { x: number; y: number; width: number; height: number };
async function box(l: Locator): Promise<Box> {
  const b = await l.boundingBox();
  expect(b, 'element has a box').not.toBeNull();
  return b!;
}

test('Hex tab: one scrollbar for a large value, nothing of its rows clipped; "(empty value)" lines up with the columns', async ({ page, kv }) => {
  await addKeys(kv.dir);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await select(page, 'bigvalue');
  await expect(page.getByRole('button', { name: 'Load more' })).toBeVisible();
  await page.getByRole('tab', { name: 'Hex' }).click();
  const frame = page.getByRole('region', { name: 'Value' });
  const hexView = page.getByTestId('hex-view');
  await expect(hexView.locator('.hex-row:not(.hex-head)').first()).toBeVisible();
  // Only the hex dump scrolls; its frame does not.
  expect(await frame.evaluate((el) => ({ down: el.scrollHeight - el.clientHeight, across: el.scrollWidth - el.clientWidth }))).toEqual({ down: 0, across: 0 });
  expect(await hexView.evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
  // The hex dump's bottom is inside its frame (not cut off by it), and a row's ascii column is inside what the dump shows.
  const frameBox = await box(frame);
  const viewBox = await box(hexView);
  expect(viewBox.y + viewBox.height).toBeLessThanOrEqual(frameBox.y + frameBox.height);
  const visibleRight = await hexView.evaluate((el) => el.getBoundingClientRect().left + el.clientLeft + el.clientWidth);
  const ascii = await box(hexView.locator('.hex-row:not(.hex-head) .hex-ascii').first());
  expect(ascii.x + ascii.width).toBeLessThanOrEqual(visibleRight);
  await shot(page, 'layout-bigvalue-hex');

  await select(page, 'empty-value');
  await page.getByRole('tab', { name: 'Hex' }).click();
  const empty = hexView.getByText('(empty value)');
  await expect(empty).toBeVisible();
  const textLeft = await textLeftOf(empty);
  const columnLeft = (await box(hexView.locator('.hex-head .hex-offset'))).x;
  expect(Math.abs(textLeft - columnLeft)).toBeLessThanOrEqual(1);
});

async function textLeftOf(el: Locator): Promise<number> {
  return el.evaluate((node) => {
    const range = document.createRange();
    range.selectNodeContents(node);
    return range.getBoundingClientRect().left;
  });
}
