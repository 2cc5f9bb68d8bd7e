/**
 * WCAG 2 contrast of text as drawn: its computed colour against the first opaque background
 * behind it (itself or an ancestor), for specs that hold colours to AA.
 */
import type { Locator } from '@playwright/test';

/** The contrast ratio (1 to 21) of `el`'s text colour against the background it is drawn on. */
export async function contrastOf(el: Locator): Promise<number> {
  return el.evaluate((node) => {
    const rgb = (css: string): number[] => (css.match(/[\d.]+/g) ?? []).map(Number);
    const luminance = ([r, g, b]: number[]): number => {
      const lin = (c: number) => (c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
      return 0.2126 * lin(r!) + 0.7152 * lin(g!) + 0.0722 * lin(b!);
    };
    let back: number[] | null = null;
    for (let e: Element | null = node; e && !back; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) back = c.slice(0, 3);
    }
    const fore = luminance(rgb(getComputedStyle(node).color));
    const behind = luminance(back ?? [255, 255, 255]);
    return (Math.max(fore, behind) + 0.05) / (Math.min(fore, behind) + 0.05);
  });
}
