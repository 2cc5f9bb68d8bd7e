/**
 * A writer that compacts back to back, for the tests of readers that must
 * cope with files vanishing under them: writes a batch of 500 keys and some
 * deletes, compacts every third round, prints "ready" after its first
 * compaction, and goes on until killed.
 */
import { Store } from '../../src/engine/store.js';

const dir = process.argv[2]!;
const store = await Store.open(dir, { create: true, segmentSize: 64 * 1024, fsync: 'never' });
process.on('SIGTERM', () => void store.close().finally(() => process.exit(0)));
for (let round = 0; ; round++) {
  await store.batch(Array.from({ length: 500 }, (_, i) => ({ type: 'put' as const, key: `churn:${String(i).padStart(4, '0')}`, value: `round ${round} `.padEnd(100, 'x') })));
  for (let i = 0; i < 100; i += 5) await store.delete(`churn:${String(i).padStart(4, '0')}`);
  if (round % 3 === 0) {
    await store.compact();
    if (round === 0) process.stdout.write('ready\n');
  }
}
