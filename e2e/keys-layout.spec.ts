/**
 * The key browser's controls held to what a person sees at common window sizes, by boxes: the hex switch,
 * Export… and New key stay together on one line inside the pane, read-only and read-write.
 */
import type { Locator } from '@playwright/test';
import { test, expect, openFromScreen, shot } from './fixtures.js';

type Box = { x: number; y: number; width: number; height: number };
async function box(l: Locator): Promise<Box> {
  const b = await l.boundingBox();
  expect(b, 'element has a box').not.toBeNull();
  return b!;
}

test('key list controls: hex, Export… and New key share one line inside the key pane at 1400x900 down to 800x600', async ({ page, kv }) => {
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  const pane = page.getByRole('region', { name: 'Key browser' });
  const hex = pane.getByRole('checkbox', { name: 'hex' });
  const exportButton = pane.getByRole('button', { name: 'Export…' });
  const newKey = pane.getByRole('button', { name: 'New key' });
  const count = page.getByTestId('key-count');
  await expect(count).toHaveText(/^[\d,]+ keys$/);
  for (const mode of ['read-only', 'read-write'] as const) {
    if (mode === 'read-write') {
      await page.getByRole('switch', { name: 'Read-write mode' }).click();
      await expect(page.getByRole('status', { name: 'Store status' })).toContainText('read-write');
    }
    for (const [width, height] of [[1400, 900], [1280, 800], [1024, 700], [800, 600]] as const) {
      await page.setViewportSize({ width, height });
      const at = `${mode} ${width}x${height}`;
      const paneBox = await box(pane);
      const boxes = { hex: await box(hex), export: await box(exportButton), newKey: await box(newKey) };
      // One line: the three share their vertical middle (a wrapped one would be a line lower).
      const middle = (b: Box) => b.y + b.height / 2;
      expect(Math.abs(middle(boxes.export) - middle(boxes.newKey)), `${at}: Export… and New key on one line`).toBeLessThanOrEqual(2);
      expect(Math.abs(middle(boxes.hex) - middle(boxes.newKey)), `${at}: hex and New key on one line`).toBeLessThanOrEqual(2);
      // In order, not overlapping, and inside the pane.
      expect(boxes.hex.x + boxes.hex.width, at).toBeLessThanOrEqual(boxes.export.x);
      expect(boxes.export.x + boxes.export.width, at).toBeLessThanOrEqual(boxes.newKey.x);
      expect(boxes.newKey.x + boxes.newKey.width, `${at}: New key inside the pane`).toBeLessThanOrEqual(paneBox.x + paneBox.width);
      // The count is never drawn over them: on their line to their left, or on a line of its own above them.
      const countBox = await box(count);
      const beside = countBox.x + countBox.width <= boxes.hex.x;
      const above = countBox.y + countBox.height <= boxes.hex.y;
      expect(beside || above, `${at}: the key count clear of the controls`).toBe(true);
      await shot(page, `layout-keys-${mode}-${width}x${height}`);
    }
  }
});

/**
 * The focused element's outline, as drawn (its box grown by the outline's width and offset), and the box of `scroller`
 * that shows it; `drawnBy`: the focused element's child that draws its ring (a tree item's row).
 */
async function focusRing(page: import('@playwright/test').Page, scroller: string, drawnBy?: string): Promise<{ drawn: boolean; left: number; right: number; top: number; bottom: number }> {
  return page.evaluate(([sel, drawnBy]) => {
    const el = (drawnBy ? document.activeElement!.querySelector(drawnBy) : document.activeElement) as HTMLElement;
    const style = getComputedStyle(el);
    const grow = parseFloat(style.outlineWidth) + parseFloat(style.outlineOffset);
    const r = el.getBoundingClientRect();
    const box = el.closest(sel)!;
    const b = box.getBoundingClientRect();
    const [l, t] = [b.left + box.clientLeft, b.top + box.clientTop];
    return {
      drawn: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
      // How far the ring reaches past each edge of what the scroller shows (0 or less: all of it seen; clientWidth is whole px).
      left: l - (r.left - grow),
      right: r.right + grow - (l + box.clientWidth),
      top: t - (r.top - grow),
      bottom: r.bottom + grow - (t + box.clientHeight),
    };
  }, [scroller, drawnBy] as const);
}

test('key tree: the focus ring of a branch and of a deleted key\'s leaf is drawn whole inside the tree, not cut by its edges', async ({ page, kv }) => {
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await page.getByRole('radiogroup', { name: 'Key view' }).getByRole('radio', { name: 'tree' }).click();
  const tree = page.getByRole('tree', { name: 'Key tree' });
  const branch = tree.getByRole('treeitem', { name: /^blob: / });
  await branch.focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowUp');
  await expect(branch).toBeFocused();
  const ring = await focusRing(page, '.key-tree', ':scope > .tree-button');
  expect(ring.drawn).toBe(true);
  for (const side of ['left', 'right', 'top', 'bottom'] as const) expect(ring[side], `branch ring, ${side}`).toBeLessThan(0.5);
  // The ring is its row's only: the item itself (which holds an open branch's nodes) draws none.
  await expect(branch).toHaveCSS('outline-style', 'none');
  await shot(page, 'layout-keys-tree-focus');

  await page.getByRole('radiogroup', { name: 'Which keys' }).getByRole('radio', { name: 'deleted' }).click();
  const deletedTree = page.getByRole('tree', { name: 'Deleted key tree' });
  const leaf = deletedTree.locator('[role=treeitem].deleted').first();
  await leaf.focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowUp');
  await expect(leaf).toBeFocused();
  const leafRing = await focusRing(page, '.key-tree', ':scope > .tree-button');
  expect(leafRing.drawn).toBe(true);
  for (const side of ['left', 'right', 'top', 'bottom'] as const) expect(leafRing[side], `deleted leaf ring, ${side}`).toBeLessThan(0.5);
  await shot(page, 'layout-keys-deleted-tree-focus');
});

test('a deleted key\'s note: "Tombstone bytes" stays one line inside the note, beside its text or under it, at 1400x900 down to 800x600', async ({ page, kv }) => {
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await page.getByRole('radiogroup', { name: 'Which keys' }).getByRole('radio', { name: 'deleted' }).click();
  await page.getByLabel('Filter keys').fill('session/0');
  await page.getByRole('listbox', { name: 'Deleted keys' }).getByRole('option', { name: 'session/0', exact: true }).click();
  const note = page.getByRole('status', { name: 'Deleted key' });
  const button = note.getByRole('button', { name: /^Bytes of the tombstone at / });
  const text = note.locator(':scope > span').first();
  const oneLine = (await box(page.getByRole('button', { name: 'New key' }))).height;
  for (const [width, height] of [[1400, 900], [1280, 800], [1024, 700], [800, 600]] as const) {
    await page.setViewportSize({ width, height });
    const at = `${width}x${height}`;
    const [n, b, t] = [await box(note), await box(button), await box(text)];
    expect(b.height, `${at}: the button's label on one line`).toBeLessThan(oneLine * 1.5);
    expect(b.x + b.width, `${at}: the button inside the note`).toBeLessThanOrEqual(n.x + n.width);
    // The text has room: beside the button at least 200px wide, or over the whole note with the button below it.
    const beside = t.x + t.width <= b.x && t.width >= 200;
    const under = b.y >= t.y + t.height;
    expect(beside || under, `${at}: text ${t.width.toFixed(0)}px wide, beside or over the button`).toBe(true);
    await shot(page, `layout-deleted-note-${width}x${height}`);
  }
});
