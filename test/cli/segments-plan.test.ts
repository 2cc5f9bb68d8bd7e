/**
 * `kvscope segments` reads every record of every file, so it knows of damage
 * an open from the keydir image or hints did not see: its compaction dry run
 * says compaction would stop there (it does), instead of promising one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store.js';
import { hashTree, kvscope, tempDirs } from '../formats/helpers.js';

const temps = tempDirs();

describe('segments: the compaction dry run on a damaged store', () => {
  it('says compaction would stop at the damage, as compact does', async () => {
    const dir = path.join(temps.empty('kvscope-plan-'), 'store');
    const store = await Store.open(dir, { create: true, fsync: 'never' });
    for (let i = 0; i < 8; i++) await store.put(`k${i}`, `value ${i}`);
    for (let i = 0; i < 4; i++) await store.put(`k${i}`, `value ${i} again`);
    const at = store.locate('k6')!;
    await store.close();
    const bytes = fs.readFileSync(path.join(dir, at.file));
    bytes[at.offset + at.length - 1]! ^= 0x55;
    fs.writeFileSync(path.join(dir, at.file), bytes);
    const before = hashTree(dir);
    const text = await kvscope(['segments', '--read-only', '--dir', dir]);
    expect(text.code).toBe(0);
    expect(text.out.at(-1)).toBe(
      `Compaction would stop before its commit: ${at.length} damaged byte(s), found reading the records in ${at.file} at offset ${at.offset}; verify shows the damage; repair --to DIR writes a copy without it`,
    );
    const json = await kvscope(['segments', '--read-only', '--json', '--dir', dir]);
    expect(JSON.parse(json.out[0]!).compactionPlan.stops).toMatchObject({ file: at.file, offset: at.offset, starts: true });
    expect(hashTree(dir)).toEqual(before);
    const compact = await kvscope(['compact', '--dir', dir]);
    expect(compact.code).toBe(3);
    expect(compact.err.join('\n')).toContain(`corrupt record in ${at.file} at offset ${at.offset}: the live record of key k6 is damaged`);
  });
});
