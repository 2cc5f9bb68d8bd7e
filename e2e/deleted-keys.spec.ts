/**
 * The history of a deleted key: the key list's "deleted" set lists the keys whose newest record is a tombstone
 * (filterable, marked as deleted); selecting one shows where it was deleted and every version, an older one
 * viewable and, in a read-write kvscope store, restorable (the key is live again); a record of the Records view
 * opens its key's history, a tombstone of a deleted key its pane among the deleted keys (Show deleted key); the
 * deleted keys as a tree; another engine's deleted key is shown read-only.
 */
import { existsSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { Store } from '../src/engine/store.js';
import { test, expect, openFromScreen, keyOption, shot, openReadWrite } from './fixtures.js';
import { SHARED_DIR } from '../test/shared-dir.js';

function deletedOption(page: Page, display: string) {
  return page.getByRole('listbox', { name: 'Deleted keys' }).getByRole('option', { name: display, exact: true });
}

async function showDeleted(page: Page): Promise<void> {
  await page.getByRole('radiogroup', { name: 'Which keys' }).getByRole('radio', { name: 'deleted' }).click();
  await expect(page.getByRole('listbox', { name: 'Deleted keys' })).toBeVisible();
}

test('a deleted key: found among deleted keys, its history shown, an older version restored and live again', async ({ page, kv }) => {
  const store = await Store.open(kv.dir);
  await store.put('doc:undelete-me', 'first version');
  await store.put('doc:undelete-me', 'second version');
  await store.close();

  await openReadWrite(page, kv);

  // Delete the key in the inspector.
  await page.getByLabel('Filter keys').fill('undelete-me');
  await keyOption(page, 'doc:undelete-me').click();
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
  // No key left under the filter (the count may say "filtering…" for a moment first: waited past it).
  await expect(page.getByTestId('key-count')).toHaveText(/^0 of [\d,]+ keys$/);
  await expect(page.getByRole('listbox', { name: 'Keys' }).getByRole('option')).toHaveCount(0);

  // Among the deleted keys, with the filter still applied; marked as deleted.
  await showDeleted(page);
  await expect(page.getByTestId('key-count')).toHaveText(/^1 of \d+ deleted keys?$/);
  const option = deletedOption(page, 'doc:undelete-me');
  await expect(option).toHaveClass(/deleted/);
  await option.click();
  await expect(page.getByRole('heading', { name: 'doc:undelete-me', exact: true })).toBeVisible();
  const note = page.getByRole('status', { name: 'Deleted key' });
  await expect(note).toContainText(/Deleted at \d{6}\.data @ \d+/);
  await expect(note).toContainText('2 earlier values to View or Restore');
  const history = page.getByRole('table', { name: 'History' });
  await expect(history.locator('tbody tr')).toHaveCount(3);
  await expect(history.locator('tbody tr').last()).toContainText('tombstone');
  await expect(page.getByRole('button', { name: 'Edit', exact: true })).toBeDisabled();
  await page.setViewportSize({ width: 1280, height: 800 });
  await shot(page, 'deleted-keys-history-1280');

  // The tombstone's record, and back to the key's history from the Records view.
  await note.getByRole('button', { name: /Bytes of the tombstone/ }).click();
  const details = page.getByTestId('record-details');
  await expect(details).toContainText('tombstone');
  await expect(details).toContainText('doc:undelete-me');
  await expect(details.getByRole('button', { name: 'Key history' })).toHaveCount(0);
  await details.getByRole('button', { name: 'Show deleted key' }).click();
  await expect(page.getByRole('listbox', { name: 'Deleted keys' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'doc:undelete-me', exact: true })).toBeVisible();
  await expect(page.getByRole('status', { name: 'Deleted key' })).toBeVisible();

  // View the first version, then restore it: live again, with that value.
  const first = history.locator('tbody tr').first();
  await first.getByRole('button', { name: /^View version/ }).click();
  await expect(page.getByLabel('Selected key')).toContainText('first version');
  await page.setViewportSize({ width: 800, height: 600 });
  await shot(page, 'deleted-keys-view-800');
  await first.getByRole('button', { name: /^Restore version/ }).click();
  await expect(page.getByRole('listbox', { name: 'Keys' })).toBeVisible();
  await expect(page.getByRole('radiogroup', { name: 'Which keys' }).getByRole('radio', { name: 'live' })).toHaveAttribute('aria-checked', 'true');
  await expect(keyOption(page, 'doc:undelete-me')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('status', { name: 'Deleted key' })).toHaveCount(0);
  await expect(page.getByLabel('Location')).toBeVisible();
  await expect(page.getByLabel('Selected key')).toContainText('first version');
  await expect(history.locator('tbody tr')).toHaveCount(4);
  await expect(history.locator('tbody tr').last()).toContainText('live');

  // No longer among the deleted keys.
  await showDeleted(page);
  await page.getByLabel('Filter keys').fill('undelete-me');
  await expect(page.getByTestId('key-count')).toHaveText(/^0 of \d+ deleted keys?$/);
  await page.setViewportSize({ width: 1280, height: 800 });
  await shot(page, 'deleted-keys-restored-1280');
});

test('right after a delete the value pane says which key went and offers Show deleted key, one click from Restore', async ({ page, kv }) => {
  const store = await Store.open(kv.dir);
  await store.put('doc:oops', 'keep me');
  await store.close();

  await openReadWrite(page, kv);
  await page.getByLabel('Filter keys').fill('oops');
  await keyOption(page, 'doc:oops').click();
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(page.getByTestId('key-count')).toHaveText(/^0 of [\d,]+ keys$/);
  // Not a blank pane ("Select a key to see its value."): the key deleted, and the way back to it.
  const said = page.getByRole('status', { name: 'Key deleted' });
  await expect(said).toContainText('Deleted doc:oops: a tombstone was appended');
  await page.setViewportSize({ width: 1024, height: 700 });
  await shot(page, 'deleted-now-1024');
  await said.getByRole('button', { name: 'Show deleted key' }).click();
  await expect(page.getByRole('listbox', { name: 'Deleted keys' })).toBeVisible();
  await expect(deletedOption(page, 'doc:oops')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('status', { name: 'Deleted key' })).toContainText('1 earlier value to View or Restore');
  await page.getByRole('table', { name: 'History' }).getByRole('button', { name: /^Restore version/ }).click();
  await expect(keyOption(page, 'doc:oops')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByLabel('Selected key')).toContainText('keep me');

  // Said only until something else is chosen.
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(said).toBeVisible();
  await page.getByLabel('Filter keys').fill('greeting');
  await keyOption(page, 'greeting').click();
  await expect(said).toHaveCount(0);
});

async function openTab(page: Page, name: string): Promise<void> {
  await page.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name }).click();
}

test('a tombstone in the Records view: Show deleted key opens the deleted keys with that key selected; a key live again keeps Key history', async ({ page, kv }) => {
  const store = await Store.open(kv.dir);
  await store.put('doc:gone', 'a value');
  const gone = (await store.deleteAndLocate('doc:gone'))!;
  await store.put('doc:back', 'first');
  const back = (await store.deleteAndLocate('doc:back'))!;
  await store.put('doc:back', 'again');
  await store.close();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await openTab(page, 'Records');
  const table = page.getByRole('listbox', { name: 'Record table' });
  const details = page.getByTestId('record-details');

  // The tombstone of a key live again: only its history (the live key), no deleted key to show.
  await page.getByLabel('File', { exact: true }).selectOption(back.file);
  await page.getByLabel('Filter records by key').fill('doc:');
  await table.locator(`.record-row[data-offset="${back.offset}"]`).click();
  await expect(details).toHaveAttribute('data-record-offset', String(back.offset));
  await expect(details.getByRole('button', { name: 'Key history' })).toBeVisible();
  await expect(details.getByRole('button', { name: 'Show deleted key' })).toHaveCount(0);

  // The tombstone of a deleted key: straight to its pane among the deleted keys.
  await page.getByLabel('File', { exact: true }).selectOption(gone.file);
  await table.locator(`.record-row[data-offset="${gone.offset}"]`).click();
  await expect(details).toHaveAttribute('data-record-offset', String(gone.offset));
  await expect(details).toContainText('tombstone');
  const show = details.getByRole('button', { name: 'Show deleted key' });
  await expect(show).toBeVisible();
  await expect(details.getByRole('button', { name: 'Key history' })).toHaveCount(0);
  await shot(page, 'deleted-keys-show-button-1280');
  await show.click();
  await expect(page.getByRole('radiogroup', { name: 'Which keys' }).getByRole('radio', { name: 'deleted' })).toHaveAttribute('aria-checked', 'true');
  await expect(deletedOption(page, 'doc:gone')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('heading', { name: 'doc:gone', exact: true })).toBeVisible();
  await expect(page.getByRole('status', { name: 'Deleted key' })).toContainText(`Deleted at ${gone.file} @ ${gone.offset}`);
  await shot(page, 'deleted-keys-shown-from-records-1280');
});

test('the deleted keys as a tree: branches count them, a leaf opens the deleted key, a restore takes it out', async ({ page, kv }) => {
  const store = await Store.open(kv.dir);
  for (const key of ['tree:a:1', 'tree:a:2', 'tree:b:1']) {
    await store.put(key, `value of ${key}`);
    await store.delete(key);
  }
  await store.put('tree:a:live', 'stays');
  await store.close();
  await page.setViewportSize({ width: 1280, height: 800 });
  await openReadWrite(page, kv);
  await page.getByRole('radio', { name: 'tree' }).click();
  await expect(page.getByRole('tree', { name: 'Key tree' })).toBeVisible();
  await showDeletedTree(page);
  const tree = page.getByRole('tree', { name: 'Deleted key tree' });
  await page.getByLabel('Filter keys').fill('tree:');
  // Only the deleted keys, counted per branch: tree:a: holds two of them (not its live key).
  await tree.getByRole('treeitem', { name: /^tree:/ }).click();
  // The deleted keys' tree has no sizes: a branch is named by its part and its count.
  const branchA = tree.getByRole('treeitem', { name: 'a: 2 keys', exact: true });
  await expect(branchA).toBeVisible();
  await expect(tree.getByRole('treeitem', { name: 'b: 1 key', exact: true })).toBeVisible();
  await branchA.click();
  const leaf = tree.getByRole('treeitem', { name: '2', exact: true });
  await expect(leaf).toHaveClass(/deleted/);
  await expect(tree.getByRole('treeitem', { name: /live/ })).toHaveCount(0);
  await leaf.click();
  await expect(page.getByRole('heading', { name: 'tree:a:2', exact: true })).toBeVisible();
  await expect(page.getByRole('status', { name: 'Deleted key' })).toContainText('1 earlier value to View or Restore');
  await shot(page, 'deleted-keys-tree-1280');
  await page.setViewportSize({ width: 800, height: 600 });
  await shot(page, 'deleted-keys-tree-800');
  await page.setViewportSize({ width: 1280, height: 800 });

  // Restored: live again, so no longer in the deleted keys' tree.
  const history = page.getByRole('table', { name: 'History' });
  await history.locator('tbody tr').first().getByRole('button', { name: /^Restore version/ }).click();
  await expect(page.getByRole('tree', { name: 'Key tree' })).toBeVisible();
  await showDeletedTree(page);
  await tree.getByRole('treeitem', { name: /^tree:/ }).click();
  await expect(tree.getByRole('treeitem', { name: 'a: 1 key', exact: true })).toBeVisible();
});

async function showDeletedTree(page: Page): Promise<void> {
  await page.getByRole('radiogroup', { name: 'Which keys' }).getByRole('radio', { name: 'deleted' }).click();
  await expect(page.getByRole('radiogroup', { name: 'Key view' }).getByRole('radio', { name: 'tree' })).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByRole('tree', { name: 'Deleted key tree' })).toBeVisible();
}

const riak = `${SHARED_DIR}/fixtures/riak-bitcask/basic/data`;

test('another engine’s deleted key: listed, its history and older values shown, read-only', async ({ page, kv }) => {
  test.skip(!existsSync(riak), 'no riak-bitcask fixture');
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(kv.url);
  await openFromScreen(page, riak);
  await showDeleted(page);
  await expect(page.getByTestId('key-count')).toHaveText('4 deleted keys');
  const listed = page.getByRole('listbox', { name: 'Deleted keys' }).getByRole('option');
  await expect(listed).toHaveText(['key-005deleted', 'key-012deleted', 'key-020deleted', 'key-029deleted']);
  await page.getByLabel('Filter keys').fill('012');
  await expect(page.getByTestId('key-count')).toHaveText('1 of 4 deleted keys');
  await deletedOption(page, 'key-012').click();
  const note = page.getByRole('status', { name: 'Deleted key' });
  await expect(note).toContainText('Deleted at 4.bitcask.data @ 1713');
  await expect(note).toContainText('1 earlier value to View.');
  const history = page.getByRole('table', { name: 'History' });
  await expect(history.locator('tbody tr').last()).toContainText('tombstone');
  const older = history.locator('tbody tr', { hasText: 'shadowed' }).first();
  await expect(older.getByRole('button', { name: /^Restore version/ })).toBeDisabled();
  await older.getByRole('button', { name: /^View version/ }).click();
  await expect(page.getByLabel('Selected key')).toContainText('value of key-012');
  // There is no live value to go back to: the button closes the version, back to the deleted key's note alone.
  const shownVersion = page.getByRole('status', { name: 'Shown version' });
  await expect(shownVersion.getByRole('button', { name: 'Back to live value' })).toHaveCount(0);
  await shownVersion.getByRole('button', { name: 'Close this version' }).click();
  await expect(shownVersion).toHaveCount(0);
  await expect(page.getByRole('status', { name: 'Deleted key' })).toBeVisible();
  await older.getByRole('button', { name: /^View version/ }).click();
  await shot(page, 'deleted-keys-riak-1280');
  await page.setViewportSize({ width: 800, height: 600 });
  await shot(page, 'deleted-keys-riak-800');
});
