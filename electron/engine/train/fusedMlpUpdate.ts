// The fused MLP step's own optimizer update (engine layer): Adam run inside the weight-gradient GEMMs' parts
// (addon.matmulOptim) and one native call for the other variables, instead of handing the gradients to
// optimizer.applyGradients. Same element-wise float32 arithmetic as FusedAdam's update (native/src/optim.c).
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../backend/native/addon.js';
import { heapOf, offsetOf, type WasmBackendInternals } from '../backend/kernels/native/heap.js';
import { FusedAdam, type NativeStep } from './fusedOptimizers.js';

type Backend = WasmBackendInternals & { refCount(dataId: object): number };

/** Steps whose update ran this way in this thread: lets tests and the bench prove it ran. */
let updates = 0;
export function fusedMlpNativeUpdates(): number {
  return updates;
}

/**
 * The update for this step, or null when the step must hand its gradients to `optimizer.applyGradients` instead: another
 * optimizer than FusedAdam (AdamW, momentum, SGD, RMSProp keep their own update), an addon without matmulOptim,
 * WORKBENCH_FUSED_MLP_UPDATE=0 (off switch, read per step), or a variable or state buffer that another tensor shares
 * (the in-place update would change it too; the optimizer gives such a variable a fresh buffer).
 * `vars`: the step's trainable variables. Creates the optimizer's state slots as applyGradients would (same order).
 */
export function planNativeUpdate(optimizer: tf.Optimizer, addon: NativeAddon, backend: WasmBackendInternals,
  vars: readonly tf.Variable[]): NativeStep | null {
  // FusedAdam itself, not a subclass (AdamW's update differs), and not instanceof: tfjs's optimizers answer it by duck typing.
  if (process.env.WORKBENCH_FUSED_MLP_UPDATE === '0' || Object.getPrototypeOf(optimizer) !== FusedAdam.prototype
    || typeof addon.matmulOptim !== 'function' || typeof addon.optim !== 'function') return null;
  const step = (optimizer as FusedAdam).nativeStep(registrationOrder(optimizer, vars));
  if (step == null) return null;
  const b = backend as Backend;
  for (const v of vars) {
    for (const t of [v, ...step.state.get(v.name)!]) {
      if (t.dtype !== 'float32' || b.dataIdMap.get(t.dataId)?.memoryOffset == null || b.refCount(t.dataId) !== 1) return null;
    }
  }
  return step;
}

/** The last order computed per optimizer: the same variables keep their relative registration order. */
const orders = new WeakMap<tf.Optimizer, { vars: readonly tf.Variable[]; names: string[] }>();

/** `vars`' names in applyGradients' order: the engine's registration order (tfjs's variableGrads), as the taped step hands them. */
function registrationOrder(optimizer: tf.Optimizer, vars: readonly tf.Variable[]): string[] {
  const last = orders.get(optimizer);
  if (last && last.vars.length === vars.length && last.vars.every((v, i) => v === vars[i])) return last.names;
  const mine = new Set(vars.map((v) => v.name));
  const names = Object.keys(tf.engine().registeredVariables).filter((n) => mine.has(n));
  orders.set(optimizer, { vars: [...vars], names });
  return names;
}

/** One weight gradient dW = Aᵀ·dz ([inDim, n]ᵀ-shaped product, as matMulGeometry's) and the update of `w` from it. */
export function matmulUpdate(addon: NativeAddon, backend: WasmBackendInternals, step: NativeStep, w: tf.Variable,
  a: tf.TensorInfo | Float32Array, dz: tf.TensorInfo, dW: tf.TensorInfo, m: number, n: number, k: number): void {
  const off = (t: tf.TensorInfo) => offsetOf(backend, t);
  const [s1, s2] = step.state.get(w.name)!;
  const args = new Float64Array(23);
  const outside = a instanceof Float32Array; // the caller's batch, read where it is
  args.set([outside ? 0 : off(a), off(dz), off(dW), m, n, k, 1, 0, step.kind]);
  args.set(step.h, 9);
  args.set([off(w), off(s1), off(s2), off(w), off(s1), off(s2)], 17);
  if (outside) addon.matmulOptim(heapOf(backend), args, a);
  else addon.matmulOptim(heapOf(backend), args);
}

/** The remaining variables (biases, batch norm's gamma and beta) with their gradients, in one native call; then commit. */
export function finishUpdate(addon: NativeAddon, backend: WasmBackendInternals, step: NativeStep,
  rest: ReadonlyArray<readonly [tf.Variable, tf.TensorInfo]>): void {
  const off = (t: tf.TensorInfo) => offsetOf(backend, t);
  if (rest.length) {
    const args = new Float64Array(10 + 8 * rest.length);
    args[0] = step.kind;
    args[1] = rest.length;
    args.set(step.h, 2);
    rest.forEach(([w, g], i) => {
      const [s1, s2] = step.state.get(w.name)!;
      args.set([off(w), off(g), off(s1), off(s2), off(w), off(s1), off(s2), w.size], 10 + 8 * i);
    });
    addon.optim(heapOf(backend), args);
  }
  step.commit();
  updates++;
}
