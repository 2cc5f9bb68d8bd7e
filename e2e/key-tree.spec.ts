/**
 * The key browser's tree shows keys as the flat list does (KeyText): runs of
 * spaces as they are, spaces at the ends of a node's part marked, bytes that
 * are not printable escaped.
 */
import { Store } from '../src/engine/store.js';
import { test, expect, openFromScreen, shot } from './fixtures.js';
import { textWidth } from './helpers/text-width.js';

test('tree labels keep the key\'s spaces, mark those at the ends and escape what is not printable, as the list does', async ({ page, kv }) => {
  const store = await Store.open(kv.dir);
  await store.put('ws: two  inner ', 'a'); // a leaf: a run of two spaces, one at each end
  await store.put('ws:bell\x07', 'b'); // a leaf that is not printable
  await store.put(' pad :k', 'c'); // a branch whose part starts and ends with a space
  await store.close();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await page.getByRole('radio', { name: 'tree' }).click();
  const tree = page.getByRole('tree', { name: 'Key tree' });

  // A branch: its part " pad " has a space at each end, the delimiter follows.
  await page.getByLabel('Filter keys').fill('pad');
  const branch = tree.getByRole('treeitem', { name: /pad\s*:/ });
  await expect(branch.locator('.edge-space')).toHaveCount(2);
  const branchLabel = branch.locator('.tree-label');
  expect(await branchLabel.textContent()).toBe(' pad :');
  await expect(branchLabel).toHaveCSS('white-space', 'pre');
  await expect(branchLabel.locator('.edge-space')).toHaveCount(2);
  await expect(branch.locator(':scope > .tree-button')).toHaveAttribute('title', '“ pad :” (1 leading space)');

  await page.getByLabel('Filter keys').fill('ws:');
  await tree.getByRole('treeitem', { name: /ws\s*:/ }).click();
  const leaf = tree.getByRole('treeitem', { name: /two\s+inner/ });
  await expect(leaf.locator('.edge-space')).toHaveCount(2);
  const label = leaf.locator('.tree-label');
  // After the key's part, the comma that its name says before its size, which takes no room.
  expect(await label.textContent()).toBe(' two  inner ,');
  expect((await label.locator('.tree-pause').boundingBox())!.width).toBe(0);
  await expect(label).toHaveCSS('white-space', 'pre');
  await expect(label).toHaveCSS('text-overflow', 'ellipsis');
  // The two inner spaces take two characters' room; the spaces at the ends are marked and take room too.
  const one = await textWidth(label, 1, 2);
  const inner = ' two  inner '.indexOf('  ');
  expect(await textWidth(label, inner, inner + 2)).toBeCloseTo(2 * one, 0);
  const edges = label.locator('.edge-space');
  await expect(edges).toHaveCount(2);
  for (const edge of await edges.all()) {
    expect(await edge.textContent()).toBe(' ');
    expect((await edge.boundingBox())!.width).toBeGreaterThan(one / 2);
  }
  await expect(leaf.locator(':scope > .tree-button')).toHaveAttribute('title', '“ws: two  inner ” (1 trailing space)');
  await expect(label).not.toHaveClass(/escaped/);

  // Not printable: escaped, in the escaped colour, as in the list.
  const bell = tree.getByRole('treeitem', { name: /bell/ }).locator('.tree-label');
  expect(await bell.textContent()).toBe('bell\\x07,');
  await expect(bell).toHaveClass(/escaped/);
  await shot(page, 'key-tree-spaces');

  // Selecting the leaf opens that exact key.
  await leaf.click();
  await expect(page.locator('.value-key')).toHaveText('ws: two  inner ', { useInnerText: false });
});
