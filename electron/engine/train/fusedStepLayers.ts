// The batch norm and dropout calls the fused training steps (fusedMlp.ts, fusedCnnTrain.ts) make (engine layer): the
// addon calls of the WorkbenchBatchNormTrain/Grad and WorkbenchDropout kernels the taped step runs, with their arguments.
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../backend/native/addon.js';
import { aleaState } from '../backend/kernels/native/Dropout.js';
import { heapOf, offsetOf, type WasmBackendInternals } from '../backend/kernels/native/heap.js';
import type { BatchNormStage, DropoutStage } from './fusedMlpPlan.js';

/**
 * Batch norm's training forward over `rows` rows of s.width channels (models/batchNorm.ts's WorkbenchBatchNormTrain):
 * y and stats = [batch mean, batch variance, new moving mean, new moving variance]; the last two become the layer's
 * moving statistics as the layer writes them (their buffers go to the engine: recorded in `handed`).
 */
export function batchNormForward(addon: NativeAddon, backend: WasmBackendInternals, s: BatchNormStage, x: tf.TensorInfo, y: tf.TensorInfo,
  stats: readonly tf.TensorInfo[], rows: number, handed: Set<object>): void {
  const off = (t: tf.TensorInfo) => offsetOf(backend, t);
  addon.batchNormTrain(heapOf(backend), Float64Array.of(...[x, s.gamma.read(), s.beta.read(), s.movingMean.read(), s.movingVariance.read(), y, ...stats]
    .map(off), rows, s.width, s.epsilon, s.momentum));
  for (const [k, v] of [[2, s.movingMean], [3, s.movingVariance]] as const) {
    handed.add(stats[k].dataId);
    const t = tf.engine().makeTensorFromTensorInfo(stats[k]) as tf.Tensor;
    v.write(t);
    t.dispose();
  }
}

/** Batch norm's gradient (WorkbenchBatchNormGrad): dx, dgamma, dbeta from x, dy and the forward's batch statistics. */
export function batchNormBackward(addon: NativeAddon, backend: WasmBackendInternals, s: BatchNormStage, x: tf.TensorInfo, dy: tf.TensorInfo,
  stats: readonly tf.TensorInfo[], dx: tf.TensorInfo, dgamma: tf.TensorInfo, dbeta: tf.TensorInfo, rows: number): void {
  addon.batchNormGrad(heapOf(backend), Float64Array.of(...[x, dy, stats[0], stats[1], s.gamma.read(), dx, dgamma, dbeta]
    .map((t) => offsetOf(backend, t)), rows, s.width, s.epsilon));
}

/** Dropout's mask and product over `size` elements (WorkbenchDropout), from the layer's next seed (SeededDropout.call's draw). */
export function dropoutForward(addon: NativeAddon, backend: WasmBackendInternals, s: DropoutStage, x: tf.TensorInfo, y: tf.TensorInfo,
  mask: tf.TensorInfo, size: number): void {
  const st = aleaState(s.layer.nextMaskSeed());
  const off = (t: tf.TensorInfo) => offsetOf(backend, t);
  addon.dropout(heapOf(backend), Float64Array.of(off(x), off(y), off(mask), size, st.c, st.s0, st.s1, st.s2, s.keep));
}
