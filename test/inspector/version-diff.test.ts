/**
 * diffVersions: what changed between two versions of a key, as the inspector's history compares them: a line diff
 * of text (hunks with both sides' line numbers), of JSON's indented form (formatting alone is no change), the byte
 * ranges of binary values, none above the size limit, and a version that fails its checks said, not diffed.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { createEngineOpener } from '../../src/inspector/engine-opener.js';
import { InspectorService } from '../../src/inspector/service.js';
import { TEXT_DIFF_MAX_BYTES, unifiedText } from '../../src/inspector/value-diff.js';
import { textToKeyString } from '../../src/shared/keytext.js';
import { cleanTempDirs, flipByte, noise, tempDir } from '../engine/helpers.js';
import { rejection } from './rejection.js';

afterAll(cleanTempDirs);

/** A store where `key` was written with each of `values` in turn (others' keys between), opened in a service. */
async function opened(key: string, values: (string | Buffer)[], damage?: (dir: string, live: { file: string; offset: number; length: number }) => void) {
  const dir = tempDir();
  const store = await Store.open(dir, { create: true, fsync: 'never' });
  for (const [i, value] of values.entries()) {
    await store.put(key, value);
    await store.put(`other-${i}`, 'x');
  }
  const live = store.locate(key)!;
  await store.close();
  damage?.(dir, live);
  const service = new InspectorService({ opener: createEngineOpener(), configDir: join(dir, '..', `${dir.split('/').pop()}-config`) });
  const { sessionId } = await service.openStore({ path: dir });
  const k = textToKeyString(key);
  const { versions } = await service.history({ sessionId, key: k });
  const ref = (i: number): { file: string; offset: number } => ({ file: versions[i]!.location.file, offset: versions[i]!.location.offset });
  return { service, sessionId, key: k, versions, ref, dir };
}

describe('diffVersions', () => {
  it('text: hunks with context and line numbers on both sides, counts of added and removed lines', async () => {
    const before = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa'].join('\n') + '\n';
    const after = before.replace('beta\n', 'BETA\n').replace('iota\n', 'iota\ninserted\n');
    const { service, sessionId, key, ref } = await opened('doc', [before, after]);
    try {
      const diff = await service.dispatch('diffVersions', { sessionId, key, from: ref(0), to: { live: true } });
      expect(diff).toMatchObject({ key, mode: 'text', identical: false, added: 2, removed: 1, fromSize: before.length, toSize: after.length, firstDifference: 6 });
      expect(diff.from).toMatchObject({ live: false, location: ref(0), size: before.length });
      expect(diff.to).toMatchObject({ live: true, size: after.length });
      expect(diff.to.corrupt).toBeUndefined();
      expect(diff.hunks).toHaveLength(2);
      expect(diff.hunks![0]).toMatchObject({ oldStart: 1, oldLines: 5, newStart: 1, newLines: 5 });
      expect(diff.hunks![0]!.lines.slice(0, 3)).toEqual([
        { kind: 'context', text: 'alpha', oldLine: 1, newLine: 1 },
        { kind: 'removed', text: 'beta', oldLine: 2 },
        { kind: 'added', text: 'BETA', newLine: 2 },
      ]);
      expect(diff.hunks![1]!.lines.find((l) => l.kind === 'added')).toEqual({ kind: 'added', text: 'inserted', newLine: 10 });
      expect(unifiedText(diff.hunks!)).toBe('@@ -1,5 +1,5 @@\n alpha\n-beta\n+BETA\n gamma\n delta\n epsilon\n@@ -7,4 +7,5 @@\n eta\n theta\n iota\n+inserted\n kappa\n');

      // The other way round, and with no context.
      const back = await service.dispatch('diffVersions', { sessionId, key, from: { live: true }, to: ref(0), context: 0 });
      expect(back).toMatchObject({ mode: 'text', added: 1, removed: 2 });
      expect(back.hunks!.flatMap((h) => h.lines.map((l) => l.kind))).toEqual(['removed', 'added', 'removed']);
    } finally {
      await service.close();
    }
  });

  it('JSON reformatted only: mode json, no change; a changed field shows as the line of its indented form', async () => {
    const compact = '{"name":"kv","n":12345678901234567890,"tags":["a","b"]}';
    const pretty = '{\n    "name": "kv",\n    "n": 12345678901234567890,\n    "tags": [ "a", "b" ]\n}\n';
    const changed = '{"name":"kv","n":12345678901234567891,"tags":["a","b"]}';
    const { service, sessionId, key, ref } = await opened('cfg', [compact, pretty, changed]);
    try {
      const same = await service.dispatch('diffVersions', { sessionId, key, from: ref(0), to: ref(1) });
      expect(same).toMatchObject({ mode: 'json', identical: false, hunks: [], added: 0, removed: 0, firstDifference: 1 });
      // Numbers are compared as written: JSON.parse would make these two the same double.
      const diff = await service.dispatch('diffVersions', { sessionId, key, from: ref(1), to: { live: true } });
      expect(diff).toMatchObject({ mode: 'json', added: 1, removed: 1 });
      expect(diff.hunks![0]!.lines.filter((l) => l.kind !== 'context')).toEqual([
        { kind: 'removed', text: '  "n": 12345678901234567890,', oldLine: 3 },
        { kind: 'added', text: '  "n": 12345678901234567891,', newLine: 3 },
      ]);
    } finally {
      await service.close();
    }
  });

  it('binary: the differing byte ranges (a longer side is one range past the other end), the sizes; capped', async () => {
    const a = noise(4096, 7);
    const b = Buffer.from(a);
    b[10] = b[10]! ^ 1;
    b[11] = b[11]! ^ 1;
    b[3000] = b[3000]! ^ 1;
    const longer = Buffer.concat([b, Buffer.from([1, 2, 3])]);
    const { service, sessionId, key, ref } = await opened('blob', [a, longer]);
    try {
      const diff = await service.dispatch('diffVersions', { sessionId, key, from: ref(0), to: { live: true } });
      expect(diff).toMatchObject({ mode: 'binary', fromSize: 4096, toSize: 4099, identical: false, firstDifference: 10, differingBytes: 6 });
      expect(diff.byteRanges).toEqual([
        { offset: 10, length: 2 },
        { offset: 3000, length: 1 },
        { offset: 4096, length: 3 },
      ]);
      expect(diff.byteRangesCapped).toBeUndefined();
      expect(diff.hunks).toBeUndefined();
    } finally {
      await service.close();
    }
  });

  it('too large: sizes and the first differing offset, no line diff, without holding up the event loop', async () => {
    const line = (i: number) => `line ${i} of a long text\n`;
    let text = '';
    for (let i = 0; text.length <= TEXT_DIFF_MAX_BYTES; i++) text += line(i);
    const edited = text.slice(0, 500_000) + 'X' + text.slice(500_001);
    const { service, sessionId, key, ref } = await opened('big', [text, edited]);
    try {
      const diff = await service.dispatch('diffVersions', { sessionId, key, from: ref(0), to: { live: true } });
      expect(diff).toMatchObject({ mode: 'too-large', fromSize: text.length, toSize: text.length, firstDifference: 500_000, identical: false });
      expect(diff.reason).toMatch(/larger than 1 MiB are not diffed line by line/);
      expect(diff.hunks).toBeUndefined();
    } finally {
      await service.close();
    }

  });

  it('a version that fails its checksum is said, not diffed', async () => {
    const { service, sessionId, key, ref, versions } = await opened('k', ['first good value\n', 'second value, to be damaged\n'], (dir, live) => flipByte(join(dir, live.file), live.offset + live.length - 3));
    try {
      expect(versions.map((v) => v.status)).toEqual(['shadowed', 'corrupt']);
      for (const to of [{ live: true as const }, ref(1)]) {
        const diff = await service.dispatch('diffVersions', { sessionId, key, from: ref(0), to });
        expect(diff).toMatchObject({ mode: 'corrupt', identical: false, firstDifference: null, from: { size: 17 }, to: { location: ref(1) } });
        expect(diff.from.corrupt).toBeUndefined();
        expect(diff.to.corrupt).toMatch(/checksum|fails its checks/);
        expect(diff.reason).toMatch(/the "to" version reads back intact/);
        expect(diff.hunks).toBeUndefined();
      }
    } finally {
      await service.close();
    }
  });

  it('refuses a place the history lists no version at, a tombstone, another key, a missing live value', async () => {
    const { service, sessionId, key, ref, dir } = await opened('gone', ['v1', 'v2']);
    try {
      expect(await rejection(service.dispatch('diffVersions', { sessionId, key, from: { file: ref(0).file, offset: ref(0).offset + 1 }, to: ref(1) }))).toMatchObject({ code: 'NOT_FOUND' });
      expect(await rejection(service.dispatch('diffVersions', { sessionId, key: textToKeyString('other-0'), from: ref(0), to: { live: true } }))).toMatchObject({ code: 'NOT_FOUND' });
      await service.setMode({ sessionId, readWrite: true });
      await service.deleteKey({ sessionId, key });
      const { versions } = await service.history({ sessionId, key });
      const tombstone = versions.at(-1)!;
      expect(tombstone.kind).toBe('delete');
      const refused = await rejection(service.dispatch('diffVersions', { sessionId, key, from: ref(0), to: { file: tombstone.location.file, offset: tombstone.location.offset } }));
      expect(refused).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/tombstone/) });
      expect(await rejection(service.dispatch('diffVersions', { sessionId, key, from: ref(0), to: { live: true } }))).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/no live value/) });
      expect(dir).toBeTruthy();
    } finally {
      await service.close();
    }
  });
});
