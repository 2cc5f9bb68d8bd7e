/**
 * The StoreOpener backed by the real engine: format detection and opening
 * through engine/open.ts (native stores read-write or read-only, foreign
 * formats always read-only), the format list from the registry.
 */
import { openStore } from '../engine/open.js';
import { openReport, recoveryNotes, recoveryReport } from '../engine/recovery.js';
import { Store } from '../engine/store.js';
import { ForeignStore } from '../engine/foreign-store.js';
import { getFormat, listFormats } from '../engine/formats/registry.js';
import type { FormatInfo } from '../shared/contract.js';
import type { OpenedHandle, StoreOpener, WritableStore } from './opener.js';

/** Another format's open in plain words: its replay's problems, each told by its warning line as the detail. */
function foreignReport(store: ForeignStore) {
  const problems = store.openProblems();
  const lines = store.warnings();
  return openReport({ problems, damage: store.damageSkipped(), lineOf: (p) => lines[problems.indexOf(p)] ?? p.message });
}

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
        warnings: opened.native ? recoveryNotes(opened.native.recovery) : opened.store instanceof ForeignStore ? opened.store.warnings() : [],
        openReport: opened.native ? recoveryReport(opened.native.recovery, opened.native.damageSkipped()) : opened.store instanceof ForeignStore ? foreignReport(opened.store) : [],
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
