/**
 * Statistics' "Where is the dead space?": a job with its progress and Cancel (its end held back to look at it), whose
 * result lists the prefixes and keys with the most dead bytes, as the engine counts them from the records; a key
 * row selects the key in the Keys view (a deleted key among the deleted ones), a prefix row searches under it. At
 * 1280 and 1024 px.
 */
import { Store } from '../src/engine/store.js';
import { formatBytes } from '../src/renderer/src/format.js';
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
    await expect(result).toContainText(`under ${branch!.prefix}`);
    await expect(keys.first()).toContainText(branch!.prefix);
  });
}
