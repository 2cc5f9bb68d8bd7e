/**
 * Verify's Riak hint check (foreign-hint-check.ts) keeps the data file's
 * records in columns and checks a hint's entries as they come. It must say
 * exactly what the check written the plain way says (every data record in a
 * Map by offset, every hint record in an array): on the real fixtures, and
 * on randomly damaged data and hint files, message for message.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataRecords, HintChecker } from '../../src/engine/foreign-hint-check.js';
import type { DecodedRecord, FormatFile } from '../../src/engine/formats/format.js';
import { riakBitcask } from '../../src/engine/formats/riak-bitcask.js';
import { keyToString } from '../../src/engine/keys.js';
import type { Problem } from '../../src/engine/types.js';
import { discoverFixtures } from './helpers.js';

/** The check as it was first written: every record held. */
function plainCheck(file: FormatFile, records: readonly DecodedRecord[], dataRecords: readonly DecodedRecord[] | undefined): Problem[] {
  if (!dataRecords) return [{ file: file.name, offset: 0, kind: 'stale-hint', message: `hint file without a data file with id ${file.id}` }];
  const data = new Map(dataRecords.map((r) => [r.offset, { key: r.key ? keyToString(r.key) : '', length: r.length, kind: r.kind, sequence: r.sequence, valid: r.status === 'valid' }]));
  const problems: Problem[] = [];
  for (const r of records) {
    if (r.status !== 'valid' || !r.pointsTo || !r.key) continue;
    const target = data.get(r.pointsTo.offset);
    const where = `hint entry says offset ${r.pointsTo.offset}, ${r.pointsTo.length} bytes`;
    let mismatch: string | undefined;
    if (!target) mismatch = `${where}, but no record starts there`;
    else if (!target.valid) mismatch = `${where}, but the record there is damaged`;
    else if (target.length !== r.pointsTo.length) mismatch = `${where}, but the record there is ${target.length} bytes`;
    else if (target.key !== keyToString(r.key)) mismatch = `${where}, but the record there has a different key`;
    else if (target.kind !== r.pointsTo.kind) mismatch = `${where} (${r.pointsTo.kind}), but the record there is a ${target.kind}`;
    else if (r.sequence !== undefined && target.sequence !== r.sequence) mismatch = `${where}, but the record there has timestamp ${target.sequence}, not ${r.sequence}`;
    if (mismatch) problems.push({ file: file.name, offset: r.offset, kind: 'hint-mismatch', length: r.length, message: mismatch });
  }
  if (records.some((r) => r.kind === 'trailer' && r.status === 'valid')) {
    const described = new Set(records.map((r) => r.pointsTo?.offset));
    const missing = [...data].filter(([offset, d]) => d.valid && (d.kind === 'put' || d.kind === 'delete') && !described.has(offset));
    if (missing.length > 0) {
      const end = records.reduce((n, r) => Math.max(n, r.offset + r.length), 0);
      problems.push({ file: file.name, offset: end, kind: 'stale-hint', message: `${missing.length} record(s) of the data file (first at offset ${missing[0]![0]}) have no entry in this hint file` });
    }
  }
  return problems;
}

function columnCheck(file: FormatFile, records: readonly DecodedRecord[], dataRecords: readonly DecodedRecord[] | undefined): Problem[] {
  let data: DataRecords | undefined;
  if (dataRecords) {
    data = new DataRecords();
    for (const r of dataRecords) data.add(r);
  }
  const checker = new HintChecker(file, data);
  for (const r of records) checker.entry(r);
  return checker.finish();
}

interface Pair {
  name: string;
  dataFile: FormatFile;
  data: Buffer;
  hintFile: FormatFile;
  hint: Buffer;
}

function pairs(): Pair[] {
  const out: Pair[] = [];
  for (const fixture of discoverFixtures().filter((f) => f.engine === 'riak-bitcask')) {
    const files = riakBitcask.listFiles(fixture.dataDir);
    for (const hintFile of files.filter((f) => f.role === 'hint')) {
      const dataFile = files.find((f) => f.role === 'data' && f.id === hintFile.id)!;
      out.push({ name: `${fixture.name} ${hintFile.name}`, dataFile, hintFile, data: fs.readFileSync(path.join(fixture.dataDir, dataFile.name)), hint: fs.readFileSync(path.join(fixture.dataDir, hintFile.name)) });
    }
  }
  return out;
}

function compare(p: Pair, data: Buffer, hint: Buffer, withData = true): void {
  const records = riakBitcask.decodeFile(p.hintFile, hint);
  const dataRecords = withData ? riakBitcask.decodeFile(p.dataFile, data) : undefined;
  expect(columnCheck(p.hintFile, records, dataRecords)).toEqual(plainCheck(p.hintFile, records, dataRecords));
}

describe('the Riak hint check', () => {
  it('says what the plain check says on every fixture hint, with and without its data file', () => {
    const all = pairs();
    expect(all.length).toBeGreaterThan(5);
    for (const p of all) {
      compare(p, p.data, p.hint);
      compare(p, p.data, p.hint, false);
      // Sound fixtures: nothing to report.
      expect(columnCheck(p.hintFile, riakBitcask.decodeFile(p.hintFile, p.hint), riakBitcask.decodeFile(p.dataFile, p.data))).toEqual([]);
    }
  });

  it('says what the plain check says on damaged data and hint files', () => {
    const all = pairs().slice(0, 4);
    const damage = fc.record({
      dataEdits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
      hintEdits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
      dataCut: fc.option(fc.nat(), { nil: undefined }),
      hintCut: fc.option(fc.nat(), { nil: undefined }),
    });
    let found = 0;
    for (const p of all) {
      fc.assert(
        fc.property(damage, ({ dataEdits, hintEdits, dataCut, hintCut }) => {
          const data = Buffer.from(p.data);
          const hint = Buffer.from(p.hint);
          for (const [at, v] of dataEdits) data[at % data.length] = v;
          for (const [at, v] of hintEdits) hint[at % hint.length] = v;
          const d = dataCut === undefined ? data : data.subarray(0, dataCut % (data.length + 1));
          const h = hintCut === undefined ? hint : hint.subarray(0, hintCut % (hint.length + 1));
          const records = riakBitcask.decodeFile(p.hintFile, h);
          const problems = plainCheck(p.hintFile, records, riakBitcask.decodeFile(p.dataFile, d));
          found += problems.length;
          compare(p, d, h);
        }),
        { numRuns: 150 },
      );
    }
    // The damage gave the check things to report.
    expect(found).toBeGreaterThan(50);
  });
});
