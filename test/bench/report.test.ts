/**
 * The targets check reports what was measured: a read target is met only when
 * both the cold and the warm pass meet it, and says which pass fell short.
 */
import { describe, expect, it } from 'vitest';
import { checkTargets, sideBySide, type BenchResult, type EngineResult } from '../../bench/report.js';

function result(engines: EngineResult[]): BenchResult {
  return {
    date: '2026-12-04T00:00:00.000Z',
    seconds: 1,
    options: { keys: 1000, valueSize: 100, quick: true, batchSize: 100, durablePuts: 10, groupCommitPuts: 10, reads: 100, mixedOps: 10 },
    machine: { cpuModel: 'test', cores: 2, ramGiB: 1, disk: 'test', node: 'v20', platform: 'linux' },
    limits: { seqWriteMBs: 1000, seqReadMBs: 1000, seqReadCold: true, fsyncP50Us: 200, fsyncP99Us: 400, fsyncOpsPerSec: 5000 },
    engines,
  };
}

const reads = (name: string, cold: number, warm: number, resident = 0): EngineResult => ({
  name,
  version: '1',
  randomReads: { ops: 100, opsPerSec: cold },
  randomReadsWarm: { ops: 100, opsPerSec: warm },
  residentBeforeReads: resident,
});

const target = (r: BenchResult, prefix: string) => checkTargets(r).find((t) => t.target.startsWith(prefix))!;

describe('random read targets', () => {
  it('are met only when the cold and the warm pass both meet them', () => {
    const both = result([reads('kvscope', 420, 800), reads('classic-level', 200, 390), reads('lmdb', 400, 790)]);
    expect(target(both, 'random point reads ≥ 2 × classic-level').met).toBe(true);
    expect(target(both, 'random point reads ≥ lmdb').met).toBe(true);

    const coldShort = result([reads('kvscope', 390, 800), reads('classic-level', 200, 390), reads('lmdb', 400, 790)]);
    const lv = target(coldShort, 'random point reads ≥ 2 × classic-level');
    expect(lv.met).toBe(false);
    expect(lv.ratio).toBeCloseTo(1.95);
    expect(lv.measured).toContain('cold 390 vs 200 (1.95×)');
    expect(target(coldShort, 'random point reads ≥ lmdb').met).toBe(false);

    const warmShort = result([reads('kvscope', 420, 700), reads('classic-level', 200, 390), reads('lmdb', 400, 790)]);
    expect(target(warmShort, 'random point reads ≥ 2 × classic-level').met).toBe(false);
    expect(target(warmShort, 'random point reads ≥ lmdb').ratio).toBeCloseTo(700 / 790);
  });

  it('with rounds side by side, are judged by the median of the rounds\' ratios, own turns printed beside', () => {
    const rounds = (...pairs: Array<[number, number]>) => pairs.map(([cold, warm]) => ({ cold, warm }));
    // Own turns say 1.5x; the rounds say 2.1x, 1.9x and 2.5x cold (median 2.1x), 2.2x, 2.0x and 1.8x warm (median 2.0x).
    const k = { ...reads('kvscope', 300, 600), readRounds: rounds([420, 880], [380, 800], [500, 720]) };
    const lv = { ...reads('classic-level', 200, 400), readRounds: rounds([200, 400], [200, 400], [200, 400]) };
    const lm = { ...reads('lmdb', 400, 790), readRounds: rounds([400, 900], [400, 790], [400, 700]) };
    const t = target(result([k, lv, lm]), 'random point reads ≥ 2 × classic-level');
    expect(t.ratio).toBeCloseTo(2.0);
    expect(t.met).toBe(true);
    expect(t.measured).toContain('side by side, 3 rounds: cold 2.10× / 1.90× / 2.50× (median 2.10×), warm 2.20× / 2.00× / 1.80× (median 2.00×)');
    expect(t.measured).toContain("in the engines' own turns: cold 300 vs 200 (1.50×)");
    // Round by round against lmdb: cold 1.05, 0.95, 1.25 (median 1.05); warm 0.98, 1.01, 1.03 (median 1.01).
    expect(target(result([k, lv, lm]), 'random point reads ≥ lmdb').ratio).toBeCloseTo(800 / 790);
    // A peer without rounds (or with another count of them): the own turns are judged.
    const alone = target(result([k, reads('classic-level', 200, 400), lm]), 'random point reads ≥ 2 × classic-level');
    expect(alone.ratio).toBeCloseTo(1.5);
    expect(alone.measured).not.toContain('side by side');
    const table = sideBySide(result([k, lv, lm]));
    expect(table).toContain('| random point reads side by side, cold | gets/s | 420 | 200 | 400 |');
    expect(table).toContain('| random point reads side by side, warm | gets/s | 800 | 400 | 790 |');
  });

  it('are not evaluated when a pass is missing', () => {
    const r = result([{ ...reads('kvscope', 420, 800), randomReadsWarm: undefined }, reads('classic-level', 200, 390), reads('lmdb', 400, 790)]);
    expect(target(r, 'random point reads ≥ lmdb').met).toBeUndefined();
  });

  it('show resident bytes as a fact, with no "kvscope vs" ratio', () => {
    const table = sideBySide(result([reads('kvscope', 420, 800, 0), reads('classic-level', 200, 390, 1e5), reads('lmdb', 400, 790, 176e6)]));
    const row = table.split('\n').find((line) => line.startsWith('| resident before cold reads |'))!;
    expect(row).toContain('| 176.0 |');
    expect(row.trimEnd().endsWith('| – | – | – |')).toBe(true);
    expect(table).toContain('| random point reads, cold | gets/s | 420 | 200 | 400 |');
  });
});

describe('write-bandwidth targets', () => {
  const kvscope = (turns?: [number, number]): EngineResult => ({
    name: 'kvscope',
    version: '1',
    bulkLoad: { seconds: 1, opsPerSec: 1000, userMiBs: 10, fileMiBs: 60, ...(turns ? { writeLineMiBs: turns } : {}) },
    compaction: { seconds: 1, bytesBefore: 1, bytesAfter: 1, writtenMiBs: 90, ...(turns ? { writeLineMiBs: turns } : {}) },
  });

  it('compare with the mean of the turns measured right before and after, and print the run’s first line beside it', () => {
    const r = result([kvscope([800, 400])]);
    const bulk = target(r, 'bulk load ≥ 50% of sequential write bandwidth');
    expect(bulk.ratio).toBeCloseTo(60 / 600);
    expect(bulk.measured).toContain('60 vs 600 MiB/s');
    expect(bulk.measured).toContain('800 and 400');
    expect(bulk.measured).toContain("the run's line at its start: 1,000 MiB/s, 0.06×");
    const compaction = target(r, 'compaction ≥ 50% of sequential write bandwidth');
    expect(compaction.ratio).toBeCloseTo(90 / 600);
    expect(compaction.met).toBe(false);
  });

  it('print the bare append loop beside the bulk load, compared with the same line, and judge the load alone', () => {
    const withBare = kvscope([800, 400]);
    withBare.bulkLoad!.bareAppend = { seconds: 0.5, opsPerSec: 2000, fileMiBs: 300 };
    const r = result([withBare]);
    const bulk = target(r, 'bulk load ≥ 50% of sequential write bandwidth');
    expect(bulk.measured).toContain('; a bare loop encoding and appending the same records in the same durable batches, no index: 300 MiB/s, 0.50×');
    expect(bulk.ratio).toBeCloseTo(60 / 600);
    expect(bulk.met).toBe(false);
    const row = sideBySide(r)
      .split('\n')
      .find((line) => line.startsWith('| bulk load, bare append loop (no index) |'))!;
    expect(row).toContain('| 2,000 |');
    expect(row.trimEnd().endsWith('| – | – | – |')).toBe(true);
  });

  it('compare with the run’s line when there are no turns (a run of older code, a peer)', () => {
    const r = result([kvscope()]);
    expect(target(r, 'bulk load ≥ 50% of sequential write bandwidth').ratio).toBeCloseTo(60 / 1000);
    expect(target(r, 'compaction ≥ 50% of sequential write bandwidth').measured).toBe('90 vs 1,000 MiB/s');
  });
});

describe('the open-from-data target', () => {
  const kvscope = (walkMiBs?: number): EngineResult => ({
    name: 'kvscope',
    version: '1',
    openFromData: { seconds: 2, keysPerSec: 500, dataMiBs: 150 },
    ...(walkMiBs === undefined ? {} : { openDataBareWalk: { seconds: 0.3, records: 1000, dataMiBs: walkMiBs } }),
  });

  it('is judged by the open alone, with the bare walk over the same files printed beside it', () => {
    const r = result([kvscope(900)]);
    const open = target(r, 'open from data files ≥ 70% of sequential read bandwidth');
    expect(open.ratio).toBeCloseTo(0.15);
    expect(open.met).toBe(false);
    expect(open.measured).toBe('150 vs 1,000 MiB/s; a bare walk reading and checking the same records, no index: 900 MiB/s, 0.90×');
    const row = sideBySide(r)
      .split('\n')
      .find((line) => line.startsWith('| open from data files, bare walk (no index) |'))!;
    expect(row).toContain('| 0.300 |');
  });

  it('says nothing of a walk that was not measured', () => {
    expect(target(result([kvscope()]), 'open from data files ≥ 70%').measured).toBe('150 vs 1,000 MiB/s');
  });
});
