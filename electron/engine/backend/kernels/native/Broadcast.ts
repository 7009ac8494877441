// Backend layer: element-wise binary ops with broadcasting, comparisons and Select on the wasm heap
// (native/src/broadcast.c): the masks and scalings of gradients, which tfjs's wasm backend runs slowly when shapes differ.
import * as tf from '@tensorflow/tfjs';
import { backend_util, util } from '@tensorflow/tfjs';
import type { NativeAddon } from '../../native/addon.js';
import { MIN_NATIVE_ELEMENTS } from './eltwise.js';
import { heapOf, offsetOf, type Fallback, type KernelArgs, type WasmBackendInternals } from './heap.js';

/** native/src/tn.h's TN_BC_* codes. */
export const BC = { add: 0, sub: 1, mul: 2, div: 3, select: 4, equal: 5, greater: 6, greaterEqual: 7, less: 8, lessEqual: 9, prelu: 10, leaky: 11 } as const;
const isBool = (op: number) => op >= BC.equal && op <= BC.lessEqual;
const MAX_RANK = 6;

/**
 * The output shape and, over it with adjacent dimensions merged where both operands allow, each dimension's size and
 * each operand's element stride (0 where it is broadcast); null when the shapes do not broadcast or stay above rank 6.
 */
export function broadcastGeometry(aShape: number[], bShape: number[]): { out: number[]; shape: number[]; sa: number[]; sb: number[] } | null {
  let out: number[];
  try {
    out = backend_util.assertAndGetBroadcastShape(aShape, bShape);
  } catch {
    return null;
  }
  const strides = (s: number[]) => {
    const padded = [...new Array(out.length - s.length).fill(1), ...s];
    const st = new Array<number>(out.length);
    let acc = 1;
    for (let d = out.length - 1; d >= 0; d--) {
      st[d] = padded[d] === 1 && out[d] !== 1 ? 0 : acc;
      acc *= padded[d];
    }
    return st;
  };
  const [fa, fb] = [strides(aShape), strides(bShape)];
  const shape: number[] = [], sa: number[] = [], sb: number[] = [];
  for (let d = 0; d < out.length; d++) {
    if (out[d] === 1) continue;
    const k = shape.length - 1;
    // Dimension d joins the one before when, for each operand, stepping the earlier one equals stepping d n times.
    if (k >= 0 && sa[k] === fa[d] * out[d] && sb[k] === fb[d] * out[d]) {
      shape[k] *= out[d];
      sa[k] = fa[d];
      sb[k] = fb[d];
    } else {
      shape.push(out[d]);
      sa.push(fa[d]);
      sb.push(fb[d]);
    }
  }
  if (shape.length === 0) {
    shape.push(1);
    sa.push(0);
    sb.push(0);
  }
  return shape.length > MAX_RANK ? null : { out, shape, sa, sb };
}

/** Runs `op` on a and b into a new tensor, or returns null when the native code does not cover the inputs. */
export function runBroadcast(addon: NativeAddon, backend: WasmBackendInternals, op: number, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo | null {
  if (typeof addon.broadcast !== 'function' || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const g = broadcastGeometry(a.shape, b.shape);
  if (g == null || util.sizeFromShape(g.out) < MIN_NATIVE_ELEMENTS) return null;
  const out = backend.makeOutput(g.out, isBool(op) ? 'bool' : 'float32');
  addon.broadcast(heapOf(backend), Float64Array.of(op, offsetOf(backend, a), offsetOf(backend, b), -1, offsetOf(backend, out),
    g.shape.length, ...g.shape, ...g.sa, ...g.sb));
  return out;
}

function binary(kernelName: string, op: number) {
  return (addon: NativeAddon, fallback: Fallback): tf.KernelConfig => {
    const kernelFunc = (args: KernelArgs) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      return runBroadcast(addon, args.backend, op, a, b) ?? fallback(args);
    };
    return { kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
  };
}

export const nativeEqual = binary(tf.Equal, BC.equal);
export const nativeGreater = binary(tf.Greater, BC.greater);
export const nativeGreaterEqual = binary(tf.GreaterEqual, BC.greaterEqual);
export const nativeLess = binary(tf.Less, BC.less);
export const nativeLessEqual = binary(tf.LessEqual, BC.lessEqual);
export const nativeSub = binary(tf.Sub, BC.sub);
export const nativeRealDiv = binary(tf.RealDiv, BC.div);

/** PReLU: x < 0 ? alpha * x : x with alpha broadcast (per channel, or shared over axes). */
export function nativePrelu(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { x, alpha } = args.inputs as { x: tf.TensorInfo; alpha: tf.TensorInfo };
    return runBroadcast(addon, args.backend, BC.prelu, x, alpha) ?? fallback(args);
  };
  return { kernelName: tf.Prelu, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** LeakyReLU: x < 0 ? alpha * x : x, the product in double and rounded once, as tfjs's cpu kernel computes it. */
export function nativeLeakyRelu(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { alpha } = args.attrs as unknown as tf.LeakyReluAttrs;
    const n = util.sizeFromShape(x.shape);
    if (typeof addon.broadcast !== 'function' || x.dtype !== 'float32' || n < MIN_NATIVE_ELEMENTS || !Number.isFinite(alpha)) return fallback(args);
    const out = backend.makeOutput([...x.shape], 'float32');
    addon.broadcast(heapOf(backend), Float64Array.of(BC.leaky, offsetOf(backend, x), -1, -1, offsetOf(backend, out), 1, n, 1, 0, alpha));
    return out;
  };
  return { kernelName: tf.LeakyRelu, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** Select with a condition of the operands' shape (tf.where's element-wise form); the rank-1 condition falls back. */
export function nativeSelect(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { condition, t, e } = args.inputs as { condition: tf.TensorInfo; t: tf.TensorInfo; e: tf.TensorInfo };
    const n = util.sizeFromShape(t.shape);
    if (typeof addon.broadcast !== 'function' || condition.dtype !== 'bool' || t.dtype !== 'float32' || e.dtype !== 'float32'
      || !util.arraysEqual(condition.shape, t.shape) || !util.arraysEqual(t.shape, e.shape) || n < MIN_NATIVE_ELEMENTS) return fallback(args);
    const out = backend.makeOutput([...t.shape], 'float32');
    addon.broadcast(heapOf(backend), Float64Array.of(BC.select, offsetOf(backend, t), offsetOf(backend, e), offsetOf(backend, condition),
      offsetOf(backend, out), 1, n, 1, 1));
    return out;
  };
  return { kernelName: tf.Select, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
