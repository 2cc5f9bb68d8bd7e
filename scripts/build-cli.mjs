// Builds the `kvscope` command into one file, out/cli/kvscope.mjs, with the
// list of source files it was built from beside it (kvscope.inputs.json).
// bin/kvscope.js runs that file while none of those sources is newer, and
// the TypeScript sources through tsx otherwise: the build only makes the
// command start faster (no TypeScript to load), never changes what it does.
//
//   node scripts/build-cli.mjs [OUT_DIR]     (default out/cli; keep it two levels below the root,
//                                             as the code finds package.json and out/renderer from there)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.resolve(root, process.argv[2] ?? 'out/cli');
const outfile = path.join(outDir, 'kvscope.mjs');

const result = await build({
  entryPoints: [path.join(root, 'src/cli/entry.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // ws loads these optional native helpers only if they are installed.
  external: ['bufferutil', 'utf-8-validate'],
  // CommonJS packages in an ES module bundle still call require() for Node's own modules.
  banner: { js: "import { createRequire as __kvscopeRequire } from 'node:module'; const require = __kvscopeRequire(import.meta.url);" },
  metafile: true,
  logLevel: 'warning',
});

// Every file the bundle holds (sources and packages), and the files that decide which packages those are.
const inputs = [...Object.keys(result.metafile.inputs), 'package.json', 'package-lock.json']
  .map((input) => path.relative(root, path.resolve(root, input)).split(path.sep).join('/'))
  .filter((input) => fs.existsSync(path.join(root, input)));
fs.writeFileSync(path.join(outDir, 'kvscope.inputs.json'), JSON.stringify(inputs, null, 1) + '\n');
