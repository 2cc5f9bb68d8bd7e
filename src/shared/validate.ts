/**
 * Runtime validation of a request against the contract: the one place every
 * transport (HTTP host, Electron IPC) and the inspector service call before
 * touching a request.
 */
import type { z } from 'zod';
import { isMethodName, requestSchemas, type MethodName, type RequestOf } from './contract.js';
import { ApiError } from './errors.js';

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.map(String).join('.') : 'request';
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

/** Throws ApiError('UNKNOWN_METHOD') for a name the contract does not declare. */
export function assertMethod(name: unknown): MethodName {
  if (!isMethodName(name)) {
    const shown = typeof name === 'string' ? JSON.stringify(name.slice(0, 64)) : typeof name;
    throw new ApiError('UNKNOWN_METHOD', `Unknown method ${shown}`);
  }
  return name;
}

/** Parses a request for `method`; throws ApiError('BAD_REQUEST') with the first problems found. */
export function validateRequest<M extends MethodName>(method: M, raw: unknown): RequestOf<M> {
  const schema = requestSchemas[method] as z.ZodType;
  const parsed = schema.safeParse(raw === undefined ? {} : raw);
  if (!parsed.success) {
    throw new ApiError('BAD_REQUEST', `Invalid ${method} request: ${describeIssues(parsed.error.issues)}`, {
      method,
    });
  }
  return parsed.data as RequestOf<M>;
}
