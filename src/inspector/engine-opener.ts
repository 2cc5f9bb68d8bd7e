/**
 * The StoreOpener backed by the real engine: format detection and opening
 * through engine/open.ts (native stores read-write or read-only, foreign
 * formats always read-only), the format list from the registry.
 */
import { openStore } from '../engine/open.js';
import { Store } from '../engine/store.js';
import { getFormat, listFormats } from '../engine/formats/registry.js';
import type { FormatInfo } from '../shared/contract.js';
import type { OpenedHandle, StoreOpener, WritableStore } from './opener.js';

function describeRecovery(store: Store): string[] {
  const r = store.recovery;
  const lines: string[] = [];
  for (const p of r.tornTails) lines.push(`Torn tail in ${p.file} at offset ${p.offset}: ${p.message}`);
  for (const p of r.skipped) lines.push(`Skipped corrupt record in ${p.file} at offset ${p.offset}: ${p.message}`);
  if (r.staleLockTakenOver !== undefined) lines.push(`Took over a stale lock left by pid ${r.staleLockTakenOver}`);
  if (r.compactionRecovered) lines.push(`Recovered an interrupted compaction (${r.compactionRecovered})`);
  return lines;
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
        warnings: opened.native ? describeRecovery(opened.native) : [],
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
