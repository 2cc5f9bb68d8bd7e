/**
 * The page's Content-Security-Policy, tried in Chromium on the built page (out/renderer).
 *
 * Electron loaded the page from its file:// URL (it now uses kvscope://app, test/main/renderer-protocol.test.ts),
 * and Electron (its GrantFileProtocolExtraPrivileges fuse, on unless an app turns it off) lets a file:// page
 * fetch, XHR and frame other file:// URLs, as Chromium does with --allow-file-access-from-files. A CSP 'self' on
 * a file:// page matches every file:// URL, so the page's old policy (default-src, connect-src and img-src
 * 'self') let a renderer that ran something it should not read any file on disk: fetch('file:///etc/passwd').
 * The page's policy names 'self' for its own scripts and styles only, so it holds wherever it is loaded from.
 * Under the browser host, the host's header narrows connections to its own port: the old ws://127.0.0.1:* let
 * the page open a WebSocket to any other server on the machine.
 */
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from '@playwright/test';
import { WebSocketServer } from 'ws';
import { CHROMIUM_PATH } from '../playwright.config.js';
import { test, expect, openFromScreen, RENDERER_DIR, shot } from './fixtures.js';

const SECRET = 'TOP SECRET on the disk';

// Electron's file:// privileges, in Chromium.
test.use({ launchOptions: { executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-gpu', '--allow-file-access-from-files'] } });

/** What a script on the page gets when it tries to read `url` by fetch, XHR, an iframe and an image. */
function tryToRead(page: Page, url: string): Promise<Record<string, string>> {
  return page.evaluate(async (target) => {
    const out: Record<string, string> = {};
    try {
      out.fetch = await (await fetch(target)).text();
    } catch (err) {
      out.fetch = `refused: ${(err as Error).message}`;
    }
    out.xhr = await new Promise<string>((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.onload = () => resolve(xhr.responseText);
      xhr.onerror = () => resolve('refused');
      try {
        xhr.open('GET', target);
        xhr.send();
      } catch (err) {
        resolve(`refused: ${(err as Error).message}`);
      }
    });
    out.iframe = await new Promise<string>((resolve) => {
      const frame = document.createElement('iframe');
      frame.onload = () => {
        try {
          resolve(frame.contentDocument?.body?.innerText ?? 'refused (no document)');
        } catch (err) {
          resolve(`refused: ${(err as Error).message}`);
        }
      };
      // A bound on waiting: a refused frame loads (an error page whose document is not ours) at once; a frame that
      // reads the file may take long on a loaded machine, and must not be taken for refused (the control expects it read).
      setTimeout(() => resolve('refused (never loaded)'), 20_000);
      frame.src = target;
      document.body.appendChild(frame);
    });
    return out;
  }, url);
}

test('the built page, loaded from file:// with Electron’s file privileges, runs but reads no other file on disk', async ({ page }) => {
  const tmp = mkdtempSync(join(tmpdir(), 'kvscope-csp-'));
  try {
    const secret = join(tmp, 'secret.txt');
    writeFileSync(secret, SECRET);
    const secretUrl = pathToFileURL(secret).href;
    // Control: a file:// page without the policy does read it here, as in Electron.
    writeFileSync(join(tmp, 'plain.html'), '<!doctype html><title>plain</title><body></body>');
    await page.goto(pathToFileURL(join(tmp, 'plain.html')).href);
    expect(await tryToRead(page, secretUrl)).toEqual({ fetch: SECRET, xhr: SECRET, iframe: SECRET });

    // What the Electron preload exposes, answering the open screen's first questions (a store is not needed here).
    await page.addInitScript(() => {
      const answers: Record<string, unknown> = { listRecent: { entries: [] }, formats: { formats: [] } };
      (window as unknown as { kvscope: unknown }).kvscope = new Proxy(
        { onEvent: () => () => undefined },
        {
          get: (target: Record<string, unknown>, name: string) =>
            target[name] ?? ((): Promise<unknown> => (name in answers ? Promise.resolve(answers[name]) : Promise.reject(new Error(`${name}: not in this test`)))),
        },
      );
    });
    await page.goto(pathToFileURL(join(RENDERER_DIR, 'index.html')).href);
    // The page's own script and styles load under its policy: the app draws its open screen, styled.
    await expect(page.getByLabel('Directory')).toBeVisible();
    expect(await page.evaluate(() => document.styleSheets.length)).toBeGreaterThan(0);
    const refused = expect.stringMatching(/^refused/);
    expect(await tryToRead(page, secretUrl)).toEqual({ fetch: refused, xhr: refused, iframe: refused });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('the page served by the browser host works, and reaches no other server on the machine', async ({ page, kv }) => {
  let knocks = 0;
  const other = createServer((_req, res) => {
    knocks++;
    res.end('other');
  });
  const sockets = new WebSocketServer({ server: other });
  sockets.on('connection', () => knocks++);
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  const port = (other.address() as { port: number }).port;
  try {
    await page.goto(kv.url);
    await openFromScreen(page, kv.dir); // its API calls and its own /events WebSocket are allowed
    await shot(page, 'csp-host-page');
    const tried = await page.evaluate(async (p) => {
      const ws = await new Promise<string>((resolve) => {
        try {
          const s = new WebSocket(`ws://127.0.0.1:${p}/`);
          s.onopen = () => resolve('open');
          s.onerror = () => resolve('refused');
        } catch (err) {
          resolve(`refused: ${(err as Error).message}`);
        }
      });
      const http = await fetch(`http://127.0.0.1:${p}/`).then(
        (r) => r.text(),
        (err: Error) => `refused: ${err.message}`,
      );
      return { ws, http };
    }, port);
    expect(tried.ws).toMatch(/^refused/);
    expect(tried.http).toMatch(/^refused/);
    expect(knocks).toBe(0);
  } finally {
    for (const client of sockets.clients) client.terminate();
    sockets.close();
    other.closeAllConnections();
    await new Promise<void>((resolve) => other.close(() => resolve()));
  }
});
