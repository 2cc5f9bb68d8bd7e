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
