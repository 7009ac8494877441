// Backend layer: a Conv2D layer's training kernels on the wasm heap: the convolution with its bias and relu (or linear)
// in one native call, a layer activation, and the activation gradient fused with the bias gradient (one pass).
import * as tf from '@tensorflow/tfjs';
import { util } from '@tensorflow/tfjs';
import type { NativeAddon, NativeKernelName } from '../../native/addon.js';
import { convGeometry } from './conv-geometry.js';
import { heapOf, offsetOf, type Fallback, type KernelArgs } from './heap.js';

/** Kernels of our own (no tfjs counterpart): registered on wasm only when the addon has their functions. */
export const CONV_LAYER_KERNEL = 'WorkbenchConvLayer';
export const LAYER_ACTIVATION_KERNEL = 'WorkbenchLayerActivation';
export const BIAS_ACT_GRAD_KERNEL = 'WorkbenchBiasActGrad';
export const CONV_LAYER_KERNELS: ReadonlyMap<string, NativeKernelName> = new Map<string, NativeKernelName>([
  [CONV_LAYER_KERNEL, 'conv2d'], [LAYER_ACTIVATION_KERNEL, 'activation'], [BIAS_ACT_GRAD_KERNEL, 'biasActGrad'],
]);

/** biasActGrad's function number for relu's gradient dy · step(y) (TN_ACT_RELU_MASK = TN_ACT_COUNT in native/src/tn.h). */
export const RELU_MASK = 8;
/** conv2d's epilogue: 0 linear, 2 relu as tfjs's Relu kernel (x < 0 ? 0 : x), the op the taped step runs. */
const EPILOGUE = { linear: 0, relu: 2 } as const;

export interface ConvLayerAttrs {
  strides: [number, number];
  pad: 'same' | 'valid';
  activation: 'linear' | 'relu';
}

/** The native geometry of a channel-last, undilated convolution, or null when the native kernel does not take it. */
export function convLayerGeometry(xShape: number[], filterShape: number[], strides: [number, number], pad: 'same' | 'valid'): number[] | null {
  if (xShape.length !== 4 || filterShape.length !== 4 || xShape[3] !== filterShape[2]) return null;
  return convGeometry(xShape, filterShape, strides, pad, 1, 'NHWC');
}

const floats = (...infos: (tf.TensorInfo | undefined)[]) => infos.every((i) => i == null || i.dtype === 'float32');

/** Inputs x, filter and an optional bias ([co]); output [n, oh, ow, co], bias added and relu applied in the epilogue. */
export function nativeConvLayer(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x, filter, bias } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo; bias?: tf.TensorInfo };
    const a = args.attrs as unknown as ConvLayerAttrs;
    const g = floats(x, filter, bias) && (bias == null || util.sizeFromShape(bias.shape) === filter.shape[3])
      ? convLayerGeometry(x.shape, filter.shape, a.strides, a.pad) : null;
    if (g == null) return fallback(args);
    const out = backend.makeOutput([g[0], g[7], g[8], g[6]], 'float32');
    addon.conv2d(heapOf(backend), Float64Array.of(offsetOf(backend, x), offsetOf(backend, filter), bias ? offsetOf(backend, bias) : -1,
      offsetOf(backend, out), EPILOGUE[a.activation], ...g));
    return out;
  };
  return { kernelName: CONV_LAYER_KERNEL, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** A conv layer's activation (fn a native activation number): the forward pass of models/activations.ts's kernel, under
 *  its own name so that its recorded gradient can hand the bias gradient to the convolution below (models/convLayer.ts). */
export function nativeLayerActivation(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { fn } = args.attrs as unknown as { fn: number };
    if (!floats(x)) return fallback(args);
    const out = backend.makeOutput([...x.shape], 'float32');
    addon.activation(heapOf(backend), Float64Array.of(fn, offsetOf(backend, x), -1, -1, offsetOf(backend, out), util.sizeFromShape(x.shape), 0));
    return out;
  };
  return { kernelName: LAYER_ACTIVATION_KERNEL, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

export interface BiasActGradAttrs {
  /** A native activation number (its gradient reads x or y), or RELU_MASK. */
  fn: number;
  /** Also the column sums of dz over every axis but the last (the bias gradient). */
  bias: boolean;
}

/** Inputs dy, x (the activation's input), y (its output); outputs dz and, with `bias`, db = Sum(dz) over all axes but the last. */
export function nativeBiasActGrad(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { dy, x, y } = args.inputs as { dy: tf.TensorInfo; x: tf.TensorInfo; y: tf.TensorInfo };
    const { fn, bias } = args.attrs as unknown as BiasActGradAttrs;
    const size = util.sizeFromShape(dy.shape);
    if (!floats(dy, x, y) || dy.shape.length < 1 || util.sizeFromShape(x.shape) !== size || util.sizeFromShape(y.shape) !== size) {
      return fallback(args);
    }
    const n = dy.shape[dy.shape.length - 1];
    const dz = backend.makeOutput([...dy.shape], 'float32');
    const db = bias ? backend.makeOutput([n], 'float32') : null;
    addon.biasActGrad(heapOf(backend), Float64Array.of(fn, offsetOf(backend, x), offsetOf(backend, y), offsetOf(backend, dy),
      offsetOf(backend, dz), db ? offsetOf(backend, db) : -1, n === 0 ? 0 : size / n, n));
    return db ? [dz, db] : [dz];
  };
  return { kernelName: BIAS_ACT_GRAD_KERNEL, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
