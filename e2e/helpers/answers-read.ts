/**
 * Counts the answers to one API method that the page has read (its transport's response.json()), so that a test can
 * wait for the page to have handled an answer it let through, not for a time a loaded machine can overrun: what the
 * page does with what it read is drawn by the next frames, which `read(n)` waits for too.
 */
import { expect, type Page } from '@playwright/test';

export async function countAnswersRead(page: Page, method: string): Promise<{ read(n: number): Promise<void> }> {
  await page.evaluate((m) => {
    const w = window as unknown as { answersRead: Record<string, number> };
    if (!w.answersRead) {
      w.answersRead = {};
      const json = Response.prototype.json;
      Response.prototype.json = async function (this: Response) {
        const value: unknown = await json.call(this);
        const name = /\/api\/([^/?#]+)$/.exec(new URL(this.url).pathname)?.[1];
        if (name !== undefined && name in w.answersRead) w.answersRead[name]!++;
        return value;
      };
    }
    w.answersRead[m] = 0;
  }, method);
  return {
    read: async (n) => {
      await expect.poll(() => page.evaluate((m) => (window as unknown as { answersRead: Record<string, number> }).answersRead[m], method)).toBeGreaterThanOrEqual(n);
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    },
  };
}
