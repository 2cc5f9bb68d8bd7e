/**
 * Large values in the Text and JSON tabs: a 13 MiB text (one of its lines
 * 3 M characters long) and an 8 MiB JSON of 1.3 M formatted lines. They are
 * drawn by rows: the DOM holds a bounded number of short row elements however
 * big the value, the ends of the value are reachable by scrolling, the JSON
 * is formatted in many short slices (the project's standard: no long task
 * while the user works; counted in slices and shares of CPU time, which load
 * does not change, where wall time would), no task of a scroll takes much of
 * its work (counted the same way), and "Copy value" copies all of it.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { formatJson } from '../src/shared/json-text.js';
import { test, expect, openFromScreen, keyOption, shot, ROOT } from './fixtures.js';
import { domSize, visibleRows } from './helpers/lines-view.js';

const TEXT_LINES = 200_000;
const LONG_LINE = 'L'.repeat(3_000_000);
const BIG_TEXT = [
  ...Array.from({ length: TEXT_LINES / 2 }, (_, i) => `line ${String(i + 1).padStart(6, '0')} of the text, padded to make it long enough`),
  LONG_LINE,
  ...Array.from({ length: TEXT_LINES / 2 }, (_, i) => `line ${String(TEXT_LINES / 2 + i + 1).padStart(6, '0')} of the text, padded to make it long enough`),
  'the very last line',
].join('\n');

const ITEMS = 150_000;
/** Minified (one line), with a number JSON.parse would change and a duplicate key in its first item. */
const BIG_JSON =
  '[{"id":12345678901234567890,"dup":1,"dup":2},' +
  Array.from({ length: ITEMS }, (_, i) => `{"id":${i},"name":"item ${i}","tags":["a","b"],"n":1.5}`).join(',') +
  ',{"last":true}]';

/** Imports the two values into the fixture's store with the CLI, as JSON Lines. */
function importValues(dir: string, base: string): void {
  const file = join(base, 'large.jsonl');
  writeFileSync(file, [JSON.stringify({ key: 'large:text', value: BIG_TEXT }), JSON.stringify({ key: 'large:json', value: BIG_JSON })].join('\n') + '\n');
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/kvscope.js'), 'import', file, '-d', dir, '--no-progress'], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}

async function select(page: Page, key: string): Promise<void> {
  await page.getByLabel('Filter keys').fill(key);
  await keyOption(page, key).click();
}

/** Loads the whole of the selected (large) value. */
async function loadAll(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Load all' }).click();
  await expect(page.getByText(/Showing the first/)).toHaveCount(0, { timeout: 60_000 });
}

/**
 * Counts, from when watchWork starts it, the tasks the renderer's sliced work (sliced.ts: a MessageChannel
 * of its own for each return to the event loop) yields for: added before the page loads.
 */
async function sliceCounter(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { slices: { counting: boolean; count: number } };
    w.slices = { counting: false, count: 0 };
    const Native = window.MessageChannel;
    window.MessageChannel = class extends Native {
      constructor() {
        super();
        if (w.slices.counting) w.slices.count++;
      }
    };
  });
}

/** Starts a Chromium trace of the renderer's tasks, with the CPU time each used. */
async function traceTasks(page: Page): Promise<void> {
  await page.context().browser()!.startTracing(page, { categories: ['toplevel'] });
}

/**
 * The renderer main thread's tasks since traceTasks: how many, and the largest share of the CPU time of all of them
 * that any one took. Work done in one go is one task with most of it, however fast or slow the machine; load
 * stretches every task alike (wall time, which a loaded machine stretches at will, is not looked at).
 */
async function tracedTasks(page: Page): Promise<{ tasks: number; largestShare: number }> {
  const trace = JSON.parse((await page.context().browser()!.stopTracing()).toString()) as {
    traceEvents: { name: string; tid: number; pid: number; dur?: number; tdur?: number; args?: { name?: string } }[];
  };
  const mains = new Set(trace.traceEvents.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const cpu = trace.traceEvents.filter((e) => e.name === 'ThreadControllerImpl::RunTask' && mains.has(`${e.pid}:${e.tid}`) && e.dur !== undefined).map((e) => e.tdur ?? e.dur!);
  const total = cpu.reduce((a, b) => a + b, 0);
  return { tasks: cpu.length, largestShare: total > 0 ? Math.max(...cpu) / total : 1 };
}

/**
 * What the renderer's main thread did from watchWork to workDone: how many slices the sliced work yielded for,
 * and its tasks (tracedTasks).
 */
async function watchWork(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { slices: { counting: boolean; count: number } };
    w.slices.count = 0;
    w.slices.counting = true;
  });
  await traceTasks(page);
}

async function workDone(page: Page): Promise<{ slices: number; tasks: number; largestShare: number }> {
  const slices = await page.evaluate(() => {
    const w = window as unknown as { slices: { counting: boolean; count: number } };
    w.slices.counting = false;
    return w.slices.count;
  });
  return { slices, ...(await tracedTasks(page)) };
}

/**
 * Scrolling: no task of it takes a tenth of the CPU time of all 40 steps (each takes 1-3%; one of 100 ms of CPU,
 * laying out or going through the whole value at once, takes ~20%), in shares of CPU time, not wall time.
 */
async function expectNoLongScrollTask(page: Page): Promise<void> {
  const scroll = await tracedTasks(page);
  expect(scroll.tasks, JSON.stringify(scroll)).toBeGreaterThanOrEqual(40);
  expect(scroll.largestShare, JSON.stringify(scroll)).toBeLessThan(0.1);
}

/** Scrolls the view from top to bottom in `steps` jumps, a frame or two apart. */
async function scrollThrough(view: Locator, steps: number): Promise<void> {
  for (let i = 1; i <= steps; i++) {
    await view.evaluate((el, f) => {
      el.scrollTop = (el.scrollHeight - el.clientHeight) * f;
      return new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    }, i / steps);
  }
}

test.beforeEach(async ({ kv }) => {
  importValues(kv.dir, kv.base);
});

test('Text tab: a 13 MiB text is drawn by rows, first to last line, with few short DOM nodes and no long task while scrolling', async ({ page, kv }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await select(page, 'large:text');
  await loadAll(page);
  await expect(page.getByRole('region', { name: 'Value' })).toContainText('line 000001 of the text');
  // No DOM node holds more than a row of the text, and there are few rows.
  let dom = await domSize(page);
  expect(dom.longestNode).toBeLessThanOrEqual(1000);
  expect(dom.rows).toBeLessThan(500);
  const view = page.getByRole('document', { name: 'Value text' });
  await expect(view).toHaveAttribute('data-lines', String(TEXT_LINES + 2));
  await expect.poll(async () => (await visibleRows(view))[0]).toBe('line 000001 of the text, padded to make it long enough');
  await shot(page, 'value-large-text-top');

  // The 3 M-character line comes as rows of 1,000 characters, each marked as going on from the one before.
  await view.evaluate((el) => (el.scrollTop = (el.scrollHeight - el.clientHeight) / 2));
  await expect.poll(async () => (await visibleRows(view)).every((r) => r === 'L'.repeat(1000))).toBe(true);
  await expect(view.locator('.text-line.cont').first()).toBeVisible();

  await traceTasks(page);
  await scrollThrough(view, 40);
  await expect.poll(async () => (await visibleRows(view)).at(-1)).toBe('the very last line');
  expect((await visibleRows(view)).at(-2)).toBe(`line ${TEXT_LINES} of the text, padded to make it long enough`);
  await expectNoLongScrollTask(page);
  dom = await domSize(page);
  expect(dom.rows).toBeLessThan(500);
  expect(dom.longestNode).toBeLessThanOrEqual(1000);
  await shot(page, 'value-large-text-end');
});

test('JSON tab: an 8 MiB JSON is formatted in short slices and drawn by rows; its notes are kept; Copy value copies all of it', async ({ page, kv, context }) => {
  test.setTimeout(120_000);
  const formatted = formatJson(BIG_JSON);
  if (!formatted.ok) throw new Error(formatted.error);
  const lines = formatted.text.split('\n');
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.setViewportSize({ width: 1280, height: 800 });
  await sliceCounter(page);
  await page.goto(kv.url);
  await openFromScreen(page, kv.dir);
  await select(page, 'large:json');
  await loadAll(page);
  const frame = page.getByRole('region', { name: 'Value' });
  await expect(frame).toContainText('[{"id":12345678901234567890,');

  // Formatting 1.35 M lines and indexing them, from the click on until they are shown, in many short slices: the
  // work yields dozens of times, and no task has more than a small part of the main thread's CPU time (formatting
  // 8 MiB in one go is one task with most of it). Not wall time: on a loaded machine a slice of 8 ms of work can
  // take 90 ms, but there are only more slices, each a smaller part.
  await watchWork(page);
  await page.getByRole('tab', { name: 'JSON', exact: true }).click();
  const notes = frame.getByRole('note', { name: 'JSON notes' });
  await expect(notes).toContainText('12345678901234567890 cannot be held exactly', { timeout: 60_000 });
  await expect(notes).toContainText('Duplicate key "dup"');
  await expect(frame).toContainText('"name": "item 0"');
  const work = await workDone(page);
  expect(work.slices, JSON.stringify(work)).toBeGreaterThanOrEqual(20);
  expect(work.largestShare, JSON.stringify(work)).toBeLessThan(0.25);
  const view = page.getByRole('document', { name: 'Value JSON' });
  await expect(view).toHaveAttribute('data-lines', String(lines.length));
  await expect(frame.getByRole('status', { name: 'Formatting' })).toHaveCount(0);
  await expect.poll(async () => (await visibleRows(view)).slice(0, 4)).toEqual(lines.slice(0, 4));
  expect(lines.slice(0, 4)).toEqual(['[', '  {', '    "id": 12345678901234567890,', '    "dup": 1,']);
  await shot(page, 'value-large-json-top');

  await traceTasks(page);
  await scrollThrough(view, 40);
  await expect.poll(async () => (await visibleRows(view)).slice(-4)).toEqual(lines.slice(-4));
  expect(lines.slice(-4)).toEqual(['  {', '    "last": true', '  }', ']']);
  await expectNoLongScrollTask(page);
  const dom = await domSize(page);
  expect(dom.rows).toBeLessThan(500);
  expect(dom.longestNode).toBeLessThanOrEqual(1000);
  await shot(page, 'value-large-json-end');

  // Only the rows drawn could be selected; Copy value takes the whole formatted text.
  await page.getByRole('button', { name: 'Copy value' }).click();
  await expect(frame.getByRole('status', { name: 'Copy result' })).toHaveText(`Copied ${formatted.text.length.toLocaleString('en-US')} characters.`);
  const copied = await page.evaluate(async () => {
    const t = await navigator.clipboard.readText();
    return { length: t.length, start: t.slice(0, 200), end: t.slice(-200), lines: t.split('\n').length };
  });
  expect(copied).toEqual({ length: formatted.text.length, start: formatted.text.slice(0, 200), end: formatted.text.slice(-200), lines: lines.length });
});
