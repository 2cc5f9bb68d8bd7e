/**
 * The JSON tab and the JSON editor on what is valid JSON but hard to show:
 * nesting deeper than a recursive parser can follow.
 */
import type { Page } from '@playwright/test';
import { Store } from '../src/engine/store.js';
import { test, expect, openFromScreen, shot, openReadWrite } from './fixtures.js';

const DEEP = '['.repeat(100_000) + ']'.repeat(100_000);

async function select(page: Page, filter: string): Promise<void> {
  await page.getByLabel('Filter keys').fill(filter);
  await expect(page.getByTestId('key-count')).toContainText('1 of');
  await page.getByRole('listbox', { name: 'Keys' }).getByRole('option').first().click();
}

test('JSON tab and editor: 100,000 levels of nesting are valid JSON, shown as stored and saved as typed', async ({ page, kv }) => {
  const store = await Store.open(kv.dir);
  await store.put('deep:json', DEEP);
  await store.put('deep:draft', '[]');
  await store.close();
  await page.setViewportSize({ width: 1280, height: 800 });
  await openReadWrite(page, kv);

  await select(page, 'deep:json');
  await page.getByRole('tab', { name: 'JSON', exact: true }).click();
  const frame = page.getByRole('region', { name: 'Value' });
  await expect(frame.getByRole('note', { name: 'JSON shown as stored' })).toHaveText('Valid JSON, too deeply nested to show indented (100,000 levels); shown as stored.');
  await expect(frame).not.toContainText('Not valid JSON');
  // 200,000 characters on one line: drawn by rows of 1,000 characters, the first all '[', the last all ']'.
  const lines = frame.getByRole('document', { name: 'Value JSON' });
  await expect(lines).toHaveAttribute('data-lines', '1');
  await expect(lines).toHaveAttribute('data-rows', '200');
  await expect(lines.locator('.text-line[data-row="0"]')).toHaveText('['.repeat(1000));
  await lines.evaluate((el) => (el.scrollTop = el.scrollHeight));
  await expect(lines.locator('.text-line[data-row="199"]')).toHaveText(']'.repeat(1000));
  await shot(page, 'value-json-deep');

  // The JSON editor takes the same draft: Format says why it leaves it as it is, Save writes it.
  await select(page, 'deep:draft');
  await page.getByRole('tab', { name: 'JSON', exact: true }).click();
  await page.getByRole('button', { name: 'Edit' }).click();
  await expect(page.getByRole('radio', { name: 'json' })).toBeChecked();
  await page.getByRole('textbox', { name: 'Value' }).fill(DEEP);
  await page.getByRole('button', { name: 'Format' }).click();
  await expect(page.getByRole('alert')).toHaveText('Valid JSON, but too deeply nested to re-indent (100,000 levels); it is left as it is.');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('button', { name: 'Edit' })).toBeVisible();
  await expect(page.getByText('Invalid JSON')).toHaveCount(0);
  await expect(page.getByRole('note', { name: 'JSON shown as stored' })).toBeVisible();
  await page.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(page.getByLabel('Directory')).toBeVisible();
  const saved = await Store.open(kv.dir, { readOnly: true });
  expect((await saved.get('deep:draft'))?.toString() === DEEP).toBe(true);
  await saved.close();
});

/** A JSON array of `n` strings of 1 KiB each (1,026 bytes with quotes and comma): valid only as a whole. */
function bigJson(n: number): string {
  const item = JSON.stringify('x'.repeat(1022));
  return '[' + Array.from({ length: n }, () => item).join(',') + ']';
}

test('JSON tab on a value only partly loaded: says so and loads the rest in large windows, with progress and Cancel', async ({ page, kv }) => {
  const MiB = 1024 * 1024;
  const small = bigJson(Math.floor((7.94 * MiB) / 1025)); // QA's 7.94 MiB value
  const large = bigJson(20 * 1023); // ~20 MiB: windows at 1, 9 and 17 MiB
  const store = await Store.open(kv.dir);
  await store.put('big:json8m', small);
  await store.put('big:json20m', large);
  await store.close();
  const reads: { offset: number; maxBytes: number | undefined }[] = [];
  let release: (() => void) | null = null;
  let hold = true;
  await page.route('**/api/getValue', async (route) => {
    const body = JSON.parse(route.request().postData() ?? '{}') as { key: string; offset?: number; maxBytes?: number };
    if (body.key.startsWith('big:') && (body.offset ?? 0) > 0) reads.push({ offset: body.offset!, maxBytes: body.maxBytes });
    if (hold && body.key === 'big:json20m' && body.offset === 9 * MiB) await new Promise<void>((r) => (release = r));
    await route.continue();
  });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  const frame = page.getByRole('region', { name: 'Value' });

  await select(page, 'big:json8m');
  await page.getByRole('tab', { name: 'JSON', exact: true }).click();
  const notice = frame.getByRole('status', { name: 'JSON needs the whole value' });
  await expect(notice).toContainText('Only 1.00 MiB of 7.94 MiB is loaded; load the rest to view it as JSON.');
  await expect(frame).not.toContainText('Not valid JSON');
  await shot(page, 'value-json-partial');
  await notice.getByRole('button', { name: 'Load all' }).click();
  const json = frame.getByRole('document', { name: 'Value JSON' });
  await expect(json).toBeVisible();
  await expect(frame).not.toContainText('Not valid JSON');
  await expect(json).toHaveAttribute('data-lines', String(small.split(',').length + 2));
  await expect(json.locator('.text-line[data-row="0"]')).toHaveText('[');
  // Its lines of 1,027 characters come as a row of 1,000 and one of the rest.
  expect(await json.locator('.text-line[data-row="1"]').textContent()).toBe('  "' + 'x'.repeat(997));
  expect(await json.locator('.text-line[data-row="2"]').textContent()).toBe('x'.repeat(25) + '",');
  await json.evaluate((el) => (el.scrollTop = el.scrollHeight));
  await expect(json.locator(`.text-line[data-row="${Number(await json.getAttribute('data-rows')) - 1}"]`)).toHaveText(']');
  await expect(page.getByText(/Showing the first/)).toHaveCount(0);
  // The rest came in one window of the most a getValue call answers (8 MiB), not seven of 1 MiB.
  expect(reads).toEqual([{ offset: MiB, maxBytes: small.length - MiB }]);

  // 20 MiB: progress while it loads; Cancel keeps what was read and stops before the next window.
  reads.length = 0;
  await select(page, 'big:json20m');
  await page.getByRole('tab', { name: 'JSON', exact: true }).click();
  await expect(notice).toContainText(`Only 1.00 MiB of ${(large.length / MiB).toFixed(1)} MiB is loaded`);
  await notice.getByRole('button', { name: 'Load all' }).click();
  const progress = page.getByRole('status', { name: 'Loading the value' });
  await expect(progress).toContainText(`Loading 9.00 MiB of ${(large.length / MiB).toFixed(1)} MiB…`);
  await expect(progress.getByRole('progressbar', { name: 'Loaded' })).toHaveAttribute('value', String(9 * MiB));
  await shot(page, 'value-json-loading');
  await progress.getByRole('button', { name: 'Cancel' }).click();
  await expect.poll(() => release !== null).toBe(true);
  release!();
  await expect(progress).toHaveCount(0);
  await expect(page.getByText(`Showing the first 17.0 MiB of ${(large.length / MiB).toFixed(1)} MiB.`)).toBeVisible();
  await expect(notice).toContainText(`Only 17.0 MiB of ${(large.length / MiB).toFixed(1)} MiB is loaded`);
  expect(reads).toEqual([
    { offset: MiB, maxBytes: 8 * MiB },
    { offset: 9 * MiB, maxBytes: 8 * MiB },
  ]);
  // Load all again reads only the rest.
  hold = false;
  await notice.getByRole('button', { name: 'Load all' }).click();
  await expect(json).toBeVisible({ timeout: 60_000 });
  await expect(notice).toHaveCount(0);
  expect(reads.at(-1)).toEqual({ offset: 17 * MiB, maxBytes: large.length - 17 * MiB });
  await expect(json).toHaveAttribute('data-lines', String(20 * 1023 + 2));
});
