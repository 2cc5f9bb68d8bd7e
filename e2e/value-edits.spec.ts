/**
 * Editing values must never change bytes the user did not edit: JSON is
 * saved as its own text, numbers and duplicate keys are shown as stored,
 * values a text box would alter are edited as hex, and unsaved edits are not
 * thrown away without asking.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { Store } from '../src/engine/store.js';
import { test, expect, openReadWrite, selectKey, keyOption, shot, type Kv } from './fixtures.js';

const BIGNUM = '{"id": 12345678901234567890, "f": 1.0, "e": 1e400, "dup": 1, "dup": 2}';

/** Writes extra keys into the store before the inspector opens it. */
async function seed(kv: Kv, values: Record<string, string | Buffer>): Promise<void> {
  const store = await Store.open(kv.dir);
  for (const [key, value] of Object.entries(values)) await store.put(key, value);
  await store.close();
}

/** The live value's bytes as the store holds them, read after the inspector closes. */
async function storedValue(page: Page, kv: Kv, key: string): Promise<Buffer | undefined> {
  await page.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(page.getByLabel('Directory')).toBeVisible();
  const store = await Store.open(kv.dir, { readOnly: true });
  try {
    return await store.get(key);
  } finally {
    await store.close();
  }
}

test('JSON: shown as stored, and saving without a change writes the same bytes', async ({ page, kv }) => {
  await seed(kv, { 'json:bignum': BIGNUM });
  await openReadWrite(page, kv);
  await selectKey(page, 'json:bignum');
  const value = page.getByRole('region', { name: 'Value' });
  await page.getByRole('tab', { name: 'JSON' }).click();
  await expect(value.locator('pre')).toHaveText('{\n  "id": 12345678901234567890,\n  "f": 1.0,\n  "e": 1e400,\n  "dup": 1,\n  "dup": 2\n}');
  const notes = value.getByRole('note', { name: 'JSON notes' });
  await expect(notes).toContainText('12345678901234567890, 1e400 cannot be held exactly');
  await expect(notes).toContainText('Duplicate key "dup"');
  await shot(page, 'value-json-as-stored');

  // Edit as JSON, save without a change: the draft is the value's own text.
  await page.getByRole('button', { name: 'Edit' }).click();
  await expect(page.getByRole('radio', { name: 'json' })).toBeChecked();
  await expect(page.getByRole('textbox', { name: 'Value' })).toHaveValue(BIGNUM);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('button', { name: 'Edit' })).toBeVisible();
  await page.getByRole('tab', { name: 'Text' }).click();
  await expect(value.locator('pre')).toHaveText(BIGNUM);

  // "Format" is explicit, and keeps every token's text.
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByRole('radio', { name: 'json' }).click();
  await page.getByRole('button', { name: 'Format' }).click();
  await expect(page.getByRole('textbox', { name: 'Value' })).toHaveValue('{\n  "id": 12345678901234567890,\n  "f": 1.0,\n  "e": 1e400,\n  "dup": 1,\n  "dup": 2\n}');
  // The formatted draft differs from the stored text: Cancel asks before dropping it.
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('dialog', { name: 'Discard unsaved changes?' }).getByRole('button', { name: 'Discard' }).click();

  expect((await storedValue(page, kv, 'json:bignum'))?.toString('latin1')).toBe(BIGNUM);
});

test('a value with CR bytes is edited as hex, and saving keeps every byte', async ({ page, kv }) => {
  const crlf = 'line1\nline2\r\nline3';
  await seed(kv, { 'text:crlf': crlf });
  await openReadWrite(page, kv);
  await selectKey(page, 'text:crlf');
  await page.getByRole('button', { name: 'Edit' }).click();
  await expect(page.getByRole('radio', { name: 'hex' })).toBeChecked();
  await expect(page.getByRole('radio', { name: 'text' })).toBeDisabled();
  await expect(page.getByRole('radio', { name: 'json' })).toBeDisabled();
  await expect(page.getByRole('note', { name: 'Why hex' })).toContainText('carriage returns (CR');
  await expect(page.getByRole('textbox', { name: 'Value' })).toHaveValue(Buffer.from(crlf).toString('hex').replace(/(..)(?!$)/g, '$1 '));
  await shot(page, 'value-crlf-edit-as-hex');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('button', { name: 'Edit' })).toBeVisible();
  expect((await storedValue(page, kv, 'text:crlf'))?.toString('latin1')).toBe(crlf);
});

test('the New key form can be cancelled', async ({ page, kv }) => {
  await openReadWrite(page, kv);
  await page.getByRole('button', { name: 'New key' }).click();
  await expect(page.getByRole('heading', { name: 'New key' })).toBeVisible();
  const cancel = page.getByRole('button', { name: 'Cancel' });
  await expect(cancel).toBeEnabled();
  await cancel.click();
  await expect(page.getByRole('heading', { name: 'New key' })).toHaveCount(0);
  await expect(page.getByText('Select a key to see its value.')).toBeVisible();
});

test('unsaved edits: asked before discarding; Escape cancels; Ctrl+Enter saves', async ({ page, kv }) => {
  await openReadWrite(page, kv);
  const editor = page.getByRole('textbox', { name: 'Value' });
  const discard = page.getByRole('dialog', { name: 'Discard unsaved changes?' });
  const value = page.getByRole('region', { name: 'Value' });

  // No change: another key is opened without asking.
  await selectKey(page, 'greeting');
  await page.getByRole('button', { name: 'Edit' }).click();
  await selectKey(page, 'config/app.json');
  await expect(discard).toHaveCount(0);

  // A change: clicking another key asks; "Cancel" keeps the edit.
  await selectKey(page, 'greeting');
  await page.getByRole('button', { name: 'Edit' }).click();
  await editor.fill('changed but not saved');
  await page.getByLabel('Filter keys').fill('config/app.json');
  await keyOption(page, 'config/app.json').click();
  await expect(discard).toBeVisible();
  await shot(page, 'value-discard-confirm');
  await discard.getByRole('button', { name: 'Cancel' }).click();
  await expect(editor).toHaveValue('changed but not saved');
  await expect(page.getByRole('heading', { name: 'greeting', exact: true })).toBeVisible();
  // ... and "Discard" moves on.
  await keyOption(page, 'config/app.json').click();
  await discard.getByRole('button', { name: 'Discard' }).click();
  await expect(page.getByRole('heading', { name: 'config/app.json', exact: true })).toBeVisible();

  // Escape: cancels at once without changes, asks with changes.
  await selectKey(page, 'greeting');
  await page.getByRole('button', { name: 'Edit' }).click();
  await editor.press('Escape');
  await expect(editor).toHaveCount(0);
  await page.getByRole('button', { name: 'Edit' }).click();
  await editor.fill('changed again');
  await editor.press('Escape');
  await expect(discard).toBeVisible();
  await discard.getByRole('button', { name: 'Discard' }).click();
  await expect(editor).toHaveCount(0);
  await expect(value).toContainText('hello world');

  // Ctrl+Enter saves.
  await page.getByRole('button', { name: 'Edit' }).click();
  await editor.fill('saved from the keyboard');
  await editor.press('Control+Enter');
  await expect(editor).toHaveCount(0);
  await expect(value).toContainText('saved from the keyboard');
});

test('New key warns when the key exists and overwrites only when told to', async ({ page, kv }) => {
  await openReadWrite(page, kv);
  await page.getByRole('button', { name: 'New key' }).click();
  await page.getByLabel('Key', { exact: true }).fill('greeting');
  await page.getByRole('textbox', { name: 'Value' }).fill('would overwrite');
  const warning = page.getByRole('alert', { name: 'Key exists' });
  await expect(warning).toContainText('A key “greeting” already exists');
  await shot(page, 'value-new-key-exists');
  // Save does not overwrite without the explicit yes.
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('heading', { name: 'New key' })).toBeVisible();
  await warning.getByRole('button', { name: 'Overwrite it' }).click();
  await expect(warning).toContainText('Saving will overwrite');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('heading', { name: 'greeting', exact: true })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Value' })).toContainText('would overwrite');

  // "Edit it instead" opens the existing key.
  await page.getByRole('button', { name: 'New key' }).click();
  await page.getByLabel('Key', { exact: true }).fill('config/app.json');
  await warning.getByRole('button', { name: 'Edit it instead' }).click();
  await expect(page.getByRole('heading', { name: 'config/app.json', exact: true })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Value' })).toContainText('"theme": "dark"');
});

test('New key: "Edit it instead" opens the existing key\'s editor with the typed value kept as an unsaved draft', async ({ page, kv }) => {
  await openReadWrite(page, kv);
  const editor = page.getByRole('textbox', { name: 'Value' });
  const warning = page.getByRole('alert', { name: 'Key exists' });
  const discard = page.getByRole('dialog', { name: 'Discard unsaved changes?' });
  const value = page.getByRole('region', { name: 'Value' });

  // The typed value comes along, in the format it was typed in, and is unsaved.
  await page.getByRole('button', { name: 'New key' }).click();
  await page.getByLabel('Key', { exact: true }).fill('config/app.json');
  await page.getByRole('radio', { name: 'json' }).click();
  await editor.fill('{"theme": "light"}');
  await warning.getByRole('button', { name: 'Edit it instead' }).click();
  await expect(page.getByRole('heading', { name: 'config/app.json', exact: true })).toBeVisible();
  await expect(editor).toHaveValue('{"theme": "light"}');
  await expect(page.getByRole('radio', { name: 'json' })).toBeChecked();
  await shot(page, 'value-edit-instead-draft');
  // Leaving asks first, as for any unsaved edit; Cancel keeps the draft.
  await page.getByLabel('Filter keys').fill('greeting');
  await keyOption(page, 'greeting').click();
  await expect(discard).toBeVisible();
  await discard.getByRole('button', { name: 'Cancel' }).click();
  await expect(editor).toHaveValue('{"theme": "light"}');
  // Discarding it leaves the stored value as it was.
  await editor.press('Escape');
  await expect(discard).toBeVisible();
  await discard.getByRole('button', { name: 'Discard' }).click();
  await expect(editor).toHaveCount(0);
  await expect(value).toContainText('"theme": "dark"');

  // Saving the carried draft writes it to the existing key.
  await page.getByRole('button', { name: 'New key' }).click();
  await page.getByLabel('Key', { exact: true }).fill('greeting');
  await editor.fill('typed in New key');
  await warning.getByRole('button', { name: 'Edit it instead' }).click();
  await expect(page.getByRole('heading', { name: 'greeting', exact: true })).toBeVisible();
  await expect(editor).toHaveValue('typed in New key');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(editor).toHaveCount(0);
  await expect(value).toContainText('typed in New key');
  expect((await storedValue(page, kv, 'greeting'))?.toString()).toBe('typed in New key');
});

test('"Edit it instead" scrolls the key list to that key and selects it', async ({ page, kv }) => {
  await openReadWrite(page, kv);
  const keys = page.getByRole('listbox', { name: 'Keys' });
  // Far down the sorted list (3,654 keys): not among the rows on screen, nor in the first window fetched.
  const far = 'user:01200:name';
  await expect(keyOption(page, far)).toHaveCount(0);
  await page.getByRole('button', { name: 'New key' }).click();
  await page.getByLabel('Key', { exact: true }).fill(far);
  await page.getByRole('alert', { name: 'Key exists' }).getByRole('button', { name: 'Edit it instead' }).click();
  await expect(page.getByRole('heading', { name: far, exact: true })).toBeVisible();
  await expect(keyOption(page, far)).toBeInViewport();
  await expect(keyOption(page, far)).toHaveAttribute('aria-selected', 'true');
  // The keyboard goes on from it.
  await keys.focus();
  await keys.press('ArrowDown');
  await expect(page.getByRole('heading', { name: 'user:01200:profile', exact: true })).toBeVisible();
  await expect(keyOption(page, 'user:01200:profile')).toHaveAttribute('aria-selected', 'true');

  // Under a filter that hides the key, the list says so and offers to clear the filter, which shows it.
  await page.getByLabel('Filter keys').fill('session/');
  await page.getByRole('button', { name: 'New key' }).click();
  await page.getByLabel('Key', { exact: true }).fill('user:01300:name');
  await page.getByRole('alert', { name: 'Key exists' }).getByRole('button', { name: 'Edit it instead' }).click();
  const hidden = page.getByRole('status', { name: 'Selected key hidden' });
  await expect(hidden).toContainText('hidden by the filter');
  await hidden.getByRole('button', { name: 'Clear filter' }).click();
  await expect(keyOption(page, 'user:01300:name')).toBeInViewport();
  await expect(keyOption(page, 'user:01300:name')).toHaveAttribute('aria-selected', 'true');
  await shot(page, 'value-edit-instead-revealed');
});

test('"Edit it instead" keeps the typed value when the key\'s stored value cannot be read, and says why', async ({ page, kv }) => {
  // Damage the live record of a key in a sealed segment (its value's last byte).
  const damaged = 'user:00042:name';
  const store = await Store.open(kv.dir, { readOnly: true });
  const live = store.locate(damaged)!;
  await store.close();
  const fd = openSync(join(kv.dir, live.file), 'r+');
  const at = live.offset + live.length - 1;
  const byte = Buffer.alloc(1);
  readSync(fd, byte, 0, 1, at);
  writeSync(fd, Buffer.from([byte[0]! ^ 0xff]), 0, 1, at);
  closeSync(fd);

  await openReadWrite(page, kv);
  const editor = page.getByRole('textbox', { name: 'Value' });
  await page.getByRole('button', { name: 'New key' }).click();
  await page.getByLabel('Key', { exact: true }).fill(damaged);
  await editor.fill('typed for a damaged key');
  await page.getByRole('alert', { name: 'Key exists' }).getByRole('button', { name: 'Edit it instead' }).click();
  await expect(page.getByRole('heading', { name: damaged, exact: true })).toBeVisible();
  await expect(page.getByRole('alert', { name: 'Value error' })).toContainText('cannot be read');
  await expect(editor).toHaveValue('typed for a damaged key');
  await expect(page.getByRole('status', { name: 'Draft kept' })).toContainText('cannot be read');
  await shot(page, 'value-edit-instead-damaged');
  // It is an unsaved change like any other: Escape asks.
  await editor.press('Escape');
  const discard = page.getByRole('dialog', { name: 'Discard unsaved changes?' });
  await expect(discard).toBeVisible();
  await discard.getByRole('button', { name: 'Cancel' }).click();
  // Saving writes it as the key's value.
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(editor).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'Value' })).toContainText('typed for a damaged key');
  expect((await storedValue(page, kv, damaged))?.toString()).toBe('typed for a damaged key');
});

test('the editor\'s Cancel button asks before dropping unsaved changes, as Escape does', async ({ page, kv }) => {
  await openReadWrite(page, kv);
  const editor = page.getByRole('textbox', { name: 'Value' });
  const discard = page.getByRole('dialog', { name: 'Discard unsaved changes?' });
  const cancelEdit = page.getByRole('region', { name: 'Selected key' }).getByRole('button', { name: 'Cancel', exact: true }).first();

  // Without a change: Cancel closes the editor at once.
  await selectKey(page, 'greeting');
  await page.getByRole('button', { name: 'Edit' }).click();
  await cancelEdit.click();
  await expect(discard).toHaveCount(0);
  await expect(editor).toHaveCount(0);

  // With a change: Cancel asks; the dialog's Cancel keeps the edit, Discard drops it.
  await page.getByRole('button', { name: 'Edit' }).click();
  await editor.fill('typed, then Cancel');
  await cancelEdit.click();
  await expect(discard).toBeVisible();
  await shot(page, 'value-cancel-asks');
  await discard.getByRole('button', { name: 'Cancel' }).click();
  await expect(discard).toHaveCount(0);
  await expect(editor).toHaveValue('typed, then Cancel');
  await cancelEdit.click();
  await discard.getByRole('button', { name: 'Discard' }).click();
  await expect(editor).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'Value' })).toContainText('hello world');

  // The New key form too, once something is typed.
  await page.getByRole('button', { name: 'New key' }).click();
  await page.getByLabel('Key', { exact: true }).fill('cancel:me');
  await cancelEdit.click();
  await expect(discard).toBeVisible();
  await discard.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByLabel('Key', { exact: true })).toHaveValue('cancel:me');
  await cancelEdit.click();
  await discard.getByRole('button', { name: 'Discard' }).click();
  await expect(page.getByRole('heading', { name: 'New key' })).toHaveCount(0);
});
