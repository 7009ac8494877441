// Model layer: a dilated convolution's kernel with its holes written out as one op each way (a copy on the CPU side of
// the cpu and wasm backends), in place of dilation.ts's chain of reshape/pad/slice, which costs tfjs ~14 ops a step.
import * as tf from '@tensorflow/tfjs';
import { graphFusionEnabled } from './graphOps.js';

/** Backends whose tensors live in (wasm or JS) memory this thread reads synchronously at no real cost. */
const HOST_BACKENDS = new Set(['cpu', 'wasm']);

export function dilateCopyAvailable(kernel: tf.Tensor): boolean {
  return kernel.dtype === 'float32' && kernel.rank === 4 && HOST_BACKENDS.has(tf.getBackend()) && graphFusionEnabled();
}

/**
 * [(kh−1)·dh+1, (kw−1)·dw+1, a, b] with tap (i, j) of `kernel` at (i·dh, j·dw) and zeros between; its gradient takes
 * the taps back out of dy. Both are copies, so values and gradients have the bits of the reshape/pad/slice chain.
 */
export function dilateKernelCopy(kernel: tf.Tensor, rate: [number, number]): tf.Tensor4D {
  const [kh, kw, a, b] = kernel.shape as [number, number, number, number];
  const [dh, dw] = rate;
  const rows = (kh - 1) * dh + 1, cols = (kw - 1) * dw + 1, depth = a * b;
  /** Offset of tap (i, j)'s first element in the dilated kernel. */
  const at = (i: number, j: number) => ((i * dh) * cols + j * dw) * depth;
  const op = tf.customGrad(((k: tf.Tensor) => {
    const src = k.dataSync() as Float32Array;
    const out = new Float32Array(rows * cols * depth);
    for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) out.set(src.subarray((i * kw + j) * depth, (i * kw + j + 1) * depth), at(i, j));
    return {
      value: tf.tensor4d(out, [rows, cols, a, b]),
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync() as Float32Array;
        const taps = new Float32Array(kh * kw * depth);
        for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) taps.set(g.subarray(at(i, j), at(i, j) + depth), (i * kw + j) * depth);
        return tf.tensor4d(taps, [kh, kw, a, b]);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (k: tf.Tensor) => tf.Tensor4D;
  return op(kernel);
}
