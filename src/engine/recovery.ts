/**
 * What opening a native store found and did about it: torn tails (cut off or
 * left in place), skipped records, hints not used, a compaction finished or
 * rolled back, a stale lock taken over. Told two ways: terse lines for the
 * CLI's stderr and --json (recoveryNotes), and for the inspector in plain
 * words, the problems (damage that may have cost data) apart from the notes
 * on how the open went (openReport). Empty after a clean close.
 */
import { damagedHowOfKind, damagedKeyLabel } from './damaged-key.js';
import { keyFromString, printableKey } from './keys.js';
import { KEYDIR_IMAGE_FILE } from './native/files.js';
import type { Problem, RecoveryReport } from './types.js';

/**
 * A damaged record's key as verify names it, where the problem carries one: "key (unverified, the record fails
 * its checksum): user:00012:profile", escaped as list escapes keys. Empty where no key can be told.
 */
export function damagedKeyText(p: Problem): string {
  return p.key ? `${damagedKeyLabel(p.key.from, damagedHowOfKind(p.kind))}: ${printableKey(keyFromString(p.key.key))}` : '';
}

/** The terse line's tail for a problem's key: "; key (unverified, …): K", or nothing. */
export const keySuffix = (p: Problem): string => (p.key ? `; ${damagedKeyText(p)}` : '');

const tornLine = (p: Problem): string => `torn tail in ${p.file} at ${p.offset}: ${p.message}${keySuffix(p)}`;
const skippedLine = (p: Problem): string => `skipped ${p.kind} in ${p.file} at ${p.offset}: ${p.message}${keySuffix(p)}`;
const compactionLine = (how: NonNullable<RecoveryReport['compactionRecovered']>): string => `interrupted compaction ${how}`;
const lockLine = (pid: number): string =>
  pid > 0 ? `took over the lock of process ${pid}, which is no longer running` : 'took over a lock file that named no process (empty or damaged)';

export function recoveryNotes(r: RecoveryReport): string[] {
  return [
    ...r.tornTails.map(tornLine),
    ...r.skipped.map(skippedLine),
    ...r.hintFallbacks.map((h) => `read from the data instead: ${h}`),
    ...(r.compactionRecovered ? [compactionLine(r.compactionRecovered)] : []),
    ...(r.staleLockTakenOver === undefined ? [] : [lockLine(r.staleLockTakenOver)]),
  ];
}

/** One thing the open found or did, in plain words (contract.ts OpenReportItem). */
export interface OpenReportItem {
  kind: 'problem' | 'note';
  text: string;
  /** The technical line behind it (the CLI's), for who wants the particulars. */
  detail?: string;
}

/** What an open met, whatever the format: `damage` is the part of `problems` that may have cost committed data. */
export interface OpenFindings {
  /** Everything the replay skipped or found torn. */
  problems: readonly Problem[];
  /** Of those, the ones that may have cost committed keys or versions (not a crash's unfinished last write). */
  damage: readonly Problem[];
  /** The line each problem is told in on stderr (recoveryNotes, ForeignStore.warnings). */
  lineOf: (p: Problem) => string;
  hintFallbacks?: readonly string[];
  compactionRecovered?: RecoveryReport['compactionRecovered'];
  staleLockTakenOver?: number;
}

/** What a damaged record is, in words, by its kind. */
const DAMAGE_WORDS: Record<Problem['kind'], string> = {
  'bad-crc': 'a damaged record (its checksum does not match its bytes)',
  'torn-tail': 'an unfinished record at the end of the file',
  'impossible-length': 'a damaged record (its length cannot be right)',
  'bad-header': 'a damaged file header',
  'bad-hint': 'a damaged hint entry',
  'stale-hint': 'a hint entry that no longer matches its data',
  'hint-mismatch': 'a hint entry that does not match its record',
  'duplicate-sequence': 'a record whose sequence number another one has too',
  'out-of-order-sequence': 'a record out of sequence order',
  'incomplete-batch': 'a batch of writes that was never finished',
  unreadable: 'a file that cannot be read',
};

/** A data file's or the keydir image's reason for not being used (a hintFallbacks line), in plain words. */
export function hintFallbackText(line: string): string {
  const at = line.indexOf(': ');
  const file = at < 0 ? line : line.slice(0, at);
  const why = at < 0 ? '' : line.slice(at + 2);
  if (file === KEYDIR_IMAGE_FILE) {
    if (why.startsWith('stale')) return 'The keydir image was older than the data files, so the keys were read from the data files instead; nothing is wrong.';
    if (why.includes('big-endian')) return 'The keydir image is not read on this kind of computer (big-endian), so the keys were read from the hint and data files instead; nothing is wrong.';
    return 'The keydir image could not be used, so the keys were read from the hint and data files instead; no data is lost.';
  }
  const data = file.replace(/\.hint$/, '.data');
  if (why === 'missing') return `${data} has no hint file, so its keys were read from the data file itself; nothing is lost (it only took longer).`;
  if (why.startsWith('stale')) return `The hint file ${file} was older than ${data}, so its keys were read from the data file instead; nothing is wrong.`;
  return `The hint file ${file} could not be used, so the keys of ${data} were read from the data file instead; no data is lost.`;
}

/**
 * What the open found and did, for a person: each problem that may have cost committed keys or versions, then
 * notes on how the open went (a crash's unfinished last write, hints or the keydir image not used, a compaction
 * finished or undone, a stale lock taken over), each with the technical line as its detail.
 */
export function openReport(f: OpenFindings): OpenReportItem[] {
  const damage = new Set(f.damage);
  const problems: OpenReportItem[] = [];
  const notes: OpenReportItem[] = [];
  for (const p of f.problems) {
    const detail = f.lineOf(p);
    if (!damage.has(p)) {
      const key = p.key ? `, ${damagedKeyText(p)}` : '';
      notes.push({ kind: 'note', text: `The last write to ${p.file} was left unfinished, as a crash leaves it (at offset ${p.offset}${key}); everything written before it is intact.`, detail });
    } else if (p.kind === 'unreadable') {
      problems.push({ kind: 'problem', text: `${p.file} cannot be read, so the keys and versions it holds are missing.`, detail });
    } else {
      // Its key where one can be told (verify's words: unverified as its bytes read, or the keydir's or a hint's).
      const key = p.key ? `, ${damagedKeyText(p)}` : '';
      // A region of several records side by side (their headers' lengths show it): the key named is the first's.
      const more = p.records === 2 ? 'another damaged record' : `${(p.records ?? 0) - 1} more damaged records`;
      const what = p.records ? `${DAMAGE_WORDS[p.kind]} and ${more} right after it` : DAMAGE_WORDS[p.kind];
      const held = p.records ? 'they' : 'it';
      problems.push({ kind: 'problem', text: `Skipped ${what} in ${p.file} at offset ${p.offset}${key}${p.records && p.key ? " (the first one's)" : ''}; keys or versions ${held} held may be missing.`, detail });
    }
  }
  for (const h of f.hintFallbacks ?? []) notes.push({ kind: 'note', text: hintFallbackText(h), detail: h });
  if (f.compactionRecovered === 'rolled-forward') {
    notes.push({ kind: 'note', text: 'A compaction that was interrupted after it committed was finished; nothing is lost.', detail: compactionLine(f.compactionRecovered) });
  } else if (f.compactionRecovered === 'rolled-back') {
    notes.push({ kind: 'note', text: 'A compaction that was interrupted before it committed was undone; the store is as it was before it began.', detail: compactionLine(f.compactionRecovered) });
  }
  if (f.staleLockTakenOver !== undefined) {
    notes.push({
      kind: 'note',
      text:
        f.staleLockTakenOver > 0
          ? `The store's lock named process ${f.staleLockTakenOver}, which is no longer running (it ended without closing the store), so the lock was taken over.`
          : "The store's lock file named no process (it is empty or damaged), so the lock was taken over.",
      detail: lockLine(f.staleLockTakenOver),
    });
  }
  return [...problems, ...notes];
}

/** openReport of a kvscope store's open: its recovery, and the damage it skipped (Store.damageSkipped). */
export function recoveryReport(r: RecoveryReport, damage: readonly Problem[]): OpenReportItem[] {
  return openReport({
    problems: [...r.skipped, ...r.tornTails],
    damage,
    lineOf: (p) => (r.tornTails.includes(p) ? tornLine(p) : skippedLine(p)),
    hintFallbacks: r.hintFallbacks,
    compactionRecovered: r.compactionRecovered,
    staleLockTakenOver: r.staleLockTakenOver,
  });
}
