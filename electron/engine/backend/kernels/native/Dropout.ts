// Backend layer: dropout's training mask and product in one native pass, with tf.randomUniform's own random numbers
// (seedrandom's Alea, seeded here in JS exactly as seedrandom does, then run on in C from that state).
import * as tf from '@tensorflow/tfjs';
import { util } from '@tensorflow/tfjs';
import type { NativeAddon } from '../../native/addon.js';
import { heapOf, offsetOf, type Fallback, type KernelArgs } from './heap.js';

/** Our own kernel (no tfjs counterpart): inputs {x}, attrs AleaState & {keep}; outputs [x * mask, mask]. */
export const DROPOUT_KERNEL = 'WorkbenchDropout';

export interface AleaState { c: number; s0: number; s1: number; s2: number }

/** Baagoe's Mash, as in seedrandom 3 (lib/alea.js): the same double arithmetic, so the same state for a seed. */
function mash(): (data: string) => number {
  let n = 0xefc8249d;
  return (data) => {
    for (let i = 0; i < data.length; i++) {
      n += data.charCodeAt(i);
      let h = 0.02519603282416938 * n;
      n = h >>> 0;
      h -= n;
      h *= n;
      n = h >>> 0;
      h -= n;
      n += h * 0x100000000;
    }
    return (n >>> 0) * 2.3283064365386963e-10;
  };
}

/** seedrandom.alea(seed)'s state before its first draw. */
export function aleaState(seed: string): AleaState {
  const m = mash();
  let s0 = m(' '), s1 = m(' '), s2 = m(' ');
  s0 -= m(seed);
  if (s0 < 0) s0 += 1;
  s1 -= m(seed);
  if (s1 < 0) s1 += 1;
  s2 -= m(seed);
  if (s2 < 0) s2 += 1;
  return { c: 1, s0, s1, s2 };
}

export function nativeDropout(addon: NativeAddon, fallback: Fallback): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs) => {
    const { backend } = args;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { c, s0, s1, s2, keep } = args.attrs as unknown as AleaState & { keep: number };
    if (x.dtype !== 'float32') return fallback(args);
    const y = backend.makeOutput([...x.shape], 'float32');
    const mask = backend.makeOutput([...x.shape], 'float32');
    addon.dropout(heapOf(backend), Float64Array.of(offsetOf(backend, x), offsetOf(backend, y), offsetOf(backend, mask),
      util.sizeFromShape(x.shape), c, s0, s1, s2, keep));
    return [y, mask];
  };
  return { kernelName: DROPOUT_KERNEL, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/**
 * tf.dropout(x, rate, undefined, seed) in one pass when the backend has the native kernel, else null: the same
 * numbers (tfjs rounds keep = 1 - rate to float, as here). The gradient is dy * mask, as tfjs's autodiff takes it.
 */
export function nativeDropoutOrNull(x: tf.Tensor, rate: number, seed: string): tf.Tensor | null {
  if (x.dtype !== 'float32' || tf.getKernel(DROPOUT_KERNEL, tf.getBackend()) == null) return null;
  const state = aleaState(seed);
  const keep = Math.fround(1 - rate);
  const f = tf.customGrad(((input: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, mask] = tf.engine().runKernel(DROPOUT_KERNEL, { x: input }, { ...state, keep }) as tf.Tensor[];
    save([mask]);
    return { value: y, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, saved[0]) };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (input: tf.Tensor) => tf.Tensor;
  return f(x);
}
