/**
 * Runs Electronegativity's programmatic API on one directory and prints
 * { globalChecks, atomicChecks, errors, issues } as JSON on stdout.
 * Used by electronegativity.test.ts in a child process, because of the
 * module trick below.
 *
 * typescript-estree (a dependency of Electronegativity, hoisted to the top
 * node_modules) would load this project's TypeScript 7, which has no JS
 * compiler API; Electronegativity ships the TypeScript it was built with
 * (4.2) in its own node_modules. That one is served to typescript-estree by
 * putting it in require's cache under the path the hoisted copy resolves to.
 */
const path = require('node:path');

const root = path.resolve(__dirname, '../../node_modules');
const estreeDir = path.join(root, '@typescript-eslint/typescript-estree');
const projectTs = require.resolve('typescript', { paths: [estreeDir] });
const bundledTs = require(path.join(root, '@doyensec/electronegativity/node_modules/typescript'));
require.cache[projectTs] = { id: projectTs, filename: projectTs, loaded: true, exports: bundledTs };

const run = require(path.join(root, '@doyensec/electronegativity'));
const input = process.argv[2];

// Electronegativity logs progress (and offline notices) with console.log: keep stdout for the result.
const log = console.log;
console.log = (...args) => console.error(...args);
run({ input, electronVersionOverride: '45.4.1', isRelative: true })
  .then((r) => {
    log(JSON.stringify({ globalChecks: r.globalChecks, atomicChecks: r.atomicChecks, errors: r.errors, issues: r.issues }));
  })
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
