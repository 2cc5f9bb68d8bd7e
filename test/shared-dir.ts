/**
 * Where `../shared` (seeds and fixtures written by the real programs) is: beside
 * the checkout, as on every developer machine and in CI; KVSCOPE_SHARED overrides.
 */
import { resolve } from 'node:path';

export const SHARED_DIR = process.env.KVSCOPE_SHARED ?? resolve(import.meta.dirname, '..', '..', 'shared');
