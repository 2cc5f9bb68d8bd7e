/**
 * `kvscope stats`: segment headers are overhead, not dead data (a store of
 * live keys is 1.00x, as compact finds nothing to do); the data's size and
 * the files' (a running writer's preallocated zeros) are told apart.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { kvscope, tempDirs } from '../formats/helpers.js';

const temps = tempDirs();

describe('stats: overhead and file bytes', () => {
  it('a store of live keys in several segments: no dead data, 1.00x, headers as overhead', async () => {
    const dir = path.join(temps.empty('kvscope-stats-'), 'store');
    const lines = Array.from({ length: 20 }, (_, i) => JSON.stringify({ key: `key-${i}`, value: `value ${i}` })).join('\n') + '\n';
    const input = path.join(path.dirname(dir), 'in.jsonl');
    fs.writeFileSync(input, lines);
    expect((await kvscope(['import', input, '--dir', dir, '--segment-size', '300', '--fsync', 'never'])).code).toBe(0);
    const stats = (await kvscope(['stats', '--dir', dir])).out.join('\n').split('\n');
    const segments = Number(/Segments:\s+(\d+)/.exec(stats.join('\n'))![1]);
    expect(segments).toBeGreaterThan(1);
    expect(stats).toContain('Dead data:           0 B');
    expect(stats).toContain('Space amplification: 1.00x');
    expect(stats).toContain(`Overhead:            ${segments * 24} B (segment headers)`);
    expect((await kvscope(['compact', '--dir', dir])).out[0]).toMatch(/^Nothing to compact/);
  });

  it("a running writer's preallocated space: data bytes, and the bytes on disk beside them", async () => {
    const dir = path.join(temps.empty('kvscope-stats-'), 'store');
    const writer = await Store.open(dir, { create: true, fsync: 'always' });
    try {
      await writer.put('k', 'v');
      const onDisk = fs.statSync(path.join(dir, '000001.data')).size;
      const stats = await kvscope(['stats', '--dir', dir, '--read-only']);
      expect(stats.out.join('\n')).toContain(`(${24 + 22 + 2} bytes of data; ${onDisk} bytes on disk with preallocated space)`);
      expect(stats.out.join('\n')).toMatch(new RegExp(`000001\\.data +48 B +1 records +\\(${onDisk} B on disk\\)`));
    } finally {
      await writer.close();
    }
  });
});
