import { describe, expect, it } from 'vitest';
import { comparisonTable } from '../../../electron/cli/table.js';
import type { RunSummary } from '../../../shared/run.js';

function summary(id: string, name: string): RunSummary {
  return {
    id, name, createdAt: '2026-01-01T00:00:00.000Z', status: 'finished', preset: null, modelName: name, tags: [],
    groupId: null, params: 1234, backend: 'wasm', epochsDone: 1, epochs: 1, testAccuracy: 0.5, macroF1: 0.4,
    trainSeconds: 1.5, samplesPerSecond: 1000, reason: null, damaged: null,
  };
}

describe('comparisonTable', () => {
  it('prints each run id (what `npm run report` takes) on the run\'s row', () => {
    const runs = [summary('20260101-a-1a2b', 'seed-ann'), summary('20260101-b-3c4d', 'seed-cnn')];
    const lines = comparisonTable(runs, [] as never).split('\n');
    expect(lines[0]).toMatch(/^run\s+id\s+status/);
    expect(lines[2]).toMatch(/^seed-ann\s+20260101-a-1a2b\s+finished/);
    expect(lines[3]).toMatch(/^seed-cnn\s+20260101-b-3c4d\s+finished/);
  });
});
