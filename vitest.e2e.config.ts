import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // JSON results feed the one-line summary that .ci/run prints.
    reporters: ['default', ['json', { outputFile: 'test-results/e2e.json' }]],
    include: ['tests/e2e/**/*.test.ts'],
    environment: 'node',
    // The app-data folder (settings, model drafts) of every test and every CLI it spawns is a fresh temporary one: tests
    // neither read the user's ~/.config/fashion-workbench (a saved data folder would change what they train on) nor write it.
    env: { XDG_CONFIG_HOME: mkdtempSync(path.join(tmpdir(), 'fmw-test-config-')) },
    testTimeout: 600_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
