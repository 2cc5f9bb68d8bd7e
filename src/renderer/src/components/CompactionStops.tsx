/**
 * Damage in an input at which a compaction would stop (refused at once, or stopped before its commit): said
 * wherever a compaction is offered, the Statistics pane and the Segments view's merge dry run.
 */
import type { CompactionPlanInfo } from '../../../shared/contract.js';

/** Why Compact is disabled when the open already saw damage in an input (plan.stops.starts false). */
export const COMPACTION_REFUSED = 'Refused at the damage named above: Repair writes a clean copy';

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
