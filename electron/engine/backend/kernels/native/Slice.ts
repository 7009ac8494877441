// Backend layer: Slice of a float32/int32 tensor on the wasm heap as native row copies (e.g. ZeroPadding2D's gradient).
import * as tf from '@tensorflow/tfjs';
import { slice_util, util } from '@tensorflow/tfjs';
import type { NativeAddon } from '../../native/addon.js';
import { MIN_NATIVE_ELEMENTS } from './eltwise.js';
import { heapOf, offsetOf, type Fallback, type KernelArgs } from './heap.js';

/** More copies than this (a slice cut on many axes) would make the argument list longer than the data: left to tfjs. */
const MAX_COPIES = 4096;

/**
 * The slice as copies of `rows` rows of `width` contiguous elements (element offsets into x and out): the trailing axes
 * the slice keeps whole merge with the innermost cut one into a row, the axis before it steps rows, the axes before
 * that enumerate copies. Null when there would be too many copies.
 */
export function sliceCopies(shape: number[], begin: number[], size: number[]): { src: number[]; dst: number[]; rows: number; srcStride: number; width: number } | null {
  const r = shape.length;
  let k = r - 1;
  let inner = 1;
  while (k > 0 && size[k] === shape[k] && begin[k] === 0) inner *= shape[k--];
  const width = size[k] * inner;
  const rowAxis = k - 1;
  const rows = rowAxis >= 0 ? size[rowAxis] : 1;
  const srcStride = rowAxis >= 0 ? shape[k] * inner : 0;
  const strides = util.computeStrides(shape);
  const elem = (d: number) => (d === r - 1 ? 1 : strides[d]);
  const outer = size.slice(0, Math.max(0, rowAxis));
  const copies = outer.reduce((p, q) => p * q, 1);
  if (copies > MAX_COPIES) return null;
  const base = begin.reduce((p, b, d) => p + b * elem(d), 0);
  const src: number[] = [], dst: number[] = [];
  const idx = new Array(outer.length).fill(0);
  for (let c = 0; c < copies; c++) {
    src.push(base + idx.reduce((p, i, d) => p + i * elem(d), 0));
    dst.push(c * rows * width);
    for (let d = outer.length - 1; d >= 0; d--) {
      if (++idx[d] < outer[d]) break;
      idx[d] = 0;
    }
  }
  return { src, dst, rows, srcStride, width };
}

export function nativeSlice(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const a = args.attrs as unknown as tf.SliceAttrs;
    if (typeof addon.copyRows !== 'function' || (x.dtype !== 'float32' && x.dtype !== 'int32')) return fallback(args);
    const [begin, size] = slice_util.parseSliceParams(x as tf.Tensor, a.begin, a.size);
    if (util.sizeFromShape(size) < MIN_NATIVE_ELEMENTS || slice_util.isSliceContinous(x.shape, begin, size)) return fallback(args);
    const plan = sliceCopies(x.shape, begin, size);
    if (plan == null) return fallback(args);
    const out = backend.makeOutput(size, x.dtype);
    const [xo, oo] = [offsetOf(backend, x), offsetOf(backend, out)];
    const spec = new Float64Array(1 + 6 * plan.src.length);
    spec[0] = plan.src.length;
    plan.src.forEach((s, i) => spec.set([xo + 4 * s, oo + 4 * plan.dst[i], plan.rows, Math.max(plan.srcStride, plan.width), plan.width, plan.width], 1 + 6 * i));
    addon.copyRows(heapOf(backend), spec);
    return out;
  };
  return { kernelName: tf.Slice, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
