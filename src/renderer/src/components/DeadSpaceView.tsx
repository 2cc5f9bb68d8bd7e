/**
 * "Where is the dead space?" in the Statistics pane: a job that reads every record (a kvscope store's segments;
 * another engine's versions are known at the open) and counts each overwritten put and tombstone against its key.
 * Its result lists the prefixes (one level of the delimiter chosen, ':' or '/' as the key tree's, below the one
 * searched) and the keys with the most dead bytes, under a header naming their columns (each row says them to a
 * screen reader too); a prefix row searches again under it (one level down), the path above the lists goes back up,
 * and a key row selects the key in the Keys view; Search again searches where it is. After going down or up, focus is
 * on the first row, or on the row of the prefix just left; after a change of delimiter, on the delimiter.
 */
import { useEffect, useRef, useState } from 'react';
import type { DeadSpaceResult, Delimiter } from '../../../shared/contract.js';
import { describeKey } from '../../../shared/keytext.js';
import { focusLost, onRowListKeyDown, useRefocusAfter } from '../focus.js';
import { countOf, formatBytes, formatCount } from '../format.js';
import { KeyText, keyTitle } from './KeyText.js';
import type { JobState } from './StatsPanel.js';
import { ProgressBar } from './JobProgress.js';

/** Prefixes and keys asked for (the service gives at most LIMITS.deadSpaceMax). */
export const DEAD_SPACE_SHOWN = 20;

interface Props {
  /** The dead-space job running, or null. */
  job: JobState | null;
  /** Another job of the session runs (one at a time): Find waits. */
  busy: boolean;
  result: DeadSpaceResult | null;
  onStart: (prefix: string, delimiter: Delimiter) => void;
  onCancel: () => void;
  onSelectKey: (key: string) => void;
}

/** `prefix`'s steps from the top, each cut after a delimiter: 'a:b:' is 'a:' then 'a:b:' (a rest without one last). */
export function deadSpacePath(prefix: string, delimiter: Delimiter): string[] {
  const steps: string[] = [];
  for (let at = prefix.indexOf(delimiter); at >= 0; at = prefix.indexOf(delimiter, at + delimiter.length)) steps.push(prefix.slice(0, at + delimiter.length));
  if (prefix !== '' && steps[steps.length - 1] !== prefix) steps.push(prefix);
  return steps;
}

/** Where focus goes when the search asked for ends with a new result: a row (by its prefix or key, else the first) or the delimiter. */
type FocusAfter = { row: string | null } | 'delimiter';

/**
 * The prefix a result is under, leading its summary ("Under user:01011: — 179 B in …"): the prefix is followed by a
 * dash and a space, never by punctuation that could be read as part of it (a period, a colon), and drawn as the path
 * draws it (spaces at its ends shown).
 */
function Under({ prefix }: { prefix: string }) {
  const display = describeKey(prefix).display;
  return (
    <>
      Under{' '}
      <span className="mono" title={keyTitle(display)}>
        <KeyText display={display} />
      </span>{' '}
      —{' '}
    </>
  );
}

export function DeadSpaceView({ job, busy, result, onStart, onCancel, onSelectKey }: Props) {
  const find = useRef<HTMLButtonElement>(null);
  const delimiterSelect = useRef<HTMLSelectElement>(null);
  const lists = useRef<HTMLDivElement>(null);
  const [delimiter, setDelimiter] = useState<Delimiter>(result?.delimiter ?? ':');
  // The search started by going down, up or regrouping, and the result shown when it started: a search cancelled or
  // refused leaves that result, and Find gets focus back as after any job.
  const pending = useRef<{ from: DeadSpaceResult | null; focus: FocusAfter } | null>(null);
  const start = (prefix: string, by: Delimiter, focus: FocusAfter | null) => {
    pending.current = focus ? { from: result, focus } : null;
    onStart(prefix, by);
  };
  // Before useRefocusAfter: the row or the delimiter takes focus first, and Find's then stays put.
  useEffect(() => {
    const p = pending.current;
    if (job || !p) return;
    pending.current = null;
    if (result === p.from) return;
    const active = document.activeElement;
    if (!focusLost() && active !== find.current && active !== delimiterSelect.current) return; // the user went elsewhere meanwhile
    const focus = p.focus;
    if (focus === 'delimiter') {
      delimiterSelect.current?.focus();
      return;
    }
    const rows = Array.from(lists.current?.querySelectorAll<HTMLButtonElement>('button.dead-space-row') ?? []);
    (rows.find((r) => r.dataset.prefix === focus.row) ?? rows[0] ?? find.current)?.focus();
  }, [job, result]);
  useRefocusAfter(job !== null, find);

  const under = result && result.prefix !== '' ? result.prefix : null;
  const path = result ? deadSpacePath(result.prefix, result.delimiter) : [];
  const percent = job && job.total > 0 ? Math.round((job.done / job.total) * 100) : 0;
  const busyTitle = busy ? 'Another job is running' : undefined;
  // Going up: focus on the row of the step just left, which the level above lists.
  const up = (to: string) => start(to, result!.delimiter, { row: path[path.indexOf(to) + 1] ?? null });
  return (
    <section aria-label="Dead space by key" data-testid="dead-space">
      <h3 className="section-title">Where is the dead space?</h3>
      <p className="small muted">Overwritten values and deletes, counted against their keys{job ? '' : ' (reads every record)'}.</p>
      <div className="dead-space-actions">
        {job ? (
          <div className="job">
            <div className="job-label small">Reading every record… {percent}%</div>
            <ProgressBar percent={percent} label="Dead space search progress" />
            <button type="button" onClick={onCancel}>
              Cancel
            </button>
          </div>
        ) : (
          <button type="button" ref={find} onClick={() => start(result?.prefix ?? '', delimiter, null)} disabled={busy} title={busyTitle}>
            {result ? 'Search again' : 'Find dead space'}
          </button>
        )}
        <label className="small dead-space-delimiter" title="The character that ends a prefix, as the key tree's delimiter">
          Delimiter{' '}
          <select
            ref={delimiterSelect}
            value={delimiter}
            disabled={busy}
            onChange={(e) => {
              const by = e.target.value as Delimiter;
              setDelimiter(by);
              // A result shown is grouped anew (the job's result holds one grouping): the same keys, by the new delimiter.
              if (result) start(result.prefix, by, 'delimiter');
            }}
          >
            <option value=":">:</option>
            <option value="/">/</option>
          </select>
        </label>
      </div>
      {result && !job && under && (
        <nav className="dead-space-path small" aria-label="Dead space path">
          <ol>
            <li>
              <button type="button" className="link" onClick={() => up('')} disabled={busy} title="The dead space of all keys">
                All keys
              </button>
            </li>
            {path.map((step, i) => {
              const display = describeKey(step.slice(i === 0 ? 0 : path[i - 1]!.length)).display;
              return (
                <li key={step}>
                  <span className="dead-space-path-sep" aria-hidden="true">
                    ›
                  </span>
                  {i === path.length - 1 ? (
                    <span className="mono" aria-current="location" title={keyTitle(describeKey(step).display)}>
                      <KeyText display={display} />
                    </span>
                  ) : (
                    <button type="button" className="link mono" onClick={() => up(step)} disabled={busy} title={`The dead space under ${keyTitle(describeKey(step).display)}`}>
                      <KeyText display={display} />
                    </button>
                  )}
                </li>
              );
            })}
          </ol>
        </nav>
      )}
      {result && !job && (
        <div className="dead-space-result" role="status" aria-label="Dead space result" ref={lists}>
          <p className="small">
            {result.deadRecords === 0 ? (
              <>
                {under && <Under prefix={under} />}
                {under ? 'no' : 'No'} dead records: nothing for a compaction to drop here.
              </>
            ) : (
              <>
                {under && <Under prefix={under} />}
                <b>{formatBytes(result.deadBytes)}</b> in {countOf(result.deadRecords, 'dead record')} of {countOf(result.keys, 'key')}.
              </>
            )}
            {result.damagedBytes > 0 && <> {formatBytes(result.damagedBytes)} of damaged records are not counted (Verify shows them).</>}
          </p>
          {result.branches.length > 0 && (
            <>
              <h4 className="small dead-space-heading">
                By prefix ({result.delimiter}){result.branchCount > result.branches.length ? `: the ${result.branches.length} of ${formatCount(result.branchCount)} with the most` : ''}
              </h4>
              <div className="dead-space-table small">
                <Columns name="Prefix or key" figures={['Dead', 'Records']} titles={['Dead bytes: overwritten values and deletes', 'Dead records']} />
                <ol className="dead-space-list" aria-label="Dead space by prefix" onKeyDown={onRowListKeyDown}>
                  {result.branches.map((b, i) => (
                    <DeadSpaceRow
                      key={b.kind + b.prefix}
                      name={b.prefix}
                      display={b.display}
                      first={i === 0}
                      deadBytes={b.deadBytes}
                      count={b.deadRecords}
                      unit="record"
                      onClick={() => (b.kind === 'branch' ? start(b.prefix, result.delimiter, { row: null }) : onSelectKey(b.prefix))}
                      title={`${keyTitle(b.display)}\n${formatCount(b.deadBytes)} dead bytes in ${countOf(b.deadRecords, 'record')} of ${countOf(b.keys, 'key')}${b.kind === 'branch' ? '\nClick: its prefixes and keys' : '\nClick: select the key'}`}
                    />
                  ))}
                </ol>
              </div>
            </>
          )}
          {result.topKeys.length > 0 && (
            <>
              <h4 className="small dead-space-heading">Keys with the most</h4>
              <div className="dead-space-table small">
                <Columns name="Key" figures={['Dead', 'Versions']} titles={['Dead bytes: overwritten values and deletes', 'Versions in the log: the dead ones and the live one']} />
                <ol className="dead-space-list" aria-label="Keys with the most dead space" onKeyDown={onRowListKeyDown}>
                  {result.topKeys.map((k, i) => (
                    <DeadSpaceRow
                      key={k.key}
                      name={k.key}
                      display={k.display}
                      first={i === 0}
                      deadBytes={k.deadBytes}
                      count={k.versions}
                      unit="version"
                      onClick={() => onSelectKey(k.key)}
                      title={`${keyTitle(k.display)}\n${formatCount(k.deadBytes)} dead bytes: ${countOf(k.versions, 'version')}, ${formatCount(k.overwritten)} overwritten, ${formatCount(k.tombstones)} deleted; ${k.live ? 'live' : 'deleted'} now`}
                    />
                  ))}
                </ol>
              </div>
            </>
          )}
        </div>
      )}
    </section>
  );
}

/**
 * One row of either list: the prefix or key, its dead bytes and a count (records or versions), a button whose name
 * says the figures' names to a screen reader (the column header is hidden from it). The first row is the list's Tab stop.
 */
function DeadSpaceRow(props: { name: string; display: string; first: boolean; deadBytes: number; count: number; unit: 'record' | 'version'; title: string; onClick: () => void }) {
  const { name, display, first, deadBytes, count, unit, title, onClick } = props;
  return (
    <li>
      <button type="button" className="dead-space-row" data-prefix={name} tabIndex={first ? 0 : -1} onClick={onClick} title={title}>
        <span className="dead-space-name mono">
          <KeyText display={display} />
        </span>
        <span className="dead-space-figure">
          {formatBytes(deadBytes)}
          <span className="sr-only"> dead,</span>
        </span>
        <span className="dead-space-figure muted">
          {formatCount(count)}
          <span className="sr-only"> {count === 1 ? unit : `${unit}s`}</span>
        </span>
      </button>
    </li>
  );
}

/**
 * The header of a list's columns, aligned with its rows' (the same grid). Hidden from a screen reader, to which each
 * row says its figures' names itself (a list of buttons has no column headers to read out).
 */
function Columns({ name, figures, titles }: { name: string; figures: [string, string]; titles: [string, string] }) {
  return (
    <div className="dead-space-row dead-space-columns" aria-hidden="true" data-testid="dead-space-columns">
      <span className="dead-space-name">{name}</span>
      <span className="dead-space-figure" title={titles[0]}>
        {figures[0]}
      </span>
      <span className="dead-space-figure" title={titles[1]}>
        {figures[1]}
      </span>
    </div>
  );
}
