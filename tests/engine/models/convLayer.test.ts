// The fused Conv2D training op: bit for bit today's taped step (WORKBENCH_FUSED_CONV=0) over several Adam steps on the
// bench's conv models, the path proven to run, and frozen layers and saved models unchanged.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../../../electron/engine/models/build.js';
import { fusedConvCalls } from '../../../electron/engine/models/convLayer.js';
import { biasReluCalls } from '../../../electron/engine/models/biasRelu.js';
import { makeOptimizer } from '../../../electron/engine/train/optimizer.js';
import { makeTrainStep } from '../../../electron/engine/train/step.js';
import { BENCH_SET } from '../../../bench/model-set.js';
import type { ModelSpec } from '../../../shared/spec.js';
import { validateModelSpec } from '../../../shared/model/inferShapes.js';
import { addon, nativeMissing, useNative } from '../backend/kernels/native/setup.js';
import { randomValues } from '../backend/kernels/reference.js';

beforeAll(useNative);
const saved = process.env.WORKBENCH_FUSED_CONV;
afterEach(() => {
  if (saved === undefined) delete process.env.WORKBENCH_FUSED_CONV;
  else process.env.WORKBENCH_FUSED_CONV = saved;
});

const specOf = (name: string): ModelSpec => BENCH_SET.find((e) => e.name === name)!.spec;
const BATCH = 32;

/** Weights and losses after `steps` Adam steps on fixed random batches, with the fused conv op on or off. */
function train(spec: ModelSpec, fused: boolean, steps: number, freeze: number[] = []) {
  process.env.WORKBENCH_FUSED_CONV = fused ? '1' : '0';
  const model = buildModel(spec, 11);
  for (const i of freeze) model.layers[i].trainable = false;
  const optimizer = makeOptimizer({ type: 'adam', beta1: 0.9, beta2: 0.999 }, 1e-3);
  const step = makeTrainStep(model, optimizer, spec.inputShape, 10);
  const losses: number[] = [];
  const calls = fusedConvCalls.forward;
  const grads = addon!.counts().biasActGrad;
  const pooled = addon!.counts().maxPoolReluGrad;
  // The depthwise / separable / dilated relu layers' fused bias + relu (biasRelu.ts) use biasActGrad too: one a call.
  const biasRelus = biasReluCalls();
  for (let s = 0; s < steps; s++) {
    const x = randomValues(BATCH * 784, 100 + s).map((v) => (v + 1) / 2);
    const y = Int32Array.from({ length: BATCH }, (_, i) => (i * 7 + s) % 10);
    losses.push(step(x, y, BATCH).loss);
  }
  const weights = model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
  const ran = {
    forward: fusedConvCalls.forward - calls, grads: addon!.counts().biasActGrad - grads - (biasReluCalls() - biasRelus),
    pooled: addon!.counts().maxPoolReluGrad - pooled,
  };
  model.dispose();
  optimizer.dispose();
  return { losses, weights, ran };
}

function expectIdentical(a: ReturnType<typeof train>, b: ReturnType<typeof train>): void {
  expect(a.losses).toEqual(b.losses);
  expect(a.weights.length).toBe(b.weights.length);
  a.weights.forEach((w, k) => {
    const at = w.findIndex((v, i) => !Object.is(v, b.weights[k][i]));
    expect(at, `weight ${k}: first difference at ${at} (${w[at]} vs ${b.weights[k][at]})`).toBe(-1);
  });
}

describe.skipIf(nativeMissing != null)(`fused Conv2D training op${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each(['cnn', 'cnn-bn', 'strong', 'k5-gap', 'strided-elu', 'residual-sep'])('%s: Adam steps give the taped step\'s bits, through the fused path', async (name) => {
    await tf.setBackend('wasm');
    const spec = specOf(name);
    // Dilated convolutions keep their own path (models/dilation.ts).
    const undilated = (l: ModelSpec['layers'][number]) => l.type === 'Conv2D' && [l.dilationRate ?? 1].flat().every((d) => d === 1);
    const convs = spec.layers.filter(undilated).length;
    const off = train(spec, false, 3);
    const on = train(spec, true, 3);
    expect(off.ran.forward, 'taped run took the fused path').toBe(0);
    expect(on.ran.forward, 'fused forward calls').toBe(3 * convs);
    // Every conv with relu or another native activation (a linear one sums its bias with Sum), every relu Dense, once a step.
    const fusedGrads = spec.layers.filter((l) => (undilated(l) && l.type === 'Conv2D' && l.activation !== 'linear')
      || (l.type === 'Dense' && l.activation === 'relu')).length;
    expect(off.ran.grads, 'taped run used the fused gradient').toBe(0);
    // A relu conv directly followed by max pooling (and nothing else) gets its mask and bias sum from the pool's
    // fused gradient (poolLayer.ts) instead; a relu6 one from the relu6 pool's (relu6Pool.ts, the same addon call).
    const sequential = spec.layers.every((l) => l.inputs === undefined);
    const pairs = sequential ? spec.layers.filter((l, i) => undilated(l) && l.type === 'Conv2D' && (l.activation === 'relu' || l.activation === 'relu6')
      && spec.layers[i + 1]?.type === 'MaxPooling2D').length : 0;
    expect(off.ran.pooled, 'taped run used the fused pool gradient').toBe(0);
    expect(on.ran.pooled, 'fused pool gradient calls').toBe(3 * pairs);
    expect(on.ran.grads, 'native bias/activation gradient calls').toBe(3 * (fusedGrads - pairs));
    expectIdentical(on, off);
  }, 120_000);

  it('WORKBENCH_FUSED_POOL=0 keeps the separate pool and relu/bias gradients, with the same bits', async () => {
    await tf.setBackend('wasm');
    const spec = specOf('cnn');
    const on = train(spec, true, 2);
    process.env.WORKBENCH_FUSED_POOL = '0';
    try {
      const off = train(spec, true, 2);
      expect(off.ran.pooled).toBe(0);
      expect(on.ran.pooled).toBe(4);
      expectIdentical(on, off);
    } finally {
      delete process.env.WORKBENCH_FUSED_POOL;
    }
  }, 60_000);

  it('a relu conv whose output also feeds another layer keeps the separate gradients; a sole pool consumer fuses', async () => {
    await tf.setBackend('wasm');
    const spec = validateModelSpec({
      name: 'branching', inputShape: [28, 28, 1],
      layers: [
        { type: 'Conv2D', name: 'c1', filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' },
        { type: 'MaxPooling2D', name: 'p1', poolSize: 2 },
        { type: 'Conv2D', name: 'c2', inputs: ['c1'], filters: 8, kernelSize: 2, strides: 2, activation: 'relu' },
        { type: 'Add', inputs: ['p1', 'c2'] },
        { type: 'Conv2D', filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' },
        { type: 'MaxPooling2D', poolSize: 2 },
        { type: 'Flatten' },
        { type: 'Dense', units: 10, activation: 'softmax' },
      ],
    });
    const on = train(spec, true, 3);
    const off = train(spec, false, 3);
    expect(on.ran.pooled, 'only the last conv -> pool pair fuses').toBe(3);
    expectIdentical(on, off);
  }, 60_000);

  it('a frozen conv layer trains the rest as the taped step does', async () => {
    await tf.setBackend('wasm');
    const spec = specOf('cnn');
    expectIdentical(train(spec, true, 2, [0]), train(spec, false, 2, [0]));
    const frozenSecond = train(spec, true, 2, [2]);
    expect(frozenSecond.ran.forward).toBeGreaterThan(0);
    expectIdentical(frozenSecond, train(spec, false, 2, [2]));
  }, 60_000);

  it('inference and other backends keep tfjs\'s own call', async () => {
    await tf.setBackend('cpu');
    const small = validateModelSpec({
      name: 'small conv', inputShape: [28, 28, 1],
      layers: [{ type: 'MaxPooling2D', poolSize: 4 }, { type: 'Conv2D', filters: 4, kernelSize: 3, activation: 'relu' }, { type: 'Flatten' },
        { type: 'Dense', units: 10, activation: 'softmax' }],
    });
    const spec = specOf('cnn');
    const before = fusedConvCalls.forward;
    train(small, true, 1);
    expect(fusedConvCalls.forward - before, 'no fused call on cpu').toBe(0);
    await tf.setBackend('wasm');
    const model = buildModel(spec, 3);
    const x = tf.tensor(randomValues(4 * 784, 5), [4, 28, 28, 1]);
    const at = fusedConvCalls.forward;
    tf.tidy(() => model.predict(x));
    expect(fusedConvCalls.forward - at, 'no fused call at inference').toBe(0);
    x.dispose();
    model.dispose();
  }, 60_000);
});
