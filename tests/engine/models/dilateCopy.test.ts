// Tests the dilated kernel as one copy op each way against dilation.ts's reshape/pad/slice chain: same values, same
// gradient, on cpu and wasm, for square, uneven and rate-1 axes.
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-wasm';
import { dilateKernel } from '../../../electron/engine/models/dilation.js';
import { dilateCopyAvailable } from '../../../electron/engine/models/dilateCopy.js';
import { randomValues } from '../backend/kernels/reference.js';

afterEach(() => {
  delete process.env.WORKBENCH_FUSED_GRAPH;
});

/** The dilated kernel and the kernel's gradient under the loss Σ dilated·w. */
function run(shape: [number, number, number, number], rate: [number, number]): { y: Float32Array; dk: Float32Array; copy: boolean } {
  return tf.tidy(() => {
    const k = tf.tensor4d(randomValues(shape.reduce((a, b) => a * b, 1), 3), shape);
    const copy = dilateCopyAvailable(k);
    const y = dilateKernel(k, rate);
    const w = tf.tensor(randomValues(y.size, 4), y.shape);
    const dk = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(dilateKernel(t, rate), w)))(k);
    return { y: Float32Array.from(y.dataSync()), dk: Float32Array.from(dk.dataSync()), copy };
  });
}

describe('dilateKernelCopy', () => {
  const cases: Array<[[number, number, number, number], [number, number]]> = [
    [[3, 3, 32, 1], [2, 2]], [[3, 3, 32, 16], [2, 2]], [[3, 5, 2, 3], [3, 2]], [[2, 3, 4, 1], [1, 4]], [[1, 3, 2, 2], [2, 2]],
  ];
  it.each(['cpu', 'wasm'])('on %s: the same kernel and gradient as the reshape/pad/slice chain', async (backend) => {
    await tf.setBackend(backend);
    for (const [shape, rate] of cases) {
      const copied = run(shape, rate);
      process.env.WORKBENCH_FUSED_GRAPH = '0';
      const chain = run(shape, rate);
      delete process.env.WORKBENCH_FUSED_GRAPH;
      expect([copied.copy, chain.copy]).toEqual([true, false]);
      expect(Buffer.from(copied.y.buffer).equals(Buffer.from(chain.y.buffer)), `${shape} rate ${rate}: values`).toBe(true);
      expect(Buffer.from(copied.dk.buffer).equals(Buffer.from(chain.dk.buffer)), `${shape} rate ${rate}: gradient`).toBe(true);
      const [kh, kw] = shape;
      expect(copied.y.length).toBe(((kh - 1) * rate[0] + 1) * ((kw - 1) * rate[1] + 1) * shape[2] * shape[3]);
    }
  });
});
