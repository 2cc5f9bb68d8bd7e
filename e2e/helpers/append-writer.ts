/**
 * A second process that holds a store open for writing and appends on
 * request, for the follow-mode e2e: prints "ready PID", then for each stdin
 * line "put KEY VALUE" or "del KEY" writes with the engine and prints "ok".
 * Usage: node --import tsx e2e/helpers/append-writer.ts DIR
 */
import { createInterface } from 'node:readline';
import { Store } from '../../src/engine/store.js';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: append-writer DIR');
  process.exit(2);
}
const store = await Store.open(dir);
process.stdout.write(`ready ${process.pid}\n`);
const stop = () => void store.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, key, ...rest] = line.split(' ');
  if (cmd === 'put') await store.put(key!, rest.join(' '));
  else if (cmd === 'del') await store.delete(key!);
  process.stdout.write('ok\n');
}
