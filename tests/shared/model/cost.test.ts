import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BENCH_SET } from '../../../bench/model-set.js';
import { estimateEpochCost, epochSizes } from '../../../shared/model/cost.js';

/** Training samples/s per bench model, read from the baseline table the rates were fitted to. */
function baseline(): Map<string, number> {
  const text = readFileSync(new URL('../../../bench/BASELINE.md', import.meta.url), 'utf8');
  const rows = new Map<string, number>();
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length > 3 && BENCH_SET.some((e) => e.name === cells[1])) rows.set(cells[1], Number(cells[2].replace(/,/g, '')));
  }
  return rows;
}

const est = (spec: unknown, over: Partial<Parameters<typeof estimateEpochCost>[0]> = {}) =>
  estimateEpochCost({ spec, backend: 'wasm', trainSamples: 50_000, validationSamples: 10_000, batchSize: 128, ...over });

describe('estimateEpochCost', () => {
  const measured = baseline();
  it('reads every bench model from bench/BASELINE.md', () => {
    expect([...measured.keys()].sort()).toEqual(BENCH_SET.map((e) => e.name).sort());
  });

  it.each(BENCH_SET.map((e) => [e.name, e] as const))('reproduces the baseline training rate of %s within a factor of 2', (name, e) => {
    const ratio = est(e.spec).samplesPerSecond / measured.get(name)!;
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('most of the set within 15 %', () => {
    const close = BENCH_SET.filter((e) => Math.abs(est(e.spec).samplesPerSecond / measured.get(e.name)! - 1) < 0.15);
    expect(close.length).toBeGreaterThanOrEqual(5);
  });

  it('shows BatchNormalization costing far more than its FLOPs: the seed CNN + BN is several times slower with the same FLOPs', () => {
    const cnn = BENCH_SET.find((e) => e.name === 'cnn')!.spec;
    const bn = BENCH_SET.find((e) => e.name === 'cnn-bn')!.spec;
    const a = est(cnn);
    const b = est(bn);
    expect(b.flopsPerSample).toBe(a.flopsPerSample);
    // Measured: 4,096 vs 889 samples/s (4.6×).
    expect(b.secondsPerEpoch / a.secondsPerEpoch).toBeGreaterThan(3);
    expect(b.effectiveGflops).toBeLessThan(a.effectiveGflops / 3);
    const bnKind = b.perKind.find((k) => k.kind === 'BatchNormalization')!;
    expect(bnKind.flopShare).toBe(0);
    expect(bnKind.share).toBeGreaterThan(0.5);
  });

  it('scales with data size and batch size, and with the backend', () => {
    const cnn = BENCH_SET.find((e) => e.name === 'cnn')!.spec;
    const full = est(cnn);
    const half = est(cnn, { trainSamples: 25_000, validationSamples: 5_000 });
    expect(half.secondsPerEpoch).toBeCloseTo(full.secondsPerEpoch / 2, 6);
    // Smaller batches pay the per-layer overhead more often.
    expect(est(cnn, { batchSize: 16 }).secondsPerEpoch).toBeGreaterThan(full.secondsPerEpoch);
    const cpu = est(cnn, { backend: 'cpu' });
    // Measured only on the seed ANN (39×), so flagged as not calibrated.
    expect(cpu.calibrated).toBe(false);
    expect(cpu.secondsPerEpoch).toBeGreaterThan(10 * full.secondsPerEpoch);
    expect(est(cnn, { backend: 'tensorflow' }).calibrated).toBe(false);
    expect(full.trainSeconds + full.validationSeconds).toBeCloseTo(full.secondsPerEpoch, 9);
  });

  it('throws on an invalid spec instead of guessing', () => {
    expect(() => est({ name: 'x', inputShape: [784], layers: [{ type: 'Conv2D', filters: 8, kernelSize: 3 }] })).toThrow(/needs an image/);
  });

});

describe('epochSizes', () => {
  it('splits as the engine does: tail, fraction, and limit with validation shrunk in proportion', () => {
    expect(epochSizes({ limit: null, split: { type: 'tail', validationSize: 10_000 } })).toEqual({ train: 50_000, validation: 10_000 });
    expect(epochSizes({ limit: null, split: { type: 'fraction', validationFraction: 0.1 } })).toEqual({ train: 54_000, validation: 6_000 });
    expect(epochSizes({ limit: 5_000, split: { type: 'tail', validationSize: 10_000 } })).toEqual({ train: 5_000, validation: 1_000 });
    expect(epochSizes({ limit: 70_000, split: { type: 'tail', validationSize: 10_000 } })).toEqual({ train: 50_000, validation: 10_000 });
  });
});
