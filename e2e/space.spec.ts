/**
 * "Where does the space go?": the key tree shows each node's live bytes beside its count, equal to the store's own
 * record lengths summed (and sorts a level by size), and the "largest" view lists the largest values of the keys
 * listed, a row selecting its key (one stop of Tab, the arrows moving among them).
 */
import { Store } from '../src/engine/store.js';
import { formatBytes, formatCount } from '../src/renderer/src/format.js';
import { test, expect, openFromScreen, shot } from './fixtures.js';

/** Every live key of the store (key string) and its record's bytes, read through the engine. */
async function recordSizes(dir: string): Promise<Map<string, number>> {
  const store = await Store.open(dir, { readOnly: true });
  try {
    return new Map(store.sortedKeys().map((key) => [key, store.locate(Buffer.from(key, 'latin1'))!.length]));
  } finally {
    await store.close();
  }
}

test('the tree shows each branch\'s bytes as the store counts them, and sorts a level by size', async ({ page, kv }) => {
  const sizes = await recordSizes(kv.dir);
  const under = (prefix: string) => [...sizes].filter(([k]) => k.startsWith(prefix)).reduce((sum, [, b]) => sum + b, 0);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await page.getByRole('radiogroup', { name: 'Key view' }).getByRole('radio', { name: 'tree' }).click();
  const tree = page.getByRole('tree', { name: 'Key tree' });

  for (const prefix of ['user:', 'blob:']) {
    const branch = tree.locator(`[role=treeitem][data-prefix="${prefix}"]`);
    const size = branch.locator('.node-size');
    await expect(size).toHaveText(formatBytes(under(prefix)));
    await expect(size).toHaveAttribute('title', `${formatCount(under(prefix))} bytes of live records (header, key and value)`);
    const keys = formatCount([...sizes.keys()].filter((k) => k.startsWith(prefix)).length);
    await expect(branch.locator('.count').first()).toHaveText(new RegExp(`^${keys}\\b`));
    await expect(branch).toHaveAccessibleName(`${prefix} ${keys} keys, ${formatBytes(under(prefix))}`);
  }
  // A leaf: its own record's bytes.
  await expect(tree.locator('[data-prefix="greeting"] .node-size')).toHaveText(formatBytes(sizes.get('greeting')!));
  await expect(tree.locator('[data-prefix="greeting"]')).toHaveAccessibleName(`greeting, ${formatBytes(sizes.get('greeting')!)}`);

  // Sorted by size: the top level's largest first; by name again: key order.
  // Web-first: the tree's top level is read again on a sort change (a poll whose body waited for a node would block on it).
  const firstNode = tree.locator(':scope > [role=treeitem]').first();
  const byName = (await firstNode.getAttribute('data-prefix'))!;
  await page.getByRole('radiogroup', { name: 'Sort tree by' }).getByRole('radio', { name: 'size' }).click();
  await expect(firstNode).toHaveAttribute('data-prefix', 'user:');
  await tree.locator('[data-prefix="user:"]').click();
  const children = tree.locator('[data-prefix="user:"] > [role=group] > [role=treeitem]');
  await expect(children.first()).toBeVisible();
  const shown = await children.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.prefix!));
  const childBytes = shown.map((p) => under(p));
  expect(childBytes).toEqual([...childBytes].sort((a, b) => b - a));
  await shot(page, 'space-tree-by-size');
  await page.getByRole('radiogroup', { name: 'Sort tree by' }).getByRole('radio', { name: 'name' }).click();
  await expect(firstNode).toHaveAttribute('data-prefix', byName);
});

test('the largest values of the keys listed, largest first; a row selects its key', async ({ page, kv }) => {
  const sizes = await recordSizes(kv.dir);
  const largest = [...sizes].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  await page.setViewportSize({ width: 1024, height: 800 });
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await page.getByRole('radiogroup', { name: 'Key view' }).getByRole('radio', { name: 'largest' }).click();
  const list = page.getByRole('list', { name: 'Largest values' });
  const rows = list.getByRole('button');
  await expect(rows.first()).toBeVisible();
  await expect(page.getByText(`The 200 largest of ${formatCount(sizes.size)} keys`)).toBeVisible();
  const firstFive = await rows.evaluateAll((els) => els.slice(0, 5).map((e) => [e.querySelector('.tree-label')!.textContent, e.querySelector('.count')!.textContent]));
  expect(firstFive).toEqual(largest.slice(0, 5).map(([k, b]) => [k, formatBytes(b)]));

  const [key] = largest[3]!;
  await rows.nth(3).click();
  await expect(page.locator('.value-key')).toHaveText(key, { useInnerText: false });
  await expect(rows.nth(3).locator('..')).toHaveClass(/selected/);
  await shot(page, 'space-largest');
  // One stop of Tab, as the tree is: the row used last; Down and Enter select the next one.
  await expect(rows.nth(3)).toHaveAttribute('tabindex', '0');
  await expect(rows.nth(0)).toHaveAttribute('tabindex', '-1');
  await rows.nth(3).focus();
  await page.keyboard.press('ArrowDown');
  await expect(rows.nth(4)).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('.value-key')).toHaveText(largest[4]![0], { useInnerText: false });

  // The key list's filter applies: only the blobs.
  await page.getByLabel('Filter keys').fill('blob:');
  const blobs = largest.filter(([k]) => k.includes('blob:'));
  await expect(list.getByRole('button').first().locator('.tree-label')).toHaveText(blobs[0]![0]);
  await expect(page.getByText(`The 200 largest of ${formatCount(blobs.length)} keys`)).toBeVisible();
});
