/**
 * Open any directory kvscope understands: the native format (read-write or
 * read-only) or one of the foreign formats (always read-only). The format is
 * detected unless the caller names one.
 */
import { existsSync, readdirSync } from 'node:fs';
import { Store, type StoreOptions } from './store.js';
import { openForeign } from './foreign-store.js';
import { nativeFormat } from './formats/native.js';
import { LOCK_FILE } from './native/files.js';
import type { Detection } from './formats/format.js';
import type { BrowsableStore } from './types.js';

export interface OpenStoreOptions extends StoreOptions {
  /** Format id (`--format`); detected when absent. */
  format?: string | undefined;
}

export interface OpenedStore {
  store: BrowsableStore;
  detection: Detection;
  /** The native store, when the directory is in the native format. */
  native: Store | undefined;
}

/**
 * Missing, empty, or holding nothing but lock files: a writer killed right
 * after it took the lock of a new store leaves only its LOCK (which the next
 * writer takes over, or is refused by while its holder lives).
 */
function isEmptyOrMissing(dir: string): boolean {
  return !existsSync(dir) || readdirSync(dir).every((name) => name === LOCK_FILE || name.startsWith(`${LOCK_FILE}.`));
}

export async function openStore(dir: string, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  const { format, ...storeOptions } = options;
  const wantsNative =
    format === nativeFormat.id || (format === undefined && (nativeFormat.detect(dir) !== null || (options.create === true && isEmptyOrMissing(dir))));
  if (wantsNative) {
    const native = await Store.open(dir, storeOptions);
    const detection = nativeFormat.detect(dir) ?? { format: nativeFormat.id, confidence: 1, root: dir, reason: 'new kvscope store' };
    return { store: native, detection, native };
  }
  const store = await openForeign(dir, {
    ...(format !== undefined ? { format } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { store, detection: store.detection, native: undefined };
}
