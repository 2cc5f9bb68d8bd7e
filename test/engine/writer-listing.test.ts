/**
 * A writer's open goes by the directory as it is under the lock, not by a
 * listing taken before it: another writer that held the lock until then may
 * have rotated, compacted, or left temporary files that it removed itself.
 * The other writer is simulated deterministically: the directory is swapped,
 * at the right moment of our open (through the injected EngineFs), for a copy
 * on which a second writer did its work.
 */
import * as fs from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { LockedError } from '../../src/engine/errors.js';
import { realFs, type EngineFs } from '../../src/engine/fs.js';
import { cleanTempDirs, copyDir, tempDir } from './helpers.js';

afterEach(cleanTempDirs);

const OPTIONS = { fsync: 'never', segmentSize: 300 } as const;

/** Make `dir` hold exactly what `state` holds, but for the lock files (ours included). */
function becomeState(dir: string, state: string): void {
  for (const name of fs.readdirSync(dir)) if (!name.startsWith('LOCK')) fs.rmSync(path.join(dir, name));
  copyDir(state, dir);
}

/** A store of a few segments in `dir`, and in a copy of it the store after another writer's session (more writes, with `compact`: a compaction). */
async function storeAndItsFuture(compact: boolean): Promise<{ dir: string; future: string; expected: Map<string, string> }> {
  const dir = path.join(tempDir(), 'store');
  const expected = new Map<string, string>();
  const first = await Store.open(dir, { ...OPTIONS, create: true });
  for (let i = 0; i < 20; i++) {
    await first.put(`k${i % 8}`, `first ${i}`);
    expected.set(`k${i % 8}`, `first ${i}`);
  }
  await first.close();
  const future = path.join(tempDir(), 'future');
  copyDir(dir, future);
  const other = await Store.open(future, OPTIONS);
  for (let i = 0; i < 30; i++) {
    await other.put(`k${i % 12}`, `other ${i}`);
    expected.set(`k${i % 12}`, `other ${i}`);
    if (compact && i === 15) await other.compact();
  }
  await other.close();
  return { dir, future, expected };
}

/** realFs, with `before` run once just before the writer's link that takes LOCK (after its listing). */
function beforeTakingLock(before: () => void): EngineFs {
  let done = false;
  return {
    ...realFs,
    linkSync: (existing, to) => {
      if (!done && path.basename(to) === 'LOCK') {
        done = true;
        before();
      }
      realFs.linkSync(existing, to);
    },
  };
}

async function expectSeesEverything(dir: string, future: string, expected: Map<string, string>, efs: EngineFs): Promise<void> {
  const writer = await Store.open(dir, { ...OPTIONS, fs: efs });
  const segmentsThen = fs.readdirSync(future).filter((n) => n.endsWith('.data')).length;
  expect(writer.stats().segments).toBeGreaterThanOrEqual(segmentsThen);
  for (const [key, value] of expected) expect((await writer.get(key))?.toString()).toBe(value);
  // Its writes come after every write of the other writer, in segments of their own ids.
  for (let i = 0; i < 12; i++) await writer.put(`k${i}`, `after ${i}`);
  await writer.close();
  const reader = await Store.open(dir, { readOnly: true });
  for (let i = 0; i < 12; i++) expect((await reader.get(`k${i}`))?.toString()).toBe(`after ${i}`);
  expect(reader.keyCount()).toBe(12);
  const report = await reader.verify();
  expect(report.problems).toEqual([]);
  await reader.close();
}

describe("a writer's open and the directory under its lock", () => {
  it('another writer rotated between our listing and our lock: every segment is replayed, new writes are the newest', async () => {
    const { dir, future, expected } = await storeAndItsFuture(false);
    await expectSeesEverything(dir, future, expected, beforeTakingLock(() => becomeState(dir, future)));
  });

  it('another writer compacted between our listing and our lock: the inputs it removed are not looked for', async () => {
    const { dir, future, expected } = await storeAndItsFuture(true);
    await expectSeesEverything(dir, future, expected, beforeTakingLock(() => becomeState(dir, future)));
  });

  it('a temporary file listed before the lock and removed by its writer since is not unlinked again', async () => {
    const { dir, future, expected } = await storeAndItsFuture(false);
    // At our listing, the other writer was writing a hint under its temporary name; it renamed it since.
    fs.writeFileSync(path.join(dir, '000002.hint.tmp'), 'half a hint');
    await expectSeesEverything(dir, future, expected, beforeTakingLock(() => becomeState(dir, future)));
  });

  it('a writer that loses the race to a compacting writer is told the store is locked, not ENOENT', async () => {
    const { dir, future } = await storeAndItsFuture(true);
    // The other writer compacts the segments we listed away, and still holds the lock (a live process of this host).
    let swapped = false;
    const efs: EngineFs = {
      ...realFs,
      openSync: (p, flags, mode) => {
        if (!swapped && p.endsWith('.data')) {
          swapped = true;
          becomeState(dir, future);
          fs.writeFileSync(path.join(dir, 'LOCK'), `${process.ppid} ${hostname()}\n`);
        }
        return realFs.openSync(p, flags, mode);
      },
    };
    expect(fs.existsSync(path.join(future, '000001.data'))).toBe(false);
    const error = await Store.open(dir, { ...OPTIONS, fs: efs }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(swapped).toBe(true);
    expect(error).toBeInstanceOf(LockedError);
    expect((error as Error).message).toContain(`pid ${process.ppid}`);
  });
});
