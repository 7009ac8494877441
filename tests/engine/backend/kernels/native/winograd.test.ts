// Tests the native Winograd F(2x2, 3x3) path (native/src/winograd.c) of Conv2D, FusedConv2D and Conv2DBackpropInput
// against tfjs's cpu backend, its dispatch, and that its bits do not depend on the thread count.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CONV_LAYER_KERNEL } from '../../../../../electron/engine/backend/kernels/native/ConvLayer.js';
import { randomValues, runOn, type KernelInput } from '../reference.js';
import { addon, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);
afterEach(() => {
  delete process.env.WORKBENCH_WINOGRAD;
  addon?.setThreads(2);
});

/* Winograd sums in another order than a direct convolution (transformed inputs and filters up to ~4x the originals'
   magnitude, then the output transform's 9-term sums), so its results differ from cpu's in the last bits of the
   output's scale, not of each element: an output near 0 made of large terms keeps an absolute error of that scale.
   Measured max |diff| / max |cpu output| on these shapes: 1.7e-7 to 7.6e-7 (native/bench/winograd.mjs on the strong-cnn
   layers: 3e-7 to 7e-7 against im2col). 1e-5 leaves a 13x margin and still fails on any wrong tap, padding or edge. */
const REL_TOL = 1e-5;

function expectNear(got: { shape: number[]; values: ArrayLike<number> }, want: { shape: number[]; values: ArrayLike<number> }, label: string) {
  expect(got.shape, label).toEqual(want.shape);
  let scale = 0;
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.values.length; i++) {
    scale = Math.max(scale, Math.abs(want.values[i]));
    const d = Math.abs(got.values[i] - want.values[i]);
    if (!(d <= worst)) [worst, at] = [d, i];
  }
  expect(scale, `${label}: output all zero`).toBeGreaterThan(0);
  expect(worst / scale, `${label}: max |diff| ${worst} at ${at} (got ${got.values[at]}, want ${want.values[at]}), scale ${scale}`)
    .toBeLessThanOrEqual(REL_TOL);
}

type Counter = 'conv2dWinograd' | 'conv2dInputGradWinograd';
const count = (c: Counter): number => (addon!.counts() as unknown as Record<Counter, number>)[c];

/** Runs fn and returns its result with how many Winograd calls of kind c it made. */
async function counted<T>(c: Counter, fn: () => Promise<T>): Promise<[T, number]> {
  const before = count(c);
  const out = await fn();
  return [out, count(c) - before];
}

interface Case { h: number; w: number; pad: 'same' | 'valid'; ci: number; co: number; batch: number; bias: boolean; act: 'relu' | 'linear' }
/* Forward and input gradient: at least 32 input channels (below that the input gradient stays on im2col). */
const cases: Case[] = [
  { h: 28, w: 28, pad: 'same', ci: 32, co: 32, batch: 3, bias: true, act: 'relu' },
  { h: 14, w: 14, pad: 'same', ci: 32, co: 64, batch: 2, bias: false, act: 'linear' },
  { h: 13, w: 13, pad: 'valid', ci: 32, co: 64, batch: 4, bias: true, act: 'linear' },
  { h: 9, w: 8, pad: 'same', ci: 33, co: 23, batch: 5, bias: true, act: 'relu' },
  { h: 11, w: 7, pad: 'valid', ci: 40, co: 9, batch: 7, bias: false, act: 'relu' },
  { h: 16, w: 16, pad: 'same', ci: 35, co: 16, batch: 1, bias: true, act: 'linear' },
  { h: 10, w: 13, pad: 'valid', ci: 36, co: 40, batch: 16, bias: true, act: 'relu' },
];
/* Forward only: 8 to 31 input channels. */
const forwardOnly: Case[] = [
  { h: 28, w: 28, pad: 'same', ci: 8, co: 32, batch: 2, bias: true, act: 'relu' },
  { h: 15, w: 9, pad: 'valid', ci: 17, co: 13, batch: 3, bias: false, act: 'linear' },
  { h: 12, w: 12, pad: 'same', ci: 16, co: 8, batch: 1, bias: false, act: 'relu' },
];
const title = '$h×$w $pad $ci→$co batch $batch bias $bias $act';
const outSize = (c: Case) => (c.pad === 'same' ? [c.h, c.w] : [c.h - 2, c.w - 2]);

function forwardInputs(c: Case, seed: number) {
  const inputs: Record<string, KernelInput> = {
    x: { shape: [c.batch, c.h, c.w, c.ci], values: randomValues(c.batch * c.h * c.w * c.ci, seed) },
    filter: { shape: [3, 3, c.ci, c.co], values: randomValues(9 * c.ci * c.co, seed + 1) },
  };
  if (c.bias) inputs.bias = { shape: [c.co], values: randomValues(c.co, seed + 2) };
  const attrs = { strides: [1, 1], pad: c.pad, dataFormat: 'NHWC', dilations: [1, 1], activation: c.act };
  return { inputs, attrs, kernel: c.bias || c.act !== 'linear' ? 'FusedConv2D' : 'Conv2D' };
}

function inputGradInputs(c: Case, seed: number) {
  const [oh, ow] = outSize(c);
  return {
    inputs: {
      dy: { shape: [c.batch, oh, ow, c.co], values: randomValues(c.batch * oh * ow * c.co, seed) },
      filter: { shape: [3, 3, c.ci, c.co], values: randomValues(9 * c.ci * c.co, seed + 1) },
    },
    attrs: { strides: [1, 1], pad: c.pad, dataFormat: 'NHWC', inputShape: [c.batch, c.h, c.w, c.ci] },
  };
}

describe.skipIf(nativeMissing != null)(`native Winograd convolutions${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it.each([...cases, ...forwardOnly])(`forward ${title} is close to cpu and took the Winograd path`, async (c) => {
    const { inputs, attrs, kernel } = forwardInputs(c, c.h * 100 + c.ci);
    const [got, ran] = await counted('conv2dWinograd', () => runOn('wasm', kernel, inputs, attrs));
    expect(ran, 'Winograd forward calls').toBe(1);
    expectNear(got, await runOn('cpu', kernel, inputs, attrs), `${kernel} ${JSON.stringify(c)}`);
  });

  it.each(cases)(`input gradient ${title} is close to cpu and took the Winograd path`, async (c) => {
    const { inputs, attrs } = inputGradInputs(c, c.w * 100 + c.co);
    const [got, ran] = await counted('conv2dInputGradWinograd', () => runOn('wasm', 'Conv2DBackpropInput', inputs, attrs));
    expect(ran, 'Winograd input-gradient calls').toBe(1);
    expectNear(got, await runOn('cpu', 'Conv2DBackpropInput', inputs, attrs), `Conv2DBackpropInput ${JSON.stringify(c)}`);
  });

  it('gives the same bits on 1 and 2 threads and on a repeat, forward and input gradient', async () => {
    for (const c of [cases[0], cases[3], cases[6]]) {
      const f = forwardInputs(c, 7);
      const b = inputGradInputs(c, 8);
      const results: Float32Array[][] = [];
      for (const threads of [1, 2, 2]) {
        addon!.setThreads(threads);
        const [y] = await counted('conv2dWinograd', () => runOn('wasm', f.kernel, f.inputs, f.attrs));
        const [dx, ran] = await counted('conv2dInputGradWinograd', () => runOn('wasm', 'Conv2DBackpropInput', b.inputs, b.attrs));
        expect(ran).toBe(1);
        results.push([y.values, dx.values]);
      }
      for (const r of results.slice(1)) {
        expect(Buffer.from(r[0].buffer).equals(Buffer.from(results[0][0].buffer)), `forward bits ${JSON.stringify(c)}`).toBe(true);
        expect(Buffer.from(r[1].buffer).equals(Buffer.from(results[0][1].buffer)), `input gradient bits ${JSON.stringify(c)}`).toBe(true);
      }
    }
  });

  it('is off with WORKBENCH_WINOGRAD=0: the im2col path runs and agrees within the tolerance', async () => {
    const c = cases[2];
    const f = forwardInputs(c, 11);
    const [wino, on] = await counted('conv2dWinograd', () => runOn('wasm', f.kernel, f.inputs, f.attrs));
    process.env.WORKBENCH_WINOGRAD = '0';
    const [im2col, off] = await counted('conv2dWinograd', () => runOn('wasm', f.kernel, f.inputs, f.attrs));
    const b = inputGradInputs(c, 12);
    const [, offDx] = await counted('conv2dInputGradWinograd', () => runOn('wasm', 'Conv2DBackpropInput', b.inputs, b.attrs));
    expect([on, off, offDx]).toEqual([1, 0, 0]);
    expectNear(wino, im2col, 'Winograd vs im2col');
  });

  it('leaves to im2col what it does not cover: 5×5 and strided kernels, few channels, few tiles, narrow input gradients', async () => {
    const base: Case = { h: 12, w: 12, pad: 'same', ci: 32, co: 32, batch: 2, bias: false, act: 'linear' };
    const off: Array<[string, Case, object]> = [
      ['stride 2', base, { strides: [2, 2] }],
      ['7 input channels', { ...base, ci: 7 }, {}],
      ['7 output channels', { ...base, co: 7 }, {}],
      ['31 tiles', { ...base, h: 2, w: 62, batch: 1 }, {}],
    ];
    for (const [label, c, extra] of off) {
      const f = forwardInputs(c, 21);
      const attrs = { ...f.attrs, ...extra };
      const [got, ran] = await counted('conv2dWinograd', () => runOn('wasm', f.kernel, f.inputs, attrs));
      expect(ran, label).toBe(0);
      expectNear(got, await runOn('cpu', f.kernel, f.inputs, attrs), label);
    }
    const k5 = {
      x: { shape: [2, 12, 12, 32], values: randomValues(2 * 144 * 32, 3) },
      filter: { shape: [5, 5, 32, 32], values: randomValues(25 * 32 * 32, 4) },
    };
    const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] };
    const [, ran] = await counted('conv2dWinograd', () => runOn('wasm', 'Conv2D', k5, attrs));
    expect(ran, '5×5').toBe(0);
    const dx = inputGradInputs({ ...base, ci: 31 }, 5);
    const [got, dxRan] = await counted('conv2dInputGradWinograd', () => runOn('wasm', 'Conv2DBackpropInput', dx.inputs, dx.attrs));
    expect(dxRan, 'input gradient of a 31-input-channel layer').toBe(0);
    expectNear(got, await runOn('cpu', 'Conv2DBackpropInput', dx.inputs, dx.attrs), 'input gradient, 31 channels');
  });

  // The conv layer's training op (ConvLayer.ts) asks for tfjs's relu in the epilogue (code 2: NaN and -0 kept), so the
  // taped step's Conv2D -> Add -> Relu and the fused op give the same bits on the Winograd path too.
  it('applies tfjs\'s relu in the conv layer op\'s epilogue: the same bits as Conv2D, Add and Relu, NaN kept', async () => {
    const c: Case = { h: 12, w: 10, pad: 'same', ci: 16, co: 19, batch: 3, bias: true, act: 'relu' };
    const { inputs } = forwardInputs(c, 71);
    const x = Float32Array.from(inputs.x.values);
    x[5 * c.ci] = NaN; // one input pixel NaN: its 2x2 output tiles go NaN on every channel
    const bias = Float32Array.from(inputs.bias.values);
    const filter = Float32Array.from(inputs.filter.values);
    for (let i = 4; i < filter.length; i += c.co) filter[i] = 0; // channel 4: all-zero filter, output = its bias
    bias[4] = -0.5; // ... negative: relu's zeros
    const t = (v: Float32Array, shape: number[]) => tf.tensor(v, shape);
    await tf.setBackend('wasm');
    const run = (fused: boolean) => tf.tidy(() => {
      const [xt, ft, bt] = [t(x, inputs.x.shape), t(filter, inputs.filter.shape), t(bias, [c.co])];
      const y = fused
        ? tf.engine().runKernel(CONV_LAYER_KERNEL, { x: xt, filter: ft, bias: bt }, { strides: [1, 1], pad: 'same', activation: 'relu' } as never) as tf.Tensor
        : tf.relu(tf.add(tf.conv2d(xt as tf.Tensor4D, ft as tf.Tensor4D, 1, 'same'), bt));
      return y.dataSync().slice();
    });
    const [fused, ran] = await counted('conv2dWinograd', async () => run(true));
    expect(ran, 'the fused layer op took the Winograd path').toBe(1);
    const [taped, tapedRan] = await counted('conv2dWinograd', async () => run(false));
    expect(tapedRan, 'the taped Conv2D took the Winograd path').toBe(1);
    expect(Array.from(fused).some(Number.isNaN), 'NaN reached the output').toBe(true);
    expect(Buffer.from(fused.buffer).equals(Buffer.from(taped.buffer)), 'fused vs Conv2D + Add + Relu bits').toBe(true);
  });
});
