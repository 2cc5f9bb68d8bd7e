/**
 * The single-writer lock across two processes: a child (the real CLI's REPL,
 * fed by a pipe that stays open) holds the store open for writing.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import { readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { LockedError } from '../../src/engine/errors.js';
import { realFs, type EngineFs } from '../../src/engine/fs.js';
import { cleanTempDirs, tempDir } from './helpers.js';

const ROOT = path.resolve(__dirname, '../..');
const children: ChildProcessWithoutNullStreams[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  cleanTempDirs();
});

/** Resolves with everything the child printed once `text` has appeared on its stdout. */
function waitFor(child: ChildProcessWithoutNullStreams, text: string): Promise<string> {
  let seen = '';
  let errors = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer): void => {
      seen += d.toString();
      if (seen.includes(text)) {
        child.stdout.off('data', onData);
        resolve(seen);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (errors += d.toString()));
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before printing ${JSON.stringify(text)}: ${errors}`)));
  });
}

describe('writer lock across processes', () => {
  it('refuses a second writer, lets readers in, and is taken over once the holder is killed', async () => {
    const dir = path.join(tempDir(), 'store');
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/kvscope.js'), '--dir', dir, 'repl'], { cwd: ROOT, stdio: 'pipe' });
    children.push(child);
    const ready = waitFor(child, 'OK\nOK\n');
    child.stdin.write('set owner child process\nset count 42\n');
    await ready;

    expect(Store.lockHolder(dir)).toBe(child.pid);
    const err = await Store.open(dir).then(
      (s) => s.close().then(() => undefined),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LockedError);
    expect((err as LockedError).pid).toBe(child.pid);
    expect((err as Error).message).toContain(String(child.pid));

    const reader = await Store.open(dir, { readOnly: true });
    expect((await reader.get('owner'))?.toString()).toBe('child process');
    expect((await reader.get('count'))?.toString()).toBe('42');
    await reader.close();

    // The child is still alive and still the writer.
    const more = waitFor(child, 'OK\n');
    child.stdin.write('set later yes\n');
    await more;

    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(Store.lockHolder(dir)).toBeUndefined();

    const writer = await Store.open(dir);
    expect(writer.recovery.staleLockTakenOver).toBe(child.pid);
    expect((await writer.get('owner'))?.toString()).toBe('child process');
    expect((await writer.get('later'))?.toString()).toBe('yes');
    await writer.put('owner', 'parent');
    await writer.close();
    const again = await Store.open(dir);
    expect(again.recovery.staleLockTakenOver).toBeUndefined();
    expect((await again.get('owner'))?.toString()).toBe('parent');
    await again.close();
  });

  it('readers open reliably while the writer in another process keeps compacting', async () => {
    const dir = path.join(tempDir(), 'store');
    const seed = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 1024 });
    for (let i = 0; i < 2000; i++) await seed.put(`k${i % 400}`, `value ${i}`);
    await seed.close();
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/kvscope.js'), '--dir', dir, '--segment-size', '1024', '--fsync', 'never', 'repl'], { cwd: ROOT, stdio: 'pipe' });
    children.push(child);
    let script = '';
    for (let i = 0; i < 400; i++) script += `set k${i} again ${i}\ncompact\n`;
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const compactions = (): number => out.split('Compaction finished').length - 1;
    const compacting = waitFor(child, 'Compaction finished');
    child.stdin.write(script);
    await compacting;
    // Counted in opens and in compactions met, not in time: on a loaded machine each takes longer, and it runs longer.
    const before = compactions();
    const failures: string[] = [];
    let opens = 0;
    for (; opens < 200 || compactions() < before + 10; opens++) {
      if (child.exitCode !== null) throw new Error(`the writer exited (${child.exitCode}) after ${compactions()} compactions`);
      try {
        const reader = await Store.open(dir, { readOnly: true });
        expect(reader.keyCount()).toBe(400);
        await reader.close();
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
    // Every open read the store whole while at least 10 of the writer's compactions (of the 400 it was sent) finished.
    expect(failures, `${opens} opens`).toEqual([]);
  });

  it('a reader whose listed files vanish before it opens them reads the directory again; a writer lists it again under its lock', async () => {
    const dir = path.join(tempDir(), 'store');
    const seed = await Store.open(dir, { create: true, fsync: 'never', segmentSize: 1024 });
    for (let i = 0; i < 300; i++) await seed.put(`k${i % 50}`, `value ${i}`);
    await seed.close();
    // As if a compaction in another process removed the files between the listing and the open, `times` times.
    const vanishing = (times: number): { efs: EngineFs; failed: () => number } => {
      let failed = 0;
      const efs: EngineFs = {
        ...realFs,
        openSync: (p, flags, mode) => {
          if (p.endsWith('.data') && failed < times) {
            failed++;
            throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
          }
          return realFs.openSync(p, flags, mode);
        },
      };
      return { efs, failed: () => failed };
    };
    const few = vanishing(6);
    const reader = await Store.open(dir, { readOnly: true, fs: few.efs });
    expect(few.failed()).toBe(6);
    expect(reader.keyCount()).toBe(50);
    await reader.close();
    const forever = vanishing(Infinity);
    await expect(Store.open(dir, { readOnly: true, fs: forever.efs })).rejects.toMatchObject({ code: 'ENOENT' });
    expect(forever.failed()).toBe(10);
    // A writer goes by the listing it takes under the lock (no other writer removes files then): a file gone
    // before it is passed over, and one listed under the lock that it cannot open refuses it.
    const writer = vanishing(1);
    const opened = await Store.open(dir, { fs: writer.efs });
    expect(writer.failed()).toBe(1);
    expect(opened.keyCount()).toBe(50);
    await opened.close();
    const stuck = vanishing(Infinity);
    await expect(Store.open(dir, { fs: stuck.efs })).rejects.toMatchObject({ code: 'ENOENT' });
    const segments = readdirSync(dir).filter((n) => n.endsWith('.data')).length;
    expect(stuck.failed()).toBe(segments + 1);
    expect(Store.lockHolder(dir)).toBeUndefined();
  });

  it('writers racing to take over a stale lock: exactly one gets it, every time', async () => {
    // A killed writer leaves a LOCK naming a dead pid; a LOCK cut short names none. Both are taken over, by one racer.
    for (const stale of [`999999 ${hostname()}\n`, '', '4242']) {
      for (let trial = 0; trial < 2; trial++) {
        const dir = tempDir();
        writeFileSync(path.join(dir, 'LOCK'), stale);
        // Started together once all are loaded (not at a time fixed before they were spawned), and the winner holds
        // the lock until every racer has told its result: a loaded machine slows the race but cannot change it.
        const racers = Array.from({ length: 5 }, () => {
          const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/engine/lock-racer.ts'), dir], { cwd: ROOT, stdio: 'pipe' });
          children.push(child);
          child.stdin.on('error', () => undefined); // a refused racer has exited when "release" is sent
          let out = '';
          const said = (text: string) => new Promise<void>((resolve) => {
            const look = () => out.includes(text) && resolve();
            child.stdout.on('data', look);
            look();
          });
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          let err = '';
          child.stderr.on('data', (d: Buffer) => (err += d.toString()));
          const exited = once(child, 'exit').then(([code]) => ({ code, out: out.replace('ready\n', '').trim(), err }));
          const ready = Promise.race([said('ready\n'), exited.then((r) => Promise.reject(new Error(`racer exited ${r.code}: ${r.err}`)))]);
          const result = Promise.race([said('acquired'), said('refused'), exited]);
          return { child, ready, result, exited };
        });
        await Promise.all(racers.map((r) => r.ready));
        const startAt = Date.now() + 200;
        for (const r of racers) r.child.stdin.write(`go ${startAt}\n`);
        await Promise.all(racers.map((r) => r.result));
        for (const r of racers) if (r.child.exitCode === null) r.child.stdin.write('release\n');
        const results = await Promise.all(racers.map((r) => r.exited));
        expect(results.map((r) => r.code), results.map((r) => r.err).join('\n')).toEqual([0, 0, 0, 0, 0]);
        expect(results.filter((r) => r.out === 'acquired'), JSON.stringify(stale)).toHaveLength(1);
        expect(readdirSync(dir)).toEqual([]);
      }
    }
  }, 120_000);

  it("the next writer removes what writers killed while taking the lock left, and never a live process's files", async () => {
    const dir = path.join(tempDir(), 'store');
    const seed = await Store.open(dir, { create: true });
    await seed.put('k', 'v');
    await seed.close();
    // A writer killed in the middle of taking the lock: its own name for the lock line is written, LOCK not yet made.
    const killed = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `import { acquireLock } from './src/engine/lock.ts';
         import { realFs } from './src/engine/fs.ts';
         const efs = { ...realFs, linkSync: () => { process.stdout.write('linking\\n'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); } };
         acquireLock(efs, process.argv[1]);`,
        dir,
      ],
      { cwd: ROOT, stdio: 'pipe' },
    );
    children.push(killed);
    await waitFor(killed, 'linking');
    expect(readdirSync(dir)).toContain(`LOCK.${killed.pid}.new`);
    killed.kill('SIGKILL');
    await once(killed, 'exit');
    // Another died before writing its line (an empty file), and one that was taking over a stale lock left LOCK.takeover.
    const exited = spawn(process.execPath, ['-e', ''], { stdio: 'pipe' });
    await once(exited, 'exit');
    const dead = { pid: exited.pid! };
    writeFileSync(path.join(dir, `LOCK.${dead.pid}.new`), '');
    writeFileSync(path.join(dir, 'LOCK.takeover'), `${dead.pid} ${hostname()}\n`);
    // A live process's file (a writer taking the lock right now, say) and another host's stay.
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'pipe' });
    children.push(live);
    writeFileSync(path.join(dir, `LOCK.${live.pid}.new`), `${live.pid} ${hostname()}\n`);
    writeFileSync(path.join(dir, `LOCK.${dead.pid + 1}.new`), `${dead.pid + 1} elsewhere.example\n`);

    // Readers leave everything as it is.
    const reader = await Store.open(dir, { readOnly: true });
    await reader.close();
    expect(readdirSync(dir).filter((n) => n.startsWith('LOCK'))).toHaveLength(5);

    const writer = await Store.open(dir);
    expect((await writer.get('k'))?.toString()).toBe('v');
    expect(readdirSync(dir).filter((n) => n.startsWith('LOCK.')).sort()).toEqual([`LOCK.${dead.pid + 1}.new`, `LOCK.${live.pid}.new`].sort());
    await writer.close();
  });

  it('a second writer in the same process is refused too', async () => {
    const dir = path.join(tempDir(), 'store');
    const a = await Store.open(dir, { create: true });
    await expect(Store.open(dir)).rejects.toBeInstanceOf(LockedError);
    await a.close();
    const b = await Store.open(dir);
    expect(b.recovery.staleLockTakenOver).toBeUndefined();
    await b.close();
  });
});
