/**
 * What the open found (records the replay skipped, torn tails, files that
 * cannot be read): the first problem in one line, and every one of them in
 * a disclosure (a native <details>, opened with Enter or Space) when there
 * are more.
 */
export function OpenProblems({ warnings }: { warnings: readonly string[] }) {
  if (warnings.length === 0) return null;
  if (warnings.length === 1) {
    return (
      <div className="warning-strip" role="status" aria-label="Problems found while opening">
        1 problem found while opening: {warnings[0]}
      </div>
    );
  }
  return (
    <div className="warning-strip" role="status" aria-label="Problems found while opening">
      <details className="open-problems">
        <summary>
          {warnings.length} problems found while opening: {warnings[0]} <span className="muted show-all">(show all)</span>
        </summary>
        <ol className="open-problem-list">
          {warnings.map((w, i) => (
            <li key={i}>{w}</li>
          ))}
        </ol>
      </details>
    </div>
  );
}
