/**
 * The error shape that crosses every process boundary, and the codes it may
 * carry. Engine error codes pass through unchanged; the inspector and the
 * transports add their own.
 */

export type ErrorCode =
  | 'BAD_REQUEST'
  | 'UNKNOWN_METHOD'
  | 'FORBIDDEN'
  | 'NO_SESSION'
  | 'NO_JOB'
  | 'NOT_FOUND'
  | 'NOT_A_DIRECTORY'
  | 'NOT_A_STORE'
  | 'NOT_WRITABLE'
  | 'LOCKED'
  | 'READ_ONLY'
  | 'TOO_LARGE'
  | 'CORRUPT'
  | 'FORMAT_VERSION'
  | 'CLOSED'
  | 'ABORTED'
  | 'BUSY'
  | 'NOT_SUPPORTED'
  | 'IO'
  | 'INTERNAL';

export interface ApiErrorShape {
  code: ErrorCode | string;
  message: string;
  details?: Record<string, unknown>;
}

/** An error that is meant to be shown to a person and sent over the wire as-is. */
export class ApiError extends Error implements ApiErrorShape {
  constructor(
    readonly code: ErrorCode | string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toJSON(): ApiErrorShape {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static fromShape(shape: ApiErrorShape): ApiError {
    return new ApiError(shape.code, shape.message, shape.details);
  }
}

export function isApiErrorShape(value: unknown): value is ApiErrorShape {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ApiErrorShape).code === 'string' &&
    typeof (value as ApiErrorShape).message === 'string'
  );
}

/** What a transport sends back for one call: a value or an error, never a thrown exception. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ApiErrorShape };

/**
 * Electron's contextBridge keeps only an Error's message when a promise
 * rejects across it, so the preload packs the whole error shape into the
 * message and the renderer unpacks it.
 */
const BRIDGE_PREFIX = 'kvscope-error:';

export function encodeBridgeError(shape: ApiErrorShape): string {
  return BRIDGE_PREFIX + JSON.stringify(shape);
}

/** Any rejection reason as an ApiError (unpacking bridge-encoded messages). */
export function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (isApiErrorShape(err) && !(err instanceof Error)) return ApiError.fromShape(err);
  const message = err instanceof Error ? err.message : String(err);
  const at = message.indexOf(BRIDGE_PREFIX);
  if (at >= 0) {
    try {
      const shape = JSON.parse(message.slice(at + BRIDGE_PREFIX.length)) as unknown;
      if (isApiErrorShape(shape)) return ApiError.fromShape(shape);
    } catch {
      // fall through
    }
  }
  return new ApiError('INTERNAL', message);
}
