/**
 * Tab completion at the interactive REPL (src/cli/repl-complete.ts): command
 * names first, then the key of get/delete/del/history and set's first word,
 * from the store by prefix, at most MAX_KEY_CANDIDATES of them (found by a
 * bounded prefix query, not a list of every key), written so that the
 * REPL's word splitter reads each back as its key, and as hex with --key-hex.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { complete, MAX_KEY_CANDIDATES, MORE_KEYS_NOTE, REPL_COMMANDS } from '../../src/cli/repl-complete.js';
import { splitWords } from '../../src/cli/repl-words.js';
import { openStore, type OpenedStore } from '../../src/engine/open.js';
import { cleanTempDirs, tempDir } from '../engine/helpers.js';

afterAll(cleanTempDirs);
const opened: OpenedStore[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) await o.store.close?.();
});

async function storeWith(keys: Array<string | Buffer>): Promise<OpenedStore> {
  const o = await openStore(path.join(tempDir(), 'store'), { create: true, fsync: 'never' });
  opened.push(o);
  for (const k of keys) await o.native!.put(k, 'v');
  return o;
}

/** readline's insertion: what all entries share (the '' separators left out), past what was typed. */
function inserted([candidates, typed]: [string[], string]): string {
  const entries = candidates.filter((c) => c !== '');
  if (entries.length === 0) return '';
  let shared = entries[0]!;
  for (const c of entries) while (!c.startsWith(shared)) shared = shared.slice(0, -1);
  return shared.startsWith(typed) ? shared.slice(typed.length) : '';
}

describe('command names', () => {
  it('completes the first word from the commands, a single one with a space after it', async () => {
    const o = await storeWith([]);
    expect(complete(o, '')).toEqual([[...REPL_COMMANDS], '']);
    expect(complete(o, 'ge')).toEqual([['get '], 'ge']);
    expect(complete(o, 'GE')).toEqual([['get '], 'GE']);
    expect(complete(o, '  hi')).toEqual([['history '], 'hi']);
    expect(complete(o, 'de')).toEqual([['delete', 'del'], 'de']);
    expect(complete(o, 'xyz')).toEqual([[], 'xyz']);
  });
});

describe('keys', () => {
  const keys = ['apple', 'apricot', 'banana', 'my key', 'say "hi"', "it's", 'back\\slash', 'café'];

  it('completes the key of get, delete, del, history and set by prefix, and nothing else', async () => {
    const o = await storeWith(keys);
    expect(complete(o, 'get ap')).toEqual([['apple', 'apricot'], 'ap']);
    expect(complete(o, 'get apr')).toEqual([['apricot '], 'apr']);
    for (const command of ['delete', 'del', 'history', 'set', 'GET']) expect(complete(o, `${command} ban`)).toEqual([['banana '], 'ban']);
    expect(complete(o, 'get caf')).toEqual([['café '], 'caf']);
    expect(complete(o, 'get zz')).toEqual([[], 'zz']);
    // set's value, a second key, and the commands that take none complete nothing.
    expect(complete(o, 'set apple ap')).toEqual([[], 'ap']);
    expect(complete(o, 'get apple ap')).toEqual([[], 'ap']);
    expect(complete(o, 'list ap')).toEqual([[], 'ap']);
    expect(complete(o, 'bogus ap')).toEqual([[], 'ap']);
  });

  it('writes each key as the word splitter reads it back, in the quoting the word was begun with', async () => {
    const o = await storeWith(keys);
    expect(complete(o, 'get my')).toEqual([['my\\ key '], 'my']);
    expect(complete(o, 'get "my')).toEqual([['"my key" '], '"my']);
    expect(complete(o, "get 'my")).toEqual([["'my key' "], "'my"]);
    expect(complete(o, 'get my\\')).toEqual([['my\\ key '], 'my\\']);
    expect(complete(o, 'get sa')).toEqual([['say\\ \\"hi\\" '], 'sa']);
    expect(complete(o, 'get "sa')).toEqual([['"say \\"hi\\"" '], '"sa']);
    expect(complete(o, "get 'it")).toEqual([["'it'\\''s' "], "'it"]);
    expect(complete(o, 'get ba')).toEqual([['back\\\\slash', 'banana'], 'ba']);
    // Every key, begun in every way: the completed line splits into the command and that key.
    for (const key of keys) {
      for (const begun of [key.slice(0, 2), `"${key.slice(0, 2)}`, `'${key.slice(0, 2)}`, `${key[0]}"${key[1]}`]) {
        if (/["'\\]/.test(begun.replace(/^["']/, ''))) continue; // only a plain start is typed here
        const [candidates, typed] = complete(o, `get ${begun}`);
        const mine = candidates.filter((c) => splitWords(`get ${c}`)[1] === key);
        expect(mine, `${key} begun as ${begun}`).toHaveLength(1);
        expect(mine[0]!.startsWith(typed)).toBe(true);
      }
    }
  });

  it('leaves out a key that cannot be typed as text (not UTF-8, or a control character): --key-hex names it', async () => {
    const o = await storeWith([Buffer.from([0x61, 0xff]), 'a\nb', 'ab']);
    expect(complete(o, 'get a')).toEqual([['ab '], 'a']);
  });

  it(`offers at most ${MAX_KEY_CANDIDATES} keys, found by a bounded prefix query, and completes only what all the matching keys share`, async () => {
    const many = Array.from({ length: 250 }, (_, i) => `user:${String(i).padStart(3, '0')}`);
    const o = await storeWith([...many, 'other']);
    const sortedKeys = vi.spyOn(o.native!, 'sortedKeys');
    const scanKeys = vi.spyOn(o.native!, 'scanKeys');
    // All 250 share "user:": that is completed, though more keys match than are offered.
    expect(complete(o, 'get u')).toEqual([['user:'], 'u']);
    // From "user:", they share nothing more (user:000 ... user:249): the first 100 and a note, and nothing is inserted.
    const r = complete(o, 'get user:');
    expect(r[0]).toEqual([...many.slice(0, MAX_KEY_CANDIDATES), '', MORE_KEYS_NOTE]);
    expect(inserted(r)).toBe('');
    // user:0 matches exactly 100 keys (user:000 to user:099): all of them, no note.
    expect(complete(o, 'get user:0')).toEqual([many.slice(0, 100), 'user:0']);
    expect(complete(o, 'get user:2')).toEqual([many.slice(200), 'user:2']);
    expect(complete(o, 'get user:24')).toEqual([many.slice(240, 250), 'user:24']);
    expect(sortedKeys).not.toHaveBeenCalled();
    for (const [options] of scanKeys.mock.calls) expect(options!.limit).toBeLessThanOrEqual(MAX_KEY_CANDIDATES + 1);
  });

  it('an empty word offers the first keys of the store, and the note when there are more', async () => {
    const o = await storeWith(Array.from({ length: 150 }, (_, i) => `k${String(i).padStart(3, '0')}`).concat(['a']));
    const scanKeys = vi.spyOn(o.native!, 'scanKeys');
    const r = complete(o, 'get ');
    // The keys offered share nothing, so all of them do not either: the last key (a sort of them all) is not looked up.
    expect(scanKeys.mock.calls.map(([options]) => options!.reverse ?? false)).toEqual([false]);
    expect(r[0].slice(0, 2)).toEqual(['a', 'k000']);
    expect(r[0]).toHaveLength(MAX_KEY_CANDIDATES + 2);
    expect(r[0].at(-1)).toBe(MORE_KEYS_NOTE);
    expect(inserted(r)).toBe('');
  });

  it('with --key-hex, keys are their hex bytes, by whole bytes or a half', async () => {
    const o = await storeWith([Buffer.from([0x00, 0xff, 0x10]), Buffer.from([0x00, 0xff, 0x20]), Buffer.from([0x6b]), Buffer.from([0x61, 0xff])]);
    const hex = { keyHex: true };
    expect(complete(o, 'get 00', hex)).toEqual([['00ff10', '00ff20'], '00']);
    expect(complete(o, 'get 00ff1', hex)).toEqual([['00ff10 '], '00ff1']);
    expect(complete(o, 'get 00FF2', hex)).toEqual([['00FF20 '], '00FF2']);
    expect(complete(o, 'get 6', hex)).toEqual([['61ff', '6b'], '6']);
    expect(complete(o, 'get 6b', hex)).toEqual([['6b '], '6b']);
    expect(complete(o, 'get 7', hex)).toEqual([[], '7']);
    expect(complete(o, 'get zz', hex)).toEqual([[], 'zz']);
  });
});

describe("another engine's store", () => {
  it('completes its keys by prefix from its sorted keys, capped the same way', async () => {
    const dir = tempDir();
    const lines = Array.from({ length: 150 }, (_, i) => `SET item${String(i).padStart(3, '0')} v`);
    fs.writeFileSync(path.join(dir, 'store.log'), `${lines.join('\n')}\nSET other v\n`);
    const o = await openStore(dir, { readOnly: true });
    opened.push(o);
    expect(o.native).toBeUndefined();
    expect(complete(o, 'get o')).toEqual([['other '], 'o']);
    expect(complete(o, 'get i')).toEqual([['item'], 'i']);
    const r = complete(o, 'get item');
    expect(r[0]).toHaveLength(MAX_KEY_CANDIDATES + 2);
    expect(r[0][0]).toBe('item000');
    expect(inserted(r)).toBe('');
    expect(complete(o, 'get item14')).toEqual([Array.from({ length: 10 }, (_, i) => `item14${i}`), 'item14']);
  });
});
