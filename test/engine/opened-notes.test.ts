/**
 * What an open found, one terse line each (open.ts openedNotes): the lines the CLI prints after an open
 * (`kvscope: recovery: …`), the inspector's warnings and the crash lab's recovery, for each kind of thing the open
 * report has — a torn tail, a skipped damaged record, a hint not used, a compaction finished or undone, a stale lock
 * taken over, another format's replay — and the same lines as the open report's details.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, openedNotes, openedReport, type OpenedStore } from '../../src/engine/open.js';
import { Store } from '../../src/engine/store.js';
import type { RecordLocation } from '../../src/engine/types.js';
import { cleanTempDirs, crashAfterCompactionCommit, crashBeforeCompactionCommit, dataFiles, flipByte, removeKeydirImage, tempDir } from './helpers.js';

afterEach(cleanTempDirs);

/** Keys k00..k39 written twice over a few segments, closed cleanly, the keydir image removed (as a crash leaves it). */
async function build(dir: string): Promise<RecordLocation> {
  const store = await Store.open(dir, { create: true, segmentSize: 1100, fsync: 'never' });
  for (const round of [1, 2]) for (let i = 0; i < 40; i++) await store.put(`k${String(i).padStart(2, '0')}`, `value-${round}-${i}`);
  const k05 = store.locate('k05')!;
  await store.close();
  removeKeydirImage(dir);
  return k05;
}

/** Open, take the terse lines and the report, close. */
async function notesOf(dir: string, options: Parameters<typeof openStore>[1], leaveOutReaderHints?: boolean) {
  const opened: OpenedStore = await openStore(dir, options);
  try {
    return { notes: openedNotes(opened, leaveOutReaderHints === undefined ? {} : { leaveOutReaderHints }), details: openedReport(opened).map((i) => i.detail) };
  } finally {
    await opened.store.close();
  }
}

describe('openedNotes: what an open found, one terse line each', () => {
  it('a kvscope store: a torn tail, a skipped damaged record, a hint not used and a stale lock, each its line, the report’s details the same', async () => {
    const dir = tempDir();
    const k05 = await build(dir);
    const [first, last] = [k05.file, dataFiles(dir).at(-1)!];
    expect(first).not.toBe(last);
    // A damaged value in k05's file (read from its data: its hint is gone), an unfinished write after the last file.
    fs.rmSync(path.join(dir, first.replace('.data', '.hint')));
    flipByte(path.join(dir, first), k05.offset + k05.length - 1);
    const lastSize = fs.statSync(path.join(dir, last)).size;
    fs.appendFileSync(path.join(dir, last), Buffer.from([0x01, 0x02, 0x03]));
    fs.writeFileSync(path.join(dir, 'LOCK'), ''); // a lock file naming no process
    const { notes, details } = await notesOf(dir, {});
    expect(notes).toEqual([
      expect.stringMatching(new RegExp(`^torn tail in ${last} at ${lastSize}: `)),
      expect.stringMatching(new RegExp(`^skipped bad-crc in ${first} at ${k05.offset}: checksum mismatch.*; key \\(unverified, .*\\): k05$`)),
      `read from the data instead: ${first.replace('.data', '.hint')}: missing`,
      expect.stringMatching(new RegExp(`^read from the data instead: ${last.replace('.data', '.hint')}: stale `)),
      'took over a lock file that named no process (empty or damaged)',
    ]);
    // The open report says the same, each item's detail its line (a hint's without the line's 'read from … instead: ').
    expect(details).toHaveLength(notes.length);
    for (const detail of details) expect(notes.filter((line) => line.endsWith(detail!))).toHaveLength(1);
  });

  it('a reader’s hint not used: said by default (the inspector, the crash lab), left out where asked (the CLI); a writer says it either way', async () => {
    const dir = tempDir();
    await build(dir);
    const hint = dataFiles(dir)[0]!.replace('.data', '.hint');
    fs.rmSync(path.join(dir, hint));
    const line = `read from the data instead: ${hint}: missing`;
    expect((await notesOf(dir, { readOnly: true })).notes).toEqual([line]);
    expect((await notesOf(dir, { readOnly: true }, true)).notes).toEqual([]);
    expect((await notesOf(dir, {}, true)).notes).toEqual([line]);
  });

  it('an interrupted compaction finished or undone', async () => {
    const forward = tempDir();
    await build(forward);
    const crashed = path.join(tempDir(), 'after');
    await crashAfterCompactionCommit(forward, crashed);
    expect((await notesOf(crashed, {})).notes).toEqual(['interrupted compaction rolled-forward']);

    const back = tempDir();
    await build(back);
    const before = path.join(tempDir(), 'before');
    await crashBeforeCompactionCommit(back, before);
    expect((await notesOf(before, {})).notes).toEqual(['interrupted compaction rolled-back']);
  });

  it('another format: its replay’s warning lines, the report’s details the same', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'store.log'), 'SET a b\nSET c d\nSE');
    const opened = await openStore(dir, { format: 'tiny-log-kv' });
    try {
      const notes = openedNotes(opened);
      expect(notes).toEqual([expect.stringMatching(/^torn tail in store\.log at 16: /)]);
      expect(openedReport(opened).map((i) => i.detail)).toEqual(notes);
    } finally {
      await opened.store.close();
    }
  });
});
