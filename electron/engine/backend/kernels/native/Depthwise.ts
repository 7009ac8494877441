// Backend layer: DepthwiseConv2dNative and both its gradients on the wasm heap (native/src/depthwise.c, both cores).
import * as tf from '@tensorflow/tfjs';
import { backend_util } from '@tensorflow/tfjs';
import type { NativeAddon } from '../../native/addon.js';
import { heapOf, offsetOf, type Fallback, type KernelArgs } from './heap.js';

type DwAttrs = {
  strides: number | [number, number]; pad: backend_util.PadInfo['type'] | unknown; dilations?: number | [number, number];
  dataFormat?: string; dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

/**
 * [n,h,w,c,kh,kw,m,oh,ow,sh,sw,pt,pl,dh,dw] in native/src/addon.c's order, derived the way tfjs derives it, or null
 * when the native code does not cover it (NCHW, an empty tensor, a filter whose channels do not match the input).
 */
export function depthwiseGeometry(xShape: number[], filterShape: number[], a: DwAttrs): number[] | null {
  if (xShape.length !== 4 || filterShape.length !== 4 || xShape[3] !== filterShape[2]) return null;
  if (a.dataFormat != null && backend_util.convertConv2DDataFormat(a.dataFormat as 'NHWC') !== 'channelsLast') return null;
  const info = backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number], a.strides, a.dilations ?? 1,
    a.pad as 'valid', a.dimRoundingMode, true, 'channelsLast');
  const size = (s: number[]) => s.reduce((p, q) => p * q, 1);
  if (size(info.inShape) === 0 || size(info.outShape) === 0 || size(filterShape) === 0) return null;
  return [info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.filterHeight, info.filterWidth, filterShape[3],
    info.outHeight, info.outWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left,
    info.dilationHeight, info.dilationWidth];
}

const f32 = (...ts: tf.TensorInfo[]) => ts.every((t) => t.dtype === 'float32');

/** Tags the kernel configs made below (kept by `{ ...config }` copies such as bench/profile.ts's wrappers): a registered
 * config with it means depthwise.c serves that kernel, at any dilation. */
const NATIVE_TAG = Symbol('workbench native depthwise');
const mark = (config: tf.KernelConfig): tf.KernelConfig => Object.assign(config, { [NATIVE_TAG]: true });

/** True when the forward and both gradient kernels registered for `backend` are the native ones above. */
export function nativeDepthwiseRegistered(backend: string): boolean {
  return [tf.DepthwiseConv2dNative, tf.DepthwiseConv2dNativeBackpropInput, tf.DepthwiseConv2dNativeBackpropFilter]
    .every((name) => {
      const k = tf.getKernel(name, backend);
      return k != null && (k as unknown as Record<symbol, unknown>)[NATIVE_TAG] === true;
    });
}

export function nativeDepthwiseConv2dNative(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const g = typeof addon.depthwise === 'function' && f32(x, filter)
      ? depthwiseGeometry(x.shape, filter.shape, args.attrs as unknown as DwAttrs) : null;
    if (g == null) return fallback(args);
    const out = backend.makeOutput([g[0], g[7], g[8], g[3] * g[6]], 'float32');
    addon.depthwise(heapOf(backend), Float64Array.of(offsetOf(backend, x), offsetOf(backend, filter), offsetOf(backend, out), ...g));
    return out;
  };
  return mark({ kernelName: tf.DepthwiseConv2dNative, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}

export function nativeDepthwiseBackpropInput(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const a = args.attrs as unknown as DwAttrs & { inputShape: number[] };
    const g = typeof addon.depthwiseInputGrad === 'function' && f32(dy, filter) ? depthwiseGeometry(a.inputShape, filter.shape, a) : null;
    if (g == null || g[7] !== dy.shape[1] || g[8] !== dy.shape[2] || g[3] * g[6] !== dy.shape[3]) return fallback(args);
    const out = backend.makeOutput([...a.inputShape], 'float32');
    addon.depthwiseInputGrad(heapOf(backend), Float64Array.of(offsetOf(backend, dy), offsetOf(backend, filter), offsetOf(backend, out), ...g));
    return out;
  };
  return mark({ kernelName: tf.DepthwiseConv2dNativeBackpropInput, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}

export function nativeDepthwiseBackpropFilter(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const a = args.attrs as unknown as DwAttrs & { filterShape: number[] };
    const g = typeof addon.depthwiseFilterGrad === 'function' && f32(x, dy) ? depthwiseGeometry(x.shape, a.filterShape, a) : null;
    if (g == null || g[7] !== dy.shape[1] || g[8] !== dy.shape[2] || g[3] * g[6] !== dy.shape[3]) return fallback(args);
    const out = backend.makeOutput([...a.filterShape], 'float32');
    addon.depthwiseFilterGrad(heapOf(backend), Float64Array.of(offsetOf(backend, x), offsetOf(backend, dy), offsetOf(backend, out), ...g));
    return out;
  };
  return mark({ kernelName: tf.DepthwiseConv2dNativeBackpropFilter, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
}
