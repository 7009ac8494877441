// Tests the native DepthwiseConv2dNative and both its gradients on wasm against the 'cpu' backend: every stride,
// dilation, padding kind, depth multiplier and kernel size 1–7, channel tails; same bits on 1 and 2 threads.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClose, randomValues, runOn } from '../reference.js';
import { addon, expectNative, nativeMissing, useNative } from './setup.js';

beforeAll(useNative);

type Pad = 'valid' | 'same' | [[number, number], [number, number], [number, number], [number, number]];
interface DwCase { batch: number; h: number; w: number; c: number; m: number; kh: number; kw: number; s: [number, number]; d: [number, number]; pad: Pad }

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const title = (k: DwCase) => `${k.batch}×${k.h}×${k.w}×${k.c} m${k.m} k${k.kh}×${k.kw} stride ${k.s} dil ${k.d} pad ${JSON.stringify(k.pad)}`;

/** Kernel sizes 1–7, strides 1/2 (and rectangular), dilations, the three padding kinds, multipliers 1–3, channel tails. */
function cases(): DwCase[] {
  const out: DwCase[] = [];
  const channels = [1, 3, 8, 13, 16, 20];
  let i = 0;
  for (const k of [1, 2, 3, 5, 7]) for (const s of [1, 2]) for (const pad of ['valid', 'same'] as const) {
    const c = channels[i % channels.length];
    const m = [1, 1, 2, 3][i % 4];
    i++;
    out.push({ batch: 1 + (i % 3), h: 11, w: 9, c, m, kh: k, kw: k, s: [s, s], d: [1, 1], pad });
  }
  // Dilations (tfjs allows them with stride 1), rectangular kernels and strides, explicit padding.
  out.push({ batch: 2, h: 12, w: 10, c: 16, m: 1, kh: 3, kw: 3, s: [1, 1], d: [2, 2], pad: 'same' });
  out.push({ batch: 2, h: 13, w: 11, c: 5, m: 2, kh: 3, kw: 2, s: [1, 1], d: [3, 2], pad: 'valid' });
  out.push({ batch: 3, h: 10, w: 11, c: 9, m: 1, kh: 2, kw: 3, s: [2, 3], d: [1, 1], pad: [[0, 0], [1, 2], [0, 1], [0, 0]] });
  out.push({ batch: 1, h: 8, w: 8, c: 24, m: 1, kh: 4, kw: 4, s: [2, 2], d: [1, 1], pad: 'same' });
  // The bench model's shapes (residual-sep): stem 30×30×16 valid, 14×14×16 same, 14×14×48 stride 2, 6×6×64 dilated.
  out.push({ batch: 16, h: 30, w: 30, c: 16, m: 1, kh: 3, kw: 3, s: [1, 1], d: [1, 1], pad: 'valid' });
  out.push({ batch: 8, h: 14, w: 14, c: 48, m: 1, kh: 3, kw: 3, s: [2, 2], d: [1, 1], pad: 'valid' });
  out.push({ batch: 8, h: 6, w: 6, c: 64, m: 1, kh: 3, kw: 3, s: [1, 1], d: [2, 2], pad: 'same' });
  return out;
}

function outputShape(k: DwCase): number[] {
  const info = tf.backend_util.computeConv2DInfo([k.batch, k.h, k.w, k.c], [k.kh, k.kw, k.c, k.m], k.s, k.d,
    k.pad as 'valid', undefined, true);
  return info.outShape;
}

/** The filter written out with its holes ([(kh−1)dh+1, (kw−1)dw+1, c, m]): at dilation 1 it is the dilated convolution. */
function dilated(f: Float32Array, k: DwCase): { shape: number[]; values: Float32Array } {
  const [rh, rw] = [(k.kh - 1) * k.d[0] + 1, (k.kw - 1) * k.d[1] + 1];
  const cm = k.c * k.m;
  const out = new Float32Array(rh * rw * cm);
  for (let y = 0; y < k.kh; y++) for (let x = 0; x < k.kw; x++) {
    out.set(f.subarray((y * k.kw + x) * cm, (y * k.kw + x + 1) * cm), (y * k.d[0] * rw + x * k.d[1]) * cm);
  }
  return { shape: [rh, rw, k.c, k.m], values: out };
}

/** The dilated filter's gradient read back at the taps: the gradient of the dilated convolution's filter. */
function undilate(g: { shape: number[]; values: ArrayLike<number> }, k: DwCase): { shape: number[]; values: Float32Array } {
  const rw = (k.kw - 1) * k.d[1] + 1;
  const cm = k.c * k.m;
  const out = new Float32Array(k.kh * k.kw * cm);
  for (let y = 0; y < k.kh; y++) for (let x = 0; x < k.kw; x++) for (let i = 0; i < cm; i++) {
    out[(y * k.kw + x) * cm + i] = g.values[(y * k.d[0] * rw + x * k.d[1]) * cm + i];
  }
  return { shape: [k.kh, k.kw, k.c, k.m], values: out };
}

function inputs(k: DwCase, seed: number) {
  const xShape = [k.batch, k.h, k.w, k.c];
  const fShape = [k.kh, k.kw, k.c, k.m];
  const yShape = outputShape(k);
  return {
    x: { shape: xShape, values: randomValues(size(xShape), seed) },
    filter: { shape: fShape, values: randomValues(size(fShape), seed + 1) },
    dy: { shape: yShape, values: randomValues(size(yShape), seed + 2) },
  };
}

/** Absolute tolerance scaled by how many products an output sums (float sums against cpu's double ones). */
const tol = (terms: number) => 2e-7 * Math.max(50, terms);

describe.skipIf(nativeMissing != null)(`native depthwise convolution equals cpu${nativeMissing ? ` (skipped: ${nativeMissing})` : ''}`, () => {
  afterAll(() => addon?.setThreads(2));

  it('is the registered wasm kernel for the forward and both gradients', () => {
    for (const k of ['DepthwiseConv2dNative', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter']) {
      expect(tf.getKernel(k, 'wasm')?.kernelFunc.name, k).toBe('kernelFunc');
    }
  });

  it.each(cases().map((k) => [title(k), k] as const))('%s', async (_, k) => {
    const { x, filter, dy } = inputs(k, k.h * 7 + k.kh * 3 + k.c);
    const attrs = { strides: k.s, pad: k.pad, dilations: k.d, dataFormat: 'NHWC' };
    const fwd = await expectNative('depthwise', () => runOn('wasm', 'DepthwiseConv2dNative', { x, filter }, attrs));
    expectClose(fwd, await runOn('cpu', 'DepthwiseConv2dNative', { x, filter }, attrs), tol(k.kh * k.kw), 'forward');

    // cpu's gradient kernels ignore dilation (tfjs's op refuses it): with dilation the reference is the convolution
    // with the filter written out with its holes, at dilation 1, which is the same function.
    const holes = k.d[0] > 1 || k.d[1] > 1;
    const refFilter = holes ? dilated(filter.values, k) : filter;
    const refAttrs = { ...attrs, dilations: [1, 1] };
    const inAttrs = { ...attrs, inputShape: x.shape };
    const dx = await expectNative('depthwiseInputGrad', () => runOn('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy, filter }, inAttrs));
    const wantDx = await runOn('cpu', 'DepthwiseConv2dNativeBackpropInput', { dy, filter: refFilter }, { ...inAttrs, ...refAttrs });
    expectClose(dx, wantDx, tol(k.kh * k.kw * k.m), 'input gradient');

    const fAttrs = { ...attrs, filterShape: filter.shape };
    const df = await expectNative('depthwiseFilterGrad', () => runOn('wasm', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, fAttrs));
    let wantDf = await runOn('cpu', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...fAttrs, ...refAttrs, filterShape: refFilter.shape });
    if (holes) wantDf = undilate(wantDf, k);
    expectClose(df, wantDf, tol(size(dy.shape) / (k.c * k.m)), 'filter gradient');
  });

  it('through tf.grad: a depthwise layer\'s gradients on wasm equal cpu', async () => {
    const k: DwCase = { batch: 4, h: 9, w: 9, c: 6, m: 2, kh: 3, kw: 3, s: [2, 2], d: [1, 1], pad: 'same' };
    const { x, filter } = inputs(k, 5);
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')));
        const [gx, gf] = tf.grads(f)([tf.tensor4d(x.values, x.shape as never), tf.tensor4d(filter.values, filter.shape as never)]);
        return [{ shape: gx.shape, values: gx.dataSync() as Float32Array }, { shape: gf.shape, values: gf.dataSync() as Float32Array }];
      });
    };
    const before = addon!.counts();
    const got = await run('wasm');
    const after = addon!.counts();
    for (const name of ['depthwise', 'depthwiseInputGrad', 'depthwiseFilterGrad'] as const) expect(after[name] - before[name], name).toBeGreaterThan(0);
    const want = await run('cpu');
    expectClose(got[0], want[0], 1e-4, 'dx');
    expectClose(got[1], want[1], 1e-3, 'dfilter');
  });

  it('gives the same bits on 1 and 2 threads (the filter gradient\'s parts are fixed by shape)', async () => {
    const k: DwCase = { batch: 24, h: 30, w: 30, c: 20, m: 1, kh: 3, kw: 3, s: [1, 1], d: [1, 1], pad: 'valid' };
    const { x, filter, dy } = inputs(k, 9);
    const attrs = { strides: k.s, pad: k.pad, dilations: k.d, dataFormat: 'NHWC' };
    const all = async () => [
      await runOn('wasm', 'DepthwiseConv2dNative', { x, filter }, attrs),
      await runOn('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy, filter }, { ...attrs, inputShape: x.shape }),
      await runOn('wasm', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: filter.shape }),
    ];
    addon!.setThreads(1);
    const one = await all();
    addon!.setThreads(2);
    const two = await all();
    for (let i = 0; i < 3; i++) {
      expect(Buffer.from(two[i].values.buffer).equals(Buffer.from(one[i].values.buffer)), `output ${i}`).toBe(true);
    }
  });

  it('leaves NCHW to the kernel it replaces', async () => {
    const k: DwCase = { batch: 1, h: 5, w: 5, c: 2, m: 1, kh: 3, kw: 3, s: [1, 1], d: [1, 1], pad: 'same' };
    const { x, filter } = inputs(k, 3);
    // (tfjs's wasm kernel reads NHWC whatever it is told: only that ours stepped aside is checked.)
    await expectNative('depthwise', () => runOn('wasm', 'DepthwiseConv2dNative', { x, filter }, { strides: 1, pad: 'same', dilations: 1, dataFormat: 'NCHW' }), false);
  });
});
