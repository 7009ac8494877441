import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // JSON results feed the one-line summary that .ci/run prints.
    reporters: ['default', ['json', { outputFile: 'test-results/e2e.json' }]],
    include: ['tests/e2e/**/*.test.ts'],
    environment: 'node',
    testTimeout: 600_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
