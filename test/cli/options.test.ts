/**
 * Options a command does not use are refused (a usage error naming the
 * option and the command), and so is a string option given twice: before,
 * `set k v --prefix x`, `get k --prefix x` and `stats --segment 1` ran as if
 * the option were not there, and `-d r1 --dir r2` used r2.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseCommandLine, UsageError } from '../../src/cli/args.js';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';
import { kvscope } from './run-cli.js';

vi.setConfig({ testTimeout: 120_000 });
afterAll(cleanTempDirs);

const refusal = (argv: string[]): string => {
  try {
    parseCommandLine(argv);
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  return 'accepted';
};

describe('options and commands', () => {
  it('refuses an option the command does not use, naming both', () => {
    expect(refusal(['set', 'k4', 'a', '--prefix', 'x'])).toMatch(/^set does not take --prefix/);
    expect(refusal(['get', 'k', '--prefix', 'x'])).toMatch(/^get does not take --prefix/);
    expect(refusal(['stats', '--segment', '1'])).toMatch(/^stats does not take --segment/);
    expect(refusal(['-p', 'x', 'delete', 'k'])).toMatch(/^delete does not take -p \(--prefix\)/);
    expect(refusal(['list', '--from', 'x'])).toMatch(/^list does not take --from/);
    expect(refusal(['formats', '--dir', 'x'])).toMatch(/^formats does not take --dir/);
    expect(refusal(['repl', '--json'])).toMatch(/^repl does not take --json/);
  });

  it('refuses a string option given twice', () => {
    expect(refusal(['-d', 'r1', '--dir', 'r2', 'list'])).toBe('--dir was given twice ("r1", "r2"); give it once');
    expect(refusal(['list', '--prefix', 'a', '--prefix=b'])).toMatch(/^--prefix was given twice/);
  });

  it("accepts each command's own options, and --help with anything", () => {
    for (const argv of [
      ['-d', 'x', '--fsync', 'never', '--segment-size', '64k', 'set', 'k', 'v', '--json', '--key-hex'],
      ['list', '--prefix', 'a', '--limit', '3', '--json', '--read-only'],
      ['scan', '--prefix', 'a', '--key-hex'],
      ['export', '--prefix', 'a'],
      ['records', '--segment', '000001.data', '--offset', '0', '--limit', '5'],
      ['dump', '--segment', '1'],
      ['import', '--from', 'x', '--no-progress'],
      ['crash-lab', '--to', 'y', '--tear', '000001.data:10'],
      ['repair', '--to', 'y', '-f', 'kvscope'],
      ['serve', '--port', '0', '--read-write'],
      ['verify', '--no-progress', '--json'],
      ['--json', '--json', 'stats'],
      ['set', '--prefix', 'x', '--help'],
    ]) {
      expect(refusal(argv), argv.join(' ')).toBe('accepted');
    }
  });

  it('the command exits 2 and leaves the store alone', () => {
    const cwd = tempDir();
    const r = kvscope(cwd, ['-d', 's', 'set', 'k4', 'a', '--prefix', 'x']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('set does not take --prefix');
    // Refused before anything ran: no store was created.
    expect(fs.existsSync(path.join(cwd, 's'))).toBe(false);
  });
});
