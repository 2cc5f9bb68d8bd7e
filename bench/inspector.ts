/**
 * The inspector with a large native store, through the browser host in
 * Debian's Chromium: time from submitting the directory to the first keys
 * rendered, latency of a filter keystroke, long tasks while scrolling the
 * key list top to bottom, and the renderer's JS heap. Needs `npm run build`.
 *
 * The host is the real `kvscope serve`, in its own process as users run it
 * (in the bench's process it would share a heap holding the whole workload,
 * and every garbage collection would pay for it).
 */
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import type { InspectorResult } from './report.js';

const ROOT = resolve(import.meta.dirname, '..');
const CHROMIUM = '/usr/bin/chromium';

declare global {
  interface Window {
    __bench: { submit?: number; firstKeys?: number; longTasks: Array<{ start: number; duration: number }> };
  }
}

/** `kvscope serve` (no directory: the page asks for one) in a child process; resolves with its URL. */
async function startServe(configDir: string): Promise<{ url: string; pid: number; close: () => Promise<void> }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'kvscope.js'), 'serve'], {
    cwd: ROOT,
    env: { ...process.env, XDG_CONFIG_HOME: configDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('http://'));
      if (line) resolveUrl(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`kvscope serve exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    pid: child.pid!,
    close: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

/** Resident memory of a process in MiB (Linux /proc), or NaN. */
function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

export async function measureInspector(dir: string, keys: number): Promise<InspectorResult> {
  const rendererDir = join(ROOT, 'out', 'renderer');
  if (!fs.existsSync(join(rendererDir, 'index.html'))) throw new Error('no built renderer in out/renderer: run `npm run build` first');
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}`);
  const configDir = fs.mkdtempSync(join(tmpdir(), 'kvscope-bench-config-'));
  const host = await startServe(configDir);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--enable-precise-memory-info'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // tsx compiles with keepNames, which wraps functions in __name(): give the page a no-op one.
    await page.addInitScript('window.__name = (f) => f;');
    await page.addInitScript(() => {
      window.__bench = { longTasks: [] };
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__bench.longTasks.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: 'longtask', buffered: true });
      // The moment the Open button is pressed, and the first row showing a real key.
      document.addEventListener(
        'click',
        (e) => {
          const b = (e.target as HTMLElement).closest('button');
          if (b && b.textContent?.trim() === 'Open') window.__bench.submit = performance.now();
        },
        true,
      );
      const mo = new MutationObserver(() => {
        if (window.__bench.firstKeys !== undefined || window.__bench.submit === undefined) return;
        const row = document.querySelector('[role="listbox"][aria-label="Keys"] [role="option"] span:not(.muted)');
        if (row && row.textContent) window.__bench.firstKeys = performance.now();
      });
      document.addEventListener('DOMContentLoaded', () => mo.observe(document.body, { childList: true, subtree: true, characterData: true }));
    });
    await page.goto(host.url);
    await page.getByLabel('Directory').fill(dir);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.waitForFunction(() => window.__bench.firstKeys !== undefined, undefined, { timeout: 120_000 });
    const firstKeysMs = await page.evaluate(() => window.__bench.firstKeys! - window.__bench.submit!);
    await page.waitForTimeout(500);

    // Filter keystroke: one character typed into a filter that already narrows the list; time to the
    // character in the input (echo) and to the key count showing the new filter's result.
    const filter = page.getByLabel('Filter keys');
    await filter.fill('user:0000');
    // The filtered list is shown: the count says "N of M keys" and is no longer waiting for the service.
    await page.waitForFunction(
      () => {
        const count = document.querySelector('[data-testid="key-count"]');
        return !!count && /of/.test(count.textContent ?? '') && count.getAttribute('aria-busy') === 'false';
      },
      undefined,
      { timeout: 60_000 },
    );
    await page.waitForTimeout(300);
    const filterTimes = await page.evaluate(
      () =>
        new Promise<{ echo: number; result: number }>((resolveTimes) => {
          const input = document.querySelector('input[aria-label="Filter keys"]') as HTMLInputElement;
          const count = document.querySelector('[data-testid="key-count"]')!;
          const before = count.textContent;
          let echo = -1;
          const t0 = performance.now();
          const check = () => {
            if (echo < 0 && input.value.endsWith('1')) echo = performance.now() - t0;
            // The new filter's answer, not the 'filtering…' the count says while it waits for it.
            if (count.textContent !== before && count.getAttribute('aria-busy') === 'false') {
              resolveTimes({ echo, result: performance.now() - t0 });
              return;
            }
            requestAnimationFrame(check);
          };
          input.addEventListener('input', () => requestAnimationFrame(check), { once: true });
          // The keystroke as a user makes it: a native value change plus an input event (React listens to it).
          const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
          setter.call(input, `${input.value}1`);
          input.dispatchEvent(new Event('input', { bubbles: true }));
        }),
    );
    await filter.fill('');
    await page.waitForFunction(() => !/ of /.test(document.querySelector('[data-testid="key-count"]')?.textContent ?? ''), undefined, { timeout: 60_000 });
    await page.waitForTimeout(500);

    // Scroll the whole list top to bottom in steps a fast wheel makes, counting long tasks meanwhile.
    const scroll = await page.evaluate(async () => {
      const list = document.querySelector('[role="listbox"][aria-label="Keys"]') as HTMLElement;
      const start = performance.now();
      // At most 600 frames top to bottom (about 10 s at 60 Hz), so a million keys stay practical:
      // every step lands on rows not fetched yet.
      const step = Math.max(list.clientHeight * 3, Math.ceil(list.scrollHeight / 600));
      let steps = 0;
      while (list.scrollTop + list.clientHeight < list.scrollHeight - 1) {
        list.scrollTop += step;
        steps++;
        await new Promise((r) => requestAnimationFrame(() => r(undefined)));
      }
      await new Promise((r) => setTimeout(r, 500));
      const tasks = window.__bench.longTasks.filter((t) => t.start >= start);
      return { steps, rows: Math.max(0, ...[...list.querySelectorAll('[role="option"]')].map((r) => Number(r.id.replace('key-row-', '')) + 1)), tasks: tasks.length, longest: tasks.reduce((m, t) => Math.max(m, t.duration), 0), seconds: (performance.now() - start) / 1000 };
    });
    const heap = await page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? NaN);
    return {
      keys,
      firstKeysMs,
      filterEchoMs: filterTimes.echo,
      filterResultMs: filterTimes.result,
      longTasksWhileScrolling: scroll.tasks,
      longestTaskMs: scroll.longest,
      scrolledRows: scroll.rows,
      rendererHeapMiB: heap / 1024 / 1024,
      hostRssMiB: rssMiB(host.pid),
      chromium: `Chromium ${browser.version()}`,
    };
  } finally {
    await browser.close();
    await host.close();
    fs.rmSync(configDir, { recursive: true, force: true });
  }
}
