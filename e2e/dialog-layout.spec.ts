/**
 * The job dialogs held to what a person sees in an 800x600 window, by boxes: a long path in a refusal wraps inside
 * the dialog (not past its edge and off the screen), and a dialog taller than the window scrolls within it, its
 * buttons reachable; its main button's text reads at WCAG AA.
 */
import type { Locator, Page } from '@playwright/test';
import { test, expect, openFromScreen, shot } from './fixtures.js';
import { contrastOf } from './helpers/contrast.js';

/** How far the dialog's contents reach past its right edge, and past the window's edges, in px. */
async function overflow(page: Page, dialog: Locator): Promise<{ sideways: number; partsPastRight: number; pastWindowTop: number; pastWindowBottom: number }> {
  const { height } = page.viewportSize()!;
  return dialog.evaluate((el, h) => {
    const box = el.getBoundingClientRect();
    const right = box.left + el.clientLeft + el.clientWidth;
    const parts = [...el.querySelectorAll('*')].map((e) => e.getBoundingClientRect().right);
    return {
      sideways: el.scrollWidth - el.clientWidth,
      partsPastRight: Math.max(0, Math.max(...parts) - right),
      pastWindowTop: Math.max(0, -box.top),
      pastWindowBottom: Math.max(0, box.bottom - h),
    };
  }, height);
}

const none = { sideways: 0, partsPastRight: 0, pastWindowTop: 0, pastWindowBottom: 0 };

test('a long path refused in the Copy and Export dialogs wraps inside them at 800x600; a dialog taller than the window scrolls, its buttons reachable', async ({ page, kv }) => {
  await page.setViewportSize({ width: 800, height: 600 });
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);

  // The dialog's main button reads at WCAG AA (4.5:1), as it is and under the pointer.
  await page.getByRole('button', { name: 'Copy into a new kvscope store…' }).click();
  const copyButton = page.getByRole('dialog', { name: 'Copy into a new kvscope store' }).getByRole('button', { name: 'Copy', exact: true });
  await page.getByRole('dialog').getByLabel('New store directory (missing or empty)').fill(`${kv.base}/copy`);
  expect(await contrastOf(copyButton), 'Copy').toBeGreaterThanOrEqual(4.5);
  await copyButton.hover();
  expect(await contrastOf(copyButton), 'Copy, hovered').toBeGreaterThanOrEqual(4.5);
  await page.keyboard.press('Escape');

  // A path inside the store, of long names without a place to break: refused, the refusal naming it whole.
  const inside = `${kv.dir}/${'x'.repeat(200)}/${'y'.repeat(200)}`;
  await page.getByRole('button', { name: 'Copy into a new kvscope store…' }).click();
  const copy = page.getByRole('dialog', { name: 'Copy into a new kvscope store' });
  await copy.getByLabel('New store directory (missing or empty)').fill(inside);
  await copy.getByRole('button', { name: 'Copy', exact: true }).click();
  const problem = copy.getByRole('alert', { name: 'Copy problem' });
  await expect(problem).toContainText(inside);
  expect(await overflow(page, copy)).toEqual(none);
  await shot(page, 'layout-dialog-copy-long-path-800x600');

  // Longer still: the refusal is taller than the window; the dialog stays inside it and scrolls to its buttons.
  const deeper = `${kv.dir}/${Array.from({ length: 14 }, (_, i) => String(i).repeat(200)).join('/')}`;
  await copy.getByLabel('New store directory (missing or empty)').fill(deeper);
  await copy.getByRole('button', { name: 'Copy', exact: true }).click();
  await expect(problem).toContainText(deeper);
  expect(await copy.evaluate((el) => el.scrollHeight > el.clientHeight), 'the dialog holds more than the window shows').toBe(true);
  expect(await overflow(page, copy)).toEqual(none);
  const close = copy.getByRole('button', { name: 'Close' });
  await close.scrollIntoViewIfNeeded();
  const closeBox = (await close.boundingBox())!;
  expect(closeBox.y + closeBox.height).toBeLessThanOrEqual(600);
  expect(closeBox.y).toBeGreaterThanOrEqual(0);
  await shot(page, 'layout-dialog-copy-taller-than-window-800x600');
  await close.click();
  await expect(copy).toHaveCount(0);

  // Export: a long relative path, refused as relative.
  const relative = `out/${'z'.repeat(300)}.jsonl`;
  await page.getByRole('button', { name: 'Export…' }).click();
  const exportDialog = page.getByRole('dialog', { name: 'Export keys' });
  await exportDialog.getByLabel('File').fill(relative);
  await exportDialog.getByRole('button', { name: 'Export', exact: true }).click();
  await expect(exportDialog.getByRole('alert', { name: 'Path problem' })).toContainText(relative);
  expect(await overflow(page, exportDialog)).toEqual(none);
  await shot(page, 'layout-dialog-export-long-path-800x600');
});
