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
