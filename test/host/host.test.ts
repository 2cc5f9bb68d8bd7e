import { request as httpRequest } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Store } from '../../src/engine/store.js';
import { startHost, type RunningHost } from '../../src/host/index.js';
import { httpSend } from '../reliability/http-send.js';

let base: string;
let storeDir: string;
let host: RunningHost;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request (fetch would not let us forge Host). */
function send(opts: { path: string; method?: string; headers?: Record<string, string>; body?: string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: host.port, path: opts.path, method: opts.method ?? 'GET', headers: opts.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

function api(method: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return send({
    path: `/api/${method}`,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-kvscope-token': host.token, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'kvscope-host-'));
  const renderer = join(base, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>kvscope</title>');
  writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(renderer, '.env'), 'SECRET=dotfile');
  writeFileSync(join(base, 'secret.txt'), 'TOP SECRET outside the renderer');
  symlinkSync(join(base, 'secret.txt'), join(renderer, 'assets', 'link.txt'));
  storeDir = join(base, 'store');
  const store = await Store.open(storeDir, { create: true });
  await store.put('greeting', 'hello');
  await store.close();
  host = await startHost({ rendererDir: renderer, configDir: join(base, 'config'), readWrite: true });
});

afterAll(async () => {
  await host.close();
  rmSync(base, { recursive: true, force: true });
});

describe('browser host', () => {
  it('binds 127.0.0.1 and prints a URL carrying the token', () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${host.token}`);
    expect(host.token.length).toBeGreaterThanOrEqual(32);
  });

  it('refuses to bind anything but 127.0.0.1', async () => {
    await expect(startHost({ host: '0.0.0.0' as '127.0.0.1' })).rejects.toThrow(/127\.0\.0\.1/);
  });

  it('serves the page only with the token, then via its cookie, with a strict CSP', async () => {
    expect((await send({ path: '/' })).status).toBe(403);
    expect((await send({ path: '/?token=wrong' })).status).toBe(403);
    const page = await send({ path: `/?token=${host.token}` });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>kvscope</title>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const cookie = String(page.headers['set-cookie']).split(';')[0]!;
    expect(cookie).toBe(`kvscope_token=${host.token}`);
    const asset = await send({ path: '/assets/app.js', headers: { cookie } });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toContain('javascript');
  });

  it('requires the token header on every API call (a cookie is not enough)', async () => {
    const noToken = await send({ path: '/api/formats', method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(noToken.status).toBe(403);
    expect(JSON.parse(noToken.body)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect((await api('formats', {}, { 'x-kvscope-token': 'nope' })).status).toBe(403);
    const cookieOnly = await send({
      path: '/api/formats',
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `kvscope_token=${host.token}` },
      body: '{}',
    });
    expect(cookieOnly.status).toBe(403);
    const ok = await api('formats', {});
    expect(ok.status).toBe(200);
    const { value } = JSON.parse(ok.body) as { value: { formats: { id: string; writable: boolean }[] } };
    expect(value.formats[0]).toMatchObject({ id: 'kvscope', writable: true });
    expect(value.formats.slice(1).every((f) => !f.writable)).toBe(true);
  });

  it('refuses a foreign Host or Origin (DNS rebinding) even with the token', async () => {
    const evilHost = await api('formats', {}, { host: `evil.example:${host.port}` });
    expect(evilHost.status).toBe(403);
    expect((await send({ path: `/?token=${host.token}`, headers: { host: 'evil.example' } })).status).toBe(403);
    expect((await api('formats', {}, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await api('formats', {}, { origin: 'null' })).status).toBe(403);
    expect((await api('formats', {}, { origin: `http://127.0.0.1:${host.port}` })).status).toBe(200);
    expect((await api('formats', {}, { host: `localhost:${host.port}`, origin: `http://localhost:${host.port}` })).status).toBe(200);
  });

  it.each([
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/assets/%2e%2e/%2e%2e/secret.txt',
    '/..%5csecret.txt',
    '/.env',
    '/assets/link.txt',
    '/%00',
    '/%E0%A4%A',
    '/nope.js',
  ])('serves nothing outside the renderer: %s', async (path) => {
    const reply = await send({ path: path + (path.includes('?') ? '&' : '?') + `token=${host.token}` });
    expect(reply.status).not.toBe(200);
    expect(reply.body).not.toContain('SECRET');
  });

  it('validates every request against the contract', async () => {
    const badJson = await api('formats', '{not json');
    expect(badJson.status).toBe(400);
    expect(JSON.parse(badJson.body).error.code).toBe('BAD_REQUEST');
    const wrongType = await api('openStore', { path: 7 });
    expect(JSON.parse(wrongType.body)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(JSON.parse((await api('openStore', { path: 'store' })).body).error.code).toBe('BAD_REQUEST');
    expect(JSON.parse((await api('openStore', { path: '/tmp/a\u0000b' })).body).error.code).toBe('BAD_REQUEST');
    expect(JSON.parse((await api('openStore', { path: '/' + 'x'.repeat(10_000) })).body).error.code).toBe('BAD_REQUEST');
    const unknown = await api('rmrf', {});
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body).error.code).toBe('UNKNOWN_METHOD');
    const get = await send({ path: '/api/formats', headers: { 'x-kvscope-token': host.token } });
    expect(JSON.parse(get.body).error.code).toBe('BAD_REQUEST');
    const form = await api('formats', {}, { 'content-type': 'text/plain' });
    expect(JSON.parse(form.body).error.code).toBe('BAD_REQUEST');
  });

  it('validates copyStore requests, and answers a copy into a directory that holds something with BAD_REQUEST', async () => {
    const opened = JSON.parse((await api('openStore', { path: storeDir })).body);
    const sessionId: string = opened.value.sessionId;
    const target = join(base, 'copy-target');
    for (const body of [
      { sessionId },
      { sessionId, to: 'relative/copy' },
      { sessionId, to: 7 },
      { sessionId, to: '' },
      { sessionId, to: `${target}\u0000x` },
      { sessionId, to: '/' + 'x'.repeat(10_000) },
      { sessionId, to: target, overwrite: true },
      { to: target },
      { sessionId: '../s', to: target },
    ]) {
      const reply = await api('copyStore', body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(JSON.parse(reply.body), JSON.stringify(body)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    const full = await api('copyStore', { sessionId, to: join(base, 'renderer') });
    expect(JSON.parse(full.body)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: `${join(base, 'renderer')} is not empty; name a new or empty directory` } });
    const started = JSON.parse((await api('copyStore', { sessionId, to: target })).body);
    expect(started).toMatchObject({ ok: true, value: { jobId: expect.stringMatching(/^job_/) } });
    await api('closeStore', { sessionId });
  });

  it('validates exportKeys requests, and answers a file already there with BAD_REQUEST naming it', async () => {
    const opened = JSON.parse((await api('openStore', { path: storeDir })).body);
    const sessionId: string = opened.value.sessionId;
    const path = join(base, 'keys.jsonl');
    for (const body of [
      { sessionId },
      { sessionId, path: 'keys.jsonl' },
      { sessionId, path: 7 },
      { sessionId, path: `${path}\u0000x` },
      { sessionId, path, overwrite: false },
      { sessionId, path, overwrite: 'yes' },
      { sessionId, path, filter: { mode: 'regex', pattern: '.*' } },
      { sessionId, path, filter: { mode: 'prefix' } },
      { sessionId, path, filter: { mode: 'glob', pattern: '[' } },
      { sessionId, path, append: true },
      { path },
    ]) {
      const reply = await api('exportKeys', body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(JSON.parse(reply.body), JSON.stringify(body)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    const there = await api('exportKeys', { sessionId, path: join(base, 'secret.txt') });
    expect(JSON.parse(there.body)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', details: { exists: true } } });
    const started = JSON.parse((await api('exportKeys', { sessionId, path })).body);
    expect(started).toMatchObject({ ok: true, value: { jobId: expect.stringMatching(/^job_/) } });
    await api('closeStore', { sessionId });
  });

  it('validates importFile requests; a read-only session is READ_ONLY', async () => {
    const opened = JSON.parse((await api('openStore', { path: storeDir })).body);
    const sessionId: string = opened.value.sessionId;
    const path = join(base, 'secret.txt');
    for (const body of [{ sessionId }, { sessionId, path: 'in.jsonl' }, { sessionId, path: ['/tmp/a'] }, { sessionId, path: `${path}\u0000` }, { sessionId, path, overwrite: true }, { path }]) {
      const reply = await api('importFile', body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(JSON.parse(reply.body), JSON.stringify(body)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    expect(JSON.parse((await api('importFile', { sessionId, path })).body)).toMatchObject({ ok: false, error: { code: 'READ_ONLY' } });
    await api('closeStore', { sessionId });
  });

  it('has no native chooser: chooseFile and chooseDirectory answer NOT_SUPPORTED, a bad chooseFile request BAD_REQUEST', async () => {
    for (const mode of ['save', 'open']) {
      const reply = JSON.parse((await api('chooseFile', { mode })).body);
      expect(reply).toMatchObject({ ok: false, error: { code: 'NOT_SUPPORTED', message: 'No native file picker here: type the file path instead' } });
    }
    expect(JSON.parse((await api('chooseDirectory', {})).body)).toMatchObject({ ok: false, error: { code: 'NOT_SUPPORTED' } });
    for (const body of [{ mode: 'delete' }, {}, { mode: 'open', path: '/etc/passwd' }]) {
      const reply = await api('chooseFile', body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(JSON.parse(reply.body), JSON.stringify(body)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
  });

  it('opens a path with ".." segments as the directory they name', async () => {
    const opened = JSON.parse((await api('openStore', { path: `${storeDir}/../store` })).body);
    expect(opened).toMatchObject({ ok: true, value: { path: storeDir, readOnly: true } });
    await api('closeStore', { sessionId: opened.value.sessionId });
  });

  it('answers 404 NO_JOB when asked to cancel a job it never started', async () => {
    const reply = await api('cancelJob', { jobId: 'job_ffffffffffffffff' });
    expect(reply.status).toBe(404);
    expect(JSON.parse(reply.body)).toMatchObject({ ok: false, error: { code: 'NO_JOB' } });
  });

  it('pushes events over a WebSocket that also needs the token and our Origin', async () => {
    const wsUrl = `ws://127.0.0.1:${host.port}/events`;
    const refused = (url: string, origin?: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url, origin ? { origin } : {});
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('error', () => undefined);
      });
    expect(await refused(wsUrl)).toBe(403);
    expect(await refused(`${wsUrl}?token=${host.token}`, 'http://evil.example')).toBe(403);

    const ws = new WebSocket(`${wsUrl}?token=${host.token}`, { origin: `http://127.0.0.1:${host.port}` });
    await new Promise((resolve, reject) => {
      ws.on('open', resolve);
      ws.on('error', reject);
    });
    const message = new Promise<unknown>((resolve) => ws.once('message', (data) => resolve(JSON.parse(String(data)))));
    const opened = JSON.parse((await api('openStore', { path: storeDir, readWrite: true })).body);
    expect(opened).toMatchObject({ ok: true, value: { readOnly: false } });
    const put = await api('putValue', { sessionId: opened.value.sessionId, key: 'k', valueBase64: 'dg==' });
    expect(JSON.parse(put.body).ok).toBe(true);
    expect(await message).toEqual({ type: 'store-changed', sessionId: opened.value.sessionId });
    ws.close();
    await api('closeStore', { sessionId: opened.value.sessionId });
  });
});

describe('a page that is gone', () => {
  const pageA = 'pageAAAAAAAAAAAA';
  const pageB = 'pageBBBBBBBBBBBB';

  it('has its stores closed, and their writer locks released, once its WebSocket stays away', async () => {
    const dir = join(base, 'store-pages');
    const store = await Store.open(dir, { create: true });
    await store.put('k', 'v');
    await store.close();
    const other = await startHost({ rendererDir: join(base, 'renderer'), configDir: join(base, 'config-pages'), readWrite: true, pageGraceMs: 50 });
    const call = async (
      page: string,
      method: string,
      body: unknown,
    ): Promise<{ status: number; body: { ok: boolean; value?: { sessionId: string; readOnly: boolean }; error?: { code: string; message: string } } }> => {
      const headers = { 'content-type': 'application/json', 'x-kvscope-token': other.token, 'x-kvscope-page': page };
      const reply = await httpSend(other.port, { path: `/api/${method}`, headers, body: JSON.stringify(body) }, { method: 'POST' });
      return { status: reply.status, body: JSON.parse(reply.body) };
    };
    const socket = async (page: string) => {
      const ws = new WebSocket(`ws://127.0.0.1:${other.port}/events?token=${other.token}&page=${page}`, { origin: `http://127.0.0.1:${other.port}` });
      await new Promise((resolve, reject) => {
        ws.on('open', resolve);
        ws.on('error', reject);
      });
      return ws;
    };
    try {
      const wsA = await socket(pageA);
      const a = await call(pageA, 'openStore', { path: dir, readWrite: true });
      expect(a.body.value!.readOnly).toBe(false);
      const wsB = await socket(pageB);
      const b = await call(pageB, 'openStore', { path: dir });
      const refused = await call(pageB, 'setMode', { sessionId: b.body.value!.sessionId, readWrite: true });
      expect(refused).toMatchObject({ status: 409, body: { error: { code: 'LOCKED' } } });
      // Page A's browser dies: its socket drops without a closeStore.
      wsA.terminate();
      // Asked until the lock is free (a 50 ms grace here), at most 500 times.
      let switched;
      for (let tries = 0; tries < 500; tries++) {
        await new Promise((r) => setTimeout(r, 20));
        switched = await call(pageB, 'setMode', { sessionId: b.body.value!.sessionId, readWrite: true });
        if (switched.status !== 409) break;
      }
      expect(switched).toMatchObject({ status: 200, body: { value: { readOnly: false } } });
      expect(await call(pageA, 'stats', { sessionId: a.body.value!.sessionId })).toMatchObject({ status: 404, body: { error: { code: 'NO_SESSION' } } });
      // Page B, still connected, keeps its session.
      expect((await call(pageB, 'stats', { sessionId: b.body.value!.sessionId })).status).toBe(200);
      wsB.close();
    } finally {
      await other.close();
    }
  });
});
