// Batched inference of Sequential CNNs without tfjs's engine (engine layer): the native calls model.apply makes in
// inference, straight on the wasm heap, a chunk of images at a time, each convolution computing only the rows and
// columns that later layers read. predictBatch (step.ts) takes it where it applies.
import * as tf from '@tensorflow/tfjs';
import { activeNative } from '../backend/native/active.js';
import type { NativeAddon } from '../backend/native/addon.js';
import { heapOf, offsetOf, type WasmBackendInternals } from '../backend/kernels/native/heap.js';
import { denseInfer, softmaxInto } from './fusedMlpInfer.js';
import { cnnStages, computedExtents, type CnnStage } from './fusedCnnPlan.js';

/*
 * Why the bits are model.apply(x, {training: false})'s (tests/engine/train/fusedCnnInfer.test.ts checks them):
 * - Conv2D: Conv.call runs tf.fused.conv2d (the FusedConv2D kernel: addon.conv2d with the bias, relu or linear in its
 *   epilogue, elu as an activation pass after it), and for the other activations a linear FusedConv2D and then the
 *   layer's native activation (the same addon.activation pass);
 * - pooling: the MaxPool / AvgPool kernels' addon calls; GlobalAveragePooling2D: tf.mean over h, w (the Mean kernel's);
 * - BatchNormalization: tf.batchNorm with the moving statistics (FusedBatchNorm's addon call); Dropout,
 *   SpatialDropout2D and GaussianNoise: the identity; Flatten: a reshape; Dense and softmax: as fusedMlpInfer.ts.
 * - Chunks: each image's outputs depend on that image alone in every one of these calls. The one thing the batch size
 *   changes is whether a 3×3 stride-1 convolution takes Winograd (at least 32 output tiles): chunks are balanced, so
 *   a chunk is either the whole batch or at least CNN_CHUNK / 2 images (≥ 32 tiles, as the whole batch has).
 * - Trimming (fusedCnnPlan.ts computedExtents): a smaller oh/ow (and input h/w) with the same top/left padding
 *   computes the same top-left outputs on every native path; where the smaller shape would move a convolution off
 *   (or onto) Winograd, it is computed whole.
 */

/** Images per chunk at most. */
export const CNN_CHUNK = 128;

let inferences = 0;
let trimmed = 0;
/** Inference calls run by this path in this thread (tests and the bench prove it ran). */
export function fusedCnnInferences(): number {
  return inferences;
}
/** Convolution and pooling calls that computed fewer outputs than the layer's (fusedCnnPlan.ts computedExtents), in this thread. */
export function fusedCnnTrims(): number {
  return trimmed;
}

const NEEDED = ['conv2d', 'activation', 'batchNorm', 'maxPool', 'avgPool', 'mean', 'matmul'] as const;

/**
 * Softmax outputs of `model` for `count` samples of `x` ([h, w, c] each), or null when this path does not apply
 * (another model kind, not the wasm backend, no native kernels, WORKBENCH_FUSED_CNN_INFER=0): the caller runs model.apply.
 */
export function predictFusedCnn(model: tf.LayersModel, x: Float32Array, count: number, inputShape: readonly number[],
  maxChunk = CNN_CHUNK): Float32Array | null {
  if (process.env.WORKBENCH_FUSED_CNN_INFER === '0' || count <= 0 || tf.getBackend() !== 'wasm') return null;
  const addon = activeNative();
  if (addon == null || NEEDED.some((f) => typeof addon[f] !== 'function')) return null;
  const softmax = tf.getKernel('Softmax', 'wasm');
  const classes = model.outputs[0]?.shape.at(-1);
  if (softmax == null || typeof classes !== 'number') return null;
  const stages = cnnStages(model, inputShape, classes);
  if (stages == null) return null;
  const inWidth = inputShape.reduce((a, b) => a * b, 1);
  if (x.length < count * inWidth) return null;

  const backend = tf.backend() as unknown as WasmBackendInternals;
  const chunks = Math.ceil(count / maxChunk);
  const rows = Math.ceil(count / chunks);
  const buffers: tf.TensorInfo[] = [];
  const make = (size: number) => {
    const t = backend.makeOutput([rows * size], 'float32');
    buffers.push(t);
    return t;
  };
  const probs = new Float32Array(count * classes);
  try {
    // One chunk's buffers, reused chunk after chunk and freed at the end (nothing outlives the call).
    const input = make(inWidth);
    const out = stages.map((s) => make(outSize(s)));
    const pre = stages.map((s) => (s.kind === 'conv' && s.post != null ? make(outSize(s)) : s.kind === 'dense' && s.act >= 0 ? make(s.width) : null));
    // At most two chunk sizes: the computed extents depend on n only through Winograd's tile threshold.
    const extents = new Map<number, Array<[number, number]>>();
    for (let start = 0; start < count; start += rows) {
      const n = Math.min(rows, count - start);
      new Float32Array(heapOf(backend), offsetOf(backend, input), n * inWidth).set(x.subarray(start * inWidth, (start + n) * inWidth));
      let ext = extents.get(n);
      if (ext == null) extents.set(n, (ext = computedExtents(stages, n)));
      const logits = forward(addon, backend, stages, ext, input, out, pre, n);
      softmaxInto(softmax, backend, logits, n, classes, probs, start);
    }
  } finally {
    for (const t of buffers) backend.disposeData(t.dataId);
  }
  inferences++;
  return probs;
}

/** Floats per image of a stage's output (untrimmed: the buffer must hold either). */
function outSize(s: CnnStage): number {
  switch (s.kind) {
    case 'conv': case 'max': case 'avg': return s.out[0] * s.out[1] * s.out[2];
    case 'bn': return s.in[0] * s.in[1] * s.in[2];
    case 'gap': return s.width;
    case 'dense': return s.width;
  }
}

/** One chunk of n images through the stages; returns the buffer holding the last Dense's output (the logits). */
function forward(addon: NativeAddon, backend: WasmBackendInternals, stages: CnnStage[], ext: Array<[number, number]>, input: tf.TensorInfo,
  out: tf.TensorInfo[], pre: Array<tf.TensorInfo | null>, n: number): tf.TensorInfo {
  const off = (t: tf.TensorInfo) => offsetOf(backend, t);
  const heap = () => heapOf(backend);
  let cur = input;
  // The current map's rows, columns and channels per image (a trimmed stage's output is smaller than the layer's).
  let [h, w, c] = (stages[0] as { in: [number, number, number] }).in;
  stages.forEach((s, i) => {
    const y = out[i];
    if (s.kind === 'conv') {
      const [oh, ow] = ext[i];
      if (oh !== s.out[0] || ow !== s.out[1]) trimmed++;
      const g = [...s.geometry];
      [g[0], g[1], g[2], g[7], g[8]] = [n, h, w, oh, ow];
      const z = pre[i] ?? y;
      const bias = s.bias?.read();
      addon.conv2d(heap(), Float64Array.of(off(cur), off(s.filter.read()), bias ? off(bias) : -1, off(z), s.epilogue, ...g));
      [h, w, c] = [oh, ow, s.out[2]];
      if (s.post != null) addon.activation(heap(), Float64Array.of(s.post, off(z), -1, -1, off(y), n * h * w * c, 0));
    } else if (s.kind === 'bn') {
      if (s.in[0] * s.in[1] === 1) [h, w, c] = [1, 1, s.in[2]];
      addon.batchNorm(heap(), Float64Array.of(off(cur), off(s.movingMean.read()), off(s.movingVariance.read()), off(s.gamma.read()),
        off(s.beta.read()), off(y), n * h * w, c, s.epsilon));
    } else if (s.kind === 'max' || s.kind === 'avg') {
      const [oh, ow] = ext[i];
      if (oh !== s.out[0] || ow !== s.out[1]) trimmed++;
      const g = [...s.geometry];
      [g[0], g[1], g[2], g[6], g[7]] = [n, h, w, oh, ow];
      const args = Float64Array.of(off(cur), off(y), ...g);
      if (s.kind === 'max') addon.maxPool(heap(), args);
      else addon.avgPool(heap(), args);
      [h, w, c] = [oh, ow, s.out[2]];
    } else if (s.kind === 'gap') {
      addon.mean(heap(), Float64Array.of(off(cur), off(y), n, h * w, c));
      [h, w, c] = [1, 1, s.width];
    } else if (s.kind === 'dense') {
      denseInfer(addon, backend, s, cur, null, pre[i], y, n);
      [h, w, c] = [1, 1, s.width];
    }
    cur = y;
  });
  return cur;
}
