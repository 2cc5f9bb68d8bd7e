#!/usr/bin/env node
// The kvscope command. Runs out/cli/kvscope.mjs, the command built into one
// file (`npm ci` and `npm run build` build it: scripts/build-cli.mjs), while
// every source it was built from is as old as the build or older; otherwise
// the TypeScript sources through tsx, so an edited source takes effect at
// once. Both do the same; the build starts faster. KVSCOPE_FROM_SOURCE=1
// always takes the sources.
import * as fs from 'node:fs';

const root = new URL('../', import.meta.url);

/** The built command when it is current, else undefined. */
function currentBuild() {
  if (process.env.KVSCOPE_FROM_SOURCE) return undefined;
  try {
    const built = fs.statSync(new URL('out/cli/kvscope.mjs', root)).mtimeMs;
    const inputs = JSON.parse(fs.readFileSync(new URL('out/cli/kvscope.inputs.json', root), 'utf8'));
    for (const input of inputs) if (fs.statSync(new URL(input, root)).mtimeMs > built) return undefined;
    return new URL('out/cli/kvscope.mjs', root);
  } catch {
    return undefined;
  }
}

const build = currentBuild();
if (build !== undefined) {
  await import(build.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/entry.ts');
}
