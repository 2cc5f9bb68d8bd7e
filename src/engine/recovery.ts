/**
 * What opening a native store found and did about it, in lines a person
 * reads: torn tails (cut off or left in place), skipped records, hints not
 * used, a compaction finished or rolled back, a stale lock taken over.
 * Empty after a clean close.
 */
import type { RecoveryReport } from './types.js';

export function recoveryNotes(r: RecoveryReport): string[] {
  return [
    ...r.tornTails.map((p) => `torn tail in ${p.file} at ${p.offset}: ${p.message}`),
    ...r.skipped.map((p) => `skipped ${p.kind} in ${p.file} at ${p.offset}: ${p.message}`),
    ...r.hintFallbacks.map((h) => `read from the data instead: ${h}`),
    ...(r.compactionRecovered ? [`interrupted compaction ${r.compactionRecovered}`] : []),
    ...(r.staleLockTakenOver === undefined
      ? []
      : [r.staleLockTakenOver > 0 ? `took over the lock of process ${r.staleLockTakenOver}, which is no longer running` : 'took over a lock file that named no process (empty or damaged)']),
  ];
}
