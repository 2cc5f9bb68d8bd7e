/**
 * A malformed glob in the key filter says what is wrong with it under the
 * field, instead of "No key matches the filter".
 */
import { test, expect, openFromScreen, shot } from './fixtures.js';

test('malformed globs: "invalid pattern: …" under the filter, no banner, and a fixed pattern lists keys again', async ({ page, kv }) => {
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await page.getByRole('radiogroup', { name: 'Filter mode' }).getByRole('radio', { name: 'glob' }).click();
  const filter = page.getByLabel('Filter keys');
  const problem = page.getByRole('alert', { name: 'Filter error' });
  const count = page.getByTestId('key-count');
  const cases: [string, string][] = [
    ['[', 'invalid pattern: the [ at position 1 is never closed (write \\[ for a literal one)'],
    ['{a,b', 'invalid pattern: the { at position 1 is never closed (write \\{ for a literal one)'],
    ['[z-a]*', 'invalid pattern: the range z-a is reversed (write a-z)'],
    ['\\', 'invalid pattern: a trailing \\ escapes nothing (write \\\\ for a backslash)'],
    ['[]', 'invalid pattern: the [ at position 1 is never closed (write \\[ for a literal one)'],
    ['v{1..5000}', "invalid pattern: the range {1..5000} is too long: a pattern's ranges hold at most 1000 numbers in all (write \\{ for literal text)"],
  ];
  for (const [pattern, message] of cases) {
    await filter.fill(pattern);
    await expect(problem).toHaveText(message);
    await expect(count).toHaveText('invalid pattern');
    await expect(page.getByText('No key matches the filter.')).toHaveCount(0);
    await expect(page.locator('.error-banner')).toHaveCount(0);
  }
  await shot(page, 'glob-invalid-pattern');
  // The tree view says it the same way, without a banner.
  await page.getByRole('radiogroup', { name: 'Key view' }).getByRole('radio', { name: 'tree' }).click();
  await expect(problem).toHaveText(cases.at(-1)![1]);
  await expect(page.locator('.error-banner')).toHaveCount(0);
  await page.getByRole('radiogroup', { name: 'Key view' }).getByRole('radio', { name: 'list' }).click();

  await filter.fill('user:0000[0-9]:name');
  await expect(count).toHaveText('10 of 3,654 keys');
  await expect(problem).toHaveCount(0);
});

test('the glob syntax is shown beside the filter in glob mode: a tooltip, and a table of it with what is refused', async ({ page, kv }) => {
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  const filter = page.getByLabel('Filter keys');
  const help = page.getByRole('group').filter({ has: page.getByText('Glob syntax', { exact: true }) });
  await expect(help).toHaveCount(0);
  await expect(filter).not.toHaveAttribute('title');
  await page.getByRole('radiogroup', { name: 'Filter mode' }).getByRole('radio', { name: 'glob' }).click();
  await expect(filter).toHaveAttribute('title', /^glob: \* any run, \? one byte, \[a-z\] \[!a-z\] one byte/);
  await help.getByText('Glob syntax', { exact: true }).click();
  const table = help.getByRole('table', { name: 'Glob syntax' });
  await expect(table.getByRole('rowheader', { name: '[!a-z] [^a-z]' })).toBeVisible();
  await expect(table.getByRole('row', { name: /^\[\]a\] \[a-\]/ })).toContainText("a ']' first, or a '-' first or last, is one of the set");
  await expect(table.getByRole('row', { name: /^\{a\}/ })).toContainText('braces with neither a comma nor a range are literal text');
  await expect(help).toContainText("Refused, saying why: a '[' or '{' never closed");
  await shot(page, 'glob-syntax-help');
  // What the table says is read so: '[]a]' is a class holding ']' and 'a', not an unclosed '['.
  await filter.fill('[]a]');
  await expect(page.getByRole('alert', { name: 'Filter error' })).toHaveCount(0);
  await expect(page.getByTestId('key-count')).toHaveText(/^\d+ of 3,654 keys$/);
  await page.getByRole('radiogroup', { name: 'Filter mode' }).getByRole('radio', { name: 'prefix' }).click();
  await expect(help).toHaveCount(0);
});
