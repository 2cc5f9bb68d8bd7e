/**
 * The value pane held to what a person sees, by boxes, computed styles, text
 * and scroll positions: keys with runs of spaces or spaces at their ends,
 * very long keys, the Hex tab of a large and of an empty value, and the
 * history in an 800x600 window.
 */
import type { Locator, Page } from '@playwright/test';
import { Store } from '../src/engine/store.js';
import { test, expect, openFromScreen, openReadWrite, selectKey, shot } from './fixtures.js';
import { selectShortfall, textWidth } from './helpers/text-width.js';

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

test('keys with runs of spaces and spaces at the ends are shown as they are, in the list and the value pane', async ({ page, kv }) => {
  await addKeys(kv.dir);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await select(page, 'space key with');
  const option = page.getByRole('listbox', { name: 'Keys' }).getByRole('option').first();
  const heading = page.locator('.value-key');
  await expect(heading).toHaveText(SPACE_KEY, { useInnerText: false });
  for (const el of [option, heading]) {
    expect(await el.textContent()).toBe(SPACE_KEY);
    await expect(el).toHaveCSS('white-space', 'pre');
    await expect(el).toHaveCSS('text-overflow', 'ellipsis');
    // The two inner spaces take two characters' room; the trailing one is marked and takes room too.
    const inner = SPACE_KEY.indexOf('  ');
    const one = await textWidth(el, 0, 1);
    expect(await textWidth(el, inner, inner + 2)).toBeCloseTo(2 * one, 0);
    const trailing = el.locator('.edge-space');
    await expect(trailing).toHaveCount(1);
    expect(await trailing.textContent()).toBe(' ');
    expect((await box(trailing)).width).toBeGreaterThan(one / 2);
  }
  await expect(option).toHaveAttribute('title', /^“space key with {2}spaces ” \(1 trailing space\)\nhex /);
  await expect(heading).toHaveAttribute('title', '“space key with  spaces ” (1 trailing space)');
  await shot(page, 'layout-space-key');

  await select(page, 'lead');
  await expect(heading).toHaveAttribute('title', '“  lead” (2 leading spaces)');
  expect(await heading.locator('.edge-space').textContent()).toBe('  ');
  expect((await box(heading.locator('.edge-space'))).width).toBeGreaterThan(await textWidth(heading, 2, 3));
});

test('a long key: its hex is one line until asked for, then the whole key and hex can be read', async ({ page, kv }) => {
  await addKeys(kv.dir);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await select(page, 'long:');
  const heading = page.locator('.value-key');
  const hex = page.getByTestId('key-hex');
  await expect(heading).toHaveText(LONG_KEY);
  const line = parseFloat(await hex.evaluate((el) => getComputedStyle(el).lineHeight));
  expect((await box(hex)).height).toBeLessThan(line * 1.5);
  // The value's location follows right below the key.
  const location = await box(page.getByRole('definition').first());
  const head = await box(heading);
  expect(location.y - (head.y + head.height)).toBeLessThan(60);
  const toggle = page.getByRole('button', { name: 'Show whole key' });
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await shot(page, 'layout-long-key');

  await toggle.click();
  await expect(page.getByRole('button', { name: 'Hide whole key' })).toHaveAttribute('aria-expanded', 'true');
  expect((await box(hex)).height).toBeGreaterThan(line * 10);
  await expect(hex).toHaveText(`hex ${Buffer.from(LONG_KEY).toString('hex')}`);
  // The heading wraps: all of it is on screen, nothing cut.
  expect(await heading.evaluate((el) => el.scrollWidth <= el.clientWidth && el.scrollHeight <= el.clientHeight + 1)).toBe(true);
  expect((await box(heading)).height).toBeGreaterThan(head.height * 3);
  await shot(page, 'layout-long-key-open');

  await page.getByRole('button', { name: 'Hide whole key' }).click();
  expect((await box(hex)).height).toBeLessThan(line * 1.5);
  // A short key has nothing to show whole.
  await select(page, 'greeting');
  await expect(page.getByTestId('key-hex')).toHaveText(/^hex /);
  await expect(page.getByRole('button', { name: /whole key/ })).toHaveCount(0);
});

test('Hex tab: one scrollbar for a large value, nothing of its rows clipped; "(empty value)" lines up with the columns', async ({ page, kv }) => {
  await addKeys(kv.dir);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await select(page, 'bigvalue');
  await expect(page.getByRole('button', { name: 'Load more' })).toBeVisible();
  await page.getByRole('tab', { name: 'Hex' }).click();
  // The hex dump's frame: the Hex tab's panel (the Value region holds the tabs above it too).
  const frame = page.getByRole('region', { name: 'Value' }).getByRole('tabpanel', { name: 'Hex' });
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

test('Hex tab at 800x600: the offset, bytes and ASCII of a row are all on screen (fewer bytes a row), 16 a row at 1280x800', async ({ page, kv }) => {
  await addKeys(kv.dir);
  await page.setViewportSize({ width: 800, height: 600 });
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await select(page, 'bigvalue');
  await page.getByRole('tab', { name: 'Hex' }).click();
  const hexView = page.getByTestId('hex-view');
  await expect(hexView.locator('.hex-row:not(.hex-head)').first()).toBeVisible();
  const fit = () =>
    hexView.evaluate((el) => {
      const right = el.getBoundingClientRect().left + el.clientLeft + el.clientWidth;
      const ascii = [...el.querySelectorAll('.hex-row:not(.hex-head) .hex-ascii')].map((a) => a.getBoundingClientRect().right);
      const firstRow = el.querySelector('.hex-row:not(.hex-head)')!;
      return {
        rowBytes: Number(el.getAttribute('data-row-bytes')),
        sideways: el.scrollWidth - el.clientWidth,
        asciiOver: Math.max(...ascii) - right,
        headOver: el.querySelector('.hex-head .hex-ascii')!.getBoundingClientRect().right - right,
        firstAscii: firstRow.querySelector('.hex-ascii')!.textContent,
        secondOffset: el.querySelectorAll('.hex-row:not(.hex-head)')[1]!.querySelector('.hex-offset')!.textContent,
      };
    });
  const narrow = await fit();
  expect(narrow.rowBytes).toBeLessThan(16);
  expect(narrow.sideways).toBeLessThanOrEqual(0);
  expect(narrow.asciiOver).toBeLessThanOrEqual(0);
  expect(narrow.headOver).toBeLessThanOrEqual(0);
  expect(narrow.firstAscii).toBe('A'.repeat(narrow.rowBytes));
  expect(narrow.secondOffset).toBe(narrow.rowBytes.toString(16).padStart(8, '0'));
  await shot(page, 'layout-value-hex-800x600');

  await page.setViewportSize({ width: 1280, height: 800 });
  await expect.poll(async () => (await fit()).rowBytes).toBe(16);
  const wide = await fit();
  expect(wide.sideways).toBeLessThanOrEqual(0);
  expect(wide.asciiOver).toBeLessThanOrEqual(0);
  expect(wide.secondOffset).toBe('00000010');
});

/**
 * Key "hist" with five versions (a delete and a 120 KiB value among them), selected at a window of the given
 * size: its History table and rows.
 */
async function historyOfFive(page: Page, kv: { dir: string; url: string }, size: { width: number; height: number }): Promise<{ table: Locator; rows: Locator }> {
  const store = await Store.open(kv.dir);
  await store.put('hist', 'one');
  await store.put('hist', 'two two');
  await store.delete('hist');
  await store.put('hist', new Uint8Array(123_456).fill(0x41));
  await store.put('hist', 'five');
  await store.close();
  await page.setViewportSize(size);
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await select(page, 'hist');
  const table = page.getByRole('table', { name: 'History' });
  const rows = table.locator('tbody tr');
  await expect(rows).toHaveCount(5);
  return { table, rows };
}

async function textLeftOf(el: Locator): Promise<number> {
  return el.evaluate((node) => {
    const range = document.createRange();
    range.selectNodeContents(node);
    return range.getBoundingClientRect().left;
  });
}

test('History fits the value pane at 800x600 without scrolling sideways, and stays a table at a wide window', async ({ page, kv }) => {
  const { table, rows } = await historyOfFive(page, kv, { width: 800, height: 600 });

  /** How far the history and the pane holding it reach past what they show, and past the pane's right edge. */
  const overflow = () =>
    table.evaluate((t) => {
      const details = t.closest('details')!;
      const section = t.closest('section')!;
      const right = section.getBoundingClientRect().left + section.clientLeft + section.clientWidth;
      const parts = [t, ...t.querySelectorAll('td, button')].map((e) => e.getBoundingClientRect().right);
      return {
        table: Math.max(0, t.getBoundingClientRect().width - details.clientWidth),
        details: details.scrollWidth - details.clientWidth,
        pane: section.scrollWidth - section.clientWidth,
        pastPane: Math.max(0, Math.max(...parts) - right),
      };
    });
  expect(await overflow()).toEqual({ table: 0, details: 0, pane: 0, pastPane: 0 });
  // Every version still says what it is and where, and has its buttons.
  await expect(rows.nth(0)).toContainText('shadowed');
  await expect(rows.nth(2)).toContainText('tombstone');
  await expect(rows.nth(4)).toContainText('live');
  await expect(rows.nth(4)).toContainText(/\d+\.data @ \d+/);
  await expect(rows.nth(0).getByRole('button', { name: /^Restore version/ })).toBeVisible();
  await table.scrollIntoViewIfNeeded();
  await shot(page, 'layout-history-800x600');

  // Viewing an old version lights its row here too.
  await rows.nth(1).getByRole('button', { name: /^View version/ }).click();
  await expect(rows.nth(1)).toHaveClass(/shown/);
  expect(await overflow()).toEqual({ table: 0, details: 0, pane: 0, pastPane: 0 });

  // A wide window: the same table with its column titles, a version a line. The history lays itself out again when its
  // pane's width has been observed (a ResizeObserver, frames after the resize): measured once it is a table again.
  await page.setViewportSize({ width: 1400, height: 860 });
  await expect(table).toHaveCSS('display', 'table');
  await expect(table.getByRole('columnheader', { name: 'status' })).toBeVisible();
  expect((await box(table.getByRole('columnheader', { name: 'status' }))).height).toBeGreaterThan(10);
  const line = (await box(rows.nth(0).getByRole('button', { name: /^View version/ }))).height;
  for (let i = 0; i < 5; i++) expect((await box(rows.nth(i))).height).toBeLessThan(line * 1.6);
  expect(await overflow()).toEqual({ table: 0, details: 0, pane: 0, pastPane: 0 });
  await shot(page, 'layout-history-1400x860');
});

test('History is a table exactly while every version fits on one line: at 1400x860 a table, at 1280x800 (since the Diff button), 1200x760 and 800x600 a block per version', async ({ page, kv }) => {
  const { table, rows } = await historyOfFive(page, kv, { width: 1400, height: 860 });
  const header = table.getByRole('columnheader', { name: 'status' });
  await expect(header).toBeVisible();

  // The width a one-line table needs, from the rendered text: each text column's widest cell (title included)
  // plus its 8px padding, and the widest set of buttons with their 4px gaps.
  let need = 0;
  for (let c = 0; c < 5; c++) {
    let widest = 0;
    for (const cell of await table.locator(`tr > :nth-child(${c + 1})`).all()) {
      const text = (await cell.textContent())!;
      widest = Math.max(widest, await textWidth(cell, 0, text.length));
    }
    need += widest + 8;
  }
  let buttons = 0;
  for (const row of await rows.all()) {
    const widths = await Promise.all((await row.getByRole('button').all()).map(async (b) => (await box(b)).width));
    buttons = Math.max(buttons, widths.reduce((a, b) => a + b, 0) + 4 * (widths.length - 1));
  }
  need += buttons;
  const line = (await box(rows.nth(0).getByRole('button', { name: /^View version/ }))).height;
  const paneWidth = () => table.evaluate((t) => t.closest('details')!.clientWidth);

  for (const [width, height, expected] of [
    [1400, 860, 'table'],
    [1280, 800, 'stacked'],
    [1200, 760, 'stacked'],
    [800, 600, 'stacked'],
  ] as const) {
    await page.setViewportSize({ width, height });
    // Laid out again once the pane's new width has been observed (frames after the resize): waited for, then measured.
    await expect(table).toHaveCSS('display', expected === 'table' ? 'table' : 'block');
    await table.scrollIntoViewIfNeeded();
    const room = await paneWidth();
    // What a person sees agrees with the measurement: a table where the versions fit on a line, blocks where not.
    expect(room >= need ? 'table' : 'stacked', `${width}x${height}: ${room}px for ${need.toFixed(1)}px`).toBe(expected);
    if (expected === 'table') {
      await expect(header).toBeVisible();
      for (let i = 0; i < 5; i++) expect((await box(rows.nth(i))).height, `${width}x${height} row ${i}`).toBeLessThan(line * 1.6);
    } else {
      // The column titles are kept for screen readers only; the table is laid out as blocks (display: block, above).
      // A block a version: seq, kind, size and status; where; its buttons.
      expect((await box(rows.nth(0))).height).toBeGreaterThan(line * 2.5);
    }
    expect(await table.evaluate((t) => t.closest('details')!.scrollWidth - t.closest('details')!.clientWidth)).toBe(0);
    await shot(page, `layout-history-${width}x${height}`);
  }
});

test('History\'s diff heading breaks only between "from …" and "to …", Close beside it; the Compare form\'s button keeps to the second select\'s row (one row at 1400x900 and 1280x800)', async ({ page, kv }) => {
  await openReadWrite(page, kv);
  await selectKey(page, 'user:00000:name');
  const history = page.getByRole('table', { name: 'History' });
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByRole('textbox', { name: 'Value' }).fill('edited\n');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(history.locator('tbody tr')).toHaveCount(3);
  const places = await history.locator('td.history-where').allTextContents();
  await page.getByRole('button', { name: `Diff version at ${places[2]} with the one before it` }).click();
  const region = page.getByRole('region', { name: 'Version diff' });
  const heading = region.getByRole('heading');
  await expect(heading).toHaveText(`Changes from ${places[1]} to ${places[2]}`);
  const form = page.getByRole('form', { name: 'Compare two versions' });
  const [from, to, compare] = [form.getByLabel('Compare from version'), form.getByLabel('Compare to version'), form.getByRole('button', { name: 'Compare' })];
  const middle = (b: Box) => b.y + b.height / 2;
  // A choice is named by its place, its status said unless it is merely older (shadowed); its title says it all.
  await expect(from.locator('option:checked')).toHaveText(places[1]!);
  await expect(to.locator('option:checked')).toHaveText(`${places[2]} (live)`);
  await expect(from).toHaveAttribute('title', new RegExp(`^${places[1]}: shadowed, seq \\d+, 16 B$`));
  for (const [width, height] of [[1400, 900], [1280, 800], [1024, 700], [800, 600]] as const) {
    await page.setViewportSize({ width, height });
    const at = `${width}x${height}`;
    // Each version's name is drawn on one line (an inline box broken over lines has a rect per line).
    const lines = await heading.locator('.mono').evaluateAll((els) => els.map((e) => e.getClientRects().length));
    expect(lines, `${at}: each name on one line`).toEqual([1, 1]);
    const [h, close, r] = [await box(heading), await box(region.getByRole('button', { name: 'Close' })), await box(region)];
    expect(close.x, `${at}: Close right of the heading`).toBeGreaterThanOrEqual(h.x + h.width);
    expect(close.y, `${at}: Close beside the heading, not under it`).toBeLessThan(h.y + h.height);
    expect(close.x + close.width, `${at}: Close inside the diff`).toBeLessThanOrEqual(r.x + r.width);
    await region.scrollIntoViewIfNeeded();
    await shot(page, `layout-version-diff-head-${width}x${height}`);

    const [f, fromBox, toBox, button] = [await box(form), await box(from), await box(to), await box(compare)];
    if (width >= 1024) expect(Math.abs(middle(button) - middle(toBox)), `${at}: Compare beside the second select`).toBeLessThanOrEqual(2);
    else if (Math.abs(middle(button) - middle(toBox)) > 2) expect(Math.abs(button.x - f.x), `${at}: Compare wrapped to the form's left edge`).toBeLessThanOrEqual(1);
    if (width >= 1280) expect(Math.abs(middle(fromBox) - middle(toBox)), `${at}: the form on one row`).toBeLessThanOrEqual(2);
    for (const [name, b] of [['from', fromBox], ['to', toBox], ['Compare', button]] as const) {
      expect(b.x + b.width, `${at}: ${name} inside the form`).toBeLessThanOrEqual(f.x + f.width + 0.5);
    }
    // A select shrinks no narrower than a version's name.
    for (const s of [from, to]) expect(await s.evaluate((e) => e.clientWidth), `${at}: a select shows a name`).toBeGreaterThanOrEqual(150);
    // From 1024 px up, each select shows every choice whole ("000004.data @ 57561", "… (live)"), not cut.
    if (width >= 1024) for (const s of [from, to]) expect(await selectShortfall(s), `${at}: ${await s.getAttribute('aria-label')} cuts no choice`).toBeLessThanOrEqual(0);
    await form.scrollIntoViewIfNeeded();
    await shot(page, `layout-history-compare-${width}x${height}`);
  }
});
