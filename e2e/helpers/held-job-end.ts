/**
 * Holds back the browser host's next "job-done" event on its way to the page, so that a running job's view (its
 * progress, Cancel, a busy button) can be looked at however fast the job really is. `arrived()` waits until the host
 * has sent the event; `release()` then hands it to the page, once, and lets every later job's end through as it
 * comes: only the first job is held.
 */
import { expect, type Page } from '@playwright/test';

export interface HeldJobEnd {
  /** Resolves once the job's end has reached the hold (the job is over on the host's side). */
  arrived(): Promise<void>;
  /** Hands the held event to the page (after arrived()) and stops holding: later jobs' ends pass straight through. */
  release(): void;
}

export async function holdJobEnd(page: Page): Promise<HeldJobEnd> {
  let releaseDone: (() => void) | undefined;
  let holding = true;
  await page.routeWebSocket(/\/events/, (ws) => {
    const server = ws.connectToServer();
    server.onMessage((message) => {
      if (holding && releaseDone === undefined && String(message).includes('"job-done"')) releaseDone = () => ws.send(message);
      else ws.send(message);
    });
  });
  return {
    arrived: () => expect.poll(() => releaseDone !== undefined).toBe(true),
    release: () => {
      if (!releaseDone) throw new Error('release() before the job-done event arrived (await arrived() first)');
      if (!holding) throw new Error('release() twice: the held job-done event was handed over already');
      holding = false;
      releaseDone();
    },
  };
}
