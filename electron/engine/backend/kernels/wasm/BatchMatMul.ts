// Backend layer: BatchMatMul for wasm that transposes operands itself; the shipped kernel is ~10× slower
// on transposed operands (a Dense layer's two weight-gradient products) than on plain ones.
import * as tf from '@tensorflow/tfjs';
import { callKernel, release } from './call.js';

type Args = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap };

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return perm;
}

export function makeBatchMatMul(shipped: tf.KernelConfig | null): tf.KernelConfig {
  if (shipped == null) throw new Error('wasm backend has no BatchMatMul kernel');
  const plain = shipped.kernelFunc as unknown as (args: Args) => tf.TensorInfo;
  const kernelFunc = (args: Args): tf.TensorInfo => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    if (!transposeA && !transposeB) return plain(args);
    const { backend } = args;
    const at = transposeA ? callKernel('Transpose', backend, { x: a }, { perm: swapLastTwo(a.shape.length) }) : a;
    const bt = transposeB ? callKernel('Transpose', backend, { x: b }, { perm: swapLastTwo(b.shape.length) }) : b;
    const out = plain({ ...args, inputs: { a: at, b: bt }, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    if (transposeA) release(backend, at);
    if (transposeB) release(backend, bt);
    return out;
  };
  return { kernelName: tf.BatchMatMul, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
