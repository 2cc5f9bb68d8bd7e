/**
 * Counts the page's calls of one API method as the page makes them: its fetch is wrapped, so a call is counted in the
 * very handler that makes it. After a click or a key press (Playwright returns once the page has handled the event),
 * the count says whether the handler asked the host for anything, with no wait for a request that might still come.
 */
import type { Page } from '@playwright/test';

export async function countApiCalls(page: Page, method: string): Promise<() => Promise<number>> {
  await page.evaluate((name) => {
    const w = window as unknown as { __kvscopeCalls?: Record<string, number> };
    if (!w.__kvscopeCalls) {
      const calls: Record<string, number> = {};
      w.__kvscopeCalls = calls;
      const original = window.fetch.bind(window);
      window.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
        const m = /\/api\/([^/?#]+)$/.exec(String(input instanceof Request ? input.url : input));
        if (m) calls[m[1]!] = (calls[m[1]!] ?? 0) + 1;
        return original(input, init);
      };
    }
    w.__kvscopeCalls[name] = 0;
  }, method);
  return () => page.evaluate((name) => (window as unknown as { __kvscopeCalls: Record<string, number> }).__kvscopeCalls[name] ?? 0, method);
}
