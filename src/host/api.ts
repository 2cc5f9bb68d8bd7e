/**
 * POST /api/<method>: reads a JSON body, lets the inspector validate and run
 * it, and answers with the contract's envelope ({ok, value} | {ok, error}).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LIMITS } from '../shared/contract.js';
import { ApiError, type Envelope } from '../shared/errors.js';
import { assertMethod } from '../shared/validate.js';
import type { InspectorService } from '../inspector/service.js';
import { toApiError } from '../inspector/errors.js';

/** Largest body accepted: a maximal putValue plus its JSON wrapping. */
export const MAX_BODY_BYTES = LIMITS.valueBase64Chars + LIMITS.keyChars * 6 + 4096;

const STATUS: Record<string, number> = {
  BAD_REQUEST: 400,
  FORBIDDEN: 403,
  UNKNOWN_METHOD: 404,
  NOT_FOUND: 404,
  NO_SESSION: 404,
  NO_JOB: 404,
  LOCKED: 409,
  READ_ONLY: 409,
  NOT_WRITABLE: 409,
  BUSY: 409,
  TOO_LARGE: 413,
  INTERNAL: 500,
};

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: ApiError, headers: Record<string, string> = {}): void {
  const envelope: Envelope<never> = { ok: false, error: error.toJSON() };
  sendJson(res, STATUS[error.code] ?? 422, envelope, headers);
}

async function readBody(req: IncomingMessage): Promise<string> {
  // A declared length over the limit is refused before a byte of the body is read.
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new ApiError('TOO_LARGE', `Request body of ${declared} bytes is larger than the limit of ${MAX_BODY_BYTES}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new ApiError('TOO_LARGE', 'Request body is too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function handleApi(
  service: InspectorService,
  methodName: string,
  req: IncomingMessage,
  res: ServerResponse,
  headers: Record<string, string>,
  /** Called with the validated-and-answered call before the answer is sent (the host's page bookkeeping). */
  onSuccess?: (method: string, request: unknown, value: unknown) => void,
): Promise<void> {
  try {
    if (req.method !== 'POST') throw new ApiError('BAD_REQUEST', 'Use POST for API calls');
    const contentType = req.headers['content-type'] ?? '';
    if (!contentType.toLowerCase().startsWith('application/json')) {
      throw new ApiError('BAD_REQUEST', 'Content-Type must be application/json');
    }
    const method = assertMethod(methodName);
    const text = await readBody(req);
    let body: unknown;
    try {
      body = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      throw new ApiError('BAD_REQUEST', 'Request body is not valid JSON');
    }
    const value = await service.dispatch(method, body);
    onSuccess?.(method, body, value);
    sendJson(res, 200, { ok: true, value } satisfies Envelope<unknown>, headers);
  } catch (err) {
    sendError(res, toApiError(err), headers);
  }
}
