/**
 * The bench's result shape, its table (side by side, with ratios), the
 * targets check, and docs/BENCHMARKS.md: the generated part sits between
 * markers; everything outside them (notes, what was tried) is kept.
 */
import * as fs from 'node:fs';
import type { MachineInfo, MachineLimits } from './machine.js';

export interface Rate {
  ops: number;
  opsPerSec: number;
}

/** Durable single puts, and the append+fdatasync loop measured in turns with them (same disk moments). */
export interface DurablePuts extends Rate {
  fsyncLoopOpsPerSec?: number;
  /** The same loop writing over preallocated zeros instead of appending, in the same turns: what kvscope's puts do. */
  overwriteLoopOpsPerSec?: number;
  /** The untimed first round (DURABLE_WARMUP puts, then as many loop appends): not in the figures above. */
  warmup?: { opsPerSec: number; fsyncLoopOpsPerSec: number };
}

/** One round of the reads side by side (bench/run.ts readsSideBySide): gets/s of the cold and the warm pass. */
export interface ReadRound {
  cold: number;
  warm: number;
  /** Bytes of the store's files still in the page cache when the cold pass began. */
  residentBytes?: number;
}

export interface EngineResult {
  name: string;
  version: string;
  /** writeLineMiBs (kvscope): the disk's sequential write bandwidth measured right before and right after. */
  bulkLoad?: {
    seconds: number;
    opsPerSec: number;
    userMiBs: number;
    fileMiBs?: number;
    writeLineMiBs?: [number, number];
    /** kvscope: the same records encoded and appended in the same durable batches by a bare loop, no index (bench/append-floor.ts). */
    bareAppend?: { seconds: number; opsPerSec: number; fileMiBs: number };
  };
  diskBytesAfterLoad?: number;
  reopenSeconds?: number;
  durablePuts?: DurablePuts;
  groupCommit?: Rate & { writers: number };
  /** First pass over the read keys, the store's pages evicted just before. */
  randomReads?: Rate;
  /** Second pass over the same keys. */
  randomReadsWarm?: Rate;
  /** Bytes of the store's files still in the page cache when the cold pass began (mapped pages survive eviction). */
  residentBeforeReads?: number;
  /** The reads again, in rounds with the other engines side by side, on a copy of the store as the bulk load left it. */
  readRounds?: ReadRound[];
  /** Internal: that copy, until the rounds are done. */
  readsDir?: string;
  mixed?: Rate;
  prefixScan?: { keys: number; seconds: number; keysPerSec: number };
  compaction?: { seconds: number; bytesBefore: number; bytesAfter: number; writtenMiBs: number; note?: string; /** kvscope: the same compaction of a copy, in a fresh process. */ freshProcessSeconds?: number; /** kvscope: the disk's sequential write bandwidth right before and right after. */ writeLineMiBs?: [number, number] };
  diskBytesFinal?: number;
  openFromData?: { seconds: number; keysPerSec: number; dataMiBs: number };
  openFromHints?: { seconds: number; keysPerSec: number; hintFiles: number };
  /** A read-only open as a clean close leaves the store: from its keydir image (KEYDIR). */
  openFromImage?: { seconds: number; keysPerSec: number; imageBytes: number };
  /** The same hints read, checked and inserted by a bare loop (bench/hint-open-floor.ts): what the per-key inserts alone cost. */
  openHintsBareLoop?: { seconds: number; entries: number };
  /** The same data files read and every record's checksum checked by a bare walk, no index (bench/data-walk-floor.ts): the least an open from data can take. */
  openDataBareWalk?: { seconds: number; records: number; dataMiBs: number };
  keydirBytesPerKey?: number;
  /** `verify` of the store as its last clean close left it (data, hints and keydir image), in a fresh process, pages evicted. */
  verify?: { seconds: number; recordsPerSec: number; longestStallMs?: number };
  /** Internal: the kvscope directory kept for the inspector run. */
  dir?: string;
}

export interface InspectorResult {
  keys?: number;
  firstKeysMs?: number;
  filterEchoMs?: number;
  filterResultMs?: number;
  longTasksWhileScrolling?: number;
  longestTaskMs?: number;
  scrolledRows?: number;
  rendererHeapMiB?: number;
  /** Resident memory of the `kvscope serve` process with the store open. */
  hostRssMiB?: number;
  chromium?: string;
  error?: string;
}

export interface BenchResult {
  date: string;
  seconds: number;
  options: { keys: number; valueSize: number; quick: boolean; batchSize: number; durablePuts: number; groupCommitPuts: number; reads: number; readRounds?: number; mixedOps: number };
  machine: MachineInfo;
  limits: MachineLimits;
  engines: EngineResult[];
  inspector?: InspectorResult;
}

export const WORKLOADS = [
  'bulk load',
  'bulk load, bare append loop (no index)',
  'durable single puts',
  'group commit, 8 writers',
  'random point reads, cold',
  'random point reads, warm',
  'resident before cold reads',
  'random point reads side by side, cold',
  'random point reads side by side, warm',
  'mixed 90/10',
  'prefix scan 10k',
  'open from data files',
  'open from hint files',
  'open from the keydir image',
  'open from hint files, bare insert loop',
  'open from data files, bare walk (no index)',
  'reopen',
  'compaction',
  'compaction, in a fresh process',
  'verify',
  'verify, longest event-loop stall',
  'disk after load',
  'disk after compaction',
  'keydir memory',
] as const;

const PEERS = ['classic-level', 'lmdb', 'better-sqlite3'];
const MB = 1e6;

function fmt(x: number | undefined, digits = 0): string {
  if (x === undefined || !Number.isFinite(x)) return '–';
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  return x.toFixed(digits);
}

function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function ratio(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x) || x === 0) return '–';
  return `${x >= 10 ? x.toFixed(0) : x.toFixed(2)}×`;
}

interface Row {
  workload: (typeof WORKLOADS)[number];
  unit: string;
  /** Higher is better (throughput) or lower is better (time, bytes). */
  higher: boolean;
  value(e: EngineResult): number | undefined;
  limit?(r: BenchResult): { value: number; label: string } | undefined;
  /** A fact about the run, not a figure to compare (no "kvscope vs X"). */
  context?: boolean;
}

const rows: Row[] = [
  { workload: 'bulk load', unit: 'keys/s', higher: true, value: (e) => e.bulkLoad?.opsPerSec },
  { workload: 'bulk load, bare append loop (no index)', unit: 'keys/s', higher: true, value: (e) => e.bulkLoad?.bareAppend?.opsPerSec, context: true },
  { workload: 'durable single puts', unit: 'puts/s', higher: true, value: (e) => e.durablePuts?.opsPerSec, limit: (r) => ({ value: r.limits.fsyncOpsPerSec, label: 'append+fdatasync/s' }) },
  { workload: 'group commit, 8 writers', unit: 'puts/s', higher: true, value: (e) => e.groupCommit?.opsPerSec, limit: (r) => ({ value: r.limits.fsyncOpsPerSec, label: 'append+fdatasync/s' }) },
  { workload: 'random point reads, cold', unit: 'gets/s', higher: true, value: (e) => e.randomReads?.opsPerSec },
  { workload: 'random point reads, warm', unit: 'gets/s', higher: true, value: (e) => e.randomReadsWarm?.opsPerSec },
  { workload: 'resident before cold reads', unit: 'MB', higher: false, value: (e) => (e.residentBeforeReads ?? NaN) / MB, context: true },
  { workload: 'random point reads side by side, cold', unit: 'gets/s', higher: true, value: (e) => median((e.readRounds ?? []).map((r) => r.cold)) },
  { workload: 'random point reads side by side, warm', unit: 'gets/s', higher: true, value: (e) => median((e.readRounds ?? []).map((r) => r.warm)) },
  { workload: 'mixed 90/10', unit: 'ops/s', higher: true, value: (e) => e.mixed?.opsPerSec },
  { workload: 'prefix scan 10k', unit: 'keys/s', higher: true, value: (e) => e.prefixScan?.keysPerSec },
  { workload: 'open from data files', unit: 's', higher: false, value: (e) => e.openFromData?.seconds },
  { workload: 'open from hint files', unit: 's', higher: false, value: (e) => e.openFromHints?.seconds },
  { workload: 'open from the keydir image', unit: 's', higher: false, value: (e) => e.openFromImage?.seconds },
  { workload: 'open from hint files, bare insert loop', unit: 's', higher: false, value: (e) => e.openHintsBareLoop?.seconds, context: true },
  { workload: 'open from data files, bare walk (no index)', unit: 's', higher: false, value: (e) => e.openDataBareWalk?.seconds, context: true },
  { workload: 'reopen', unit: 's', higher: false, value: (e) => e.reopenSeconds },
  { workload: 'compaction', unit: 's', higher: false, value: (e) => e.compaction?.seconds },
  { workload: 'compaction, in a fresh process', unit: 's', higher: false, value: (e) => e.compaction?.freshProcessSeconds, context: true },
  { workload: 'verify', unit: 's', higher: false, value: (e) => e.verify?.seconds },
  { workload: 'verify, longest event-loop stall', unit: 'ms', higher: false, value: (e) => e.verify?.longestStallMs, context: true },
  { workload: 'disk after load', unit: 'MB', higher: false, value: (e) => (e.diskBytesAfterLoad ?? NaN) / MB },
  { workload: 'disk after compaction', unit: 'MB', higher: false, value: (e) => (e.diskBytesFinal ?? NaN) / MB },
  { workload: 'keydir memory', unit: 'bytes/key', higher: false, value: (e) => e.keydirBytesPerKey },
];

function table(header: string[], body: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function sideBySide(r: BenchResult): string {
  const byName = new Map(r.engines.map((e) => [e.name, e]));
  const k = byName.get('kvscope');
  const header = ['workload', 'unit', 'kvscope', ...PEERS, 'machine limit', ...PEERS.map((p) => `kvscope vs ${p}`)];
  const body = rows.map((row) => {
    const kv = k ? row.value(k) : undefined;
    const peers = PEERS.map((p) => (byName.has(p) ? row.value(byName.get(p)!) : undefined));
    const lim = row.limit?.(r);
    const digits = row.unit === 's' ? 3 : row.unit === 'MB' || row.unit === 'bytes/key' ? 1 : 0;
    const adv = peers.map((p) => (kv === undefined || p === undefined || row.context ? undefined : row.higher ? kv / p : p / kv));
    return [row.workload, row.unit, fmt(kv, digits), ...peers.map((p) => fmt(p, digits)), lim ? `${fmt(lim.value)} ${lim.label}` : '', ...adv.map(ratio)];
  });
  return `${table(header, body)}\n\n"kvscope vs X" is how many times better kvscope is (higher throughput, or less time / space); below 1× it is worse.`;
}

export interface TargetCheck {
  target: string;
  measured: string;
  ratio: number | undefined;
  need: number;
  met: boolean | undefined;
}

export function checkTargets(r: BenchResult): TargetCheck[] {
  const e = (name: string) => r.engines.find((x) => x.name === name);
  const k = e('kvscope');
  const lvl = e('classic-level');
  const lm = e('lmdb');
  const L = r.limits;
  const ins = r.inspector;
  const out: TargetCheck[] = [];
  const add = (target: string, measured: string, value: number | undefined, need: number, atMost = false) => {
    const ok = value === undefined || !Number.isFinite(value) ? undefined : atMost ? value <= need : value >= need;
    out.push({ target, measured, ratio: value, need, met: ok });
  };
  // Against the loop that took turns with the puts when there is one (older results: the run's loop).
  const loop = k?.durablePuts?.fsyncLoopOpsPerSec;
  const warmup = k?.durablePuts?.warmup;
  const over = k?.durablePuts?.overwriteLoopOpsPerSec;
  add(
    'durable single puts ≥ 0.9 × append+fdatasync/s',
    loop !== undefined
      ? `${fmt(k?.durablePuts?.opsPerSec)} vs ${fmt(loop)}/s, in turns (${over !== undefined ? `the loop over preallocated space, as kvscope writes: ${fmt(over)}/s, kvscope ${(k!.durablePuts!.opsPerSec / over).toFixed(2)}×; ` : ''}the run's loop before: ${fmt(L.fsyncOpsPerSec)}/s${warmup ? `; the untimed warm-up round: ${fmt(warmup.opsPerSec)} vs ${fmt(warmup.fsyncLoopOpsPerSec)}/s, ${(warmup.opsPerSec / warmup.fsyncLoopOpsPerSec).toFixed(2)}×` : ''})`
      : `${fmt(k?.durablePuts?.opsPerSec)} vs ${fmt(L.fsyncOpsPerSec)}/s`,
    k?.durablePuts && k.durablePuts.opsPerSec / (loop ?? L.fsyncOpsPerSec),
    0.9,
  );
  add('group commit (8 writers) well above append+fdatasync/s (≥ 2×)', `${fmt(k?.groupCommit?.opsPerSec)} vs ${fmt(L.fsyncOpsPerSec)}/s`, k?.groupCommit && k.groupCommit.opsPerSec / L.fsyncOpsPerSec, 2);
  add('bulk load ≥ 2 × classic-level', `${fmt(k?.bulkLoad?.opsPerSec)} vs ${fmt(lvl?.bulkLoad?.opsPerSec)} keys/s`, k?.bulkLoad && lvl?.bulkLoad && k.bulkLoad.opsPerSec / lvl.bulkLoad.opsPerSec, 2);
  // The bandwidth targets compare with the write bandwidth measured right before and after (their mean) where
  // the run has it; the run's line at its start is printed beside it.
  const writeLine = (turns: [number, number] | undefined) => (turns ? (turns[0] + turns[1]) / 2 : L.seqWriteMBs);
  const lineText = (turns: [number, number] | undefined, miBs: number | undefined) =>
    turns
      ? `${fmt(miBs)} vs ${fmt(writeLine(turns))} MiB/s, the disk measured right before and after (${fmt(turns[0])} and ${fmt(turns[1])}; the run's line at its start: ${fmt(L.seqWriteMBs)} MiB/s, ${miBs !== undefined ? ratio(miBs / L.seqWriteMBs) : '–'})`
      : `${fmt(miBs)} vs ${fmt(L.seqWriteMBs)} MiB/s`;
  const loadTurns = k?.bulkLoad?.writeLineMiBs;
  const bareAppend = k?.bulkLoad?.bareAppend;
  const appendText = bareAppend ? `; a bare loop encoding and appending the same records in the same durable batches, no index: ${fmt(bareAppend.fileMiBs)} MiB/s, ${ratio(bareAppend.fileMiBs / writeLine(loadTurns))}` : '';
  add('bulk load ≥ 50% of sequential write bandwidth', `${lineText(loadTurns, k?.bulkLoad?.fileMiBs)}${appendText}`, k?.bulkLoad?.fileMiBs !== undefined ? k.bulkLoad.fileMiBs / writeLine(loadTurns) : undefined, 0.5);
  // Both passes must meet a read target: the ratio shown is the smaller of the two. Where the run has rounds
  // side by side, the median of each round's ratio is judged (the engines read seconds apart, not minutes),
  // and the engines' own turns are printed beside it.
  const reads = (peer: EngineResult | undefined, need: number, label: string) => {
    const cold = k?.randomReads && peer?.randomReads && k.randomReads.opsPerSec / peer.randomReads.opsPerSec;
    const warm = k?.randomReadsWarm && peer?.randomReadsWarm && k.randomReadsWarm.opsPerSec / peer.randomReadsWarm.opsPerSec;
    const ownTurns = `cold ${fmt(k?.randomReads?.opsPerSec)} vs ${fmt(peer?.randomReads?.opsPerSec)} (${ratio(cold)}), warm ${fmt(k?.randomReadsWarm?.opsPerSec)} vs ${fmt(peer?.randomReadsWarm?.opsPerSec)} gets/s (${ratio(warm)})`;
    const mine = k?.readRounds ?? [];
    const theirs = peer?.readRounds ?? [];
    if (mine.length > 0 && mine.length === theirs.length) {
      const coldRatios = mine.map((r, i) => r.cold / theirs[i]!.cold);
      const warmRatios = mine.map((r, i) => r.warm / theirs[i]!.warm);
      const coldMedian = median(coldRatios)!;
      const warmMedian = median(warmRatios)!;
      add(
        label,
        `side by side, ${mine.length} round${mine.length === 1 ? '' : 's'}: cold ${coldRatios.map(ratio).join(' / ')} (median ${ratio(coldMedian)}), warm ${warmRatios.map(ratio).join(' / ')} (median ${ratio(warmMedian)}); in the engines' own turns: ${ownTurns}`,
        Math.min(coldMedian, warmMedian),
        need,
      );
      return;
    }
    add(label, ownTurns, cold === undefined || warm === undefined ? undefined : Math.min(cold, warm), need);
  };
  reads(lvl, 2, 'random point reads ≥ 2 × classic-level (cold and warm)');
  reads(lm, 1, 'random point reads ≥ lmdb (cold and warm)');
  const walk = k?.openDataBareWalk && `; a bare walk reading and checking the same records, no index: ${fmt(k.openDataBareWalk.dataMiBs)} MiB/s, ${ratio(k.openDataBareWalk.dataMiBs / L.seqReadMBs)}`;
  add('open from data files ≥ 70% of sequential read bandwidth', `${fmt(k?.openFromData?.dataMiBs)} vs ${fmt(L.seqReadMBs)} MiB/s${walk || ''}`, k?.openFromData && k.openFromData.dataMiBs / L.seqReadMBs, 0.7);
  const bare = k?.openHintsBareLoop && k.openFromData && `; a bare loop inserting the same hints: ${fmt(k.openHintsBareLoop.seconds, 3)} s, ${ratio(k.openFromData.seconds / k.openHintsBareLoop.seconds)}`;
  add('open from hints ≥ 3× faster than from data', `${fmt(k?.openFromHints?.seconds, 3)} s vs ${fmt(k?.openFromData?.seconds, 3)} s${bare || ''}`, k?.openFromHints && k.openFromData && k.openFromData.seconds / k.openFromHints.seconds, 3);
  add('open from the keydir image (a clean close) ≥ 3× faster than from data', `${fmt(k?.openFromImage?.seconds, 3)} s vs ${fmt(k?.openFromData?.seconds, 3)} s`, k?.openFromImage && k.openFromData && k.openFromData.seconds / k.openFromImage.seconds, 3);
  add('keydir ≤ 64 bytes + key length (16) per key', `${fmt(k?.keydirBytesPerKey, 1)} bytes/key`, k?.keydirBytesPerKey, 80, true);
  const fresh = k?.compaction?.freshProcessSeconds;
  add(
    'compaction ≥ 50% of sequential write bandwidth',
    `${lineText(k?.compaction?.writeLineMiBs, k?.compaction?.writtenMiBs)}${fresh !== undefined && k?.compaction ? `; in a fresh process ${fmt((k.compaction.writtenMiBs * k.compaction.seconds) / fresh)} MiB/s` : ''}`,
    k?.compaction && k.compaction.writtenMiBs / writeLine(k.compaction.writeLineMiBs),
    0.5,
  );
  if (ins && !ins.error) {
    add('inspector: first keys < 1.5 s', `${fmt(ins.firstKeysMs)} ms`, ins.firstKeysMs, 1500, true);
    add('inspector: filter keystroke < 100 ms (to filtered list)', `${fmt(ins.filterResultMs)} ms (echo ${fmt(ins.filterEchoMs, 1)} ms, no debounce)`, ins.filterResultMs, 100, true);
    add('inspector: no long task > 50 ms while scrolling', `longest ${fmt(ins.longestTaskMs)} ms, ${ins.longTasksWhileScrolling ?? '–'} long tasks`, ins.longestTaskMs ?? 0, 50, true);
  }
  return out;
}

export function targetsTable(r: BenchResult): string {
  const body = checkTargets(r).map((t) => [t.target, t.measured, t.ratio === undefined || !Number.isFinite(t.ratio) ? '–' : t.need > 10 ? fmt(t.ratio, 1) : ratio(t.ratio), t.met === undefined ? 'not measured' : t.met ? 'met' : '**not met**']);
  return table(['target', 'measured', 'ratio / value', 'status'], body).replace('|---|---|---:|---:|', '|---|---|---:|---|');
}

export function inspectorTable(r: BenchResult): string {
  const i = r.inspector;
  if (!i) return '(inspector not measured in this run)';
  if (i.error) return `(inspector measurement failed: ${i.error})`;
  const body = [
    ['keys in the store', fmt(i.keys)],
    ['submit directory → first keys rendered', `${fmt(i.firstKeysMs)} ms`],
    ['filter keystroke → character shown in the input', `${fmt(i.filterEchoMs, 1)} ms`],
    ['filter keystroke → filtered list rendered', `${fmt(i.filterResultMs)} ms`],
    ['scroll top → bottom: rows passed', fmt(i.scrolledRows)],
    ['long tasks (> 50 ms) while scrolling', `${i.longTasksWhileScrolling ?? '–'} (longest ${fmt(i.longestTaskMs)} ms)`],
    ['renderer JS heap (performance.memory)', `${fmt(i.rendererHeapMiB, 1)} MiB`],
    ['host process (`kvscope serve`) resident memory, store open', `${fmt(i.hostRssMiB, 0)} MiB`],
    ['browser', i.chromium ?? ''],
  ];
  return [`| measure | result |`, `|---|---|`, ...body.map((b) => `| ${b.join(' | ')} |`)].join('\n');
}

export function limitsLine(r: BenchResult): string {
  const L = r.limits;
  return `sequential write ${fmt(L.seqWriteMBs)} MiB/s (1 MiB writes + fsync), sequential read ${fmt(L.seqReadMBs)} MiB/s (${L.seqReadCold ? 'page cache evicted' : 'page cache NOT evicted'}), fdatasync after a 100-byte append p50 ${fmt(L.fsyncP50Us)} µs / p99 ${fmt(L.fsyncP99Us)} µs = ${fmt(L.fsyncOpsPerSec)} durable appends/s`;
}

export function renderReport(r: BenchResult): string {
  const m = r.machine;
  return [
    `kvscope bench ${r.date} — ${r.options.keys.toLocaleString('en-US')} keys of 16 B, ${r.options.valueSize}-byte values, shuffled${r.options.quick ? ' (quick)' : ''}; ran ${r.seconds.toFixed(0)} s`,
    `machine: ${m.cpuModel}, ${m.cores} cores, ${m.ramGiB} GiB RAM, ${m.disk}, Node ${m.node}`,
    `limits: ${limitsLine(r)}`,
    `engines: ${r.engines.map((e) => `${e.name} ${e.version}`).join(', ')}`,
    '',
    sideBySide(r),
    '',
    targetsTable(r),
    '',
    inspectorTable(r),
  ].join('\n');
}

const BEGIN = '<!-- bench:begin (generated by `npm run bench`; edit outside these markers) -->';
const END = '<!-- bench:end -->';

export function generatedSection(r: BenchResult): string {
  const m = r.machine;
  const o = r.options;
  return [
    BEGIN,
    '',
    `## Latest run: ${r.date.slice(0, 10)}`,
    '',
    `- Date: ${r.date} (run took ${r.seconds.toFixed(0)} s)`,
    `- Machine: ${m.cpuModel}, ${m.cores} cores, ${m.ramGiB} GiB RAM, ${m.platform}; data disk ${m.disk}`,
    `- Disk, measured in the same run: ${limitsLine(r)}`,
    `- Node ${m.node}; ${r.engines.map((e) => `${e.name} ${e.version}`).join(', ')}`,
    `- Workload: ${o.keys.toLocaleString('en-US')} keys of 16 bytes (\`user:\` + 11 digits), ${o.valueSize}-byte random values, inserted in shuffled order in durable batches of ${o.batchSize.toLocaleString('en-US')}; ${o.durablePuts.toLocaleString('en-US')} durable single puts; ${o.groupCommitPuts.toLocaleString('en-US')} puts from 8 concurrent writers (kvscope \`batch\` policy); ${o.reads.toLocaleString('en-US')} random reads${o.readRounds ? ` (in each engine's own turn, then in ${o.readRounds} round${o.readRounds === 1 ? '' : 's'} side by side on copies of the stores as their loads left them: each engine in turn, cold then warm)` : ''}; ${o.mixedOps.toLocaleString('en-US')} mixed ops (90% reads, 10% durable puts); a prefix scan of 10,000 keys with values (median of 5, the harness's heap collected before each); a third of the keys overwritten, then compaction${o.quick ? '; **quick run**' : ''}`,
    '',
    '### Side by side',
    '',
    sideBySide(r),
    '',
    '### Targets',
    '',
    targetsTable(r),
    '',
    '### Inspector (browser host, Chromium)',
    '',
    inspectorTable(r),
    '',
    END,
  ].join('\n');
}

const TEMPLATE = `# Benchmarks

kvscope measured side by side with LevelDB (classic-level), LMDB (lmdb) and
SQLite (better-sqlite3), and against the machine's own limits, all in one
run: absolute figures drift between runs and machines (the disk is a VM's),
ratios within one run do not.

${BEGIN}
${END}
`;

export function writeBenchmarksDoc(path: string, r: BenchResult, _report: string): void {
  let doc = fs.existsSync(path) ? fs.readFileSync(path, 'utf8') : TEMPLATE;
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  if (a < 0 || b < 0) doc = `${doc.trimEnd()}\n\n${BEGIN}\n${END}\n`;
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END) + END.length;
  doc = doc.slice(0, start) + generatedSection(r) + doc.slice(end);
  fs.writeFileSync(path, doc);
}
