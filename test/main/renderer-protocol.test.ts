/**
 * The Electron window's page comes from kvscope://app, served from out/renderer by
 * rendererProtocolHandler (src/main/renderer-protocol.ts) rather than from its file:// URL, whose origin is
 * the whole disk. The handler is what stands between the page and the disk now: it serves the renderer's
 * files and nothing else (no traversal however spelled, no symlink out, no dot-files, no other host or
 * scheme, only GET/HEAD), each answer with the policy that allows no connection.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ELECTRON_CONTENT_SECURITY_POLICY, RENDERER_PAGE_URL, rendererProtocolHandler, rendererSchemePrivileges } from '../../src/main/renderer-protocol.js';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';

const SECRET = 'TOP SECRET beside the renderer';
let base: string;
let handle: (request: Request) => Promise<Response>;

beforeAll(() => {
  base = tempDir();
  const renderer = path.join(base, 'renderer');
  fs.mkdirSync(path.join(renderer, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>kvscope</title>');
  fs.writeFileSync(path.join(renderer, 'assets', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(renderer, '.env'), SECRET);
  fs.writeFileSync(path.join(base, 'secret.txt'), SECRET);
  fs.symlinkSync(path.join(base, 'secret.txt'), path.join(renderer, 'assets', 'link.js'));
  handle = rendererProtocolHandler(renderer);
});

afterAll(cleanTempDirs);

describe('the kvscope://app protocol', () => {
  it('is a standard, secure scheme (not corsEnabled: other origins could read it), and the page is its index.html', () => {
    expect(rendererSchemePrivileges()).toEqual({ scheme: 'kvscope', privileges: { standard: true, secure: true, supportFetchAPI: true } });
    expect(RENDERER_PAGE_URL).toBe('kvscope://app/index.html');
  });

  it('serves the page and its assets, with a policy that allows no connection', async () => {
    const page = await handle(new Request(RENDERER_PAGE_URL));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<title>kvscope</title>');
    expect(page.headers.get('content-security-policy')).toBe(ELECTRON_CONTENT_SECURITY_POLICY);
    expect(ELECTRON_CONTENT_SECURITY_POLICY).toContain("connect-src 'none'");
    expect(ELECTRON_CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const script = await handle(new Request('kvscope://app/assets/app.js?v=1#x'));
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('javascript');
    const head = await handle(new Request('kvscope://app/assets/app.js', { method: 'HEAD' }));
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it.each([
    'kvscope://app/../secret.txt',
    'kvscope://app/%2e%2e/secret.txt',
    'kvscope://app/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    'kvscope://app/assets/..%5c..%5csecret.txt',
    'kvscope://app/%252e%252e/secret.txt',
    'kvscope://app/assets/link.js',
    'kvscope://app/.env',
    'kvscope://app/%00',
    'kvscope://app/index.html%00.js',
    'kvscope://app/' + encodeURIComponent(path.join('/', 'etc', 'passwd')),
    'kvscope://evil/index.html',
    'kvscope://app.evil/index.html',
    'file:///etc/passwd',
  ])('serves nothing else: %s', async (url) => {
    const reply = await handle(new Request(url));
    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(await reply.text()).not.toContain(SECRET);
    expect(reply.headers.get('content-security-policy')).toBe(ELECTRON_CONTENT_SECURITY_POLICY);
  });

  it('answers GET and HEAD only', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) expect((await handle(new Request(RENDERER_PAGE_URL, { method, body: method === 'DELETE' ? undefined : 'x' }))).status).toBe(405);
  });
});
