/**
 * What a value's lines view (large text, JSON and Base64 are drawn by rows) shows, for the e2e specs that
 * check it is virtualised: the rows in its visible box, and how much the value region holds.
 */
import type { Locator, Page } from '@playwright/test';

/** The rows drawn inside the lines view's visible box, by their text, top to bottom. */
export async function visibleRows(view: Locator): Promise<string[]> {
  return view.evaluate((el) => {
    const box = el.getBoundingClientRect();
    return [...el.querySelectorAll('.text-line')]
      .filter((r) => {
        const b = r.getBoundingClientRect();
        return b.top >= box.top - 1 && b.bottom <= box.bottom + 1;
      })
      .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
      .map((r) => r.textContent ?? '');
  });
}

/** What the value region holds: row elements, and the longest run of text in any one DOM node. */
export async function domSize(page: Page): Promise<{ rows: number; longestNode: number }> {
  return page.getByRole('region', { name: 'Value' }).evaluate((el) => {
    let longestNode = 0;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) longestNode = Math.max(longestNode, n.nodeValue?.length ?? 0);
    return { rows: el.querySelectorAll('.text-line').length, longestNode };
  });
}
