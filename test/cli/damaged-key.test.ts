/**
 * verify, records and dump name the key of a damaged record: as its bytes
 * read ("key (unverified, the record fails its checksum)"), or surely where
 * the keydir holds that key at the record's place ("the keydir's key for
 * this record"); escaped as list escapes keys.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { RECORD_HEADER } from '../../src/engine/native/layout.js';
import { cleanTempDirs, flipByte, removeKeydirImage, tempDir } from '../engine/helpers.js';
import { kvscope } from './run-cli.js';
import { openForeign } from '../../src/engine/foreign-store.js';
import { SHARED_DIR } from '../shared-dir.js';

afterEach(cleanTempDirs);

/** A store of one segment whose record of `damaged` has a value byte flipped; `keep`: whether the hint and the keydir image stay. */
async function damagedStore(damaged: string, keep: boolean): Promise<{ dir: string; offset: number }> {
  const dir = tempDir() + '/s';
  const store = await Store.open(dir, { create: true, fsync: 'never' });
  for (const k of ['user:00011:profile', damaged, 'user:00013:profile']) await store.put(k, `{"name":"someone","plan":"free"}`);
  const at = store.locate(damaged)!;
  await store.close();
  if (!keep) {
    removeKeydirImage(dir);
    for (const n of fs.readdirSync(dir)) if (n.endsWith('.hint')) fs.rmSync(path.join(dir, n));
  }
  flipByte(path.join(dir, at.file), at.offset + at.length - 4);
  return { dir, offset: at.offset };
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

describe('the CLI names the key of a damaged record', () => {
  it('as its bytes read, unverified, escaped as list escapes keys: verify, verify --json, records, dump', async () => {
    const key = 'user:00012:pro\tfile';
    const { dir, offset } = await damagedStore(key, false);
    const verify = kvscope(dir, ['--dir', dir, 'verify']);
    expect(verify.code).toBe(1);
    const line = lines(verify.out).find((l) => l.includes(`000001.data@${offset}`))!;
    expect(line).toMatch(/bad-crc {2}checksum mismatch: .*; key \(unverified, the record fails its checksum\): user:00012:pro\\x09file$/);

    const json = JSON.parse(kvscope(dir, ['--dir', dir, 'verify', '--json']).out) as { problems: Array<Record<string, unknown>> };
    expect(json.problems).toEqual([expect.objectContaining({ offset, kind: 'bad-crc', key, keyFrom: 'record' })]);

    const records = kvscope(dir, ['--dir', dir, 'records', '--segment', '000001.data']);
    const row = lines(records.out).find((l) => l.trimStart().startsWith(`${offset} `))!;
    expect(row).toMatch(/corrupt +key \(unverified, the record fails its checksum\): user:00012:pro\\x09file; checksum mismatch/);
    const recordsJson = lines(kvscope(dir, ['--dir', dir, 'records', '--segment', '000001.data', '--json']).out).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(recordsJson.find((r) => r.offset === offset)).toMatchObject({ status: 'corrupt', key, keyFrom: 'record' });

    const dump = lines(kvscope(dir, ['--dir', dir, 'dump']).out).find((l) => l.startsWith(`000001.data@${offset}\t`))!;
    expect(dump).toContain('\tkey=user:00012:pro\\x09file\t');
    expect(dump).toMatch(/\tkey \(unverified, the record fails its checksum\)$/);
    const dumpJson = lines(kvscope(dir, ['--dir', dir, 'dump', '--json']).out).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(dumpJson.find((r) => r.offset === offset)).toMatchObject({ status: 'corrupt', key, keyFrom: 'record' });
    expect(dumpJson.find((r) => r.offset === offset)).not.toHaveProperty('unverifiedKey');
  });

  it("the keydir's key where the keydir image holds it at the damaged record: verify and records", async () => {
    const { dir, offset } = await damagedStore('user:00012:profile', true);
    const verify = kvscope(dir, ['--dir', dir, 'verify']);
    expect(lines(verify.out).find((l) => l.includes(`000001.data@${offset}`))).toMatch(/; the keydir's key for this record: user:00012:profile$/);
    const records = kvscope(dir, ['--dir', dir, 'records', '--segment', '000001.data']);
    expect(lines(records.out).find((l) => l.trimStart().startsWith(`${offset} `))).toContain("the keydir's key for this record: user:00012:profile; checksum mismatch");
  });

  it('no key when the key length is impossible', async () => {
    const { dir, offset } = await damagedStore('user:00012:profile', false);
    flipByte(path.join(dir, '000001.data'), offset + RECORD_HEADER.keyLength + 3);
    const json = JSON.parse(kvscope(dir, ['--dir', dir, 'verify', '--json']).out) as { problems: Array<Record<string, unknown>> };
    expect(json.problems[0]).toMatchObject({ offset, kind: 'impossible-length' });
    expect(json.problems[0]).not.toHaveProperty('key');
  });

  it.skipIf(!fs.existsSync(`${SHARED_DIR}/fixtures/riak-bitcask/basic/data`))("a Riak cask opened from its hints: verify names the keydir's key for a damaged live record", async () => {
    const dir = tempDir() + '/riak';
    fs.cpSync(`${SHARED_DIR}/fixtures/riak-bitcask/basic/data`, dir, { recursive: true });
    const store = await openForeign(dir);
    const key = [...store.sortedKeys()][0]!;
    const at = store.locate(key)!;
    await store.close();
    flipByte(path.join(dir, at.file), at.offset + at.length - 3);
    const json = JSON.parse(kvscope(dir, ['--dir', dir, 'verify', '--json']).out) as { problems: Array<Record<string, unknown>> };
    expect(json.problems.find((p) => p.file === at.file && p.offset === at.offset)).toMatchObject({ kind: 'bad-crc', key: Buffer.from(key, 'latin1').toString('utf8'), keyFrom: 'keydir' });
  });
});

