// Backend layer: a dilated Conv2D and its two gradients on the wasm heap, straight on the kernel's own taps
// (native/src/conv_dilated.c), for models/dilatedConv.ts; tfjs has no dilated convolution gradient kernels.
import * as tf from '@tensorflow/tfjs';
import { backend_util } from '@tensorflow/tfjs';
import type { NativeAddon, NativeKernelName } from '../../native/addon.js';
import { activeNative } from '../../native/active.js';
import { heapOf, offsetOf, type Fallback, type KernelArgs } from './heap.js';

/** Kernels of our own (no tfjs counterpart): registered on wasm only when the addon has the conv functions. */
export const DILATED_CONV_KERNEL = 'WorkbenchDilatedConv2D';
export const DILATED_CONV_INPUT_GRAD_KERNEL = 'WorkbenchDilatedConv2DBackpropInput';
export const DILATED_CONV_FILTER_GRAD_KERNEL = 'WorkbenchDilatedConv2DBackpropFilter';
export const DILATED_CONV_KERNELS: ReadonlyMap<string, NativeKernelName> = new Map<string, NativeKernelName>([
  [DILATED_CONV_KERNEL, 'conv2d'], [DILATED_CONV_INPUT_GRAD_KERNEL, 'conv2dInputGrad'], [DILATED_CONV_FILTER_GRAD_KERNEL, 'conv2dFilterGrad'],
]);

export interface DilatedConvAttrs {
  strides: [number, number];
  pad: 'same' | 'valid';
  dilations: [number, number];
}

/**
 * [n,h,w,c,kh,kw,co,oh,ow,sh,sw,pt,pl,dh,dw]: addon.c's geometry (kh, kw the kernel's own taps; output and padding of
 * the dilated window) followed by the dilations, or null when the shapes do not fit.
 */
export function dilatedConvGeometry(xShape: readonly number[], filterShape: readonly number[], a: DilatedConvAttrs): number[] | null {
  if (xShape.length !== 4 || filterShape.length !== 4 || xShape[3] !== filterShape[2]) return null;
  const info = backend_util.computeConv2DInfo(xShape as [number, number, number, number], filterShape as [number, number, number, number],
    a.strides, a.dilations, a.pad, undefined, false, 'channelsLast');
  const size = (s: number[]) => s.reduce((p, q) => p * q, 1);
  if (size(info.inShape) === 0 || size(info.outShape) === 0 || size([...filterShape]) === 0) return null;
  return [info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.filterHeight, info.filterWidth, info.outChannels,
    info.outHeight, info.outWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left,
    info.dilationHeight, info.dilationWidth];
}

/** Whether this addon build reads the dilations (an older build or prebuild ignores them: it must not get these calls). */
const dilating = new WeakMap<NativeAddon, boolean>();
export function addonDilates(addon: NativeAddon | null): boolean {
  if (addon == null) return false;
  let ok = dilating.get(addon);
  if (ok === undefined) {
    ok = 'conv2dDilated' in addon.counts();
    dilating.set(addon, ok);
  }
  return ok;
}

const TAG = Symbol('workbench native dilated conv');
const tagged = (config: tf.KernelConfig): tf.KernelConfig => Object.assign(config, { [TAG]: true });

/** True when the three kernels are registered for `backend` and the active addon reads dilations. */
export function nativeDilatedConvReady(backend: string): boolean {
  return addonDilates(activeNative()) && [...DILATED_CONV_KERNELS.keys()].every((name) => {
    const k = tf.getKernel(name, backend);
    return k != null && (k as unknown as Record<symbol, unknown>)[TAG] === true;
  });
}

const f32 = (...ts: tf.TensorInfo[]) => ts.every((t) => t.dtype === 'float32');

/** Inputs x, filter ([kh, kw, c, co], the taps without holes); output the dilated convolution, no bias. */
export function nativeDilatedConv(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const g = f32(x, filter) && addonDilates(addon) ? dilatedConvGeometry(x.shape, filter.shape, args.attrs as unknown as DilatedConvAttrs) : null;
    if (g == null) return fallback(args);
    const out = backend.makeOutput([g[0], g[7], g[8], g[6]], 'float32');
    addon.conv2d(heapOf(backend), Float64Array.of(offsetOf(backend, x), offsetOf(backend, filter), -1, offsetOf(backend, out), 0, ...g));
    return out;
  };
  return tagged({ kernelName: DILATED_CONV_KERNEL, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}

/** Inputs dy, filter; attrs with inputShape; output dx. */
export function nativeDilatedConvInputGrad(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const a = args.attrs as unknown as DilatedConvAttrs & { inputShape: number[] };
    const g = f32(dy, filter) && addonDilates(addon) ? dilatedConvGeometry(a.inputShape, filter.shape, a) : null;
    if (g == null || g[7] !== dy.shape[1] || g[8] !== dy.shape[2] || g[6] !== dy.shape[3]) return fallback(args);
    const out = backend.makeOutput([...a.inputShape], 'float32');
    addon.conv2dInputGrad(heapOf(backend), Float64Array.of(offsetOf(backend, dy), offsetOf(backend, filter), offsetOf(backend, out), ...g));
    return out;
  };
  return tagged({ kernelName: DILATED_CONV_INPUT_GRAD_KERNEL, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}

/** Inputs x, dy; attrs with filterShape; output the kernel's gradient at its own taps. */
export function nativeDilatedConvFilterGrad(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const a = args.attrs as unknown as DilatedConvAttrs & { filterShape: number[] };
    const g = f32(x, dy) && addonDilates(addon) ? dilatedConvGeometry(x.shape, a.filterShape, a) : null;
    if (g == null || g[7] !== dy.shape[1] || g[8] !== dy.shape[2] || g[6] !== dy.shape[3]) return fallback(args);
    const out = backend.makeOutput([...a.filterShape], 'float32');
    addon.conv2dFilterGrad(heapOf(backend), Float64Array.of(offsetOf(backend, x), offsetOf(backend, dy), offsetOf(backend, out), ...g));
    return out;
  };
  return tagged({ kernelName: DILATED_CONV_FILTER_GRAD_KERNEL, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}
