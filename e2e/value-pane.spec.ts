/**
 * The value pane with keys and values that are hard to show: a corrupt live
 * record, keys with runs of spaces, very long keys, a read-only host; an older
 * version whose bytes come after the pane has moved on is not shown.
 */
import { closeSync, cpSync, openSync, readFileSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { APIResponse, Page, Route } from '@playwright/test';
import { Store } from '../src/engine/store.js';
import { startHost } from '../src/host/index.js';
import { test, expect, openFromScreen, keyOption, shot, RENDERER_DIR } from './fixtures.js';
import { SHARED_DIR } from '../test/shared-dir.js';
import { countAnswersRead } from './helpers/answers-read.js';

async function select(page: Page, key: string): Promise<void> {
  await page.getByLabel('Filter keys').fill(key);
  await keyOption(page, key).click();
}

test('a corrupt live record: the error is in the value pane, with the key history', async ({ page, kv }) => {
  const store = await Store.open(kv.dir);
  await store.put('damaged:key', 'the good old value');
  await store.put('damaged:key', 'the newest value, damaged below');
  const live = store.locate('damaged:key')!;
  await store.close();
  const fd = openSync(join(kv.dir, live.file), 'r+');
  const byte = Buffer.alloc(1);
  readSync(fd, byte, 0, 1, live.offset + live.length - 4);
  writeSync(fd, Buffer.from([byte[0]! ^ 0xff]), 0, 1, live.offset + live.length - 4);
  closeSync(fd);

  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await select(page, 'damaged:key');
  const error = page.getByRole('alert', { name: 'Value error' });
  await expect(error).toContainText('its record is corrupt');
  await expect(error).toContainText(`${live.file} offset ${live.offset}`);
  await expect(page.getByText('Loading…')).toHaveCount(0);
  // No page-wide banner: only the pane's own alert.
  await expect(page.getByRole('alert')).toHaveCount(1);
  const history = page.getByRole('table', { name: 'History' });
  await expect(history.locator('tbody tr')).toHaveCount(2);
  await expect(history.locator('tbody tr').nth(0)).toContainText('shadowed');
  await expect(history.locator('tbody tr').nth(1)).toContainText('corrupt');
  await expect(history.locator('tbody tr').nth(1)).toContainText(`${live.file} @ ${live.offset}`);
  await expect(error).toContainText('an older one can be viewed or restored.');
  await shot(page, 'value-corrupt-record');

  // The older good version can be viewed; the other panes still work.
  await history.locator('tbody tr').nth(0).getByRole('button', { name: /^View version/ }).click();
  await expect(page.getByRole('region', { name: 'Value' })).toContainText('the good old value');
  await expect(page.getByRole('complementary', { name: 'Statistics' })).toContainText('Keys');
  await select(page, 'greeting');
  await expect(page.getByRole('region', { name: 'Value' })).toContainText('hello world');

  // "Show bytes" opens the damaged record in the Records view.
  await select(page, 'damaged:key');
  await error.getByRole('button', { name: 'Show bytes' }).click();
  await expect(page.getByRole('tab', { name: 'Records' })).toHaveAttribute('aria-selected', 'true');
});

test('a corrupt live record of a foreign format with no other version: the pane offers no older version and no restore', async ({ page, kv }) => {
  // Riak Bitcask as the real program wrote it, with one byte of key-013's only value flipped (its CRC no longer matches).
  const dir = join(kv.base, 'riak');
  cpSync(`${SHARED_DIR}/fixtures/riak-bitcask/basic/data`, dir, { recursive: true });
  const data = join(dir, '2.bitcask.data');
  const bytes = readFileSync(data);
  const at = 341 + 14 + 'key-013'.length + 10; // the second record (key-013): header, key, then into the value
  bytes[at] = bytes[at]! ^ 0xff;
  writeFileSync(data, bytes);

  await page.goto(kv.url);
  await openFromScreen(page, dir);
  await select(page, 'key-013');
  const error = page.getByRole('alert', { name: 'Value error' });
  await expect(error).toContainText('its record is corrupt');
  await expect(error).toContainText('2.bitcask.data offset 341');
  await expect(page.getByRole('table', { name: 'History' }).locator('tbody tr')).toHaveCount(1);
  await expect(error).toContainText('none of them can be read.');
  await expect(error).not.toContainText('restored');
  await shot(page, 'value-corrupt-foreign-record');
});

test('a host started without --read-write says how to get one that writes', async ({ page, kv }) => {
  const host = await startHost({ readWrite: false, configDir: join(kv.base, 'config-ro'), rendererDir: RENDERER_DIR });
  try {
    await page.goto(`http://127.0.0.1:${host.port}/?token=${host.token}`);
    await openFromScreen(page, kv.dir);
    const how = 'This inspector was started read-only: restart it with --read-write';
    await expect(page.locator('label.switch')).toHaveAttribute('title', how);
    await expect(page.getByRole('switch', { name: 'Read-write mode' })).toBeDisabled();
    const stats = page.getByRole('complementary', { name: 'Statistics' });
    await expect(stats).toContainText(`${how}.`);
    await expect(stats).not.toContainText('Switch to read-write');
    await expect(page.getByRole('button', { name: 'New key' })).toHaveAttribute('title', how);
    await select(page, 'greeting');
    await expect(page.getByRole('button', { name: 'Edit' })).toHaveAttribute('title', how);
    await shot(page, 'value-host-read-only');
  } finally {
    await page.goto('about:blank');
    await host.close();
  }
});

test("an older version's bytes that come after the pane moved on (another key, Back to live value) are not shown", async ({ page, kv }) => {
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await select(page, 'user:00000:name');
  const history = page.getByRole('table', { name: 'History' });
  await expect(history.locator('tbody tr')).toHaveCount(2);
  const viewOld = history.locator('tbody tr').nth(0).getByRole('button', { name: /^View version/ });
  const value = page.getByRole('region', { name: 'Value' }).getByRole('tabpanel');
  const shownVersion = page.getByRole('status', { name: 'Shown version' });
  // The old version's bytes are fetched from the host and held on their way to the page, until the test lets them go.
  const held: { route: Route; response: Promise<APIResponse> }[] = [];
  await page.route('**/api/recordValue', (route) => void held.push({ route, response: route.fetch() }));
  const letGo = async (n: number) => {
    const answers = await countAnswersRead(page, 'recordValue');
    await held[n - 1]!.route.fulfill({ response: await held[n - 1]!.response });
    await answers.read(1);
  };

  // Asked for, then another key chosen: its bytes, read after, are not shown as the other key's version.
  await viewOld.click();
  await expect.poll(() => held.length).toBe(1);
  await select(page, 'greeting');
  await expect(page.getByRole('heading', { name: 'greeting', exact: true })).toBeVisible();
  await expect(value).toHaveText('hello world');
  await letGo(1);
  await expect(shownVersion).toHaveCount(0);
  await expect(value).toHaveText('hello world');

  // Shown, asked for again, then Back to live value: the live value stays.
  await select(page, 'user:00000:name');
  await expect(history.locator('tbody tr')).toHaveCount(2);
  await viewOld.click();
  await expect.poll(() => held.length).toBe(2);
  await letGo(2);
  await expect(shownVersion).toBeVisible();
  await expect(value).toHaveText('User 0');
  await viewOld.click();
  await expect.poll(() => held.length).toBe(3);
  await shownVersion.getByRole('button', { name: 'Back to live value' }).click();
  await expect(shownVersion).toHaveCount(0);
  await letGo(3);
  await expect(shownVersion).toHaveCount(0);
  await expect(value).toHaveText('User 0 (renamed)');
});
