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

/** tfjs fused-op activation name -> the addon's activation function (TN_ACT_*), applied as a pass after the linear op. */
const POST_ACTIVATIONS: Readonly<Record<string, number>> = { elu: 0, relu6: 2, sigmoid: 3 };

/**
 * How a fused op (FusedConv2D, _FusedMatMul) runs `activation` natively: in the GEMM's epilogue (linear, relu), as one
 * activation pass after it (elu, relu6, sigmoid: tfjs-layers hands Dense's and Conv2D's elu to the fused op, which in
 * inference would otherwise fall back to the stock single-threaded kernel), or null (prelu, leakyrelu: the fallback).
 */
export function fusedActivationPlan(activation: string | undefined): { epilogue: number; post: number | null } | null {
  const name = activation ?? 'linear';
  if (name in ACTIVATIONS) return { epilogue: ACTIVATIONS[name], post: null };
  if (name in POST_ACTIVATIONS) return { epilogue: ACTIVATIONS.linear, post: POST_ACTIVATIONS[name] };
  return null;
}

/**
 * Runs `op` into a fresh output of `shape`, then the planned post-activation into the returned tensor (the addon's
 * activation pass, the same one the layers' activations and tfjs's Elu kernel run): the linear result is a temporary.
 */
export function withPostActivation(addon: { activation(heap: ArrayBufferLike, args: Float64Array): void }, backend: WasmBackendInternals,
  shape: number[], post: number | null, op: (out: tf.TensorInfo) => void): tf.TensorInfo {
  const linear = backend.makeOutput(shape, 'float32');
  op(linear);
  if (post == null) return linear;
  const out = backend.makeOutput(shape, 'float32');
  const n = shape.reduce((a, b) => a * b, 1);
  addon.activation(heapOf(backend), Float64Array.of(post, offsetOf(backend, linear), -1, -1, offsetOf(backend, out), n, 0));
  backend.disposeData(linear.dataId);
  return out;
}
