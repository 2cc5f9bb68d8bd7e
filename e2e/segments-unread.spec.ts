/**
 * mini-kvstore-v2 b22e80f stops reading a segment at a bad CRC: the Segments view counted the records after it as
 * stale and tombstone bytes (segment_1.log: stale 72 B, tombstones 34 B). They are now an "Unread" column and a bar
 * part of their own, which the legend explains, as `kvscope segments` counts them.
 */
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, openFromScreen, shot } from './fixtures.js';
import { SHARED_DIR } from '../test/shared-dir.js';

const FIXTURE = `${SHARED_DIR}/fixtures/mini-kvstore-v2/legacy-b22e80f-crc/data`;

function writable(path: string): void {
  chmodSync(path, 0o755);
  if (statSync(path).isDirectory()) for (const e of readdirSync(path)) writable(join(path, e));
}

test('records after a bad CRC the program stops at: counted as unread in the Segments view, explained in the legend', async ({ page, kv }) => {
  test.skip(!existsSync(FIXTURE), 'fixture missing');
  const dir = join(kv.base, 'b22e80f');
  cpSync(FIXTURE, dir, { recursive: true });
  writable(dir);
  const seg = join(dir, 'data', 'segments', 'segment_1.log');
  const bytes = readFileSync(seg);
  bytes[54] ^= 0xff; // a byte of the value of "café" (the record at 19, 37 bytes)
  writeFileSync(seg, bytes);

  await page.goto(kv.url);
  await openFromScreen(page, dir);
  await page.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name: 'Segments' }).click();
  const table = page.getByRole('table', { name: 'Segments' });
  // Waited for (the table is drawn when the segments' figures arrive): reading the headers at once found none.
  const head = table.locator('thead th');
  for (const [i, name] of ['File', 'Size', 'Records', 'Live', 'Stale', 'Tombstones', 'Corrupt', 'Unread'].entries()) await expect(head.nth(i)).toHaveText(name);
  const cells = table.locator('tr[data-file="segment_1.log"] td');
  await expect(cells.nth(3)).toHaveText('19 B');
  await expect(cells.nth(4)).toHaveText('0 B');
  await expect(cells.nth(5)).toHaveText('0 B');
  await expect(cells.nth(6)).toHaveText('37 B');
  await expect(cells.nth(7)).toHaveText('106 B');
  await expect(table.locator('tr[data-file="segment_1.log"] .seg-bar')).toHaveAttribute('title', /stale 0 · tombstones 0 · corrupt 37 · unread 106/);
  await expect(table.locator('tr[data-file="segment_1.log"] .seg-bar .seg-unread')).toBeVisible();
  await expect(page.getByTestId('legend-unread')).toContainText('unread: after damage its program stops reading the file at, never read by it');
  await shot(page, 'segments-unread');
});
