/**
 * The problems the open found are all listed, behind a disclosure a
 * keyboard opens, not only the first one, in plain words; notes on how the
 * open went (nothing lost) are apart from them.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, openFromScreen, shot } from './fixtures.js';
import { flipByte } from '../test/engine/helpers.js';

test('three damaged records and missing hints: the notice lists every problem in plain words, opened with the keyboard; the hints not found are notes apart', async ({ page, kv }) => {
  // Without hints or a keydir image the open replays every record and says which it skipped.
  for (const f of readdirSync(kv.dir)) if (f.endsWith('.hint') || f === 'KEYDIR') rmSync(join(kv.dir, f));
  for (const f of ['000001.data', '000002.data', '000003.data']) flipByte(join(kv.dir, f), 5000);
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  // The three damaged records are problems, in plain words; the four hints not found are notes on the open, apart.
  const notice = page.getByRole('status', { name: 'Problems found while opening' });
  await expect(notice).toContainText('3 problems found while opening: Skipped a damaged record (its checksum does not match its bytes) in 000001.data at offset 4970');
  const items = notice.locator('li');
  await expect(items).toHaveCount(3);
  await expect(items.first()).toBeHidden();
  await notice.locator('summary').focus();
  await page.keyboard.press('Enter');
  await expect(items).toHaveText([
    // The flipped byte is in the key: it is named as its bytes read, unverified (the key written was another).
    /^Skipped a damaged record .* in 000001\.data at offset 4970, key \(unverified, the record fails its checksum\): .+; keys or versions it held may be missing\. \(skipped bad-crc in 000001\.data at 4970: .*; key \(unverified, the record fails its checksum\): /,
    /^Skipped a damaged record .* in 000002\.data/,
    /^Skipped a damaged record .* in 000003\.data/,
  ]);
  for (const item of await items.all()) await expect(item).toBeVisible();
  const notes = page.getByRole('status', { name: 'Notes on the open' });
  await expect(notes).toContainText('4 notes on the open, nothing lost: 000001.data has no hint file, so its keys were read from the data file itself');
  await expect(notes).not.toContainText('problem');
  await notes.locator('summary').click();
  await expect(notes.locator('li')).toHaveText([1, 2, 3, 4].map((n) => new RegExp(`^00000${n}\\.data has no hint file, .*; nothing is lost \\(it only took longer\\)\\. \\(00000${n}\\.hint: missing\\)$`)));
  await shot(page, 'open-problems-expanded');
  await page.setViewportSize({ width: 800, height: 600 });
  await shot(page, 'open-problems-expanded-800');
});
