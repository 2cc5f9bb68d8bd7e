/**
 * Layout measurements of text in the page, for specs that hold the UI to
 * what a person sees.
 */
import type { Locator } from '@playwright/test';

/** Width of characters [from, to) of the text inside `el`, as laid out. */
export async function textWidth(el: Locator, from: number, to: number): Promise<number> {
  return el.evaluate(
    (node, [a, b]) => {
      const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
      const range = document.createRange();
      let pos = 0;
      let started = false;
      for (let t = walker.nextNode(); t; t = walker.nextNode()) {
        const len = t.textContent!.length;
        if (!started && a! < pos + len) {
          range.setStart(t, a! - pos);
          started = true;
        }
        if (started && b! <= pos + len) {
          range.setEnd(t, b! - pos);
          break;
        }
        pos += len;
      }
      return range.getBoundingClientRect().width;
    },
    [from, to],
  );
}

/**
 * How many pixels `select` lacks to show its widest option whole (0 or less: every option's text fits). Measured
 * on a copy of it beside it, laid out at its natural width (the widest option, its padding and its arrow).
 */
export async function selectShortfall(select: Locator): Promise<number> {
  return select.evaluate((s) => {
    const copy = s.cloneNode(true) as HTMLElement;
    copy.removeAttribute('id');
    copy.style.cssText = 'position: absolute; visibility: hidden; width: max-content; min-width: 0; max-width: none; flex: none;';
    s.parentElement!.appendChild(copy);
    const natural = copy.getBoundingClientRect().width;
    copy.remove();
    return natural - s.getBoundingClientRect().width;
  });
}
