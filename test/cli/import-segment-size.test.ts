/**
 * import gathers atomic batches, and a batch never spans segments: each one
 * fills what is left of the active segment, or a new one, so no segment goes
 * past --segment-size (set never did; import made 528-535 B segments of a
 * 512 B size, counting neither the header nor what the segment held).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { kvscope } from './run-cli.js';

const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'kvscope-import-size-'));
afterAll(() => fs.rmSync(cwd, { recursive: true, force: true }));

it('no segment an import writes goes past --segment-size, and every key is there', () => {
  const lines = Array.from({ length: 100 }, (_, i) => JSON.stringify({ key: `key-${String(i).padStart(3, '0')}`, value: `value number ${i} `.padEnd(70, '.') }));
  fs.writeFileSync(path.join(cwd, 'in.jsonl'), lines.join('\n') + '\n');
  // Something in the active segment first: the first batch must count it.
  expect(kvscope(cwd, ['-d', 's', '--segment-size', '512', 'set', 'first', 'x'.repeat(100)]).code).toBe(0);
  const run = kvscope(cwd, ['-d', 's', '--segment-size', '512', 'import', 'in.jsonl']);
  expect(run.code, run.err).toBe(0);
  const sizes = fs.readdirSync(path.join(cwd, 's')).filter((n) => n.endsWith('.data')).map((n) => fs.statSync(path.join(cwd, 's', n)).size);
  expect(sizes.length).toBeGreaterThan(5);
  for (const size of sizes) expect(size).toBeLessThanOrEqual(512);
  expect(kvscope(cwd, ['-d', 's', 'list']).out.trim().split('\n')).toHaveLength(101);
});
