import { describe, expect, it } from 'vitest';
import { LIMITS, METHOD_NAMES, requestSchemas } from '../../src/shared/contract.js';
import { ApiError } from '../../src/shared/errors.js';
import { assertMethod, validateRequest } from '../../src/shared/validate.js';

function rejection(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected a rejection');
}

const session = { sessionId: 's_0123abcd' };

describe('contract', () => {
  it('declares one request schema per method name, and no other', () => {
    expect(Object.keys(requestSchemas).sort()).toEqual([...METHOD_NAMES].sort());
  });

  it('accepts well-formed requests', () => {
    expect(validateRequest('openStore', { path: '/data/store', readWrite: true })).toEqual({
      path: '/data/store',
      readWrite: true,
    });
    expect(validateRequest('listKeys', { ...session, offset: 0, limit: 100, filter: { mode: 'glob', pattern: 'a*' } }).limit).toBe(100);
    expect(validateRequest('putValue', { ...session, key: '\u0000\u00ff', valueBase64: 'aGk=' }).key).toBe('\u0000\u00ff');
    expect(validateRequest('listRecent', undefined)).toEqual({});
    // The empty key is a key (the mini-kvstore-v2 edge-cases fixture has one).
    expect(validateRequest('getValue', { ...session, key: '' }).key).toBe('');
  });

  it('rejects unknown methods with UNKNOWN_METHOD', () => {
    expect(rejection(() => assertMethod('deleteEverything')).code).toBe('UNKNOWN_METHOD');
    expect(rejection(() => assertMethod('__proto__')).code).toBe('UNKNOWN_METHOD');
    expect(rejection(() => assertMethod(42)).code).toBe('UNKNOWN_METHOD');
    expect(assertMethod('stats')).toBe('stats');
  });

  it.each([
    ['wrong type', 'openStore', { path: 42 }],
    ['missing field', 'listKeys', { ...session, offset: 0 }],
    ['unknown field (strict)', 'stats', { ...session, extra: true }],
    ['not an object', 'stats', 'sessionId'],
    ['array', 'stats', [session]],
    ['negative offset', 'listKeys', { ...session, offset: -1, limit: 10 }],
    ['window too large', 'listKeys', { ...session, offset: 0, limit: LIMITS.windowMax + 1 }],
    ['fractional limit', 'listKeys', { ...session, offset: 0, limit: 1.5 }],
    ['unknown filter mode', 'listKeys', { ...session, offset: 0, limit: 1, filter: { mode: 'regex', pattern: '.' } }],
    ['huge filter', 'listKeys', { ...session, offset: 0, limit: 1, filter: { mode: 'prefix', pattern: 'x'.repeat(LIMITS.patternChars + 1) } }],
    ['huge path', 'openStore', { path: '/' + 'a'.repeat(LIMITS.pathChars) }],
    ['huge key', 'getValue', { ...session, key: 'k'.repeat(LIMITS.keyChars + 1) }],
    ['key that is not latin1', 'getValue', { ...session, key: 'snow\u2603' }],
    ['value that is not base64', 'putValue', { ...session, key: 'k', valueBase64: 'not base64!' }],
    ['malformed session id', 'stats', { sessionId: '../../etc' }],
    ['bad delimiter', 'keyTree', { ...session, delimiter: '.', prefix: '' }],
    ['readWrite as string', 'setMode', { ...session, readWrite: 'yes' }],
  ])('rejects %s with BAD_REQUEST', (_name, method, raw) => {
    const err = rejection(() => validateRequest(method as (typeof METHOD_NAMES)[number], raw));
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toContain(method);
  });

  it.each([
    ['a NUL byte', '/data/st\u0000ore'],
    ['a relative path', 'data/store'],
    ['a relative path going up', '../data/store'],
    ['another user\'s home (~user)', '~root/store'],
    ['an empty path', ''],
  ])('rejects paths with %s', (_name, path) => {
    expect(rejection(() => validateRequest('openStore', { path })).code).toBe('BAD_REQUEST');
    expect(rejection(() => validateRequest('addRecent', { path })).code).toBe('BAD_REQUEST');
  });

  it('allows dots that are not a ".." segment', () => {
    expect(validateRequest('openStore', { path: '/data/..store/x.y' }).path).toBe('/data/..store/x.y');
  });

  it('lets ".." segments and a leading ~/ through, as typed (the service resolves them)', () => {
    for (const path of ['/data/../etc', '/data/..', 'C:\\data\\..\\x', '~', '~/stores/a', '~/../x']) {
      expect(validateRequest('openStore', { path }).path).toBe(path);
      expect(validateRequest('addRecent', { path }).path).toBe(path);
      expect(validateRequest('repair', { sessionId: 's_1', to: path }).to).toBe(path);
    }
  });
});
