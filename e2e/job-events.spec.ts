/**
 * A job's answer (its id, over HTTP) and its events (progress, end, over the
 * WebSocket) race: a short verify or compaction can end before the answer that
 * starts it reaches the page. The page showed its result beside a progress bar
 * at 0% and a Cancel button that stayed (QA at 800×600). The answer is held
 * here until the result is shown, then let through: the job stays over.
 */
import type { Page, Route } from '@playwright/test';
import { test, expect, openFromScreen, openReadWrite, shot } from './fixtures.js';
import { countAnswersRead } from './helpers/answers-read.js';

test.use({ viewport: { width: 800, height: 600 } });

/** Holds the answer to /api/<method> until release() lets it through; release returns once the page has read it and drawn the frames after. */
async function holdAnswer(page: Page, method: string): Promise<{ release: () => Promise<void> }> {
  let held: { route: Route; body: string; status: number; headers: Record<string, string> } | undefined;
  await page.route(`**/api/${method}`, async (route) => {
    const response = await route.fetch();
    held = { route, body: await response.text(), status: response.status(), headers: response.headers() };
  });
  return {
    release: async () => {
      await expect.poll(() => held !== undefined).toBe(true);
      // What is waited for below is the page's handling of this answer, not a time a loaded machine can overrun.
      const answers = await countAnswersRead(page, method);
      await held!.route.fulfill({ status: held!.status, headers: held!.headers, body: held!.body });
      await answers.read(1);
    },
  };
}

test('verify: a result that comes before the answer naming its job leaves no progress bar or Cancel behind', async ({ page, kv }) => {
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await page.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name: 'Verify' }).click();
  const held = await holdAnswer(page, 'verify');
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await expect(page.getByRole('status', { name: 'Verify result' })).toContainText('No problems');
  await held.release();
  await expect(page.getByRole('status', { name: 'Verify result' })).toContainText('No problems');
  await expect(page.getByRole('progressbar', { name: 'Verify progress' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Cancel', exact: true })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Verify again', exact: true })).toBeEnabled();
  await shot(page, 'job-events-verify-800x600');
});

test('compaction: a summary that comes before the answer naming its job leaves no progress bar or Cancel behind', async ({ page, kv }) => {
  await openReadWrite(page, kv);
  const stats = page.getByRole('complementary', { name: 'Statistics' });
  const held = await holdAnswer(page, 'compact');
  await stats.getByRole('button', { name: 'Compact', exact: true }).click();
  await expect(page.getByRole('status', { name: 'Compaction result' })).toContainText('Compaction finished');
  await held.release();
  await expect(page.getByRole('status', { name: 'Compaction result' })).toContainText('Compaction finished');
  await expect(page.getByRole('progressbar', { name: 'Compaction progress' })).toHaveCount(0);
  await expect(stats.getByRole('button', { name: 'Cancel', exact: true })).toHaveCount(0);
  await expect(stats.getByRole('button', { name: 'Compact', exact: true })).toBeVisible();
});
