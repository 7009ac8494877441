// Test helper: runs one kernel on the backend under test and on tfjs's plain 'cpu' backend, same random inputs.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

/** Seeded uniform values in [-1, 1): reproducible inputs without pulling in the engine's rng. */
export function randomValues(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

export interface KernelInput {
  shape: number[];
  values: Float32Array | Int32Array;
  dtype?: 'float32' | 'int32' | 'bool';
}

/** Output values and shape of `kernelName` on `backend` (which must already be initialised). */
export async function runOn(backend: string, kernelName: string, inputs: Record<string, KernelInput>, attrs: object) {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const ts: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(inputs)) ts[k] = tf.tensor(v.values, v.shape, v.dtype ?? 'float32');
    const out = tf.engine().runKernel(kernelName, ts as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;
    return { shape: out.shape, values: out.dataSync() as Float32Array };
  });
}

/** Largest absolute difference, with where it occurs, so a failure says how wrong and where. */
export function expectClose(actual: { shape: number[]; values: ArrayLike<number> }, expected: { shape: number[]; values: ArrayLike<number> }, tol = 1e-4, label = '') {
  expect(actual.shape, `${label} shape`).toEqual(expected.shape);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.values.length; i++) {
    const d = Math.abs(actual.values[i] - expected.values[i]);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  expect(worst, `${label}: max |diff| ${worst} at flat index ${at} (got ${actual.values[at]}, want ${expected.values[at]})`).toBeLessThanOrEqual(tol);
}
