/**
 * --no-hints: the read commands open another engine's store by reading every
 * data file, none taken from its hint file (OpenStoreOptions.replayData), so
 * that a user who suspects a hint can compare. `stats` names each data file
 * and why it was read; the live keys are those of the open from hints. Where
 * the flag means nothing (a kvscope store, a format without such hints,
 * import FILE, a command that writes) it is refused, exit 2, nothing changed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMAND_OPTIONS, USAGE } from '../../src/cli/args.js';
import { Store } from '../../src/engine/store.js';
import { flipByte } from '../engine/helpers.js';
import { expectedLive, FIXTURES, hashTree, kvscope, tempDirs, type ExpectedJson } from '../formats/helpers.js';

const temps = tempDirs();
const CASES = ['riak-bitcask/basic', 'riak-bitcask/merged', 'riak-bitcask/many'];

function dataFilesOf(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.bitcask.data'))
    .sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
}

describe('--no-hints on a Riak cask', () => {
  it.each(CASES)('%s: stats says every data file was read, and why; list, export and get give what the open from hints gives', async (fixture) => {
    const dir = path.join(FIXTURES, fixture, 'data');
    const files = dataFilesOf(dir);
    const before = hashTree(dir);

    const fromHints = await kvscope(['stats', '--dir', dir]);
    const replayed = await kvscope(['stats', '--dir', dir, '--no-hints']);
    expect([fromHints.code, replayed.code]).toEqual([0, 0]);
    expect(fromHints.out.join('\n')).toContain('Figures from:        hint files');
    expect(fromHints.out.join('\n')).not.toContain('Records read:');
    expect(replayed.out.join('\n')).not.toContain('Figures from:');
    expect(replayed.out.join('\n').split('\n').filter((l) => l.startsWith('Records read:'))).toEqual(
      files.map((f) => `Records read:        ${f} (the open was asked to read every data file, not its hint ${f.replace('.data', '.hint')})`),
    );
    const json = JSON.parse((await kvscope(['stats', '--json', '--dir', dir, '--no-hints'])).out.join('')) as { figuresFrom?: string; recordsReadBecause: Array<{ file: string }>; keys: number };
    expect(json.figuresFrom).toBeUndefined();
    expect(json.recordsReadBecause.map((r) => r.file)).toEqual(files);

    // The live keys and values: the same either way, and the ones the real program reported.
    const expected = expectedLive(JSON.parse(fs.readFileSync(path.join(FIXTURES, fixture, 'expected.json'), 'utf8')) as ExpectedJson);
    expect(json.keys).toBe(expected.size);
    for (const command of [['list'], ['export'], ['scan']]) {
      const a = await kvscope([...command, '--dir', dir]);
      const b = await kvscope([...command, '--dir', dir, '--no-hints']);
      expect(b, command[0]).toEqual(a);
      expect(a.code).toBe(0);
    }
    const exported = (await kvscope(['export', '--dir', dir, '--no-hints'])).out.map((l) => JSON.parse(l) as { key: string });
    expect(exported).toHaveLength(expected.size);
    const key = Buffer.from([...expected.keys()][0]!, 'latin1').toString('utf8');
    for (const command of [['get', key], ['history', key], ['verify'], ['dump'], ['segments'], ['records', '--segment', files[0]!]]) {
      const b = await kvscope([...command, '--dir', dir, '--no-hints']);
      expect(b, command[0]).toEqual(await kvscope([...command, '--dir', dir]));
      expect(b.code, command[0]).toBe(0);
    }
    expect(hashTree(dir)).toEqual(before);
  });

  it('a data record damaged since its sound hint was written: found by the open only with --no-hints', async () => {
    const dir = temps.fixture('riak-bitcask/basic');
    flipByte(path.join(dir, '4.bitcask.data'), 2165); // a value byte of utf8-value's record at 2133
    const note = 'kvscope: recovery: skipped bad-crc in 4.bitcask.data at 2133';
    const fromHints = await kvscope(['list', '--dir', dir]);
    const replayed = await kvscope(['list', '--dir', dir, '--no-hints']);
    expect(fromHints.err.join('\n')).not.toContain(note);
    expect(replayed.err.join('\n')).toContain(note);
    // The hint still names that record as the key's (Riak keeps it): the same keys either way.
    expect(replayed.out).toEqual(fromHints.out);
    expect([fromHints.code, replayed.code]).toEqual([0, 0]);
  });

  it('import --from DIR --no-hints reads the source\'s data files', async () => {
    const target = path.join(temps.empty('kvscope-no-hints-'), 'copy');
    const r = await kvscope(['import', '--from', path.join(FIXTURES, 'riak-bitcask/basic/data'), '--dir', target, '--no-hints']);
    expect(r.code).toBe(0);
    expect(r.out).toEqual(['Imported 31 keys from riak-bitcask directory ' + path.join(FIXTURES, 'riak-bitcask/basic/data')]);
  });

  it('is in --help, naming every command that takes it', () => {
    // From the option table, so that a command given --no-hints later (du was) is named in the help too.
    const takers = Object.entries(COMMAND_OPTIONS)
      .filter(([, options]) => options.includes('no-hints'))
      .map(([command]) => (command === 'import' ? 'import --from' : command));
    const line = /^ {6}--no-hints {10}(.+):\n {26}another engine's store \(riak-bitcask\) is opened by reading every data file/m.exec(USAGE);
    expect(line).not.toBeNull();
    expect(line![1]!.split(', ').sort()).toEqual(takers.sort());
  });
});

describe('--no-hints where it means nothing: refused (exit 2) before anything is opened', () => {
  it('a kvscope store (get and stats too, which may answer from the keydir image without opening it)', async () => {
    const dir = temps.empty('kvscope-no-hints-native-');
    const store = await Store.open(dir, { create: true });
    await store.put('k', 'v');
    await store.close();
    const before = hashTree(dir);
    for (const command of [['get', 'k'], ['stats'], ['list'], ['verify'], ['segments'], ['repl']]) {
      const r = await kvscope([...command, '--dir', dir, '--no-hints']);
      expect(r.code, command[0]).toBe(2);
      expect(r.out, command[0]).toEqual([]);
      expect(r.err[0], command[0]).toBe(`kvscope: --no-hints reads every data file of another engine's store whose keys kvscope can take from hint files (riak-bitcask); ${dir} is a kvscope store (to read every one of its records, run kvscope verify)`);
    }
    expect(hashTree(dir)).toEqual(before);
  });

  it('a format kvscope always reads whole; repl on a directory with no store (which it would create)', async () => {
    const dir = temps.fixture('tiny-log-kv/basic');
    const r = await kvscope(['list', '--dir', dir, '--no-hints']);
    expect(r.code).toBe(2);
    expect(r.err[0]).toBe(`kvscope: --no-hints reads every data file of another engine's store whose keys kvscope can take from hint files (riak-bitcask); ${dir} is a tiny-log-kv directory, whose data files kvscope always reads (it has no hint files to open from)`);
    const empty = path.join(temps.empty('kvscope-no-hints-'), 'new');
    const repl = await kvscope(['repl', '--dir', empty, '--no-hints']);
    expect(repl.code).toBe(2);
    expect(repl.err[0]).toMatch(/; .*new holds no store$/);
    expect(fs.existsSync(empty)).toBe(false);
  });

  it('import FILE, and the commands that write or open no store', async () => {
    const dir = temps.empty('kvscope-no-hints-');
    const file = path.join(dir, 'in.jsonl');
    fs.writeFileSync(file, '{"key":"a","value":"b"}\n');
    const target = path.join(dir, 'store');
    const imported = await kvscope(['import', file, '--dir', target, '--no-hints']);
    expect(imported.code).toBe(2);
    expect(imported.err[0]).toBe('kvscope: import takes --no-hints only with --from DIR (the store it reads): a FILE has no hints');
    expect(fs.existsSync(target)).toBe(false);
    for (const command of [['set', 'a', 'b'], ['delete', 'a'], ['compact'], ['serve'], ['formats'], ['follow'], ['repair', '--to', path.join(dir, 'r')]]) {
      const r = await kvscope([...command, '--no-hints', '--dir', target]);
      expect(r.code, command[0]).toBe(2);
      expect(r.err[0], command[0]).toMatch(new RegExp(`^kvscope: ${command[0]} does not take --no-hints`));
    }
    expect(fs.readdirSync(dir)).toEqual(['in.jsonl']);
  });
});
