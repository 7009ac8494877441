// Backend layer: one native call that applies an optimizer step to every variable in place on the wasm heap.
import * as tf from '@tensorflow/tfjs';
import { heapOf, offsetOf, type WasmBackendInternals } from '../kernels/native/heap.js';
import { activeNative } from './active.js';

/** Kinds as native/src/optim.c numbers them. */
export const OPTIM = { adam: 0, momentum: 1, sgd: 2, rmsprop: 3 } as const;
export type OptimKind = (typeof OPTIM)[keyof typeof OPTIM];

/** A variable, its gradient and the optimizer state the kind uses (Adam m, v; momentum's accumulator; RMSProp ms, mom). */
export interface FusedItem {
  w: tf.Variable;
  g: tf.Tensor;
  s1?: tf.Variable;
  s2?: tf.Variable;
}

type Backend = WasmBackendInternals & { refCount(dataId: object): number };

/** The wasm backend when the fused update can run on it now, else null (the caller runs tfjs's own update). */
function backendFor(items: readonly FusedItem[]): Backend | null {
  const addon = activeNative();
  if (addon == null || typeof addon.optim !== 'function' || tf.getBackend() !== 'wasm') return null;
  const backend = tf.backend() as unknown as Backend;
  for (const it of items) {
    for (const t of [it.w, it.g, it.s1, it.s2]) {
      if (t == null) continue;
      if (t.dtype !== 'float32' || t.size !== it.w.size || backend.dataIdMap.get(t.dataId)?.memoryOffset == null) return null;
    }
  }
  return backend;
}

/**
 * Runs one step of `kind` with hyperparameters `h` (see tn_optim in native/src/tn.h) over `items`.
 * A variable whose buffer no other tensor shares is updated in place; a shared one (a clone of the weights,
 * say, which shares memory on this backend) gets a fresh buffer, so the other holder keeps its values.
 * Returns false, having changed nothing, when the update cannot run natively.
 */
export function fusedOptimizerStep(kind: OptimKind, h: readonly number[], items: readonly FusedItem[]): boolean {
  const backend = backendFor(items);
  if (backend == null) return false;
  const states = kind === OPTIM.sgd ? 0 : kind === OPTIM.momentum ? 1 : 2;
  const fresh: Array<[tf.Variable, tf.TensorInfo]> = [];
  const target = (v: tf.Variable): tf.TensorInfo => {
    if (backend.refCount(v.dataId) === 1) return v;
    const out = backend.makeOutput([...v.shape], 'float32');
    fresh.push([v, out]);
    return out;
  };
  const outs = items.map((it) => [target(it.w), states >= 1 ? target(it.s1!) : null, states >= 2 ? target(it.s2!) : null] as const);
  // Offsets after every allocation: growing the heap moves nothing, but take the buffer only now.
  const off = (t: tf.TensorInfo | null | undefined) => (t == null ? -1 : offsetOf(backend, t));
  const args = new Float64Array(10 + 8 * items.length);
  args[0] = kind;
  args[1] = items.length;
  for (let k = 0; k < 8; k++) args[2 + k] = h[k] ?? 0;
  items.forEach((it, k) => {
    const [wo, s1o, s2o] = outs[k];
    args.set([off(it.w), off(it.g), off(states >= 1 ? it.s1 : null), off(states >= 2 ? it.s2 : null), off(wo), off(s1o), off(s2o), it.w.size], 10 + 8 * k);
  });
  try {
    activeNative()!.optim(heapOf(backend), args);
  } catch (e) {
    for (const [, info] of fresh) backend.disposeData(info.dataId);
    throw e;
  }
  for (const [v, info] of fresh) {
    const t = tf.engine().makeTensorFromTensorInfo(info);
    v.assign(t as tf.Tensor);
    t.dispose();
  }
  return true;
}
