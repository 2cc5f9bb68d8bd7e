/**
 * What the open found, said for a person (recovery.ts openReport): plain words, problems (damage that may have
 * cost data) apart from notes on how the open went, the terse line kept as each item's detail.
 */
import { describe, expect, it } from 'vitest';
import { hintFallbackText, recoveryNotes, recoveryReport } from '../../src/engine/recovery.js';
import type { Problem, RecoveryReport } from '../../src/engine/types.js';

const report = (r: Partial<RecoveryReport>): RecoveryReport => ({ tornTails: [], skipped: [], hintFallbacks: [], ...r });

describe('the open in plain words', () => {
  it('says a stale keydir image or hint, a missing or damaged one, without the files’ jargon, each a note', () => {
    expect(hintFallbackText('KEYDIR: stale, not used (000005.data is 19 bytes, the image says 9)')).toBe(
      'The keydir image was older than the data files, so the keys were read from the data files instead; nothing is wrong.',
    );
    expect(hintFallbackText('KEYDIR: not a keydir, not used (slot 3 names segment 9)')).toBe(
      'The keydir image could not be used, so the keys were read from the hint and data files instead; no data is lost.',
    );
    expect(hintFallbackText('000001.hint: missing')).toBe('000001.data has no hint file, so its keys were read from the data file itself; nothing is lost (it only took longer).');
    expect(hintFallbackText('000002.hint: stale (written for 100 bytes, segment has 140)')).toBe(
      'The hint file 000002.hint was older than 000002.data, so its keys were read from the data file instead; nothing is wrong.',
    );
    expect(hintFallbackText('000003.hint: trailer counts 4 entries, file has 3 (offset 80)')).toBe(
      'The hint file 000003.hint could not be used, so the keys of 000003.data were read from the data file instead; no data is lost.',
    );
    const items = recoveryReport(report({ hintFallbacks: ['KEYDIR: stale, not used (000005.data is 19 bytes, the image says 9)', '000001.hint: missing'] }), []);
    expect(items.map((i) => i.kind)).toEqual(['note', 'note']);
    expect(items.map((i) => i.detail)).toEqual(['KEYDIR: stale, not used (000005.data is 19 bytes, the image says 9)', '000001.hint: missing']);
    for (const i of items) expect(i.text).not.toMatch(/KEYDIR|read from the data instead/);
  });

  it('calls damage that may have cost data a problem, and a crash’s unfinished last write a note, problems first', () => {
    const last: Problem = { file: '000004.data', offset: 8275, kind: 'torn-tail', message: 'record of 30 bytes runs 12 bytes past the end of the file (cut off)' };
    const damaged: Problem = { file: '000001.data', offset: 4970, kind: 'bad-crc', message: 'checksum mismatch: stored 0x00000001, computed 0x00000002' };
    const unreadable: Problem = { file: '000002.data', offset: 0, kind: 'unreadable', message: 'the file cannot be read (EACCES)' };
    const r = report({ tornTails: [last], skipped: [damaged, unreadable], compactionRecovered: 'rolled-forward', staleLockTakenOver: 4242 });
    const items = recoveryReport(r, [damaged, unreadable]);
    expect(items.map((i) => [i.kind, i.text])).toEqual([
      ['problem', 'Skipped a damaged record (its checksum does not match its bytes) in 000001.data at offset 4970; keys or versions it held may be missing.'],
      ['problem', '000002.data cannot be read, so the keys and versions it holds are missing.'],
      ['note', 'The last write to 000004.data was left unfinished, as a crash leaves it (at offset 8275); everything written before it is intact.'],
      ['note', 'A compaction that was interrupted after it committed was finished; nothing is lost.'],
      ['note', "The store's lock named process 4242, which is no longer running (it ended without closing the store), so the lock was taken over."],
    ]);
    // Each detail is the line the CLI prints for it (recoveryNotes), unchanged.
    expect(items.map((i) => i.detail).sort()).toEqual([...recoveryNotes(r)].sort());
  });
});
