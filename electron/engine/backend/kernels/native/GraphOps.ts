// Backend layer: kernels of our own for the graph models' layers (native/src/noise.c): GaussianNoise's training pass
// (x + tfjs's own Gaussian draw, bit for bit) and the ReLU / LeakyReLU / PReLU gradients, each one pass over the activation.
import * as tf from '@tensorflow/tfjs';
import { util } from '@tensorflow/tfjs';
import type { NativeAddon, NativeKernelName } from '../../native/addon.js';
import { heapOf, offsetOf, type Fallback, type KernelArgs } from './heap.js';

/** Input x; attrs c, s0, s1, s2 (seedrandom Alea's state after seeding), mean, stddev; output x + noise. */
export const GAUSSIAN_NOISE = 'WorkbenchGaussianNoise';
/** Inputs x, dy; attr alpha; output dx = x > 0 ? dy : dy·alpha. */
export const LEAKY_RELU_GRAD = 'WorkbenchLeakyReluGrad';
/** Inputs x, dy, alpha (periodic over x's trailing elements); outputs dx and the per-element alpha terms (x > 0 ? 0 : dy·x). */
export const PRELU_GRAD = 'WorkbenchPreluGrad';
/** Inputs x, dy; output dx = dy·step(x) (tfjs's Relu gradient). */
export const RELU_GRAD = 'WorkbenchReluGrad';
/** Inputs x [N, H, W, C], y and dy [N, C] (the max over H and W); output dx = dy·(x == y ? 1 : 0) (tfjs's Max gradient). */
export const GLOBAL_MAX_GRAD = 'WorkbenchGlobalMaxGrad';
/** Inputs x [..., C] and bias [C]; output relu(x + bias), tfjs's Add of the bias then its Relu (z < 0 ? 0 : z) in one pass. */
export const BIAS_RELU = 'WorkbenchBiasRelu';
export const GRAPH_OP_KERNELS: ReadonlyMap<string, NativeKernelName> = new Map<string, NativeKernelName>([
  [GAUSSIAN_NOISE, 'noise'], [LEAKY_RELU_GRAD, 'reluGrad'], [PRELU_GRAD, 'reluGrad'], [RELU_GRAD, 'reluGrad'], [GLOBAL_MAX_GRAD, 'reluGrad'],
  [BIAS_RELU, 'eltwise'],
]);

/** eltwise's op number for relu(a + row) (native/src/addon.c). */
const ADD_ROW_RELU = 5;

/** tn_relu_grad's op codes (native/src/tn.h). */
const OPS = { leaky: 0, prelu: 1, relu: 2, maxmask: 3 } as const;

export interface NoiseAttrs { c: number; s0: number; s1: number; s2: number; mean: number; stddev: number }

const floats = (...infos: tf.TensorInfo[]) => infos.every((i) => i.dtype === 'float32');

export function nativeGaussianNoise(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { c, s0, s1, s2, mean, stddev } = args.attrs as unknown as NoiseAttrs;
    if (typeof addon.noise !== 'function' || !floats(x)) return fallback(args);
    const out = backend.makeOutput([...x.shape], 'float32');
    addon.noise(heapOf(backend), Float64Array.of(offsetOf(backend, x), offsetOf(backend, out), util.sizeFromShape(x.shape), c, s0, s1, s2, mean, stddev));
    return out;
  };
  return { kernelName: GAUSSIAN_NOISE, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

export function nativeReluGrad(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const n = util.sizeFromShape(x.shape);
    if (typeof addon.reluGrad !== 'function' || !floats(x, dy) || util.sizeFromShape(dy.shape) !== n) return fallback(args);
    const dx = backend.makeOutput([...x.shape], 'float32');
    addon.reluGrad(heapOf(backend), Float64Array.of(OPS.relu, offsetOf(backend, x), offsetOf(backend, dy), -1, offsetOf(backend, dx), -1, n, 1, 0));
    return dx;
  };
  return { kernelName: RELU_GRAD, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

export function nativeLeakyReluGrad(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const { alpha } = args.attrs as { alpha: number };
    const n = util.sizeFromShape(x.shape);
    if (typeof addon.reluGrad !== 'function' || !floats(x, dy) || util.sizeFromShape(dy.shape) !== n) return fallback(args);
    const dx = backend.makeOutput([...x.shape], 'float32');
    addon.reluGrad(heapOf(backend), Float64Array.of(OPS.leaky, offsetOf(backend, x), offsetOf(backend, dy), -1,
      offsetOf(backend, dx), -1, n, 1, alpha));
    return dx;
  };
  return { kernelName: LEAKY_RELU_GRAD, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** alpha's elements repeat every util.sizeFromShape(alpha.shape) elements of x: the caller checks (preluPeriod). */
export function nativePreluGrad(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x, dy, alpha } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo; alpha: tf.TensorInfo };
    const n = util.sizeFromShape(x.shape), period = util.sizeFromShape(alpha.shape);
    if (typeof addon.reluGrad !== 'function' || !floats(x, dy, alpha) || util.sizeFromShape(dy.shape) !== n || period < 1 || n % period !== 0) {
      return fallback(args);
    }
    const dx = backend.makeOutput([...x.shape], 'float32');
    const terms = backend.makeOutput([...x.shape], 'float32');
    addon.reluGrad(heapOf(backend), Float64Array.of(OPS.prelu, offsetOf(backend, x), offsetOf(backend, dy), offsetOf(backend, alpha),
      offsetOf(backend, dx), offsetOf(backend, terms), n, period, 0));
    return [dx, terms];
  };
  return { kernelName: PRELU_GRAD, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

export function nativeGlobalMaxGrad(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x, y, dy } = args.inputs as { x: tf.TensorInfo; y: tf.TensorInfo; dy: tf.TensorInfo };
    const [n, h, w, c] = x.shape;
    if (typeof addon.reluGrad !== 'function' || !floats(x, y, dy) || x.shape.length !== 4 || util.sizeFromShape(y.shape) !== n * c
      || util.sizeFromShape(dy.shape) !== n * c || n * h * w * c === 0) return fallback(args);
    const dx = backend.makeOutput([...x.shape], 'float32');
    addon.reluGrad(heapOf(backend), Float64Array.of(OPS.maxmask, offsetOf(backend, x), offsetOf(backend, dy), offsetOf(backend, y),
      offsetOf(backend, dx), -1, n * h * w * c, c, 0, h * w * c));
    return dx;
  };
  return { kernelName: GLOBAL_MAX_GRAD, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** The caller (models/biasRelu.ts) checks float32 and that bias is x's last axis long. */
export function nativeBiasRelu(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x, bias } = args.inputs as { x: tf.TensorInfo; bias: tf.TensorInfo };
    const c = x.shape[x.shape.length - 1];
    if (!floats(x, bias) || x.shape.length < 1 || c < 1 || util.sizeFromShape(bias.shape) !== c) return fallback(args);
    const out = backend.makeOutput([...x.shape], 'float32');
    addon.eltwise(heapOf(backend), Float64Array.of(ADD_ROW_RELU, offsetOf(backend, x), offsetOf(backend, bias), offsetOf(backend, out),
      util.sizeFromShape(x.shape), c, 0));
    return out;
  };
  return { kernelName: BIAS_RELU, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
