/**
 * A Riak cask opens from its hint files; a data file whose hint could not be used (here, a byte of 3.bitcask.hint
 * flipped: its trailer's CRC no longer matches) is read record by record. The inspector says which and why where a
 * person looks: in the Statistics pane and under that file's row in the Segments view, for that file and no other.
 */
import { chmodSync, cpSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, openFromScreen, shot } from './fixtures.js';
import { flipByte } from '../test/engine/helpers.js';
import { SHARED_DIR } from '../test/shared-dir.js';

const FIXTURE = `${SHARED_DIR}/fixtures/riak-bitcask/basic/data`;
const WHY = /its hint 3\.bitcask\.hint was not used: its trailer's CRC 0x[0-9a-f]{8} does not match the 0x[0-9a-f]{8} of its entries/;

function writable(path: string): void {
  chmodSync(path, statSync(path).isDirectory() ? 0o755 : 0o644);
  if (statSync(path).isDirectory()) for (const e of readdirSync(path)) writable(join(path, e));
}

test('a Riak data file whose hint is damaged: why it was read is said in Statistics and under its Segments row, for it alone', async ({ page, kv }) => {
  const dir = join(kv.base, 'riak');
  cpSync(FIXTURE, dir, { recursive: true });
  writable(dir);
  flipByte(join(dir, '3.bitcask.hint'), 18); // the first byte of its first entry's key: the trailer's CRC no longer matches

  await page.goto(kv.url);
  await openFromScreen(page, dir);

  const note = page.getByRole('note', { name: 'Data files read instead of their hints' });
  await expect(note).toContainText('One data file was read record by record, not from its hint:');
  await expect(note.locator('li')).toHaveCount(1);
  await expect(note.locator('li[data-file="3.bitcask.data"]')).toHaveText(WHY);
  await expect(page.getByTestId('figures-from')).toHaveText(/^Figures from hint files: /);
  await shot(page, 'hint-not-used-stats');

  await page.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name: 'Segments' }).click();
  const table = page.getByRole('table', { name: 'Segments' });
  await expect(table.locator('tr[data-file="3.bitcask.data"]')).toBeVisible();
  await expect(table.locator('tr.read-instead')).toHaveCount(1);
  await expect(table.locator('tr[data-file-note="3.bitcask.data"]')).toContainText('3.bitcask.data was read record by record, its keys not taken from a hint: ');
  await expect(table.locator('tr[data-file-note="3.bitcask.data"]')).toContainText(WHY);
  // It stands right under its file's row.
  await expect(table.locator('tr[data-file="3.bitcask.data"] + tr')).toHaveAttribute('data-file-note', '3.bitcask.data');
  for (const other of ['1.bitcask.data', '2.bitcask.data', '4.bitcask.data']) {
    await expect(table.locator(`tr[data-file="${other}"] + tr`)).not.toHaveClass('read-instead');
  }
  await shot(page, 'hint-not-used-segments');
});
