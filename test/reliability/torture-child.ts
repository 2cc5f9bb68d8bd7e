/**
 * The process the kill test (torture.ts) SIGKILLs. It opens a store for
 * writing and runs random puts, deletes, batches and compactions from a few
 * concurrent workers, on a small segment size, under one fsync policy.
 *
 * Protocol, one JSON object per line on fd 1 (a blocking write, see line():
 * a line is in the parent's pipe before the next statement runs):
 *   {"t":"ready"}                       the store is open
 *   {"t":"b","id":N,"ops":[...]}        operation N is about to be issued (written BEFORE the call)
 *   {"t":"a","id":N}                    operation N's promise resolved: acknowledged
 *   {"t":"f","id":N,"e":"..."}          operation N's promise rejected
 *   {"t":"c","id":N} / {"t":"cd","id":N} a compaction starts / finished
 * ops: ["p", key, value] | ["d", key]. A batch has 2..5 ops, a put or delete one.
 *
 * Usage: node --import tsx torture-child.ts <dir> <always|batch|never> <seed> <segmentSize> <idBase>
 */
import { writeSync } from 'node:fs';
import { Store } from '../../src/engine/store.js';
import type { FsyncPolicy } from '../../src/engine/types.js';
import { rng } from './rng.js';

const [dir, policy, seedText, segText, idBaseText] = process.argv.slice(2);
if (!dir || !policy) throw new Error('usage: torture-child.ts <dir> <policy> <seed> <segmentSize> <idBase>');

const random = rng(Number(seedText ?? 1));
const KEYS = 24;
let nextId = Number(idBaseText ?? 0);

/**
 * One line to fd 1 with a blocking write. Not process.stdout: on Linux its
 * pipe writes are asynchronous once the pipe is full (they queue in this
 * process), and SIGKILL would lose queued lines whose operations were already
 * issued. libuv leaves a child's stdio fds blocking, and this process never
 * opens process.stdout, so fs.writeSync returns only once the line is in the
 * pipe. (EAGAIN is retried in case the fd is non-blocking after all.)
 */
function line(obj: unknown): void {
  const bytes = Buffer.from(JSON.stringify(obj) + '\n');
  let done = 0;
  while (done < bytes.length) {
    try {
      done += writeSync(1, bytes, done, bytes.length - done);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
  }
}

type Op = ['p', string, string] | ['d', string];

function randomKey(): string {
  return `k${String(Math.floor(random() * KEYS)).padStart(2, '0')}`;
}

function randomOp(id: number, i: number): Op {
  if (random() < 0.25) return ['d', randomKey()];
  // Unique per operation, so a value read back names the write it came from.
  const pad = 'x'.repeat(Math.floor(random() * 400));
  return ['p', randomKey(), `v${id}.${i}.${pad}`];
}

async function worker(store: Store): Promise<void> {
  for (;;) {
    const id = nextId++;
    const r = random();
    if (r < 0.03) {
      line({ t: 'c', id });
      try {
        await store.compact();
        line({ t: 'cd', id });
      } catch (err) {
        line({ t: 'f', id, e: String((err as Error).message) });
      }
      continue;
    }
    const ops: Op[] = r < 0.2 ? Array.from({ length: 2 + Math.floor(random() * 4) }, (_, i) => randomOp(id, i)) : [randomOp(id, 0)];
    line({ t: 'b', id, ops });
    try {
      if (ops.length > 1) {
        await store.batch(ops.map((op) => (op[0] === 'p' ? { type: 'put' as const, key: op[1], value: op[2] } : { type: 'delete' as const, key: op[1] })));
      } else {
        const op = ops[0]!;
        if (op[0] === 'p') await store.put(op[1], op[2]);
        else await store.delete(op[1]);
      }
      line({ t: 'a', id });
    } catch (err) {
      line({ t: 'f', id, e: String((err as Error).message) });
      return;
    }
  }
}

const store = await Store.open(dir, { create: true, fsync: policy as FsyncPolicy, segmentSize: Number(segText ?? 4096) });
line({ t: 'ready' });
await Promise.all([worker(store), worker(store), worker(store)]);
