/**
 * A separate writer process for the follow-mode test: opens DIR for writing
 * (holding the lock), prints "ready PID", then for every line "put K V",
 * "del K" or "rotate N" on stdin writes with the engine and prints "ok".
 * A second argument "sync" makes it sync every write (fsync 'always', in
 * 1 MiB segments), so that it appends over preallocated space.
 */
import { createInterface } from 'node:readline';
import { Store } from '../../src/engine/store.js';

const dir = process.argv[2]!;
const store = await Store.open(dir, process.argv[3] === 'sync' ? { create: true, segmentSize: 1024 * 1024, fsync: 'always' } : { create: true, segmentSize: 4096, fsync: 'never' });
process.stdout.write(`ready ${process.pid}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, key, ...rest] = line.split(' ');
  if (cmd === 'put') await store.put(key!, rest.join(' '));
  else if (cmd === 'del') await store.delete(key!);
  else if (cmd === 'many') for (let i = 0; i < Number(key); i++) await store.put(`bulk:${i}`, 'x'.repeat(200));
  else if (cmd === 'compact') await store.compact();
  else if (cmd === 'quit') break;
  process.stdout.write('ok\n');
}
await store.close();
process.exit(0);
