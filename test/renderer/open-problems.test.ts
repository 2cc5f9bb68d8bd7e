import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { OpenProblems } from '../../src/renderer/src/components/OpenProblems.js';

const render = (warnings: string[]): string => renderToStaticMarkup(createElement(OpenProblems, { warnings }));

describe('the problems found while opening', () => {
  it('lists every problem in a disclosure, not only the first', () => {
    const warnings = ['torn tail in 000003.data at 120', 'skipped 2 records in 000001.data', 'cannot read 000002.data: EACCES'];
    const html = render(warnings);
    expect(html).toContain('<details');
    expect(html).toContain('<summary>3 problems found while opening: torn tail in 000003.data at 120');
    for (const w of warnings) expect(html).toContain(`<li>${w}</li>`);
  });

  it('says a single problem in one line, and nothing when there is none', () => {
    expect(render(['torn tail in 000003.data at 120'])).toContain('1 problem found while opening: torn tail in 000003.data at 120');
    expect(render(['torn tail'])).not.toContain('<details');
    expect(render([])).toBe('');
  });
});
