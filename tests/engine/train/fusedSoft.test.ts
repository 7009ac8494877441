// Tests soft targets (label smoothing, mixup) through the fused training steps (objective.ts makeFastestObjectiveStep):
// bit for bit the objective step's weights, optimizer state, losses and hits, proven to run (the steps' counters), and
// the objective step itself for clipping, L2 penalties and the off switch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchEntry } from '../../../bench/model-set.js';
import { selectBackend } from '../../../electron/engine/backend/select.js';
import { getPreset } from '../../../electron/engine/models/presets.js';
import { fusedCnnTrainSteps } from '../../../electron/engine/train/fusedCnnTrain.js';
import { fusedGraphCnnSteps } from '../../../electron/engine/train/fusedGraphCnn.js';
import { fusedGraphMlpSteps } from '../../../electron/engine/train/fusedGraphMlp.js';
import { fusedMlpSteps } from '../../../electron/engine/train/fusedMlp.js';
import { makeFastestObjectiveStep, makeObjectiveStep, type ObjectiveOptions } from '../../../electron/engine/train/objective.js';
import type { Optimizer } from '../../../shared/hyper.js';
import type { ModelSpec } from '../../../shared/spec.js';
import { nativeMissing, useNative } from '../backend/kernels/native/setup.js';
import { randomValues } from '../backend/kernels/reference.js';
import { RATES, trainBits, type StepMaker } from './stepBits.js';

const ADAM: Optimizer = { type: 'adam', beta1: 0.9, beta2: 0.999 };
const ADAMW: Optimizer = { type: 'adamw', beta1: 0.9, beta2: 0.999, weightDecay: 1e-4 };
const SIZES = [128, 64, 128, 37, 128, 96];
const SMOOTH: ObjectiveOptions = { labelSmoothing: 0.1, clipNorm: null, clipValue: null };
const PLAIN: ObjectiveOptions = { labelSmoothing: 0, clipNorm: null, clipValue: null };

const models: Array<[string, ModelSpec, () => number]> = [
  ['seed ANN (fused MLP step)', getPreset('seed-ann').model as ModelSpec, fusedMlpSteps],
  ['seed CNN (fused CNN step)', getPreset('seed-cnn').model as ModelSpec, fusedCnnTrainSteps],
  ['strong (BN, dropout: fused CNN step)', benchEntry('strong').spec, fusedCnnTrainSteps],
  ['mlp-res (fused graph MLP step)', benchEntry('mlp-res').spec, fusedGraphMlpSteps],
  ['residual-sep (fused graph CNN step)', benchEntry('residual-sep').spec, fusedGraphCnnSteps],
];

/**
 * Mixup's per-batch soft targets, as the loop hands them to the step: rows of two labels mixed with a weight that changes
 * from row to row (rows sum to 1, one of them exactly one-hot). Every other call passes none, as a batch without mixup.
 */
function mixTargets(call: number, n: number): Float32Array | null {
  if (call % 2 === 1) return null;
  const t = new Float32Array(n * 10);
  const w = randomValues(n, 300 + call);
  for (let r = 0; r < n; r++) {
    const lam = r === 0 ? 1 : Math.fround(0.5 + Math.abs(w[r]) / 4);
    t[r * 10 + ((r * 3 + call) % 10)] += lam;
    t[r * 10 + ((r * 7 + 1) % 10)] += 1 - lam;
  }
  return t;
}

/** A step maker over `make` (the objective step or the fastest one), with mixup's targets when `mix`. */
const maker = (make: typeof makeObjectiveStep, o: ObjectiveOptions, mix: boolean): StepMaker => (m, opt, shape) => {
  const step = make(m, opt, shape, o);
  let call = 0;
  return (x, y, n) => step(x, y, n, mix ? mixTargets(call++, n) : null);
};

describe.skipIf(nativeMissing != null)(`soft targets through the fused steps${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  beforeAll(useNative);
  afterAll(() => selectBackend('wasm', { native: true, threads: 2 }));

  for (const threads of [2, 1]) {
    describe(`${threads} native thread${threads > 1 ? 's' : ''}`, () => {
      beforeAll(() => selectBackend('wasm', { native: true, threads }));

      it.each(models)('label smoothing: %s gives the objective step\'s bits, through the fused step', async (_, spec, counter) => {
        for (const o of [ADAM, ADAMW]) {
          const want = await trainBits(spec, o, maker(makeObjectiveStep, SMOOTH, false), SIZES);
          const before = counter();
          const got = await trainBits(spec, o, maker(makeFastestObjectiveStep, SMOOTH, false), SIZES);
          expect(counter() - before).toBe(RATES.length);
          expect(got.losses).toEqual(want.losses);
          expect(got.correct).toEqual(want.correct);
          expect(got.weights).toEqual(want.weights);
          expect(got.state).toEqual(want.state);
          // Smoothed targets: the loss is not the plain cross-entropy's (a test that fell back to the labels fails here).
          const plain = await trainBits(spec, o, maker(makeFastestObjectiveStep, PLAIN, false), SIZES);
          expect(plain.losses[0]).not.toBe(got.losses[0]);
          expect(new Set(got.tensors).size).toBe(1);
        }
      });

      it.each(models)('mixup\'s soft targets (and batches without them): %s gives the objective step\'s bits', async (_, spec, counter) => {
        const want = await trainBits(spec, ADAM, maker(makeObjectiveStep, PLAIN, true), SIZES);
        const before = counter();
        const got = await trainBits(spec, ADAM, maker(makeFastestObjectiveStep, PLAIN, true), SIZES);
        expect(counter() - before).toBe(RATES.length);
        expect(got.losses).toEqual(want.losses);
        expect(got.correct).toEqual(want.correct);
        expect(got.weights).toEqual(want.weights);
        expect(got.state).toEqual(want.state);
      });
    });
  }

  it('clipping, an L2 penalty and WORKBENCH_FUSED_SOFT=0 stay on the objective step (the counters do not move)', async () => {
    const ann = getPreset('seed-ann').model as ModelSpec;
    const count = () => fusedMlpSteps() + fusedCnnTrainSteps() + fusedGraphMlpSteps();
    const cases: Array<[string, ModelSpec, ObjectiveOptions]> = [
      ['clipNorm', ann, { ...SMOOTH, clipNorm: 1 }],
      ['clipValue', ann, { ...SMOOTH, clipValue: 0.5 }],
      ['L2', { ...ann, layers: ann.layers.map((l, i) => (i === 1 ? { ...l, kernelRegularizer: { l2: 1e-3 } } : l)) } as ModelSpec, SMOOTH],
    ];
    for (const [name, spec, o] of cases) {
      const before = count();
      const r = await trainBits(spec, ADAM, maker(makeFastestObjectiveStep, o, false), [32, 32, 32, 32, 32, 32]);
      expect(count() - before, name).toBe(0);
      expect(r.losses.every(Number.isFinite), name).toBe(true);
    }
    process.env.WORKBENCH_FUSED_SOFT = '0';
    try {
      const before = count();
      await trainBits(ann, ADAM, maker(makeFastestObjectiveStep, SMOOTH, false), [32, 32, 32, 32, 32, 32]);
      expect(count() - before).toBe(0);
    } finally {
      delete process.env.WORKBENCH_FUSED_SOFT;
    }
  });
});
