import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
    // The app-data folder (settings, model drafts) of every test and every CLI it spawns is a fresh temporary one: tests
    // neither read the user's ~/.config/fashion-workbench (a saved data folder would change what they train on) nor write it.
    env: { XDG_CONFIG_HOME: mkdtempSync(path.join(tmpdir(), 'fmw-test-config-')) },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: training tests must not fight each other for them.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
