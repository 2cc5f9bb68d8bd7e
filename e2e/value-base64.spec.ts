/**
 * The Base64 tab on a large value: 8 MiB of binary bytes (11 M characters of
 * Base64) is drawn by rows of 76 characters, as the Text tab draws a large
 * text: few short DOM nodes however big the value, its last row reachable by
 * scrolling, and "Copy value" copies all of the Base64 (no line ends added).
 */
import { createHash } from 'node:crypto';
import { Store } from '../src/engine/store.js';
import { test, expect, openFromScreen, keyOption, shot } from './fixtures.js';
import { domSize, visibleRows } from './helpers/lines-view.js';

const SIZE = 8 * 1024 * 1024;
const ROW = 76;

/** 8 MiB of bytes that look random (every byte value, no text), the same each run. */
function binaryValue(): Buffer {
  const out = Buffer.alloc(SIZE);
  let x = 0x9e3779b9;
  for (let i = 0; i < SIZE; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const VALUE = binaryValue();
const BASE64 = VALUE.toString('base64');

test.beforeEach(async ({ kv }) => {
  const store = await Store.open(kv.dir, { fsync: 'never' });
  try {
    await store.put('large:bytes', VALUE);
  } finally {
    await store.close();
  }
});

test('Base64 tab: 8 MiB of bytes is drawn as 76-character rows, few of them in the DOM, first to last; Copy value copies all of it', async ({ page, kv, context }) => {
  test.setTimeout(120_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await page.getByLabel('Filter keys').fill('large:bytes');
  await keyOption(page, 'large:bytes').click();
  await page.getByRole('button', { name: 'Load all' }).click();
  await expect(page.getByText(/Showing the first/)).toHaveCount(0, { timeout: 60_000 });

  await page.getByRole('tab', { name: 'Base64', exact: true }).click();
  const frame = page.getByRole('region', { name: 'Value' });
  const view = frame.getByRole('document', { name: 'Value Base64' });
  const rows = Math.ceil(BASE64.length / ROW);
  await expect(view).toHaveAttribute('data-rows', String(rows), { timeout: 60_000 });
  await expect(frame).toContainText(`${rows.toLocaleString('en-US')} lines of 76 characters (${BASE64.length.toLocaleString('en-US')} in all)`);
  await expect.poll(async () => (await visibleRows(view)).slice(0, 3)).toEqual([BASE64.slice(0, ROW), BASE64.slice(ROW, 2 * ROW), BASE64.slice(2 * ROW, 3 * ROW)]);
  // 147 k lines, a few dozen of them in the DOM, none longer than a row.
  let dom = await domSize(page);
  expect(dom.rows).toBeGreaterThan(10);
  expect(dom.rows).toBeLessThan(500);
  expect(dom.longestNode).toBeLessThanOrEqual(200);
  await shot(page, 'value-large-base64-top');

  // The end of the value, by scrolling: its last (shorter) row, padded as Base64 pads.
  await view.evaluate((el) => (el.scrollTop = el.scrollHeight));
  const lastRow = BASE64.slice((rows - 1) * ROW);
  await expect.poll(async () => (await visibleRows(view)).at(-1)).toBe(lastRow);
  expect((await visibleRows(view)).at(-2)).toBe(BASE64.slice((rows - 2) * ROW, (rows - 1) * ROW));
  dom = await domSize(page);
  expect(dom.rows).toBeLessThan(500);
  expect(dom.longestNode).toBeLessThanOrEqual(200);
  await shot(page, 'value-large-base64-end');

  // Only the rows drawn could be selected; Copy value takes the whole Base64, in one piece.
  await page.getByRole('button', { name: 'Copy value' }).click();
  await expect(frame.getByRole('status', { name: 'Copy result' })).toHaveText(`Copied ${BASE64.length.toLocaleString('en-US')} characters.`);
  const copied = await page.evaluate(async () => {
    const t = await navigator.clipboard.readText();
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(t));
    return { length: t.length, sha256: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('') };
  });
  expect(copied).toEqual({ length: BASE64.length, sha256: createHash('sha256').update(BASE64).digest('hex') });

  // Another tab and back: the rows are there again at once, not prepared over.
  await page.getByRole('tab', { name: 'Hex', exact: true }).click();
  await page.getByRole('tab', { name: 'Base64', exact: true }).click();
  await expect(view).toHaveAttribute('data-rows', String(rows));
});
