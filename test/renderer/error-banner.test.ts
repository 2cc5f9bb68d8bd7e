import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ErrorBanner } from '../../src/renderer/src/components/ErrorBanner.js';

const render = (code: string, message: string): string => renderToStaticMarkup(createElement(ErrorBanner, { error: { code, message }, onDismiss: () => undefined }));

describe('ErrorBanner', () => {
  it('raises an error as an alert with its title and code', () => {
    const html = render('NOT_FOUND', 'No such file or directory: /x/does-not-exist');
    expect(html).toContain('role="alert"');
    expect(html).toContain('<strong>Not found</strong>');
    expect(html).toContain('NOT_FOUND');
  });

  it('says a job the user cancelled as a status, not an error', () => {
    const html = render('ABORTED', 'Compaction was cancelled; the store is unchanged.');
    expect(html).toContain('role="status"');
    expect(html).not.toContain('role="alert"');
    expect(html).not.toContain('error-code');
    expect(html).toContain('Compaction was cancelled; the store is unchanged.');
  });

  it('titles a path through an existing file "Not a directory", not "Not found"', () => {
    const html = render('NOT_A_DIRECTORY', 'Not a directory: /etc/passwd');
    expect(html).toContain('<strong>Not a directory</strong>');
    expect(html).not.toContain('Not found');
  });
});
