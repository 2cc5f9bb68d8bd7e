/**
 * Holds back the browser host's "job-done" event on its way to the page, so that a running job's view (its progress,
 * Cancel, a busy button) can be looked at however fast the job really is. `arrived()` waits until the host has sent
 * the event; `release()` then hands it to the page.
 */
import { expect, type Page } from '@playwright/test';

export interface HeldJobEnd {
  /** Resolves once the job's end has reached the hold (the job is over on the host's side). */
  arrived(): Promise<void>;
  /** Hands the held event to the page (after arrived()). */
  release(): void;
}

export async function holdJobEnd(page: Page): Promise<HeldJobEnd> {
  let releaseDone: (() => void) | undefined;
  await page.routeWebSocket(/\/events/, (ws) => {
    const server = ws.connectToServer();
    server.onMessage((message) => {
      if (String(message).includes('"job-done"')) releaseDone = () => ws.send(message);
      else ws.send(message);
    });
  });
  return {
    arrived: () => expect.poll(() => releaseDone !== undefined).toBe(true),
    release: () => {
      if (!releaseDone) throw new Error('release() before the job-done event arrived (await arrived() first)');
      releaseDone();
    },
  };
}
