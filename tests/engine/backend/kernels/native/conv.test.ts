// Tests the native Conv2D, FusedConv2D and both Conv2D gradients on wasm against the 'cpu' backend.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { convCases, convTitle, type ConvCase } from '../conv-grid.js';
import { expectClose, randomValues, runOn } from '../reference.js';
import { expectNative, nativeMissing, useNative } from './setup.js';
import type { NativeKernelName } from '../../../../../electron/engine/backend/native/addon.js';

beforeAll(useNative);

/** The grid, plus cases big enough to split over threads, chunk the batch and span several GEMM blocks. */
function cases(): ConvCase[] {
  const big: ConvCase[] = [
    { stride: 1, pad: 'valid', k: 3, ci: 32, co: 64, batch: 16, h: 13, w: 13, outH: 11, outW: 11 },
    { stride: 1, pad: 'valid', k: 3, ci: 1, co: 32, batch: 3, h: 28, w: 28, outH: 26, outW: 26 },
    { stride: 2, pad: 'same', k: 5, ci: 24, co: 40, batch: 5, h: 12, w: 11, outH: 6, outW: 6 },
    { stride: 1, pad: 'same', k: 1, ci: 40, co: 300, batch: 4, h: 7, w: 7, outH: 7, outW: 7 },
  ];
  return [...convCases(), ...big];
}

const NATIVE: Record<string, NativeKernelName> = {
  Conv2D: 'conv2d', FusedConv2D: 'conv2d', Conv2DBackpropFilter: 'conv2dFilterGrad', Conv2DBackpropInput: 'conv2dInputGrad',
};

/** wasm equals cpu, and the native kernel did (or, for cases it does not cover, did not) run. */
const run = async (kernel: string, inputs: Parameters<typeof runOn>[2], attrs: object, native = true) => {
  const got = await expectNative(NATIVE[kernel], () => runOn('wasm', kernel, inputs, attrs), native);
  expectClose(got, await runOn('cpu', kernel, inputs, attrs), 1e-4, kernel);
};

describe.skipIf(nativeMissing != null)(`native convolution kernels equal cpu${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  it('are the registered wasm kernels', () => {
    for (const k of ['Conv2D', 'FusedConv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput']) {
      expect(tf.getKernel(k, 'wasm')?.kernelFunc.name, k).toBe('kernelFunc');
    }
  });

  it.each(cases())(`Conv2D ${convTitle} $h×$w`, async ({ stride, pad, k, ci, co, batch, h, w }) => {
    await run('Conv2D', {
      x: { shape: [batch, h, w, ci], values: randomValues(batch * h * w * ci, k + ci) },
      filter: { shape: [k, k, ci, co], values: randomValues(k * k * ci * co, co) },
    }, { strides: [stride, stride], pad, dataFormat: 'NHWC', dilations: [1, 1] });
  });

  it.each(cases())(`FusedConv2D with bias and relu ${convTitle} $h×$w`, async ({ stride, pad, k, ci, co, batch, h, w }) => {
    await run('FusedConv2D', {
      x: { shape: [batch, h, w, ci], values: randomValues(batch * h * w * ci, k + ci + 1) },
      filter: { shape: [k, k, ci, co], values: randomValues(k * k * ci * co, co + 1) },
      bias: { shape: [co], values: randomValues(co, 3) },
    }, { strides: [stride, stride], pad, dataFormat: 'NHWC', dilations: [1, 1], activation: 'relu' });
  });

  it.each(cases())(`Conv2DBackpropFilter ${convTitle} $h×$w`, async ({ stride, pad, k, ci, co, batch, h, w, outH, outW }) => {
    await run('Conv2DBackpropFilter', {
      x: { shape: [batch, h, w, ci], values: randomValues(batch * h * w * ci, k * ci) },
      dy: { shape: [batch, outH, outW, co], values: randomValues(batch * outH * outW * co, k * co) },
    }, { strides: [stride, stride], pad, dataFormat: 'NHWC', filterShape: [k, k, ci, co] });
  });

  it.each(cases())(`Conv2DBackpropInput ${convTitle} $h×$w`, async ({ stride, pad, k, ci, co, batch, h, w, outH, outW }) => {
    await run('Conv2DBackpropInput', {
      dy: { shape: [batch, outH, outW, co], values: randomValues(batch * outH * outW * co, k + co + 2) },
      filter: { shape: [k, k, ci, co], values: randomValues(k * k * ci * co, ci + 2) },
    }, { strides: [stride, stride], pad, dataFormat: 'NHWC', inputShape: [batch, h, w, ci] });
  });

  it('falls back to the wasm kernels for what the native code does not cover (dilation, other activations)', async () => {
    const inputs = {
      x: { shape: [2, 9, 9, 3], values: randomValues(2 * 81 * 3, 5) },
      filter: { shape: [3, 3, 3, 4], values: randomValues(108, 6) },
    };
    await run('Conv2D', inputs, { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: [2, 2] }, false);
    await run('FusedConv2D', { ...inputs, bias: { shape: [4], values: randomValues(4, 7) } },
      { strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: 1, activation: 'leakyrelu', leakyreluAlpha: 0.2 }, false);
  });

  // tfjs-layers hands a Conv2D's elu to FusedConv2D; in inference that ran the stock single-threaded kernel.
  it.each(['elu', 'relu6', 'sigmoid'])('FusedConv2D with bias and %s: the conv, then one native activation pass', async (activation) => {
    const inputs = {
      x: { shape: [3, 12, 12, 5], values: randomValues(3 * 144 * 5, 11).map((v) => 8 * v) },
      filter: { shape: [3, 3, 5, 7], values: randomValues(315, 12) },
      bias: { shape: [7], values: randomValues(7, 13) },
    };
    await expectNative('activation', () => run('FusedConv2D', inputs, { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1], activation }));
  });

  it('handles explicit padding and rectangular strides', async () => {
    const inputs = {
      x: { shape: [3, 10, 11, 4], values: randomValues(3 * 110 * 4, 8) },
      filter: { shape: [3, 2, 4, 5], values: randomValues(120, 9) },
    };
    await run('Conv2D', inputs, { strides: [2, 3], pad: [[0, 0], [1, 2], [0, 1], [0, 0]], dataFormat: 'NHWC', dilations: 1 });
  });
});
