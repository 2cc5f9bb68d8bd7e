/**
 * Every fixture written by a real program, through the CLI with the format
 * named on the command line: `kvscope --format <id> --dir <data> list / get /
 * scan / dump / verify` show exactly the live keys and values the program
 * itself reported (expected.json). The CLI's own main() runs in-process, with
 * its output captured, so the 16 fixtures take seconds, not minutes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { detectFormat } from '../../src/engine/formats/registry.js';
import { discoverFixtures, expectedLive, hashTree } from '../formats/helpers.js';

async function kvscope(argv: string[], input?: string): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const stdin = new PassThrough();
  if (input !== undefined) stdin.end(input);
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t), stdin });
  return { code, out, err };
}

function jsonBytes(v: string | { base64: string }): Buffer {
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v.base64, 'base64');
}

const cases = discoverFixtures();

describe('import --from every fixture', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s: a new kvscope store holds exactly its live keys; the source is unchanged', async (_name, c) => {
    const before = hashTree(c.dataDir);
    const target = fs.mkdtempSync(path.join(os.tmpdir(), 'kvscope-import-from-'));
    try {
      const dir = path.join(target, 'store');
      const r = await kvscope(['import', '--from', c.dataDir, '--dir', dir]);
      expect(r.code, r.err.join('\n')).toBe(0);
      const scan = await kvscope(['scan', '--json', '--dir', dir]);
      const got = new Map(
        scan.out.map((line) => {
          const { key, value } = JSON.parse(line) as { key: string | { base64: string }; value: string | { base64: string } };
          return [jsonBytes(key).toString('latin1'), jsonBytes(value)] as const;
        }),
      );
      expect(got).toEqual(expectedLive(c.expected));
    } finally {
      fs.rmSync(target, { recursive: true, force: true });
    }
    expect(hashTree(c.dataDir)).toEqual(before);
  });
});

describe('CLI on every fixture, with --format', () => {
  it('finds the fixtures', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: list, get, scan, dump and verify match expected.json', async (_name, c) => {
    const before = hashTree(c.dataDir);
    const format = detectFormat(c.dataDir)[0]!.format;
    const live = expectedLive(c.expected);
    const common = ['--format', format, '--dir', c.dataDir];

    const list = await kvscope(['list', '--json', ...common]);
    expect(list.code, list.err.join('\n')).toBe(0);
    const keys = (JSON.parse(list.out.join('')) as Array<string | { base64: string }>).map((k) => jsonBytes(k).toString('latin1'));
    expect(keys).toEqual([...live.keys()].sort());
    // A prefix (typed as text: the first two bytes of a key, when they are printable ASCII) and a limit.
    const prefix = keys.find((k) => /^[\x20-\x7e]{2}/.test(k))?.slice(0, 2);
    if (prefix !== undefined) {
      const some = await kvscope(['list', '--json', '--prefix', prefix, '--limit', '2', ...common]);
      const got = (JSON.parse(some.out.join('')) as Array<string | { base64: string }>).map((k) => jsonBytes(k).toString('latin1'));
      expect(got).toEqual(keys.filter((k) => k.startsWith(prefix)).slice(0, 2));
    }

    const scan = await kvscope([...common, 'scan', '--json']);
    expect(scan.code).toBe(0);
    const scanned = new Map(
      scan.out.map((line) => {
        const { key, value } = JSON.parse(line) as { key: string | { base64: string }; value: string | { base64: string } };
        return [jsonBytes(key).toString('latin1'), jsonBytes(value)] as const;
      }),
    );
    expect(scanned).toEqual(live);

    // get, with the key as text on the command line (every fixture key is UTF-8 text).
    const [someKey, someValue] = [...live.entries()].find(([k]) => k !== '') ?? [];
    if (someKey !== undefined) {
      const got = await kvscope(['get', Buffer.from(someKey, 'latin1').toString('utf8'), ...common, '--json']);
      expect(got.code).toBe(0);
      expect(jsonBytes((JSON.parse(got.out[0]!) as { value: string | { base64: string } }).value)).toEqual(someValue);
    }
    const missing = await kvscope(['get', 'no such key \u0001', ...common]);
    expect(missing).toMatchObject({ code: 1, out: [], err: ['Key not found'] });

    const dump = await kvscope(['dump', ...common, '--json']);
    expect(dump.code).toBe(0);
    const records = dump.out.map((l) => JSON.parse(l) as { kind: string; status: string; offset: number });
    expect(records.filter((r) => r.kind === 'put' || r.kind === 'delete').length).toBeGreaterThanOrEqual(live.size);

    const verify = await kvscope(['verify', ...common]);
    expect(verify.code, verify.out.join('\n')).toBe(0);

    // Only looked at: not a byte changed.
    expect(hashTree(c.dataDir)).toEqual(before);
  });

  it.each(cases.map((c) => [c.name, c] as const))(
    '%s: no command writes a kvscope store into it: the REPL reads it, import --from and demo refuse it',
    async (_name, c) => {
      const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'kvscope-foreign-'));
      try {
        fs.cpSync(c.dataDir, copy, { recursive: true });
        const before = hashTree(copy);
        const live = expectedLive(c.expected);
        // The REPL opens any format: the reading commands answer, the writing ones say why they cannot.
        const repl = await kvscope(['repl', '--dir', copy], 'list\nset k v\ndelete k\ncompact\nstats\nquit\n');
        expect(repl.out[0]).toBe(`Keys (${live.size}):`);
        expect(repl.out.slice(1, 1 + live.size)).toHaveLength(live.size);
        expect(repl.out.join('\n')).toContain(`Keys:                ${live.size}`);
        expect(repl.err.filter((l) => /read-only in kvscope/.test(l))).toHaveLength(3);
        expect(repl.code).toBe(1);
        const source = fs.mkdtempSync(path.join(os.tmpdir(), 'kvscope-source-'));
        try {
          expect((await kvscope(['set', 'a', 'b', '--dir', source])).code).toBe(0);
          const into = await kvscope(['import', '--from', source, '--dir', copy]);
          expect(into.code).toBe(3);
          // Which directory, and the import that would copy it (before: "cannot import into it: …", its hint this very command).
          const root = copy.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          expect(into.err.join('\n')).toMatch(
            new RegExp(`^kvscope: cannot import: (${root}\\S*) is a \\S+ directory, read-only in kvscope \\(to change its data, copy it into a kvscope store: kvscope -d NEW_DIR import --from \\1\\)$`),
          );
        } finally {
          fs.rmSync(source, { recursive: true, force: true });
        }
        const demo = await kvscope(['demo', copy]);
        expect(demo.code).toBe(3);
        expect(demo.err.join('\n')).toMatch(/not empty/);
        // Not even when told the directory is a kvscope store: a new store is made only in an empty directory.
        const lines = path.join(os.tmpdir(), `kvscope-lines-${process.pid}.jsonl`);
        fs.writeFileSync(lines, JSON.stringify({ key: 'k', value: 'v' }) + '\n');
        try {
          for (const args of [['set', 'k', 'v'], ['delete', 'k'], ['compact'], ['import', lines], ['repl']]) {
            const r = await kvscope(['--format', 'kvscope', '--dir', copy, ...args], 'set k v\nquit\n');
            expect(r.code, args.join(' ')).toBe(3);
            expect(r.err.join('\n'), args.join(' ')).toMatch(/is not a kvscope store: .*a new store is made only in an empty directory/);
          }
        } finally {
          fs.rmSync(lines, { force: true });
        }
        expect(hashTree(copy)).toEqual(before);
        expect(detectFormat(copy)[0]!.format).toBe(detectFormat(c.dataDir)[0]!.format);
      } finally {
        fs.rmSync(copy, { recursive: true, force: true });
      }
    },
  );

  it('import --from refuses to import a directory into itself or into a directory inside it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvscope-self-'));
    try {
      expect((await kvscope(['set', 'a', 'b', '--dir', dir])).code).toBe(0);
      const before = hashTree(dir);
      for (const target of [dir, path.join(dir, 'inside')]) {
        const r = await kvscope(['import', '--from', dir, '--dir', target]);
        expect(r.code).toBe(2);
        expect(r.err.join('\n')).toMatch(/overlap/);
      }
      expect(hashTree(dir)).toEqual(before);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to write to a foreign directory with a clear error and exit 3', async () => {
    const c = cases.find((x) => x.engine === 'riak-bitcask')!;
    const r = await kvscope(['set', 'k', 'v', '--dir', c.dataDir]);
    expect(r.code).toBe(3);
    expect(r.err.join('\n')).toMatch(/read-only/);
  });
});
