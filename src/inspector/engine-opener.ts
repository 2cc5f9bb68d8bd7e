/**
 * The StoreOpener backed by the real engine: native stores through Store,
 * detection of foreign formats through openStore (engine/open.ts).
 */
import { Store } from '../engine/store.js';
import type { FormatInfo } from '../shared/contract.js';
import type { OpenedHandle, StoreOpener, WritableStore } from './opener.js';

const NATIVE_FORMAT = 'kvscope';

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
      if (opts.format !== undefined && opts.format !== NATIVE_FORMAT) {
        throw Object.assign(new Error(`Unknown format ${opts.format}`), { code: 'NOT_A_STORE' });
      }
      const store = await Store.open(dir, { readOnly: opts.readOnly });
      return {
        store,
        native: store as unknown as WritableStore,
        detection: { format: NATIVE_FORMAT, confidence: 1, root: dir, reason: 'kvscope segment files found' },
        warnings: describeRecovery(store),
      };
    },
    lockHolder(dir) {
      return Store.lockHolder(dir);
    },
    formats(): FormatInfo[] {
      return [{ id: NATIVE_FORMAT, title: 'kvscope (native)', writable: true }];
    },
    isWritable(format) {
      return format === NATIVE_FORMAT;
    },
  };
}
