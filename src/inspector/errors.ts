/**
 * Turns anything thrown below the inspector (engine errors, fs errors, bugs)
 * into the contract's error shape, keeping the details a person can act on
 * (the lock holder's pid, the corrupt file and offset).
 */
import { StoreError } from '../engine/errors.js';
import { ApiError } from '../shared/errors.js';

const FS_MESSAGES: Record<string, string> = {
  ENOENT: 'No such file or directory',
  ENOTDIR: 'Not a directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EISDIR: 'Is a directory',
  EMFILE: 'Too many open files',
  ENOSPC: 'No space left on device',
  EROFS: 'Read-only file system',
};

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof StoreError) {
    const details: Record<string, unknown> = {};
    const extra = err as unknown as Record<string, unknown>;
    for (const field of ['pid', 'file', 'offset', 'dir', 'size', 'max']) {
      const value = extra[field];
      if (typeof value === 'number' || typeof value === 'string') details[field] = value;
    }
    return new ApiError(err.code, err.message, Object.keys(details).length > 0 ? details : undefined);
  }
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    const path = (err as NodeJS.ErrnoException).path;
    if (typeof code === 'string' && code in FS_MESSAGES) {
      const where = typeof path === 'string' ? `: ${path}` : '';
      // A path through an existing file (repair into /etc/passwd): something is there, but not a directory.
      const apiCode = code === 'ENOENT' ? 'NOT_FOUND' : code === 'ENOTDIR' ? 'NOT_A_DIRECTORY' : 'IO';
      return new ApiError(apiCode, `${FS_MESSAGES[code]}${where}`, {
        errno: code,
      });
    }
    if (err.name === 'AbortError') return new ApiError('ABORTED', 'The operation was cancelled');
    return new ApiError('INTERNAL', err.message || 'Unexpected error');
  }
  return new ApiError('INTERNAL', String(err));
}
