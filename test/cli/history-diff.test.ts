/**
 * `kvscope history KEY --diff`: after each version its unified diff against the version before it, as `git log -p`
 * prints a commit's patch (JSON compared indented, binary values as byte ranges, a damaged version said); --json
 * adds each version's hunks; the option goes anywhere on the line, and with another command is refused.
 */
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { cleanTempDirs, flipByte, tempDir } from '../engine/helpers.js';
import { kvscope } from './run-cli.js';

afterAll(cleanTempDirs);

async function storeWith(key: string, values: (string | Buffer | null)[]): Promise<string> {
  const dir = tempDir();
  const store = await Store.open(dir, { create: true, fsync: 'never' });
  for (const v of values) {
    if (v === null) await store.delete(key);
    else await store.put(key, v);
  }
  await store.close();
  return dir;
}

it('prints each version, then its diff against the one before it (text, a tombstone between, JSON reformatted and changed)', async () => {
  const dir = await storeWith('note', ['one\ntwo\nthree\n', 'one\nTWO\nthree\n', null, '{"a":1,"b":true}', '{ "a": 1, "b": true }\n', '{"a":2,"b":true}']);
  const run = kvscope(dir, ['history', '--diff', 'note', '-d', dir]);
  expect(run.code).toBe(0);
  expect(run.err).toBe('');
  const rows = run.out.split('\n');
  expect(rows[0]).toMatch(/^sequence\s+file/);
  expect(run.out).toContain(
    [
      '--- 000001.data @ 24',
      '+++ 000001.data @ 64',
      '@@ -1,3 +1,3 @@',
      ' one',
      '-two',
      '+TWO',
      ' three',
      '3         000001.data             104       26      delete  tombstone',
      '4         000001.data             130       42      put     shadowed',
      '--- 000001.data @ 64',
      '+++ 000001.data @ 130',
    ].join('\n'),
  );
  expect(run.out).toContain('same JSON value as 000001.data @ 130, formatted differently');
  expect(run.out).toContain(['--- 000001.data @ 172 (JSON, compared indented)', '+++ 000001.data @ 220 (JSON, compared indented)', '@@ -1,4 +1,4 @@', ' {', '-  "a": 1,', '+  "a": 2,', '   "b": true', ' }'].join('\n') + '\n');
  expect(run.out.endsWith(' }\n')).toBe(true);
  // The first version has nothing before it.
  expect(rows[2]).toMatch(/^2 /);

  const json = JSON.parse(kvscope(dir, ['history', 'note', '--json', '--diff', '-d', dir]).out) as Array<{ kind: string; diff?: { mode: string; against: { offset: number }; added?: number; removed?: number; hunks?: unknown[] } }>;
  expect(json.map((v) => v.diff?.mode)).toEqual([undefined, 'text', undefined, 'text', 'json', 'json']);
  expect(json[1]!.diff).toMatchObject({ against: { offset: 24 }, added: 1, removed: 1, hunks: [{ oldStart: 1, newStart: 1 }] });
  expect(json[4]!.diff).toMatchObject({ hunks: [], added: 0, removed: 0 });
  // Without --diff, as before: no diffs.
  expect(kvscope(dir, ['history', 'note', '--json', '-d', dir]).out).not.toContain('"diff"');
});

it('binary values: their sizes and differing byte ranges; a damaged version is said, not diffed', async () => {
  const dir = await storeWith('blob', [Buffer.from([0, 1, 2, 3, 4, 5]), Buffer.from([0, 1, 9, 9, 4, 5, 6]), 'text now\n']);
  const store = await Store.open(dir, { readOnly: true });
  const live = store.locate('blob')!;
  await store.close();
  flipByte(join(dir, live.file), live.offset + live.length - 2);
  const run = kvscope(dir, ['history', 'blob', '--diff', '-d', dir]);
  expect(run.out).toMatch(/binary values differ from 000001\.data @ 24 \(neither value is UTF-8 text\): 6 B -> 7 B, 3 bytes differ at 2\+2, 6\+1/);
  expect(run.out).toMatch(/not compared: the record at 000001\.data @ \d+ fails its checks \(against 000001\.data @ \d+\)/);
  expect(run.out).not.toContain('+text now');
});

it('--diff is an option of history only', async () => {
  const dir = await storeWith('k', ['v']);
  const run = kvscope(dir, ['get', 'k', '--diff', '-d', dir]);
  expect(run.code).toBe(2);
  expect(run.err).toMatch(/--diff/);
});
