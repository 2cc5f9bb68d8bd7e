/**
 * The browser host's perimeter, beyond test/host/host.test.ts: it listens on
 * 127.0.0.1 only (not on other interfaces, not on ::1); the API takes the
 * token from the header only (not the query, not a cookie); Host and Origin
 * are checked on every route including the WebSocket, with no Host at all and
 * with look-alike names, and a request target that does not parse neither
 * ends the host nor gets past it; the static server does not follow a directory
 * symlink out of the renderer, nor double-encoded, overlong-UTF-8 or
 * backslash traversal, nor serve dot-directories; and no API method reads a
 * file outside the store it was pointed at: every string field of every
 * read-only method is tried with paths to a secret next to the store.
 */
import { connect } from 'node:net';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Store } from '../../src/engine/store.js';
import { startHost, type RunningHost } from '../../src/host/index.js';
import { METHOD_NAMES, requestSchemas, type MethodName } from '../../src/shared/contract.js';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';
import { snapshot } from './snapshot.js';
import { httpSend, type Reply, type SendOptions } from './http-send.js';

let base: string;
let storeDir: string;
let host: RunningHost;
const SECRET = 'TOP SECRET next to the store';

function raw(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(host.port, '127.0.0.1', () => socket.end(text));
    let out = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (out += d));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
  });
}

const send = (opts: SendOptions): Promise<Reply> => httpSend(host.port, opts, { method: 'GET' });

const api = (method: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> =>
  send({ path: `/api/${method}`, method: 'POST', headers: { 'content-type': 'application/json', 'x-kvscope-token': host.token, ...headers }, body: JSON.stringify(body) });

beforeAll(async () => {
  base = tempDir();
  const renderer = path.join(base, 'renderer');
  fs.mkdirSync(path.join(renderer, 'assets'), { recursive: true });
  fs.mkdirSync(path.join(renderer, '.git'));
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>kvscope</title>');
  fs.writeFileSync(path.join(renderer, 'assets', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(renderer, '.git', 'config'), SECRET);
  fs.writeFileSync(path.join(base, 'secret.txt'), SECRET);
  fs.mkdirSync(path.join(base, 'outside'));
  fs.writeFileSync(path.join(base, 'outside', 'page.html'), SECRET);
  fs.symlinkSync(path.join(base, 'outside'), path.join(renderer, 'assets', 'dirlink'));
  fs.symlinkSync(path.join(renderer, 'assets', 'app.js'), path.join(renderer, 'assets', 'inside-link.js'));
  storeDir = path.join(base, 'store');
  const store = await Store.open(storeDir, { create: true, segmentSize: 200 });
  for (let i = 0; i < 10; i++) await store.put(`greeting${i % 3}`, `hello ${i}`);
  await store.close();
  fs.writeFileSync(path.join(storeDir, 'notes.txt'), SECRET); // a non-store file inside the store directory
  // Read-only host: every method tried below can only read.
  host = await startHost({ rendererDir: renderer, configDir: path.join(base, 'config') });
});

afterAll(async () => {
  await host.close();
  cleanTempDirs();
});

describe('browser host perimeter', () => {
  it('listens on 127.0.0.1 only: not on ::1, not on any other interface address', async () => {
    const attempt = (address: string, family?: number): Promise<string> =>
      new Promise((resolve) => {
        const s = connect({ host: address, port: host.port, ...(family ? { family } : {}) });
        s.on('connect', () => {
          s.destroy();
          resolve('connected');
        });
        s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      });
    expect(await attempt('127.0.0.1')).toBe('connected');
    expect(await attempt('::1', 6)).not.toBe('connected');
    const others = Object.values(os.networkInterfaces())
      .flat()
      .filter((a): a is os.NetworkInterfaceInfo => !!a && !a.internal)
      .map((a) => a.address);
    for (const address of others) expect(await attempt(address), address).not.toBe('connected');
  });

  it('the API takes the token from the header only', async () => {
    const q = await send({ path: `/api/formats?token=${host.token}`, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(q.status).toBe(403);
    const both = await send({ path: '/api/formats', method: 'POST', headers: { 'content-type': 'application/json', cookie: `kvscope_token=${host.token}`, 'x-kvscope-token': host.token.toUpperCase() }, body: '{}' });
    expect(both.status).toBe(403);
    expect((await api('formats', {})).status).toBe(200);
  });

  it('Host and Origin: no Host, look-alike hosts and origins are refused on every route', async () => {
    // HTTP/1.0 without a Host header.
    const noHost = await raw(`POST /api/formats HTTP/1.0\r\nContent-Type: application/json\r\nX-Kvscope-Token: ${host.token}\r\nContent-Length: 2\r\n\r\n{}`);
    expect(noHost.split('\r\n')[0]).toMatch(/ 403 /);
    for (const h of ['127.0.0.1', `127.0.0.1:${host.port + 1}`, `localhost.:${host.port}`, `127.0.0.1.nip.io:${host.port}`, `0.0.0.0:${host.port}`, `[::1]:${host.port}`, `127.1:${host.port}`]) {
      expect((await api('formats', {}, { host: h })).status, h).toBe(403);
      expect((await send({ path: `/?token=${host.token}`, headers: { host: h } })).status, h).toBe(403);
    }
    for (const o of [`http://127.0.0.1:${host.port}.evil.example`, `https://127.0.0.1:${host.port}`, `http://127.0.0.1:${host.port + 1}`, 'file://', `http://evil.example#http://127.0.0.1:${host.port}`]) {
      expect((await api('formats', {}, { origin: o })).status, o).toBe(403);
    }
    // Our own names, in either spelling, pass.
    expect((await api('formats', {}, { host: `LOCALHOST:${host.port}`, origin: `http://localhost:${host.port}` })).status).toBe(200);
    const ws = (headers: Record<string, string>): Promise<number> =>
      new Promise((resolve) => {
        const c = new WebSocket(`ws://127.0.0.1:${host.port}/events?token=${host.token}`, { headers });
        c.on('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
        c.on('open', () => {
          c.close();
          resolve(101);
        });
        c.on('error', () => undefined);
      });
    expect(await ws({ host: `evil.example:${host.port}` })).toBe(403);
    expect(await ws({})).toBe(101);
  });

  it('a request target that does not parse is refused, on a WebSocket upgrade too, and the host keeps serving', async () => {
    // new URL() threw on it outside any handler in the upgrade listener: no token, no Origin needed to end the host.
    for (const target of ['http://[', '//[/events', 'http://a:b:c/events']) {
      const upgrade = await raw(
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
      );
      expect(upgrade.split('\r\n')[0], target).toMatch(/ 403 /);
      const plain = await raw(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nConnection: close\r\n\r\n`);
      expect(plain.split('\r\n')[0], target).toMatch(/ 400 /);
    }
    expect((await api('formats', {})).status).toBe(200);
  });

  it('request bodies: prototype keys, out-of-range numbers and deep nesting are BAD_REQUEST; API answers are not cached, sniffed or framed, and carry no CORS header', async () => {
    const opened = JSON.parse((await api('openStore', { path: storeDir })).body) as { value: { sessionId: string } };
    const sessionId = opened.value.sessionId;
    const text = (method: string, body: string) =>
      send({ path: `/api/${method}`, method: 'POST', headers: { 'content-type': 'application/json', 'x-kvscope-token': host.token }, body });
    const bodies: Array<[string, string]> = [
      ['formats', '{"__proto__":{"polluted":true}}'],
      ['stats', `{"sessionId":"${sessionId}","constructor":{"prototype":{"polluted":true}}}`],
      ['listKeys', `{"sessionId":"${sessionId}","offset":0,"limit":1,"filter":{"mode":"prefix","pattern":"","__proto__":{"polluted":true}}}`],
      ['readBytes', `{"sessionId":"${sessionId}","file":"000001.data","offset":1e400,"length":1}`],
      ['readBytes', `{"sessionId":"${sessionId}","file":"000001.data","offset":-1,"length":1}`],
      ['readBytes', `{"sessionId":"${sessionId}","file":"000001.data","offset":0.5,"length":1}`],
      ['readBytes', `{"sessionId":"${sessionId}","file":"000001.data","offset":0,"length":${1024 * 1024}}`],
      ['listKeys', `{"sessionId":"${sessionId}","offset":1e300,"limit":1}`],
      ['openStore', `{"path":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`],
      ['formats', `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`],
    ];
    for (const [method, body] of bodies) {
      const reply = await text(method, body);
      expect(reply.status, body.slice(0, 80)).toBe(400);
      expect(JSON.parse(reply.body).error.code).toBe('BAD_REQUEST');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const preflight = await raw(
      `OPTIONS /api/formats HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nOrigin: http://evil.example\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: x-kvscope-token\r\nConnection: close\r\n\r\n`,
    );
    expect(preflight.split('\r\n')[0]).toMatch(/ 403 /);
    const answered = await raw(`POST /api/formats HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nContent-Type: application/json\r\nX-Kvscope-Token: ${host.token}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);
    expect(answered.split('\r\n')[0]).toMatch(/ 200 /);
    for (const reply of [preflight, answered]) {
      const head = reply.split('\r\n\r\n')[0]!.toLowerCase();
      expect(head).not.toContain('access-control-');
      // API answers and refusals carry the page's headers too: not cached, not sniffed, not framed.
      for (const h of ['cache-control: no-store', 'x-content-type-options: nosniff', 'x-frame-options: deny', "frame-ancestors 'none'", 'referrer-policy: no-referrer']) expect(head).toContain(h);
    }
    await api('closeStore', { sessionId });
  });

  it.each([
    '/assets/dirlink/page.html', // a directory symlink leading out of the renderer
    '/assets/dirlink/../../secret.txt',
    '/%252e%252e/secret.txt', // double-encoded
    '/%c0%ae%c0%ae/secret.txt', // overlong UTF-8 dots
    '/assets%2f..%2f..%2fsecret.txt',
    '/assets\\..\\..\\secret.txt',
    '//etc/passwd',
    '/%2fetc%2fpasswd',
    '/.git/config',
    '/assets/./../.git/config',
    '/index.html%00.js',
  ])('static files: %s is not served', async (p) => {
    const reply = await send({ path: p + `?token=${host.token}` });
    expect(reply.status).not.toBe(200);
    expect(reply.body).not.toContain(SECRET);
  });

  it('static files: a symlink that stays inside the renderer is served', async () => {
    const reply = await send({ path: `/assets/inside-link.js?token=${host.token}` });
    expect(reply.status).toBe(200);
  });

  it('no method reads a file outside the store: every string field of every method tried with paths to a secret', async () => {
    const opened = JSON.parse((await api('openStore', { path: storeDir })).body) as { ok: boolean; value: { sessionId: string } };
    expect(opened.ok).toBe(true);
    const sessionId = opened.value.sessionId;
    const before = snapshot(base);
    const secrets = [path.join(base, 'secret.txt'), '../secret.txt', '../../secret.txt', 'notes.txt', `${storeDir}/notes.txt`, 'config/recent.json', '../config/recent.json', path.join(base, 'outside')];
    let tried = 0;
    for (const method of METHOD_NAMES as readonly MethodName[]) {
      const shape = ((requestSchemas[method] as unknown as { shape?: Record<string, { safeParse(v: unknown): { success: boolean } }> }).shape ?? {});
      const fields = Object.keys(shape);
      // A plausible request: the session, small numbers, the first file of the store, a key.
      const plausible: Record<string, unknown> = {};
      for (const f of fields) {
        const candidates: unknown[] = f === 'sessionId' ? [sessionId] : f === 'key' ? ['greeting1'] : f === 'file' ? ['000001.data'] : [0, 1, 100, 'x', false, undefined];
        const ok = candidates.find((c) => shape[f]!.safeParse(c).success);
        if (ok !== undefined) plausible[f] = ok;
      }
      for (const f of fields) {
        if (f === 'sessionId') continue;
        for (const s of secrets) {
          if (!shape[f]!.safeParse(s).success && !shape[f]!.safeParse('/x').success && !shape[f]!.safeParse('x').success) continue; // not a string field
          const reply = await api(method, { ...plausible, [f]: s });
          tried++;
          expect(reply.body, `${method}.${f} = ${s}`).not.toContain(SECRET);
          expect(reply.body, `${method}.${f} = ${s}`).not.toContain(Buffer.from(SECRET).toString('base64').slice(0, 16));
        }
      }
    }
    expect(tried).toBeGreaterThan(20);
    // Nothing changed but the recent list a successful openStore may update.
    const after = snapshot(base);
    for (const k of Object.keys({ ...before, ...after })) if (!k.startsWith('config')) expect(after[k], k).toBe(before[k]);
    await api('closeStore', { sessionId });
  });
});
