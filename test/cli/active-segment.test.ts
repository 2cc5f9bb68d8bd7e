/**
 * Which data file stats and segments mark active: the one writes go to. A
 * kvscope writer (the REPL, read-write) marks the segment it holds; read-only,
 * the same segment is marked, the one the next writer appends to (none when
 * a writer would start a new one). Riak's writer never appends to an existing
 * file once reopened: the file is the one bitcask.write.lock names while a
 * writer holds it, else none (not a merge's output, numbered above the file
 * that was active).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { flipByte } from '../engine/helpers.js';
import { kvscope, tempDirs } from '../formats/helpers.js';

const temps = tempDirs();

/** The files each read-only output marks active: stats and segments, as text and as JSON. */
async function markedReadOnly(dir: string): Promise<Record<string, string[]>> {
  const run = async (args: string[]) => {
    const r = await kvscope([...args, '--dir', dir, '--read-only']);
    expect(r.code).toBe(0);
    return r.out.join('\n');
  };
  const fromText = (text: string) => text.split('\n').filter((l) => l.includes('(active)')).map((l) => l.trim().split(/\s+/)[0]!);
  const statsJson = JSON.parse(await run(['stats', '--json'])) as { perSegment: Array<{ file: string; active: boolean }> };
  const segmentsJson = JSON.parse(await run(['segments', '--json'])) as { files: Array<{ file: string; active: boolean }> };
  return {
    stats: fromText(await run(['stats'])),
    statsJson: statsJson.perSegment.filter((s) => s.active).map((s) => s.file),
    segments: fromText(await run(['segments'])),
    segmentsJson: segmentsJson.files.filter((f) => f.active).map((f) => f.file),
  };
}

function everyOutput(files: string[]): Record<string, string[]> {
  return { stats: files, statsJson: files, segments: files, segmentsJson: files };
}

/** The segment a writer opened now holds (what the REPL's stats mark). */
async function writersActive(dir: string): Promise<string> {
  const writer = await Store.open(dir);
  try {
    const active = writer.stats().perSegment.filter((s) => s.active);
    expect(active).toHaveLength(1);
    return active[0]!.file;
  } finally {
    await writer.close();
  }
}

async function importedStore(lines: number, keys: number): Promise<string> {
  const dir = path.join(temps.empty('kvscope-active-'), 'store');
  const input = path.join(path.dirname(dir), 'in.jsonl');
  fs.writeFileSync(input, Array.from({ length: lines }, (_, i) => JSON.stringify({ key: `key-${i % keys}`, value: `value ${i} of a few bytes` })).join('\n') + '\n');
  expect((await kvscope(['import', input, '--dir', dir, '--segment-size', '400', '--fsync', 'never'])).code).toBe(0);
  return dir;
}

describe('kvscope store: read-only marks the segment a writer appends to', () => {
  it('several segments: every output marks the newest, the one the writer then holds', async () => {
    const dir = await importedStore(30, 30);
    const marked = await markedReadOnly(dir);
    expect(marked).toEqual(everyOutput(['000005.data']));
    expect(await writersActive(dir)).toBe('000005.data');
  });

  it('after a compaction: the empty segment writes go to, not the compaction outputs numbered above it', async () => {
    const dir = await importedStore(40, 8);
    expect((await kvscope(['compact', '--dir', dir])).code).toBe(0);
    const marked = await markedReadOnly(dir);
    const writer = await writersActive(dir);
    expect(marked).toEqual(everyOutput([writer]));
    const ids = fs.readdirSync(dir).filter((n) => n.endsWith('.data')).sort();
    expect(ids.at(-1)).not.toBe(writer);
  });

  it('a damaged newest segment: none is marked, a writer starts a new one', async () => {
    const dir = await importedStore(30, 30);
    for (const n of fs.readdirSync(dir)) if (n.endsWith('.hint') || n === 'KEYDIR') fs.rmSync(path.join(dir, n));
    flipByte(path.join(dir, '000005.data'), fs.statSync(path.join(dir, '000005.data')).size - 2);
    expect(await markedReadOnly(dir)).toEqual(everyOutput([]));
    expect(await writersActive(dir)).toBe('000006.data');
  });
});

describe('Riak Bitcask: the file its writer appends to', () => {
  it('merged, closed: no file (a writer starts file 6), not the merge output 5', async () => {
    const dir = temps.fixture('riak-bitcask/merged');
    expect(await markedReadOnly(dir)).toEqual(everyOutput([]));
  });

  it('a writer holding the lock: the file bitcask.write.lock names, though the merge output is numbered above it', async () => {
    const dir = temps.fixture('riak-bitcask/merged');
    fs.writeFileSync(path.join(dir, 'bitcask.write.lock'), `4242 ${dir}/4.bitcask.data\n`);
    expect(await markedReadOnly(dir)).toEqual(everyOutput(['4.bitcask.data']));
  });

  it('a lock naming a file that is not there marks none', async () => {
    const dir = temps.fixture('riak-bitcask/basic');
    fs.writeFileSync(path.join(dir, 'bitcask.write.lock'), `4242 ${dir}/5.bitcask.data\n`);
    expect(await markedReadOnly(dir)).toEqual(everyOutput([]));
  });
});
