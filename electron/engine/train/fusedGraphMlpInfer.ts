// Batched inference of graph MLPs without tfjs's engine (engine layer): the native calls model.apply makes in
// inference, straight on the wasm heap, a chunk of rows at a time. predictBatch (step.ts) takes it where it applies.
import * as tf from '@tensorflow/tfjs';
import { activeNative } from '../backend/native/active.js';
import type { WasmBackendInternals } from '../backend/kernels/native/heap.js';
import { fusedGraphMlpEnabled, graphAddonReady, graphForward, HeapScope } from './fusedGraphMlp.js';
import { graphMlpPlan, type GraphPlan } from './fusedGraphMlpPlan.js';
import { INFER_CHUNK } from './fusedMlpInfer.js';

/*
 * Why the bits are model.apply(x, {training: false})'s (tests/engine/train/fusedGraphMlpInfer.test.ts checks them): the
 * forward pass of the training step (fusedGraphMlp.ts: the registered kernels' addon calls, the wasm Prelu, LeakyRelu
 * and Softmax kernels themselves) with GaussianNoise and Dropout as the identity, as those layers are in inference.
 * Every op computes a row from that row alone (a GEMM sums each element over k in an order fixed by k, layer norm
 * normalises each row by its own statistics), so cutting the batch into chunks of rows changes no bit.
 */

/** Inference calls run by this path in this thread: lets tests and the bench prove it ran. */
let fusedInferences = 0;
export function fusedGraphMlpInferences(): number {
  return fusedInferences;
}

/** A model's plan, kept while the model lives (predictBatch runs once per evaluation batch). */
const plans = new WeakMap<tf.LayersModel, { key: string; plan: GraphPlan | null }>();
function planFor(model: tf.LayersModel, inputShape: readonly number[], classes: number): GraphPlan | null {
  const key = `${inputShape.join('x')}:${classes}`;
  const cached = plans.get(model);
  if (cached?.key === key) return cached.plan;
  const { plan } = graphMlpPlan(model, inputShape, classes);
  plans.set(model, { key, plan });
  return plan;
}

/** Whether only Dense layers read the input (noise and dropout being the identity here): they can read it off the heap. */
function denseReadsInput(plan: GraphPlan): boolean {
  const aliases = new Set([0]);
  for (const n of plan.nodes) {
    if (!n.ins.some((i) => aliases.has(i))) continue;
    if (n.kind === 'identity' || n.kind === 'noise' || n.kind === 'dropout') aliases.add(n.out);
    else if (n.kind !== 'dense') return false;
  }
  return true;
}

/**
 * Softmax outputs of `model` for `count` samples of `x`, or null when this path does not apply (not a graph model its
 * plan takes, not the wasm backend, no native kernels, WORKBENCH_FUSED_GRAPH_MLP=0 or WORKBENCH_FUSED_INFER=0): the
 * caller runs model.apply then.
 */
export function predictFusedGraphMlp(model: tf.LayersModel, x: Float32Array, count: number, inputShape: readonly number[],
  chunk = INFER_CHUNK): Float32Array | null {
  if (!fusedGraphMlpEnabled() || process.env.WORKBENCH_FUSED_INFER === '0' || count <= 0 || tf.getBackend() !== 'wasm') return null;
  if (model instanceof tf.Sequential) return null;
  const addon = activeNative();
  const classes = model.outputs[0]?.shape.at(-1);
  if (!graphAddonReady(addon) || tf.getKernel('Softmax', 'wasm') == null || typeof classes !== 'number') return null;
  const plan = planFor(model, inputShape, classes);
  if (plan == null) return null;
  const inWidth = plan.widths[0];
  if (x.length < count * inWidth) return null;
  const direct = typeof addon.matmulFrom === 'function' && denseReadsInput(plan);

  const s = new HeapScope(addon, tf.backend() as unknown as WasmBackendInternals);
  const probs = new Float32Array(count * classes);
  try {
    for (let start = 0; start < count; start += chunk) {
      const n = Math.min(chunk, count - start);
      const rows = x.subarray(start * inWidth, (start + n) * inWidth);
      let input: tf.TensorInfo | Float32Array = rows;
      if (!direct) {
        input = s.alloc(n, inWidth);
        new Float32Array(s.heap(), s.off(input), n * inWidth).set(rows);
      }
      const vals = graphForward(s, plan, input, n, null, count);
      const y = s.kernel('Softmax', { logits: vals[plan.output.out]! }, { dim: 1 });
      probs.set(new Float32Array(s.heap(), s.off(y), n * classes), start * classes);
      // A chunk's buffers are freed before the next: nothing outlives the call (the model may be disposed after it).
      s.release(new Set());
    }
  } finally {
    s.release(new Set());
  }
  fusedInferences++;
  return probs;
}
