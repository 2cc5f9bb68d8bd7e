/**
 * "Which key did I lose?": a record whose value has a flipped byte is named by its key, not only by file and
 * offset: in Verify's problems (with the way to the key, live or deleted) and in the Records view's row and
 * detail. Opened from the keydir image, the keydir holds the key at the damaged record: the keydir's key for
 * this record. Without the image and hints, the key is its bytes as they read: unverified.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../src/engine/store.js';
import type { Page } from '@playwright/test';
import { test, expect, openFromScreen, shot } from './fixtures.js';

/** Flip a value byte of the record of `key` that `pick` chooses among its versions (newest first); returns its file and offset. */
async function damageRecordOf(dir: string, key: string, pick: 'live' | 'put'): Promise<{ file: string; offset: number }> {
  const store = await Store.open(dir, { readOnly: true });
  const at = pick === 'live' ? store.locate(key)! : (await store.history(key)).filter((v) => v.kind === 'put').at(-1)!.location;
  await store.close();
  const path = join(dir, at.file);
  const bytes = readFileSync(path);
  bytes[at.offset + at.length - 6]! ^= 0x40;
  writeFileSync(path, bytes);
  return { file: at.file, offset: at.offset };
}

/**
 * Verify the store from the screen, check that the damaged record's problem row names its key as `problemKey` says
 * (with its button), then open the record from that row and check its detail names it as `detailKey`.
 */
async function verifyThenOpenRecord(page: Page, url: string, dir: string, at: { file: string; offset: number }, words: { problemKey: string; detailKey: string; shot: string }) {
  await page.goto(url);
  await openFromScreen(page, dir);
  const views = page.getByRole('tablist', { name: 'Views' });
  await views.getByRole('tab', { name: 'Verify' }).click();
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  const problem = page.locator(`.problem-row[data-file="${at.file}"][data-offset="${at.offset}"]`);
  await expect(problem.getByTestId('problem-key')).toHaveText(words.problemKey);
  await shot(page, words.shot);

  // The record itself: its detail names the key.
  await problem.getByRole('button', { name: `Open ${at.file} at offset ${at.offset}` }).click();
  const details = page.getByTestId('record-details');
  await expect(details).toHaveAttribute('data-record-offset', String(at.offset));
  await expect(details.getByTestId('damaged-key')).toHaveText(words.detailKey);
  return { views, problem, details };
}

test("a live key's damaged record: Verify and Records name it as the keydir's key, and Show key goes to it", async ({ page, kv }) => {
  const at = await damageRecordOf(kv.dir, 'user:00722:profile', 'live');
  const { views, problem } = await verifyThenOpenRecord(page, kv.url, kv.dir, at, {
    problemKey: "the keydir's key for this record: user:00722:profileShow key",
    detailKey: "the keydir's key for this record: user:00722:profile",
    shot: 'damaged-key-verify-live',
  });
  // Its row in the record table names the key too.
  await expect(page.locator(`.record-row[data-offset="${at.offset}"] .damaged-key`)).toContainText('user:00722:profile');
  await shot(page, 'damaged-key-records-live');

  await views.getByRole('tab', { name: 'Verify' }).click();
  await problem.getByRole('button', { name: 'Show key user:00722:profile' }).click();
  await expect(views.getByRole('tab', { name: 'Keys' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('heading', { name: 'user:00722:profile', exact: true })).toBeVisible();
});

test("without the keydir image and hints: the key as its bytes read, unverified; a deleted key's offers Show deleted key", async ({ page, kv }) => {
  for (const name of readdirSync(kv.dir)) if (name === 'KEYDIR' || name.endsWith('.hint')) rmSync(join(kv.dir, name));
  // user:00001:profile was put, then deleted (the demo deletes every tenth user): its put is damaged, its tombstone sound.
  const at = await damageRecordOf(kv.dir, 'user:00001:profile', 'put');
  const { views, problem, details } = await verifyThenOpenRecord(page, kv.url, kv.dir, at, {
    problemKey: 'key (unverified, the record fails its checksum): user:00001:profileShow deleted key',
    detailKey: 'key (unverified, the record fails its checksum): user:00001:profile',
    shot: 'damaged-key-verify-unverified',
  });
  // The key field reads its bytes, where it said "18 bytes".
  await expect(details.getByRole('tree', { name: 'Fields' })).toContainText('"user:00001:profile" (unverified)');
  await shot(page, 'damaged-key-records-unverified');

  await views.getByRole('tab', { name: 'Verify' }).click();
  await problem.getByRole('button', { name: 'Show deleted key user:00001:profile' }).click();
  await expect(page.getByRole('listbox', { name: 'Deleted keys' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'user:00001:profile', exact: true })).toBeVisible();
  await shot(page, 'damaged-key-deleted');
});
