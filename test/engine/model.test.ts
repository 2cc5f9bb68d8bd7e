/**
 * Model-based test: random sequences of put / delete / batch / reopen /
 * compact / large (rotation-inducing) puts against an in-memory Map, on small
 * segments, under each fsync policy. After every step the store must agree
 * with the model on get, has, keyCount, sortedKeys (bytewise order) and scan
 * with prefix/start/end/reverse/limit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Store } from '../../src/engine/store.js';
import type { FsyncPolicy, ScanOptions } from '../../src/engine/types.js';
import { cleanTempDirs, compareBytes, fromLatin1, latin1, tempDir } from './helpers.js';

afterEach(cleanTempDirs);

const keyByte = fc.constantFrom(0x00, 0x01, 0x61, 0x62, 0x7f, 0x80, 0xff);
const keyArb = fc.array(keyByte, { minLength: 0, maxLength: 3 }).map((a) => Buffer.from(a));
const smallValue = fc.uint8Array({ minLength: 0, maxLength: 40 }).map((a) => Buffer.from(a));
const largeValue = fc.integer({ min: 300, max: 3000 }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })).map((a) => Buffer.from(a));

type Op =
  | { op: 'put'; key: Buffer; value: Buffer }
  | { op: 'delete'; key: Buffer }
  | { op: 'batch'; ops: Array<{ type: 'put'; key: Buffer; value: Buffer } | { type: 'delete'; key: Buffer }> }
  | { op: 'parallel'; ops: Array<{ type: 'put'; key: Buffer; value: Buffer } | { type: 'delete'; key: Buffer }> }
  | { op: 'reopen' }
  | { op: 'compact' }
  | { op: 'scan'; options: ScanOptions };

const scanOptionsArb: fc.Arbitrary<ScanOptions> = fc.record(
  {
    prefix: keyArb.filter((k) => k.length <= 2),
    start: keyArb,
    end: keyArb,
    limit: fc.integer({ min: 0, max: 6 }),
    reverse: fc.boolean(),
  },
  { requiredKeys: [] },
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant('put' as const), key: keyArb, value: smallValue }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('put' as const), key: keyArb, value: largeValue }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), key: keyArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('batch' as const),
      ops: fc.array(
        fc.oneof(
          fc.record({ type: fc.constant('put' as const), key: keyArb, value: smallValue }),
          fc.record({ type: fc.constant('delete' as const), key: keyArb }),
        ),
        { minLength: 1, maxLength: 5 },
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('parallel' as const),
      ops: fc.array(
        fc.oneof(
          fc.record({ type: fc.constant('put' as const), key: keyArb, value: fc.oneof(smallValue, smallValue, largeValue) }),
          fc.record({ type: fc.constant('delete' as const), key: keyArb }),
        ),
        { minLength: 2, maxLength: 8 },
      ),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'reopen' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'compact' as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('scan' as const), options: scanOptionsArb }) },
);

/** What scan must return, computed from the model alone. */
function modelScan(model: Map<string, Buffer>, o: ScanOptions): Array<[string, Buffer]> {
  let keys = [...model.keys()].sort((a, b) => compareBytes(fromLatin1(a), fromLatin1(b)));
  if (o.prefix) keys = keys.filter((k) => fromLatin1(k).subarray(0, o.prefix!.length).equals(Buffer.from(o.prefix!)));
  if (o.start) keys = keys.filter((k) => compareBytes(fromLatin1(k), o.start!) >= 0);
  if (o.end) keys = keys.filter((k) => compareBytes(fromLatin1(k), o.end!) < 0);
  if (o.reverse) keys.reverse();
  if (o.limit !== undefined) keys = keys.slice(0, o.limit);
  return keys.map((k) => [k, model.get(k)!]);
}

async function checkAgainstModel(store: Store, model: Map<string, Buffer>, probes: Buffer[], scans: ScanOptions[]): Promise<void> {
  expect(store.keyCount()).toBe(model.size);
  // Live bytes are exactly the live records (22-byte header + key + value each).
  const stats = store.stats();
  expect(stats.keys).toBe(model.size);
  expect(stats.liveBytes).toBe([...model].reduce((n, [k, v]) => n + 22 + fromLatin1(k).length + v.length, 0));
  expect(stats.perSegment.reduce((n, s) => n + s.bytes, 0)).toBe(stats.totalBytes);
  for (const s of stats.perSegment) expect(s.liveBytes).toBeGreaterThanOrEqual(0);
  const expectedKeys = [...model.keys()].sort((a, b) => compareBytes(fromLatin1(a), fromLatin1(b)));
  expect([...store.sortedKeys()]).toEqual(expectedKeys);
  for (const k of [...model.keys()].map(fromLatin1).concat(probes)) {
    const want = model.get(latin1(k));
    expect(store.has(k)).toBe(want !== undefined);
    const got = await store.get(k);
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got && Buffer.from(got).equals(want)).toBe(true);
  }
  for (const o of [{}, ...scans]) {
    const got = (await store.scan(o)).map(({ key, value }) => [latin1(key), Buffer.from(value)] as [string, Buffer]);
    const want = modelScan(model, o);
    expect(got.map(([k]) => k)).toEqual(want.map(([k]) => k));
    got.forEach(([, v], i) => expect(v.equals(want[i]![1])).toBe(true));
    expect(store.scanKeys(o)).toEqual(want.map(([k]) => k));
  }
}

const POLICIES: FsyncPolicy[] = ['always', 'batch', 'never'];

describe('store against an in-memory model', () => {
  for (const fsync of POLICIES) {
    it(`agrees with a Map after every step (fsync ${fsync})`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 512, max: 4096 }), fc.option(fc.double({ min: 0.2, max: 0.8, noNaN: true })), fc.array(opArb, { minLength: 1, maxLength: 60 }), async (segmentSize, autoCompactRatio, ops) => {
          const dir = tempDir() + '/store';
          const options = { create: true, segmentSize, fsync, ...(autoCompactRatio !== null ? { autoCompactRatio } : {}) };
          let store = await Store.open(dir, options);
          const model = new Map<string, Buffer>();
          try {
            for (const op of ops) {
              const probes: Buffer[] = [];
              const scans: ScanOptions[] = [];
              switch (op.op) {
                case 'put':
                  await store.put(op.key, op.value);
                  model.set(latin1(op.key), op.value);
                  probes.push(op.key);
                  break;
                case 'delete': {
                  const existed = model.delete(latin1(op.key));
                  expect(await store.delete(op.key)).toBe(existed);
                  probes.push(op.key);
                  break;
                }
                case 'batch':
                  await store.batch(op.ops);
                  for (const b of op.ops) {
                    if (b.type === 'put') model.set(latin1(b.key), b.value);
                    else model.delete(latin1(b.key));
                    probes.push(b.key);
                  }
                  break;
                case 'parallel': {
                  // Issued without waiting for each other: they apply in call order.
                  const expected: Array<boolean | undefined> = [];
                  for (const b of op.ops) {
                    if (b.type === 'put') {
                      model.set(latin1(b.key), b.value);
                      expected.push(undefined);
                    } else expected.push(model.delete(latin1(b.key)));
                    probes.push(b.key);
                  }
                  const results = await Promise.all(op.ops.map((b) => (b.type === 'put' ? store.put(b.key, b.value) : store.delete(b.key))));
                  expect(results).toEqual(expected);
                  break;
                }
                case 'reopen': {
                  // A reader opened next to the writer sees the same data.
                  const reader = await Store.open(dir, { readOnly: true });
                  try {
                    await checkAgainstModel(reader, model, [], []);
                  } finally {
                    await reader.close();
                  }
                  await store.close();
                  store = await Store.open(dir, options);
                  break;
                }
                case 'compact':
                  await store.compact();
                  break;
                case 'scan':
                  scans.push(op.options);
                  break;
              }
              await checkAgainstModel(store, model, probes, scans);
            }
            // A healthy store verifies clean, also after background hints are written.
            expect(await store.flushBackground()).toEqual([]);
            const report = await store.verify();
            expect(report.problems).toEqual([]);
            // And everything survives a final reopen.
            await store.close();
            store = await Store.open(dir, options);
            await checkAgainstModel(store, model, [], []);
            expect(store.recovery.tornTails).toEqual([]);
            expect(store.recovery.skipped).toEqual([]);
          } finally {
            await store.close();
          }
        }),
        { numRuns: fsync === 'always' ? 120 : 80, interruptAfterTimeLimit: 18_000 },
      );
    });
  }
});
