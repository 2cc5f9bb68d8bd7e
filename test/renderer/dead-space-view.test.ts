/**
 * Statistics' dead space: the path of a prefix searched (its steps back up, cut after each delimiter, ':' or '/'), and
 * what the view shows under a prefix: the path with a button per step above and the one searched said, escaped as
 * keys are; a header naming the columns of both lists; each figure named for a screen reader.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { DeadSpaceResult } from '../../src/shared/contract.js';
import { DeadSpaceView, deadSpacePath } from '../../src/renderer/src/components/DeadSpaceView.js';

describe("the dead space's path", () => {
  it('has a step per delimiter of the prefix, by the delimiter chosen', () => {
    expect(deadSpacePath('', ':')).toEqual([]);
    expect(deadSpacePath('user:', ':')).toEqual(['user:']);
    expect(deadSpacePath('user:00042:', ':')).toEqual(['user:', 'user:00042:']);
    expect(deadSpacePath('img/2024:x/', '/')).toEqual(['img/', 'img/2024:x/']);
    expect(deadSpacePath('img/2024:x/', ':')).toEqual(['img/2024:', 'img/2024:x/']);
    expect(deadSpacePath('a::', ':')).toEqual(['a:', 'a::']);
    expect(deadSpacePath(':', ':')).toEqual([':']);
  });
});

describe('the dead space under a prefix', () => {
  const result: DeadSpaceResult = {
    prefix: 'a:\xff:',
    delimiter: ':',
    depth: 1,
    keys: 1,
    deadBytes: 300,
    deadRecords: 3,
    overwrittenBytes: 300,
    tombstoneBytes: 0,
    damagedBytes: 0,
    unreadBytes: 0,
    branches: [{ prefix: 'a:\xff:k', display: 'a:\\xff:k', kind: 'key', keys: 1, deadBytes: 300, deadRecords: 3 }],
    branchCount: 1,
    topKeys: [{ key: 'a:\xff:k', display: 'a:\\xff:k', deadBytes: 300, overwritten: 3, tombstones: 0, live: true, versions: 4 }],
  };
  const html = renderToStaticMarkup(createElement(DeadSpaceView, { job: null, busy: false, result, onStart: () => {}, onCancel: () => {}, onSelectKey: () => {} }));

  it('shows the path back up, its last step the prefix searched, escaped as a key is', () => {
    const nav = /<nav[^>]*aria-label="Dead space path"[^>]*>(.*?)<\/nav>/.exec(html)?.[1];
    expect(nav).toBeDefined();
    const buttons = [...nav!.matchAll(/<button[^>]*>(.*?)<\/button>/g)].map((m) => m[1]);
    expect(buttons).toEqual(['All keys', 'a:']);
    expect(nav).toMatch(/aria-current="location"[^>]*>\\xff:<\/span>/);
  });

  it('names the columns over both lists, and each figure in its row', () => {
    const headers = [...html.matchAll(/<div class="dead-space-row dead-space-columns" aria-hidden="true"[^>]*>(.*?)<\/div>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, '|'));
    expect(headers).toEqual(['|Prefix or key||Dead||Records|', '|Key||Dead||Versions|']);
    expect(html).toContain('300 B<span class="sr-only"> dead,</span>');
    expect(html).toContain('3<span class="sr-only"> records</span>');
    expect(html).toContain('4<span class="sr-only"> versions</span>');
  });
});
