// Backend layer: Tile for wasm as block copies on the heap (copyWithin), replacing the shipped per-element loop.
// BatchNormalization's gradient tiles per-channel statistics to full activations: the shipped kernel took
// ~300 ms of a 580 ms strong-cnn batch doing that.
import * as tf from '@tensorflow/tfjs';
import { util } from '@tensorflow/tfjs';
import type { WasmBackendLike } from './heap.js';

type Args = { inputs: tf.NamedTensorInfoMap; backend: WasmBackendLike; attrs: tf.NamedAttrMap };
type Heap = Float32Array | Int32Array | Uint8Array;

/**
 * Writes x tiled by reps into out (row-major). Dimension d's block of one repetition is filled
 * recursively, then repeated reps[d]−1 times by copying it within the output.
 */
export function tileInto(src: Heap, shape: readonly number[], reps: readonly number[], out: Heap): void {
  const rank = shape.length;
  const outShape = shape.map((s, i) => s * reps[i]);
  const inStride = new Array<number>(rank).fill(1);
  const outStride = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) {
    inStride[d] = inStride[d + 1] * shape[d + 1];
    outStride[d] = outStride[d + 1] * outShape[d + 1];
  }
  const fill = (d: number, inOff: number, outOff: number): void => {
    const block = shape[d] * outStride[d];
    if (d === rank - 1) {
      out.set(src.subarray(inOff, inOff + shape[d]), outOff);
    } else {
      for (let i = 0; i < shape[d]; i++) fill(d + 1, inOff + i * inStride[d], outOff + i * outStride[d]);
    }
    // Doubling copies: log2(reps) calls instead of reps.
    let done = 1;
    while (done < reps[d]) {
      const n = Math.min(done, reps[d] - done);
      out.copyWithin(outOff + done * block, outOff, outOff + n * block);
      done += n;
    }
  };
  if (rank === 0) out[0] = src[0];
  else fill(0, 0, 0);
}

export function makeTile(shipped: tf.KernelConfig | null): tf.KernelConfig {
  if (shipped == null) throw new Error('wasm backend has no Tile kernel');
  const kernelFunc = (args: Args): tf.TensorInfo => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { reps } = args.attrs as unknown as tf.TileAttrs;
    if (x.dtype === 'string' || reps.length !== x.shape.length) return shipped.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    const { backend } = args;
    const out = backend.makeOutput(x.shape.map((s, i) => s * reps[i]), x.dtype);
    if (util.sizeFromShape(out.shape) === 0) return out;
    // Views after makeOutput: allocating may grow the heap and detach older views.
    tileInto(backend.typedArrayFromHeap(x), x.shape, reps, backend.typedArrayFromHeap(out));
    return out;
  };
  return { kernelName: tf.Tile, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
