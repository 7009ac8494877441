// Backend layer: typed views of wasm tensors, for kernels we write in JavaScript over the wasm heap.
import * as tf from '@tensorflow/tfjs';

/** The part of BackendWasm a JavaScript kernel needs (the class is not exported in a typed way). */
export interface WasmBackendLike extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * Float32 view of a tensor's bytes on the wasm heap. Allocating (makeOutput) may grow the heap and
 * detach earlier views, so allocate every output first and take views after.
 */
export function f32(backend: WasmBackendLike, info: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}
