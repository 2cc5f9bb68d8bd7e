/**
 * A bench's scratch directory holds hundreds of megabytes: it must go when the
 * run is interrupted, and what a killed run left must go with the next run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeAbandonedScratch } from '../../bench/scratch.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
let base = '';

afterEach(() => rmSync(base, { recursive: true, force: true }));

/** The id of a process that has ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  expect(r.status).toBe(0);
  return r.pid!;
}

/** Runs makeScratch in a child that then waits; resolves with the child, the directory it printed. */
function childWithScratch(name: string, keep: boolean): Promise<{ child: ReturnType<typeof spawn>; dir: string }> {
  const script = join(base, 'child.ts');
  writeFileSync(
    script,
    `import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeScratch } from ${JSON.stringify(join(ROOT, 'bench', 'scratch.ts'))};
const s = makeScratch(${JSON.stringify(join(base, 'tmp'))}, ${JSON.stringify(name)}, { keep: ${keep} });
writeFileSync(join(s.dir, 'store.data'), Buffer.alloc(4096));
process.stdout.write(s.dir + '\\n');
setInterval(() => {}, 1000);
`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolvePromise, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.endsWith('\n')) resolvePromise({ child, dir: out.trim() });
    });
    child.on('exit', (code) => reject(new Error(`child exited early: ${code}`)));
  });
}

function exitOf(child: ReturnType<typeof spawn>): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((r) => child.on('exit', (code) => r({ code, stderr })));
}

describe('bench scratch directories', () => {
  it('removes the scratch of runs that are gone, and nothing else', () => {
    base = mkdtempSync(join(tmpdir(), 'kvscope-scratch-'));
    const gone = deadPid();
    const names = [`bench-${gone}`, `bench-cli-${gone}`, `bench-records-${gone}`, `bench-keys-kept-${gone}`, `bench-${process.pid}`, `other-${gone}`, 'bench-results', `bench-x-${gone}`];
    for (const n of names) mkdirSync(join(base, n));
    writeFileSync(join(base, `bench-${gone}`, 'big.data'), Buffer.alloc(1024));

    expect(removeAbandonedScratch(base).sort()).toEqual([`bench-${gone}`, `bench-cli-${gone}`, `bench-records-${gone}`].sort());
    expect(readdirSync(base).sort()).toEqual([`bench-keys-kept-${gone}`, `bench-${process.pid}`, `other-${gone}`, 'bench-results', `bench-x-${gone}`].sort());
    expect(removeAbandonedScratch(join(base, 'missing'))).toEqual([]);
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('removes the directory on %s and exits with %i', async (signal, code) => {
    base = mkdtempSync(join(tmpdir(), 'kvscope-scratch-'));
    const { child, dir } = await childWithScratch('bench', false);
    expect(dir).toBe(join(base, 'tmp', `bench-${child.pid}`));
    expect(existsSync(join(dir, 'store.data'))).toBe(true);
    const exited = exitOf(child);
    child.kill(signal);
    const { code: exitCode, stderr } = await exited;
    expect(exitCode).toBe(code);
    expect(stderr).toContain(`${signal}: removed ${dir}`);
    expect(existsSync(dir)).toBe(false);
  });

  it('keeps a --keep run on a signal, and a later run leaves it', async () => {
    base = mkdtempSync(join(tmpdir(), 'kvscope-scratch-'));
    const { child, dir } = await childWithScratch('bench-keys', true);
    expect(dir).toBe(join(base, 'tmp', `bench-keys-kept-${child.pid}`));
    const exited = exitOf(child);
    child.kill('SIGINT');
    expect((await exited).code).toBe(130);
    expect(existsSync(join(dir, 'store.data'))).toBe(true);
    expect(removeAbandonedScratch(join(base, 'tmp'))).toEqual([]);
    expect(existsSync(dir)).toBe(true);
  });

  it('a new run removes what a killed one left', async () => {
    base = mkdtempSync(join(tmpdir(), 'kvscope-scratch-'));
    const first = await childWithScratch('bench', false);
    const exited = exitOf(first.child);
    first.child.kill('SIGKILL');
    await exited;
    expect(existsSync(first.dir)).toBe(true);
    const second = await childWithScratch('bench-cli', false);
    const secondExit = exitOf(second.child);
    second.child.kill('SIGTERM');
    const { stderr } = await secondExit;
    expect(stderr).toContain(`removed ${first.dir}, left by a bench run that is gone`);
    expect(existsSync(first.dir)).toBe(false);
  });
});
