/**
 * The crash lab damages a copy and reports exactly the keys recovery lost;
 * the original never changes.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { runCrashLab } from '../../src/engine/crash-lab.js';
import type { RecordLocation } from '../../src/engine/types.js';
import { cleanTempDirs, hashDir, tempDir } from './helpers.js';

afterEach(cleanTempDirs);

/** One segment of distinct keys k00..k29, plus a second segment with k30..k39. */
async function build(dir: string): Promise<Map<string, RecordLocation>> {
  const store = await Store.open(dir, { create: true, segmentSize: 1100, fsync: 'never' });
  const locs = new Map<string, RecordLocation>();
  for (let i = 0; i < 40; i++) {
    const key = `k${String(i).padStart(2, '0')}`;
    await store.put(key, `value-${i}`);
    locs.set(key, store.locate(key)!);
  }
  await store.close();
  return locs;
}

describe('runCrashLab', () => {
  it('a torn tail loses exactly the keys from the tear to the end of that segment', async () => {
    const dir = tempDir();
    const locs = await build(dir);
    // The clean close left a keydir image; the copy, reopened as after a crash, has none to find stale.
    expect(existsSync(join(dir, 'KEYDIR'))).toBe(true);
    const before = hashDir(dir);
    const file = locs.get('k00')!.file;
    const inFile = [...locs].filter(([, l]) => l.file === file).sort((a, b) => a[1].offset - b[1].offset);
    const cut = inFile[10]!;
    const report = await runCrashLab(dir, { damage: { kind: 'tear', file, offset: cut[1].offset + 5 } });
    const expected = inFile.slice(10).map(([k]) => k);
    expect([...report.lost].sort()).toEqual(expected);
    expect(report.lostCount).toBe(expected.length);
    expect(report.changed).toEqual([]);
    expect(report.keysBefore).toBe(40);
    expect(report.keysAfter).toBe(40 - expected.length);
    expect(report.recovery.join('\n')).toMatch(/torn tail/);
    expect(report.recovery.join('\n')).not.toMatch(/KEYDIR/);
    // The same in plain words, as the inspector's open report says them, each with its terse line as the detail.
    const torn = report.recoveryReport.find((r) => r.detail === report.recovery.find((l) => l.startsWith('torn tail')));
    expect(torn?.text).toMatch(new RegExp(`^(The last write to|Skipped an unfinished record at the end of the file in) ${file}`));
    expect(report.recoveryReport).toHaveLength(report.recovery.length);
    for (const item of report.recoveryReport) expect(report.recovery.some((line) => line.endsWith(item.detail!))).toBe(true);
    expect(report.copyDir).not.toBe(dir);
    expect(hashDir(dir)).toEqual(before);
  });

  it('a flipped byte in one record loses that key only (the scan resynchronises)', async () => {
    const dir = tempDir();
    const locs = await build(dir);
    const last = [...locs.values()].reduce((a, b) => (b.segment > a.segment ? b : a)).file; // the active segment: no hint
    const victim = [...locs].find(([, l]) => l.file === last)!;
    const to = join(tempDir(), 'lab');
    const report = await runCrashLab(dir, { to, damage: { kind: 'flip', file: last, offset: victim[1].offset + 24, mask: [0x01] } });
    expect(report.copyDir).toBe(to);
    expect(report.lost).toEqual([victim[0]]);
    expect(report.problems.some((p) => p.kind === 'bad-crc' && p.file === last && p.offset === victim[1].offset)).toBe(true);
  });

  it('a flip hidden by a hint file shows up as an unreadable (lost) key and a hint mismatch', async () => {
    const dir = tempDir();
    const locs = await build(dir);
    const k = locs.get('k03')!;
    expect(existsSync(join(dir, k.file.replace('.data', '.hint')))).toBe(true);
    const report = await runCrashLab(dir, { damage: { kind: 'flip', file: k.file, offset: k.offset + k.length - 1, mask: [0xff] } });
    expect(report.lost).toEqual(['k03']);
    expect(report.problems.map((p) => p.kind)).toEqual(expect.arrayContaining(['bad-crc', 'hint-mismatch']));
    // Said in plain words too, among the problems, its terse line the detail.
    expect(report.recoveryReport).toContainEqual({
      kind: 'problem',
      text: 'A key is still listed, but its record fails its checksum when it is read: it is counted as lost.',
      detail: '1 key(s) are still listed but their record fails its checksum when read (counted as lost)',
    });
  });

  it('refuses a copy directory that is not empty, and damage past the end of the file', async () => {
    const dir = tempDir();
    const locs = await build(dir);
    const file = locs.get('k00')!.file;
    const full = tempDir();
    writeFileSync(join(full, 'x'), '');
    await expect(runCrashLab(dir, { to: full, damage: { kind: 'tear', file, offset: 30 } })).rejects.toThrow(/not empty/);
    const to = join(tempDir(), 'c');
    await expect(runCrashLab(dir, { to, damage: { kind: 'tear', file, offset: 1e9 } })).rejects.toThrow(/cannot tear/);
    expect(readdirSync(dir).some((n) => n.includes('crash'))).toBe(false);
    // Checked on the original before copying: a refused request leaves no copy behind to block the next try.
    expect(existsSync(to)).toBe(false);
    await expect(runCrashLab(dir, { to, damage: { kind: 'flip', file: 'KEYDIR', offset: 0, mask: [1] } })).rejects.toThrow(/left out of the copy/);
    await expect(runCrashLab(dir, { to, damage: { kind: 'tear', file: 'nope.data', offset: 0 } })).rejects.toThrow(/no file nope.data/);
    expect(existsSync(to)).toBe(false);
  });

  it('never damages a file outside the copy, whatever path the damage names', async () => {
    const parent = tempDir();
    const dir = join(parent, 'store');
    const locs = await build(dir);
    const file = locs.get('k00')!.file;
    const neighbour = join(parent, 'other');
    await build(neighbour);
    const before = { store: hashDir(dir), neighbour: hashDir(neighbour) };
    for (const name of [`../store/${file}`, `../other/${file}`, `./${file}`, join(dir, file), `x/../${file}`, `${file}/`, '..']) {
      const to = join(parent, `lab-${Math.random().toString(36).slice(2)}`);
      await expect(runCrashLab(dir, { to, damage: { kind: 'tear', file: name, offset: 0 } })).rejects.toThrow(/not a file of the store/);
      await expect(runCrashLab(dir, { to, damage: { kind: 'flip', file: name, offset: 0, mask: [0xff] } })).rejects.toThrow(/not a file of the store/);
    }
    expect(hashDir(dir)).toEqual(before.store);
    expect(hashDir(neighbour)).toEqual(before.neighbour);
  });
});
