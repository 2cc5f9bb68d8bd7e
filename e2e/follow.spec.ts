/**
 * Follow mode end to end: another process holds the writer lock and appends;
 * the read-only inspector shows the new records and key changes as they
 * happen, with the writer's pid.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { countOf } from '../src/renderer/src/format.js';
import { test, expect, openFromScreen, keyOption, shot, stopWriter, ROOT } from './fixtures.js';

test('follow mode shows another process\'s writes as they happen', async ({ page, kv }) => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'e2e/helpers/append-writer.ts'), kv.dir], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  try {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await expect.poll(() => /ready (\d+)/.exec(out)?.[1], { timeout: 20_000 }).toBeTruthy();
    const pid = /ready (\d+)/.exec(out)![1]!;
    await page.goto(kv.url);
    await openFromScreen(page, kv.dir);
    // Read once counted: while the list is still counting it says "counting…", which any count would differ from.
    await expect(page.getByTestId('key-count')).toHaveText(/^[\d,]+ keys$/);
    const keysBefore = Number((await page.getByTestId('key-count').textContent())!.replace(/\D/g, ''));
    await page.getByRole('button', { name: 'Follow' }).click();
    const strip = page.getByRole('status', { name: 'Follow mode' });
    await expect(strip).toContainText(`writer pid ${pid}`);

    child.stdin!.write('put followed:e2e hello from another process\n');
    // A bound on waiting, not a measure of speed: how soon a change is noticed is the engine's follower's (test/engine/follow.test.ts).
    await expect(strip.getByRole('list', { name: 'Recent changes' })).toContainText('followed:e2e', { timeout: 15_000 });
    // The new key counted (not a "counting…" between two counts, which differs from the old count too).
    await expect(page.getByTestId('key-count')).toHaveText(countOf(keysBefore + 1, 'key'));
    await page.getByLabel('Filter keys').fill('followed:');
    await keyOption(page, 'followed:e2e').click();
    await expect(page.getByRole('region', { name: 'Value' })).toContainText('hello from another process');

    child.stdin!.write('del greeting\n');
    await expect(strip.getByRole('list', { name: 'Recent changes' })).toContainText('− greeting');
    await shot(page, '35-follow-mode');
    await page.getByRole('button', { name: '● Following' }).click();
    await expect(strip).toHaveCount(0);
  } finally {
    // Before the fixture removes the directory: the writer's close writes its active segment's hint.
    await stopWriter(child);
  }
});
