// Backend layer: what a native kernel needs of the wasm backend: tensor offsets on its heap and the heap itself.
import * as tf from '@tensorflow/tfjs';
import type { WasmBackendLike } from '../wasm/heap.js';

export interface WasmBackendInternals extends WasmBackendLike {
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  wasm: { HEAPU8: Uint8Array };
}

/** Byte offset of a tensor on the wasm heap. */
export function offsetOf(backend: WasmBackendInternals, info: tf.TensorInfo): number {
  const d = backend.dataIdMap.get(info.dataId);
  if (d == null) throw new Error('tensor data is not on the wasm backend');
  return d.memoryOffset;
}

/** The heap as it is now: take it after allocating outputs, since growth replaces the buffer. */
export function heapOf(backend: WasmBackendInternals): ArrayBufferLike {
  return backend.wasm.HEAPU8.buffer;
}

export type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: WasmBackendInternals; attrs: tf.NamedAttrMap };
export type Fallback = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];

export const ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1 };
