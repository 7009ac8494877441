import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  plugins: [vue()],
  test: {
    // JSON results feed the one-line summary that .ci/run prints.
    reporters: ['default', ['json', { outputFile: 'test-results/unit.json' }]],
    include: ['tests/**/*.test.ts'],
    exclude: ['tests/e2e/**', 'node_modules/**'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: training tests must not fight each other for them.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
