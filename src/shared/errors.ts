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
