import { request as httpRequest, type Agent } from 'node:http';

export interface Reply {
  status: number;
  body: string;
}

export interface SendOptions {
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** One HTTP request to 127.0.0.1:port; resolves with the status and the body as text. */
export function httpSend(port: number, opts: SendOptions, defaults: { method: string; agent?: Agent }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: opts.path, method: opts.method ?? defaults.method, headers: opts.headers, agent: defaults.agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}
