/**
 * Damage in an input at which a compaction would stop (refused at once, or stopped before its commit), and a plan
 * with nothing to reclaim: said wherever a compaction is offered, the Statistics pane and the Segments view's merge
 * dry run.
 */
import type { CompactionPlanInfo } from '../../../shared/contract.js';

/** Why Compact is disabled when the open already saw damage in an input (plan.stops.starts false). */
export const COMPACTION_REFUSED = 'Refused at the damage named above: Repair writes a clean copy';

/** Why Compact does nothing when no segment holds a record to drop (its title). */
export const NOTHING_TO_RECLAIM = 'Nothing to reclaim';
/** The same, said beside it. */
export const NOTHING_TO_RECLAIM_SAID = `${NOTHING_TO_RECLAIM}: no segment holds an overwritten or deleted value, so a compaction would change nothing.`;

/** No segment holds a record a compaction would drop: it would do nothing. */
export const nothingToReclaim = (plan: CompactionPlanInfo | null | undefined): boolean => plan != null && plan.inputSegments.length === 0;

export function CompactionStops({ stops }: { stops: NonNullable<CompactionPlanInfo['stops']> }) {
  return (
    <p className="small notice" role="note" aria-label="Compaction would stop">
      {stops.starts ? 'A compaction would stop before its commit' : 'A compaction is refused'} at damage in{' '}
      <span className="mono">
        {stops.file} @ {stops.offset}
      </span>
      : {stops.reason}. Repair writes a clean copy.
    </p>
  );
}
