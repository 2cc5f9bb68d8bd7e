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

describe('the empty segment a compaction leaves for writes', () => {
  // A compaction of a store whose active segment held records seals it and starts an empty one for writes (below
  // the outputs' ids); nothing compacts that one. Before, compact said "1 → 2 segments" and segments, beside the
  // empty 000002.data it listed, that "no segment is empty".
  it('compact and the segments dry run name it as the one writes go to, not "no segment is empty"', async () => {
    const dir = path.join(temps.empty('kvscope-plan-'), 'store');
    for (const [k, v] of [['a', '1'], ['a', '2'], ['b', '1']]) expect((await kvscope(['set', k!, v!, '--dir', dir])).code).toBe(0);
    const first = await kvscope(['compact', '--dir', dir]);
    expect(first.out).toEqual(['Compaction finished', 'Reclaimed 24 B (120 → 96 bytes), dropped 1 records, 1 → 2 segments (000002.data, the one writes go to, is empty)']);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.data')).sort()).toEqual(['000002.data', '000003.data']);
    const plan = await kvscope(['segments', '--read-only', '--dir', dir]);
    expect(plan.out.at(-1)).toBe('Compaction would do nothing: every record is live, and the only empty segment is 000002.data, the one writes go to');
    const again = await kvscope(['compact', '--json', '--dir', dir]);
    expect(JSON.parse(again.out[0]!)).toMatchObject({ inputSegments: [], emptyActive: '000002.data' });
    // Written to, it is no longer empty: the words are the plain ones again.
    expect((await kvscope(['set', 'c', '1', '--dir', dir])).code).toBe(0);
    expect((await kvscope(['compact', '--dir', dir])).out[0]).toBe('Nothing to compact: every record is live and no segment is empty');
  });
});
