/**
 * A store whose older segment lost its tail: every place that offers a compaction says it is refused at the damage
 * and does not offer it, not only the Statistics pane: the Segments view's merge dry run offered Compact now, whose
 * click only then said the compaction would not start.
 */
import { statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, openReadWrite, shot } from './fixtures.js';

test('a torn older segment: the Segments view and the Statistics pane say a compaction is refused there, in the same words, and do not offer it', async ({ page, kv }) => {
  const file = join(kv.dir, '000002.data');
  truncateSync(file, statSync(file).size - 30);

  await openReadWrite(page, kv);
  await page.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name: 'Segments' }).click();
  const dry = page.getByTestId('dry-run');
  await expect(dry).toContainText(/would rewrite \d+ of \d+ segment/);
  const note = dry.getByRole('note', { name: 'Compaction would stop' });
  await expect(note).toContainText(/A compaction is refused at damage in 000002\.data @ \d+/);
  await expect(note).toContainText('Repair writes a clean copy');
  const compactNow = dry.getByRole('button', { name: 'Compact now' });
  await expect(compactNow).toBeDisabled();
  await expect(compactNow).toHaveAttribute('title', /Repair writes a clean copy/);
  await shot(page, 'damaged-segments-refused');
  // The Statistics pane says it in the same words (one CompactionStops), and its Compact is refused the same way.
  const [noteText, refusedTitle] = [(await note.textContent())!, (await compactNow.getAttribute('title'))!];
  await page.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name: 'Keys' }).click();
  const stats = page.getByRole('complementary', { name: 'Statistics' });
  await expect(stats.getByRole('note', { name: 'Compaction would stop' })).toHaveText(noteText);
  const compact = stats.getByRole('button', { name: 'Compact', exact: true });
  await expect(compact).toBeDisabled();
  await expect(compact).toHaveAttribute('title', refusedTitle);
});
