/**
 * What the open found, in plain words, two strips: the problems (damage that
 * may have cost keys or versions: records skipped, files that cannot be read)
 * and, apart and quieter, notes on how the open went (a hint or the keydir
 * image not used, a crash's unfinished last write, a compaction finished or
 * undone, a stale lock taken over), where nothing is lost. Each strip says
 * its first item in one line and every one of them in a disclosure (a native
 * <details>, opened with Enter or Space) when there are more; each item's
 * technical line follows it, muted.
 */
import type { OpenReportItem } from '../../../shared/contract.js';

/** One item in its plain words, its technical line after it, muted (also the crash lab's account of its copy's reopening). */
export function OpenReportText({ item }: { item: OpenReportItem }) {
  return (
    <>
      {item.text}
      {item.detail !== undefined && <span className="muted mono open-detail"> ({item.detail})</span>}
    </>
  );
}

function Strip({ items, label, className, one, many }: { items: readonly OpenReportItem[]; label: string; className: string; one: string; many: (n: number) => string }) {
  if (items.length === 0) return null;
  if (items.length === 1) {
    return (
      <div className={className} role="status" aria-label={label} title={items[0]!.detail}>
        {one}: {items[0]!.text}
      </div>
    );
  }
  return (
    <div className={className} role="status" aria-label={label}>
      <details className="open-problems">
        <summary>
          {many(items.length)}: {items[0]!.text} <span className="muted show-all">(show all)</span>
        </summary>
        <ol className="open-problem-list">
          {items.map((item, i) => (
            <li key={i}>
              <OpenReportText item={item} />
            </li>
          ))}
        </ol>
      </details>
    </div>
  );
}

export function OpenProblems({ report }: { report: readonly OpenReportItem[] }) {
  const problems = report.filter((r) => r.kind === 'problem');
  const notes = report.filter((r) => r.kind === 'note');
  return (
    <>
      <Strip items={problems} label="Problems found while opening" className="warning-strip" one="1 problem found while opening" many={(n) => `${n} problems found while opening`} />
      <Strip items={notes} label="Notes on the open" className="detection-strip open-notes" one="Note on the open" many={(n) => `${n} notes on the open, nothing lost`} />
    </>
  );
}
