#!/usr/bin/env node
// Prints one closing line over the Vitest JSON results of every suite: "N passed, N failed, N skipped".
import { existsSync, readFileSync } from 'node:fs';

let passed = 0, failed = 0, skipped = 0;
for (const suite of ['unit', 'e2e']) {
  const file = `test-results/${suite}.json`;
  if (!existsSync(file)) {
    console.error(`test-summary: ${file} missing (did the ${suite} suite run?)`);
    failed += 1;
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
