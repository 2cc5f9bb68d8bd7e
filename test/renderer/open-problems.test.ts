import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { OpenReportItem } from '../../src/shared/contract.js';
import { OpenProblems } from '../../src/renderer/src/components/OpenProblems.js';

const render = (report: OpenReportItem[]): string => renderToStaticMarkup(createElement(OpenProblems, { report }));
const problem = (text: string, detail?: string): OpenReportItem => ({ kind: 'problem', text, ...(detail ? { detail } : {}) });
const note = (text: string, detail?: string): OpenReportItem => ({ kind: 'note', text, ...(detail ? { detail } : {}) });

describe('what the open found', () => {
  it('lists every problem in a disclosure, not only the first, each with its technical line', () => {
    const report = [problem('Skipped a damaged record in 000001.data', 'skipped bad-crc in 000001.data at 4970: …'), problem('000002.data cannot be read'), problem('Skipped a record in 000003.data')];
    const html = render(report);
    expect(html).toContain('<details');
    expect(html).toContain('<summary>3 problems found while opening: Skipped a damaged record in 000001.data');
    for (const r of report) expect(html).toContain(`<li>${r.text}`);
    expect(html).toContain('(skipped bad-crc in 000001.data at 4970: …)');
  });

  it('says a single problem in one line, its technical line in the title, and nothing when there is none', () => {
    const html = render([problem('Skipped a damaged record in 000003.data', 'skipped bad-crc in 000003.data at 120')]);
    expect(html).toContain('1 problem found while opening: Skipped a damaged record in 000003.data');
    expect(html).toContain('title="skipped bad-crc in 000003.data at 120"');
    expect(html).not.toContain('<details');
    expect(render([])).toBe('');
  });

  it('keeps the notes on how the open went apart from the problems, and calls none of them a problem', () => {
    const notes = [note('The keydir image was older than the data files, so the keys were read from the data files instead; nothing is wrong.'), note('000001.data has no hint file')];
    const html = render(notes);
    expect(html).not.toMatch(/problems? found/);
    expect(html).not.toContain('warning-strip');
    expect(html).toContain('aria-label="Notes on the open"');
    expect(html).toContain('<summary>2 notes on the open, nothing lost: The keydir image was older');
    const both = render([notes[0]!, problem('000002.data cannot be read')]);
    expect(both).toContain('1 problem found while opening: 000002.data cannot be read');
    expect(both).toContain('Note on the open: The keydir image was older');
    // The problem comes first, in the warning strip; the note after it, in a quieter one.
    expect(both.indexOf('warning-strip')).toBeLessThan(both.indexOf('open-notes'));
  });
});
