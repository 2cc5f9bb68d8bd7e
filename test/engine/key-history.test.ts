/**
 * Store.history reads a segment through its hint when the hint is usable,
 * and scans the segment otherwise (key-history.ts). Both ways must give the
 * same versions; through hints it reads a few records instead of the
 * segments; and a record a hint lists that no longer holds what the hint
 * says sends that segment back to the scan, and is shown as corrupt.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import type { KeyVersion } from '../../src/engine/types.js';
import { cleanTempDirs, copyDir, countingFs, crashAfterCompactionCommit, tempDir } from './helpers.js';

afterAll(cleanTempDirs);

const KEYS = Array.from({ length: 120 }, (_, i) => `key:${i}`);

async function storeWithHistory(): Promise<string> {
  const dir = tempDir();
  const s = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 4 * 1024 });
  for (let round = 0; round < 4; round++) {
    for (const [i, key] of KEYS.entries()) if ((i + round) % 3 !== 0) await s.put(key, `${key} round ${round} ${'.'.repeat(i % 40)}`);
    for (let i = round; i < KEYS.length; i += 9) await s.delete(KEYS[i]!);
    await s.batch(KEYS.slice(round * 10, round * 10 + 10).map((key) => ({ type: 'put' as const, key, value: `batched ${round}` })));
  }
  await s.close();
  return dir;
}

const summary = (versions: KeyVersion[]) => versions.map((v) => `${v.location.file}@${v.location.offset}/${v.location.length} #${v.location.sequence} ${v.kind} ${v.status} ${v.valueLength}`);

async function historiesOf(dir: string): Promise<Map<string, string[]>> {
  const s = await Store.open(dir, { readOnly: true });
  try {
    const out = new Map<string, string[]>();
    for (const key of [...KEYS, 'never-written']) out.set(key, summary(await s.history(key)));
    return out;
  } finally {
    await s.close();
  }
}

function withoutHints(dir: string): string {
  const copy = tempDir();
  copyDir(dir, copy);
  for (const name of fs.readdirSync(copy)) if (name.endsWith('.hint') || name === 'KEYDIR') fs.rmSync(path.join(copy, name));
  return copy;
}

describe('history through hints', () => {
  it('gives the versions a scan of every segment gives', async () => {
    const dir = await storeWithHistory();
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.hint')).length).toBeGreaterThan(5);
    const throughHints = await historiesOf(dir);
    const scanned = await historiesOf(withoutHints(dir));
    expect(throughHints).toEqual(scanned);
    // The workload gave keys several versions, tombstones among them, and a key never written none.
    expect(Math.max(...[...scanned.values()].map((v) => v.length))).toBeGreaterThanOrEqual(5);
    expect([...scanned.values()].some((v) => v.some((line) => line.includes(' delete tombstone ')))).toBe(true);
    expect(scanned.get('never-written')).toEqual([]);
  });

  it('reads the records the hints list, not the segments', async () => {
    const dir = await storeWithHistory();
    const dataBytes = fs.readdirSync(dir).filter((n) => n.endsWith('.data')).reduce((n, name) => n + fs.statSync(path.join(dir, name)).size, 0);
    const { efs, bytesReadFrom } = countingFs();
    const s = await Store.open(dir, { readOnly: true, fs: efs, cacheBytes: 0 });
    try {
      const before = bytesReadFrom((n) => n.endsWith('.data'));
      const versions = await s.history('key:7');
      expect(versions.length).toBeGreaterThanOrEqual(3);
      const read = bytesReadFrom((n) => n.endsWith('.data')) - before;
      expect(read).toBe(versions.reduce((n, v) => n + v.location.length, 0));
      expect(read).toBeLessThan(dataBytes / 20);
    } finally {
      await s.close();
    }
  });

  it('reads through the hints of a committed compaction\'s outputs (*.hint.compacting) when a crash left them unrenamed', async () => {
    const dir = await storeWithHistory();
    const crashed = tempDir();
    await crashAfterCompactionCommit(dir, crashed);
    expect(fs.readdirSync(crashed).some((n) => n.endsWith('.hint.compacting'))).toBe(true);
    const { efs, bytesReadFrom } = countingFs();
    const ro = await Store.open(crashed, { readOnly: true, fs: efs, cacheBytes: 0 });
    try {
      const isData = (n: string) => n.endsWith('.data') || n.endsWith('.data.compacting');
      const before = bytesReadFrom(isData);
      const versions = await ro.history('key:7');
      expect(versions.some((v) => v.location.file.endsWith('.compacting'))).toBe(true);
      // Only the records the hints list were read, the outputs' included: no segment was scanned.
      expect(bytesReadFrom(isData) - before).toBe(versions.reduce((n, v) => n + v.location.length, 0));
    } finally {
      await ro.close();
    }
  });

  it('scans a segment whose listed record no longer matches its hint, and shows that record as corrupt', async () => {
    const dir = await storeWithHistory();
    const s = await Store.open(dir, { readOnly: true });
    const versions = await s.history('key:7');
    await s.close();
    // Damage the value of an old version (in a sealed segment with a hint): its checksum no longer holds.
    const old = versions.find((v) => v.status === 'shadowed')!;
    const file = path.join(dir, old.location.file);
    const bytes = fs.readFileSync(file);
    bytes[old.location.offset + old.location.length - 1]! ^= 0x40;
    fs.writeFileSync(file, bytes);
    expect(fs.existsSync(file.replace(/\.data$/, '.hint'))).toBe(true);
    const damaged = await historiesOf(dir);
    const scanned = await historiesOf(withoutHints(dir));
    // Every other key: exactly what scanning gives.
    for (const [key, lines] of scanned) if (key !== 'key:7') expect(damaged.get(key), key).toEqual(lines);
    // key:7: what scanning gives, and the version the hint lists where it was, as corrupt.
    expect(scanned.get('key:7')!.length).toBe(versions.length - 1);
    expect(damaged.get('key:7')).toEqual(versions.map((v) => (v === old ? summary([{ ...v, status: 'corrupt' }])[0] : summary([v])[0])));
  });
});
