/**
 * One adapter per engine, each using its best API for the job and the same
 * durability: every acknowledged batch or put is on disk (fdatasync / fsync
 * before the call returns).
 *
 *   kvscope         Store with fsync 'always'; batch() for bulk, getSync for reads
 *   classic-level   LevelDB; batch/put with { sync: true }, getSync, iterator().all()
 *   lmdb            transactionSync (synchronous commit, msync/fsync), getBinary, getRange
 *   better-sqlite3  WAL, synchronous=FULL, WITHOUT ROWID; prepared statements, one
 *                   transaction per batch, pluck().get for reads
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Store } from '../src/engine/store.js';

const require = createRequire(import.meta.url);

export interface Adapter {
  readonly name: string;
  readonly version: string;
  open(dir: string): Promise<void>;
  /** One durable commit for the whole batch. */
  putBatch(keys: Buffer[], values: Buffer[]): Promise<void>;
  /** One durable commit per put. */
  putDurable(key: Buffer, value: Buffer): Promise<void>;
  get(key: Buffer): Buffer | undefined;
  /** Keys and values in [lo, hi); returns how many. */
  scan(lo: Buffer, hi: Buffer): Promise<number>;
  /** The engine's own way of reclaiming overwritten data, if any. */
  compact?(): Promise<void>;
  close(): Promise<void>;
}

function packageVersion(name: string): string {
  // Read the file directly: some packages (lmdb) do not export ./package.json.
  const main = require.resolve(name);
  const root = main.slice(0, main.lastIndexOf(`node_modules/${name}/`) + `node_modules/${name}/`.length);
  return (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string }).version;
}

export class KvscopeAdapter implements Adapter {
  readonly name = 'kvscope';
  readonly version = (require('../package.json') as { version: string }).version;
  store!: Store;
  constructor(private readonly fsync: 'always' | 'batch' = 'always') {}
  async open(dir: string): Promise<void> {
    this.store = await Store.open(dir, { create: true, fsync: this.fsync });
  }
  async putBatch(keys: Buffer[], values: Buffer[]): Promise<void> {
    const ops = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) ops[i] = { type: 'put' as const, key: keys[i]!, value: values[i]! };
    await this.store.batch(ops);
  }
  putDurable(key: Buffer, value: Buffer): Promise<void> {
    return this.store.put(key, value);
  }
  get(key: Buffer): Buffer | undefined {
    return this.store.getSync(key);
  }
  async scan(lo: Buffer, hi: Buffer): Promise<number> {
    return (await this.store.scan({ start: lo, end: hi })).length;
  }
  async compact(): Promise<void> {
    await this.store.compact();
  }
  close(): Promise<void> {
    return this.store.close();
  }
}

interface LevelLike {
  open(): Promise<void>;
  close(): Promise<void>;
  batch(ops: Array<{ type: 'put'; key: Buffer; value: Buffer }>, o: { sync: boolean }): Promise<void>;
  put(k: Buffer, v: Buffer, o: { sync: boolean }): Promise<void>;
  getSync(k: Buffer): Buffer | undefined;
  iterator(o: { gte: Buffer; lt: Buffer }): { all(): Promise<unknown[]> };
  compactRange(a: Buffer, b: Buffer): Promise<void>;
}

export class LevelAdapter implements Adapter {
  readonly name = 'classic-level';
  readonly version = packageVersion('classic-level');
  private db!: LevelLike;
  async open(dir: string): Promise<void> {
    const { ClassicLevel } = require('classic-level') as { ClassicLevel: new (dir: string, o: object) => LevelLike };
    this.db = new ClassicLevel(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await this.db.open();
  }
  putBatch(keys: Buffer[], values: Buffer[]): Promise<void> {
    const ops = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) ops[i] = { type: 'put' as const, key: keys[i]!, value: values[i]! };
    return this.db.batch(ops, { sync: true });
  }
  putDurable(key: Buffer, value: Buffer): Promise<void> {
    return this.db.put(key, value, { sync: true });
  }
  get(key: Buffer): Buffer | undefined {
    return this.db.getSync(key);
  }
  async scan(lo: Buffer, hi: Buffer): Promise<number> {
    return (await this.db.iterator({ gte: lo, lt: hi }).all()).length;
  }
  compact(): Promise<void> {
    return this.db.compactRange(Buffer.alloc(0), Buffer.alloc(64, 0xff));
  }
  close(): Promise<void> {
    return this.db.close();
  }
}

interface LmdbDb {
  transactionSync<T>(fn: () => T): T;
  putSync(k: Buffer, v: Buffer): void;
  getBinary(k: Buffer): Buffer | undefined;
  getRange(o: { start: Buffer; end: Buffer }): Iterable<{ key: Buffer; value: Buffer }>;
  close(): Promise<void>;
}

export class LmdbAdapter implements Adapter {
  readonly name = 'lmdb';
  readonly version = packageVersion('lmdb');
  private db!: LmdbDb;
  async open(dir: string): Promise<void> {
    const lmdb = (await import('lmdb')) as unknown as { open(o: object): LmdbDb };
    // Synchronous commits (the default: no noSync), no compression, raw bytes.
    this.db = lmdb.open({ path: dir, keyEncoding: 'binary', encoding: 'binary', compression: false });
  }
  async putBatch(keys: Buffer[], values: Buffer[]): Promise<void> {
    const db = this.db;
    db.transactionSync(() => {
      for (let i = 0; i < keys.length; i++) db.putSync(keys[i]!, values[i]!);
    });
  }
  async putDurable(key: Buffer, value: Buffer): Promise<void> {
    const db = this.db;
    db.transactionSync(() => db.putSync(key, value));
  }
  get(key: Buffer): Buffer | undefined {
    return this.db.getBinary(key);
  }
  async scan(lo: Buffer, hi: Buffer): Promise<number> {
    let n = 0;
    for (const e of this.db.getRange({ start: lo, end: hi })) if (e.value) n++;
    return n;
  }
  close(): Promise<void> {
    return this.db.close();
  }
}

interface SqliteStatement {
  run(...a: unknown[]): unknown;
  pluck(): SqliteStatement;
  raw(): SqliteStatement;
  get(...a: unknown[]): unknown;
  all(...a: unknown[]): unknown[];
}
interface SqliteDb {
  pragma(s: string): unknown;
  exec(s: string): void;
  prepare(s: string): SqliteStatement;
  transaction<A extends unknown[]>(fn: (...a: A) => void): (...a: A) => void;
  close(): void;
}

export class SqliteAdapter implements Adapter {
  readonly name = 'better-sqlite3';
  readonly version = packageVersion('better-sqlite3');
  private db!: SqliteDb;
  private insert!: SqliteStatement;
  private select!: SqliteStatement;
  private range!: SqliteStatement;
  private insertMany!: (keys: Buffer[], values: Buffer[]) => void;
  async open(dir: string): Promise<void> {
    const Database = require('better-sqlite3') as new (path: string) => SqliteDb;
    this.db = new Database(`${dir}/db.sqlite`);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL'); // WAL + FULL: the WAL is fsync'ed at every commit
    this.db.exec('CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID');
    this.insert = this.db.prepare('INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)');
    this.select = this.db.prepare('SELECT v FROM kv WHERE k = ?').pluck();
    this.range = this.db.prepare('SELECT k, v FROM kv WHERE k >= ? AND k < ? ORDER BY k').raw();
    this.insertMany = this.db.transaction((keys: Buffer[], values: Buffer[]) => {
      for (let i = 0; i < keys.length; i++) this.insert.run(keys[i], values[i]);
    });
  }
  async putBatch(keys: Buffer[], values: Buffer[]): Promise<void> {
    this.insertMany(keys, values);
  }
  async putDurable(key: Buffer, value: Buffer): Promise<void> {
    this.insert.run(key, value);
  }
  get(key: Buffer): Buffer | undefined {
    return this.select.get(key) as Buffer | undefined;
  }
  async scan(lo: Buffer, hi: Buffer): Promise<number> {
    return this.range.all(lo, hi).length;
  }
  async compact(): Promise<void> {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.exec('VACUUM');
  }
  async close(): Promise<void> {
    this.db.close();
  }
}
