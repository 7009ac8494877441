// Batched inference of plain MLPs without tfjs's engine (engine layer): the native calls model.apply makes in
// inference, straight on the wasm heap, a chunk of rows at a time. predictBatch (step.ts) takes it where it applies.
import * as tf from '@tensorflow/tfjs';
import { activeNative } from '../backend/native/active.js';
import type { NativeAddon } from '../backend/native/addon.js';
import { matMulGeometry } from '../backend/kernels/native/matmul-geometry.js';
import { heapOf, offsetOf, type WasmBackendInternals } from '../backend/kernels/native/heap.js';
import { ACT, mlpStages, type BatchNormStage, type DenseStage } from './fusedMlpPlan.js';

/*
 * Why the bits are model.apply(x, {training: false})'s (tests/engine/train/fusedMlpInfer.test.ts checks them):
 * - Dense: the _FusedMatMul kernel's addon call (relu or linear in its epilogue, bias added there), then for the other
 *   activations the addon's forward activation, which the layer's Elu / WorkbenchActivation kernel makes;
 * - BatchNormalization: inference is tf.batchNorm with the moving statistics, i.e. the FusedBatchNorm kernel's addon
 *   call with (x, movingMean, movingVariance, gamma, beta, epsilon);
 * - Dropout: the identity in inference (SeededDropout calls tfjs's Dropout, which returns its input);
 * - softmax: the wasm backend's own Softmax kernel, as tf.softmax runs it.
 * Every one of these computes a row from that row alone (the GEMM sums each element over k in an order fixed by k,
 * whatever the rows and their split over threads), so cutting the batch into chunks of rows changes no bit.
 */

/** Rows per chunk: bounds the heap the call takes; the evaluation batch (1000) is one chunk, which measured fastest. */
export const INFER_CHUNK = 1024;

/** Inference calls run by this path in this thread: lets tests and the bench prove it ran. */
let fusedInferences = 0;
export function fusedMlpInferences(): number {
  return fusedInferences;
}

type Layer = DenseStage | BatchNormStage;

/**
 * Softmax outputs of `model` for `count` samples of `x`, or null when this path does not apply (another model kind,
 * not the wasm backend, no native kernels, WORKBENCH_FUSED_INFER=0): the caller runs model.apply then.
 */
export function predictFusedMlp(model: tf.LayersModel, x: Float32Array, count: number, inputShape: readonly number[],
  chunk = INFER_CHUNK): Float32Array | null {
  if (process.env.WORKBENCH_FUSED_INFER === '0' || count <= 0 || tf.getBackend() !== 'wasm') return null;
  const addon = activeNative();
  if (addon == null || typeof addon.matmul !== 'function' || typeof addon.activation !== 'function' || typeof addon.batchNorm !== 'function') return null;
  const softmax = tf.getKernel('Softmax', 'wasm');
  const classes = model.outputs[0]?.shape.at(-1);
  if (softmax == null || typeof classes !== 'number') return null;
  const stages = mlpStages(model, inputShape, classes);
  if (stages == null) return null;
  const inWidth = inputShape.reduce((a, b) => a * b, 1);
  if (x.length < count * inWidth) return null;
  const layers = stages.filter((s): s is Layer => s.kind !== 'dropout');

  const backend = tf.backend() as unknown as WasmBackendInternals;
  const rows = Math.min(count, chunk);
  const make = (width: number) => backend.makeOutput([rows, width], 'float32');
  // One chunk's buffers, reused chunk after chunk and freed at the end (nothing outlives the call: the model may be
  // disposed, or the backend switched, before the next one).
  const buffers: tf.TensorInfo[] = [];
  const keep = <T extends tf.TensorInfo>(t: T) => (buffers.push(t), t);
  // The first GEMM reads the batch where it is (matmulFrom) when the addon has it: no copy onto the heap.
  const direct = layers[0].kind === 'dense' && typeof addon.matmulFrom === 'function';
  const input = direct ? null : keep(make(inWidth));
  const out = layers.map((s) => keep(make(s.width)));
  const pre = layers.map((s) => (s.kind === 'dense' && s.act >= 0 ? keep(make(s.width)) : null));
  const probs = new Float32Array(count * classes);
  try {
    for (let start = 0; start < count; start += rows) {
      const n = Math.min(rows, count - start);
      const logits = forward(addon, backend, layers, x.subarray(start * inWidth, (start + n) * inWidth), input, out, pre, n);
      softmaxInto(softmax, backend, logits, n, classes, probs, start);
    }
  } finally {
    for (const t of buffers) backend.disposeData(t.dataId);
  }
  fusedInferences++;
  return probs;
}

/** One chunk of n rows through the layers; returns the buffer holding the last Dense's output (the logits). */
function forward(addon: NativeAddon, backend: WasmBackendInternals, layers: Layer[], x: Float32Array, input: tf.TensorInfo | null,
  out: tf.TensorInfo[], pre: Array<tf.TensorInfo | null>, n: number): tf.TensorInfo {
  const off = (t: tf.TensorInfo) => offsetOf(backend, t);
  const heap = () => heapOf(backend);
  if (input) new Float32Array(heap(), off(input), x.length).set(x);
  let cur = input;
  layers.forEach((s, i) => {
    if (s.kind === 'bn') {
      addon.batchNorm(heap(), Float64Array.of(off(cur!), off(s.movingMean.read()), off(s.movingVariance.read()), off(s.gamma.read()),
        off(s.beta.read()), off(out[i]), n, s.width, s.epsilon));
    } else {
      denseInfer(addon, backend, s, cur, cur ? null : x, pre[i], out[i], n);
    }
    cur = out[i];
  });
  return cur!;
}

/**
 * A Dense layer in inference on n rows, as its _FusedMatMul kernel runs it: the GEMM (relu or linear in its epilogue, the
 * bias added there) from `input` on the heap, or straight from `x` (matmulFrom) when input is null; then, for the other
 * activations, the addon's forward activation from z (`pre`) into y. Shared with fusedCnnInfer.ts.
 */
export function denseInfer(addon: NativeAddon, backend: WasmBackendInternals, s: DenseStage, input: tf.TensorInfo | null,
  x: Float32Array | null, pre: tf.TensorInfo | null, y: tf.TensorInfo, n: number): void {
  const off = (t: tf.TensorInfo) => offsetOf(backend, t);
  const g = matMulGeometry([n, s.inDim], [s.inDim, s.width], false, false)!;
  const z = pre ?? y;
  const bias = s.bias?.read();
  const args = Float64Array.of(input ? off(input) : 0, off(s.kernel.read()), off(z), bias ? off(bias) : -1, s.act === ACT.relu ? 1 : 0,
    g.batch, g.batchA, g.batchB, g.m, g.n, g.k, 0, 0);
  if (input) addon.matmul(heapOf(backend), args);
  else addon.matmulFrom!(heapOf(backend), args, x!);
  if (s.act >= 0) addon.activation(heapOf(backend), Float64Array.of(s.act, off(z), -1, -1, off(y), n * s.width, 0));
}

/** The wasm backend's Softmax kernel (as tf.softmax runs it) on n rows of logits, into probs from row `at` on. */
export function softmaxInto(softmax: tf.KernelConfig, backend: WasmBackendInternals, logits: tf.TensorInfo, n: number,
  classes: number, probs: Float32Array, at: number): void {
  const y = softmax.kernelFunc({ inputs: { logits: { ...logits, shape: [n, classes] } }, backend: backend as never, attrs: { dim: 1 } }) as tf.TensorInfo;
  try {
    probs.set(new Float32Array(heapOf(backend), offsetOf(backend, y), n * classes), at * classes);
  } finally {
    backend.disposeData(y.dataId);
  }
}
