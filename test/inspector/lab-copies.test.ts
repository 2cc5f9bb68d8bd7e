/**
 * Crash-lab copies the inspector makes in the temp directory are deleted once
 * nothing wants them: when their session closes or runs another crash lab
 * (unless a session has the copy open), when the inspector closes, and, at
 * the next start, those a dead inspector left (its marker file proves them
 * ours). A copy made where the user asked (`to`) is the user's.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { LAB_MARKER, LAB_PREFIX, SWEEP_AGE_MS } from '../../src/inspector/lab-copies.js';
import { InspectorService } from '../../src/inspector/service.js';

let base: string;
let store: string;
let labDir: string;
let n = 0;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'kvscope-labcopies-'));
  store = join(base, 'store');
  const s = await Store.open(store, { create: true, fsync: 'never' });
  for (let i = 0; i < 20; i++) await s.put(`key:${i}`, `value ${i}`);
  await s.close();
});
afterAll(() => rmSync(base, { recursive: true, force: true }));
beforeEach(() => {
  labDir = join(base, `lab-${++n}`);
  mkdirSync(labDir);
});

const damage = { kind: 'tear', file: '000001.data', offset: 100 } as const;
const labDirs = () => readdirSync(labDir).filter((name) => name.startsWith(LAB_PREFIX));

function newService(): InspectorService {
  return new InspectorService({ opener: createEngineOpener(), configDir: join(base, 'config'), labDir });
}

describe('crash-lab copies', () => {
  it('go when their session runs another crash lab, closes, or the inspector closes; not while open in a session', async () => {
    const service = newService();
    try {
      const { sessionId: a } = await service.dispatch('openStore', { path: store });
      const first = await service.dispatch('crashLab', { sessionId: a, damage });
      expect(dirname(dirname(first.copyDir))).toBe(labDir);
      expect(JSON.parse(readFileSync(join(dirname(first.copyDir), LAB_MARKER), 'utf8'))).toMatchObject({ pid: process.pid, hostname: hostname() });
      expect(first.keysAfter).toBeLessThan(first.keysBefore);

      // Another crash lab: the previous copy goes.
      const second = await service.dispatch('crashLab', { sessionId: a, damage });
      expect(existsSync(first.copyDir)).toBe(false);
      expect(existsSync(second.copyDir)).toBe(true);
      expect(labDirs()).toHaveLength(1);

      // The copy opened in a session (as the lab view's Open does), then the session that made it closed: kept while open.
      const { sessionId: b } = await service.dispatch('openStore', { path: second.copyDir });
      await service.dispatch('closeStore', { sessionId: a });
      expect(existsSync(second.copyDir)).toBe(true);
      await service.dispatch('closeStore', { sessionId: b });
      expect(existsSync(second.copyDir)).toBe(false);
      expect(labDirs()).toEqual([]);

      // One still shown by its session goes when the inspector closes; one made where asked (`to`) stays.
      const { sessionId: c } = await service.dispatch('openStore', { path: store });
      const third = await service.dispatch('crashLab', { sessionId: c, damage });
      const asked = join(base, `asked-${n}`);
      const mine = await service.dispatch('crashLab', { sessionId: c, damage, to: asked });
      expect(mine.copyDir).toBe(asked);
      expect(existsSync(third.copyDir)).toBe(true);
      await service.close();
      expect(existsSync(third.copyDir)).toBe(false);
      expect(existsSync(asked)).toBe(true);
      expect(labDirs()).toEqual([]);
    } finally {
      await service.close();
    }
  });

  it('a failed crash lab leaves no directory', async () => {
    const service = newService();
    try {
      const { sessionId } = await service.dispatch('openStore', { path: store });
      await expect(service.dispatch('crashLab', { sessionId, damage: { kind: 'tear', file: 'LOCK', offset: 0 } })).rejects.toThrow();
      expect(labDirs()).toEqual([]);
    } finally {
      await service.close();
    }
  });

  it('a start deletes the copies of a dead inspector on this host, and nothing else', () => {
    // A pid that is gone: a child that has exited.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const old = Date.now() - SWEEP_AGE_MS - 1000;
    const make = (name: string, marker: object | undefined) => {
      const dir = join(labDir, name);
      mkdirSync(join(dir, 'store'), { recursive: true });
      writeFileSync(join(dir, 'store', '000001.data'), 'x');
      if (marker) writeFileSync(join(dir, LAB_MARKER), JSON.stringify(marker));
      return dir;
    };
    const abandoned = make(`${LAB_PREFIX}a-dead`, { pid: dead, hostname: hostname(), created: old });
    const kept = [
      make(`${LAB_PREFIX}b-alive`, { pid: process.ppid, hostname: hostname(), created: old }),
      make(`${LAB_PREFIX}c-recent`, { pid: dead, hostname: hostname(), created: Date.now() }),
      make(`${LAB_PREFIX}d-no-marker`, undefined),
      make(`${LAB_PREFIX}e-other-host`, { pid: dead, hostname: `not-${hostname()}`, created: old }),
      make(`${LAB_PREFIX}f-bad-marker`, { pid: 'x' }),
      make('someone-elses-dir', { pid: dead, hostname: hostname(), created: old }),
    ];
    const service = newService();
    expect(service.sweepAbandonedLabCopies()).toEqual([abandoned]);
    expect(existsSync(abandoned)).toBe(false);
    for (const dir of kept) expect(existsSync(dir), dir).toBe(true);
    void service.close();
  });
});
