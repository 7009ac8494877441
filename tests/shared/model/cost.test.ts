import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BENCH_SET } from '../../../bench/model-set.js';
import { estimateEpochCost, epochSizes } from '../../../shared/model/cost.js';

/** Training and inference samples/s per bench model, read from the calibration table the rates were fitted to. */
function calibration(): Map<string, { train: number; infer: number }> {
  const text = readFileSync(new URL('../../../bench/CALIBRATION.md', import.meta.url), 'utf8');
  const rows = new Map<string, { train: number; infer: number }>();
  const num = (c: string) => Number(c.replace(/,/g, ''));
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length > 4 && BENCH_SET.some((e) => e.name === cells[1])) rows.set(cells[1], { train: num(cells[2]), infer: num(cells[3]) });
  }
  return rows;
}

const est = (spec: unknown, over: Partial<Parameters<typeof estimateEpochCost>[0]> = {}) =>
  estimateEpochCost({ spec, backend: 'wasm', trainSamples: 50_000, validationSamples: 10_000, batchSize: 128, ...over });

/** The bench models the rates were fitted to: those whose layer kinds are all calibrated (not this round's new kinds). */
const CALIBRATED_SET = BENCH_SET.filter((e) => est(e.spec).uncalibratedKinds.length === 0);

describe('estimateEpochCost', () => {
  const measured = calibration();
  it('reads every calibrated bench model from bench/CALIBRATION.md', () => {
    expect([...measured.keys()].sort()).toEqual(CALIBRATED_SET.map((e) => e.name).sort());
    expect(CALIBRATED_SET.map((e) => e.name)).toEqual(['ann', 'cnn', 'strong', 'cnn-bn', 'strided-elu', 'k5-gap', 'mlp-bn']);
  });

  it('says which kinds of the graph bench models are uncalibrated, and calls their estimate uncalibrated', () => {
    const sep = est(BENCH_SET.find((e) => e.name === 'residual-sep')!.spec);
    expect(sep.calibrated).toBe(false);
    expect(sep.uncalibratedKinds).toEqual(expect.arrayContaining(['DepthwiseConv2D', 'SeparableConv2D', 'LayerNormalization',
      'GlobalMaxPooling2D', 'Add', 'Concatenate', 'branches (inputs)', 'dilated Conv2D']));
    const mlp = est(BENCH_SET.find((e) => e.name === 'mlp-res')!.spec);
    expect(mlp.uncalibratedKinds).toEqual(expect.arrayContaining(['GaussianNoise', 'PReLU', 'LeakyReLU', 'Concatenate']));
    expect(est(BENCH_SET[1]!.spec).calibrated).toBe(true);
  });

  it.each(CALIBRATED_SET.map((e) => [e.name, e] as const))('reproduces the calibration training rate of %s within 15 %%', (name, e) => {
    expect(Math.abs(est(e.spec).samplesPerSecond / measured.get(name)!.train - 1)).toBeLessThan(0.15);
  });

  it('most of the set within 10 % in training, and the inference rate within a factor of 1.6', () => {
    const close = CALIBRATED_SET.filter((e) => Math.abs(est(e.spec).samplesPerSecond / measured.get(e.name)!.train - 1) < 0.1);
    expect(close.length).toBeGreaterThanOrEqual(5);
    for (const e of CALIBRATED_SET) {
      const ratio = est(e.spec).inferenceSamplesPerSecond / measured.get(e.name)!.infer;
      expect(ratio, e.name).toBeGreaterThan(1 / 1.6);
      expect(ratio, e.name).toBeLessThan(1.6);
    }
  });

  it('prices BatchNormalization as the fused kernels run it: the seed CNN + BN is slower than without, but not by a multiple', () => {
    const cnn = BENCH_SET.find((e) => e.name === 'cnn')!.spec;
    const bn = BENCH_SET.find((e) => e.name === 'cnn-bn')!.spec;
    const a = est(cnn);
    const b = est(bn);
    expect(b.flopsPerSample).toBe(a.flopsPerSample);
    // Measured: 5,638 vs 4,466 samples/s (1.26×); before the kernel work 4.6×.
    const slower = b.trainSeconds / a.trainSeconds;
    expect(slower).toBeGreaterThan(1.1);
    expect(slower).toBeLessThan(1.6);
    const bnKind = b.perKind.find((k) => k.kind === 'BatchNormalization')!;
    expect(bnKind.flopShare).toBe(0);
    expect(bnKind.share).toBeLessThan(0.5);
  });

  it('adds the validation pass at the inference rate and a fixed per-epoch cost, which dominate small runs', () => {
    const cnn = BENCH_SET.find((e) => e.name === 'cnn')!.spec;
    const full = est(cnn);
    expect(full.secondsPerEpoch).toBeCloseTo(full.trainSeconds + full.validationSeconds + full.fixedSeconds, 9);
    expect(full.validationSeconds).toBeCloseTo(10_000 / full.inferenceSamplesPerSecond, 9);
    // Forward-only: several times the training rate, as in every row of the table.
    expect(full.inferenceSamplesPerSecond / full.samplesPerSecond).toBeGreaterThan(2);
    expect(est(cnn, { validationSamples: 0 }).validationSeconds).toBe(0);
    const small = est(cnn, { trainSamples: 1_000, validationSamples: 200 });
    expect(small.fixedSeconds).toBeGreaterThan(0);
    expect(small.warmupSeconds).toBeGreaterThan(small.trainSeconds);
  });

  it('scales with data size and batch size, and with the backend', () => {
    const cnn = BENCH_SET.find((e) => e.name === 'cnn')!.spec;
    const full = est(cnn);
    const half = est(cnn, { trainSamples: 25_000, validationSamples: 5_000 });
    expect(half.trainSeconds + half.validationSeconds).toBeCloseTo((full.trainSeconds + full.validationSeconds) / 2, 6);
    expect(half.fixedSeconds).toBe(full.fixedSeconds);
    // Smaller batches pay the per-layer overhead more often.
    expect(est(cnn, { batchSize: 16 }).secondsPerEpoch).toBeGreaterThan(full.secondsPerEpoch);
    const cpu = est(cnn, { backend: 'cpu' });
    // Measured only on the seed ANN (39×), so flagged as not calibrated.
    expect(cpu.calibrated).toBe(false);
    expect(cpu.secondsPerEpoch).toBeGreaterThan(10 * full.secondsPerEpoch);
    expect(est(cnn, { backend: 'tensorflow' }).calibrated).toBe(false);
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
