// The fused conv layer kernels: every option the layer takes the fused path for, forward and all gradients, against
// tfjs's cpu backend (to float rounding) and against the taped wasm step (bit for bit); the one-pass activation and
// bias gradient against the separate kernels it replaces, NaN and -0 included.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NATIVE_ACTIVATIONS } from '../../../../../electron/engine/backend/kernels/native/Activation.js';
import { BIAS_ACT_GRAD_KERNEL, RELU_MASK } from '../../../../../electron/engine/backend/kernels/native/ConvLayer.js';
import { fuseActivation } from '../../../../../electron/engine/models/activations.js';
import { fusedConv2d, fusedConvCalls } from '../../../../../electron/engine/models/convLayer.js';
import { ACTIVATION_GRAD_KERNEL } from '../../../../../electron/engine/backend/kernels/native/Activation.js';
import { expectClose, randomValues } from '../reference.js';
import { addon, expectNative, expectSame, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);
const saved = process.env.WORKBENCH_FUSED_CONV;
afterEach(() => {
  if (saved === undefined) delete process.env.WORKBENCH_FUSED_CONV;
  else process.env.WORKBENCH_FUSED_CONV = saved;
});

interface Case { kernel: number; strides: number; padding: 'same' | 'valid'; useBias: boolean; activation: string }
type Out = { shape: number[]; dtype: string; values: Float32Array };

/** Output and the gradients of x, kernel and bias of sum(y · r) through one conv layer with fixed weights. */
function run(c: Case, channels: number): Out[] {
  // 32 filters on one channel: the direct one-channel kernel (whole vectors of filters); 24 elsewhere: a vector tail.
  const co = channels === 1 ? 32 : 24;
  const layer = fuseActivation(fusedConv2d({
    filters: co, kernelSize: c.kernel, strides: c.strides, padding: c.padding, useBias: c.useBias, activation: c.activation as 'relu',
    kernelInitializer: 'zeros', batchInputShape: [3, 11, 12, channels],
  }));
  layer.build([3, 11, 12, channels]);
  const k = tf.tensor(randomValues(c.kernel * c.kernel * channels * co, 3), [c.kernel, c.kernel, channels, co]);
  const b = tf.tensor(randomValues(co, 4).map((v) => v * 0.5), [co]);
  layer.setWeights(c.useBias ? [k, b] : [k]);
  const x = tf.variable(tf.tensor(randomValues(3 * 11 * 12 * channels, 5).map((v) => v * 2), [3, 11, 12, channels]));
  const weights = layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  let y: tf.Tensor | null = null;
  const { grads } = tf.variableGrads(() => {
    const out = layer.apply(x, { training: true }) as tf.Tensor;
    y = tf.keep(out.clone());
    const r = tf.tensor(randomValues(out.size, 6), out.shape);
    return tf.sum(tf.mul(out, r)) as tf.Scalar;
  }, [x, ...weights]);
  const outs = [y!, grads[x.name], ...weights.map((w) => grads[w.name])];
  const result = outs.map((t) => ({ shape: t.shape, dtype: t.dtype, values: t.dataSync().slice() as Float32Array }));
  tf.dispose([...outs, x, k, b, ...Object.values(grads)]);
  layer.weights.forEach((w) => w.dispose());
  return result;
}

const ACTS = ['linear', 'relu', ...Object.keys(NATIVE_ACTIVATIONS)];
const cases: Case[] = [];
for (const kernel of [1, 3, 5]) for (const strides of [1, 2]) for (const padding of ['same', 'valid'] as const) {
  cases.push({ kernel, strides, padding, useBias: true, activation: 'relu' });
}
for (const activation of ACTS) for (const useBias of [true, false]) cases.push({ kernel: 3, strides: 2, padding: 'same', useBias, activation });
const name = (c: Case) => `${c.kernel}x${c.kernel}/${c.strides} ${c.padding} ${c.activation}${c.useBias ? '' : ' no bias'}`;

describe.skipIf(nativeMissing != null)(`fused conv layer kernels${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each(cases.map((c) => [name(c), c] as const))('%s: cpu\'s numbers, the taped step\'s bits, through the fused path', async (_n, c) => {
    for (const channels of [1, 5]) {
      await tf.setBackend('cpu');
      const want = run(c, channels);
      await tf.setBackend('wasm');
      process.env.WORKBENCH_FUSED_CONV = '0';
      const taped = run(c, channels);
      delete process.env.WORKBENCH_FUSED_CONV;
      const before = fusedConvCalls.forward;
      const got = await expectNative('biasActGrad', async () => run(c, channels), c.activation !== 'linear');
      expect(fusedConvCalls.forward - before, 'fused forward calls').toBe(1);
      expectSame(got, taped);
      ['y', 'dx', 'dkernel', 'dbias'].slice(0, got.length).forEach((label, i) => {
        const scale = Math.max(1, ...Array.from(want[i].values, Math.abs));
        expectClose(got[i], want[i], 2e-5 * scale, `${name(c)} c=${channels} ${label}`);
      });
    }
  }, 60_000);

  it('biasActGrad equals the separate gradient kernels and Sum, bits, NaN and -0 included', async () => {
    await tf.setBackend('wasm');
    for (const [rows, n] of [[7, 5], [3000, 32], [40000, 3]] as const) {
      const dyv = randomValues(rows * n, 1);
      const xv = randomValues(rows * n, 2).map((v) => v * 4);
      dyv[0] = NaN; dyv[1] = -0; xv[2] = NaN; xv[3] = -0; xv[4] = 0; dyv[4] = -1;
      for (const fn of [RELU_MASK, ...Object.values(NATIVE_ACTIVATIONS)]) {
        const outs = tf.tidy(() => {
          const dy = tf.tensor(dyv, [rows, n]);
          const x = tf.tensor(xv, [rows, n]);
          const y = fn === RELU_MASK ? tf.relu(x) : tf.tensor(xv.map((v) => Math.tanh(v)), [rows, n]);
          const [dz, db] = tf.engine().runKernel(BIAS_ACT_GRAD_KERNEL, { dy, x, y }, { fn, bias: true }) as tf.Tensor[];
          const ref = fn === RELU_MASK ? tf.mul(dy, tf.step(y))
            : tf.engine().runKernel(ACTIVATION_GRAD_KERNEL, { dy, x, y }, { fn }) as tf.Tensor;
          return [dz, db, ref, tf.sum(ref, 0)].map((t) => ({ shape: t.shape, dtype: t.dtype, values: t.dataSync().slice() }));
        });
        expectSame([outs[0], outs[1]], [outs[2], outs[3]]);
      }
    }
    expect(addon!.counts().biasActGrad).toBeGreaterThan(0);
  });
});
