/**
 * Keyboard focus: a modal dialog holds focus (Tab cycles inside it, the page
 * behind it is inert, Escape closes it wherever focus is, focus goes back to
 * what opened it), and after an action focus lands on a sensible control,
 * never on <body>.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../src/engine/store.js';
import { test, expect, openFromScreen, openReadWrite, selectKey, shot } from './fixtures.js';
import { holdJobEnd } from './helpers/held-job-end.js';
import { countApiCalls } from './helpers/api-calls.js';

test('the Delete key? dialog holds focus: Tab cycles inside, the page behind is inert, Escape closes, focus returns', async ({ page, kv }) => {
  await openReadWrite(page, kv);
  await selectKey(page, 'greeting');
  const del = page.getByRole('button', { name: 'Delete', exact: true });
  await del.click();
  const dialog = page.getByRole('dialog', { name: 'Delete key?' });
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  // Tab and Shift+Tab never leave the dialog.
  for (let i = 0; i < 5; i++) {
    await page.keyboard.press('Tab');
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  await page.keyboard.press('Shift+Tab');
  expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  // The page behind cannot be reached: it is inert.
  expect(await page.getByRole('complementary', { name: 'Statistics' }).evaluate((el) => el.closest('[inert]') !== null)).toBe(true);
  await shot(page, 'focus-delete-dialog');

  // Escape closes it even when focus has left its buttons (a click on the backdrop puts it on <body>).
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(del).toBeFocused();
  expect(await page.locator('#root').getAttribute('inert')).toBeNull();

  // Tab, Tab, Enter from Cancel no longer reaches the Compact button behind the dialog.
  await del.click();
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('status', { name: 'Compaction result' })).toHaveCount(0);
});

test('the Discard changes? dialog holds focus too, and Cancel gives focus back to the editor', async ({ page, kv }) => {
  await openReadWrite(page, kv);
  await selectKey(page, 'greeting');
  await page.getByRole('button', { name: 'Edit', exact: true }).click();
  const editor = page.getByRole('textbox', { name: 'Value' });
  await editor.fill('changed');
  await editor.press('Escape');
  const dialog = page.getByRole('dialog', { name: 'Discard unsaved changes?' });
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  for (let i = 0; i < 3; i++) {
    await page.keyboard.press('Tab');
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(editor).toBeFocused();
  await expect(editor).toHaveValue('changed');
});

test('focus after actions: the switch keeps it, Edit gives it to the editor, Save / Delete / Discard / New key move it somewhere useful', async ({ page, kv }) => {
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  const sw = page.getByRole('switch', { name: 'Read-write mode' });
  // The switch keeps focus, by click and by Space.
  await sw.click();
  await expect(page.getByRole('status', { name: 'Store status' })).toContainText('read-write');
  await expect(sw).toBeFocused();
  await page.keyboard.press('Space');
  await expect(page.getByRole('status', { name: 'Store status' })).toContainText('read-only');
  await expect(sw).toBeFocused();
  await page.keyboard.press('Space');
  await expect(page.getByRole('status', { name: 'Store status' })).toContainText('read-write');
  await expect(sw).toBeFocused();

  const keyList = page.getByRole('listbox', { name: 'Keys' });
  await selectKey(page, 'greeting');
  const editor = page.getByRole('textbox', { name: 'Value' });
  const edit = page.getByRole('button', { name: 'Edit', exact: true });
  // Edit: the value editor.
  await edit.click();
  await expect(editor).toBeFocused();
  // Save: the key list, on the saved key's row.
  await editor.fill('saved by click');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('region', { name: 'Value' })).toContainText('saved by click');
  await expect(keyList).toBeFocused();
  await expect(keyList).toHaveAttribute('aria-activedescendant', /key-row-/);
  // Ctrl+Enter saves the same way.
  await edit.click();
  await expect(editor).toBeFocused();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type('saved by keyboard');
  await page.keyboard.press('Control+Enter');
  await expect(page.getByRole('region', { name: 'Value' })).toContainText('saved by keyboard');
  await expect(keyList).toBeFocused();
  // Discard (Escape, then Discard): back on Edit.
  await edit.click();
  await editor.fill('thrown away');
  await editor.press('Escape');
  await page.getByRole('dialog', { name: 'Discard unsaved changes?' }).getByRole('button', { name: 'Discard' }).click();
  await expect(edit).toBeFocused();

  // New key: the key field.
  await page.getByRole('button', { name: 'New key' }).click();
  await expect(page.getByLabel('Key', { exact: true })).toBeFocused();
  await page.keyboard.type('focus:new');
  await editor.fill('v');
  await page.keyboard.press('Control+Enter');
  await expect(page.getByRole('heading', { name: 'focus:new', exact: true })).toBeVisible();
  await expect(keyList).toBeFocused();

  // Delete, confirmed: the key list.
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await page.getByRole('dialog', { name: 'Delete key?' }).getByRole('button', { name: 'Delete' }).click();
  // The pane says which key went (4315646); focus stays on the list, not on the note's button.
  await expect(page.getByRole('status', { name: 'Key deleted' })).toContainText('Deleted focus:new');
  await expect(keyList).toBeFocused();
  await shot(page, 'focus-after-delete');
});

test('focus after Delete in the key tree: once it is read again, the next node of the branch, else the one before, its branch kept open', async ({ page, kv }) => {
  const store = await Store.open(kv.dir);
  for (const key of ['fruit:apple', 'fruit:banana', 'fruit:cherry', 'fruit:nuts:pecan']) await store.put(key, 'v');
  await store.close();
  await openReadWrite(page, kv);
  await page.getByRole('radio', { name: 'tree' }).click();
  await page.getByLabel('Filter keys').fill('fruit');
  const tree = page.getByRole('tree', { name: 'Key tree' });
  const node = (name: string) => tree.getByRole('treeitem', { name: new RegExp(`^${name}\\b`) });
  await node('fruit').click();
  const deleteSelected = async (key: string) => {
    await expect(page.getByRole('heading', { name: key, exact: true })).toBeVisible();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('dialog', { name: 'Delete key?' }).getByRole('button', { name: 'Delete' }).click();
    await expect(page.getByRole('status', { name: 'Key deleted' })).toContainText(`Deleted ${key}`);
  };

  // In the middle of its branch: the key after it, the branch still open.
  await node('banana').click();
  await deleteSelected('fruit:banana');
  await expect(node('banana')).toHaveCount(0);
  await expect(node('cherry')).toBeFocused();
  await expect(node('fruit')).toHaveAttribute('aria-expanded', 'true');
  await shot(page, 'focus-after-tree-delete');

  // The only key of a branch: the branch goes, and the node before it takes focus (none comes after it).
  await node('nuts').click();
  await node('pecan').click();
  await deleteSelected('fruit:nuts:pecan');
  await expect(node('nuts')).toHaveCount(0);
  await expect(node('cherry')).toBeFocused();

  // The last of its branch, chosen by the keyboard: the key before it.
  await page.keyboard.press('Enter');
  await deleteSelected('fruit:cherry');
  await expect(node('apple')).toBeFocused();
  await expect(node('fruit')).toHaveAccessibleName(/^fruit\s*:\s*1 key/);
  expect(await page.evaluate(() => document.activeElement === document.body)).toBe(false);
});

test('focus after Verify: the end of a run gives it back to Verify, a problem opens the record table focused', async ({ page, kv }) => {
  // Damage one byte in the middle of the first segment: verify finds a bad checksum there.
  const fd = openSync(join(kv.dir, '000001.data'), 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, 5000);
  b[0] = b[0]! ^ 0xff;
  writeSync(fd, b, 0, 1, 5000);
  closeSync(fd);
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  const tabs = page.getByRole('tablist', { name: 'Views' });
  await tabs.getByRole('tab', { name: 'Verify' }).click();
  const verify = page.getByRole('button', { name: /^Verify/ });
  await verify.click();
  const problems = page.getByRole('table', { name: 'Problems' });
  await expect(problems).toBeVisible();
  // The run's end (or its Cancel) takes the Cancel button away: focus is back on the button that ran it.
  await expect(verify).toBeFocused();
  await problems.locator('tr.problem-row').first().click();
  await expect(tabs.getByRole('tab', { name: 'Records' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('listbox', { name: 'Record table' })).toBeFocused();
});

test('focus after Restore: the Restore button goes away with the old version shown, so the key list takes it, on the key', async ({ page, kv }) => {
  await openReadWrite(page, kv);
  await selectKey(page, 'user:00000:name');
  const history = page.getByRole('table', { name: 'History' });
  await expect(history.locator('tbody tr')).toHaveCount(2);
  const oldAt = await history.locator('tbody tr').nth(0).locator('td.history-where').textContent();
  const restore = page.getByRole('button', { name: `Restore version at ${oldAt}` });
  // By keyboard: focus on Restore, then Enter.
  await restore.focus();
  await page.keyboard.press('Enter');
  await expect(history.locator('tbody tr')).toHaveCount(3);
  const keyList = page.getByRole('listbox', { name: 'Keys' });
  await expect(keyList).toBeFocused();
  // The active row is the restored key's: where the arrow keys move on from. The write has the list read again, and it
  // names an active row once its first window has come back (focus may land on it before).
  await expect(keyList).toHaveAttribute('aria-activedescendant', /^key-row-\d+$/);
  const active = await keyList.getAttribute('aria-activedescendant');
  await expect(page.locator(`#${active}`)).toHaveText('user:00000:name');
  expect(await page.evaluate(() => document.activeElement === document.body)).toBe(false);
});

test('focus after Cancel of a running compaction: back on Compact, not on <body>', async ({ page, kv }) => {
  // The job's events wait until Cancel has been answered, so the running
  // compaction and its Cancel button are there however fast it is.
  const held: (() => void)[] = [];
  let holding = true;
  await page.routeWebSocket(/\/events/, (ws) => {
    const server = ws.connectToServer();
    server.onMessage((message) => {
      if (holding && /"job-(progress|done|failed)"/.test(String(message))) held.push(() => ws.send(message));
      else ws.send(message);
    });
  });
  await openReadWrite(page, kv);
  const stats = page.getByRole('complementary', { name: 'Statistics' });
  const compact = stats.getByRole('button', { name: 'Compact', exact: true });
  await compact.click();
  const cancel = stats.getByRole('button', { name: 'Cancel', exact: true });
  await expect(cancel).toBeVisible();
  await cancel.focus();
  const answered = page.waitForResponse('**/api/cancelJob');
  await page.keyboard.press('Enter');
  await answered;
  // Cancelled, or finished before Cancel reached it: either way the job ends and its Cancel button goes.
  holding = false;
  for (const release of held) release();
  await expect(cancel).toHaveCount(0);
  await expect(compact).toBeFocused();
  await shot(page, 'focus-after-compaction-cancel');
});

test('focus after a compaction that leaves nothing to reclaim: Compact says so and does nothing, and keeps focus, not <body>', async ({ page, kv }) => {
  await openReadWrite(page, kv);
  const stats = page.getByRole('complementary', { name: 'Statistics' });
  const compact = stats.getByRole('button', { name: 'Compact', exact: true });
  await expect(stats.getByTestId('compaction-plan')).toContainText('Will reclaim');
  await compact.focus();
  await page.keyboard.press('Enter');
  await expect(stats.getByRole('status', { name: 'Compaction result' })).toContainText('Compaction finished');
  // The figures are read again after the job: now nothing is left to drop, and Compact, focused, says so.
  await expect(stats.getByTestId('compaction-plan')).toContainText('Nothing to reclaim');
  await expect(compact).toHaveAttribute('aria-disabled', 'true');
  await expect(compact).toBeFocused();
  expect(await page.evaluate(() => document.activeElement === document.body)).toBe(false);
  // Enter on it starts nothing; Tab goes on from it.
  const compactions = await countApiCalls(page, 'compact');
  await page.keyboard.press('Enter');
  expect(await compactions()).toBe(0); // counted in the key's handler, which has run: no wait for a request
  await expect(compact).toBeFocused();
  await shot(page, 'focus-nothing-to-compact');
});

test('focus after Compact now in Segments: the button is busy while the job runs, and keeps focus', async ({ page, kv }) => {
  // The job's end waits, so the running job's button can be looked at.
  const jobEnd = await holdJobEnd(page);
  await openReadWrite(page, kv);
  await page.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name: 'Segments' }).click();
  const compactNow = page.getByRole('button', { name: 'Compact now' });
  await compactNow.focus();
  const compactions = await countApiCalls(page, 'compact');
  await page.keyboard.press('Enter');
  const busy = page.getByRole('button', { name: /^Compacting… \d+%$/ });
  await expect(busy).toBeFocused();
  await expect(busy).toHaveAttribute('aria-disabled', 'true');
  await shot(page, 'focus-segments-compacting');
  // Enter on the busy button starts nothing.
  await jobEnd.arrived();
  await page.keyboard.press('Enter');
  expect(await compactions()).toBe(1); // counted in the key's handler, which has run: no wait for a request
  jobEnd.release();
  await expect(page.getByRole('status', { name: 'Plan versus result' })).toContainText('Compaction finished');
  await expect(compactNow).toBeFocused();
  expect(await compactions()).toBe(1);
});

test('Segments says up front when a compaction would reclaim nothing: Compact now, aria-disabled, says why beside it, keeps focus and starts nothing', async ({ page, kv }) => {
  await openReadWrite(page, kv);
  await page.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name: 'Segments' }).click();
  const dryRun = page.getByTestId('dry-run');
  const compactNow = page.getByRole('button', { name: 'Compact now' });
  // Something to reclaim: offered, and it works.
  await expect(dryRun).not.toContainText('Nothing to reclaim');
  await expect(compactNow).not.toHaveAttribute('aria-disabled', 'true');
  await compactNow.click();
  const result = page.getByRole('status', { name: 'Plan versus result' });
  await expect(result).toContainText('Compaction finished');
  // Read again after the job: nothing left to drop, said beside the button in Statistics' words, and the button says
  // it too (its description); it keeps the focus it had.
  const why = 'Nothing to reclaim: no segment holds an overwritten or deleted value, so a compaction would change nothing.';
  await expect(dryRun).toContainText(why);
  await expect(compactNow).toHaveAttribute('aria-disabled', 'true');
  await expect(compactNow).toHaveAccessibleDescription(why);
  await expect(compactNow).toHaveAttribute('title', 'Nothing to reclaim');
  await expect(compactNow).toBeFocused();
  await shot(page, 'segments-nothing-to-reclaim');
  // Enter on it starts nothing: a compaction asked for would take the last one's result away at once.
  await page.keyboard.press('Enter');
  await expect(result).toContainText('Compaction finished');
  await expect(compactNow).toBeFocused();
  await expect(compactNow).toHaveText('Compact now');
  // Statistics says the same.
  await page.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name: 'Keys' }).click();
  await expect(page.getByTestId('compaction-plan')).toHaveText(why);
});
