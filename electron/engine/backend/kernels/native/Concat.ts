// Backend layer: Concat and SplitV (the gradient of a concatenation) on the wasm heap as native row copies, any axis.
import * as tf from '@tensorflow/tfjs';
import { backend_util, util } from '@tensorflow/tfjs';
import type { NativeAddon } from '../../native/addon.js';
import { heapOf, offsetOf, type Fallback, type KernelArgs } from './heap.js';

const size = (s: readonly number[]) => s.reduce((p, q) => p * q, 1);
/** 4-byte element types: a copy moves them whatever they mean. */
const copyable = (t: tf.TensorInfo) => t.dtype === 'float32' || t.dtype === 'int32';

/** Concatenation along `axis` = for every input, its rows (the axes before `axis`) copied into a column band of the output's rows. */
export function nativeConcat(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const inputs = Object.values(args.inputs) as tf.TensorInfo[];
    if (typeof addon.copyRows !== 'function' || inputs.length < 2) return fallback(args);
    const dtype = inputs[0].dtype;
    if (!inputs.every((t) => t.dtype === dtype && copyable(t) && size(t.shape) > 0)) return fallback(args);
    const axis = util.parseAxisParam((args.attrs as unknown as tf.ConcatAttrs).axis, inputs[0].shape)[0];
    backend_util.assertParamsConsistent(inputs.map((t) => t.shape), axis);
    const outShape = backend_util.computeOutShape(inputs.map((t) => t.shape), axis);
    const rows = size(inputs[0].shape.slice(0, axis));
    const widths = inputs.map((t) => size(t.shape.slice(axis)));
    const total = widths.reduce((p, q) => p + q, 0);
    const out = backend.makeOutput(outShape, dtype);
    const base = offsetOf(backend, out);
    const spec: number[] = [inputs.length];
    let col = 0;
    inputs.forEach((t, i) => {
      spec.push(offsetOf(backend, t), base + 4 * col, rows, widths[i], total, widths[i]);
      col += widths[i];
    });
    addon.copyRows(heapOf(backend), Float64Array.from(spec));
    return out;
  };
  return { kernelName: tf.Concat, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** Split along `axis` = every output's rows copied out of a column band of the input's rows, all in one call. */
export function nativeSplitV(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const a = args.attrs as unknown as tf.SplitVAttrs;
    if (typeof addon.copyRows !== 'function' || !copyable(x) || size(x.shape) === 0) return fallback(args);
    const axis = util.parseAxisParam(a.axis, x.shape)[0];
    const sizes = backend_util.prepareSplitSize(x as tf.Tensor, a.numOrSizeSplits, axis);
    if (sizes.some((s) => s <= 0)) return fallback(args);
    const rows = size(x.shape.slice(0, axis));
    const inner = size(x.shape.slice(axis + 1));
    const total = x.shape[axis] * inner;
    const outs = sizes.map((s) => backend.makeOutput(x.shape.map((d, i) => (i === axis ? s : d)), x.dtype));
    const base = offsetOf(backend, x);
    const spec: number[] = [outs.length];
    let col = 0;
    outs.forEach((o, i) => {
      const width = sizes[i] * inner;
      spec.push(base + 4 * col, offsetOf(backend, o), rows, total, width, width);
      col += width;
    });
    addon.copyRows(heapOf(backend), Float64Array.from(spec));
    return outs;
  };
  return { kernelName: tf.SplitV, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
