// FLOP counts the bench divides by: MACs by hand for the seed CNN and the strided 'same' model, training = 3 × forward.
import { describe, expect, it } from 'vitest';
import { gflops, modelFlops } from '../../bench/flops.js';
import { benchEntry } from '../../bench/model-set.js';

describe('bench FLOPs per sample', () => {
  it('counts the seed CNN: convs and Dense layers, pooling free', () => {
    const macs = 26 * 26 * 32 * 9 + 11 * 11 * 64 * 9 * 32 + 1600 * 128 + 128 * 10;
    const f = modelFlops(benchEntry('cnn').spec);
    expect(f.macs).toBe(macs);
    expect(f.inferFlops).toBe(2 * macs);
    expect(f.trainFlops).toBe(6 * macs);
  });

  it('counts stride-2 same convolutions at their ceil(n/2) output size', () => {
    // 28 → 14 → 7 (same, stride 2), average pooling 7 → 3, then Dense 576 → 128 → 10.
    const macs = 14 * 14 * 32 * 9 + 7 * 7 * 64 * 9 * 32 + 3 * 3 * 64 * 128 + 128 * 10;
    expect(modelFlops(benchEntry('strided-elu').spec).macs).toBe(macs);
  });

  it('turns samples/s into GFLOP/s', () => {
    expect(gflops(4000, 6 * 2_631_040)).toBeCloseTo(63.14, 2);
  });
});
