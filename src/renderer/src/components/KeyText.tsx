/**
 * A key as text, whitespace and all. The element it sits in keeps every
 * space (white-space: pre, via the `key-text` class of the caller's CSS);
 * spaces at the start or end, which would otherwise be invisible, are drawn
 * in a shaded span with a dot per space. The text itself is unchanged, so
 * copying it or reading it out gives the exact key.
 */

/** The key split into leading whitespace, the rest, and trailing whitespace. */
export function edgeSpaces(display: string): { lead: string; body: string; trail: string } {
  const lead = /^\s*/.exec(display)![0];
  if (lead.length === display.length) return { lead, body: '', trail: '' };
  const trail = /\s*$/.exec(display)![0];
  return { lead, body: display.slice(lead.length, display.length - trail.length), trail };
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** A tooltip naming the key exactly: quoted, with its leading or trailing spaces counted, when it has any. */
export function keyTitle(display: string): string {
  const { lead, trail } = edgeSpaces(display);
  if (lead === '' && trail === '') return display;
  const notes = [lead && plural(lead.length, 'leading space'), trail && plural(trail.length, 'trailing space')].filter(Boolean).join(', ');
  return `“${display}” (${notes})`;
}

export function KeyText({ display }: { display: string }) {
  const { lead, body, trail } = edgeSpaces(display);
  if (lead === '' && trail === '') return <>{display}</>;
  return (
    <>
      {lead && <span className="edge-space">{lead}</span>}
      {body}
      {trail && <span className="edge-space">{trail}</span>}
    </>
  );
}
