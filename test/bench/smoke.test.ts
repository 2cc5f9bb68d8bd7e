/**
 * The bench must keep running: a tiny run (2,000 keys, no browser, no docs)
 * as a child process, checked for a table and JSON covering every workload.
 * No timing assertions: figures from a busy test machine mean nothing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FOREIGN_FORMATS } from '../../bench/foreign-directories.js';
import { checkTargets, WORKLOADS, type BenchResult } from '../../bench/report.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const out = mkdtempSync(join(tmpdir(), 'kvscope-bench-smoke-'));

afterAll(() => rmSync(out, { recursive: true, force: true }));

/** A bench script run as `node ARGS` from the checkout; its stdout. */
function benchScript(args: string[], timeout = 120_000): string {
  return execFileSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('npm run bench --quick', () => {
  it('prints a side-by-side table and writes JSON with every workload', () => {
    const stdout = execFileSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', 'bench/run.ts', '--quick', '--keys', '2000', '--durable-puts', '50', '--group-puts', '80', '--mixed', '200', '--machine-mib', '8', '--fsyncs', '20', '--no-inspector', '--no-docs', '--out', out],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    for (const w of WORKLOADS) expect(stdout).toContain(`| ${w} |`);
    for (const e of ['kvscope', 'classic-level', 'lmdb', 'better-sqlite3']) expect(stdout).toContain(e);

    const result = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as BenchResult;
    expect(result.options.keys).toBe(2000);
    expect(result.limits.seqWriteMBs).toBeGreaterThan(0);
    expect(result.limits.seqReadMBs).toBeGreaterThan(0);
    expect(result.limits.fsyncOpsPerSec).toBeGreaterThan(0);
    expect(result.engines.map((e) => e.name)).toEqual(['kvscope', 'classic-level', 'lmdb', 'better-sqlite3']);
    for (const e of result.engines) {
      expect(e.bulkLoad?.opsPerSec, e.name).toBeGreaterThan(0);
      expect(e.durablePuts?.opsPerSec, e.name).toBeGreaterThan(0);
      expect(e.durablePuts?.fsyncLoopOpsPerSec, `${e.name}: the fsync loop taking turns with the puts`).toBeGreaterThan(0);
      expect(e.randomReads?.opsPerSec, e.name).toBeGreaterThan(0);
      expect(e.randomReadsWarm?.opsPerSec, e.name).toBeGreaterThan(0);
      // fincore answered: how much of the store was in the page cache as the cold reads began.
      expect(e.residentBeforeReads, e.name).toBeGreaterThanOrEqual(0);
      // The reads again, side by side with the others (one round in a quick run), on a copy of the loaded store.
      expect(e.readRounds, e.name).toHaveLength(1);
      expect(e.readRounds![0]!.cold, e.name).toBeGreaterThan(0);
      expect(e.readRounds![0]!.warm, e.name).toBeGreaterThan(0);
      expect(e.readsDir, `${e.name}: the copy is gone`).toBeUndefined();
      expect(e.mixed?.opsPerSec, e.name).toBeGreaterThan(0);
      expect(e.prefixScan?.keys, e.name).toBe(2000);
      expect(e.reopenSeconds, e.name).toBeGreaterThan(0);
      expect(e.diskBytesAfterLoad, e.name).toBeGreaterThan(0);
      expect(e.diskBytesFinal, e.name).toBeGreaterThan(0);
      expect(e.compaction, e.name).toBeDefined();
    }
    const kv = result.engines[0]!;
    expect(kv.groupCommit?.opsPerSec).toBeGreaterThan(0);
    expect(kv.openFromData?.seconds).toBeGreaterThan(0);
    expect(kv.openFromHints?.seconds).toBeGreaterThan(0);
    expect(kv.openFromImage?.seconds).toBeGreaterThan(0);
    expect(kv.compaction?.freshProcessSeconds, 'the compaction of a copy in a fresh process').toBeGreaterThan(0);
    expect(kv.durablePuts?.warmup?.opsPerSec, 'the untimed warm-up round').toBeGreaterThan(0);
    expect(kv.durablePuts?.overwriteLoopOpsPerSec, 'the fdatasync loop over preallocated space').toBeGreaterThan(0);
    // The bare loop inserted every hint entry: one per key, since the opens come after compaction.
    expect(kv.openHintsBareLoop?.entries).toBe(2000);
    // The bare loop appended the load's records: at least the keys and values themselves.
    expect(kv.bulkLoad?.bareAppend?.opsPerSec).toBeGreaterThan(0);
    expect(kv.bulkLoad?.bareAppend?.fileMiBs).toBeGreaterThan(0);
    // The bare walk checked every record of the data files (the load and the overwritten third, compacted).
    expect(kv.openDataBareWalk?.records).toBeGreaterThanOrEqual(2000);
    expect(kv.openDataBareWalk?.dataMiBs).toBeGreaterThan(0);
    expect(kv.verify?.longestStallMs, "verify's longest event-loop stall").toBeGreaterThan(0);
    // The write bandwidth measured right before and right after the bulk load and the compaction.
    for (const turns of [kv.bulkLoad?.writeLineMiBs, kv.compaction?.writeLineMiBs]) {
      expect(turns).toHaveLength(2);
      for (const miBs of turns!) expect(miBs).toBeGreaterThan(0);
    }
    // Measured (a heap delta: at 2,000 keys GC noise can make it any sign, so only its presence is checked).
    expect(Number.isFinite(kv.keydirBytesPerKey)).toBe(true);
    // Every target is evaluated (met or not); none is silently missing.
    expect(checkTargets(result).filter((t) => t.met === undefined)).toEqual([]);
    expect(checkTargets(result).find((t) => t.target.startsWith('random point reads ≥ 2 × classic-level'))!.measured).toContain('side by side, 1 round:');
  }, 150_000);
});

describe('npm run bench:keys', () => {
  it('loads a store and measures the key list through the service, with the answers it got', () => {
    const stdout = benchScript(['--expose-gc', '--import', 'tsx', 'bench/keys.ts', '--keys', '3000'], 60_000);
    expect(stdout).toContain('| first window (no sort yet) |');
    expect(stdout).toMatch(/\| first window \(no sort yet\) \| [\d.]+ ms \| 3,000 keys \|/);
    expect(stdout).toMatch(/\| substring filter "user:", once warm \| [\d.]+ ms \| 3,000 matches \|/);
    expect(stdout).toMatch(/\| key tree, top level \(":" delimiter\) \| [\d.]+ ms \| user: 3,000 \|/);
    expect(stdout).toContain('| process memory after all this (after gc) |');
  }, 90_000);
});

describe('npm run bench:cli', () => {
  it('runs every command on a small store and prints a row for each', () => {
    const stdout = benchScript(['--import', 'tsx', 'bench/cli.ts', '--keys', '2000', '--runs', '1']);
    expect(stdout).toContain('2,000 keys');
    const rows = stdout.split('\n').filter((l) => l.startsWith('| `kvscope '));
    for (const command of ['get', 'stats', 'list', 'scan', 'export', 'history', 'segments', 'dump', 'verify', 'import']) {
      expect(rows.some((r) => r.startsWith(`| \`kvscope ${command}`)), command).toBe(true);
    }
    // Each row has a time and a memory figure.
    for (const r of rows) expect(r).toMatch(/\| \d+\.\d\d s \(\d+\.\d\d–\d+\.\d\d\) \| (\d+ MB|–) \|$/);
  });
});

describe('npm run bench:foreign', () => {
  it('writes a directory in every foreign format, runs the commands on each and the inspector service, with the answers it got', () => {
    const stdout = benchScript(['--import', 'tsx', 'bench/foreign.ts', '--keys', '2000', '--runs', '1']);
    const sections = stdout.split(/^### /m).slice(1);
    expect(sections.map((s) => s.slice(0, s.indexOf(':')))).toEqual([...FOREIGN_FORMATS]);
    for (const section of sections) {
      const format = section.slice(0, section.indexOf(':'));
      expect(section, format).toContain(`${format}: 2,000 keys, 2,867 records`);
      const rows = section.split('\n').filter((l) => l.startsWith('| `kvscope '));
      for (const command of ['stats', 'get', 'list', 'history', 'verify', 'segments', 'dump']) {
        expect(rows.some((r) => r.startsWith(`| \`kvscope ${command}`)), `${format} ${command}`).toBe(true);
      }
      // What the service answered: every tenth key deleted, every third overwritten (key 3: shadowed, then live), nothing damaged.
      expect(section).toMatch(new RegExp(`\\| open the directory \\| \\d+ ms \\| \\d+ ms \\| ${format}, 1,800 keys \\|`));
      expect(section).toMatch(/\| versions of a key \| \d+ ms \| \d+ ms \| shadowed, live \|/);
      expect(section).toMatch(/\| record table of \S+, first page \| \d+ ms \| \d+ ms \| 200 rows \|/);
      expect(section).toMatch(/\| verify, as a job, to its report \| \d+ ms \| \d+ ms \| 0 problems \|/);
    }
    expect(stdout).toMatch(/\| record table of 1\.bitcask\.hint, first page \| \d+ ms \| \d+ ms \| 200 rows \|/);
    // Riak's open both ways in one run: file 1 from its hint, file 2 (the active one, no hint) replayed.
    expect(stdout).toMatch(/\| from the hints that check out \| \d+ ms \| 1\.bitcask\.data from its hint; 2\.bitcask\.data from its records \(it has no hint file\) \|/);
    expect(stdout).toMatch(/\| replaying every data file \| \d+ ms \| every record read, its CRC checked \|/);
  });
});
