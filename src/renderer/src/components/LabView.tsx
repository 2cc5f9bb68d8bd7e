/**
 * Repair (a repaired copy written to a directory the user names) and the
 * crash lab (damage a copy, reopen it, compare). Neither touches the open
 * directory.
 */
import { useState } from 'react';
import type { CrashLabResult, Damage, KvscopeApi, RepairResult, SegmentFileInfo, SessionInfo } from '../../../shared/contract.js';
import { asApiError } from '../../../shared/errors.js';
import { countOf, formatBytes, formatCount, parseByteOffset } from '../format.js';
import { onRadioGroupKeyDown } from '../focus.js';
import { OpenReportText } from './OpenProblems.js';

interface Props {
  api: KvscopeApi;
  session: SessionInfo;
  files: SegmentFileInfo[];
  onOpenDirectory: (path: string) => void;
  onError: (err: unknown) => void;
  /** A repair or crash-lab run succeeded (an earlier one's error banner goes). */
  onSucceeded?: () => void;
  /** Opened by Verify's Repair… (whose button is gone): the repair's directory field takes focus. */
  focusRepair?: boolean;
}

function parseMask(text: string): number[] | undefined {
  const parts = text.trim().replace(/^0x/i, '').split(/[\s,]+/).filter(Boolean);
  if (parts.length === 1 && parts[0]!.length > 2 && parts[0]!.length % 2 === 0) {
    const p = parts[0]!;
    parts.splice(0, 1, ...Array.from({ length: p.length / 2 }, (_, i) => p.slice(i * 2, i * 2 + 2)));
  }
  const bytes = parts.map((p) => (/^[0-9a-f]{1,2}$/i.test(p) ? parseInt(p, 16) : NaN));
  return bytes.length > 0 && bytes.every((b) => b >= 1 && b <= 255) ? bytes : undefined;
}

export function LabView({ api, session, files, onOpenDirectory, onError, onSucceeded, focusRepair = false }: Props) {
  const foreign = !session.writable && session.format !== 'kvscope';
  const [repairTo, setRepairTo] = useState('');
  const [repairing, setRepairing] = useState(false);
  const [repair, setRepair] = useState<RepairResult | null>(null);

  const dataFiles = files.filter((f) => f.role === 'data' || f.role === 'hint');
  const [labFile, setLabFile] = useState(dataFiles.find((f) => f.role === 'data')?.file ?? '');
  const [mode, setMode] = useState<'tear' | 'flip'>('tear');
  const [offset, setOffset] = useState('');
  const [mask, setMask] = useState('ff');
  const [labTo, setLabTo] = useState('');
  const [running, setRunning] = useState(false);
  const [lab, setLab] = useState<CrashLabResult | null>(null);
  const [labError, setLabError] = useState<string | null>(null);

  const runRepair = async () => {
    setRepairing(true);
    setRepair(null);
    try {
      setRepair(await api.repair({ sessionId: session.sessionId, to: repairTo.trim() }));
      onSucceeded?.();
    } catch (err) {
      onError(err);
    } finally {
      setRepairing(false);
    }
  };

  const runLab = async () => {
    setLabError(null);
    const file = labFile || dataFiles[0]?.file;
    const at = parseByteOffset(offset);
    if (!file) return setLabError('Choose a file.');
    if (at === undefined) return setLabError('Enter an offset (decimal or 0x hex).');
    let damage: Damage;
    if (mode === 'tear') damage = { kind: 'tear', file, offset: at };
    else {
      const m = parseMask(mask);
      if (!m) return setLabError('Enter a XOR mask as hex bytes from 01 to ff, e.g. "ff" or "01 80".');
      damage = { kind: 'flip', file, offset: at, mask: m };
    }
    setRunning(true);
    setLab(null);
    try {
      setLab(await api.crashLab({ sessionId: session.sessionId, damage, ...(labTo.trim() ? { to: labTo.trim() } : {}) }));
      onSucceeded?.();
    } catch (err) {
      const e = asApiError(err);
      setLabError(`${e.code}: ${e.message}`);
    } finally {
      setRunning(false);
    }
  };

  const size = files.find((f) => f.file === labFile)?.bytes;
  return (
    <div className="view-pad lab-view">
      <section className="card" aria-label="Repair">
        <h3>Repair</h3>
        <p className="small muted">
          Never in place: a repaired copy is written to a directory you name (it must not exist or be empty), and the open directory is only read.{' '}
          {foreign
            ? `This is a ${session.format} directory, which kvscope only reads: the repaired copy is a new kvscope store holding its live keys (their history is not carried over).`
            : 'Every committed record is written again in sequence order into a new kvscope store; damaged regions are skipped and listed.'}
        </p>
        <form
          className="controls-row"
          onSubmit={(e) => {
            e.preventDefault();
            void runRepair();
          }}
        >
          <input type="text" className="mono grow" aria-label="Repair into directory" autoFocus={focusRepair} placeholder="/path/to/new/directory" value={repairTo} onChange={(e) => setRepairTo(e.target.value)} />
          <button type="submit" className="primary" disabled={repairing || repairTo.trim() === ''}>
            {repairing ? 'Repairing…' : 'Write repaired copy'}
          </button>
        </form>
        {repair && (
          <div className="lab-result small" role="status" aria-label="Repair result">
            <div className="ok-box">
              Wrote {countOf(repair.recordsWritten, 'record')} ({countOf(repair.keys, 'live key')}) to <span className="mono">{repair.target}</span> by{' '}
              {repair.method === 'replay' ? 'replaying every committed record' : 'importing the live keys'}.
            </div>
            <div className={repair.lostRegions.length || repair.lostRecords ? 'bad-box' : 'muted'}>
              Lost: {countOf(repair.lostRegions.length, 'damaged region')}, {countOf(repair.lostBytes, 'byte')}
              {repair.lostRecords ? `, ${countOf(repair.lostRecords, 'record')} of unfinished batches` : ''}.
            </div>
            {repair.removedFiles.length > 0 && (
              <div className="muted" data-testid="repair-removed-files">
                Left out: {countOf(repair.removedFiles.length, 'file')} that never held a record ({repair.removedFiles.map((f) => `${f.file}, ${formatCount(f.length)} B: ${f.reason}`).join('; ')}).
              </div>
            )}
            <div className={repair.lostKeyCount ? 'bad' : 'muted'} data-testid="repair-lost-keys">
              The damaged store listed {countOf(repair.keysBefore, 'live key')}; the copy lacks {formatCount(repair.lostKeyCount)} of them
              {repair.lostKeyCount ? ` (their only readable version was damaged): ${repair.lostKeys.slice(0, 50).join(', ')}${repair.lostKeyCount > 50 ? ', …' : ''}` : ''}.
            </div>
            {repair.lostRegions.length > 0 && (
              <ul className="mono lost-list" tabIndex={0} aria-label="Lost regions">
                {repair.lostRegions.slice(0, 200).map((r, i) => (
                  <li key={i}>
                    {r.file}@{r.offset} ({formatCount(r.length)} B): {r.reason}
                  </li>
                ))}
              </ul>
            )}
            {repair.notes.map((n, i) => (
              <div key={i} className="muted">
                {n}
              </div>
            ))}
            <button type="button" onClick={() => onOpenDirectory(repair.target)}>
              Open the repaired copy
            </button>
          </div>
        )}
      </section>

      <section className="card" aria-label="Crash lab">
        <h3>Crash lab</h3>
        <p className="small muted">
          Damage a COPY of this directory (a new temporary directory unless you name one), reopen the copy as a program would after a crash, and see what recovery kept and
          lost. The open directory is never changed.
        </p>
        <div className="lab-form">
          <label className="small">
            File
            <select aria-label="Crash lab file" value={labFile} onChange={(e) => setLabFile(e.target.value)}>
              {dataFiles.map((f) => (
                <option key={f.file} value={f.file}>
                  {f.file} ({formatBytes(f.bytes)})
                </option>
              ))}
            </select>
          </label>
          <div className="segmented" role="radiogroup" aria-label="Damage" onKeyDown={onRadioGroupKeyDown}>
            <button type="button" role="radio" aria-checked={mode === 'tear'} tabIndex={mode === 'tear' ? 0 : -1} className={mode === 'tear' ? 'on' : ''} onClick={() => setMode('tear')}>
              tear tail
            </button>
            <button type="button" role="radio" aria-checked={mode === 'flip'} tabIndex={mode === 'flip' ? 0 : -1} className={mode === 'flip' ? 'on' : ''} onClick={() => setMode('flip')}>
              flip bytes
            </button>
          </div>
          <label className="small">
            {mode === 'tear' ? 'Cut at offset' : 'At offset'}
            <input type="text" className="mono" aria-label="Damage offset" value={offset} placeholder={size !== undefined ? `0 … ${size}` : 'offset'} onChange={(e) => setOffset(e.target.value)} size={12} />
          </label>
          {mode === 'flip' && (
            <label className="small">
              XOR mask
              <input type="text" className="mono" aria-label="XOR mask" value={mask} onChange={(e) => setMask(e.target.value)} size={10} />
            </label>
          )}
          <input type="text" className="mono grow" aria-label="Crash lab copy directory" placeholder="copy to (optional; default: a temp directory)" value={labTo} onChange={(e) => setLabTo(e.target.value)} />
          <button type="button" className="primary" onClick={() => void runLab()} disabled={running}>
            {running ? 'Running…' : 'Damage the copy and reopen'}
          </button>
        </div>
        {labError && (
          <div className="inline-error" role="alert">
            {labError}
          </div>
        )}
        {lab && (
          <div className="lab-result small" role="status" aria-label="Crash lab result">
            <div className="muted">
              {lab.damage.kind === 'tear' ? `Tore ${lab.damage.file} at offset ${lab.damage.offset}` : `Flipped ${countOf(lab.damage.mask.length, 'byte')} of ${lab.damage.file} at offset ${lab.damage.offset}`} in the copy{' '}
              <span className="mono">{lab.copyDir}</span>.
            </div>
            <div className="compare">
              <div className="compare-col">
                <h4>Before (original)</h4>
                <div className="big mono" data-testid="keys-before">
                  {formatCount(lab.keysBefore)}
                </div>
                <div className="muted">keys</div>
              </div>
              <div className="compare-col">
                <h4>After recovery (copy)</h4>
                <div className="big mono" data-testid="keys-after">
                  {formatCount(lab.keysAfter)}
                </div>
                <div className="muted">keys</div>
              </div>
            </div>
            <div className="compare">
              <div className="compare-col">
                <h4 className={lab.lostCount ? 'bad' : ''}>Lost ({formatCount(lab.lostCount)})</h4>
                <ul className="mono lost-list" tabIndex={0} aria-label="Lost keys">
                  {lab.lost.map((k) => (
                    <li key={k}>{k}</li>
                  ))}
                </ul>
              </div>
              <div className="compare-col">
                <h4>Changed value ({formatCount(lab.changedCount)})</h4>
                <ul className="mono lost-list" tabIndex={0} aria-label="Changed keys">
                  {lab.changed.map((c) => (
                    <li key={c.key}>
                      {c.display}: {c.before} B → {c.after} B
                    </li>
                  ))}
                </ul>
                <h4>
                  Came back or appeared (<span data-testid="appeared-count">{formatCount(lab.appearedCount)}</span>)
                </h4>
                {lab.appearedCount > 0 && (
                  <>
                    <div className="muted">Keys recovery now shows that were not live before: a lost tombstone brings a deleted key back.</div>
                    <ul className="mono lost-list" tabIndex={0} aria-label="Appeared keys">
                      {lab.appeared.map((k) => (
                        <li key={k}>{k}</li>
                      ))}
                    </ul>
                  </>
                )}
              </div>
            </div>
            <h4>What recovery reported</h4>
            {lab.recoveryReport.length === 0 ? (
              <div className="muted">Nothing.</div>
            ) : (
              // In the open report's words: what may have cost keys or versions (in the warning colour), then how the
              // reopening went; each with recovery's own line after it.
              <ul className="lost-list recovery-report" tabIndex={0} aria-label="Recovery report">
                {lab.recoveryReport.map((item, i) => (
                  <li key={i} className={item.kind === 'problem' ? 'report-problem' : undefined}>
                    <OpenReportText item={item} />
                  </li>
                ))}
              </ul>
            )}
            <h4>Verify on the copy</h4>
            {lab.problems.length === 0 ? (
              <div className="muted">No problems.</div>
            ) : (
              <ul className="mono lost-list" tabIndex={0} aria-label="Problems in the copy">
                {lab.problems.slice(0, 200).map((p, i) => (
                  <li key={i}>
                    {p.kind} {p.file}@{p.offset}: {p.message}
                  </li>
                ))}
              </ul>
            )}
            <button type="button" onClick={() => onOpenDirectory(lab.copyDir)}>
              Open the damaged copy
            </button>
          </div>
        )}
      </section>
    </div>
  );
}
