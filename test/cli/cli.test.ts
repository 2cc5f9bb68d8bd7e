/**
 * The real `kvscope` command as a child process (node bin/kvscope.js, cwd a
 * temp dir): output, exit codes, options anywhere on the line, JSON Lines
 * import/export, verify on a damaged store, and the REPL session of the
 * mini-kvstore-v2 README reproduced exactly through a pipe.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as net from 'node:net';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SHARED_DIR } from '../shared-dir.js';
import { hashBytes } from '../../src/engine/native/key-hash.js';
import { Store } from '../../src/engine/store.js';

// Every command is a fresh node process (about half a second each, more on a busy machine).
vi.setConfig({ testTimeout: 180_000 });

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/kvscope.js');
const SEED = `${SHARED_DIR}/seeds/mini-kvstore-v2.md`;

let cwd: string;
beforeAll(() => {
  cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'kvscope-'));
});
afterAll(() => fs.rmSync(cwd, { recursive: true, force: true }));

interface Run {
  code: number | null;
  out: string;
  err: string;
}

function kv(args: string[], input?: string | Buffer): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, input: input ?? '', timeout: 30_000 });
  return { code: r.status, out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8') };
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

describe('one-shot commands', () => {
  it('set, get and delete, with options before and after the command', () => {
    expect(kv(['--dir', 'basic', 'set', 'name', 'Alice'])).toEqual({ code: 0, out: 'OK\n', err: '' });
    expect(kv(['set', 'greeting', 'hello', 'world', '--dir', 'basic'])).toEqual({ code: 0, out: 'OK\n', err: '' });
    expect(kv(['get', 'name', '-d', 'basic'])).toEqual({ code: 0, out: 'Alice\n', err: '' });
    expect(kv(['-d', 'basic', 'get', 'greeting']).out).toBe('hello world\n');
    // The default directory is ./data in the working directory.
    expect(kv(['set', 'where', 'default']).code).toBe(0);
    expect(fs.existsSync(path.join(cwd, 'data', '000001.data'))).toBe(true);
    expect(kv(['get', 'where']).out).toBe('default\n');
    expect(kv(['--dir', 'basic', 'get', 'where']).code).toBe(1);

    expect(JSON.parse(kv(['--json', '--dir', 'basic', 'get', 'name']).out)).toEqual({ key: 'name', value: 'Alice' });
    expect(kv(['--dir', 'basic', 'delete', 'name'])).toEqual({ code: 0, out: 'Deleted\n', err: '' });
    expect(kv(['--dir', 'basic', 'delete', 'name'])).toMatchObject({ code: 1, out: '' });
  });

  it('a missing key exits 1 with "Key not found" on stderr and nothing on stdout', () => {
    kv(['--dir', 'missing', 'set', 'a', '1']);
    const r = kv(['--dir', 'missing', 'get', 'nope']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain('Key not found');
  });

  it('get --json of a missing key says so on stdout ({"key": K, "value": null}), still exit 1', () => {
    kv(['--dir', 'missing-json', 'set', 'a', '1']);
    // Answered through the keydir image the clean close left, then by opening the store (no image).
    for (const removeImage of [false, true]) {
      if (removeImage) fs.rmSync(path.join(cwd, 'missing-json', 'KEYDIR'));
      const r = kv(['--dir', 'missing-json', 'get', 'nope', '--json']);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.out)).toEqual({ key: 'nope', value: null });
      expect(r.err).toContain('Key not found');
    }
    const hex = kv(['--dir', 'missing-json', '--json', '--key-hex', 'get', '00ff']);
    expect(hex.code).toBe(1);
    expect(JSON.parse(hex.out)).toEqual({ key: { base64: 'AP8=' }, value: null });
    expect(JSON.parse(kv(['--dir', 'missing-json', 'get', 'a', '--json']).out)).toEqual({ key: 'a', value: '1' });
  });

  it('delete --json says on stdout whether it deleted ({"deleted": false} for a missing key, still exit 1)', () => {
    kv(['--dir', 'delete-json', 'set', 'a', '1']);
    const missing = kv(['--dir', 'delete-json', 'delete', 'nope', '--json']);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.out)).toEqual({ deleted: false });
    expect(missing.err).toContain('Key not found');
    expect(kv(['--dir', 'delete-json', '--json', 'delete', 'a'])).toMatchObject({ code: 0, out: '{"deleted":true}\n' });
  });

  it('usage errors exit 2', () => {
    const unknown = kv(['--dir', 'x', 'frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.out).toBe('');
    expect(unknown.err).toContain('frobnicate');
    expect(kv(['--dir', 'x', 'get']).code).toBe(2);
    expect(kv(['--dir', 'x', '--no-such-option', 'list']).code).toBe(2);
    expect(kv(['--fsync', 'sometimes', 'list']).code).toBe(2);
    expect(kv([]).code).toBe(2);
    expect(kv(['--help']).code).toBe(0);
  });

  it('a store that is not a store exits 3', () => {
    fs.mkdirSync(path.join(cwd, 'notastore'));
    fs.writeFileSync(path.join(cwd, 'notastore', 'readme.txt'), 'hello');
    const r = kv(['--dir', 'notastore', 'get', 'a']);
    expect(r.code).toBe(3);
    expect(r.out).toBe('');
  });

  it('list, scan, history, stats and compact (text and --json)', () => {
    const d = ['--dir', 'many'];
    for (const [k, v] of [
      ['user:2', 'bob'],
      ['user:1', 'alice'],
      ['item:1', 'pen'],
      ['user:1', 'alice2'],
    ]) expect(kv([...d, 'set', k!, v!]).code).toBe(0);
    expect(kv([...d, 'delete', 'item:1']).code).toBe(0);

    expect(lines(kv([...d, 'list']).out)).toEqual(['user:1', 'user:2']);
    expect(lines(kv(['list', '--prefix', 'user:2', ...d]).out)).toEqual(['user:2']);
    expect(lines(kv(['list', '--prefix', 'user:', '--limit', '1', ...d]).out)).toEqual(['user:1']);
    expect(lines(kv(['list', '--prefix', 'nobody', ...d]).out)).toEqual([]);
    expect(lines(kv([...d, 'scan', '--limit', '1']).out)).toEqual(['user:1\talice2']);
    expect(JSON.parse(kv([...d, 'list', '--json']).out)).toEqual(['user:1', 'user:2']);
    expect(lines(kv([...d, 'scan']).out)).toEqual(['user:1\talice2', 'user:2\tbob']);
    expect(lines(kv([...d, 'scan', '--json', '-p', 'user:1']).out).map((l) => JSON.parse(l))).toEqual([{ key: 'user:1', value: 'alice2' }]);

    const history = JSON.parse(kv([...d, 'history', 'user:1', '--json']).out) as Array<{ kind: string; status: string; location: { sequence: number } }>;
    expect(history.map((v) => [v.kind, v.status])).toEqual([
      ['put', 'shadowed'],
      ['put', 'live'],
    ]);
    expect(history[0]!.location.sequence).toBeLessThan(history[1]!.location.sequence);
    const deleted = JSON.parse(kv([...d, 'history', 'item:1', '--json']).out) as Array<{ kind: string }>;
    expect(deleted.map((v) => v.kind)).toEqual(['put', 'delete']);
    expect(kv([...d, 'history', 'never-written']).code).toBe(1);

    const stats = JSON.parse(kv([...d, 'stats', '--json']).out) as { keys: number; deadBytes: number };
    expect(stats.keys).toBe(2);
    expect(stats.deadBytes).toBeGreaterThan(0);
    expect(kv([...d, 'stats']).out).toMatch(/Keys:\s+2/);

    const compacted = JSON.parse(kv([...d, 'compact', '--json']).out) as { recordsDropped: number; reclaimedBytes: number };
    // Dropped: user:1's first version, item:1's put and its tombstone.
    expect(compacted.recordsDropped).toBe(3);
    expect(compacted.reclaimedBytes).toBeGreaterThan(0);
    expect(lines(kv([...d, 'scan']).out)).toEqual(['user:1\talice2', 'user:2\tbob']);
    const after = JSON.parse(kv([...d, 'stats', '--json']).out) as { keys: number; deadBytes: number };
    expect(after.keys).toBe(2);
    expect(after.deadBytes).toBeLessThan(stats.deadBytes);
  });

  it('verify and dump: clean store, then a damaged one named by file@offset', () => {
    const d = ['--dir', 'damaged'];
    kv([...d, 'set', 'first', 'one']);
    kv([...d, 'set', 'second', 'two']);
    kv([...d, 'set', 'third', 'three']);
    const ok = kv([...d, 'verify']);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^OK: 3 records/);

    const dump = lines(kv([...d, 'dump', '--json']).out).map((l) => JSON.parse(l) as { file: string; offset: number; length: number; kind: string; key?: string });
    // Hand-computed: 24-byte header, then 22 + key + value per record.
    const second = 24 + (22 + 5 + 3);
    expect(dump.map((r) => [r.kind, r.offset, r.length, r.key])).toEqual([
      ['header', 0, 24, undefined],
      ['put', 24, 30, 'first'],
      ['put', second, 22 + 6 + 3, 'second'],
      ['put', second + 31, 22 + 5 + 5, 'third'],
    ]);

    const file = path.join(cwd, 'damaged', '000001.data');
    const bytes = fs.readFileSync(file);
    bytes[second + 22 + 6]! ^= 0x20; // a value byte of "second"
    fs.writeFileSync(file, bytes);
    const bad = kv([...d, 'verify']);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(`000001.data@${second}`);
    const badJson = JSON.parse(kv([...d, 'verify', '--json']).out) as { ok: boolean; problems: Array<{ file: string; offset: number; kind: string }> };
    expect(badJson.ok).toBe(false);
    // The segment's hint (written when the last `set` closed the store) still lists the damaged record.
    // After the 20-byte hint header, entries (22 bytes + key) come in the order of the top 12 bits of their
    // keys' hash, in file order within.
    const bucketOf = (k: string) => hashBytes(Buffer.from(k), 0, k.length) >>> 20;
    const before = (k: string) => bucketOf(k) < bucketOf('second') || (k === 'first' && bucketOf(k) === bucketOf('second'));
    const secondHintEntry = 20 + ['first', 'third'].filter(before).reduce((n, k) => n + 22 + k.length, 0);
    // The keydir image (written when the last `set` closed the store) holds the key too. Each `set` took
    // the keydir over from the image the one before left, so the keys keep the slots (32 bytes each, after
    // a 40-byte header and one 48-byte segment) in the order they were set: "second" is the second.
    const secondSlot = 1;
    expect(badJson.problems.map((p) => [p.file, p.offset, p.kind])).toEqual([
      ['000001.data', second, 'bad-crc'],
      ['000001.hint', secondHintEntry, 'hint-mismatch'],
      ['KEYDIR', 40 + 48 + 32 * secondSlot, 'hint-mismatch'],
    ]);
    // Reading the damaged record fails loudly, naming it; the others remain.
    const damaged = kv([...d, 'get', 'second']);
    expect(damaged.code).toBe(3);
    expect(damaged.out).toBe('');
    expect(damaged.err).toContain('corrupt record in 000001.data at offset ' + second);
    expect(kv([...d, 'get', 'third']).out).toBe('three\n');
    // export and scan give every other key, say which one they left out, and exit 1: the output is not whole.
    const exported = kv([...d, 'export']);
    expect(exported.code).toBe(1);
    expect(lines(exported.out).map((l) => (JSON.parse(l) as { key: string }).key)).toEqual(['first', 'third']);
    expect(exported.err).toContain(`kvscope: second: corrupt record in 000001.data at offset ${second}: checksum mismatch; left out`);
    expect(exported.err).toContain('1 key(s) could not be read and were left out');
    const copied = kv(['import', '--from', 'damaged', '--dir', 'damaged-copy', '--json']);
    expect(copied.code).toBe(1);
    expect(JSON.parse(copied.out)).toEqual({ imported: 2, from: 'kvscope', leftOut: 1 });
    expect(copied.err).toContain('kvscope: second: corrupt record');
    expect(lines(kv(['--dir', 'damaged-copy', 'list']).out)).toEqual(['first', 'third']);
    const scanned = kv([...d, 'scan']);
    expect(scanned.code).toBe(1);
    expect(lines(scanned.out)).toEqual(['first\tone', 'third\tthree']);
    // history shows the damaged live version as corrupt (the key is still listed).
    const hist = kv([...d, 'history', 'second', '--json']);
    expect(hist.code).toBe(0);
    expect((JSON.parse(hist.out) as Array<{ status: string; location: { offset: number } }>).map((v) => [v.status, v.location.offset])).toEqual([['corrupt', second]]);
    // segments reads the file: the damaged record's 31 bytes are corrupt, not live, though the hint-fed keydir points at them.
    const segs = JSON.parse(kv([...d, 'segments', '--json']).out) as { files: Array<{ file: string; liveBytes: number; staleBytes: number; corruptBytes: number }> };
    expect(segs.files.find((f) => f.file === '000001.data')).toMatchObject({ liveBytes: 30 + 32, staleBytes: 0, corruptBytes: 31 });
    // Without the hint and the keydir image (as after a crash) the damaged record is skipped at open, and its key is not found.
    fs.rmSync(path.join(cwd, 'damaged', '000001.hint'));
    fs.rmSync(path.join(cwd, 'damaged', 'KEYDIR'));
    expect(JSON.parse(kv([...d, 'verify', '--json']).out).problems.map((p: { file: string; offset: number; kind: string }) => [p.file, p.offset, p.kind])).toEqual([['000001.data', second, 'bad-crc']]);
    expect(kv([...d, 'get', 'second']).code).toBe(1);
    expect(kv([...d, 'get', 'third']).out).toBe('three\n');
  });

  it("a writer's open says on stderr what recovery found and did; a clean store says nothing", () => {
    const d = ['--dir', 'recovered'];
    expect(kv([...d, 'set', 'a', '1'])).toEqual({ code: 0, out: 'OK\n', err: '' });
    expect(kv([...d, 'set', 'b', '2'])).toEqual({ code: 0, out: 'OK\n', err: '' });
    const file = path.join(cwd, 'recovered', '000001.data');
    const size = fs.statSync(file).size;
    fs.appendFileSync(file, Buffer.from([0x00, 0x01, 0x02])); // a crash mid-append
    const r = kv([...d, 'set', 'c', '3']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('OK\n');
    expect(r.err).toMatch(new RegExp(`^kvscope: recovery: torn tail in 000001\\.data at ${size}: .*\\(cut off\\)$`, 'm'));
    expect(kv([...d, 'set', 'd', '4'])).toEqual({ code: 0, out: 'OK\n', err: '' });
    expect(lines(kv([...d, 'list']).out)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('a new store whose first writer was killed right after taking the lock: the next writer takes it over', () => {
    const dir = path.join(cwd, 'lock-only');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'LOCK'), `999999 ${os.hostname()}\n`);
    const r = kv(['--dir', 'lock-only', 'set', 'a', '1']);
    expect(r).toMatchObject({ code: 0, out: 'OK\n' });
    expect(r.err).toContain('kvscope: recovery: took over the lock of process 999999, which is no longer running');
    expect(kv(['--dir', 'lock-only', 'get', 'a']).out).toBe('1\n');
  });

  it('a locked store exits 3 while another process writes it; reads still work', async () => {
    const dir = path.join(cwd, 'locked');
    const child = spawn(process.execPath, [BIN, '--dir', dir, 'repl'], { cwd, stdio: 'pipe' });
    try {
      await new Promise<void>((resolve, reject) => {
        let seen = '';
        child.stdout.on('data', (d: Buffer) => {
          seen += d.toString();
          if (seen.includes('OK\n')) resolve();
        });
        child.once('exit', (c) => reject(new Error(`repl exited ${c}`)));
        child.stdin.write('set held yes\n');
      });
      const r = kv(['--dir', dir, 'set', 'x', 'y']);
      expect(r.code).toBe(3);
      expect(r.out).toBe('');
      expect(r.err).toContain(String(child.pid));
      expect(kv(['--dir', dir, 'get', 'held']).out).toBe('yes\n');
    } finally {
      child.stdin.end('quit\n');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    expect(kv(['--dir', dir, 'set', 'x', 'y']).code).toBe(0);
  });
});

describe('JSON Lines import and export', () => {
  it('round-trips UTF-8 text, {"base64"} bytes and "deleted": true', () => {
    const binKey = Buffer.from([0x00, 0xff, 0x80, 0x41]);
    const binValue = Buffer.from([0xc3, 0x28, 0x00, 0xfe]); // not UTF-8
    const input = [
      JSON.stringify({ key: 'plain', value: 'text ✓ ünïcode' }),
      JSON.stringify({ key: { base64: binKey.toString('base64') }, value: { base64: binValue.toString('base64') } }),
      JSON.stringify({ key: 'gone', value: 'soon' }),
      '',
      JSON.stringify({ key: 'gone', deleted: true }),
      JSON.stringify({ key: 'empty', value: '' }),
    ].join('\n');
    fs.writeFileSync(path.join(cwd, 'in.jsonl'), input + '\n');
    const imported = kv(['--dir', 'jsonl', 'import', 'in.jsonl']);
    expect(imported.code).toBe(0);
    expect(imported.out).toContain('5');

    const exported = lines(kv(['--dir', 'jsonl', 'export']).out).map((l) => JSON.parse(l) as { key: unknown; value: unknown });
    const asBytes = (j: unknown): Buffer => (typeof j === 'string' ? Buffer.from(j, 'utf8') : Buffer.from((j as { base64: string }).base64, 'base64'));
    const got = new Map(exported.map((e) => [asBytes(e.key).toString('hex'), asBytes(e.value).toString('hex')]));
    expect(got).toEqual(
      new Map([
        [Buffer.from('plain').toString('hex'), Buffer.from('text ✓ ünïcode').toString('hex')],
        [binKey.toString('hex'), binValue.toString('hex')],
        [Buffer.from('empty').toString('hex'), ''],
      ]),
    );
    // Text stays text; only bytes that are not UTF-8 are base64.
    expect(exported.find((e) => e.key === 'plain')!.value).toBe('text ✓ ünïcode');
    expect(exported.some((e) => typeof e.key === 'object' && typeof e.value === 'object')).toBe(true);

    // The export, imported from stdin into a fresh store, exports identically.
    const text = kv(['--dir', 'jsonl', 'export']).out;
    expect(kv(['--dir', 'jsonl2', 'import', '-'], text).code).toBe(0);
    expect(kv(['--dir', 'jsonl2', 'export']).out).toBe(text);
    // And a deletion line applied to the copy removes the key.
    expect(kv(['--dir', 'jsonl2', 'import', '-'], JSON.stringify({ key: 'plain', deleted: true }) + '\n').code).toBe(0);
    expect(kv(['--dir', 'jsonl2', 'get', 'plain']).code).toBe(1);
  });

  // A file that is no regular file is read once, as "-" is (a copy kept for the second pass): before, the
  // second pass found /dev/stdin's pipe empty ("changed while it was imported", exit 3) and waited for a
  // FIFO's next writer.
  it('import /dev/stdin from a pipe, and a FIFO written once (as bash\'s <(…) gives), imports every line', async () => {
    const lines = ['{"key":"a","value":"1"}', '{"key":"b","value":"2"}', ''].join('\n');
    const piped = kv(['--dir', 'devstdin', 'import', '/dev/stdin'], lines);
    expect([piped.code, piped.out, piped.err]).toEqual([0, 'Imported 2 lines\n', '']);
    expect(kv(['--dir', 'devstdin', 'list']).out).toBe('a\nb\n');

    const fifo = path.join(cwd, 'lines.fifo');
    spawnSync('mkfifo', [fifo]);
    const child = spawn(process.execPath, [BIN, '--dir', 'fromfifo', 'import', fifo], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const ended = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Written once, then closed (the writer goes, as a program feeding a FIFO does).
    await new Promise<void>((resolve, reject) => fs.createWriteStream(fifo).on('error', reject).end(lines, resolve));
    // Waiting for a second writer, it would never end: it is stopped after 20 s.
    const stopper = setTimeout(() => child.kill('SIGKILL'), 20_000);
    expect(await ended).toBe(0);
    clearTimeout(stopper);
    expect(out).toBe('Imported 2 lines\n');
    expect(kv(['--dir', 'fromfifo', 'list']).out).toBe('a\nb\n');
  });

  it('serve on a port that is taken says so once, in words, with exit 3', async () => {
    const taken = net.createServer();
    await new Promise<void>((done) => taken.listen(0, '127.0.0.1', done));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      kv(['--dir', 'port-taken', 'set', 'a', 'b']);
      // Asynchronously: the port is held by this process, whose event loop must go on answering.
      const r = await new Promise<{ code: number | null; err: string }>((done) => {
        const child = spawn(process.execPath, [BIN, 'serve', 'port-taken', '--port', String(port)], { cwd });
        let err = '';
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('close', (code) => done({ code, err }));
      });
      expect(r).toEqual({ code: 3, err: `kvscope: port ${port} on 127.0.0.1 is already in use (choose another with --port, or 0 for any free port)\n` });
    } finally {
      taken.close();
    }
  });

  // A closed terminal (SIGHUP) killed serve at once, leaving the LOCK of a store the page had opened read-write.
  it('serve --read-write, stopped by SIGINT, SIGTERM or SIGHUP, closes the stores it opened (no LOCK left), exit 0', async () => {
    kv(['--dir', 'served', 'set', 'a', 'b']);
    const dir = path.join(cwd, 'served');
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      const child = spawn(process.execPath, [BIN, 'serve', '--read-write', '--port', '0'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('close', (code, sig) => done({ code, signal: sig })));
      const url = new URL(
        await new Promise<string>((resolve) => {
          let out = '';
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            if (out.includes('\n')) resolve(out.trim());
          });
        }),
      );
      const opened = await fetch(new URL('/api/openStore', url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-kvscope-token': url.searchParams.get('token')!, origin: url.origin },
        body: JSON.stringify({ path: dir, readWrite: true }),
      });
      expect(((await opened.json()) as { value: { readOnly: boolean } }).value.readOnly, signal).toBe(false);
      expect(fs.existsSync(path.join(dir, 'LOCK')), signal).toBe(true);
      child.kill(signal);
      expect(await ended, signal).toEqual({ code: 0, signal: null });
      expect(fs.existsSync(path.join(dir, 'LOCK')), signal).toBe(false);
    }
  });

  it('says what is wrong in words of its own: options, arguments, sizes, missing files, a full disk', () => {
    const unknown = kv(['list', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('kvscope: unknown option "--bogus" (a value that starts with "-" goes after "--")');
    expect(kv(['import']).err).toContain('import takes exactly one FILE ("-" for standard input), or --from DIR');
    for (const size of ['1', '5GiB']) {
      const r = kv(['--dir', 'sizes', 'set', 'a', 'b', '--segment-size', size]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`--segment-size: "${size}" is outside 46 bytes to 1GiB`);
    }
    expect(fs.existsSync(path.join(cwd, 'sizes'))).toBe(false);
    const noDir = kv(['serve', 'no-such-dir']);
    expect(noDir).toEqual({ code: 3, out: '', err: 'kvscope: no-such-dir: not a directory (or it does not exist)\n' });
    const missing = kv(['--dir', 'msgs', 'import', 'no-such-file.jsonl']);
    expect(missing.code).toBe(3);
    expect(missing.err).toMatch(/^kvscope: ENOENT: no such file or directory/);
    // A byte order mark before the first line is not part of it.
    expect(kv(['--dir', 'msgs', 'import', '-'], Buffer.from('\uFEFF{"key":"k","value":"v"}\n', 'utf8')).code).toBe(0);
    expect(kv(['--dir', 'msgs', 'get', 'k']).out).toBe('v\n');
    if (fs.existsSync('/dev/full')) {
      const fd = fs.openSync('/dev/full', 'w');
      try {
        const r = spawnSync(process.execPath, [BIN, '--dir', 'msgs', 'export'], { cwd, stdio: ['pipe', fd, 'pipe'], timeout: 30_000 });
        expect(r.status).toBe(3);
        expect(r.stderr.toString()).toBe('kvscope: cannot write the output: ENOSPC: no space left on device, write\n');
      } finally {
        fs.closeSync(fd);
      }
    }
  });

  it('get writes a value that is not UTF-8 as its own bytes', () => {
    const value = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0a, 0xc3]);
    const line = JSON.stringify({ key: 'bin', value: { base64: value.toString('base64') } });
    expect(kv(['--dir', 'rawget', 'import', '-'], line + '\n').code).toBe(0);
    const r = spawnSync(process.execPath, [BIN, '--dir', 'rawget', 'get', 'bin'], { cwd, timeout: 30_000 });
    expect(r.status).toBe(0);
    expect(r.stdout.equals(Buffer.concat([value, Buffer.from('\n')]))).toBe(true);
    expect(kv(['--dir', 'rawget', 'set', 'text', 'héllo']).code).toBe(0);
    expect(kv(['--dir', 'rawget', 'get', 'text']).out).toBe('héllo\n');
  });

  it('demo --json says what it made, on stdout', () => {
    const made = JSON.parse(kv(['demo', 'demo-json', '--json']).out) as { keys: number; segments: number };
    const stats = JSON.parse(kv(['stats', '--dir', 'demo-json', '--json']).out) as { keys: number; segments: number };
    expect(made).toEqual({ dir: 'demo-json', created: true, keys: stats.keys, segments: stats.segments });
    expect(stats.keys).toBeGreaterThan(1000);
    expect(JSON.parse(kv(['demo', 'demo-json', '--json']).out)).toEqual({ dir: 'demo-json', created: false });
  });

  it('--key-hex reaches a key that is not text: set, get, history, delete', () => {
    const d = ['--dir', 'hexkeys'];
    expect(kv([...d, 'set', '--key-hex', '00ff0a5c', 'binary', 'key'])).toEqual({ code: 0, out: 'OK\n', err: '' });
    expect(kv([...d, 'list']).out).toBe('\\x00\\xff\\x0a\\\\\n');
    expect(kv([...d, 'get', '00ff0a5c', '--key-hex']).out).toBe('binary key\n');
    expect(JSON.parse(kv([...d, 'get', '--key-hex', '00FF0A5C', '--json']).out)).toEqual({ key: { base64: Buffer.from('00ff0a5c', 'hex').toString('base64') }, value: 'binary key' });
    expect(JSON.parse(kv([...d, 'history', '--key-hex', '00ff0a5c', '--json']).out)).toHaveLength(1);
    expect(kv([...d, 'get', '00ff0a5c']).code).toBe(1); // as text, another key
    expect(kv([...d, 'get', '--key-hex', '0f0']).code).toBe(2);
    expect(kv([...d, 'delete', '--key-hex', '00ff0a5c'])).toEqual({ code: 0, out: 'Deleted\n', err: '' });
    expect(kv([...d, 'list']).out).toBe('');
  });

  it('a reader says nothing of a hint it did not use (time, not data); a writer says it, as it writes the hint again', () => {
    const d = ['--dir', 'hint-gone', '--segment-size', '1k'];
    const lines = Array.from({ length: 60 }, (_, i) => JSON.stringify({ key: `k${i}`, value: 'v'.repeat(40) })).join('\n');
    expect(kv([...d, 'import', '-'], lines + '\n').code).toBe(0);
    fs.rmSync(path.join(cwd, 'hint-gone', '000001.hint'));
    fs.rmSync(path.join(cwd, 'hint-gone', 'KEYDIR'));
    for (const command of [['list'], ['stats'], ['export'], ['get', 'k1']]) expect(kv([...d, ...command]), command.join(' ')).toMatchObject({ code: 0, err: '' });
    const writer = kv([...d, 'set', 'k1', 'again']);
    expect(writer.code).toBe(0);
    expect(writer.err).toContain('kvscope: recovery: read from the data instead: 000001.hint: missing');
  });

  it('list and scan print no two keys alike: a text key holding a backslash is escaped too', () => {
    const d = ['--dir', 'backslash-keys'];
    kv([...d, 'set', 'a\\xff', 'text']); // the six characters a \ x f f
    kv([...d, 'set', '--key-hex', '61ff', 'bytes']); // a, then the byte 0xff
    expect(kv([...d, 'list']).out).toBe('a\\\\xff\na\\xff\n');
    expect(kv([...d, 'scan']).out).toBe('a\\\\xff\ttext\na\\xff\tbytes\n');
  });

  it('exports thousands of keys through a pipe whole, in key order', () => {
    // Several hundred kilobytes of lines (under spawnSync's 1 MiB limit): the CLI writes them to a pipe in
    // 64 KiB chunks (src/cli/output.ts).
    const input: string[] = [];
    for (let i = 0; i < 4000; i++) input.push(JSON.stringify({ key: `k${String(i).padStart(5, '0')}`, value: `value ${i} ${'x'.repeat(i % 300)}` }));
    expect(kv(['--dir', 'thousands', 'import', '-'], input.join('\n') + '\n').code).toBe(0);
    const out = kv(['--dir', 'thousands', 'export']);
    expect(out.code).toBe(0);
    expect(out.out.length).toBeGreaterThan(500_000);
    expect(out.out).toBe(input.join('\n') + '\n');
  });

  it('import --from a kvscope store copies every live key, over several batches', async () => {
    // 25,000 keys: three of the import's 10,000-key batches. The first batch ends at "b"; the next must
    // start at "b\x00", the next possible key, and not skip it.
    const source = path.join(cwd, 'from-source');
    const s = await Store.open(source, { create: true, fsync: 'never', segmentSize: 256 * 1024 });
    const entries: Array<[Buffer, Buffer]> = [];
    for (let i = 0; i < 9_999; i++) entries.push([Buffer.from(`a${String(i).padStart(5, '0')}`), Buffer.from(`value ${i}`)]);
    entries.push([Buffer.from('b'), Buffer.from('b alone')], [Buffer.from('b\x00'), Buffer.from('b and a zero byte')], [Buffer.from('b\x00\x00'), Buffer.from([0xff, 0])]);
    for (let i = 0; i < 14_998; i++) entries.push([Buffer.from(`c${String(i).padStart(5, '0')}`), Buffer.from(`later ${i}`)]);
    for (let i = 0; i < entries.length; i += 5_000) await s.batch(entries.slice(i, i + 5_000).map(([key, value]) => ({ type: 'put' as const, key, value })));
    await s.delete('a00007');
    await s.close();
    const r = kv(['import', '--from', 'from-source', '--dir', 'from-target']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(`Imported ${entries.length - 1} keys from kvscope directory from-source\n`);
    const copy = await Store.open(path.join(cwd, 'from-target'), { readOnly: true });
    try {
      const got = await copy.scan();
      const want = entries.filter(([key]) => key.toString() !== 'a00007').sort(([a], [b]) => Buffer.compare(a, b));
      expect(got.map((e) => e.key.toString('hex'))).toEqual(want.map(([key]) => key.toString('hex')));
      expect(got.every((e, i) => e.value.equals(want[i]![1]))).toBe(true);
    } finally {
      await copy.close();
    }
  });

  it('import cuts its batches at the segment size: large values do not make one segment of them all', () => {
    const lines = Array.from({ length: 10 }, (_, i) => JSON.stringify({ key: `big:${i}`, value: String(i).repeat(1000) }));
    fs.writeFileSync(path.join(cwd, 'big.jsonl'), `${lines.join('\n')}\n`);
    const sizes = (dir: string): number[] => (JSON.parse(kv(['--dir', dir, 'stats', '--json']).out) as { perSegment: Array<{ bytes: number }> }).perSegment.map((s) => s.bytes);
    expect(kv(['import', 'big.jsonl', '--dir', 'big-import', '--segment-size', '4k'])).toMatchObject({ code: 0, out: 'Imported 10 lines\n' });
    // 10 records of 1,027 bytes: three a segment, each within 4 KiB (one batch of all ten made one segment of 10,294 bytes).
    expect(sizes('big-import')).toEqual([3105, 3105, 3105, 1051]);
    expect(kv(['import', '--from', 'big-import', '--dir', 'big-copy', '--segment-size', '4k'])).toMatchObject({ code: 0 });
    expect(sizes('big-copy')).toEqual([3105, 3105, 3105, 1051]);
    expect(kv(['--dir', 'big-copy', 'get', 'big:9']).out).toBe(`${'9'.repeat(1000)}\n`);
  });

  it('a bad last line of a long import imports nothing; standard input is spooled to a temporary file that goes', () => {
    // 25,000 good lines (more than one of the import's batches), then a bad one.
    const good = Array.from({ length: 25_000 }, (_, i) => JSON.stringify({ key: `long:${i}`, value: `v${i}` }));
    const input = `${good.join('\n')}\n{"key":"last","value":{"base64":"not base64!"}}\n`;
    fs.writeFileSync(path.join(cwd, 'long.jsonl'), input);
    const fromFile = kv(['--dir', 'longimport', 'import', 'long.jsonl']);
    expect(fromFile.code).toBe(2);
    // Prefixed as every other message is (before, the line began with the file name).
    expect(fromFile.err).toBe('kvscope: long.jsonl:25001: "value" is not valid base64; nothing was imported\n');
    const spoolParent = fs.mkdtempSync(path.join(os.tmpdir(), 'kvscope-spool-test-'));
    try {
      const fromStdin = spawnSync(process.execPath, [BIN, '--dir', 'longimport', 'import', '-'], { cwd, input, timeout: 60_000, env: { ...process.env, TMPDIR: spoolParent } });
      expect(fromStdin.status).toBe(2);
      expect(fromStdin.stderr.toString()).toContain('-:25001:');
      expect(kv(['--dir', 'longimport', 'list']).out).toBe('');
      // A good import through standard input: all of it, and no spool left behind.
      const ok = spawnSync(process.execPath, [BIN, '--dir', 'longimport', 'import', '-'], { cwd, input: `${good.join('\n')}\n`, timeout: 60_000, env: { ...process.env, TMPDIR: spoolParent } });
      expect(ok.status, ok.stderr.toString()).toBe(0);
      expect(ok.stdout.toString()).toBe('Imported 25000 lines\n');
      expect(lines(kv(['--dir', 'longimport', 'list']).out)).toHaveLength(25_000);
      // (Only kvscope's own spool is looked for: running from source, tsx keeps its cache in TMPDIR too.)
      expect(fs.readdirSync(spoolParent).filter((name) => name.startsWith('kvscope-import-'))).toEqual([]);
    } finally {
      fs.rmSync(spoolParent, { recursive: true, force: true });
    }
  });

  it('a bad line imports nothing and exits 2', () => {
    const r = kv(['--dir', 'badimport', 'import', '-'], '{"key":"a","value":"1"}\nnot json\n');
    expect(r.code).toBe(2);
    expect(r.err).toContain(':2:');
    expect(kv(['--dir', 'badimport', 'get', 'a']).code).not.toBe(0);
  });
});

describe('REPL through a pipe', () => {
  it('keeps stdout and stderr lines in the order written when both go to one file', () => {
    const file = path.join(cwd, 'both.txt');
    const fd = fs.openSync(file, 'w');
    try {
      const r = spawnSync(process.execPath, [BIN, '--dir', 'ordered', 'repl'], { cwd, input: 'set a 1\nget nope\nget a\ndelete nope\nget a\n', stdio: ['pipe', fd, fd], timeout: 30_000 });
      // Lines failed (Key not found): a piped session then exits 1.
      expect(r.status).toBe(1);
    } finally {
      fs.closeSync(fd);
    }
    expect(fs.readFileSync(file, 'utf8')).toBe('OK\nKey not found\n1\nKey not found\n1\n');
  });


  /** The "Example Session" block of the mini-kvstore-v2 README: "> " lines are input, the rest output. */
  function exampleSession(): { input: string; output: string } {
    const md = fs.readFileSync(SEED, 'utf8');
    const m = /### Example Session\s*```[^\n]*\n([\s\S]*?)```/.exec(md);
    if (!m) throw new Error('no example session in the seed README');
    const input: string[] = [];
    const output: string[] = [];
    for (const line of m[1]!.split('\n')) {
      if (line.startsWith('> ')) input.push(line.slice(2));
      else if (line !== '') output.push(line);
    }
    return { input: input.join('\n') + '\n', output: output.join('\n') + '\n' };
  }

  it('reproduces the example session exactly on stdout (no prompt, no banner)', () => {
    const { input, output } = exampleSession();
    expect(input).toContain('set name Alice');
    const r = kv(['--dir', 'repl-session', 'repl'], input);
    expect(r.code).toBe(0);
    expect(r.out).toBe(output);
    expect(r.err).not.toContain('> ');
  });

  it('takes keys and values with spaces in quotes; an unterminated quote is an error, the line not run', () => {
    const input = [`set "x y" z`, `get "x y"`, `set 'a b' "two  spaces"`, `get a\\ b`, `set bad "open`, `get x y`, 'list', ''].join('\n');
    const r = kv(['--dir', 'repl-quotes', 'repl'], input);
    expect(r.out).toBe('OK\nz\nOK\ntwo  spaces\nKeys (2):\n  a b\n  x y\n');
    expect(r.err).toContain('Error: unterminated " quote at column 9');
    expect(r.err).toContain('Usage: get <key>'); // two words: not the key "x"
    expect(r.code).toBe(1); // a piped session in which a line failed
    expect(kv(['--dir', 'repl-quotes', 'get', 'x y']).out).toBe('z\n');
    expect(kv(['--dir', 'repl-quotes', 'get', '"x']).code).toBe(1);
  });

  it('joins the words of a value and keeps the store across sessions', () => {
    const r = kv(['repl', '--dir', 'repl-words'], 'set greeting hello world\nget greeting\n');
    expect(r).toMatchObject({ code: 0, out: 'OK\nhello world\n' });
    expect(kv(['--dir', 'repl-words', 'get', 'greeting']).out).toBe('hello world\n');
    const again = kv(['--dir', 'repl-words', 'repl'], 'get greeting\nget nothing\ndelete greeting\nlist\nexit\nget greeting\n');
    expect(again.out).toBe('hello world\nDeleted\nKeys (0):\n');
    expect(again.err).toContain('Key not found');
  });
});
