/**
 * A relative path typed on the open screen was sent as it was and answered "Invalid request BAD_REQUEST". It is now
 * said beside the field, in plain words: the path must be a full one (relative paths are not resolved: the page
 * cannot tell which directory they would be relative to). A full path then opens as usual.
 */
import { test, expect, openFromScreen, shot } from './fixtures.js';

test('a relative path on the open screen: said plainly beside the field, no error code; a full path opens', async ({ page, kv }) => {
  await page.goto(kv.url);
  const field = page.getByLabel('Directory');
  await field.fill('demo-data');
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  const problem = page.getByRole('alert', { name: 'Path problem' });
  await expect(problem).toHaveText(/^"demo-data" is a relative path\. Type the directory's full path, starting with \/ \(or ~\/ for your home directory\)/);
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('.error-banner')).toHaveCount(0);
  await expect(page.getByText('BAD_REQUEST')).toHaveCount(0);
  await expect(page.getByText('Invalid request')).toHaveCount(0);
  await shot(page, 'open-relative-path');
  // Typing again takes the note away; a full path opens.
  await field.fill('d');
  await expect(problem).toHaveCount(0);
  await openFromScreen(page, kv.dir);
});
