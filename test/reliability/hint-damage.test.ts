/**
 * What test/engine/recovery.test.ts does for segments, for hint files: every
 * single-bit flip and every truncation of a hint. The hint is then unusable
 * (its CRC covers every byte before the CRC field, and the CRC field itself),
 * so opening falls back to scanning the segment and reports the fallback;
 * the live data is the same; read-only changes nothing; verify names the
 * hint file; a writing open rewrites the hint, after which verify is clean.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { decodeHint } from '../../src/engine/native/codec.js';
import { verifyNativeDirectory } from '../../src/engine/verify.js';
import { cleanTempDirs, hashDir, tempDir } from '../engine/helpers.js';

afterEach(cleanTempDirs);

const ENTRIES: Array<[string, string]> = [
  ['k1', 'value-1'],
  ['key2', 'v2'],
  ['k3', 'third value'],
];
const SEGMENT_BYTES = 24 + ENTRIES.reduce((n, [k, v]) => n + 22 + k.length + v.length, 0);

/** A store whose segment 1 holds exactly ENTRIES and is sealed with a hint; segment 2 holds one more key. */
async function sealedWithHint(): Promise<string> {
  const dir = tempDir() + '/src';
  const store = await Store.open(dir, { create: true, fsync: 'never', segmentSize: SEGMENT_BYTES });
  for (const [k, v] of ENTRIES) await store.put(k, v);
  await store.delete('k1');
  await store.put('k1', 'again');
  expect(await store.flushBackground()).toEqual([]);
  await store.close();
  expect(fs.existsSync(path.join(dir, '000001.hint'))).toBe(true);
  return dir;
}

const EXPECTED = new Map([
  ['k1', 'again'],
  ['key2', 'v2'],
  ['k3', 'third value'],
]);

async function expectFallbackAndSameData(dir0: string, damaged: Buffer, where: string): Promise<void> {
  const dir = tempDir();
  // Not the keydir image: with it, a read-only open would read no hint.
  for (const n of fs.readdirSync(dir0)) if (n !== 'LOCK' && n !== 'KEYDIR') fs.copyFileSync(path.join(dir0, n), path.join(dir, n));
  fs.writeFileSync(path.join(dir, '000001.hint'), damaged);
  const before = hashDir(dir);

  const report = await verifyNativeDirectory(dir);
  expect(report.problems.map((p) => p.file), where).toContain('000001.hint');
  expect(report.problems.every((p) => p.file === '000001.hint'), where).toBe(true);

  const ro = await Store.open(dir, { readOnly: true });
  expect(ro.recovery.hintFallbacks.some((f) => f.includes('000001.hint')), where).toBe(true);
  for (const [k, v] of EXPECTED) expect((await ro.get(k))?.toString(), `${where} ${k}`).toBe(v);
  expect([...ro.sortedKeys()], where).toEqual([...EXPECTED.keys()].sort());
  await ro.close();
  expect(hashDir(dir), `${where}: read-only changed nothing`).toEqual(before);

  const rw = await Store.open(dir);
  expect(rw.recovery.hintFallbacks.some((f) => f.includes('000001.hint')), where).toBe(true);
  for (const [k, v] of EXPECTED) expect((await rw.get(k))?.toString(), `${where} ${k}`).toBe(v);
  expect(await rw.flushBackground(), where).toEqual([]);
  await rw.close();
  // The writer rewrote the hint: everything checks out again.
  expect((await verifyNativeDirectory(dir)).problems, where).toEqual([]);
  const again = await Store.open(dir, { readOnly: true });
  expect(again.recovery.hintFallbacks, where).toEqual([]);
  await again.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

describe('hint file damage', () => {
  it('every single-bit flip of a hint file: fallback to scanning, same data, verify names the hint', async () => {
    const dir = await sealedWithHint();
    const original = fs.readFileSync(path.join(dir, '000001.hint'));
    expect(decodeHint(original).ok).toBe(true);
    for (let byte = 0; byte < original.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const bytes = Buffer.from(original);
        bytes[byte]! ^= 1 << bit;
        expect(decodeHint(bytes).ok, `byte ${byte} bit ${bit}`).toBe(false);
        await expectFallbackAndSameData(dir, bytes, `byte ${byte} bit ${bit}`);
      }
    }
  }, 120_000);

  it('a hint cut at every length: fallback, same data', async () => {
    const dir = await sealedWithHint();
    const original = fs.readFileSync(path.join(dir, '000001.hint'));
    for (let len = 0; len < original.length; len++) await expectFallbackAndSameData(dir, original.subarray(0, len), `cut at ${len}`);
  }, 60_000);
});
