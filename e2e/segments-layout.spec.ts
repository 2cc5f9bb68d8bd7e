/**
 * The Segments view held to what a person sees at common window sizes, by boxes: its table fits the view (nothing
 * of it reached only by scrolling sideways), each file's bar is drawn, and a Riak data file's note of why its hint
 * was not used is inside the view.
 */
import { chmodSync, cpSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect, openFromScreen, shot } from './fixtures.js';
import { flipByte } from '../test/engine/helpers.js';
import { SHARED_DIR } from '../test/shared-dir.js';

const SIZES = [[1400, 900], [1280, 800], [1024, 700], [800, 600]] as const;

/** How the table and its parts sit in the view: overflow past the view's visible right edge, in px (0 is none). */
async function fit(page: Page): Promise<{ viewScrolls: number; tablePast: number; cellsPast: number; notePast: number; narrowestBar: number }> {
  return page.getByRole('table', { name: 'Segments' }).evaluate((table) => {
    const view = table.closest('.view')!;
    const right = view.getBoundingClientRect().left + view.clientLeft + view.clientWidth;
    const past = (els: Element[]) => Math.max(0, ...els.map((e) => e.getBoundingClientRect().right - right));
    return {
      viewScrolls: view.scrollWidth - view.clientWidth,
      tablePast: past([table]),
      cellsPast: past([...table.querySelectorAll('th, td')]),
      notePast: past([...table.querySelectorAll('tr.read-instead td')]),
      narrowestBar: Math.min(...[...table.querySelectorAll('.seg-bar')].map((b) => b.getBoundingClientRect().width)),
    };
  });
}

async function checkSizes(page: Page, name: string): Promise<void> {
  for (const [width, height] of SIZES) {
    await page.setViewportSize({ width, height });
    const at = `${name} ${width}x${height}`;
    const f = await fit(page);
    expect({ viewScrolls: f.viewScrolls, tablePast: f.tablePast, cellsPast: f.cellsPast, notePast: f.notePast }, at).toEqual({ viewScrolls: 0, tablePast: 0, cellsPast: 0, notePast: 0 });
    expect(f.narrowestBar, `${at}: every file's bar is drawn`).toBeGreaterThanOrEqual(50);
    await shot(page, `layout-segments-${name}-${width}x${height}`);
  }
}

test('Segments: a kvscope store\'s table (files with badges) fits the view from 1400x900 down to 800x600', async ({ page, kv }) => {
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await page.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name: 'Segments' }).click();
  const table = page.getByRole('table', { name: 'Segments' });
  await expect(table.locator('tr[data-file]').first()).toBeVisible();
  await expect(table.locator('.badge', { hasText: 'rewritten' }).first()).toBeVisible();
  await checkSizes(page, 'kvscope');
  // A file's badges stay beside or under its name, inside its cell.
  await page.setViewportSize({ width: 800, height: 600 });
  const cell = table.locator('tr[data-file] td:first-child').filter({ hasText: 'active' });
  const cellBox = (await cell.boundingBox())!;
  for (const badge of await cell.locator('.badge').all()) {
    const b = (await badge.boundingBox())!;
    expect(b.x + b.width).toBeLessThanOrEqual(cellBox.x + cellBox.width);
  }
});

test('Segments: a Riak cask\'s table (written times) and the note of a hint not used fit the view from 1400x900 down to 800x600', async ({ page, kv }) => {
  const dir = join(kv.base, 'riak');
  cpSync(`${SHARED_DIR}/fixtures/riak-bitcask/basic/data`, dir, { recursive: true });
  const writable = (p: string): void => {
    chmodSync(p, statSync(p).isDirectory() ? 0o755 : 0o644);
    if (statSync(p).isDirectory()) for (const e of readdirSync(p)) writable(join(p, e));
  };
  writable(dir);
  flipByte(join(dir, '3.bitcask.hint'), 18); // its trailer's CRC no longer matches: 3.bitcask.data is read instead
  await page.goto(kv.url);
  await openFromScreen(page, dir);
  await page.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name: 'Segments' }).click();
  const table = page.getByRole('table', { name: 'Segments' });
  await expect(table.locator('tr.read-instead')).toHaveCount(1);
  await checkSizes(page, 'riak');
});
