/**
 * The inspector end to end in Chromium, through the browser host: open a
 * generated store, browse, filter, read a value in every view, edit, create,
 * delete, compact, and see the changes after a reload.
 */
import { existsSync } from 'node:fs';
import { test, expect, openFromScreen, keyOption, shot, holdWriter, stopWriter, openReadWrite } from './fixtures.js';
import { SHARED_DIR } from '../test/shared-dir.js';
import { countApiCalls } from './helpers/api-calls.js';

const FOREIGN = `${SHARED_DIR}/fixtures/mini-kvstore-v2/segments/data`;

test('browse, filter and read values in every view', async ({ page, kv }) => {
  await page.goto(kv.url);
  await shot(page, '01-open-screen');
  await openFromScreen(page, kv.dir);

  const status = page.getByRole('status', { name: 'Store status' });
  await expect(status).toContainText(kv.dir);
  await expect(status).toContainText('kvscope');
  await expect(status).toContainText('read-only');
  await expect(status).toContainText(/[\d,]+ keys/);
  await expect(status).toContainText(/\d+ segments/);

  const keys = page.getByRole('listbox', { name: 'Keys' });
  // Sorted bytewise: the binary key (0x00...) first, escaped.
  await expect(keys.getByRole('option').first()).toHaveText('\\x00\\xff\\x10k');
  await expect(keys.getByRole('option').nth(1)).toHaveText('blob:0');

  // Filters narrow the list as you type.
  const filter = page.getByLabel('Filter keys');
  await page.getByRole('radio', { name: 'prefix' }).click();
  await filter.fill('user:0000');
  await expect(page.getByTestId('key-count')).toHaveText(/^19 of [\d,]+ keys$/); // user:00000..00009, profile 00001 deleted
  await page.getByRole('radio', { name: 'glob' }).click();
  await filter.fill('config/*.json');
  await expect(page.getByTestId('key-count')).toHaveText(/^2 of /);
  await expect(keys.getByRole('option')).toHaveText(['config/app.json', 'config/broken.json']);
  await page.getByRole('radio', { name: 'substring' }).click();
  await filter.fill('greet');
  await expect(keys.getByRole('option')).toHaveText(['greeting']);

  // A JSON value in every view.
  await filter.fill('config/app');
  await keyOption(page, 'config/app.json').click();
  const value = page.getByRole('region', { name: 'Value' });
  await expect(value).toContainText('"theme": "dark"');
  await expect(page.getByLabel('Location')).toContainText(/file\s*\d+\.data/);
  await expect(page.getByLabel('Location')).toContainText('sequence');
  await page.getByRole('tab', { name: 'JSON' }).click();
  await expect(value).toContainText('"endpoints": [');
  await page.getByRole('tab', { name: 'Hex' }).click();
  await expect(value).toContainText('00000000');
  await expect(value).toContainText('7b 0a 20 20'); // "{\n  "
  await page.getByRole('tab', { name: 'Base64' }).click();
  await expect(value).toContainText(Buffer.from('{\n  "theme"').toString('base64').slice(0, 12));
  await shot(page, '02-json-value-base64');

  // Invalid JSON gets a clear message in the JSON view.
  await filter.fill('broken');
  await keyOption(page, 'config/broken.json').click();
  await page.getByRole('tab', { name: 'JSON' }).click();
  await expect(value).toContainText('Not valid JSON');
  await shot(page, '03-invalid-json');

  // The hex toggle shows every key as its bytes.
  await filter.fill('');
  await page.getByRole('checkbox', { name: 'hex' }).check();
  await expect(keys.getByRole('option').first()).toHaveText('00ff106b');
  await page.getByRole('checkbox', { name: 'hex' }).uncheck();

  // Keyboard navigation moves the selection.
  await filter.fill('');
  await page.getByRole('radio', { name: 'prefix' }).click();
  await filter.fill('blob:1');
  // Let the debounced filter apply first, or it resets the list under the click.
  await expect(page.getByTestId('key-count')).toHaveText(/^111 of /);
  await keyOption(page, 'blob:1').click();
  await keys.press('ArrowDown');
  await expect(keys.getByRole('option', { selected: true })).toHaveText('blob:10');
  await expect(page.getByRole('heading', { name: 'blob:10' })).toBeVisible();
  await page.getByRole('tab', { name: 'Hex' }).click();
  await expect(page.getByTestId('hex-view')).toBeVisible();
  await shot(page, '04-binary-value-hex');

  // Tree view groups by delimiter with counts.
  await filter.fill('');
  await expect(page.getByTestId('key-count')).toHaveText(/^[\d,]+ keys$/);
  await page.getByRole('radio', { name: 'tree' }).click();
  const tree = page.getByRole('tree', { name: 'Key tree' });
  // 1,500 users × (name + profile) − 150 deleted profiles.
  await expect(tree.getByRole('treeitem', { name: /^user: 2,850 keys\b/ })).toBeVisible();
  await expect(tree.getByRole('treeitem', { name: /^blob: 300 keys\b/ })).toBeVisible();
  await page.getByLabel('Tree delimiter').selectOption('/');
  // Keyboard: Right opens the branch, Down moves to its first key, Enter selects it.
  const config = tree.getByRole('treeitem', { name: /^config\/ 2 keys\b/ });
  await config.focus();
  await page.keyboard.press('ArrowRight');
  await expect(config).toHaveAttribute('aria-expanded', 'true');
  // The branch's keys arrive from the service after it opens: Down moves to what is shown.
  await expect(tree.getByRole('treeitem', { name: /app\.json/ })).toBeVisible();
  await page.keyboard.press('ArrowDown');
  await expect(tree.getByRole('treeitem', { name: /app\.json/ })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'config/app.json' })).toBeVisible();
  await shot(page, '05-tree-view');
});

test('edit, create, delete and compact; changes persist across a reload', async ({ page, kv }) => {
  // Events pass through a WebSocket route that holds back "job-done", so the
  // running-compaction UI can be seen however fast the compaction is.
  const frames: string[] = [];
  let releaseDone: (() => void) | undefined;
  await page.routeWebSocket(/\/events/, (ws) => {
    const server = ws.connectToServer();
    server.onMessage((message) => {
      const text = String(message);
      frames.push(text);
      if (text.includes('"job-done"')) releaseDone = () => ws.send(message);
      else ws.send(message);
    });
  });
  await openReadWrite(page, kv);

  const filter = page.getByLabel('Filter keys');
  const value = page.getByRole('region', { name: 'Value' });

  // Edit a text value.
  await filter.fill('greeting');
  await keyOption(page, 'greeting').click();
  await expect(value).toContainText('hello world');
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByRole('textbox', { name: 'Value' }).fill('hello from e2e');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(value).toContainText('hello from e2e');

  // Invalid JSON is refused before it reaches the store.
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByRole('radio', { name: 'json' }).click();
  await page.getByRole('textbox', { name: 'Value' }).fill('{"oops": ');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('alert')).toContainText('Invalid JSON');
  await shot(page, '06-invalid-json-edit');
  // The refused draft is still an unsaved change: Cancel asks before dropping it.
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('dialog', { name: 'Discard unsaved changes?' }).getByRole('button', { name: 'Discard' }).click();
  await expect(value).toContainText('hello from e2e');

  // Create a key with a JSON value.
  await page.getByRole('button', { name: 'New key' }).click();
  await page.getByLabel('Key', { exact: true }).fill('e2e:created');
  await page.getByRole('radio', { name: 'json' }).click();
  await page.getByRole('textbox', { name: 'Value' }).fill('{"made": "by playwright"}');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('heading', { name: 'e2e:created' })).toBeVisible();
  await expect(value).toContainText('by playwright');
  await filter.fill('e2e:');
  await expect(page.getByRole('listbox', { name: 'Keys' }).getByRole('option')).toHaveText(['e2e:created']);

  // Delete a key, with confirmation.
  await filter.fill('user:00002:name');
  await keyOption(page, 'user:00002:name').click();
  await page.getByRole('button', { name: 'Delete' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete key?' });
  await expect(dialog).toBeVisible();
  await shot(page, '07-delete-confirmation');
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByTestId('key-count')).toHaveText(/^0 of /);

  // Compact: shows what it will reclaim, then before/after figures.
  await filter.fill('');
  const stats = page.getByRole('complementary', { name: 'Statistics' });
  await expect(stats.getByTestId('compaction-plan')).toContainText(/Will reclaim [\d.]+ KiB/);
  await stats.getByRole('button', { name: 'Compact' }).click();
  const progress = page.getByRole('progressbar', { name: 'Compaction progress' });
  await expect(progress).toBeVisible();
  await expect(stats.getByRole('button', { name: 'Cancel' })).toBeVisible();
  await expect.poll(() => releaseDone !== undefined).toBe(true);
  await expect(progress).toHaveAttribute('aria-valuenow', /^\d+$/);
  // Said in words: what it is doing, not the job's name.
  await expect(stats.getByTestId('compaction-job')).toHaveText(/^Compacting… \d+% — copying the live records of \d+ segments into new ones; the old ones are deleted at the end\.$/);
  await shot(page, '08a-compaction-progress');
  releaseDone!();
  const result = page.getByRole('status', { name: 'Compaction result' });
  await expect(result).toContainText('Compaction finished');
  await expect(result).toContainText('Reclaimed');
  const [before, after] = (await result.locator('tbody tr').first().locator('td').allTextContents()).slice(1).map(Number);
  expect(after).toBeLessThan(before!);
  await expect(stats.locator('.figure', { hasText: 'Segments' }).locator('dd')).toHaveText(String(after));
  await shot(page, '08-compaction-done');
  expect(frames.some((f) => f.includes('"job-progress"'))).toBe(true);
  expect(frames.some((f) => f.includes('"job-done"'))).toBe(true);
  // Nothing left for another compaction to reclaim: said, and Compact does nothing.
  await expect(stats.getByTestId('compaction-plan')).toHaveText('Nothing to reclaim: no segment holds an overwritten or deleted value, so a compaction would change nothing.');
  const compactAgain = stats.getByRole('button', { name: 'Compact', exact: true });
  await expect(compactAgain).toHaveAttribute('aria-disabled', 'true');
  await expect(compactAgain).toHaveAttribute('title', 'Nothing to reclaim');
  const compactCalls = await countApiCalls(page, 'compact');
  await compactAgain.click({ force: true }); // a click as a person makes it (Playwright waits for an aria-disabled button to be enabled)
  expect(await compactCalls()).toBe(0); // counted in the click's handler, which has run: no wait for a request
  await expect(progress).toHaveCount(0);

  // Reload, reopen from the recent list: everything persisted.
  await page.reload();
  await expect(page.getByRole('region', { name: 'Recent directories' })).toContainText(kv.dir);
  await page.getByRole('region', { name: 'Recent directories' }).getByRole('button', { name: kv.dir }).click();
  await expect(page.getByRole('listbox', { name: 'Keys' })).toBeVisible();
  await page.getByLabel('Filter keys').fill('greeting');
  await keyOption(page, 'greeting').click();
  await expect(value).toContainText('hello from e2e');
  await page.getByLabel('Filter keys').fill('e2e:created');
  await keyOption(page, 'e2e:created').click();
  await expect(value).toContainText('by playwright');
  await page.getByLabel('Filter keys').fill('user:00002:');
  await expect(page.getByRole('listbox', { name: 'Keys' }).getByRole('option')).toHaveText(['user:00002:profile']);
  await shot(page, '09-after-reload');
  // The page that was reloaded let go of the writer lock.
  await page.getByRole('switch', { name: 'Read-write mode' }).click();
  await expect(page.getByRole('status', { name: 'Store status' })).toContainText('read-write');
});

test('read-only mode refuses writes', async ({ page, kv }) => {
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await page.getByLabel('Filter keys').fill('greeting');
  await keyOption(page, 'greeting').click();
  await expect(page.getByRole('button', { name: 'Edit' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Delete' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'New key' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Compact' })).toBeDisabled();

  // The service refuses too, whatever the page does.
  const answer = await page.evaluate(async ([token]) => {
    const sessionId = await fetch('/api/openStore', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-kvscope-token': token! },
      body: JSON.stringify({ path: document.querySelector('.toolbar-path')!.textContent }),
    }).then(async (r) => ((await r.json()) as { value: { sessionId: string } }).value.sessionId);
    const r = await fetch('/api/putValue', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-kvscope-token': token! },
      body: JSON.stringify({ sessionId, key: 'greeting', valueBase64: btoa('nope') }),
    });
    return { status: r.status, body: await r.json() };
  }, [kv.host.token]);
  expect(answer.status).toBe(409);
  expect(answer.body).toMatchObject({ ok: false, error: { code: 'READ_ONLY' } });
  await expect(page.getByRole('region', { name: 'Value' })).toContainText('hello world');
});

test('a second writer process makes read-write refuse with its pid', async ({ page, kv }) => {
  const { child, pid } = await holdWriter(kv.dir);
  try {
    await page.goto(kv.url);
    await openFromScreen(page, kv.dir); // browsing read-only works while another process writes
    await page.getByRole('switch', { name: 'Read-write mode' }).click();
    const alert = page.getByRole('alert');
    await expect(alert).toContainText('LOCKED');
    await expect(alert).toContainText(`pid ${pid}`);
    await expect(page.getByRole('status', { name: 'Store status' })).toContainText('read-only');
    await shot(page, '10-locked-by-writer');
  } finally {
    await stopWriter(child);
  }
});

test('unreadable directories show clear errors', async ({ page, kv }) => {
  await page.goto(kv.url);
  await page.getByLabel('Directory').fill(`${kv.base}/does-not-exist`);
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('Not found');
  await expect(page.getByRole('alert')).toContainText('does-not-exist');
  await page.getByLabel('Directory').fill(kv.base);
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText(/NOT_A_STORE|not a/i);
  await shot(page, '11-not-a-store');
  // A relative path is refused beside the field, and the earlier attempt's banner goes: one answer, this one's.
  await page.getByLabel('Directory').fill('relative/path');
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveCount(1);
  await expect(page.getByRole('alert', { name: 'Path problem' })).toContainText('"relative/path" is a relative path');
});

test('a foreign format opens read-only and cannot be switched to read-write', async ({ page, kv }) => {
  test.skip(!existsSync(FOREIGN), `fixture ${FOREIGN} is not present`);
  await page.goto(kv.url);
  await expect(page.getByLabel('Format')).toContainText('mini-kvstore');
  await openFromScreen(page, FOREIGN);
  const status = page.getByRole('status', { name: 'Store status' });
  await expect(status).toContainText('read-only');
  await expect(status).not.toContainText('format kvscope');
  await expect(page.getByRole('switch', { name: 'Read-write mode' })).toBeDisabled();
  await page.getByRole('listbox', { name: 'Keys' }).getByRole('option').first().click();
  await expect(page.getByRole('region', { name: 'Value' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Edit' })).toBeDisabled();
  // The format writes no sequence numbers: each version's place in the replay is shown as #N, and says so.
  await page.getByRole('listbox', { name: 'Keys' }).getByRole('option', { name: 'count', exact: true }).click();
  const seq = page.getByRole('table', { name: 'History' }).locator('td.history-seq');
  await expect(seq.nth(2)).toBeVisible(); // count was set three times, and more
  for (const cell of await seq.all()) {
    await expect(cell).toHaveText(/^#\d+$/);
    await expect(cell).toHaveAttribute('title', /writes no sequence numbers/);
  }
  await shot(page, '12-foreign-format');
});
