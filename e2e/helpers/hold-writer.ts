/**
 * A second process that opens a store for writing and holds it until killed,
 * so the inspector can be seen refusing read-write with this process's pid.
 * Usage: node --import tsx e2e/helpers/hold-writer.ts DIR
 */
import { Store } from '../../src/engine/store.js';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: hold-writer DIR');
  process.exit(2);
}
const store = await Store.open(dir);
process.stdout.write(`ready ${process.pid}\n`);
const stop = () => {
  void store.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setInterval(() => undefined, 60_000);
