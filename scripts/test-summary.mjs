// Prints one closing line for the whole test run, counted from the JSON
// reports of vitest and Playwright: "tests: N passed, N failed, N skipped".
import { readFileSync } from 'node:fs';

function read(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

let passed = 0;
let failed = 0;
let skipped = 0;
const unit = read('test-results/vitest.json');
if (unit) {
  passed += unit.numPassedTests;
  failed += unit.numFailedTests;
  skipped += unit.numPendingTests + unit.numTodoTests;
}
const e2e = read('test-results/playwright.json');

/** Every skipped Playwright test with the reason it gave, so a skip never passes unnoticed. */
function* skippedSpecs(suite) {
  for (const spec of suite.specs ?? []) {
    for (const test of spec.tests ?? []) {
      if (test.status !== 'skipped') continue;
      const reason = (test.annotations ?? []).find((a) => a.type === 'skip')?.description ?? 'no reason given';
      yield `${spec.file}: ${spec.title}: ${reason}`;
    }
  }
  for (const child of suite.suites ?? []) yield* skippedSpecs(child);
}

if (e2e) {
  for (const suite of e2e.suites ?? []) for (const line of skippedSpecs(suite)) console.log(`skipped: ${line}`);
  passed += e2e.stats.expected + e2e.stats.flaky;
  failed += e2e.stats.unexpected;
  skipped += e2e.stats.skipped;
}
if (!unit || !e2e) {
  console.error(`missing test report: ${!unit ? 'test-results/vitest.json ' : ''}${!e2e ? 'test-results/playwright.json' : ''}`);
  process.exitCode = 1;
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failed > 0) process.exitCode = 1;
