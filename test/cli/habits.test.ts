/**
 * The seeds' command-line habits, as their users type them: kvdb's `del`
 * (its REPL's word for delete, and the DEL of tiny-log-kv's and kvdb's logs).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SHARED_DIR } from '../shared-dir.js';
import { BIN, kvscope } from './run-cli.js';
import { COMMAND_OPTIONS } from '../../src/cli/args.js';

vi.setConfig({ testTimeout: 120_000 });

let cwd: string;
beforeAll(() => {
  cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'kvscope-habits-'));
});
afterAll(() => fs.rmSync(cwd, { recursive: true, force: true }));

describe('command names the seeds use', () => {
  it('del is delete, one-shot as in the repl: Deleted, then "Key not found" with exit 1', () => {
    expect(kvscope(cwd, ['-d', 'd', 'set', 'name', 'Jaya Krishna'])).toEqual({ code: 0, out: 'OK\n', err: '' });
    expect(kvscope(cwd, ['-d', 'd', 'del', 'name'])).toEqual({ code: 0, out: 'Deleted\n', err: '' });
    expect(kvscope(cwd, ['-d', 'd', 'get', 'name'])).toEqual({ code: 1, out: '', err: 'Key not found\n' });
    expect(kvscope(cwd, ['-d', 'd', 'del', 'name'])).toEqual({ code: 1, out: '', err: 'Key not found\n' });
    // Its options and usage are delete's, named as delete.
    expect(kvscope(cwd, ['-d', 'd', 'del', 'name', '--json'])).toEqual({ code: 1, out: '{"deleted":false}\n', err: 'Key not found\n' });
    const usage = kvscope(cwd, ['-d', 'd', 'del', 'a', '--prefix', 'x']);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('delete does not take --prefix');
    // Both help texts name it.
    expect(kvscope(cwd, ['--help']).out).toMatch(/^ {2}delete KEY \| del KEY/m);
    expect(kvscope(cwd, ['-d', 'd', 'repl'], 'help\n').out).toMatch(/^ {2}delete <key> \| del/m);
  });
});

describe('the default directory', () => {
  it("without --dir, where ./data is missing but the working directory is another engine's (store.log, db/, logs/wal.log), the error says to give -d .", () => {
    const cases = [
      ['tiny-log-kv', 'tiny-log-kv/basic/data', 'user', 'bob'],
      ['mini-kvstore-v2', 'mini-kvstore-v2/edge-cases/data', 'k1', 'v1-again'],
      ['kvdb', 'kvdb/basic/data', 'user', 'bob'],
    ] as const;
    for (const [format, fixture, key, value] of cases) {
      const work = path.join(cwd, `workdir-${format}`);
      fs.cpSync(path.join(SHARED_DIR, 'fixtures', fixture), work, { recursive: true });
      const r = kvscope(work, ['get', key]);
      expect(r.code).toBe(3);
      expect(r.out).toBe('');
      expect(r.err).toContain('data: not a directory (or it does not exist)');
      expect(r.err).toContain(`The working directory holds a ${format} store: give -d . (kvscope -d . get ...)`);
      // The hint is right: -d . reads it.
      expect(kvscope(work, ['-d', '.', 'get', key])).toEqual({ code: 0, out: `${value}\n`, err: '' });
      expect(kvscope(work, ['list']).err).toContain(`The working directory holds a ${format} store: give -d . (kvscope -d . list)`);
      // An explicit --dir that is missing is that directory's error only, and so is import --from's missing directory.
      expect(kvscope(work, ['-d', 'data', 'get', key]).err).not.toContain('working directory');
      const from = kvscope(work, ['import', '--from', 'nowhere']);
      expect(from.err).toContain('nowhere: not a directory');
      expect(from.err).not.toContain('working directory');
    }
    // A working directory that holds no store gets no hint.
    const empty = fs.mkdtempSync(path.join(cwd, 'empty-'));
    expect(kvscope(empty, ['list']).err).not.toContain('working directory');
  });
});

describe('help', () => {
  it('the help command takes any option, as --help does (a shell alias kvscope="kvscope -d mydir" still gets help)', () => {
    const help = kvscope(cwd, ['--help']);
    expect(help.code).toBe(0);
    expect(kvscope(cwd, ['-d', 'd', 'help'])).toEqual(help);
    expect(kvscope(cwd, ['help', '--json', '--prefix', 'p'])).toEqual(help);
    expect(kvscope(cwd, ['help'])).toEqual(help);
  });
});

describe("a command's help", () => {
  // As git's `git help log` and `git log -h`: before, each printed the whole usage, whatever the command, and
  // `kvscope help nosuch` printed it too, with exit 0.
  it('help CMD, CMD --help and CMD -h print that command\'s usage and the options it takes, exit 0', () => {
    const help = kvscope(cwd, ['help', 'set']);
    expect(help.code).toBe(0);
    expect(kvscope(cwd, ['set', '--help'])).toEqual(help);
    expect(kvscope(cwd, ['-d', 'x', 'set', '-h'])).toEqual(help);
    expect(help.out).toMatch(/^Usage: kvscope \[--dir DIR\] set KEY VALUE\.\.\. \[OPTIONS\]\n {2}store a value/);
    expect(help.out).toContain('--fsync POLICY');
    expect(help.out).not.toMatch(/^ {2}-p, --prefix|--port N|import FILE/m);
    // An alias's help is its command's.
    expect(kvscope(cwd, ['del', '--help']).out).toBe(kvscope(cwd, ['help', 'delete']).out);
    // import has two forms: both are shown.
    expect(kvscope(cwd, ['help', 'import']).out).toMatch(/Usage: kvscope \[--dir DIR\] import FILE .*\n[\s\S]*Usage: kvscope \[--dir DIR\] import --from DIR/);
  });

  it("every command's help names it and each option it takes, on its usage line or in its Options", () => {
    for (const [command, options] of Object.entries(COMMAND_OPTIONS)) {
      if (command === 'help') continue;
      const r = kvscope(cwd, ['help', command]);
      expect(r.code, command).toBe(0);
      expect(r.out.split('\n')[0], command).toMatch(new RegExp(`^Usage: kvscope (\\[--dir DIR\\] )?${command}\\b`));
      // On its usage line (records --segment FILE) or a line of its Options.
      for (const option of options) expect(r.out, `${command} --${option}`).toContain(`--${option} `);
    }
  });

  it('help of a command there is none of is an unknown command, exit 2, naming the closest', () => {
    for (const args of [['help', 'lsit'], ['lsit', '--help']]) {
      expect(kvscope(cwd, args)).toEqual({ code: 2, out: '', err: 'kvscope: unknown command "lsit" (did you mean "list"?)\nRun "kvscope --help" for usage.\n' });
    }
  });
});

describe('--help names what the commands take', () => {
  it("every option a command takes (beyond where the store is and how it is opened) is on that command's line or in an Options line naming it; -p is shown", () => {
    const help = kvscope(cwd, ['--help']).out;
    const [commandsPart, optionsPart] = help.split('\nOptions');
    // Each command's text: its line and the indented lines after it.
    const blocks = new Map<string, string>();
    let current: string | undefined;
    for (const line of commandsPart!.split('\n')) {
      const m = /^  ([a-z-]+)\b/.exec(line);
      if (m) blocks.set((current = m[1]!), (blocks.get(m[1]!) ?? '') + line);
      else if (current !== undefined && /^ {10,}/.test(line)) blocks.set(current, blocks.get(current)! + line);
    }
    const common = new Set(['dir', 'format', 'read-only', 'segment-size', 'fsync', 'json', 'key-hex', 'help', 'version']);
    const missing: string[] = [];
    for (const [command, options] of Object.entries(COMMAND_OPTIONS)) {
      for (const option of options) {
        if (common.has(option)) continue;
        const onItsLine = blocks.get(command)?.includes(`--${option}`) ?? false;
        const optionLine = optionsPart!.split('\n').find((l) => l.includes(`--${option} `)) ?? '';
        if (!onItsLine && !new RegExp(`\\b${command}\\b`).test(optionLine)) missing.push(`${command} --${option}`);
      }
    }
    expect(missing).toEqual([]);
    expect(help).toContain('-p, --prefix P');
  });
});

describe('repl get', () => {
  it('a value that is not UTF-8 is shown escaped as scan shows it (\\xNN), not with its bytes lost to U+FFFD; text as it is', () => {
    const riak = path.join(SHARED_DIR, 'fixtures', 'riak-bitcask', 'basic', 'data');
    const r = kvscope(cwd, ['-d', riak, 'repl'], 'get binary-value\nget utf8-value\nget empty-value\n');
    expect(r).toEqual({ code: 0, out: '\\x00\\x00\\x01\\x02\\xff\\xfe\\x00\\x80\\x00\nαβγ über café\n\n', err: '' });
    expect(kvscope(cwd, ['-d', riak, 'scan', '--prefix', 'binary-value']).out).toBe('binary-value\t\\x00\\x00\\x01\\x02\\xff\\xfe\\x00\\x80\\x00\n');
    // A text value keeps its tabs, newlines and backslashes, as mini-kvstore-v2 prints it.
    expect(kvscope(cwd, ['-d', 'repl-text', 'repl'], 'set k "a\tb\\\\c"\nget k\n').out).toBe('OK\na\tb\\c\n');
  });
});

describe("README's repl example", () => {
  it('is what a terminal shows: its stdout and stderr, in order', () => {
    const readme = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
    const m = /```\n\$ printf '([^']*)' \| kvscope repl\n([\s\S]*?)```/.exec(readme);
    if (!m) throw new Error('no repl example in README.md');
    const input = m[1]!.replace(/\\n/g, '\n');
    const file = path.join(cwd, 'readme-repl.txt');
    const fd = fs.openSync(file, 'w');
    try {
      const r = spawnSync(process.execPath, [BIN, '--dir', 'readme-repl', 'repl'], { cwd, input, stdio: ['pipe', fd, fd], timeout: 60_000 });
      expect(r.status).toBe(0);
    } finally {
      fs.closeSync(fd);
    }
    expect(fs.readFileSync(file, 'utf8')).toBe(m[2]);
  });
});

describe('unknown commands', () => {
  it('a typo names the closest commands, as git does; a name near none names none', () => {
    const said = (name: string): string => kvscope(cwd, ['-d', 'd', name]).err.split('\n')[0]!;
    expect(said('lsit')).toBe('kvscope: unknown command "lsit" (did you mean "list"?)');
    expect(said('dlete')).toBe('kvscope: unknown command "dlete" (did you mean "delete"?)');
    expect(said('comp')).toBe('kvscope: unknown command "comp" (did you mean "compact"?)');
    expect(said('exprot')).toBe('kvscope: unknown command "exprot" (did you mean "export"?)');
    expect(said('xyz')).toBe('kvscope: unknown command "xyz"');
    expect(kvscope(cwd, ['lsit']).code).toBe(2);
  });

  it('a name Object.prototype has (constructor, toString, __proto__) is an unknown command, exit 2, not a crash', () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      for (const args of [[name], ['-d', 'd', name]]) {
        expect(kvscope(cwd, args)).toEqual({ code: 2, out: '', err: `kvscope: unknown command "${name}"\nRun "kvscope --help" for usage.\n` });
      }
    }
  });
});
