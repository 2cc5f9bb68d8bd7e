/**
 * Comparing versions of a key in the value pane's History: edit a key twice (read-write), then Diff a version with
 * the one before it and Compare two named in the form; the diff's lines carry +/− markers and both line numbers, its
 * summary says the mode, Escape and Close give focus back to the button that opened it.
 */
import { expect, openFromScreen, openReadWrite, selectKey, shot, test } from './fixtures.js';
import type { Page } from '@playwright/test';
import { Store } from '../src/engine/store.js';
import { contrastOf } from './helpers/contrast.js';

async function saveValue(page: Page, text: string): Promise<void> {
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByRole('textbox', { name: 'Value' }).fill(text);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('button', { name: 'Edit' })).toBeVisible();
}

test('edit a key twice, diff a version with the one before it and two named ones; Escape and Close give focus back', async ({ page, kv }) => {
  await page.setViewportSize({ width: 1400, height: 900 });
  await openReadWrite(page, kv);
  await selectKey(page, 'user:00000:name');
  const history = page.getByRole('table', { name: 'History' });
  await expect(history.locator('tbody tr')).toHaveCount(2);
  const first = ['first line', 'second line', 'third line', 'fourth line', 'fifth line'].join('\n') + '\n';
  await saveValue(page, first);
  await expect(history.locator('tbody tr')).toHaveCount(3);
  await saveValue(page, first.replace('second line', 'second line, edited') + 'sixth line\n');
  await expect(history.locator('tbody tr')).toHaveCount(4);
  const places = await history.locator('td.history-where').allTextContents();

  // The live version against the one before it: one line changed, one added.
  const diffLive = page.getByRole('button', { name: `Diff version at ${places[3]} with the one before it` });
  await diffLive.focus();
  await page.keyboard.press('Enter');
  const region = page.getByRole('region', { name: 'Version diff' });
  await expect(region).toBeFocused();
  await expect(region.getByRole('heading')).toHaveText(`Changes from ${places[2]} to ${places[3]}`);
  const summary = region.getByRole('status', { name: 'Diff summary' });
  await expect(summary).toHaveText(/text, line by line: 2 lines added, 1 removed/);
  const lines = region.getByRole('list', { name: 'Changed lines' });
  const removed = lines.locator('[data-kind="removed"]');
  const added = lines.locator('[data-kind="added"]');
  await expect(removed).toHaveCount(1);
  await expect(added).toHaveCount(2);
  // Marked in words and signs, not by colour alone; numbered on both sides.
  await expect(removed).toHaveText(/^2\s*−removed, line 2: second line$/);
  await expect(added.nth(0)).toHaveText(/^2\s*\+added, new line 2: second line, edited$/);
  await expect(added.nth(1)).toContainText('sixth line');
  await expect(lines.locator('.diff-hunk').first()).toHaveText('@@ -1,5 +1,6 @@');
  // Every part of a line, on its row's colour, is readable: WCAG AA, 4.5:1 for text of this size.
  for (const row of [removed, added.nth(0), lines.locator('.diff-hunk').first(), lines.locator('[data-kind="context"]').first()]) {
    for (const part of await row.locator('.diff-num, .diff-mark, .diff-text, .diff-eof').all()) {
      expect(await contrastOf(part), `${await row.getAttribute('data-kind')} ${await part.getAttribute('class')}`).toBeGreaterThanOrEqual(4.5);
    }
  }
  expect(await contrastOf(lines.locator('.diff-hunk').first())).toBeGreaterThanOrEqual(4.5);
  await shot(page, 'version-diff-1400');
  await page.setViewportSize({ width: 800, height: 600 });
  await region.scrollIntoViewIfNeeded();
  await shot(page, 'version-diff-800');
  await page.setViewportSize({ width: 1400, height: 900 });

  // Escape closes it; focus is back on the Diff button.
  await region.focus();
  await page.keyboard.press('Escape');
  await expect(region).toHaveCount(0);
  await expect(diffLive).toBeFocused();

  // Any two: the demo's first version and the live one, named in the Compare form.
  const form = page.getByRole('form', { name: 'Compare two versions' });
  await expect(form.getByLabel('Compare from version')).toHaveValue(places[2]!);
  await expect(form.getByLabel('Compare to version')).toHaveValue(places[3]!);
  await form.getByLabel('Compare from version').selectOption(places[0]!);
  const compare = form.getByRole('button', { name: 'Compare' });
  await form.scrollIntoViewIfNeeded();
  await shot(page, 'version-diff-compare-form');
  await compare.click();
  await expect(region.getByRole('heading')).toHaveText(`Changes from ${places[0]} to ${places[3]}`);
  await expect(summary).toHaveText(/text, line by line: 6 lines added, 1 removed/);
  // The demo's value had no line end: said on its removed line, as readable there as the rest.
  const noEnd = removed.locator('.diff-eof');
  await expect(noEnd).toHaveText(' (no line end)');
  expect(await contrastOf(noEnd)).toBeGreaterThanOrEqual(4.5);
  await region.getByRole('button', { name: 'Close' }).click();
  await expect(region).toHaveCount(0);
  await expect(compare).toBeFocused();
});

test('a JSON value saved reformatted only: the diff says it is the same JSON value', async ({ page, kv }) => {
  await openReadWrite(page, kv);
  await selectKey(page, 'config/app.json');
  const history = page.getByRole('table', { name: 'History' });
  // The history comes after the heading (its own request): counted once it is there.
  await expect(history.locator('tbody tr').first()).toBeVisible();
  const before = await history.locator('tbody tr').count();
  await page.getByRole('button', { name: 'Edit' }).click();
  const editor = page.getByRole('textbox', { name: 'Value' });
  const value = await editor.inputValue();
  await editor.fill(JSON.stringify(JSON.parse(value)));
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(history.locator('tbody tr')).toHaveCount(before + 1);
  const places = await history.locator('td.history-where').allTextContents();
  await page.getByRole('button', { name: `Diff version at ${places[before]} with the one before it` }).click();
  const summary = page.getByRole('region', { name: 'Version diff' }).getByRole('status', { name: 'Diff summary' });
  await expect(summary).toHaveAttribute('data-mode', 'json');
  await expect(summary).toHaveText(/The same JSON value, formatted differently/);
});

test('a long diff is drawn by rows, to its last line; binary values list the byte ranges that differ', async ({ page, kv }) => {
  const lines = Array.from({ length: 5000 }, (_, i) => `line ${i}`);
  const store = await Store.open(kv.dir);
  await store.put('long', lines.join('\n') + '\n');
  await store.put('long', lines.map((l, i) => (i % 10 === 0 ? `${l} changed` : l)).join('\n') + '\n');
  await store.put('bytes', Buffer.from([0, 1, 2, 3, 4, 5, 6, 7]));
  await store.put('bytes', Buffer.from([0, 1, 9, 9, 4, 5, 6, 7, 8]));
  await store.close();
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);

  await selectKey(page, 'long');
  // Both versions listed (the history arrives after the heading) before their places are read.
  const history = page.getByRole('table', { name: 'History' });
  await expect(history.locator('td.history-where')).toHaveCount(2);
  const places = await history.locator('td.history-where').allTextContents();
  await page.getByRole('button', { name: `Diff version at ${places[1]} with the one before it` }).click();
  const region = page.getByRole('region', { name: 'Version diff' });
  await expect(region.getByRole('status', { name: 'Diff summary' })).toHaveText(/500 lines added, 500 removed/);
  const list = region.getByRole('list', { name: 'Changed lines' });
  const total = Number(await list.getAttribute('data-rows'));
  expect(total).toBeGreaterThan(2000);
  // Only the rows in view (and a margin) are in the page.
  expect(await list.getByRole('listitem').count()).toBeLessThan(100);
  await list.evaluate((el) => (el.scrollTop = el.scrollHeight));
  await expect(list.locator('[data-kind="added"]').last()).toHaveText(/line 4990 changed$/);
  await expect(list.locator('[data-kind="context"]').last()).toHaveText(/new line 4994: line 4993$/);

  await selectKey(page, 'bytes');
  await expect(region).toHaveCount(0);
  await expect(history.locator('td.history-where')).toHaveCount(2);
  const bytePlaces = await history.locator('td.history-where').allTextContents();
  await page.getByRole('button', { name: `Diff version at ${bytePlaces[1]} with the one before it` }).click();
  await expect(region.getByRole('status', { name: 'Diff summary' })).toHaveText(/Binary values \(neither value is UTF-8 text\): 3 bytes differ \(8 B → 9 B\)/);
  const ranges = region.getByRole('table', { name: 'Differing bytes' }).locator('tbody tr');
  await expect(ranges).toHaveCount(2);
  await expect(ranges.nth(0)).toHaveText('22');
  await expect(ranges.nth(1)).toHaveText('81');
  await region.scrollIntoViewIfNeeded();
  await shot(page, 'version-diff-binary');
});
