import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

function run(script: string, ...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test/reliability', script), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('the reliability scripts’ command lines', () => {
  for (const script of ['torture.ts', 'fuzz.ts', 'crash-states-run.ts']) {
    it(`${script} --help prints its usage and runs nothing`, () => {
      const r = run(script, '--help');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^usage: (torture|fuzz|crash-states) /);
      expect(r.stderr).not.toMatch(/trials|inputs,/);
    });

    it(`${script} refuses an option it does not know, before running anything`, () => {
      const r = run(script, '--trails', '3');
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/Unknown option '--trails'/);
      expect(r.stderr).toMatch(/usage: /);
      expect(r.stdout).toBe('');
    });
  }

  it('torture refuses a policy it does not know', () => {
    const r = run('torture.ts', '--policy', 'sometimes');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/usage: torture/);
  });
});
