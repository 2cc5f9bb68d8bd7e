/**
 * Open any directory kvscope understands: the native format (read-write or
 * read-only) or one of the foreign formats (always read-only). The format is
 * detected unless the caller names one.
 */
import { existsSync, readdirSync } from 'node:fs';
import { Store, type StoreOptions } from './store.js';
import { ForeignStore, openForeign } from './foreign-store.js';
import { openReport, recoveryNotes, recoveryReport, type OpenReportItem } from './recovery.js';
import { nativeFormat } from './formats/native.js';
import { LOCK_FILE } from './native/files.js';
import { NotAStoreError } from './errors.js';
import type { Detection } from './formats/format.js';
import type { BrowsableStore } from './types.js';

export interface OpenStoreOptions extends StoreOptions {
  /** Format id (`--format`); detected when absent. */
  format?: string | undefined;
  /** Another engine's store: read every data file's records, even where a hint would do (OpenForeignOptions.replayData). */
  replayData?: boolean;
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
  if (!existsSync(dir)) return true;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    // A file where the store should be (ENOTDIR), or a directory that cannot be listed: said plainly, where
    // readdir's own error ("ENOTDIR: not a directory, scandir 'x'") named neither the store nor the way out.
    const code = (err as NodeJS.ErrnoException).code;
    throw new NotAStoreError(dir, code === 'ENOTDIR' ? 'it is a file, not a directory (a store is a directory of segment files)' : `cannot read the directory (${(err as Error).message})`);
  }
  return names.every((name) => name === LOCK_FILE || name.startsWith(`${LOCK_FILE}.`));
}

export async function openStore(dir: string, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  const { format, replayData, ...storeOptions } = options;
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
    ...(replayData === true ? { replayData } : {}),
  });
  return { store, detection: store.detection, native: undefined };
}

/**
 * What an open found and did, in plain words (recovery.ts openReport), each with its terse line as the detail: a
 * kvscope store's recovery and the damage it skipped, another format's replay. The inspector's open report, and the
 * crash lab's account of its damaged copy's reopening.
 */
export function openedReport(opened: OpenedStore): OpenReportItem[] {
  if (opened.native) return recoveryReport(opened.native.recovery, opened.native.damageSkipped());
  if (!(opened.store instanceof ForeignStore)) return [];
  const problems = opened.store.openProblems();
  const lines = opened.store.warnings();
  return openReport({ problems, damage: opened.store.damageSkipped(), lineOf: (p) => lines[problems.indexOf(p)] ?? p.message });
}

/**
 * What an open found and did, one terse line each: recoveryNotes for a kvscope store, the replay's warning lines for
 * another format. The CLI's stderr (`kvscope: recovery: …`), the inspector's warnings, the crash lab's recovery; the
 * same lines are openedReport's details. With `leaveOutReaderHints` (the CLI) a reader leaves out the hints it did
 * not use: that costs time, not data, and a hint a writer's compaction deleted while the reader opened is no news
 * (a writer says it: it writes them again).
 */
export function openedNotes(opened: OpenedStore, options: { leaveOutReaderHints?: boolean } = {}): string[] {
  if (opened.native) {
    const recovery = opened.native.recovery;
    return recoveryNotes(options.leaveOutReaderHints === true && opened.native.readOnly ? { ...recovery, hintFallbacks: [] } : recovery);
  }
  return opened.store instanceof ForeignStore ? opened.store.warnings() : [];
}
