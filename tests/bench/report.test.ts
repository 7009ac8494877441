// Tests the bench's ceiling lines: the largest ratio the measured peak allows, and which goals lie above it.
import { describe, expect, it } from 'vitest';
import { ceilings, goals, range, type Row } from '../../bench/report.js';
import type { Peak } from '../../bench/peak.js';

const row = (model: string, macs: number, torchTrain: number, torchInfer: number): Row => {
  const flops = { macs, inferFlops: 2 * macs, trainFlops: 6 * macs };
  const r = (v: number) => range([v]);
  return {
    backend: 'wasm', model, batches: 1, addedKernels: [], flops, train: r(1), infer: r(1), trainGflops: r(1), inferGflops: r(1),
    peakRssMB: 0, tensorsLeaked: 0, load: 0,
    torch: {
      train: r(torchTrain), infer: r(torchInfer), trainGflops: r((torchTrain * flops.trainFlops) / 1e9), peakRssMB: 0,
      winners: [], policies: {},
    },
  };
};

describe('bench ceilings', () => {
  const peak = { gflops: 210 } as Peak;

  it('divides the peak by PyTorch\'s GFLOP/s and flags the goals above it', () => {
    // The seed ANN's figures from one run: 235,146 MACs; PyTorch 70,492 training and 348,230 inference samples/s.
    const [line] = ceilings([row('ann', 235146, 70492, 348230)], peak);
    expect(line).toMatch(/^ceiling ann: at most 2\.11× PyTorch in training and 1\.28× in inference/);
    expect(line).toContain('inference goal 2× > ceiling');
    expect(line).not.toContain('training goal');
  });

  it('holds the seed CNN to 2.5× in training, and says nothing when the goals are within reach', () => {
    const cnnMacs = 2_630_000;
    expect(ceilings([row('cnn', cnnMacs, 14_000, 1_000)], peak)[0]).toContain('training goal 2.5× > ceiling');
    expect(ceilings([row('cnn', cnnMacs, 3_000, 5_000)], peak)[0]).not.toContain('>');
  });

  it('prints nothing without a peak or a PyTorch side', () => {
    expect(ceilings([row('ann', 1, 1, 1)], null)).toEqual([]);
    expect(ceilings([{ ...row('ann', 1, 1, 1), torch: undefined }], peak)).toEqual([]);
  });
});

describe('bench goal lines', () => {
  const peak = { gflops: 210 } as Peak;
  const judged = (model: string, train: number[], infer: number[], peakPct?: number): Row => ({
    ...row(model, 2_630_000, 3_000, 5_000),
    ratio: { train: range(train), infer: range(infer) },
    ...(peakPct != null ? { peakPct: range([peakPct]) } : {}),
  });

  it('counts the models at each goal and names the others with their repeats and ceiling', () => {
    const lines = goals([
      judged('cnn', [2.4, 2.6, 2.45], [9, 10, 11], 67), judged('ann', [1.6, 1.7, 1.5], [1.1, 1.2, 1.0]),
      judged('residual-sep', [1.43, 1.14, 1.99], [4.5, 4.4, 4.6]),
    ], peak);
    expect(lines[0]).toMatch(/^goal: training ≥ 1\.5× PyTorch \(the seed CNN 2\.5×\): met by 1 of 3 models; not by /);
    expect(lines[0]).toContain('cnn 2.45× < 2.5× (repeats 2.40–2.60×, ceiling ');
    expect(lines[0]).toContain('residual-sep 1.43× < 1.5× (repeats 1.14–1.99×');
    expect(lines[0]).not.toContain('ann');
    expect(lines[1]).toMatch(/^goal: inference ≥ 2× PyTorch: met by 2 of 3 models; not by ann 1\.10× < 2× \(repeats 1\.00–1\.20×, ceiling \d/);
    expect(lines[2]).toBe('goal: the seed CNN at ≥ 40 % of the measured peak: 67 % (met)');
  });

  it('says "met by all" without a list, flags a seed CNN under 40 %, and skips rows without PyTorch', () => {
    const lines = goals([judged('cnn', [2.6, 2.7, 2.8], [9, 9, 9], 31), { ...judged('ann', [1, 1, 1], [1, 1, 1]), torch: undefined }], null);
    expect(lines).toEqual([
      'goal: training ≥ 1.5× PyTorch (the seed CNN 2.5×): met by 1 of 1 models',
      'goal: inference ≥ 2× PyTorch: met by 1 of 1 models',
      'goal: the seed CNN at ≥ 40 % of the measured peak: 31 % (not met)',
    ]);
    expect(goals([{ ...judged('ann', [1, 1, 1], [1, 1, 1]), torch: undefined }], peak)).toEqual([]);
  });
});
