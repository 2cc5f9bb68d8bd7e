/**
 * The record table beside the hex pane, held to what a person sees at common
 * window sizes, by boxes, computed styles, text and scroll positions.
 */
import type { Locator, Page } from '@playwright/test';
import { Store } from '../src/engine/store.js';
import { test, expect, openFromScreen, shot } from './fixtures.js';

const TABLE_KEY = `table:${'k'.repeat(80)}`;


/** Adds a key wider than the table's key column; returns the file holding it. */
async function addTableKey(dir: string): Promise<string> {
  const store = await Store.open(dir);
  await store.put(TABLE_KEY, 'a key wider than its column');
  const file = store.locate(TABLE_KEY)!.file;
  await store.close();
  return file;
}

type Box = { x: number; y: number; width: number; height: number };
async function box(l: Locator): Promise<Box> {
  const b = await l.boundingBox();
  expect(b, 'element has a box').not.toBeNull();
  return b!;
}

/** Left edges of the table's column titles and of the same columns in `row`, for the columns shown. */
async function columnEdges(page: Page, row: Locator): Promise<{ name: string; head: number; cell: number }[]> {
  const head = await page.locator('.record-table-head > span').evaluateAll((els) =>
    els.filter((e) => getComputedStyle(e).display !== 'none').map((e) => ({ name: e.className, x: e.getBoundingClientRect().left })),
  );
  const cells = await row.locator(':scope > span').evaluateAll((els) =>
    els.filter((e) => getComputedStyle(e).display !== 'none').map((e) => ({ name: e.className.split(' ')[0]!, x: e.getBoundingClientRect().left })),
  );
  return head.map((h) => ({ name: h.name, head: h.x, cell: cells.find((c) => c.name === h.name)?.x ?? NaN }));
}

/** What scrolls sideways in the Records view: the view itself must not. */
async function viewOverflow(page: Page): Promise<number> {
  return page.locator('.view').first().evaluate((el) => el.scrollWidth - el.clientWidth);
}

async function openRecords(page: Page, file: string): Promise<Locator> {
  await page.getByRole('tab', { name: 'Records' }).click();
  await page.getByLabel('File', { exact: true }).selectOption(file);
  const table = page.getByRole('listbox', { name: 'Record table' });
  await expect(table.locator('.record-row[data-status]').first()).toBeVisible();
  return table;
}

test('record table: fits its pane at 1280x800 and 800x600, its titles scroll with the rows, the selected row is lit full width', async ({ page, kv }) => {
  const file = await addTableKey(kv.dir);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  const table = await openRecords(page, file);
  await page.getByLabel('Filter records by key').fill('table:');
  const row = table.locator('.record-row[data-status]').filter({ hasText: 'table:' }).first();
  await row.click();
  await expect(row).toHaveAttribute('aria-selected', 'true');

  // 1280x800: no sideways scrolling anywhere; the status column is on screen; the key column has room.
  expect(await viewOverflow(page)).toBeLessThanOrEqual(0);
  expect(await table.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
  const tableBox = await box(table);
  const status = await box(page.locator('.record-table-head .c-status'));
  expect(status.x + status.width).toBeLessThanOrEqual(tableBox.x + tableBox.width);
  const statusCell = await box(row.locator('.c-status'));
  expect(statusCell.x + statusCell.width).toBeLessThanOrEqual(tableBox.x + tableBox.width);
  for (const c of await columnEdges(page, row)) expect(Math.abs(c.head - c.cell), `column ${c.name}`).toBeLessThanOrEqual(1);
  const keyCell = row.locator('.c-key');
  expect((await box(keyCell)).width).toBeGreaterThanOrEqual(150);
  // A key wider than its column: cut with an ellipsis, whole in the tooltip.
  await expect(keyCell).toHaveCSS('text-overflow', 'ellipsis');
  expect(await keyCell.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
  await expect(keyCell).toHaveAttribute('title', TABLE_KEY);
  await expect(keyCell).toHaveText(TABLE_KEY);
  // The selected row is lit across the whole table.
  const rowBox = await box(row);
  expect(rowBox.width).toBeGreaterThanOrEqual(await table.evaluate((el) => el.clientWidth));
  await shot(page, 'layout-records-1280x800');

  // 800x600: the table stays in its pane; nothing of it is drawn over the hex pane.
  await page.setViewportSize({ width: 800, height: 600 });
  await expect.poll(() => viewOverflow(page)).toBeLessThanOrEqual(0);
  const hexPane = await box(page.getByRole('region', { name: 'Bytes and fields' }));
  const headWrap = await box(page.locator('.record-table-head-wrap'));
  expect(headWrap.x + headWrap.width).toBeLessThanOrEqual(hexPane.x + 1);
  const drawnAt = await page.evaluate(
    ({ x, y }) => !!document.elementFromPoint(x, y)?.closest('[aria-label="Bytes and fields"]'),
    { x: hexPane.x + 30, y: headWrap.y + headWrap.height / 2 },
  );
  expect(drawnAt, 'the hex pane is what shows beside the column titles').toBe(true);
  const narrowTable = await box(table);
  const narrowStatus = await box(page.locator('.record-table-head .c-status'));
  expect(narrowStatus.x + narrowStatus.width).toBeLessThanOrEqual(narrowTable.x + narrowTable.width);
  await expect(row.locator('.c-status')).toBeVisible();
  await shot(page, 'layout-records-800x600');

  // Narrower still, the table scrolls sideways: its titles go with the rows, and the lit row spans what scrolls.
  await page.setViewportSize({ width: 600, height: 600 });
  await expect.poll(() => table.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeGreaterThan(10);
  await table.evaluate((el) => (el.scrollLeft = el.scrollWidth));
  await expect.poll(() => page.locator('.record-table-head-wrap').evaluate((el) => el.scrollLeft)).toBeGreaterThan(10);
  for (const c of await columnEdges(page, row)) expect(Math.abs(c.head - c.cell), `column ${c.name} after scrolling`).toBeLessThanOrEqual(1);
  const lit = await row.evaluate((el) => {
    const last = [...el.children].filter((c) => getComputedStyle(c).display !== 'none').at(-1)!;
    return { rowRight: el.getBoundingClientRect().right, lastRight: last.getBoundingClientRect().right, rowWidth: el.getBoundingClientRect().width, scrollWidth: el.parentElement!.parentElement!.scrollWidth };
  });
  expect(lit.rowRight).toBeGreaterThanOrEqual(lit.lastRight);
  expect(lit.rowWidth).toBeGreaterThanOrEqual(lit.scrollWidth - 1);
  expect(await viewOverflow(page)).toBeLessThanOrEqual(0);
  await shot(page, 'layout-records-600x600');
});

/** How far each hex row's last byte and last ASCII cell reach past what the hex pane shows (<= 0: on screen). */
async function hexRowOverflow(page: Page): Promise<{ rowBytes: number; sideways: number; heads: number; byteOver: number; asciiOver: number }> {
  const hex = page.getByTestId('file-hex');
  return hex.evaluate((el) => {
    const right = el.getBoundingClientRect().left + el.clientLeft + el.clientWidth;
    const rows = [...el.querySelectorAll('.hex-row')].filter((r) => r.getBoundingClientRect().bottom <= el.getBoundingClientRect().bottom);
    const far = (sel: string) => Math.max(...rows.map((r) => [...r.querySelectorAll(sel)].at(-1)!.getBoundingClientRect().right)) - right;
    const full = rows.filter((r) => r.querySelectorAll('.hx-b').length === Number(el.getAttribute('data-row-bytes')));
    return {
      rowBytes: Number(el.getAttribute('data-row-bytes')),
      sideways: el.scrollWidth - el.clientWidth,
      heads: el.parentElement!.querySelectorAll('.hex-head .hx-b').length,
      byteOver: full.length ? far('.hx-b') : NaN,
      asciiOver: full.length ? far('.hx-a') : NaN,
    };
  });
}

test('hex pane: every column of its rows is on screen at 800x600 (8 bytes a row) and at 1000x700 and 1280x800 (16)', async ({ page, kv }) => {
  await page.setViewportSize({ width: 800, height: 600 });
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  const table = await openRecords(page, '000001.data');
  await table.locator('.record-row[data-offset="24"]').click();
  const hex = page.getByTestId('file-hex');
  await expect(hex.locator('.hx-b[data-offset="24"]')).toBeVisible();

  // 800x600: the pane is half the window; its rows hold 8 bytes, offset, hex and ASCII all on screen.
  const narrow = await hexRowOverflow(page);
  expect(narrow).toMatchObject({ rowBytes: 8, heads: 8 });
  expect(narrow.sideways).toBeLessThanOrEqual(0);
  expect(narrow.byteOver).toBeLessThanOrEqual(0);
  expect(narrow.asciiOver).toBeLessThanOrEqual(0);
  expect(await viewOverflow(page)).toBeLessThanOrEqual(0);
  // Bytes 8 apart are one above the other, and the cursor keys move by a row of 8.
  const x24 = (await box(hex.locator('.hx-b[data-offset="24"]'))).x;
  expect(Math.abs((await box(hex.locator('.hx-b[data-offset="32"]'))).x - x24)).toBeLessThanOrEqual(1);
  await hex.locator('.hx-b[data-offset="30"]').click();
  await page.keyboard.press('ArrowDown');
  await expect(hex.locator('.hx-b.cursor')).toHaveAttribute('data-offset', '38');
  await expect(hex.locator('.hx-a.cursor')).toHaveAttribute('data-offset', '38');
  await shot(page, 'layout-records-hex-800x600');

  // Wider, the pane takes what 16 bytes need while the table keeps 400px.
  for (const [width, height] of [[1000, 700], [1280, 800]] as const) {
    await page.setViewportSize({ width, height });
    await expect.poll(async () => (await hexRowOverflow(page)).rowBytes).toBe(16);
    const wide = await hexRowOverflow(page);
    expect(wide.heads).toBe(16);
    expect(wide.sideways).toBeLessThanOrEqual(0);
    expect(wide.byteOver).toBeLessThanOrEqual(0);
    expect(wide.asciiOver).toBeLessThanOrEqual(0);
    expect((await box(table)).width).toBeGreaterThanOrEqual(Math.min(400, width / 2) - 20);
    await expect(hex.locator('.hx-b.cursor')).toBeVisible();
    await shot(page, `layout-records-hex-${width}x${height}`);
  }
  await page.keyboard.press('ArrowDown');
  await expect(hex.locator('.hx-b.cursor')).toHaveAttribute('data-offset', '54');
});

test('record details: a tombstone\'s Show deleted key sits on the summary\'s first line from 1400x900 to 1024x700, and at 800x600 under it at its left edge, not indented', async ({ page, kv }) => {
  const store = await Store.open(kv.dir);
  await store.put('doc:gone', 'a value');
  const gone = (await store.deleteAndLocate('doc:gone'))!;
  await store.close();
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  const table = await openRecords(page, gone.file);
  await page.getByLabel('Filter records by key').fill('doc:');
  await table.locator(`.record-row[data-offset="${gone.offset}"]`).click();
  const details = page.getByTestId('record-details');
  const button = details.getByRole('button', { name: 'Show deleted key' });
  await expect(button).toBeVisible();
  const summary = details.locator('.field-tree-head .mono').first();
  for (const [width, height] of [[1400, 900], [1280, 800], [1024, 700], [800, 600]] as const) {
    await page.setViewportSize({ width, height });
    const at = `${width}x${height}`;
    const [b, s, head] = [await box(button), await box(summary), await box(details.locator('.field-tree-head'))];
    const firstLine = Math.abs(b.y + b.height / 2 - (s.y + s.height / 2)) <= 4;
    if (width >= 1024) expect(firstLine, `${at}: the button on the summary's first line`).toBe(true);
    // Beside the summary, at the head's right edge; or on a line of its own at the head's left edge (no stray indent).
    if (firstLine) expect(Math.abs(b.x + b.width - (head.x + head.width)), `${at}: at the right edge`).toBeLessThanOrEqual(1);
    else expect(Math.abs(b.x - head.x), `${at}: wrapped, at the left edge`).toBeLessThanOrEqual(1);
    expect(b.x + b.width, `${at}: inside the details`).toBeLessThanOrEqual(head.x + head.width + 0.5);
    await shot(page, `layout-record-details-tombstone-${width}x${height}`);
  }
});
