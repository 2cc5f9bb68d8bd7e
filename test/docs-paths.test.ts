/**
 * The docs point at files that exist: every repository path README.md and
 * docs/*.md name (src/…, test/…, e2e/…, scripts/…, bench/…, bin/…), every
 * local Markdown link, and every source file docs/ARCHITECTURE.md names by
 * its bare name (its tree lists files under their directory), so that a
 * renamed or removed file cannot leave the docs pointing nowhere.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..');
const docs = ['README.md', ...fs.readdirSync(path.join(root, 'docs')).filter((n) => n.endsWith('.md')).map((n) => `docs/${n}`)];

/** Repository paths a text names: a top-level directory of the repository, then a path (not part of a longer path such as /usr/bin/…). */
const REPO_PATH = /(?<![\w./~-])(?:src|test|e2e|scripts|bench|bin)\/[\w./-]*[\w/]/g;
/** Local Markdown links: [text](target), no scheme, anchor dropped. */
const LINK = /\]\((?![a-z]+:)([^)#\s]+)(?:#[^)]*)?\)/g;
/** Source files named by their bare name. */
const BARE_SOURCE = /(?<![\w./-])[\w-]+\.tsx?\b/g;

/** Every path the doc at `docPath` names that does not exist under `repo`: repository paths from the root, links from the doc's own directory. */
function missingPaths(repo: string, docPath: string, text: string): string[] {
  const missing = new Set<string>();
  for (const [p] of text.matchAll(REPO_PATH)) if (!fs.existsSync(path.join(repo, p))) missing.add(p);
  for (const [, target] of text.matchAll(LINK)) {
    if (!fs.existsSync(path.join(repo, path.dirname(docPath), target!))) missing.add(target!);
  }
  return [...missing];
}

function sourceFiles(dir: string, out = new Set<string>()): Set<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) sourceFiles(path.join(dir, entry.name), out);
    else out.add(entry.name);
  }
  return out;
}

/** Bare source file names in `text` that no file under src/ has. */
function missingBareNames(text: string, names: Set<string>): string[] {
  return [...new Set([...text.matchAll(BARE_SOURCE)].map(([n]) => n))].filter((n) => !names.has(n));
}

describe('paths named in the docs', () => {
  it.each(docs)('%s names only files that exist', (doc) => {
    expect(missingPaths(root, doc, fs.readFileSync(path.join(root, doc), 'utf8'))).toEqual([]);
  });

  it('docs/ARCHITECTURE.md names only source files that exist', () => {
    expect(missingBareNames(fs.readFileSync(path.join(root, 'docs/ARCHITECTURE.md'), 'utf8'), sourceFiles(path.join(root, 'src')))).toEqual([]);
  });

  it('a doc that names a missing file is caught, and one that names real files is not', () => {
    const text = [
      'The store lives in `src/engine/store.ts`, its format in src/engine/native/layout.ts,',
      'and its tests in test/engine/, run by `/usr/bin/chromium` (not a repository path).',
      'See [the format](FORMAT.md) and [the old notes](OLD-NOTES.md#top), the tree in `src/engine/no-such-file.ts`.',
    ].join('\n');
    expect(missingPaths(root, 'docs/EXAMPLE.md', text)).toEqual(['src/engine/no-such-file.ts', 'OLD-NOTES.md']);
    const names = sourceFiles(path.join(root, 'src'));
    expect(missingBareNames('store.ts and keydir.ts, then renamed-away.ts and App.tsx', names)).toEqual(['renamed-away.ts']);
  });
});
