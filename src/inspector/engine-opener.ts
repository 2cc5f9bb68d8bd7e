/**
 * The StoreOpener backed by the real engine: format detection and opening
 * through engine/open.ts (native stores read-write or read-only, foreign
 * formats always read-only), the format list from the registry.
 */
import { openStore, openedNotes, openedReport } from '../engine/open.js';
import { Store } from '../engine/store.js';
import { getFormat, listFormats } from '../engine/formats/registry.js';
import type { FormatInfo } from '../shared/contract.js';
import type { OpenedHandle, StoreOpener, WritableStore } from './opener.js';

export function createEngineOpener(): StoreOpener {
  return {
    async open(dir, opts): Promise<OpenedHandle> {
      const opened = await openStore(dir, {
        ...(opts.format !== undefined ? { format: opts.format } : {}),
        readOnly: opts.readOnly,
      });
      return {
        store: opened.store,
        detection: opened.detection,
        // Store satisfies WritableStore structurally; the cast only narrows put/delete's key types.
        native: opened.native as WritableStore | undefined,
        // What the open found: a native store's recovery, another format's replay (damage skipped, torn tails, unreadable files).
        warnings: openedNotes(opened),
        openReport: openedReport(opened),
      };
    },
    lockHolder(dir) {
      return Store.lockHolder(dir);
    },
    formats(): FormatInfo[] {
      return listFormats().map((f) => ({ id: f.id, title: f.title, writable: f.writable }));
    },
    isWritable(format) {
      return getFormat(format)?.writable === true;
    },
  };
}
