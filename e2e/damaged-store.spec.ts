/**
 * "Is my data directory damaged?": a store with a flipped byte in one segment and a lost tail in another. Verify's
 * report counts its problems in plain words and leads to Repair, where it was a dead end ("5 problem(s)", and nothing
 * said what next). What Verify checks is said for the store's format: another engine's has no segment headers or
 * keydir image.
 */
import { existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, openFromScreen, shot } from './fixtures.js';
import { SHARED_DIR } from '../test/shared-dir.js';

const RIAK = `${SHARED_DIR}/fixtures/riak-bitcask/basic/data`;

test('Verify on a damaged store: the problems counted in words, and Repair… leads to a repaired copy naming the lost key', async ({ page, kv }) => {
  const flipped = join(kv.dir, '000002.data');
  const bytes = readFileSync(flipped);
  bytes[bytes.length >> 1] ^= 0x40; // a byte in the middle of the segment
  writeFileSync(flipped, bytes);
  const torn = join(kv.dir, '000004.data');
  truncateSync(torn, statSync(torn).size - 30);
  const before = [flipped, torn].map((f) => readFileSync(f).toString('base64'));

  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  const views = page.getByRole('tablist', { name: 'Views' });
  await views.getByRole('tab', { name: 'Verify' }).click();
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  const result = page.getByRole('status', { name: 'Verify result' });
  await expect(result).toContainText(/^\d+ problems in \d+ files \([\d,]+ records checked\)/);
  await expect(result).not.toContainText('(s)');
  await expect(result).toContainText('Nothing was changed. Repair writes a copy without the damage');
  await shot(page, 'damaged-verify');
  await result.getByRole('button', { name: 'Repair…' }).click();
  await expect(views.getByRole('tab', { name: 'Repair & crash lab' })).toHaveAttribute('aria-selected', 'true');
  // The Repair… button is gone with the Verify view: its directory field has focus, ready to be typed in.
  await expect(page.getByLabel('Repair into directory')).toBeFocused();
  const target = join(kv.base, 'repaired');
  await page.keyboard.type(target);
  await expect(page.getByLabel('Repair into directory')).toHaveValue(target);
  await page.getByRole('button', { name: 'Write repaired copy' }).click();
  const repair = page.getByRole('status', { name: 'Repair result' });
  await expect(repair).toContainText(/Wrote [\d,]+ records \([\d,]+ live keys\)/);
  await expect(repair).toContainText(/Lost: 2 damaged regions, \d+ bytes\./);
  await expect(repair.getByTestId('repair-lost-keys')).toContainText(/listed [\d,]+ live keys; the copy lacks 1 of them/);
  await shot(page, 'damaged-repaired');
  // The lab's own tab, chosen by hand, keeps focus on the tab.
  await views.getByRole('tab', { name: 'Verify' }).click();
  await views.getByRole('tab', { name: 'Repair & crash lab' }).click();
  await expect(views.getByRole('tab', { name: 'Repair & crash lab' })).toBeFocused();
  // Verify and Repair only read the damaged store.
  expect([flipped, torn].map((f) => readFileSync(f).toString('base64'))).toEqual(before);
});

test('Verify says what it checks in the store’s own format: a Riak cask has no segment headers, batches or keydir image', async ({ page, kv }) => {
  test.skip(!existsSync(RIAK), 'fixture missing');
  await page.goto(kv.url);
  await openFromScreen(page, RIAK);
  await page.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name: 'Verify' }).click();
  const view = page.locator('.verify-view');
  await expect(view).toContainText("every record is decoded as riak-bitcask's program reads it");
  await expect(view).not.toContainText('keydir image');
  await expect(view).not.toContainText('segment headers');
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await expect(page.getByRole('status', { name: 'Verify result' })).toContainText(/No problems: \d+ records in \d+ files/);
  await shot(page, 'verify-riak');

  await page.getByRole('button', { name: 'Close', exact: true }).click();
  await openFromScreen(page, kv.dir);
  await page.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name: 'Verify' }).click();
  await expect(view).toContainText('segment headers, every record');
  await expect(view).toContainText('every key of the keydir image');
});
