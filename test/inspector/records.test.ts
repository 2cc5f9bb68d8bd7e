/**
 * The record-level methods of the inspector service on real stores: paged
 * records with status classification, record details, hex byte pages, verify
 * as a job finding each injected fault at its offset, old versions' values
 * and restore, repair, crash lab, follow events from a separate writer
 * process, and the contract refusing malformed requests for all of them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, cpSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, truncateSync, writeSync, writeFileSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { DEFAULT_POLL_MS, StoreFollower } from '../../src/engine/follow.js';
import { computeRecordCrc } from '../../src/engine/native/codec.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { InspectorService } from '../../src/inspector/service.js';
import type { KvscopeEvent, RecordRow, VerifyResult } from '../../src/shared/contract.js';
import { ApiError } from '../../src/shared/errors.js';
import { validateRequest } from '../../src/shared/validate.js';
import { SHARED_DIR } from '../shared-dir.js';
import { flipByte, resealedImage } from '../engine/helpers.js';
import { rejection } from './rejection.js';

const ROOT = resolve(import.meta.dirname, '../..');
let base: string;
let template: string;
let dir: string;
let service: InspectorService;
let events: KvscopeEvent[];
let n = 0;
let child: ChildProcess | undefined;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'kvscope-rec-'));
  template = join(base, 'template');
  const store = await Store.open(template, { create: true, segmentSize: 1024, fsync: 'never' });
  for (let i = 0; i < 60; i++) await store.put(`key:${String(i).padStart(2, '0')}`, `value ${i} ${'.'.repeat(i % 13)}`);
  for (let i = 0; i < 60; i += 4) await store.put(`key:${String(i).padStart(2, '0')}`, `second ${i}`);
  for (let i = 1; i < 60; i += 9) await store.delete(`key:${String(i).padStart(2, '0')}`);
  await store.close();
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

beforeEach(() => {
  n++;
  dir = join(base, `store-${n}`);
  cpSync(template, dir, { recursive: true });
  service = new InspectorService({ opener: createEngineOpener(), configDir: join(base, `config-${n}`) });
  events = [];
  service.onEvent((e) => events.push(e));
});
afterEach(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
  await service.close();
});

async function allRows(sessionId: string, file: string, extra: { key?: string; status?: RecordRow['status'] } = {}): Promise<RecordRow[]> {
  const rows: RecordRow[] = [];
  for (let start = 0; ; ) {
    const page = await service.dispatch('records', { sessionId, file, start, limit: 7, ...extra });
    rows.push(...page.rows);
    start += page.rows.length;
    // A large file is indexed (and filtered) in the background: ask again until the answer is complete.
    if (page.complete && start >= page.total) return rows;
  }
}

function waitForEvent(pred: (e: KvscopeEvent) => boolean, ms = 10_000): Promise<KvscopeEvent> {
  return new Promise((res, rej) => {
    const found = events.find(pred);
    if (found) return res(found);
    const timer = setTimeout(() => rej(new Error('event not seen')), ms);
    const off = service.onEvent((e) => {
      if (pred(e)) {
        clearTimeout(timer);
        off();
        res(e);
      }
    });
  });
}

async function verifyThroughService(sessionId: string): Promise<VerifyResult> {
  const { jobId } = await service.dispatch('verify', { sessionId });
  const done = await waitForEvent((e) => (e.type === 'job-done' || e.type === 'job-failed') && e.jobId === jobId);
  if (done.type !== 'job-done' || done.kind !== 'verify') throw new Error(JSON.stringify(done));
  return done.report;
}

function patch(file: string, offset: number, bytes: number[]): void {
  const fd = openSync(join(dir, file), 'r+');
  writeSync(fd, Buffer.from(bytes), 0, bytes.length, offset);
  closeSync(fd);
}

describe('records, recordAt, readBytes', () => {
  it('pages every record of a segment and classifies each against the keydir', async () => {
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    const segs = await service.dispatch('segments', { sessionId });
    const dataFiles = segs.files.filter((f) => f.role === 'data');
    expect(dataFiles.length).toBeGreaterThan(2);
    const store = await Store.open(dir, { readOnly: true });
    let live = 0;
    for (const f of dataFiles) {
      const rows = await allRows(sessionId, f.file);
      const whole = await service.dispatch('records', { sessionId, file: f.file, start: 0, limit: 1000 });
      expect(rows).toEqual(whole.rows);
      expect(rows[0]).toMatchObject({ offset: 0, length: 24, kind: 'header', status: 'meta' });
      // Records tile the file.
      for (let i = 1; i < rows.length; i++) expect(rows[i]!.offset).toBe(rows[i - 1]!.offset + rows[i - 1]!.length);
      expect(rows.at(-1)!.offset + rows.at(-1)!.length).toBe(f.bytes);
      for (const r of rows.slice(1)) {
        const key = Buffer.from(r.key!, 'latin1');
        const loc = store.locate(key);
        const expected = r.kind === 'delete' ? 'tombstone' : loc && loc.file === f.file && loc.offset === r.offset ? 'live' : 'shadowed';
        expect(r.status, `${f.file}@${r.offset}`).toBe(expected);
        expect(r.storedCrc).toBe(r.computedCrc);
        if (r.status === 'live') live++;
      }
      // Byte breakdown in the segments view agrees with the rows.
      const sum = (s: RecordRow['status']) => rows.filter((r) => r.status === s).reduce((a, r) => a + r.length, 0);
      expect(f).toMatchObject({ liveBytes: sum('live'), staleBytes: sum('shadowed'), tombstoneBytes: sum('tombstone'), corruptBytes: 0 });
      expect(f.oldestSequence).toBe(rows[1]!.sequence);
      expect(f.newestSequence).toBe(rows.at(-1)!.sequence);
    }
    expect(live).toBe(store.keyCount());
    await store.close();
  });

  it('filters by key substring and by status', async () => {
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    const file = '000001.data';
    const byKey = await allRows(sessionId, file, { key: 'key:04' });
    expect(byKey.length).toBeGreaterThan(0);
    expect(byKey.every((r) => r.key === 'key:04')).toBe(true);
    const shadowed = await allRows(sessionId, file, { status: 'shadowed' });
    expect(shadowed.length).toBeGreaterThan(0);
    expect(shadowed.every((r) => r.status === 'shadowed')).toBe(true);
    const page = await service.dispatch('records', { sessionId, file, start: 0, limit: 5, status: 'shadowed' });
    expect(page.unfilteredTotal).toBeGreaterThan(page.total);
  });

  it('returns a record with fields tiling its bytes, for any offset inside it', async () => {
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    const rows = await allRows(sessionId, '000002.data');
    const r = rows[3]!;
    const at = await service.dispatch('recordAt', { sessionId, file: '000002.data', offset: r.offset + 9 });
    const rec = at.record!;
    expect(rec).toMatchObject({ offset: r.offset, length: r.length, index: 3, key: r.key });
    expect(rec.fields.map((f) => f.name)).toEqual(['crc', 'type', 'flags', 'sequence', 'keyLength', 'valueLength', 'key', 'value']);
    expect(rec.fields[0]!.start).toBe(r.offset);
    for (let i = 1; i < rec.fields.length; i++) expect(rec.fields[i]!.start).toBe(rec.fields[i - 1]!.end);
    expect(rec.fields.at(-1)!.end).toBe(r.offset + r.length);
    expect(rec.fields[3]!.display).toBe(String(r.sequence));
    expect(rec.fields[0]!.explain).toMatch(/CRC-32/);
    // Past the end of the file: not an offset of it (exactly at the end: no record, below).
    expect((await rejection(service.dispatch('recordAt', { sessionId, file: '000002.data', offset: 1e9 }))).code).toBe('BAD_REQUEST');
  });

  it('serves pages of a file\'s bytes', async () => {
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    const bytes = readFileSync(join(dir, '000001.data'));
    const page = await service.dispatch('readBytes', { sessionId, file: '000001.data', offset: 100, length: 64 });
    expect(page.fileSize).toBe(bytes.length);
    expect(Buffer.from(page.base64, 'base64')).toEqual(bytes.subarray(100, 164));
    const tail = await service.dispatch('readBytes', { sessionId, file: '000001.data', offset: bytes.length - 10, length: 4096 });
    expect(Buffer.from(tail.base64, 'base64')).toEqual(bytes.subarray(bytes.length - 10));
    const past = await service.dispatch('readBytes', { sessionId, file: '000001.data', offset: bytes.length + 5, length: 16 });
    expect(past.base64).toBe('');
    expect((await rejection(service.dispatch('readBytes', { sessionId, file: 'LOCK', offset: 0, length: 4 }))).code).toBe('NOT_FOUND');
    expect((await rejection(service.dispatch('readBytes', { sessionId, file: 'nope.data', offset: 0, length: 4 }))).code).toBe('NOT_FOUND');
  });

  it('recordAt: an offset that is malformed or past the end of the file is BAD_REQUEST, exactly at the end no record', async () => {
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    const size = statSync(join(dir, '000001.data')).size;
    expect((await service.dispatch('recordAt', { sessionId, file: '000001.data', offset: size })).record).toBeNull();
    const past = await rejection(service.dispatch('recordAt', { sessionId, file: '000001.data', offset: size + 1 }));
    expect(past.code).toBe('BAD_REQUEST');
    expect(past.details).toEqual({ offset: size + 1, size });
    expect(past.message).toBe(`offset ${size + 1} is past the end of 000001.data (${size} bytes)`);
    expect((await rejection(service.dispatch('recordAt', { sessionId, file: '000001.data', offset: 99_999_999 }))).code).toBe('BAD_REQUEST');
    for (const offset of [-1, 1.5, Number.NaN, 'abc', '1e3', 2 ** 41]) {
      expect((await rejection(service.dispatch('recordAt', { sessionId, file: '000001.data', offset } as never))).code, String(offset)).toBe('BAD_REQUEST');
    }
  });

  it('does not read a file of the store that is a link to a file outside it', async () => {
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    const secret = join(base, `secret-${n}.txt`);
    writeFileSync(secret, 'not a segment: a file outside the store');
    const link = join(dir, '000099.data');
    symlinkSync(secret, link);
    try {
      for (const request of [
        service.dispatch('readBytes', { sessionId, file: '000099.data', offset: 0, length: 64 }),
        service.dispatch('records', { sessionId, file: '000099.data', start: 0, limit: 10 }),
      ]) {
        const err = await rejection(request);
        expect(err.code).toBe('FORBIDDEN');
        expect(err.message).toContain('000099.data is a link to a file outside the store');
      }
      // A link that stays inside the store is read as the file it names.
      unlinkSync(link);
      symlinkSync(join(dir, '000001.data'), link);
      const page = await service.dispatch('readBytes', { sessionId, file: '000099.data', offset: 0, length: 4 });
      expect(Buffer.from(page.base64, 'base64').toString('latin1')).toBe('KVSD');
    } finally {
      unlinkSync(link);
    }
  });

  it('marks the records of an unfinished atomic batch as uncommitted', async () => {
    const batchDir = join(base, `batch-${n}`);
    const store = await Store.open(batchDir, { create: true, fsync: 'never' });
    await store.put('before', '1');
    await store.batch([
      { type: 'put', key: 'b1', value: 'one' },
      { type: 'put', key: 'b2', value: 'two' },
      { type: 'put', key: 'b3', value: 'three' },
    ]);
    const b3 = store.locate('b3')!;
    await store.close();
    truncateSync(join(batchDir, b3.file), b3.offset + 5); // the batch's last record is torn: the batch never happened
    const { sessionId } = await service.dispatch('openStore', { path: batchDir });
    const rows = await allRows(sessionId, b3.file);
    expect(rows.map((r) => `${r.key ?? r.kind}:${r.status}`)).toEqual(['header:meta', 'before:live', 'b1:uncommitted', 'b2:uncommitted', 'garbage:torn']);
    expect(rows[2]!.problem).toMatch(/unfinished atomic batch/);
    expect((await allRows(sessionId, b3.file, { status: 'uncommitted' })).length).toBe(2);
  });

  it('lists the keydir image and pages its keys, and a verify problem in it opens at the key’s slot', async () => {
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    const segs = await service.dispatch('segments', { sessionId });
    const image = segs.files.find((f) => f.file === 'KEYDIR')!;
    expect(image).toMatchObject({ role: 'keydir', bytes: statSync(join(dir, 'KEYDIR')).size, liveBytes: 0, metaBytes: statSync(join(dir, 'KEYDIR')).size });
    const stats = await service.dispatch('stats', { sessionId });
    expect(image.records).toBe(stats.keys);
    const rows = await allRows(sessionId, 'KEYDIR');
    const slots = rows.filter((r) => r.kind === 'slot' && r.key !== undefined);
    const keys = (await service.dispatch('listKeys', { sessionId, offset: 0, limit: 1000 })).keys.map((k) => k.key);
    expect(slots.map((r) => r.key).sort()).toEqual([...keys].sort());
    expect(rows.every((r) => r.status === 'meta')).toBe(true);
    await service.dispatch('closeStore', { sessionId });

    // The first key's slot now points one byte into its record; its checksum made right again.
    const bytes = readFileSync(join(dir, 'KEYDIR'));
    const slot = slots[0]!;
    const resealed = resealedImage(bytes, (b) => b.writeUInt32LE(b.readUInt32LE(slot.offset + 8) + 1, slot.offset + 8));
    const fd = openSync(join(dir, 'KEYDIR'), 'r+');
    writeSync(fd, resealed, 0, resealed.length, 0);
    closeSync(fd);
    const { sessionId: s2 } = await service.dispatch('openStore', { path: dir });
    const report = await verifyThroughService(s2);
    const problem = report.problems.find((p) => p.file === 'KEYDIR')!;
    expect(problem).toMatchObject({ kind: 'hint-mismatch', offset: slot.offset });
    const at = (await service.dispatch('recordAt', { sessionId: s2, file: 'KEYDIR', offset: problem.offset })).record!;
    expect(at).toMatchObject({ kind: 'slot', offset: slot.offset, length: 32, key: slot.key });
    expect(at.fields.map((f) => [f.name, f.end - f.start])).toEqual([
      ['hash', 4],
      ['segment', 4],
      ['offset', 4],
      ['recordLength', 4],
      ['sequence', 8],
      ['keyAt', 4],
      ['keyLength', 4],
    ]);
  });

  it('works the same on a foreign format (one decoder: the format description)', async () => {
    const riak = `${SHARED_DIR}/fixtures/riak-bitcask/basic/data`;
    const { sessionId } = await service.dispatch('openStore', { path: riak });
    const segs = await service.dispatch('segments', { sessionId });
    expect(segs.format).toBe('riak-bitcask');
    expect(segs.compactionPlan).toBeUndefined();
    const rows = await allRows(sessionId, '1.bitcask.data');
    expect(rows.length).toBeGreaterThan(0);
    const rec = (await service.dispatch('recordAt', { sessionId, file: '1.bitcask.data', offset: 0 })).record!;
    expect(rec.fields.map((f) => f.role)).toEqual(expect.arrayContaining(['crc', 'timestamp', 'key', 'value']));
    const hint = (await service.dispatch('records', { sessionId, file: '1.bitcask.hint', start: 0, limit: 10 })).rows;
    expect(hint.length).toBeGreaterThan(0);
  });
});

describe('verify through the service', () => {
  it('finds each injected fault at the right file and offset', async () => {
    const { sessionId: s0 } = await service.dispatch('openStore', { path: dir });
    const rows1 = await allRows(s0, '000001.data');
    const rows2 = await allRows(s0, '000002.data');
    const segs = (await service.dispatch('segments', { sessionId: s0 })).files.filter((f) => f.role === 'data');
    const active = segs.at(-1)!.file;
    const rowsActive = await allRows(s0, active);
    await service.dispatch('closeStore', { sessionId: s0 });

    // A live record: the keydir (from the hint) will still point at it.
    const badCrc = rows1.filter((r) => r.status === 'live')[2]!;
    flipByte(join(dir, '000001.data'), badCrc.offset + badCrc.length - 1);
    const badLength = rows2[4]!;
    patch('000002.data', badLength.offset + 14, [0xff, 0xff, 0xff, 0x7f]); // keyLength far past the limit
    const torn = rowsActive.at(-1)!;
    truncateSync(join(dir, active), torn.offset + 10);
    const hintSize = statSync(join(dir, '000003.hint')).size;
    flipByte(join(dir, '000003.hint'), hintSize - 1); // hint checksum

    const { sessionId } = await service.dispatch('openStore', { path: dir });
    const report = await verifyThroughService(sessionId);
    const found = report.problems.map((p) => `${p.kind} ${p.file}@${p.offset}`);
    expect(found).toEqual(
      expect.arrayContaining([
        `bad-crc 000001.data@${badCrc.offset}`,
        `impossible-length 000002.data@${badLength.offset}`,
        `torn-tail ${active}@${torn.offset}`,
      ]),
    );
    expect(report.problems.some((p) => p.kind === 'bad-hint' && p.file === '000003.hint')).toBe(true);
    expect(report.problems.some((p) => p.kind === 'hint-mismatch' && p.file === '000001.hint')).toBe(true);
    expect(report.ok).toBe(false);
    // The record table shows each damaged region as its own row.
    const r1 = await allRows(sessionId, '000001.data');
    expect(r1.find((r) => r.offset === badCrc.offset)).toMatchObject({ status: 'corrupt', length: badCrc.length });
    expect(r1.find((r) => r.offset === badCrc.offset + badCrc.length)!.status).not.toMatch(/corrupt|torn/);
    const ra = await allRows(sessionId, active);
    expect(ra.at(-1)).toMatchObject({ offset: torn.offset, status: 'torn', length: 10 });
    const seg = (await service.dispatch('segments', { sessionId })).files.find((f) => f.file === '000001.data')!;
    expect(seg.corruptBytes).toBe(badCrc.length);
    // The keydir still points at the damaged record (it came from the hint): its bytes count as corrupt, not also as live.
    const sum = (status: string) => r1.filter((r) => r.status === status).reduce((n, r) => n + r.length, 0);
    expect(seg).toMatchObject({ liveBytes: sum('live'), staleBytes: sum('shadowed') });
    expect(seg.liveBytes + seg.staleBytes + seg.tombstoneBytes + seg.corruptBytes + seg.metaBytes).toBe(seg.bytes);
  });

  it('reports a duplicate sequence number at the record that reuses it', async () => {
    const { sessionId: s0 } = await service.dispatch('openStore', { path: dir });
    const a = (await allRows(s0, '000001.data'))[2]!;
    const b = (await allRows(s0, '000002.data'))[2]!;
    await service.dispatch('closeStore', { sessionId: s0 });
    // Give b the sequence number of a, with a checksum that matches again.
    const fd = openSync(join(dir, '000002.data'), 'r+');
    const rec = Buffer.alloc(b.length);
    readSync(fd, rec, 0, b.length, b.offset);
    rec.writeUInt32LE(a.sequence! % 2 ** 32, 6);
    rec.writeUInt32LE(Math.floor(a.sequence! / 2 ** 32), 10);
    rec.writeUInt32LE(computeRecordCrc(rec), 0);
    writeSync(fd, rec, 0, b.length, b.offset);
    closeSync(fd);
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    const report = await verifyThroughService(sessionId);
    expect(report.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'duplicate-sequence', file: '000002.data', offset: b.offset }),
        expect.objectContaining({ kind: 'out-of-order-sequence', file: '000002.data', offset: b.offset }),
        expect.objectContaining({ kind: 'hint-mismatch', file: '000002.hint' }),
      ]),
    );
  });

  it('can be cancelled', async () => {
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    const { jobId } = await service.dispatch('verify', { sessionId });
    expect(await service.dispatch('cancelJob', { jobId })).toEqual({ cancelled: true });
    const end = await waitForEvent((e) => (e.type === 'job-done' || e.type === 'job-failed') && e.jobId === jobId);
    expect(end.type === 'job-failed' ? end.error.code : 'done').toBe('ABORTED');
  });
});

describe('old versions, repair, crash lab', () => {
  it('reads any version\'s value and restores it (read-write only)', async () => {
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    const h = await service.dispatch('history', { sessionId, key: 'key:04' });
    expect(h.versions.map((v) => v.status)).toEqual(['shadowed', 'live']);
    const old = h.versions[0]!.location;
    const v = await service.dispatch('recordValue', { sessionId, file: old.file, offset: old.offset });
    expect(Buffer.from(v.base64, 'base64').toString()).toBe('value 4 ....');
    expect((await rejection(service.dispatch('restoreVersion', { sessionId, key: 'key:04', file: old.file, offset: old.offset }))).code).toBe('READ_ONLY');
    await service.dispatch('setMode', { sessionId, readWrite: true });
    expect((await rejection(service.dispatch('restoreVersion', { sessionId, key: 'key:05', file: old.file, offset: old.offset }))).code).toBe('BAD_REQUEST');
    expect((await rejection(service.dispatch('recordValue', { sessionId, file: old.file, offset: old.offset + 1 }))).code).toBe('NOT_FOUND');
    const liveLoc = h.versions[1]!.location;
    const liveBefore = await allRows(sessionId, liveLoc.file, { status: 'live' });
    expect(liveBefore.some((r) => r.offset === liveLoc.offset)).toBe(true);
    await service.dispatch('restoreVersion', { sessionId, key: 'key:04', file: old.file, offset: old.offset });
    // The filtered rows follow the write: the version that was live is shadowed now.
    const liveAfter = await allRows(sessionId, liveLoc.file, { status: 'live' });
    expect(liveAfter.some((r) => r.offset === liveLoc.offset)).toBe(false);
    expect((await allRows(sessionId, liveLoc.file, { status: 'shadowed' })).some((r) => r.offset === liveLoc.offset)).toBe(true);
    const now = await service.dispatch('getValue', { sessionId, key: 'key:04' });
    expect(Buffer.from(now.base64, 'base64').toString()).toBe('value 4 ....');
    expect((await service.dispatch('history', { sessionId, key: 'key:04' })).versions.map((x) => x.status)).toEqual(['shadowed', 'shadowed', 'live']);
  });

  it('repairs into a new directory and crash-labs a copy, never touching the store', async () => {
    const before = readFileSync(join(dir, '000001.data'));
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    const to = join(base, `repaired-${n}`);
    const repaired = await service.dispatch('repair', { sessionId, to });
    expect(repaired).toMatchObject({ method: 'replay', lostRegions: [], keys: 53 });
    expect((await rejection(service.dispatch('repair', { sessionId, to }))).code).toBe('BAD_REQUEST');
    // Into an existing file: a path through it is not a directory (not "not found").
    const file = join(base, `a-file-${n}`);
    writeFileSync(file, 'not a directory');
    const notDir = await rejection(service.dispatch('repair', { sessionId, to: file }));
    expect(notDir.code).toBe('NOT_A_DIRECTORY');
    expect(notDir.message).toBe(`Not a directory: ${file}`);
    const rows = await allRows(sessionId, '000001.data');
    const lab = await service.dispatch('crashLab', { sessionId, damage: { kind: 'flip', file: '000001.data', offset: rows[2]!.offset + 3, mask: [0x10] } });
    expect(lab.keysBefore).toBe(53);
    expect(lab.problems.some((p) => p.kind === 'bad-crc' && p.offset === rows[2]!.offset)).toBe(true);
    expect(readFileSync(join(dir, '000001.data'))).toEqual(before);
    rmSync(lab.copyDir, { recursive: true, force: true });
  });
});

describe('an inspector started read-only', () => {
  it('refuses repair and the crash lab (they write files) but still verifies', async () => {
    const readOnly = new InspectorService({ opener: createEngineOpener(), configDir: join(base, `config-ro-${n}`), allowWrites: false });
    try {
      const { sessionId } = await readOnly.dispatch('openStore', { path: dir });
      expect((await rejection(readOnly.dispatch('repair', { sessionId, to: join(base, `never-${n}`) }))).code).toBe('READ_ONLY');
      expect((await rejection(readOnly.dispatch('crashLab', { sessionId, damage: { kind: 'tear', file: '000001.data', offset: 30 } }))).code).toBe('READ_ONLY');
      expect((await readOnly.dispatch('verify', { sessionId })).jobId).toMatch(/^job_/);
    } finally {
      await readOnly.close();
    }
  });
});

describe('follow through the service', () => {
  it('pushes another process\'s writes as events, noticed by a watcher and the default poll, with its pid, and refreshes keys', async () => {
    const { sessionId } = await service.dispatch('openStore', { path: dir });
    const proc = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'test/engine/follow-writer.ts'), dir], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    child = proc;
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const pid = await new Promise<number>((res, rej) => {
      const t = setInterval(() => {
        const m = /ready (\d+)/.exec(out);
        if (m) {
          clearInterval(t);
          res(Number(m[1]));
        }
      }, 20);
      proc.on('exit', () => rej(new Error('writer died')));
    });
    const started = vi.spyOn(StoreFollower, 'start');
    try {
      expect(await service.dispatch('follow', { sessionId, enabled: true })).toEqual({ following: true, lockPid: pid });
      // How soon a change shows (as it is written, else at the next poll) is the engine's follower's (test/engine/follow.test.ts):
      // the service follows with both, at the default interval, and waits for nothing else before it pushes the event.
      expect(started).toHaveBeenCalledTimes(1);
      const follower = await started.mock.results[0]!.value;
      expect(follower.watching()).toBe(true);
      expect(follower.pollMs).toBe(DEFAULT_POLL_MS);
    } finally {
      started.mockRestore();
    }
    proc.stdin!.write('put followed:1 hello\n');
    // A bound on waiting, not a measure of speed.
    const ev = await waitForEvent((e) => e.type === 'follow-changes');
    if (ev.type !== 'follow-changes') throw new Error('unexpected');
    expect(ev.changes.map((c) => c.key)).toContain('followed:1');
    expect(ev.lockPid).toBe(pid);
    expect(ev.keyCount).toBe(54);
    const keys = await service.dispatch('listKeys', { sessionId, offset: 0, limit: 1, filter: { mode: 'prefix', pattern: 'followed:' } });
    expect(keys.total).toBe(1);
    expect((await service.dispatch('follow', { sessionId, enabled: false })).following).toBe(false);
  });

  it('refuses to follow a foreign format or a read-write session', async () => {
    const { sessionId } = await service.dispatch('openStore', { path: `${SHARED_DIR}/fixtures/riak-bitcask/basic/data` });
    expect((await rejection(service.dispatch('follow', { sessionId, enabled: true }))).code).toBe('NOT_SUPPORTED');
    const rw = await service.dispatch('openStore', { path: dir, readWrite: true });
    expect((await rejection(service.dispatch('follow', { sessionId: rw.sessionId, enabled: true }))).code).toBe('NOT_SUPPORTED');
  });
});

describe('contract for the record-level methods', () => {
  const session = { sessionId: 's_0123abcd' };
  it.each([
    ['records: negative start', 'records', { ...session, file: '000001.data', start: -1, limit: 10 }],
    ['records: window too large', 'records', { ...session, file: '000001.data', start: 0, limit: 100_000 }],
    ['records: unknown status', 'records', { ...session, file: '000001.data', start: 0, limit: 10, status: 'zombie' }],
    ['records: traversal', 'records', { ...session, file: '../etc/passwd', start: 0, limit: 10 }],
    ['records: absolute file', 'records', { ...session, file: '/etc/passwd', start: 0, limit: 10 }],
    ['recordAt: fractional offset', 'recordAt', { ...session, file: 'a', offset: 1.5 }],
    ['readBytes: too many bytes', 'readBytes', { ...session, file: 'a', offset: 0, length: 10_000_000 }],
    ['readBytes: zero bytes', 'readBytes', { ...session, file: 'a', offset: 0, length: 0 }],
    ['recordValue: missing offset', 'recordValue', { ...session, file: 'a' }],
    ['verify: extra field', 'verify', { ...session, deep: true }],
    ['repair: relative target', 'repair', { ...session, to: 'copy' }],
    ['repair: relative target going up', 'repair', { ...session, to: '../etc' }],
    ['crashLab: unknown damage', 'crashLab', { ...session, damage: { kind: 'burn', file: 'a', offset: 0 } }],
    ['crashLab: zero mask', 'crashLab', { ...session, damage: { kind: 'flip', file: 'a', offset: 0, mask: [0] } }],
    ['crashLab: mask too wide', 'crashLab', { ...session, damage: { kind: 'flip', file: 'a', offset: 0, mask: [256] } }],
    ['crashLab: tear without offset', 'crashLab', { ...session, damage: { kind: 'tear', file: 'a' } }],
    ['follow: enabled as string', 'follow', { ...session, enabled: 'yes' }],
    ['segments: bad session', 'segments', { sessionId: '../x' }],
  ])('rejects %s', async (_name, method, raw) => {
    expect(() => validateRequest(method as 'records', raw)).toThrow(ApiError);
    const err = await rejection(service.dispatch(method as 'records', raw));
    expect(err.code).toBe('BAD_REQUEST');
  });
});
