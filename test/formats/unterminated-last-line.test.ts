/**
 * A text log whose last line has no newline (a write that may have been cut
 * short): tiny-log-kv and kvdb read it with Rust's BufRead::lines(), which
 * returns that line too, and apply it when it parses as a command ("SET city
 * Ly", cut inside "SET city Lyon", sets city to "Ly"); kvstore-rs is taken
 * to read the same way. kvscope replays it so, and notes the missing newline
 * (a torn row of no bytes at the end) for verify and the open. A partial line
 * that is no command ("SE") stays a torn record the program ignores.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DecodedRecord } from '../../src/engine/formats/format.js';
import { decodeWal } from '../../src/engine/formats/kvdb.js';
import { decodeDefaultJson } from '../../src/engine/formats/kvstore-rs.js';
import { decodeStoreLog, tinyLogKv } from '../../src/engine/formats/tiny-log-kv.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { InspectorService } from '../../src/inspector/service.js';
import { discoverFixtures, kvscope, tempDirs } from './helpers.js';

const temps = tempDirs();

function rows(records: DecodedRecord[]): [number, number, string, string, string | undefined][] {
  return records.map((r) => [r.offset, r.length, r.kind, r.status, r.key && Buffer.from(r.key).toString('utf8')]);
}

function value(bytes: Buffer, r: DecodedRecord): string {
  return bytes.subarray(r.valueOffset!, r.valueOffset! + r.valueLength!).toString('utf8');
}

describe('a last line without newline, decoded', () => {
  it('tiny-log-kv applies a partial line that is a whole command, and notes the missing newline after it', () => {
    const bytes = Buffer.from('SET a b\nSET city Ly');
    const records = decodeStoreLog(bytes);
    expect(rows(records)).toEqual([
      [0, 8, 'put', 'valid', 'a'],
      [8, 11, 'put', 'valid', 'city'],
      [19, 0, 'note', 'torn', undefined],
    ]);
    expect(value(bytes, records[1]!)).toBe('Ly');
    expect(records[1]!.fields.map((f) => f.name)).toEqual(['command', 'separator', 'key', 'separator_2', 'value']);
    expect(records[2]).toMatchObject({ problemKind: 'torn-tail' });
    expect(records[2]!.problem).toMatch(/may have been cut short.*reads the line at 8 as it stands and applies it: it sets "city" to "Ly"/);
    expect(records[2]!.problem).not.toMatch(/ignore/);
    // The record table decodes again from a row's offset: from the note's, it is the note.
    const file = { name: 'store.log', role: 'data' as const, id: 0, size: bytes.length };
    expect(rows([...tinyLogKv.decodeRecords(file, bytes, 19)])).toEqual([[19, 0, 'note', 'torn', undefined]]);
    expect(rows([...tinyLogKv.decodeRecords(file, bytes, 8)])).toEqual(rows(records.slice(1)));
  });

  it('tiny-log-kv: a partial line that is no command stays torn, and the program is said to ignore it', () => {
    for (const tail of ['SE', 'SET cit', 'SET city ']) {
      const records = decodeStoreLog(Buffer.from(`SET a b\n${tail}`));
      expect(rows(records)).toEqual([
        [0, 8, 'put', 'valid', 'a'],
        [8, tail.length, 'garbage', 'torn', undefined],
      ]);
      expect(records[1]!.problem).toMatch(/may have been cut short; the real program reads this partial line and ignores it: /);
    }
    // A DEL of a whole word is applied (whatever key the cut left).
    const del = decodeStoreLog(Buffer.from('DEL cit'));
    expect(rows(del)).toEqual([
      [0, 7, 'delete', 'valid', 'cit'],
      [7, 0, 'note', 'torn', undefined],
    ]);
    expect(del[1]!.problem).toMatch(/it deletes "cit"$/);
  });

  it('kvdb applies "SET k v" and even "SET k " (an empty value) without newline, not "SET k"', () => {
    const bytes = Buffer.from('SET city Ly');
    expect(rows(decodeWal(bytes))).toEqual([
      [0, 11, 'put', 'valid', 'city'],
      [11, 0, 'note', 'torn', undefined],
    ]);
    expect(value(bytes, decodeWal(bytes)[0]!)).toBe('Ly');
    const empty = decodeWal(Buffer.from('SET city '));
    expect(rows(empty)[0]).toEqual([0, 9, 'put', 'valid', 'city']);
    expect(empty[0]!.valueLength).toBe(0);
    const cut = decodeWal(Buffer.from('SET a b\nSET city'));
    expect(rows(cut)).toEqual([
      [0, 8, 'put', 'valid', 'a'],
      [8, 8, 'garbage', 'torn', undefined],
    ]);
    expect(cut[1]!.problem).toMatch(/ignores it: SET without a space between key and value$/);
  });

  it('kvstore-rs applies "key<TAB>partial value"; a partial line without a tab stays torn', () => {
    const bytes = Buffer.from('user\talice\ncity\tLy');
    const records = decodeDefaultJson(bytes);
    expect(rows(records)).toEqual([
      [0, 11, 'put', 'valid', 'user'],
      [11, 7, 'put', 'valid', 'city'],
      [18, 0, 'note', 'torn', undefined],
    ]);
    expect(value(bytes, records[1]!)).toBe('Ly');
    expect(rows(decodeDefaultJson(Buffer.from('user\talice\nci')))[1]).toEqual([11, 2, 'garbage', 'torn', undefined]);
  });
});

describe('a last line without newline, opened (the QA steps)', () => {
  it('tiny-log-kv: list, get, verify, records, history and stats agree that city = "Ly"', async () => {
    const dir = temps.fixture('tiny-log-kv/basic');
    const log = path.join(dir, 'store.log');
    const bytes = fs.readFileSync(log);
    const at = bytes.indexOf('SET city Lyon');
    fs.writeFileSync(log, bytes.subarray(0, at + 'SET city Ly'.length));
    const end = at + 'SET city Ly'.length;

    const list = await kvscope(['list', '--dir', dir]);
    expect(list.out).toContain('city');
    expect(list.err).toEqual([expect.stringContaining(`torn tail in store.log at ${end}: last line has no newline, so its write may have been cut short`)]);
    // The line was applied, not left out: the open does not call it a write cut short and left in place.
    expect(list.err[0]).toMatch(/\(that last line applied, as tiny-log-kv applies it\)$/);
    expect(list.err[0]).not.toContain('left in place');
    const get = await kvscope(['get', 'city', '--dir', dir]);
    expect([get.code, get.out]).toEqual([0, ['Ly']]);

    const verify = await kvscope(['verify', '--dir', dir]);
    expect(verify.code).toBe(1);
    // Twelve lines, twelve records: the note of the missing newline is a problem, no good record.
    expect(verify.out[0]).toMatch(/^1 problem\(s\) in 1 files \(12 good records\):\n/);
    const problems = verify.out.filter((l) => l.includes('torn-tail'));
    expect(problems).toEqual([expect.stringContaining(`store.log@${end}  torn-tail  last line has no newline`)]);
    expect(problems[0]).toContain(`applies it: it sets "city" to "Ly"`);

    const records = await kvscope(['records', '--segment', 'store.log', '--dir', dir]);
    expect(records.out.at(-2)).toMatch(new RegExp(`^\\s+${at}\\s+11 put .* live\\s+city$`));
    expect(records.out.at(-1)).toMatch(new RegExp(`^\\s+${end}\\s+0 note .* torn\\s+last line has no newline`));
    // The note is no garbage (nothing failed to decode there): dump says note too.
    const dump = await kvscope(['dump', '--dir', dir]);
    expect(dump.out.at(-1)).toMatch(new RegExp(`^store\\.log@${end}\\t0\\tnote\\ttorn\\t`));

    const history = await kvscope(['history', 'city', '--dir', dir]);
    expect(history.out.at(-1)).toMatch(new RegExp(`store\\.log\\s+${at}\\s+11\\s+put\\s+live$`));

    const stats = await kvscope(['stats', '--dir', dir]);
    expect(stats.out.join('\n')).toMatch(/^\s*store\.log\s.*12 records\s+live \d+\s+stale \d+\s+tombstones \d+\s+\(active\)$/m);
    expect(stats.out.join('\n')).toMatch(/^Keys:\s+7$/m);
  });

  it('the missing-newline note is no record: verify, segments and the record table count the twelve lines, as stats', async () => {
    const dir = temps.fixture('tiny-log-kv/basic');
    const log = path.join(dir, 'store.log');
    const bytes = fs.readFileSync(log);
    fs.writeFileSync(log, bytes.subarray(0, bytes.indexOf('SET city Lyon') + 'SET city Ly'.length));
    const lines = fs.readFileSync(log, 'latin1').split('\n').length;

    const verify = JSON.parse((await kvscope(['verify', '--json', '--dir', dir])).out[0]!) as { recordsChecked: number; problems: { kind: string; length: number }[] };
    expect(verify.recordsChecked).toBe(lines);
    expect(verify.problems).toEqual([expect.objectContaining({ kind: 'torn-tail', length: 0 })]);
    const segments = JSON.parse((await kvscope(['segments', '--json', '--dir', dir])).out[0]!) as { files: { file: string; records: number }[] };
    expect(segments.files.find((f) => f.file === 'store.log')?.records).toBe(lines);
    const stats = JSON.parse((await kvscope(['stats', '--json', '--dir', dir])).out[0]!) as { perSegment: { records: number }[] };
    expect(stats.perSegment[0]!.records).toBe(lines);

    // The record table shows the note's row, and counts it apart from the records, as a header.
    const service = new InspectorService({ opener: createEngineOpener(), configDir: temps.empty('kvscope-newline-config-') });
    try {
      const { sessionId } = await service.dispatch('openStore', { path: dir });
      let page;
      do page = await service.dispatch('records', { sessionId, file: 'store.log', start: 0, limit: 100 });
      while (!page.complete);
      expect(page.rows.at(-1)).toMatchObject({ offset: fs.statSync(log).size, length: 0, status: 'torn' });
      expect(page.frameRows).toEqual(['missing-newline note']);
      expect(page.unfilteredTotal - page.frameRows.length).toBe(lines);
    } finally {
      await service.close();
    }
  });

  it('verify counts the records that check out as segments counts records, on every fixture (a hint\'s trailer is none)', async () => {
    for (const c of discoverFixtures()) {
      const verify = JSON.parse((await kvscope(['verify', '--json', '--dir', c.dataDir])).out[0]!) as { ok: boolean; recordsChecked: number };
      const segments = JSON.parse((await kvscope(['segments', '--json', '--dir', c.dataDir])).out[0]!) as { files: { records: number }[] };
      expect(verify.ok, c.name).toBe(true);
      expect(verify.recordsChecked, c.name).toBe(segments.files.reduce((n, f) => n + f.records, 0));
    }
  });
});
