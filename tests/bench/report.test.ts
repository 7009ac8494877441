// Tests the bench's ceiling lines: the largest ratio the measured peak allows, and which goals lie above it.
import { describe, expect, it } from 'vitest';
import { ceilings, range, type Row } from '../../bench/report.js';
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
