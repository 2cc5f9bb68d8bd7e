import { expect } from 'vitest';
import { ApiError } from '../../src/shared/errors.js';

/** The typed error a service call rejects with (the test fails if it resolves or throws anything else). */
export async function rejection(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected a rejection');
}
