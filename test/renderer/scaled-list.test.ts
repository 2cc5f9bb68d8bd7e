import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SCROLL_PX, rowWindow, scrollScale, scrollTopFor, scrollTopKeeping } from '../../src/renderer/src/components/scaled-list.js';

const ROW = 26;
const VIEW = 600;

describe('scaled list: ten million rows in a browser that scrolls 33 M px', () => {
  it('does not scale lists that fit, and scales taller ones so the last row is reachable', () => {
    expect(scrollScale(1000 * ROW, VIEW)).toBe(1);
    const tall = 10_000_000;
    const w = rowWindow({ count: tall, rowHeight: ROW, scrollTop: MAX_SCROLL_PX - VIEW, viewport: VIEW, overscan: 0 });
    expect(w.height).toBe(MAX_SCROLL_PX);
    expect(w.scale).toBeGreaterThan(16);
    expect(w.end).toBe(tall);
    // The last row sits exactly at the bottom of the viewport.
    expect(w.topOf(tall - 1) + ROW).toBeCloseTo(MAX_SCROLL_PX, 6);
    const top = rowWindow({ count: tall, rowHeight: ROW, scrollTop: 0, viewport: VIEW, overscan: 0 });
    expect(top.first).toBe(0);
    expect(top.topOf(0)).toBe(0);
  });

  it('draws the rows around the viewport one row apart, covering it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20_000_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (count, at) => {
        const probe = rowWindow({ count, rowHeight: ROW, scrollTop: 0, viewport: VIEW, overscan: 0 });
        const scrollTop = Math.floor(at * Math.max(0, probe.height - VIEW));
        const w = rowWindow({ count, rowHeight: ROW, scrollTop, viewport: VIEW, overscan: 3 });
        expect(w.end).toBeGreaterThan(w.first);
        for (let i = w.first + 1; i < w.end; i++) expect(w.topOf(i) - w.topOf(i - 1)).toBeCloseTo(ROW, 6);
        // Nothing in the viewport is left blank.
        expect(w.topOf(w.first)).toBeLessThanOrEqual(scrollTop + 1e-6);
        if (w.end < count) expect(w.topOf(w.end - 1) + ROW).toBeGreaterThanOrEqual(scrollTop + VIEW - 1e-6);
      }),
    );
  });

  it('scrolls any row wholly into view, however large the scale', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20_000_000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (count, from, to) => {
        const max = Math.max(0, rowWindow({ count, rowHeight: ROW, scrollTop: 0, viewport: VIEW, overscan: 0 }).height - VIEW);
        const index = Math.min(count - 1, Math.floor(to * count));
        const opts = { count, rowHeight: ROW, scrollTop: Math.floor(from * max), viewport: VIEW };
        for (const align of ['auto', 'start', 'center'] as const) {
          // The browser keeps whole pixels within the scroll range.
          const top = Math.max(0, Math.min(max, scrollTopFor(index, align, opts)));
          const w = rowWindow({ ...opts, scrollTop: top, overscan: 0 });
          expect(w.topOf(index)).toBeGreaterThanOrEqual(top - 1e-6);
          expect(w.topOf(index) + ROW).toBeLessThanOrEqual(top + VIEW + 1e-6);
        }
      }),
    );
  });

  it('keeps the rows on screen where they are when the count grows past the limit (a file being indexed)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 700_000, max: 10_000_000 }), fc.integer({ min: 1, max: 10_000_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (count, more, at) => {
        const before = rowWindow({ count, rowHeight: ROW, scrollTop: 0, viewport: VIEW, overscan: 0 });
        const scrollTop = Math.floor(at * (before.height - VIEW));
        const first = rowWindow({ count, rowHeight: ROW, scrollTop, viewport: VIEW, overscan: 0 }).first;
        const grown = count + more;
        const kept = scrollTopKeeping(scrollTop, before.scale, rowWindow({ count: grown, rowHeight: ROW, scrollTop: 0, viewport: VIEW, overscan: 0 }).scale);
        const after = rowWindow({ count: grown, rowHeight: ROW, scrollTop: kept, viewport: VIEW, overscan: 0 });
        // The same row at the top, within the one pixel a whole scroll position can miss by at this scale.
        expect(Math.abs(after.first - first)).toBeLessThanOrEqual(Math.ceil(after.scale / ROW));
        // Without keeping it, the row at the top would move by the change of scale.
        if (after.scale > before.scale * 1.5 && first > 100) {
          expect(rowWindow({ count: grown, rowHeight: ROW, scrollTop, viewport: VIEW, overscan: 0 }).first).toBeGreaterThan(first + 1);
        }
      }),
    );
  });
});
