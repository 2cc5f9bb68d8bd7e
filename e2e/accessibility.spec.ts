/**
 * Accessibility: axe-core (WCAG 2.0 and 2.1, levels A and AA) finds no violation in any view of the inspector, each
 * audited as a person reaches it: the open screen, the key list with a text, JSON and hex value, the tree, the keys as
 * hex and the deleted keys, a key's history and a version diff, Segments, Records with a record selected, a Verify
 * report on a damaged store, Statistics with a compaction running and finished, the copy, export and import dialogs,
 * and an error banner; axe's landmark and heading rules find nothing in any view either. A failure lists each
 * violation's rule, impact and the nodes it names. Then the keyboard: the listboxes, the tree, the tablists, the radio
 * groups and Verify's problems are each reached with Tab and worked with the keys ARIA gives them.
 */
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { test, expect, openFromScreen, openReadWrite, selectKey, shot } from './fixtures.js';
import { flipByte } from '../test/engine/helpers.js';
import { contrastOf } from './helpers/contrast.js';
import { SHARED_DIR } from '../test/shared-dir.js';
import { holdJobEnd } from './helpers/held-job-end.js';

const RIAK = `${SHARED_DIR}/fixtures/riak-bitcask/basic/data`;

const WCAG_A_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** axe's rules (of its best practices, not WCAG's criteria) on the page's landmarks and headings. */
const STRUCTURE = ['landmark-one-main', 'landmark-no-duplicate-main', 'landmark-unique', 'page-has-heading-one', 'heading-order', 'region', 'aria-allowed-role', 'empty-table-header'];

/**
 * axe's violations on the page as it is now, one line per rule: its id, impact, what to fix and the nodes it names
 * (the first five; a virtualized list repeats one fault on every row).
 */
async function violations(page: Page, rules?: string[]): Promise<string[]> {
  const axe = new AxeBuilder({ page });
  const result = await (rules ? axe.withRules(rules) : axe.withTags(WCAG_A_AA)).analyze();
  return result.violations.map((v) => {
    const nodes = v.nodes.slice(0, 5).map((n) => `    ${n.target.join(' ')}: ${n.failureSummary?.replace(/\s+/g, ' ') ?? ''}`);
    if (v.nodes.length > 5) nodes.push(`    … and ${v.nodes.length - 5} more`);
    return [`${v.id} (${v.impact ?? 'no impact'}): ${v.help}`, ...nodes].join('\n');
  });
}

/** Asserts (softly: every view of a test is audited) that axe finds nothing on the page as it is, naming the view. */
async function expectAccessible(page: Page, view: string, rules?: string[]): Promise<void> {
  const found = await violations(page, rules);
  expect.soft(found, `${view}: ${found.length} axe rule(s) violated:\n${found.join('\n')}`).toEqual([]);
}

async function openTab(page: Page, name: string): Promise<void> {
  await page.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name }).click();
}

test('the open screen, with a recent directory, a path refused and a directory that is no store', async ({ page, kv }) => {
  await page.goto(kv.url);
  await expect(page.getByLabel('Directory')).toBeVisible();
  await expectAccessible(page, 'open screen');
  await openFromScreen(page, kv.dir);
  await page.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(page.getByRole('region', { name: 'Recent directories' })).toContainText(kv.dir);
  await page.getByLabel('Directory').fill('relative/path');
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await expect(page.getByRole('alert', { name: 'Path problem' })).toBeVisible();
  await expectAccessible(page, 'open screen, recent and a path refused');
  await page.getByLabel('Directory').fill(kv.base);
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await expect(page.getByRole('alert').first()).toBeVisible();
  await shot(page, 'a11y-open-not-a-store');
  await expectAccessible(page, 'open screen, a directory that is no store');
});

test('the problems found while opening, listed', async ({ page, kv }) => {
  for (const f of ['000001.data', '000002.data', '000003.data']) flipByte(join(kv.dir, f), 5000);
  for (const f of ['000001.hint', '000002.hint', 'KEYDIR']) rmSync(join(kv.dir, f));
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  const notice = page.getByRole('status', { name: 'Problems found while opening' });
  await notice.locator('summary').click();
  await expect(notice.locator('li').first()).toBeVisible();
  await expectAccessible(page, 'problems found while opening');
});

test('landmarks and headings: one main landmark and a level-one heading, every view named by a heading in order, all content in a landmark', async ({ page, kv }) => {
  await page.goto(kv.url);
  await expectAccessible(page, 'open screen', STRUCTURE);
  await openFromScreen(page, kv.dir);
  await selectKey(page, 'greeting');
  await expectAccessible(page, 'Keys', STRUCTURE);
  await shot(page, 'a11y-keys-landmarks');
  await expect(page.getByRole('main').getByRole('listbox', { name: 'Keys' })).toBeVisible();
  await expect(page.getByRole('contentinfo').getByRole('status', { name: 'Store status' })).toContainText('read-only');
  for (const view of ['Segments', 'Records', 'Verify', 'Repair & crash lab']) {
    await openTab(page, view);
    await expect(page.getByRole('main').getByRole('heading', { level: 2, name: view })).toBeAttached();
    await expectAccessible(page, view, STRUCTURE);
    if (view === 'Segments') await shot(page, 'a11y-segments-landmarks');
  }
});

test('the key list with a text value, a JSON value and the hex view', async ({ page, kv }) => {
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await selectKey(page, 'greeting');
  await expect(page.getByRole('region', { name: 'Value' })).toContainText('hello world');
  await expectAccessible(page, 'key list, text value');
  await selectKey(page, 'config/app.json');
  await page.getByRole('tab', { name: 'JSON' }).click();
  await expect(page.getByRole('region', { name: 'Value' })).toContainText('"endpoints": [');
  await expectAccessible(page, 'key list, JSON value');
  await page.getByRole('tab', { name: 'Hex' }).click();
  await expect(page.getByTestId('hex-view')).toBeVisible();
  await expectAccessible(page, 'key list, hex view');
});

test('the key tree, the keys as hex and the deleted keys', async ({ page, kv }) => {
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await page.getByRole('checkbox', { name: 'hex' }).check();
  await expect(page.getByRole('listbox', { name: 'Keys' }).getByRole('option').first()).toHaveText('00ff106b');
  await expectAccessible(page, 'key list as hex');
  await page.getByRole('checkbox', { name: 'hex' }).uncheck();
  await page.getByRole('radio', { name: 'tree' }).click();
  const tree = page.getByRole('tree', { name: 'Key tree' });
  await tree.getByRole('treeitem', { name: /^blob: 300 keys\b/ }).click();
  await expect(tree.getByRole('treeitem', { name: /^0, / })).toBeVisible();
  await expectAccessible(page, 'key tree, a branch open');
  await page.getByRole('radiogroup', { name: 'Key view' }).getByRole('radio', { name: 'largest' }).click();
  await expect(page.getByText(/^The 200 largest of [\d,]+ keys/)).toBeVisible();
  await shot(page, 'a11y-largest');
  await expectAccessible(page, 'largest values');
  await page.getByRole('radio', { name: 'list' }).click();
  await page.getByRole('radio', { name: 'deleted' }).click();
  await expect(page.getByRole('listbox', { name: 'Deleted keys' }).getByRole('option').first()).toBeVisible();
  await expectAccessible(page, 'deleted keys');
});

test('the value history and a version diff', async ({ page, kv }) => {
  await openReadWrite(page, kv);
  await selectKey(page, 'user:00000:name');
  const history = page.getByRole('table', { name: 'History' });
  await expect(history.locator('tbody tr')).toHaveCount(2);
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByRole('textbox', { name: 'Value' }).fill('first line\nsecond line\n');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(history.locator('tbody tr')).toHaveCount(3);
  await expectAccessible(page, 'value history');
  await history.getByRole('button', { name: /^Diff version at .* with the one before it$/ }).last().click();
  await expect(page.getByRole('region', { name: 'Version diff' })).toBeVisible();
  await expectAccessible(page, 'version diff');
  // Each rendered row of the (virtualized) diff says its place among all of them.
  const lines = page.getByRole('list', { name: 'Changed lines' });
  const count = (await lines.getAttribute('data-rows'))!;
  await expect(lines.getByRole('listitem').first()).toHaveAttribute('aria-posinset', '1');
  await expect(lines.getByRole('listitem').last()).toHaveAttribute('aria-setsize', count);
});

test('editing: the value editor, a refused draft, a new key and the Delete key? dialog', async ({ page, kv }) => {
  await openReadWrite(page, kv);
  await selectKey(page, 'greeting');
  await page.getByRole('button', { name: 'Edit', exact: true }).click();
  await page.getByRole('radiogroup', { name: 'Edit as' }).getByRole('radio', { name: 'json' }).click();
  await page.getByRole('textbox', { name: 'Value' }).fill('{"oops": ');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('alert')).toContainText('Invalid JSON');
  await expectAccessible(page, 'value editor, invalid JSON');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('dialog', { name: 'Discard unsaved changes?' }).getByRole('button', { name: 'Discard' }).click();
  await page.getByRole('button', { name: 'New key' }).click();
  await expect(page.getByLabel('Key', { exact: true })).toBeVisible();
  await expectAccessible(page, 'new key');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await selectKey(page, 'greeting');
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete key?' });
  await expect(dialog).toBeVisible();
  await expectAccessible(page, 'Delete key? dialog');
  // The danger button's white text holds AA on its fill under the pointer too (axe sees it at rest).
  const del = dialog.getByRole('button', { name: 'Delete' });
  await del.hover();
  expect(await contrastOf(del)).toBeGreaterThanOrEqual(4.5);
  await shot(page, 'a11y-delete-dialog-hover');
});

test('Follow mode on, in the key view and Segments', async ({ page, kv }) => {
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await page.getByRole('button', { name: 'Follow' }).click();
  await expect(page.getByRole('status', { name: 'Follow mode' })).toContainText('Following');
  await expectAccessible(page, 'Follow mode');
  await openTab(page, 'Segments');
  await expect(page.getByRole('table').first()).toBeVisible();
  await shot(page, 'a11y-segments-follow');
  await expectAccessible(page, 'Segments, following');
});

test('Segments', async ({ page, kv }) => {
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await openTab(page, 'Segments');
  await expect(page.getByRole('table').first()).toBeVisible();
  await expectAccessible(page, 'Segments');
});

test('Records with a record selected and its hex', async ({ page, kv }) => {
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await openTab(page, 'Records');
  const table = page.getByRole('listbox', { name: 'Record table' });
  await table.locator('.record-row[data-offset="24"]').click();
  await expect(page.getByTestId('record-details')).toHaveAttribute('data-record-offset', '24');
  // A row is named cell by cell, as its (visually separate) column titles name them, not its cells' text run together.
  await expect(table.getByRole('option', { selected: true })).toHaveAccessibleName(
    /^offset 24 length 43 type put sequence 1 key user:00000:name value length 6 crc [0-9a-f]{8} status shadowed$/,
  );
  // A narrow pane shows offset, type, key and status: the names of the cells it hides go with them.
  await page.setViewportSize({ width: 800, height: 600 });
  await expect(table.getByRole('option', { selected: true })).toHaveAccessibleName(/^offset 24 type put key user:00000:name status shadowed$/);
  await shot(page, 'a11y-records-800');
  await page.setViewportSize({ width: 1400, height: 860 });
  const hex = page.getByRole('grid', { name: 'File bytes' });
  await expect(hex).toBeVisible();
  await expectAccessible(page, 'Records');
  // The grid's rows are placed among all of its rows (it renders only those near the view), each headed by its offset.
  const rows = Number(await hex.getAttribute('aria-rowcount'));
  const width = Number(await hex.getAttribute('data-row-bytes'));
  const bytes = readFileSync(join(kv.dir, '000001.data'));
  expect(bytes.length).toBeLessThan(1024 * 1024); // one window of the pane: every row of the file
  expect(rows).toBe(Math.ceil(bytes.length / width));
  await expect(hex.getByRole('row').nth(1)).toHaveAttribute('aria-rowindex', '2');
  await expect(hex.getByRole('row').nth(1).getByRole('rowheader')).toHaveText(width.toString(16).padStart(8, '0'));
  // Keyboard: the arrows move the grid's cursor, and a screen reader is told where it is and the byte there.
  await hex.focus();
  await page.keyboard.press('ArrowRight');
  const said = `offset 25 (0x19): byte ${bytes[25]!.toString(16).padStart(2, '0')}`;
  await expect(page.getByRole('status', { name: 'Hex cursor' })).toHaveText(new RegExp(`^${said.replace(/[()]/g, '\\$&')}`));
  await page.keyboard.press('ArrowDown');
  await expect(page.getByRole('status', { name: 'Hex cursor' })).toContainText(`offset ${25 + width} (`);
  await shot(page, 'a11y-records-hex-cursor');
});

test('the Verify report of a store with a flipped byte', async ({ page, kv }) => {
  flipByte(join(kv.dir, '000002.data'), 5000);
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await openTab(page, 'Verify');
  await expectAccessible(page, 'Verify, before a run');
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await expect(page.getByRole('status', { name: 'Verify result' }).locator('tr.problem-row[data-file="000002.data"]')).toContainText('bad-crc');
  await expectAccessible(page, 'Verify report');
});

test('Statistics, a compaction running and finished', async ({ page, kv }) => {
  // The job's end is held back (as in inspector.spec.ts) so its progress and Cancel can be audited however fast it is.
  const jobEnd = await holdJobEnd(page);
  await openReadWrite(page, kv);
  const stats = page.getByRole('complementary', { name: 'Statistics' });
  await expect(stats.getByTestId('compaction-plan')).toContainText(/Will reclaim/);
  await expectAccessible(page, 'Statistics');
  await stats.getByRole('button', { name: 'Compact' }).click();
  await expect(page.getByRole('progressbar', { name: 'Compaction progress' })).toBeVisible();
  await jobEnd.arrived();
  await expectAccessible(page, 'Statistics, compaction running');
  jobEnd.release();
  await expect(page.getByRole('status', { name: 'Compaction result' })).toContainText('Compaction finished');
  await expectAccessible(page, 'Statistics, compaction result');
  await expectAccessible(page, 'Statistics, compaction result', STRUCTURE);
});

test("Statistics' dead space, searching, its result and under a prefix", async ({ page, kv }) => {
  const jobEnd = await holdJobEnd(page);
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  const section = page.getByRole('complementary', { name: 'Statistics' }).getByRole('region', { name: 'Dead space by key' });
  await section.getByRole('button', { name: 'Find dead space' }).click();
  await expect(section.getByRole('progressbar', { name: 'Dead space search progress' })).toBeVisible();
  await jobEnd.arrived();
  await expectAccessible(page, 'Statistics, dead space searching');
  jobEnd.release();
  await expect(section.getByRole('list', { name: 'Keys with the most dead space' })).toBeVisible();
  await expectAccessible(page, 'Statistics, dead space result');
  await expectAccessible(page, 'Statistics, dead space result', STRUCTURE);
  // Under a prefix: the path back up (a navigation landmark) above the lists.
  await section.getByRole('list', { name: 'Dead space by prefix' }).getByRole('button').first().click();
  await expect(section.getByRole('navigation', { name: 'Dead space path' })).toBeVisible();
  await expectAccessible(page, 'Statistics, dead space under a prefix');
  await expectAccessible(page, 'Statistics, dead space under a prefix', STRUCTURE);
});

test('the copy, export and import dialogs', async ({ page, kv }) => {
  await openReadWrite(page, kv);
  await page.getByRole('button', { name: 'Copy into a new kvscope store…' }).click();
  const copy = page.getByRole('dialog', { name: 'Copy into a new kvscope store' });
  await copy.getByLabel('New store directory (missing or empty)').fill('relative');
  await copy.getByRole('button', { name: 'Copy', exact: true }).click();
  await expect(copy.getByRole('alert', { name: 'Path problem' })).toBeVisible();
  await expectAccessible(page, 'copy dialog');
  await page.keyboard.press('Escape');
  await expect(copy).toHaveCount(0);

  await page.getByRole('button', { name: 'Export…' }).click();
  const exp = page.getByRole('dialog', { name: 'Export keys' });
  await exp.getByLabel('File').fill(join(kv.base, 'keys.jsonl'));
  await expectAccessible(page, 'export dialog');
  await exp.getByRole('button', { name: 'Export', exact: true }).click();
  await expect(exp.getByRole('status', { name: 'Export result' })).toContainText('Wrote');
  await expectAccessible(page, 'export dialog, done');
  await exp.getByRole('button', { name: 'Close' }).click();

  await page.getByRole('button', { name: 'Import JSON Lines…' }).click();
  const imp = page.getByRole('dialog', { name: 'Import JSON Lines' });
  await expect(imp.getByLabel('File')).toBeFocused();
  await expectAccessible(page, 'import dialog');
});

test('Repair & crash lab: a repair and a crash lab run, with their results', async ({ page, kv }) => {
  flipByte(join(kv.dir, '000002.data'), 5000);
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await openTab(page, 'Repair & crash lab');
  await expectAccessible(page, 'Repair & crash lab');
  await page.getByLabel('Repair into directory').fill(join(kv.base, 'repaired'));
  await page.getByLabel('Repair into directory').press('Enter');
  await expect(page.getByLabel('Repair result')).toBeVisible();
  await page.getByLabel('Damage offset').fill('100');
  await page.getByRole('button', { name: 'Damage the copy and reopen' }).click();
  await expect(page.getByRole('status', { name: 'Crash lab result' })).toBeVisible();
  await expectAccessible(page, 'Repair & crash lab, results');
  await expectAccessible(page, 'Repair & crash lab, results', STRUCTURE);
  // The lists of keys scroll: the keyboard reaches them and scrolls them.
  const lost = page.getByRole('list', { name: 'Lost keys' });
  expect(await lost.evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
  await lost.focus();
  await expect(lost).toBeFocused();
  await page.keyboard.press('End');
  await expect.poll(() => lost.evaluate((el) => el.scrollTop)).toBeGreaterThan(0);
  await shot(page, 'a11y-crash-lab-lost-keys');
});

test('another engine\'s store (Riak Bitcask), read-only: detection, keys and Segments', async ({ page, kv }) => {
  const riak = join(kv.base, 'riak');
  cpSync(RIAK, riak, { recursive: true });
  await page.goto(kv.url);
  await openFromScreen(page, riak);
  await expect(page.getByTestId('format-badge')).toContainText('riak-bitcask');
  await selectKey(page, 'key-013');
  await expectAccessible(page, 'Riak store, keys');
  await openTab(page, 'Segments');
  await expect(page.getByRole('table').first()).toBeVisible();
  await expectAccessible(page, 'Riak store, Segments');
});

test('an error banner', async ({ page, kv }) => {
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await openTab(page, 'Repair & crash lab');
  const into = page.getByLabel('Repair into directory');
  await into.fill('/etc/passwd');
  await into.press('Enter');
  await expect(page.locator('.error-banner')).toContainText('Not a directory');
  await shot(page, 'a11y-error-banner');
  await expectAccessible(page, 'error banner');
});

test('keyboard and screen readers: the key list and the record table move with the arrows, Home and End, and each rendered row says its place among all of them', async ({ page, kv }) => {
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  const keys = page.getByRole('listbox', { name: 'Keys' });
  await expect(page.getByTestId('key-count')).toHaveText(/^[\d,]+ keys$/);
  const total = Number((await page.getByTestId('key-count').textContent())!.replace(/\D/g, ''));
  expect(total).toBeGreaterThan(1000);
  const selectedKey = keys.getByRole('option', { selected: true });
  await keys.focus();
  await page.keyboard.press('Home');
  await expect(selectedKey).toHaveAttribute('aria-posinset', '1');
  await expect(selectedKey).toHaveAttribute('aria-setsize', String(total));
  await page.keyboard.press('ArrowDown');
  await expect(selectedKey).toHaveAttribute('aria-posinset', '2');
  await page.keyboard.press('End');
  await expect(selectedKey).toHaveAttribute('aria-posinset', String(total));
  // The list renders only the rows near the view: their own count would be a wrong size.
  expect(await keys.getByRole('option').count()).toBeLessThan(total);

  await openTab(page, 'Records');
  const table = page.getByRole('listbox', { name: 'Record table' });
  await table.locator('.record-row[data-offset="24"]').click();
  const selectedRow = table.getByRole('option', { selected: true });
  await expect(selectedRow).toHaveAttribute('aria-posinset', '2'); // the file's header is the first row
  await page.keyboard.press('ArrowDown');
  await expect(selectedRow).toHaveAttribute('aria-posinset', '3');
  await page.keyboard.press('End');
  // A host still indexing the file counts fewer rows for a moment (End then follows the end): read them once it is done.
  await expect(page.getByRole('status', { name: 'Indexing progress' })).toHaveCount(0);
  const rows = await selectedRow.getAttribute('aria-setsize');
  expect(Number(rows)).toBeGreaterThan(await table.getByRole('option').count());
  await expect(selectedRow).toHaveAttribute('aria-posinset', rows!);
  await page.keyboard.press('Home');
  await expect(selectedRow).toHaveAttribute('aria-posinset', '1');
});

test('keyboard: the key tree is one stop of Tab; the arrows, Home and End move in it, Left goes up to the branch', async ({ page, kv }) => {
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await page.getByRole('radiogroup', { name: 'Key view' }).getByRole('radio', { name: 'tree' }).click();
  const tree = page.getByRole('tree', { name: 'Key tree' });
  const node = (name: RegExp) => tree.getByRole('treeitem', { name });
  const blob = node(/^blob: 300 keys\b/);
  await expect(blob).toBeVisible();
  // Tab from the control before the tree lands on its first node.
  await page.getByRole('button', { name: 'Export…' }).focus();
  await page.keyboard.press('Tab');
  await expect(tree.getByRole('treeitem').first()).toBeFocused();
  // Open blob: (300 keys) and walk into it: Tab then leaves the tree, where before it went through each of them.
  await page.keyboard.press('ArrowDown');
  await expect(blob).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(blob).toHaveAttribute('aria-expanded', 'true');
  await expect(node(/^0, /)).toBeVisible();
  await page.keyboard.press('ArrowRight');
  await expect(node(/^0, /)).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(node(/^1, /)).toBeFocused();
  await page.keyboard.press('Tab');
  expect(await tree.evaluate((t) => t.contains(document.activeElement))).toBe(false);
  // Shift+Tab comes back to the node left, not to the tree's last.
  await page.keyboard.press('Shift+Tab');
  await expect(node(/^1, /)).toBeFocused();
  // Left goes up to the branch holding the node; Left again closes it.
  await page.keyboard.press('ArrowLeft');
  await expect(blob).toBeFocused();
  await expect(blob).toHaveAttribute('aria-expanded', 'true');
  await page.keyboard.press('ArrowLeft');
  await expect(blob).toBeFocused();
  await expect(blob).toHaveAttribute('aria-expanded', 'false');
  await expect(node(/^1, /)).toHaveCount(0);
  // End and Home: the last and first shown nodes; Enter on a key selects it.
  await page.keyboard.press('End');
  await expect(tree.getByRole('treeitem').last()).toBeFocused();
  await page.keyboard.press('Home');
  await expect(tree.getByRole('treeitem').first()).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: '\\x00\\xff\\x10k', exact: true })).toBeVisible();
  await shot(page, 'a11y-key-tree-keyboard');
});

test('screen readers: a key tree node is the tree item itself, with its level, place, state and a name in words; its marks are not read', async ({ page, kv }) => {
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await page.getByRole('radiogroup', { name: 'Key view' }).getByRole('radio', { name: 'tree' }).click();
  const tree = page.getByRole('tree', { name: 'Key tree' });
  const top = tree.locator(':scope > [role=treeitem]');
  await expect(top.first()).toBeVisible();
  // No button inside the items (a screen reader said "button", not the item's level and state).
  await expect(tree.getByRole('button')).toHaveCount(0);
  // A branch: its part of the key, then its count and size in words; its level, its place among the shown nodes, closed.
  const user = tree.getByRole('treeitem', { name: /^user: 2,850 keys, [\d.]+ KiB$/ });
  await expect(user).toHaveAttribute('aria-level', '1');
  await expect(user).toHaveAttribute('aria-expanded', 'false');
  await expect(user).toHaveAttribute('aria-setsize', String(await top.count()));
  const place = await top.evaluateAll((items) => items.findIndex((i) => i.getAttribute('data-prefix') === 'user:') + 1);
  await expect(user).toHaveAttribute('aria-posinset', String(place));
  // Its ▸ mark is hidden from a screen reader.
  await expect(user.locator('.tree-icon')).toHaveText('▸');
  await expect(user.locator('.tree-icon')).toHaveAttribute('aria-hidden', 'true');
  // The item itself takes the focus: Enter opens the branch, whose keys are a level down, each said with its size.
  const blob = tree.getByRole('treeitem', { name: /^blob: 300 keys, [\d.]+ KiB$/ });
  await blob.focus();
  await page.keyboard.press('Enter');
  await expect(blob).toHaveAttribute('aria-expanded', 'true');
  const first = blob.getByRole('treeitem', { name: /^0, \d+ B$/ });
  await expect(first).toHaveAttribute('aria-level', '2');
  await expect(first).toHaveAttribute('aria-posinset', '1');
  await expect(first).toHaveAttribute('aria-setsize', '300');
  await expect(first).toHaveAttribute('aria-selected', 'false');
  await expect(first).not.toHaveAttribute('aria-expanded', /.*/);
  await expect(first.locator('.tree-icon')).toHaveAttribute('aria-hidden', 'true');
  // Space on a key selects it; it says so, and keeps the focus.
  await page.keyboard.press('ArrowRight');
  await expect(first).toBeFocused();
  await page.keyboard.press('Space');
  await expect(first).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('heading', { name: 'blob:0', exact: true })).toBeVisible();
  await expect(first).toBeFocused();
  // Type-ahead: a character moves to the next shown node whose label starts with it, more characters narrow it.
  await page.keyboard.press('Home');
  await page.keyboard.press('u');
  await expect(user).toBeFocused();
  await page.waitForTimeout(700);
  await page.keyboard.type('gr');
  await expect(tree.getByRole('treeitem', { name: /^greeting, / })).toBeFocused();
  // A click on a row focuses its item too (the tab stop moves there).
  await user.click();
  await expect(user).toBeFocused();
  await expect(user).toHaveAttribute('aria-expanded', 'true');
  await expect(user).toHaveAttribute('tabindex', '0');
});

test('screen readers: the value shown is the tab panel of the selected tab, in the Value region with the tabs', async ({ page, kv }) => {
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await selectKey(page, 'config/app.json');
  const region = page.getByRole('region', { name: 'Value' });
  const tabs = region.getByRole('tablist', { name: 'Value view' });
  for (const name of ['Text', 'JSON', 'Hex', 'Base64']) {
    const tab = tabs.getByRole('tab', { name, exact: true });
    await tab.click();
    await expect(tab).toHaveAttribute('aria-selected', 'true');
    // One panel, named by its tab, which controls it.
    await expect(region.getByRole('tabpanel')).toHaveCount(1);
    const panel = region.getByRole('tabpanel', { name, exact: true });
    await expect(panel).toBeVisible();
    await expect(tab).toHaveAttribute('aria-controls', (await panel.getAttribute('id'))!);
    if (name === 'JSON') await expect(panel).toContainText('"endpoints": [');
  }
});

test('keyboard: a problem of the Verify report is a button, opened with Enter or Space, and the row keeps its highlight while it has focus', async ({ page, kv }) => {
  flipByte(join(kv.dir, '000002.data'), 5000);
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await openTab(page, 'Verify');
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  const row = page.getByRole('table', { name: 'Problems' }).locator('tr.problem-row[data-file="000002.data"]');
  await expect(row).toContainText('bad-crc');
  const offset = (await row.getAttribute('data-offset'))!;
  const open = page.getByRole('button', { name: `Open 000002.data at offset ${offset}` });
  // The first stop of Tab after Repair… is the first problem's button.
  await page.getByRole('button', { name: 'Repair…' }).focus();
  await page.keyboard.press('Tab');
  await expect(open).toBeFocused();
  await expect(row).toHaveCSS('background-color', 'rgb(29, 53, 80)');
  await shot(page, 'a11y-verify-problem-focused');
  await page.keyboard.press('Space');
  await expect(page.getByRole('tab', { name: 'Records' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('record-details')).toHaveAttribute('data-record-offset', offset);
  // Back to the report (kept), and Enter does the same.
  await openTab(page, 'Verify');
  await open.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('tab', { name: 'Records' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('record-details')).toHaveAttribute('data-record-offset', offset);
});

test('keyboard: the Views and Value view tablists are one stop of Tab each; Left, Right, Home and End move among the tabs, Enter or Space shows one', async ({ page, kv }) => {
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  const views = page.getByRole('tablist', { name: 'Views' });
  const tab = (name: string) => views.getByRole('tab', { name, exact: true });
  // Tab from the control before the tablist lands on the selected tab, and Tab again leaves the tablist.
  await page.getByRole('button', { name: 'Copy into a new kvscope store…' }).focus();
  await page.keyboard.press('Tab');
  await expect(tab('Keys')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Filter keys')).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(tab('Keys')).toBeFocused();
  // The arrows move focus (wrapping round), Home and End go to the ends; nothing is shown until Enter or Space.
  await page.keyboard.press('ArrowRight');
  await expect(tab('Segments')).toBeFocused();
  await expect(tab('Keys')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('End');
  await expect(tab('Repair & crash lab')).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(tab('Keys')).toBeFocused();
  await page.keyboard.press('ArrowLeft');
  await expect(tab('Repair & crash lab')).toBeFocused();
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  await expect(tab('Segments')).toHaveAttribute('aria-selected', 'true');
  // The view shown is the selected tab's panel.
  await expect(page.getByRole('tabpanel', { name: 'Segments' }).getByRole('table').first()).toBeVisible();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Space');
  await expect(page.getByRole('tabpanel', { name: 'Records' }).getByRole('listbox', { name: 'Record table' })).toBeVisible();

  // The value's views: the same keys.
  await tab('Keys').click();
  await selectKey(page, 'config/app.json');
  const valueTabs = page.getByRole('tablist', { name: 'Value view' });
  await valueTabs.getByRole('tab', { name: 'Text' }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(valueTabs.getByRole('tab', { name: 'JSON' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('region', { name: 'Value' })).toContainText('"endpoints": [');
  await page.keyboard.press('End');
  await page.keyboard.press('Space');
  await expect(valueTabs.getByRole('tab', { name: 'Base64' })).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Tab');
  expect(await valueTabs.evaluate((t) => t.contains(document.activeElement))).toBe(false);
  await shot(page, 'a11y-tabs-keyboard');
});

test('keyboard: each radio group is one stop of Tab, on its checked radio, and the arrows check the next one', async ({ page, kv }) => {
  await openReadWrite(page, kv);
  const group = (name: string) => page.getByRole('radiogroup', { name });
  const radio = (g: string, name: string) => group(g).getByRole('radio', { name, exact: true });
  // Tab from the filter: Which keys, Filter mode and Key view, one stop each, on the radio checked.
  await page.getByLabel('Filter keys').focus();
  await page.keyboard.press('Tab');
  await expect(radio('Which keys', 'live')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(radio('Filter mode', 'substring')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(radio('Key view', 'list')).toBeFocused();
  // The arrows check the next radio (wrapping round) and move focus with it.
  await page.keyboard.press('ArrowRight');
  await expect(radio('Key view', 'tree')).toBeFocused();
  await expect(radio('Key view', 'tree')).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByRole('tree', { name: 'Key tree' })).toBeVisible();
  await page.keyboard.press('ArrowLeft');
  await expect(radio('Key view', 'list')).toHaveAttribute('aria-checked', 'true');
  await page.keyboard.press('Shift+Tab');
  await expect(radio('Filter mode', 'substring')).toBeFocused();
  await page.keyboard.press('ArrowLeft');
  await expect(radio('Filter mode', 'prefix')).toHaveAttribute('aria-checked', 'true');
  await page.keyboard.press('ArrowUp');
  await expect(radio('Filter mode', 'glob')).toBeFocused();
  await expect(radio('Filter mode', 'glob')).toHaveAttribute('aria-checked', 'true');
  await page.keyboard.press('ArrowDown');
  await expect(radio('Filter mode', 'prefix')).toHaveAttribute('aria-checked', 'true');

  // The editor's Edit as.
  await selectKey(page, 'greeting');
  await page.getByRole('button', { name: 'Edit', exact: true }).click();
  await radio('Edit as', 'text').focus();
  await page.keyboard.press('ArrowRight');
  await expect(radio('Edit as', 'json')).toBeFocused();
  await expect(radio('Edit as', 'json')).toHaveAttribute('aria-checked', 'true');
  await page.keyboard.press('ArrowRight');
  await expect(radio('Edit as', 'hex')).toHaveAttribute('aria-checked', 'true');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('dialog', { name: 'Discard unsaved changes?' }).getByRole('button', { name: 'Discard' }).click();

  // The crash lab's Damage.
  await openTab(page, 'Repair & crash lab');
  await radio('Damage', 'tear tail').focus();
  await page.keyboard.press('ArrowRight');
  await expect(radio('Damage', 'flip bytes')).toBeFocused();
  await expect(radio('Damage', 'flip bytes')).toHaveAttribute('aria-checked', 'true');
  await shot(page, 'a11y-radio-keyboard');
});
