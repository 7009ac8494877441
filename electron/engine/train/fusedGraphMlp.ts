// The training step of a graph MLP (Dense / LayerNormalization / PReLU / LeakyReLU / GaussianNoise / Dropout / Add /
// Concatenate) without tfjs's tape (engine layer): the native calls the taped step's kernels make, straight on the wasm
// heap, then the optimizer's own update. fusedGraphMlpPlan.ts says which models; the fused MLP step takes Sequential ones.
import * as tf from '@tensorflow/tfjs';
import { activeNative } from '../backend/native/active.js';
import type { NativeAddon } from '../backend/native/addon.js';
import { aleaState } from '../backend/kernels/native/Dropout.js';
import { matMulGeometry } from '../backend/kernels/native/matmul-geometry.js';
import { BC } from '../backend/kernels/native/Broadcast.js';
import { RELU_MASK } from '../backend/kernels/native/ConvLayer.js';
import { MIN_NATIVE_ELEMENTS } from '../backend/kernels/native/eltwise.js';
import { heapOf, offsetOf, type WasmBackendInternals } from '../backend/kernels/native/heap.js';
import { applyInRegistrationOrder, makeFusedMlpStep, softmaxGradient } from './fusedMlp.js';
import { makeFusedCnnTrainStep } from './fusedCnnTrain.js';
import { makeFusedGraphCnnStep } from './fusedGraphCnn.js';
import { ACT, GRAD_FROM_Y } from './fusedMlpPlan.js';
import { finishUpdate, matmulUpdate, planNativeUpdate } from './fusedMlpUpdate.js';
import type { NativeStep } from './fusedOptimizers.js';
import { graphMlpPlan, nodeVariables, type GraphNode, type GraphPlan } from './fusedGraphMlpPlan.js';
import { lossRows } from './softLoss.js';
import { makeTrainStep, type StepResult } from './step.js';

/*
 * Why the bits are the taped step's (tests/engine/train/fusedGraphMlp.test.ts checks weights, optimizer state and
 * losses step by step):
 * - every GEMM, bias sum, activation, layer norm, dropout, noise draw and gradient pass is the addon call the
 *   registered kernel makes for that op, with the same arguments; PReLU's and LeakyReLU's forward and the softmax are
 *   the registered wasm kernels themselves (their native/stock choice depends on the size, as in the taped step);
 * - GaussianNoise draws from the layer's (seed, step) as its call does (seed·1,000,003 + step, seedrandom's Alea);
 *   dropout masks from the layer's own seeded stream;
 * - a tensor read by several layers gets its gradient summed as tfjs's backprop does: the consumers in reverse tape
 *   order (the nodes in Container.runInternalGraph's order, which the tape records), each sum add(sum so far, new);
 *   within an Add layer its inputs last to first (clone(in0) then add(·, in1), add(·, in2) … on the tape), within a
 *   Concatenate first to last (SplitV's outputs);
 * - the loss, its gradient and the softmax gradient are fusedMlp.ts's arithmetic (softLoss.ts's lossRows);
 * - the gradients reach `optimizer.applyGradients` keyed by variable name in the engine's registration order.
 */

/** Steps run by this path in this thread: lets tests and the bench prove it ran. */
let fusedSteps = 0;
export function fusedGraphMlpSteps(): number {
  return fusedSteps;
}

/** Off with WORKBENCH_FUSED_GRAPH_MLP=0 (training and inference): the taped step and model.apply run graph models then. */
export function fusedGraphMlpEnabled(): boolean {
  return process.env.WORKBENCH_FUSED_GRAPH_MLP !== '0';
}

/**
 * Adam inside the weight-gradient GEMMs (fusedMlpUpdate.ts, as the fused MLP step runs it) and one native call for the
 * other variables, instead of optimizer.applyGradients: on unless WORKBENCH_FUSED_GRAPH_UPDATE=0 (read per step).
 */
function graphUpdateEnabled(): boolean {
  return process.env.WORKBENCH_FUSED_GRAPH_UPDATE !== '0';
}

/** The addon calls this path needs (a build from before one of them lacks it: the taped step then). */
export function graphAddonReady(addon: NativeAddon | null): addon is NativeAddon {
  return addon != null && ['matmul', 'sumRows', 'eltwise', 'activation', 'dropout', 'layerNorm', 'layerNormGrad', 'noise', 'reluGrad', 'copyRows']
    .every((k) => typeof (addon as unknown as Record<string, unknown>)[k] === 'function');
}

/** The heap, buffers taken from the backend during one call (all freed at its end but those handed to the engine). */
export class HeapScope {
  private readonly owned: tf.TensorInfo[] = [];
  constructor(readonly addon: NativeAddon, readonly backend: WasmBackendInternals) {}
  alloc(rows: number, width: number): tf.TensorInfo {
    return this.own(this.backend.makeOutput([rows, width], 'float32'));
  }
  /** A vector (a bias's, gamma's, beta's or alpha's gradient: the variable's own shape). */
  vec(width: number): tf.TensorInfo {
    return this.own(this.backend.makeOutput([width], 'float32'));
  }
  own<T extends tf.TensorInfo>(t: T): T {
    this.owned.push(t);
    return t;
  }
  off(t: tf.TensorInfo): number {
    return offsetOf(this.backend, t);
  }
  heap(): ArrayBufferLike {
    return heapOf(this.backend);
  }
  /** A registered wasm kernel run directly (no engine): its outputs are owned here. */
  kernel(name: string, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown> = {}): tf.TensorInfo {
    const k = tf.getKernel(name, 'wasm');
    if (k == null) throw new Error(`internal error: no ${name} kernel on wasm`);
    return this.own(k.kernelFunc({ inputs, backend: this.backend as never, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo);
  }
  release(except: ReadonlySet<object>): void {
    for (const t of this.owned) if (!except.has(t.dataId)) this.backend.disposeData(t.dataId);
    this.owned.length = 0;
  }
}

/** What the backward pass reads of the forward: per node, a Dense's pre-activation, a dropout's mask, a layer norm's statistics. */
export interface Saved { pre: Map<GraphNode, tf.TensorInfo>; mask: Map<GraphNode, tf.TensorInfo>; stats: Map<GraphNode, [tf.TensorInfo, tf.TensorInfo]> }

/** eltwise's op numbers (kernels/native/eltwise.ts's OP). */
const OP_ADD = 0;
const OP_MUL = 2;
const OP_STEP = 4;
/** tn_relu_grad's op codes (GraphOps.ts). */
const RG_LEAKY = 0;
const RG_PRELU = 1;

/**
 * The forward pass of `plan` over n rows: every tensor's buffer, the last one the logits. The input (tensor 0) is on
 * the heap, or (inference) a Float32Array the Dense layers reading it take through matmulFrom: its value is then null,
 * and only Dense layers may read it (fusedGraphMlpInfer.ts checks). `saved` (training) keeps what the backward pass
 * needs; noise and dropout draw only in training and are the identity otherwise. `batchRows`: the rows of the whole
 * batch these n are a chunk of, which decide PReLU's and LeakyReLU's kernel as for model.apply on the whole batch (their
 * native and stock kernels differ in LeakyReLU's rounding, and the registered kernel picks by size).
 */
export function graphForward(s: HeapScope, plan: GraphPlan, input: tf.TensorInfo | Float32Array, n: number, saved: Saved | null,
  batchRows = n): Array<tf.TensorInfo | null> {
  const { addon } = s;
  const external = input instanceof Float32Array ? input : null;
  const vals: Array<tf.TensorInfo | null> = [external ? null : input as tf.TensorInfo];
  for (const node of plan.nodes) {
    const xIn = vals[node.ins[0]];
    if (xIn == null && node.kind !== 'dense' && node.kind !== 'identity' && (saved != null || (node.kind !== 'noise' && node.kind !== 'dropout'))) {
      throw new Error(`internal error: a ${node.kind} node reads the input outside the heap`);
    }
    const x = xIn!;
    const size = n * node.width;
    let y: tf.TensorInfo | null;
    switch (node.kind) {
      case 'dense': {
        const g = matMulGeometry([n, node.inDim], [node.inDim, node.width], false, false)!;
        y = s.alloc(n, node.width);
        const z = node.act >= 0 ? s.alloc(n, node.width) : y;
        const bias = node.bias?.read();
        const args = Float64Array.of(xIn ? s.off(xIn) : 0, s.off(node.kernel.read()), s.off(z), bias ? s.off(bias) : -1, node.act === ACT.relu ? 1 : 0,
          g.batch, g.batchA, g.batchB, g.m, g.n, g.k, 0, 0);
        if (xIn) addon.matmul(s.heap(), args);
        else addon.matmulFrom!(s.heap(), args, external!);
        if (node.act >= 0) {
          addon.activation(s.heap(), Float64Array.of(node.act, s.off(z), -1, -1, s.off(y), size, 0));
          saved?.pre.set(node, z);
        }
        break;
      }
      case 'layerNorm': {
        y = s.alloc(n, node.width);
        const mean = s.alloc(n, 1), rstd = s.alloc(n, 1);
        const gamma = node.gamma?.read(), beta = node.beta?.read();
        addon.layerNorm(s.heap(), Float64Array.of(s.off(x), gamma ? s.off(gamma) : -1, beta ? s.off(beta) : -1, s.off(y), s.off(mean), s.off(rstd),
          n, node.width, node.epsilon));
        saved?.stats.set(node, [mean, rstd]);
        break;
      }
      case 'prelu':
        if (batchRows * node.width >= MIN_NATIVE_ELEMENTS && typeof addon.broadcast === 'function') {
          // The Prelu kernel's addon call (Broadcast.ts's runBroadcast: x [n, C], alpha [C] broadcast over the rows).
          y = s.alloc(n, node.width);
          addon.broadcast(s.heap(), Float64Array.of(BC.prelu, s.off(x), s.off(node.alpha.read()), -1, s.off(y), 2, n, node.width, node.width, 1, 0, 1));
        } else {
          y = s.kernel(tf.Prelu, { x, alpha: node.alpha.read() });
        }
        break;
      case 'leaky':
        if (batchRows * node.width >= MIN_NATIVE_ELEMENTS && typeof addon.broadcast === 'function' && Number.isFinite(node.alpha)) {
          y = s.alloc(n, node.width); // the LeakyRelu kernel's addon call (Broadcast.ts's nativeLeakyRelu)
          addon.broadcast(s.heap(), Float64Array.of(BC.leaky, s.off(x), -1, -1, s.off(y), 1, size, 1, 0, node.alpha));
        } else {
          y = s.kernel(tf.LeakyRelu, { x }, { alpha: node.alpha });
        }
        break;
      case 'noise':
        if (saved == null) {
          y = x;
        } else {
          const st = aleaState((node.layer.noiseSeed * 1_000_003 + node.layer.steps++).toString());
          y = s.alloc(n, node.width);
          addon.noise(s.heap(), Float64Array.of(s.off(x), s.off(y), size, st.c, st.s0, st.s1, st.s2, 0, node.layer.stddev));
        }
        break;
      case 'dropout':
        if (saved == null) {
          y = x;
        } else {
          const st = aleaState(node.layer.nextMaskSeed());
          y = s.alloc(n, node.width);
          const mask = s.alloc(n, node.width);
          addon.dropout(s.heap(), Float64Array.of(s.off(x), s.off(y), s.off(mask), size, st.c, st.s0, st.s1, st.s2, node.keep));
          saved.mask.set(node, mask);
        }
        break;
      case 'identity':
        y = x;
        break;
      case 'add':
        // clone(in0), then add(sum, in_i) in order, as tfjs's Add layer.
        y = x;
        for (let i = 1; i < node.ins.length; i++) {
          const sum = s.alloc(n, node.width);
          addon.eltwise(s.heap(), Float64Array.of(OP_ADD, s.off(y), s.off(vals[node.ins[i]]!), s.off(sum), size, 1, 0));
          y = sum;
        }
        break;
      case 'concat': {
        y = s.alloc(n, node.width);
        const spec: number[] = [node.ins.length];
        let col = 0;
        for (const i of node.ins) {
          const w = plan.widths[i];
          spec.push(s.off(vals[i]!), s.off(y) + 4 * col, n, w, node.width, w);
          col += w;
        }
        addon.copyRows(s.heap(), Float64Array.from(spec));
        break;
      }
    }
    vals.push(y);
  }
  return vals;
}

/**
 * The fused step for `model`, or null when its plan does not take it (fusedGraphMlpPlan.ts). Its calls return null,
 * having changed nothing, when they cannot run (another backend, the addon missing a call, a frozen layer, a noise
 * seed of 0): the caller then runs the taped step.
 */
export function makeFusedGraphMlpStep(model: tf.LayersModel, optimizer: tf.Optimizer, inputShape: readonly number[], numClasses = 10) {
  const { plan } = graphMlpPlan(model, inputShape, numClasses);
  if (plan == null) return null;
  const inWidth = plan.widths[0];

  return (x: Float32Array, y: Int32Array, n: number, soft: Float32Array | null = null): StepResult | null => {
    const addon = activeNative();
    if (!graphAddonReady(addon) || tf.getBackend() !== 'wasm' || tf.getKernel('Softmax', 'wasm') == null) return null;
    const vars = plan.nodes.map(nodeVariables);
    if (vars.some((v) => v.some((t) => !t.trainable))) return null;
    // tfjs draws from Math.random for a seed of 0 (models/graphOps.ts's addGaussianNoise): leave that step to it.
    if (plan.nodes.some((nd) => nd.kind === 'noise' && nd.layer.noiseSeed * 1_000_003 + nd.layer.steps === 0)) return null;
    const backend = tf.backend() as unknown as WasmBackendInternals;
    // The update inside the backward pass where the optimizer allows it (FusedAdam), else applyGradients after.
    const update = graphUpdateEnabled() ? planNativeUpdate(optimizer, addon, backend, vars.flat()) : null;
    const s = new HeapScope(addon, backend);
    const handed = new Set<object>();
    const grads: tf.NamedTensorMap = {};
    try {
      const input = s.alloc(n, inWidth);
      new Float32Array(s.heap(), s.off(input), n * inWidth).set(x.subarray(0, n * inWidth));
      const saved: Saved = { pre: new Map(), mask: new Map(), stats: new Map() };
      const vals = graphForward(s, plan, input, n, saved) as tf.TensorInfo[]; // the input is on the heap: every value is
      const { result, dz } = lossAndGradient(s, vals[plan.output.out], y, soft, n, numClasses);
      const varGrads = backward(s, plan, vals, saved, dz, n, update);
      if (update != null) {
        // The kernels were updated in their GEMMs; the rest (biases, gamma, beta, alpha) here, in one call.
        finishUpdate(addon, backend, update, [...varGrads]);
        fusedSteps++;
        return result;
      }
      const byName = new Map<string, tf.TensorInfo>();
      varGrads.forEach((g, v) => byName.set(v.name, g));
      applyInRegistrationOrder(optimizer, byName, grads, handed);
      fusedSteps++;
      return result;
    } finally {
      for (const g of Object.values(grads)) g.dispose();
      s.release(handed);
    }
  };
}

/** Softmax (the wasm kernel), the loss, hits and the logits' gradient, as fusedMlp.ts computes them. */
export function lossAndGradient(s: HeapScope, logits: tf.TensorInfo, labels: Int32Array, soft: Float32Array | null, n: number, classes: number) {
  const probs = s.kernel('Softmax', { logits: { ...logits, shape: [n, classes] } }, { dim: 1 });
  const dz = s.alloc(n, classes);
  const p = new Float32Array(s.heap(), s.off(probs), n * classes);
  const g = new Float32Array(s.heap(), s.off(dz), n * classes);
  const loss = lossRows(p, labels, soft, n, classes, g);
  softmaxGradient(p, g, n, classes);
  return { result: { loss: loss.value, correct: loss.correct }, dz };
}

/**
 * Backward over the nodes, last first: the variables' gradients. With `update`, each Dense kernel is updated inside its
 * weight-gradient GEMM (after its input gradient read the old kernel; no other node reads it) and left out of the map.
 */
function backward(s: HeapScope, plan: GraphPlan, vals: tf.TensorInfo[], saved: Saved, dzOut: tf.TensorInfo, n: number,
  update: NativeStep | null = null): Map<tf.Variable, tf.TensorInfo> {
  const { addon } = s;
  const grads: Array<tf.TensorInfo | null> = vals.map(() => null);
  const out = new Map<tf.Variable, tf.TensorInfo>();
  const contribute = (i: number, g: tf.TensorInfo) => {
    if (!plan.needsGrad[i]) return;
    const cur = grads[i];
    if (cur == null) {
      grads[i] = g;
      return;
    }
    const sum = s.alloc(n, plan.widths[i]);
    addon.eltwise(s.heap(), Float64Array.of(OP_ADD, s.off(cur), s.off(g), s.off(sum), n * plan.widths[i], 1, 0));
    grads[i] = sum;
  };
  const sumRows = (t: tf.TensorInfo, width: number) => {
    const db = s.vec(width);
    addon.sumRows(s.heap(), Float64Array.of(s.off(t), s.off(db), n, width));
    return db;
  };
  const canFuseRelu = typeof addon.biasActGrad === 'function';
  for (let k = plan.nodes.length - 1; k >= 0; k--) {
    const node = plan.nodes[k];
    const dy = node === plan.output ? dzOut : grads[node.out];
    if (dy == null) continue;
    const [inIdx] = node.ins;
    const x = vals[inIdx];
    const size = n * node.width;
    const wantDx = plan.needsGrad[inIdx];
    switch (node.kind) {
      case 'dense': {
        const kernel = node.kernel.read();
        let dz = dy;
        let db: tf.TensorInfo | null = null;
        if (node === plan.output || node.act === ACT.linear) {
          // dy is the GEMM output's gradient already
        } else if (node.act === ACT.relu) {
          // dy·step(y) and its column sums: the Dense gradient's WorkbenchBiasActGrad (denseTraining.ts), or its separate ops.
          dz = s.alloc(n, node.width);
          const y = vals[node.out];
          if (canFuseRelu) {
            db = node.bias ? s.vec(node.width) : null;
            addon.biasActGrad(s.heap(), Float64Array.of(RELU_MASK, s.off(y), s.off(y), s.off(dy), s.off(dz), db ? s.off(db) : -1, n, node.width));
          } else {
            const mask = s.alloc(n, node.width);
            addon.eltwise(s.heap(), Float64Array.of(OP_STEP, s.off(y), -1, s.off(mask), size, 1, 0));
            addon.eltwise(s.heap(), Float64Array.of(OP_MUL, s.off(dy), s.off(mask), s.off(dz), size, 1, 0));
          }
        } else {
          dz = s.alloc(n, node.width);
          const fromY = GRAD_FROM_Y.has(node.act);
          addon.activation(s.heap(), Float64Array.of(node.act, fromY ? -1 : s.off(saved.pre.get(node)!), fromY ? s.off(vals[node.out]) : -1,
            s.off(dy), s.off(dz), size, 1));
        }
        // The input gradient first: with the update in the weight gradient's GEMM, it must read the old kernel.
        let dx: tf.TensorInfo | null = null;
        if (wantDx) {
          dx = s.alloc(n, node.inDim);
          const gx = matMulGeometry([n, node.width], [node.inDim, node.width], false, true)!;
          addon.matmul(s.heap(), Float64Array.of(s.off(dz), s.off(kernel), s.off(dx), -1, 0, gx.batch, gx.batchA, gx.batchB, gx.m, gx.n, gx.k, 0, 1));
        }
        const dW = s.alloc(node.inDim, node.width);
        const gw = matMulGeometry([n, node.inDim], [n, node.width], true, false)!;
        if (update != null && gw.batch === 1) {
          matmulUpdate(addon, s.backend, update, kernel, x, dz, dW, gw.m, gw.n, gw.k);
        } else {
          addon.matmul(s.heap(), Float64Array.of(s.off(x), s.off(dz), s.off(dW), -1, 0, gw.batch, gw.batchA, gw.batchB, gw.m, gw.n, gw.k, 1, 0));
          out.set(kernel, dW);
        }
        if (node.bias) out.set(node.bias.read(), db ?? sumRows(dz, node.width));
        if (dx) contribute(inIdx, dx);
        break;
      }
      case 'layerNorm': {
        const [mean, rstd] = saved.stats.get(node)!;
        const gamma = node.gamma?.read(), beta = node.beta?.read();
        const dx = s.alloc(n, node.width);
        const dg = gamma ? s.vec(node.width) : null, dbeta = beta ? s.vec(node.width) : null;
        addon.layerNormGrad(s.heap(), Float64Array.of(s.off(x), s.off(dy), s.off(mean), s.off(rstd), gamma ? s.off(gamma) : -1, s.off(dx),
          dg ? s.off(dg) : -1, dbeta ? s.off(dbeta) : -1, n, node.width));
        if (gamma) out.set(gamma, dg!);
        if (beta) out.set(beta, dbeta!);
        if (wantDx) contribute(inIdx, dx);
        break;
      }
      case 'prelu': {
        const alpha = node.alpha.read();
        const dx = s.alloc(n, node.width), terms = s.alloc(n, node.width);
        addon.reluGrad(s.heap(), Float64Array.of(RG_PRELU, s.off(x), s.off(dy), s.off(alpha), s.off(dx), s.off(terms), size, node.width, 0));
        out.set(alpha, sumRows(terms, node.width));
        if (wantDx) contribute(inIdx, dx);
        break;
      }
      case 'leaky': {
        if (!wantDx) break;
        const dx = s.alloc(n, node.width);
        addon.reluGrad(s.heap(), Float64Array.of(RG_LEAKY, s.off(x), s.off(dy), -1, s.off(dx), -1, size, 1, node.alpha));
        contribute(inIdx, dx);
        break;
      }
      case 'dropout': {
        if (!wantDx) break;
        const dx = s.alloc(n, node.width);
        addon.eltwise(s.heap(), Float64Array.of(OP_MUL, s.off(dy), s.off(saved.mask.get(node)!), s.off(dx), size, 1, 0));
        contribute(inIdx, dx);
        break;
      }
      case 'noise':
      case 'identity':
        contribute(inIdx, dy);
        break;
      case 'add':
        for (let i = node.ins.length - 1; i >= 0; i--) contribute(node.ins[i], dy);
        break;
      case 'concat': {
        if (!node.ins.some((i) => plan.needsGrad[i])) break;
        const parts = node.ins.map((i) => s.alloc(n, plan.widths[i]));
        const spec: number[] = [parts.length];
        let col = 0;
        node.ins.forEach((i, j) => {
          const w = plan.widths[i];
          spec.push(s.off(dy) + 4 * col, s.off(parts[j]), n, node.width, w, w);
          col += w;
        });
        addon.copyRows(s.heap(), Float64Array.from(spec));
        node.ins.forEach((i, j) => contribute(i, parts[j]));
        break;
      }
    }
  }
  return out;
}


/**
 * A fused (tape-free) training step: null at a call it cannot run. With `soft` targets [n, classes] (label smoothing,
 * mixup) its loss is the objective step's soft cross-entropy, else the labels' (softLoss.ts's lossRows).
 */
export type FusedStep = (x: Float32Array, y: Int32Array, n: number, soft?: Float32Array | null) => StepResult | null;

/**
 * The fused step whose plan takes this model, or null (the taped step trains it): Sequential CNNs (fusedCnnTrain.ts),
 * graph CNNs (fusedGraphCnn.ts; WORKBENCH_FUSED_GRAPH_CNN=0), graph MLPs (WORKBENCH_FUSED_GRAPH_MLP=0 turns them off),
 * plain MLPs (fusedMlp.ts; WORKBENCH_FUSED_MLP=0).
 */
export function makeFusedStep(model: tf.LayersModel, optimizer: tf.Optimizer, inputShape: readonly number[], numClasses = 10): FusedStep | null {
  return makeFusedCnnTrainStep(model, optimizer, inputShape, numClasses)
    ?? makeFusedGraphCnnStep(model, optimizer, inputShape, numClasses)
    ?? (fusedGraphMlpEnabled() ? makeFusedGraphMlpStep(model, optimizer, inputShape, numClasses) : null)
    ?? (process.env.WORKBENCH_FUSED_MLP === '0' ? null : makeFusedMlpStep(model, optimizer, inputShape, numClasses));
}

/** The step training and the bench use: the fused step that takes the model, and the taped one whenever it cannot run. */
export function makeFastestStep(model: tf.LayersModel, optimizer: tf.Optimizer, inputShape: readonly number[], numClasses = 10) {
  const taped = makeTrainStep(model, optimizer, inputShape, numClasses);
  const fused = makeFusedStep(model, optimizer, inputShape, numClasses);
  if (fused == null) return taped;
  return (x: Float32Array, y: Int32Array, n: number): StepResult => fused(x, y, n) ?? taped(x, y, n);
}
