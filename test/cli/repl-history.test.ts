/**
 * The interactive REPL's history file (src/cli/repl-history.ts): where it
 * is (~/.kvscope_history, KVSCOPE_REPL_HISTORY, none when that is empty),
 * written oldest first with mode 0600 and at most HISTORY_LINES lines, and
 * a file that cannot be read or written said once while the session goes on.
 * A piped session never reads or writes it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { HISTORY_ENV, HISTORY_LINES, historyPath, ReplHistory } from '../../src/cli/repl-history.js';
import { REPL_HELP } from '../../src/cli/repl.js';
import { USAGE } from '../../src/cli/args.js';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';
import { kvscope } from './run-cli.js';

vi.setConfig({ testTimeout: 60_000 });
afterAll(cleanTempDirs);

describe('historyPath', () => {
  it('is ~/.kvscope_history, or the file KVSCOPE_REPL_HISTORY names; an empty value (blanks too) keeps none', () => {
    expect(historyPath({}, () => '/home/ada')).toBe('/home/ada/.kvscope_history');
    expect(historyPath({ KVSCOPE_REPL_HISTORY: '/tmp/h' }, () => '/home/ada')).toBe('/tmp/h');
    expect(historyPath({ KVSCOPE_REPL_HISTORY: ' /tmp/h ' }, () => '/home/ada')).toBe('/tmp/h');
    expect(historyPath({ KVSCOPE_REPL_HISTORY: '' }, () => '/home/ada')).toBeUndefined();
    expect(historyPath({ KVSCOPE_REPL_HISTORY: '  ' }, () => '/home/ada')).toBeUndefined();
  });
});

describe('the help', () => {
  it('names the variable historyPath reads, in kvscope --help and in the REPL\'s help', () => {
    expect(USAGE).toContain(`${HISTORY_ENV}    the file an interactive repl keeps its history in (default ~/.kvscope_history`);
    expect(REPL_HELP).toContain(`kept in ~/.kvscope_history, or the file ${HISTORY_ENV}`);
  });
});

describe('ReplHistory', () => {
  it('starts empty when there is no file yet, without a warning', () => {
    const warn = vi.fn();
    expect(new ReplHistory(path.join(tempDir(), 'h'), warn).load()).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
  });

  it('writes the lines oldest first with mode 0600, and reads them back newest first', () => {
    const file = path.join(tempDir(), 'h');
    const warn = vi.fn();
    // readline holds its history newest first.
    new ReplHistory(file, warn).save(['get "my key"', 'set "my key" secret']);
    expect(fs.readFileSync(file, 'utf8')).toBe('set "my key" secret\nget "my key"\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(new ReplHistory(file, warn).load()).toEqual(['get "my key"', 'set "my key" secret']);
    expect(warn).not.toHaveBeenCalled();
  });

  it(`keeps at most ${HISTORY_LINES} lines, the newest`, () => {
    const file = path.join(tempDir(), 'h');
    const lines = Array.from({ length: HISTORY_LINES + 500 }, (_, i) => `get k${i}`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const loaded = new ReplHistory(file, () => {}).load();
    expect(loaded).toHaveLength(HISTORY_LINES);
    expect(loaded[0]).toBe(`get k${HISTORY_LINES + 499}`);
    expect(loaded.at(-1)).toBe('get k500');
    new ReplHistory(file, () => {}).save(lines.slice().reverse());
    const written = fs.readFileSync(file, 'utf8').split('\n');
    expect(written).toHaveLength(HISTORY_LINES + 1); // and the last newline
    expect(written[0]).toBe('get k500');
  });

  it('a file that cannot be read is said once; it is then not written over', () => {
    const dir = tempDir(); // a directory where the file should be: EISDIR
    const warn = vi.fn();
    const history = new ReplHistory(dir, warn);
    expect(history.load()).toEqual([]);
    history.save(['get a']);
    history.save(['get b', 'get a']);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(/^kvscope: cannot read the history file .*KVSCOPE_REPL_HISTORY= turns it off\)$/);
    expect(fs.statSync(dir).isDirectory()).toBe(true);
  });

  it('a file that cannot be written is said once, and the session goes on', () => {
    const file = path.join(tempDir(), 'no-such-dir', 'h');
    const warn = vi.fn();
    const history = new ReplHistory(file, warn);
    expect(history.load()).toEqual([]);
    history.save(['get a']);
    history.save(['get b', 'get a']);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toContain('cannot write the history file');
  });

  it('no file at all when there is no path (KVSCOPE_REPL_HISTORY=)', () => {
    const history = new ReplHistory(undefined, () => {
      throw new Error('no warning expected');
    });
    expect(history.load()).toEqual([]);
    history.save(['get a']);
  });
});

describe('a piped session', () => {
  it('reads and writes no history file (default place or KVSCOPE_REPL_HISTORY), with the same output and status', () => {
    const home = tempDir();
    const named = path.join(tempDir(), 'named-history');
    fs.writeFileSync(named, 'get earlier\n');
    for (const env of [{ HOME: home, KVSCOPE_REPL_HISTORY: undefined }, { HOME: home, KVSCOPE_REPL_HISTORY: named }]) {
      const cwd = tempDir();
      expect(kvscope(cwd, ['-d', 's', 'repl'], 'set a 1\nget a\n', env)).toEqual({ code: 0, out: 'OK\n1\n', err: '' });
      expect(kvscope(cwd, ['-d', 's', 'repl'], 'get nokey\n', env)).toEqual({ code: 1, out: '', err: 'Key not found\n' });
    }
    expect(fs.readdirSync(home)).toEqual([]);
    expect(fs.readFileSync(named, 'utf8')).toBe('get earlier\n');
  });
});
