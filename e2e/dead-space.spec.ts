/**
 * Statistics' "Where is the dead space?": a job with its progress and Cancel (its end held back to look at it), whose
 * result lists the prefixes and keys with the most dead bytes, as the engine counts them from the records; a key
 * row selects the key in the Keys view (a deleted key among the deleted ones), a prefix row searches under it. At
 * 1280 and 1024 px.
 */
import { Store } from '../src/engine/store.js';
import { countOf, formatBytes } from '../src/renderer/src/format.js';
import { test, expect, openFromScreen, shot } from './fixtures.js';
import { holdJobEnd } from './helpers/held-job-end.js';

for (const width of [1280, 1024]) {
  test(`dead space by prefix and key at ${width} px: progress and Cancel, then the engine's figures; rows select a key or search under a prefix`, async ({ page, kv }) => {
    const s = await Store.open(kv.dir, { readOnly: true });
    const dead = await s.deadSpace();
    const [branch] = dead.branches('', ':', 1).branches;
    const [top] = dead.top(1);
    await s.close();
    expect(branch!.deadBytes).toBeGreaterThan(0);

    await page.setViewportSize({ width, height: 800 });
    const held = await holdJobEnd(page);
    await page.goto(kv.url);
    await openFromScreen(page, kv.dir);
    const stats = page.getByRole('complementary', { name: 'Statistics' });
    const section = stats.getByRole('region', { name: 'Dead space by key' });
    await section.getByRole('button', { name: 'Find dead space' }).click();
    await expect(section.getByRole('progressbar', { name: 'Dead space search progress' })).toBeVisible();
    await expect(section.getByRole('button', { name: 'Cancel' })).toBeVisible();
    await held.arrived();
    await section.scrollIntoViewIfNeeded();
    await shot(page, `dead-space-running-${width}`);
    held.release();

    const result = section.getByRole('status', { name: 'Dead space result' });
    await expect(result).toContainText(`${formatBytes(dead.totals.deadBytes)} in`);
    const prefixes = result.getByRole('list', { name: 'Dead space by prefix' }).getByRole('button');
    await expect(prefixes.first()).toContainText(branch!.prefix);
    await expect(prefixes.first()).toContainText(formatBytes(branch!.deadBytes));
    const keys = result.getByRole('list', { name: 'Keys with the most dead space' }).getByRole('button');
    await expect(keys.first()).toContainText(top!.key);
    await expect(keys.first()).toContainText(`${top!.versions} versions`);
    await section.scrollIntoViewIfNeeded();
    await shot(page, `dead-space-result-${width}`);
    // Each row fits the pane: the figures are not pushed out of it.
    const pane = (await stats.boundingBox())!;
    const row = (await keys.first().boundingBox())!;
    expect(row.x + row.width).toBeLessThanOrEqual(pane.x + pane.width + 1);

    // A key row selects the key: the demo's top key is deleted now, so it is shown among the deleted keys.
    await keys.first().click();
    await expect(page.getByRole('heading', { level: 2 }).filter({ hasText: top!.key }).first()).toBeVisible();

    // A prefix row searches again under it (only the first job's end was held: this one's comes as it is sent).
    await prefixes.first().click();
    await expect(result).toContainText(`Under ${branch!.prefix} — `);
    await expect(keys.first()).toContainText(branch!.prefix);
  });
}

test("dead space grouped by ':' or '/' as chosen: the choice before a search is its grouping, a change after one groups the same keys anew and keeps focus", async ({ page, kv }) => {
  const s = await Store.open(kv.dir, { readOnly: true });
  const dead = await s.deadSpace();
  const [colon] = dead.branches('', ':', 1).branches;
  const [slash] = dead.branches('', '/', 1).branches;
  await s.close();
  // The demo's keys differ by delimiter: 'user:' with ':', 'session/' with '/' (where ':' leaves session/N keys whole).
  expect(colon!.prefix).not.toBe(slash!.prefix);

  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  const section = page.getByRole('complementary', { name: 'Statistics' }).getByRole('region', { name: 'Dead space by key' });
  const delimiter = section.getByLabel('Delimiter');
  await delimiter.selectOption('/');
  await section.getByRole('button', { name: 'Find dead space' }).click();
  const result = section.getByRole('status', { name: 'Dead space result' });
  const prefixes = result.getByRole('list', { name: 'Dead space by prefix' }).getByRole('button');
  await expect(result.getByRole('heading', { name: /^By prefix \(\/\)/ })).toBeVisible();
  await expect(prefixes.first()).toContainText(slash!.prefix);
  await expect(prefixes.first()).toContainText(formatBytes(slash!.deadBytes));

  // Changed with a result shown: the search runs again, grouped by ':', and focus is back on the choice when it ends.
  await delimiter.focus();
  await delimiter.selectOption(':');
  await expect(result.getByRole('heading', { name: /^By prefix \(:\)/ })).toBeVisible();
  await expect(prefixes.first()).toContainText(colon!.prefix);
  await expect(prefixes.first()).toContainText(formatBytes(colon!.deadBytes));
  await expect(delimiter).toHaveValue(':');
  await expect(delimiter).toBeFocused();
});

for (const width of [1280, 1024]) {
  test(`dead space drilled down and back up at ${width} px: the path says where, its steps go back, focus lands on the rows`, async ({ page, kv }) => {
    const s = await Store.open(kv.dir, { readOnly: true });
    const dead = await s.deadSpace();
    const [top] = dead.branches('', ':', 1).branches;
    const underTop = dead.branches(top!.prefix, ':', 1);
    const [second] = underTop.branches;
    const [third] = dead.branches(second!.prefix, ':', 1).branches;
    await s.close();
    expect(second!.kind).toBe('branch');
    const step = second!.prefix.slice(top!.prefix.length);

    await page.setViewportSize({ width, height: 800 });
    await page.goto(kv.url);
    await openFromScreen(page, kv.dir);
    const section = page.getByRole('complementary', { name: 'Statistics' }).getByRole('region', { name: 'Dead space by key' });
    await section.getByRole('button', { name: 'Find dead space' }).click();
    const result = section.getByRole('status', { name: 'Dead space result' });
    const prefixes = result.getByRole('list', { name: 'Dead space by prefix' }).getByRole('button');
    const path = section.getByRole('navigation', { name: 'Dead space path' });
    await expect(prefixes.first()).toContainText(top!.prefix);
    await expect(path).toHaveCount(0); // at the top: nowhere to go back to

    // Down with the keyboard: Enter on the first row; its level shows, the path says where, focus is on its first row.
    await prefixes.first().focus();
    await page.keyboard.press('Enter');
    // The summary names the prefix first, a dash after it: no period or colon right after a key, to be read as part of it.
    await expect(result.locator('p').first()).toHaveText(
      `Under ${top!.prefix} — ${formatBytes(underTop.deadBytes)} in ${countOf(underTop.deadRecords, 'dead record')} of ${countOf(underTop.keys, 'key')}.`,
    );
    await expect(path.getByRole('button', { name: 'All keys' })).toBeVisible();
    await expect(path.locator('[aria-current="location"]')).toHaveText(top!.prefix);
    await expect(prefixes.first()).toContainText(second!.prefix);
    await expect(prefixes.first()).toBeFocused();

    // One more level: the path has a step for each.
    await page.keyboard.press('Enter');
    await expect(result).toContainText(`Under ${second!.prefix} — `);
    await expect(prefixes.first()).toContainText(third!.prefix);
    await expect(prefixes.first()).toBeFocused();
    await expect(path.getByRole('listitem')).toHaveText(['All keys', `›${top!.prefix}`, `›${step}`]);
    await expect(path.locator('[aria-current="location"]')).toHaveText(step);
    await section.scrollIntoViewIfNeeded();
    await shot(page, `dead-space-drilled-${width}`);
    // The path and the rows fit the pane.
    const pane = (await page.getByRole('complementary', { name: 'Statistics' }).boundingBox())!;
    for (const box of [await path.boundingBox(), await prefixes.first().boundingBox()]) expect(box!.x + box!.width).toBeLessThanOrEqual(pane.x + pane.width + 1);

    // Up a step: the level above, focus on the row of the prefix just left.
    await path.getByRole('button', { name: top!.prefix }).click();
    await expect(result).toContainText(`Under ${top!.prefix} — `);
    await expect(path.locator('[aria-current="location"]')).toHaveText(top!.prefix);
    await expect(result.getByRole('list', { name: 'Dead space by prefix' }).locator(':focus')).toContainText(second!.prefix);

    // Back to the top with the keyboard: all keys again, focus on the row left.
    await path.getByRole('button', { name: 'All keys' }).focus();
    await page.keyboard.press('Enter');
    await expect(result).toContainText(`${formatBytes(dead.totals.deadBytes)} in`);
    await expect(result).not.toContainText('Under');
    await expect(path).toHaveCount(0);
    await expect(prefixes.first()).toBeFocused();
    await expect(prefixes.first()).toContainText(top!.prefix);
  });

  test(`dead space columns named at ${width} px: a header over each list's figures, and each row says them`, async ({ page, kv }) => {
    const s = await Store.open(kv.dir, { readOnly: true });
    const dead = await s.deadSpace();
    const [branch] = dead.branches('', ':', 1).branches;
    const [key] = dead.top(1);
    await s.close();

    await page.setViewportSize({ width, height: 800 });
    await page.goto(kv.url);
    await openFromScreen(page, kv.dir);
    const stats = page.getByRole('complementary', { name: 'Statistics' });
    const section = stats.getByRole('region', { name: 'Dead space by key' });
    await section.getByRole('button', { name: 'Find dead space' }).click();
    const result = section.getByRole('status', { name: 'Dead space result' });
    const prefixRow = result.getByRole('list', { name: 'Dead space by prefix' }).getByRole('button').first();
    const keyRow = result.getByRole('list', { name: 'Keys with the most dead space' }).getByRole('button').first();
    // A screen reader hears each figure with its name.
    await expect(prefixRow).toHaveAccessibleName(`${branch!.prefix} ${formatBytes(branch!.deadBytes)} dead, ${branch!.deadRecords.toLocaleString('en-US')} records`);
    await expect(keyRow).toHaveAccessibleName(`${key!.key} ${formatBytes(key!.deadBytes)} dead, ${key!.versions} versions`);

    // A sighted user reads the names over the columns: each name stands over its figures, inside the pane.
    const headers = section.getByTestId('dead-space-columns');
    await expect(headers).toHaveCount(2);
    await expect(headers.nth(0).locator(':scope > span')).toHaveText(['Prefix or key', 'Dead', 'Records']);
    await expect(headers.nth(1).locator(':scope > span')).toHaveText(['Key', 'Dead', 'Versions']);
    // Measured at once (one layout): the right edges of each header's names and of its first row's figures, the pane's.
    const edges = await stats.evaluate((pane) => {
      const right = (el: Element | null | undefined) => el!.getBoundingClientRect().right;
      return {
        pane: right(pane),
        tables: [...pane.querySelectorAll('[data-testid="dead-space-columns"]')].map((header) => {
          const row = header.parentElement!.querySelector('button.dead-space-row')!;
          return { header: right(header), row: right(row), names: [...header.children].slice(1).map(right), figures: [...row.querySelectorAll('.dead-space-figure')].map(right) };
        }),
      };
    });
    expect(edges.tables).toHaveLength(2);
    for (const t of edges.tables) {
      expect(t.figures).toHaveLength(2);
      t.names.forEach((name, c) => expect(Math.abs(name - t.figures[c]!)).toBeLessThanOrEqual(1)); // right-aligned together
      expect(Math.max(t.header, t.row)).toBeLessThanOrEqual(edges.pane + 1);
    }
    await section.scrollIntoViewIfNeeded();
    await shot(page, `dead-space-columns-${width}`);
  });
}
