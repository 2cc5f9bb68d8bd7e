/**
 * Follow mode: a read-only tail sees what a SEPARATE writer process appends
 * (new keys, overwrites, deletes, rotation to new segments, compaction)
 * within a second, and names the lock holder's pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { encodeRecordInto, encodeSegmentHeader, recordLength } from '../../src/engine/native/codec.js';
import { RECORD_PUT } from '../../src/engine/native/layout.js';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_POLL_MS, followStore, MAX_POLL_MS, type FollowChange, type StoreFollower } from '../../src/engine/follow.js';
import { Store } from '../../src/engine/store.js';
import { nativeDataFiles } from '../../src/engine/compaction.js';
import { realFs } from '../../src/engine/fs.js';
import { cleanTempDirs, tempDir } from './helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');
let child: ChildProcess | undefined;
let follower: StoreFollower | undefined;

afterEach(async () => {
  await follower?.stop();
  follower = undefined;
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
  cleanTempDirs();
});

interface Writer {
  pid: number;
  send(line: string): Promise<void>;
}

async function startWriter(dir: string, ...args: string[]): Promise<Writer> {
  const proc = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'test/engine/follow-writer.ts'), dir, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  child = proc;
  let out = '';
  const waiters: (() => void)[] = [];
  let oks = 0;
  proc.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    const n = (out.match(/^ok$/gm) ?? []).length;
    while (oks < n) {
      oks++;
      waiters.shift()?.();
    }
  });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const pid = await new Promise<number>((res, rej) => {
    const timer = setInterval(() => {
      const m = /ready (\d+)/.exec(out);
      if (m) {
        clearInterval(timer);
        res(Number(m[1]));
      }
    }, 20);
    proc.on('exit', (code) => {
      clearInterval(timer);
      rej(new Error(`writer exited ${code}: ${err}`));
    });
  });
  return {
    pid,
    send(line: string) {
      return new Promise<void>((res) => {
        waiters.push(res);
        proc.stdin!.write(line + '\n');
      });
    },
  };
}

function collector(): { changes: FollowChange[]; waitFor(pred: (c: FollowChange[]) => boolean, ms?: number): Promise<number> } {
  const changes: FollowChange[] = [];
  return {
    changes,
    // A bound on waiting, not a measure of speed: how soon a change is noticed is what the watcher and poll tests below check.
    async waitFor(pred, ms = 10_000) {
      const start = Date.now();
      while (!pred(changes)) {
        if (Date.now() - start > ms) throw new Error(`not seen within ${ms} ms; saw ${JSON.stringify(changes.map((c) => `${c.kind} ${c.key}`))}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return Date.now() - start;
    },
  };
}

describe('followStore', () => {
  it('sees puts, overwrites and deletes of another process, with its pid', async () => {
    const dir = tempDir();
    const seed = await Store.open(dir, { create: true });
    await seed.put('existing', 'yes');
    await seed.close();
    const writer = await startWriter(dir);
    const seen = collector();
    follower = await followStore(dir, { onChanges: (c) => seen.changes.push(...c) });
    expect(follower.lockHolder()).toBe(writer.pid);
    expect(follower.keyCount()).toBe(1);

    await writer.send('put alpha one');
    await seen.waitFor((c) => c.some((x) => x.key === 'alpha'));
    expect(seen.changes.find((x) => x.key === 'alpha')).toMatchObject({ kind: 'put', valueLength: 3 });
    await writer.send('put alpha two!');
    await seen.waitFor((c) => c.filter((x) => x.key === 'alpha').length === 2);
    await writer.send('del existing');
    await seen.waitFor((c) => c.some((x) => x.key === 'existing' && x.kind === 'delete'));
    expect(follower.has('existing')).toBe(false);
    expect(follower.keyCount()).toBe(1);
    // The initial contents were not reported as changes.
    expect(seen.changes.filter((x) => x.key === 'existing' && x.kind === 'put')).toEqual([]);
  });

  it('the watcher alone notices another process\'s append (the poll turned off): a change is told as it is written, not at the next poll', async () => {
    const dir = tempDir();
    const writer = await startWriter(dir);
    const seen = collector();
    follower = await followStore(dir, { onChanges: (c) => seen.changes.push(...c), pollMs: false });
    expect(follower.watching()).toBe(true);
    expect(follower.pollMs).toBeUndefined();
    await writer.send('put watched yes');
    await seen.waitFor((c) => c.some((x) => x.key === 'watched'));
    await writer.send('del watched');
    await seen.waitFor((c) => c.some((x) => x.key === 'watched' && x.kind === 'delete'));
  });

  it('the poll alone (watching turned off) reads at its interval: 250 ms by default, at most 500 ms whatever is asked', async () => {
    // Counted on a fake clock, so a busy machine cannot make it late: nothing is read before the interval, all at it.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      for (const [asked, interval] of [[undefined, DEFAULT_POLL_MS], [60_000, MAX_POLL_MS]] as const) {
        const dir = tempDir();
        const store = await Store.open(dir, { create: true, fsync: 'never' });
        try {
          const seen = collector();
          const polled = await followStore(dir, { onChanges: (c) => seen.changes.push(...c), watch: false, ...(asked ? { pollMs: asked } : {}) });
          try {
            expect(polled.watching()).toBe(false);
            expect(polled.pollMs).toBe(interval);
            await store.put('polled', 'yes');
            vi.advanceTimersByTime(interval - 1);
            expect(seen.changes).toEqual([]);
            vi.advanceTimersByTime(1);
            expect(seen.changes.map((c) => `${c.kind} ${c.key}`)).toEqual(['put polled']);
          } finally {
            await polled.stop();
          }
        } finally {
          await store.close();
        }
      }
    } finally {
      vi.useRealTimers();
    }
  });

  it('sees appends that go over preallocated space, where the file does not grow', async () => {
    const dir = tempDir();
    const writer = await startWriter(dir, 'sync');
    const seen = collector();
    follower = await followStore(dir, { onChanges: (c) => seen.changes.push(...c), pollMs: 100 });
    await writer.send('put first 1');
    await seen.waitFor((c) => c.some((x) => x.key === 'first'));
    const file = join(dir, '000001.data');
    const size = statSync(file).size;
    expect(size).toBeGreaterThan(4096); // the writer preallocated
    for (const k of ['second', 'third']) {
      await writer.send(`put ${k} ${k}`);
      await seen.waitFor((c) => c.some((x) => x.key === k));
    }
    await writer.send('del first');
    await seen.waitFor((c) => c.some((x) => x.key === 'first' && x.kind === 'delete'));
    expect(statSync(file).size).toBe(size);
    expect(seen.changes.map((x) => `${x.kind} ${x.key}`)).toEqual(['put first', 'put second', 'put third', 'delete first']);
    expect(follower.keyCount()).toBe(2);
  });

  it('on crafted bytes: skips damage in the middle, reads over preallocated zeros, and waits for a record cut short in them', async () => {
    const dir = tempDir();
    const file = join(dir, '000001.data');
    const rec = (seq: number, key: string) => {
      const out = Buffer.alloc(recordLength(key.length, 5));
      encodeRecordInto(out, 0, RECORD_PUT, 0, seq, Buffer.from(key), Buffer.from('value'));
      return out;
    };
    writeFileSync(file, Buffer.concat([encodeSegmentHeader({ flags: 0, segmentId: 1, sequenceFloor: 0 }), rec(1, 'a')]));
    const seen = collector();
    // Ticks by hand: a long poll, and the watcher's ticks only read what is there.
    follower = await followStore(dir, { onChanges: (c) => seen.changes.push(...c), pollMs: 500 });
    expect(follower.keyCount()).toBe(1);
    const keys = () => seen.changes.map((c) => c.key);
    // Damage, a record, then zeros: the record is read, the damage skipped.
    const garbage = Buffer.alloc(40, 0xab);
    const end = statSync(file).size;
    appendFileSync(file, Buffer.concat([garbage, rec(2, 'b'), Buffer.alloc(4096)]));
    await follower.tick();
    expect(keys()).toEqual(['b']);
    // A record written over the zeros (the file does not grow).
    const at = end + garbage.length + rec(2, 'b').length;
    const size = statSync(file).size;
    const c = rec(3, 'c');
    const fd = openSync(file, 'r+');
    try {
      writeSync(fd, c, 0, c.length, at);
      await follower.tick();
      expect(keys()).toEqual(['b', 'c']);
      // A record cut short in the zeros: nothing yet, and nothing skipped; its end arrives, and it is read.
      const d = rec(4, 'd');
      writeSync(fd, d, 0, 12, at + c.length);
      await follower.tick();
      expect(keys()).toEqual(['b', 'c']);
      writeSync(fd, d, 12, d.length - 12, at + c.length + 12);
      await follower.tick();
      expect(keys()).toEqual(['b', 'c', 'd']);
    } finally {
      closeSync(fd);
    }
    expect(statSync(file).size).toBe(size);
    expect(follower.keyCount()).toBe(4);
  });

  it('follows rotation into new segments and ignores compaction outputs', async () => {
    const dir = tempDir();
    const writer = await startWriter(dir);
    const seen = collector();
    follower = await followStore(dir, { onChanges: (c) => seen.changes.push(...c), pollMs: 100 });
    await writer.send('many 60'); // ~13 KiB: several 4 KiB segments
    await seen.waitFor((c) => new Set(c.map((x) => x.key)).size === 60);
    expect(new Set(seen.changes.map((x) => x.file)).size).toBeGreaterThan(1);
    const count = seen.changes.length;
    await writer.send('compact');
    await writer.send('put after compact');
    await seen.waitFor((c) => c.some((x) => x.key === 'after'));
    // Compaction moved records to new files: nothing new to report but the put.
    expect(seen.changes.slice(count).map((x) => x.key)).toEqual(['after']);
    expect(follower.keyCount()).toBe(61);
  });

  it('says which files came and went when a compaction alone changes no key', async () => {
    const dir = tempDir();
    const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 1024 });
    for (let i = 0; i < 60; i++) await store.put(`k${i % 20}`, `value-${i}`);
    const seen = collector();
    const fileChanges: { added: string[]; removed: string[] }[] = [];
    follower = await followStore(dir, { onChanges: (c) => seen.changes.push(...c), onFilesChanged: (f) => fileChanges.push(f), pollMs: 500 });
    const before = nativeDataFiles(realFs, dir).map((f) => f.name);
    await follower.tick();
    expect(fileChanges).toEqual([]);
    const result = await store.compact();
    expect(result.inputSegments.length).toBeGreaterThan(1);
    await follower.tick();
    const after = nativeDataFiles(realFs, dir).map((f) => f.name);
    expect(seen.changes).toEqual([]);
    // The watcher may have looked in the middle of the compaction too: the reports, applied in turn, lead from before to after.
    expect(fileChanges.length).toBeGreaterThan(0);
    const files = new Set(before);
    for (const f of fileChanges) {
      for (const name of f.removed) expect(files.delete(name), name).toBe(true);
      for (const name of f.added) files.add(name);
    }
    expect([...files].sort()).toEqual([...after].sort());
    expect(before.some((f) => !after.includes(f))).toBe(true);
    // Nothing changed since: nothing said.
    const reports = fileChanges.length;
    await follower.tick();
    expect(fileChanges).toHaveLength(reports);
    await store.close();
  });
});
