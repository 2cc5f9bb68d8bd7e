/**
 * The record-level commands as real child processes: segments, records,
 * repair, crash-lab and follow, with --json, on native and foreign
 * directories, with the usual exit codes.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_DIR } from '../shared-dir.js';
import { Store } from '../../src/engine/store.js';
import { copyDir, crashAfterCompactionCommit, hashDir } from '../engine/helpers.js';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/kvscope.js');
const RIAK = `${SHARED_DIR}/fixtures/riak-bitcask/basic/data`;

let cwd: string;
beforeAll(() => {
  cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'kvscope-cli-dbg-'));
  // Single writes through the REPL (an import would write atomic batches), several 1 KiB segments.
  const r = spawnSync(process.execPath, [BIN, '--segment-size', '1k', '--fsync', 'never', '-d', 'store', 'repl'], {
    cwd,
    input: Array.from({ length: 80 }, (_, i) => `set k${String(i).padStart(2, '0')} value ${i}`).join('\n') + '\nquit\n',
  });
  expect(r.status).toBe(0);
  for (const args of [['set', 'k01', 'again'], ['delete', 'k02']]) expect(spawnSync(process.execPath, [BIN, '-d', 'store', ...args], { cwd }).status).toBe(0);
});
afterAll(() => fs.rmSync(cwd, { recursive: true, force: true }));

function kv(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, timeout: 30_000 });
  return { code: r.status, out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8') };
}

const jsonLines = (text: string): any[] => text.split('\n').filter(Boolean).map((l) => JSON.parse(l));

describe('segments and records', () => {
  it('segments lists data and hint files with byte breakdown and the compaction plan', () => {
    const r = kv(['segments', '-d', 'store', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.format).toBe('kvscope');
    expect(s.files.filter((f: any) => f.role === 'data').length).toBeGreaterThan(1);
    expect(s.files.some((f: any) => f.role === 'hint')).toBe(true);
    expect(s.files[0]).toMatchObject({ file: '000001.data', oldestSequence: expect.any(Number) });
    // The keydir image the last command's clean close wrote: one record per live key (80 set, one deleted).
    expect(s.files.at(-1)).toMatchObject({ file: 'KEYDIR', role: 'keydir', records: 79 });
    expect(s.compactionPlan.recordsToDrop).toBeGreaterThan(0);
    expect(kv(['-d', 'store', 'segments']).out).toContain('Compaction would rewrite');
  });

  it('records pages one file from an offset, with statuses', () => {
    const all = jsonLines(kv(['records', '--segment', '000001.data', '-d', 'store', '--json', '--limit', '1000']).out);
    expect(all[0]).toMatchObject({ offset: 0, kind: 'header', status: 'meta' });
    expect(all.find((r) => r.key === 'k01')).toMatchObject({ status: 'shadowed' });
    expect(all.find((r) => r.key === 'k02' && r.kind === 'put')).toMatchObject({ status: 'shadowed' });
    const from = all[3].offset + 2; // inside the fourth record
    const page = jsonLines(kv(['records', '--segment', '1', '--offset', String(from), '--limit', '2', '-d', 'store', '--json']).out);
    expect(page.map((r) => r.offset)).toEqual([all[3].offset, all[4].offset]);
    const text = kv(['-d', 'store', 'records', '--segment', '000001.data', '--limit', '3']);
    expect(text.out.split('\n')[0]).toMatch(/offset\s+length\s+type/);
    const slots = jsonLines(kv(['records', '--segment', 'KEYDIR', '-d', 'store', '--json', '--limit', '1000']).out).filter((r) => r.kind === 'slot' && r.key != null);
    expect(slots.map((r) => r.key).sort()).toEqual(Array.from({ length: 80 }, (_, i) => `k${String(i).padStart(2, '0')}`).filter((k) => k !== 'k02'));
    expect(kv(['-d', 'store', 'records'])).toMatchObject({ code: 2 });
    expect(kv(['-d', 'store', 'records', '--segment', 'nope'])).toMatchObject({ code: 2 });
  });

  it('records --offset past the end of the file is a usage error (exit 2), not an empty table', () => {
    const size = fs.statSync(path.join(cwd, 'store', '000001.data')).size;
    for (const offset of [size, size + 1000]) {
      for (const json of [[], ['--json']]) {
        const r = kv(['records', '--segment', '000001.data', '--offset', String(offset), '-d', 'store', ...json]);
        expect(r).toMatchObject({ code: 2, out: '' });
        expect(r.err).toContain(`--offset ${offset} is past the end of 000001.data (${size} bytes`);
      }
    }
    // The last byte is still inside the file: its record is shown.
    const last = jsonLines(kv(['records', '--segment', '000001.data', '--offset', String(size - 1), '-d', 'store', '--json']).out);
    expect(last).toHaveLength(1);
    expect(last[0].offset + last[0].length).toBe(size);
  });

  it('names the preallocated space a syncing writer that crashed leaves, and verify passes it', async () => {
    const live = path.join(cwd, 'syncing');
    const writer = await Store.open(live, { create: true, fsync: 'always' });
    for (let i = 0; i < 5; i++) await writer.put(`s${i}`, `value ${i}`);
    const dataEnd = writer.stats().perSegment[0]!.bytes;
    const crashed = path.join(cwd, 'crashed');
    copyDir(live, crashed); // while the writer runs: what a crash leaves
    await writer.close();
    const size = fs.statSync(path.join(crashed, '000001.data')).size;
    const rows = jsonLines(kv(['records', '--segment', '000001.data', '-d', 'crashed', '--read-only', '--json']).out);
    expect(rows.at(-1)).toEqual(expect.objectContaining({ offset: dataEnd, length: size - dataEnd, kind: 'section', status: 'meta', label: 'preallocated space' }));
    expect(rows.filter((r) => r.kind === 'put')).toHaveLength(5);
    expect(kv(['records', '--segment', '000001.data', '-d', 'crashed', '--read-only']).out.trim().split('\n').at(-1)).toMatch(/section .* meta +\(preallocated space\)$/);
    expect(kv(['verify', '-d', 'crashed', '--read-only'])).toMatchObject({ code: 0 });
    expect(fs.statSync(path.join(crashed, '000001.data')).size).toBe(size);
  });

  it.skipIf(!fs.existsSync(RIAK))('works on a foreign directory', () => {
    const recs = jsonLines(kv(['records', '--segment', '1.bitcask.data', '-d', RIAK, '--json', '--limit', '3']).out);
    expect(recs).toHaveLength(3);
    expect(recs[0]).toMatchObject({ offset: 0, kind: 'put', key: 'key-000' });
    const s = JSON.parse(kv(['segments', '-d', RIAK, '--json', '--format', 'riak-bitcask']).out);
    expect(s.format).toBe('riak-bitcask');
    expect(s.compactionPlan).toBeUndefined();
  });
});

describe('a compaction interrupted after its commit', () => {
  it('segments, records and verify read its outputs (*.compacting) in place of its inputs, and change nothing', async () => {
    // The directory as a crash right after the COMPACTION manifest was committed would leave it.
    const source = path.join(cwd, 'to-compact');
    const crashed = path.join(cwd, 'crashed-compaction');
    copyDir(path.join(cwd, 'store'), source);
    const manifest = await crashAfterCompactionCommit(source, crashed);
    const inputs = manifest.inputs.map((id) => `${String(id).padStart(6, '0')}.data`);
    const outputs = manifest.outputs.map((id) => `${String(id).padStart(6, '0')}.data.compacting`);
    const before = hashDir(crashed);

    const segs = JSON.parse(kv(['segments', '-d', crashed, '--json']).out) as { files: Array<{ file: string; role: string; records: number }>; unfinishedCompaction: { replacedSegments: string[] } };
    const data = segs.files.filter((f) => f.role === 'data').map((f) => f.file);
    expect(data).toEqual(expect.arrayContaining(outputs));
    expect(data.filter((f) => inputs.includes(f))).toEqual([]);
    expect(segs.unfinishedCompaction.replacedSegments).toEqual(inputs);
    expect(kv(['segments', '-d', crashed]).out).toContain(`read in place of ${inputs.join(', ')}, which the next writer deletes`);

    const records = kv(['records', '--segment', outputs[0]!, '-d', crashed, '--json', '--limit', '1000']);
    expect(records.code).toBe(0);
    expect(jsonLines(records.out).filter((r) => r.kind === 'put' && r.status === 'live').length).toBeGreaterThan(0);
    expect(kv(['records', '--segment', inputs[0]!, '-d', crashed])).toMatchObject({ code: 2 });

    expect(kv(['verify', '-d', crashed])).toMatchObject({ code: 0, out: expect.stringMatching(/^OK: /) });
    expect(hashDir(crashed)).toEqual(before);
  });
});

describe('segments and verify beside a writer that compacts back to back', () => {
  it('start over when a file they listed went, and never fail for it', async () => {
    const dir = path.join(cwd, 'compacting');
    const writer = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/engine/compacting-writer.ts'), dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((ready, failed) => {
        writer.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && ready());
        writer.on('exit', (code) => failed(new Error(`writer exited ${code}`)));
      });
      // Each run lists the files while the writer compacts: most would meet one gone.
      for (let i = 0; i < 12; i++) {
        const r = kv(['segments', '-d', dir, '--json']);
        expect(r.code, r.err).toBe(0);
        expect(JSON.parse(r.out).files.length).toBeGreaterThan(0);
      }
      for (let i = 0; i < 4; i++) expect(kv(['verify', '-d', dir]).code).toBe(0);
    } finally {
      writer.kill('SIGTERM');
      await new Promise((done) => writer.once('exit', done));
    }
  }, 60_000);
});

describe('repair and crash-lab', () => {
  it('repair writes a copy and refuses a non-empty target', () => {
    const r = kv(['repair', '-d', 'store', '--to', 'repaired', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ method: 'replay', keys: 79, lostRegions: [] });
    expect(kv(['-d', 'repaired', 'get', 'k01']).out).toBe('again\n');
    const again = kv(['repair', '-d', 'store', '--to', 'repaired']);
    expect(again.code).toBe(2);
    expect(again.err).toContain('not empty');
    expect(kv(['repair', '-d', 'store'])).toMatchObject({ code: 2 });
  });

  it('repair says a newest segment whose creation was cut short is removed, in text and --json', () => {
    copyDir(path.join(cwd, 'store'), path.join(cwd, 'unborn'));
    const ids = fs.readdirSync(path.join(cwd, 'unborn')).flatMap((n) => (/^\d+\.data$/.test(n) ? [Number(n.slice(0, -5))] : []));
    const name = `${String(Math.max(...ids) + 1).padStart(6, '0')}.data`;
    fs.writeFileSync(path.join(cwd, 'unborn', name), ''); // a writer killed as it created the segment it rotated to
    const text = kv(['repair', '-d', 'unborn', '--to', 'unborn-copy']);
    expect(text.code).toBe(0);
    expect(text.out).toContain('Lost: 0 damaged region(s), 0 bytes\n');
    expect(text.out).toContain(`Removed: 1 file(s) that never held a record, left out of the copy\n  ${name}  0 bytes  shorter than the 24-byte segment header: its creation was cut short\n`);
    const json = JSON.parse(kv(['repair', '-d', 'unborn', '--to', 'unborn-copy2', '--json']).out);
    expect(json).toMatchObject({ lostRegions: [], lostBytes: 0, keys: 79, removedFiles: [{ file: name, length: 0, reason: expect.stringContaining('cut short') }] });
    // Without such a file there is nothing removed, and the text says nothing of it.
    expect(JSON.parse(kv(['repair', '-d', 'store', '--to', 'plain-copy', '--json']).out).removedFiles).toEqual([]);
    expect(kv(['repair', '-d', 'store', '--to', 'plain-copy2']).out).not.toContain('Removed');
  });

  it('crash-lab tears or flips a copy and reports lost keys', () => {
    const recs = jsonLines(kv(['records', '--segment', '000001.data', '-d', 'store', '--json', '--limit', '1000']).out);
    const victim = recs.find((r) => r.key === 'k05');
    const flip = JSON.parse(kv(['crash-lab', '-d', 'store', '--to', 'lab1', '--flip', `000001.data:${victim.offset + victim.length - 1}:ff`, '--json']).out);
    expect(flip.lost).toEqual(['k05']);
    expect(flip.keysBefore).toBe(79);
    const tear = kv(['crash-lab', '-d', 'store', '--to', 'lab2', '--tear', `000001.data:${victim.offset}`]);
    expect(tear.code).toBe(0);
    // k05 among the lost keys (on the count's line, or one per line under it when there are many).
    expect(/^Lost \(\d+\)(.*)$\n((?:  .*\n)*)Changed/m.exec(tear.out)?.slice(1).join(' ').split(/\s+/)).toContain('k05');
    expect(kv(['crash-lab', '-d', 'store', '--to', 'lab3'])).toMatchObject({ code: 2 });
    expect(kv(['crash-lab', '-d', 'store', '--to', 'lab3', '--flip', '000001.data:10:00'])).toMatchObject({ code: 2 });
    expect(kv(['get', 'k05', '-d', 'store']).out).toBe('value 5\n');
  });

  it('crash-lab lists many keys one per line, and says how many are not listed (before: 1,200 keys on one line, 200 of them silently left out)', async () => {
    const dir = path.join(cwd, 'many');
    const store = await Store.open(dir, { create: true, fsync: 'never' });
    const keys = Array.from({ length: 1200 }, (_, i) => `m${String(i).padStart(4, '0')}`);
    await store.batch(keys.map((key) => ({ type: 'put' as const, key, value: 'v' })));
    for (const key of keys) await store.put(key, 'again');
    // The live record of m0000 is its second version, the first written after the batch.
    const second = store.locate('m0000')!;
    await store.close();
    // Torn there: every key's second version is gone, so its value changed.
    const tear = kv(['crash-lab', '-d', 'many', '--to', 'many-lab', '--tear', `${second.file}:${second.offset + 8}`]);
    expect(tear.code).toBe(0);
    const lines = tear.out.split('\n');
    const at = lines.indexOf('Changed (1200):');
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 1001)).toEqual(keys.slice(0, 1000).map((k) => `  ${k}`));
    expect(lines[at + 1001]).toBe('  … and 200 more, not listed (--json lists as many)');
    expect(lines).toContain('Lost (0)');
  });
});

describe('follow', () => {
  it("on another engine's directory: names its format and says follow reads kvscope stores only, exit 3", () => {
    // Before: "no kvscope segments to follow", as for an empty directory.
    const r = kv(['follow', '-d', RIAK]);
    expect(r.code).toBe(3);
    expect(r.err).toBe(`kvscope: ${RIAK}: a riak-bitcask directory; follow reads kvscope stores only (the other commands read it: list, get, history, records, verify)\n`);
    fs.mkdirSync(path.join(cwd, 'empty-dir'));
    expect(kv(['follow', '-d', 'empty-dir']).err).toBe('kvscope: empty-dir: no kvscope segments to follow\n');
  });

  it('prints what another process appends, until Ctrl-C', async () => {
    const child = spawn(process.execPath, [BIN, 'follow', '-d', 'store', '--json'], { cwd });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await expect.poll(() => err, { timeout: 10_000 }).toContain('Following');
    expect(kv(['-d', 'store', 'set', 'followed', 'yes']).code).toBe(0);
    // A bound on waiting, not a measure of speed: how soon a change is noticed is the engine's follower's (test/engine/follow.test.ts).
    await expect.poll(() => out, { timeout: 10_000, interval: 20 }).toContain('"followed"');
    expect(JSON.parse(out.trim().split('\n')[0]!)).toMatchObject({ kind: 'put', key: 'followed', valueLength: 3 });
    // A compaction changes no key: stdout says nothing, stderr names the files that came and went.
    expect(kv(['-d', 'store', 'set', 'followed', 'again']).code).toBe(0);
    await expect.poll(() => out.trim().split('\n').length, { timeout: 5_000, interval: 20 }).toBe(2);
    const before = fs.readdirSync(path.join(cwd, 'store')).filter((f) => f.endsWith('.data'));
    expect(kv(['-d', 'store', 'compact']).code).toBe(0);
    const removed = before.filter((f) => !fs.existsSync(path.join(cwd, 'store', f)));
    expect(removed.length).toBeGreaterThan(0);
    await expect.poll(() => err, { timeout: 5_000, interval: 20 }).toMatch(/kvscope: files changed, no key did: .*removed /);
    for (const f of removed) expect(err).toContain(f);
    expect(out.trim().split('\n')).toHaveLength(2);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(0);
  });

  it.skipIf(!fs.existsSync(RIAK))('refuses a foreign directory', () => {
    expect(kv(['follow', '-d', RIAK]).code).toBe(3);
  });
});
