/**
 * Shared helpers for the format tests: fixture discovery (by walking the
 * fixtures folder, never a hard-coded list), expected live keys, temp copies
 * and content hashes.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach } from 'vitest';
import { main } from '../../src/cli/main.js';
import { SHARED_DIR } from '../shared-dir.js';

export const FIXTURES = `${SHARED_DIR}/fixtures`;

export interface FixtureCase {
  /** "engine/case" */
  name: string;
  engine: string;
  /** The data/ folder the real program ran in. */
  dataDir: string;
  expected: ExpectedJson;
}

type JsonValue = string | { base64: string };

export interface ExpectedJson {
  live: Record<string, JsonValue>;
  notes?: string | string[];
}

/** Every <engine>/<case>/ that has both data/ and expected.json. */
export function discoverFixtures(): FixtureCase[] {
  const cases: FixtureCase[] = [];
  if (!fs.existsSync(FIXTURES)) return cases;
  for (const engine of fs.readdirSync(FIXTURES).sort()) {
    const engineDir = path.join(FIXTURES, engine);
    if (!fs.statSync(engineDir).isDirectory()) continue;
    for (const c of fs.readdirSync(engineDir).sort()) {
      const dataDir = path.join(engineDir, c, 'data');
      const expectedPath = path.join(engineDir, c, 'expected.json');
      if (!fs.existsSync(dataDir) || !fs.existsSync(expectedPath)) continue;
      const expected = JSON.parse(fs.readFileSync(expectedPath, 'utf8')) as ExpectedJson;
      cases.push({ name: `${engine}/${c}`, engine, dataDir, expected });
    }
  }
  return cases;
}

function bytesOf(v: JsonValue): Buffer {
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v.base64, 'base64');
}

/**
 * expected.json's `live` as key string (latin1 of the key bytes) -> value
 * bytes. Keys that are not UTF-8 would be given as base64 JSON (an object
 * key cannot be one), so every key here is UTF-8 text.
 */
export function expectedLive(expected: ExpectedJson): Map<string, Buffer> {
  const live = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(expected.live)) live.set(Buffer.from(k, 'utf8').toString('latin1'), bytesOf(v));
  return live;
}

/** A fresh writable temp copy of a directory tree. */
export function copyToTemp(src: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvscope-formats-'));
  fs.cpSync(src, dir, { recursive: true });
  // Fixtures are read-only on disk; make the copy writable so tests can damage it.
  for (const f of walk(dir)) fs.chmodSync(f, 0o644);
  for (const d of walkDirs(dir)) fs.chmodSync(d, 0o755);
  return dir;
}

export function removeTemp(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * For a test file: temp dirs removed after the test that made them, empty
 * ones and writable copies of a fixture's data/ folder.
 */
export function tempDirs(): { fixture: (fixture: string) => string; empty: (prefix: string) => string } {
  const temps: string[] = [];
  afterEach(() => {
    while (temps.length > 0) removeTemp(temps.pop()!);
  });
  const kept = (dir: string): string => (temps.push(dir), dir);
  return {
    fixture: (fixture) => kept(copyToTemp(path.join(FIXTURES, fixture, 'data'))),
    empty: (prefix) => kept(fs.mkdtempSync(path.join(os.tmpdir(), prefix))),
  };
}

/**
 * A copy (from `temps`) of mini-kvstore-v2's legacy-b22e80f-crc with the first
 * record of segment_0.log damaged (a key byte of "user"): the 0.1-era program
 * stops reading the segment there, so its five later records are never read.
 */
export function b22e80fWithDamagedFirstRecord(temps: ReturnType<typeof tempDirs>): string {
  const dir = temps.fixture('mini-kvstore-v2/legacy-b22e80f-crc');
  const seg = path.join(dir, 'data', 'segments', 'segment_0.log');
  const bytes = fs.readFileSync(seg);
  bytes[9] ^= 0xff;
  fs.writeFileSync(seg, bytes);
  return dir;
}

/** The CLI run in this process (src/cli/main.ts), its stdout and stderr lines gathered. */
export async function kvscope(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t), stdin: new PassThrough() });
  return { code, out, err };
}

export function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

function walkDirs(dir: string): string[] {
  const out: string[] = [dir];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...walkDirs(path.join(dir, e.name)));
  }
  return out;
}

/** sha256 + size + mtime of every file under a directory, for "nothing changed" checks. */
export function hashTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of walk(dir)) {
    const st = fs.statSync(f);
    const hash = createHash('sha256').update(fs.readFileSync(f)).digest('hex');
    out.set(path.relative(dir, f), `${hash} ${st.size} ${st.mtimeMs}`);
  }
  return out;
}
