// The training step of a plain MLP without tfjs's tape (engine layer): the same native kernel calls the taped step
// makes, straight on the wasm heap, then the optimizer's own update. Chosen by makeFastestTrainStep where it applies.
import * as tf from '@tensorflow/tfjs';
import { activeNative } from '../backend/native/active.js';
import type { NativeAddon } from '../backend/native/addon.js';
import { matMulGeometry } from '../backend/kernels/native/matmul-geometry.js';
import { heapOf, offsetOf, type WasmBackendInternals } from '../backend/kernels/native/heap.js';
import { ACT, GRAD_FROM_Y, mlpStages, stageVariables, type Stage } from './fusedMlpPlan.js';
import { finishUpdate, matmulUpdate, planNativeUpdate } from './fusedMlpUpdate.js';
import type { NativeStep } from './fusedOptimizers.js';
import { batchNormBackward, batchNormForward, dropoutForward } from './fusedStepLayers.js';
import { lossRows } from './softLoss.js';
import { makeTrainStep, sizeOf, type StepResult } from './step.js';

/*
 * Why the bits are the taped step's (tests/engine/train/fusedMlp.test.ts checks weights and losses step by step):
 * every GEMM, column sum, activation, dropout, batch norm and element-wise product is the addon call the registered
 * kernel makes for that op (same arguments, so the same summation order and threads split), the softmax is the wasm backend's own
 * Softmax kernel, the loss and its gradient are loss.ts's arithmetic, and softmax's gradient
 * dy·y − sum(dy·y)·y is done element by element in float32 with the row sum in order from 0, as the wasm kernels
 * (Multiply, Sum, Sub) do for these small tensors. The update is `optimizer.applyGradients` with the gradients keyed
 * in the order tfjs's variableGrads gives them, so the optimizer (fused or not) sees exactly what minimize passes it.
 */

/** Steps run by the fused path in this thread: lets tests and the bench prove it ran. */
let fusedSteps = 0;
export function fusedMlpSteps(): number {
  return fusedSteps;
}

/**
 * One step's buffers, straight from the backend (no fill, no engine bookkeeping) and freed after the step: a run's
 * model and optimizer are disposed at its end, and nothing here must outlive them. dW and db (a batch norm's dgamma,
 * dbeta) become tensors for the optimizer. dz: the gradient of a Dense's GEMM output where an activation lies between
 * (the kernels take no aliasing). mask: relu's step, dropout's mask, a batch norm's unused dx. stats: a batch norm's
 * batch mean and variance and its new moving mean and variance.
 */
interface Buffers {
  input: tf.TensorInfo; out: tf.TensorInfo[]; dOut: tf.TensorInfo[]; pre: Opt[]; mask: Opt[]; dz: Opt[]; dW: Opt[]; db: Opt[];
  stats: Array<tf.TensorInfo[] | null>;
}
type Opt = tf.TensorInfo | null;

function allocate(backend: WasmBackendInternals, stages: Stage[], n: number, inWidth: number): Buffers {
  const make = (shape: number[]) => backend.makeOutput(shape, 'float32');
  const b: Buffers = { input: make([n, inWidth]), out: [], pre: [], mask: [], dz: [], dOut: [], dW: [], db: [], stats: [] };
  for (const s of stages) {
    const w = s.width;
    const dense = s.kind === 'dense' ? s : null;
    b.out.push(make([n, w]));
    b.dOut.push(make([n, w]));
    b.pre.push(dense && dense.act >= 0 ? make([n, w]) : null);
    b.mask.push(!dense || dense.act === ACT.relu ? make([n, w]) : null);
    b.dz.push(dense && (dense.act >= 0 || dense.act === ACT.relu) ? make([n, w]) : null);
    b.dW.push(dense ? make([dense.inDim, w]) : s.kind === 'bn' ? make([w]) : null);
    b.db.push(dense?.bias || s.kind === 'bn' ? make([w]) : null);
    b.stats.push(s.kind === 'bn' ? [make([w]), make([w]), make([w]), make([w])] : null);
  }
  return b;
}

function release(backend: WasmBackendInternals, b: Buffers, except: ReadonlySet<object>): void {
  for (const t of [b.input, ...b.out, ...b.pre, ...b.mask, ...b.dz, ...b.dOut, ...b.dW, ...b.db, ...b.stats.flatMap((x) => x ?? [])]) {
    if (t != null && !except.has(t.dataId)) backend.disposeData(t.dataId);
  }
}

/**
 * The fused step for `model`, or null when it does not apply to this model (see mlpStages). Its `tryStep` also
 * checks what can change during a run (backend, native kernels, frozen layers) and returns null, having changed
 * nothing, when it cannot run: the caller then runs the taped step.
 */
export function makeFusedMlpStep(model: tf.LayersModel, optimizer: tf.Optimizer, inputShape: readonly number[], numClasses = 10) {
  const stages = mlpStages(model, inputShape, numClasses);
  if (stages == null) return null;
  const inWidth = sizeOf(inputShape);

  return (x: Float32Array, y: Int32Array, n: number, soft: Float32Array | null = null): StepResult | null => {
    const addon = activeNative();
    if (addon == null || tf.getBackend() !== 'wasm' || typeof addon.dropout !== 'function' || typeof addon.activation !== 'function'
      || typeof addon.batchNormTrain !== 'function' || typeof addon.batchNormGrad !== 'function') return null;
    const vars = stages.map(stageVariables);
    if (vars.some((v) => v != null && (!v[0].trainable || (v[1] != null && !v[1].trainable)))) return null;
    const backend = tf.backend() as unknown as WasmBackendInternals;
    // The update inside the backward pass where the optimizer allows it (fusedMlpUpdate.ts), else applyGradients after.
    const update = planNativeUpdate(optimizer, addon, backend, vars.flatMap((v) => (v == null ? [] : v[1] ? [v[0], v[1]] : [v[0]])));
    const b = allocate(backend, stages, n, inWidth);
    const grads: tf.NamedTensorMap = {};
    const handed = new Set<object>();
    try {
      const result = run(addon, backend, stages, vars, b, x, y, soft, n, numClasses, handed, update);
      if (update != null) {
        fusedSteps++;
        return result;
      }
      // As minimize: the gradients by variable name in the engine's registration order (tfjs's variableGrads), then
      // the optimizer's own update. The optimizer's state slot i follows that order.
      const byName = new Map<string, tf.TensorInfo>();
      vars.forEach((v, i) => {
        if (v == null) return;
        byName.set(v[0].name, b.dW[i]!);
        if (v[1] != null) byName.set(v[1].name, b.db[i]!);
      });
      applyInRegistrationOrder(optimizer, byName, grads, handed);
      fusedSteps++;
      return result;
    } finally {
      for (const g of Object.values(grads)) g.dispose();
      release(backend, b, handed);
    }
  };
}

type Vars = ReadonlyArray<readonly [tf.Variable, tf.Variable | null] | null>;

/** Forward, loss, backward: the gradients land in the buffers' dW and db. */
function run(addon: NativeAddon, backend: WasmBackendInternals, stages: Stage[], vars: Vars, b: Buffers, x: Float32Array, y: Int32Array, soft: Float32Array | null,
  n: number, classes: number, handed: Set<object>, update: NativeStep | null): StepResult {
  const off = (t: tf.TensorInfo) => offsetOf(backend, t);
  const heap = () => heapOf(backend);
  // A first Dense reads the caller's batch where it is (matmulFrom, and matmulOptim's A for its weight gradient): no
  // copy onto the heap (400 KB a seed-ANN batch). Otherwise, or with WORKBENCH_FUSED_MLP_DIRECT=0, the batch is copied.
  const xs = x.subarray(0, sizeOf(b.input.shape));
  const direct = stages[0].kind === 'dense' && typeof addon.matmulFrom === 'function' && process.env.WORKBENCH_FUSED_MLP_DIRECT !== '0'
    && (update == null || typeof addon.matmulOptim === 'function');
  if (!direct) new Float32Array(heap(), off(b.input), xs.length).set(xs);

  // Forward, as the taped step's kernels: _FusedMatMul (relu or linear, bias in its epilogue), the activation, dropout,
  // batch norm's training kernel (its moving statistics written to the layer's variables as the layer does).
  let cur: tf.TensorInfo = b.input;
  const inputs: tf.TensorInfo[] = [];
  stages.forEach((s, i) => {
    inputs.push(cur);
    if (s.kind === 'dropout') {
      dropoutForward(addon, backend, s, cur, b.out[i], b.mask[i]!, n * s.width);
    } else if (s.kind === 'bn') {
      batchNormForward(addon, backend, s, cur, b.out[i], b.stats[i]!, n, handed);
    } else {
      const [kernel, bias] = vars[i]!;
      const g = matMulGeometry([n, s.inDim], [s.inDim, s.width], false, false)!;
      const z = s.act >= 0 ? b.pre[i]! : b.out[i];
      const args = Float64Array.of(i === 0 && direct ? 0 : off(cur), off(kernel), off(z), bias ? off(bias) : -1, s.act === ACT.relu ? 1 : 0,
        g.batch, g.batchA, g.batchB, g.m, g.n, g.k, 0, 0);
      if (i === 0 && direct) addon.matmulFrom!(heap(), args, xs);
      else addon.matmul(heap(), args);
      if (s.act >= 0) addon.activation(heap(), Float64Array.of(s.act, off(z), -1, -1, off(b.out[i]), n * s.width, 0));
    }
    cur = b.out[i];
  });

  // Softmax by the wasm backend's own kernel (the taped step's); then the loss and its gradient as loss.ts.
  const last = stages.length - 1;
  const softmax = tf.getKernel('Softmax', 'wasm')!.kernelFunc({ inputs: { logits: b.out[last] }, backend: backend as never, attrs: { dim: 1 } }) as tf.TensorInfo;
  let loss: { value: number; correct: number };
  try {
    const p = new Float32Array(heap(), off(softmax), n * classes);
    const dz = new Float32Array(heap(), off(b.dOut[last]), n * classes);
    loss = lossRows(p, y, soft, n, classes, dz);
    softmaxGradient(p, dz, n, classes);
  } finally {
    backend.disposeData(softmax.dataId);
  }

  // Backward, last stage first: dOut[i] holds the gradient of stage i's output (of its GEMM for the softmax layer).
  // The gradient of a stage's input is only made when a stage before it has weights, as the tape asks.
  const firstWithWeights = vars.findIndex((v) => v != null);
  const biasAct = fusedBiasActGrad(addon); // once a step: process.env reads cost microseconds
  const rest: Array<readonly [tf.Variable, tf.TensorInfo]> = []; // updated after the loop (update != null)
  for (let i = last; i >= 0; i--) {
    const s = stages[i];
    const dy = b.dOut[i];
    const dIn = i > firstWithWeights ? b.dOut[i - 1] : null;
    if (s.kind === 'dropout') {
      if (dIn) eltwise(addon, heap(), OP_MUL, off(dy), off(b.mask[i]!), off(dIn), n * s.width);
      continue;
    }
    if (s.kind === 'bn') {
      batchNormBackward(addon, backend, s, inputs[i], dy, b.stats[i]!, dIn ?? b.mask[i]!, b.dW[i]!, b.db[i]!, n);
      rest.push([vars[i]![0], b.dW[i]!], [vars[i]![1]!, b.db[i]!]);
      continue;
    }
    const [kernel, bias] = vars[i]!;
    const size = n * s.width;
    const dz = b.dz[i] ?? dy;
    const fromY = s.act === ACT.relu || GRAD_FROM_Y.has(s.act);
    if ((s.act === ACT.relu || s.act >= 0) && biasAct) {
      // The activation's gradient and the bias gradient's column sums in one pass (tn_bias_act_grad): the bits of the
      // separate calls below (the same element operations; the sums cut into tn_sum_rows's parts and combined as it does).
      addon.biasActGrad(heap(), Float64Array.of(s.act === ACT.relu ? RELU_MASK : s.act, fromY ? -1 : off(b.pre[i]!), fromY ? off(b.out[i]) : -1,
        off(dy), off(dz), b.db[i] ? off(b.db[i]!) : -1, n, s.width));
    } else {
      if (s.act === ACT.relu) {
        // tf.mul(dy, tf.step(y)), as _FusedMatMul's gradient (denseTraining.ts) takes it.
        eltwise(addon, heap(), OP_STEP, off(b.out[i]), -1, off(b.mask[i]!), size);
        eltwise(addon, heap(), OP_MUL, off(dy), off(b.mask[i]!), off(dz), size);
      } else if (s.act >= 0) {
        addon.activation(heap(), Float64Array.of(s.act, fromY ? -1 : off(b.pre[i]!), fromY ? off(b.out[i]) : -1, off(dy), off(dz), size, 1));
      }
      if (b.db[i]) addon.sumRows(heap(), Float64Array.of(off(dz), off(b.db[i]!), n, s.width));
    }
    // The input gradient before the weight gradient: with the update in the latter, it must read the old weights.
    if (dIn) {
      const gx = matMulGeometry([n, s.width], [s.inDim, s.width], false, true)!;
      addon.matmul(heap(), Float64Array.of(off(dz), off(kernel), off(dIn), -1, 0, gx.batch, gx.batchA, gx.batchB, gx.m, gx.n, gx.k, 0, 1));
    }
    const gw = matMulGeometry([n, s.inDim], [n, s.width], true, false)!;
    const fromX = i === 0 && direct;
    if (update != null && gw.batch === 1) {
      matmulUpdate(addon, backend, update, kernel, fromX ? xs : inputs[i], dz, b.dW[i]!, gw.m, gw.n, gw.k);
    } else {
      const args = Float64Array.of(fromX ? 0 : off(inputs[i]), off(dz), off(b.dW[i]!), -1, 0, gw.batch, gw.batchA, gw.batchB, gw.m, gw.n, gw.k, 1, 0);
      if (fromX) addon.matmulFrom!(heap(), args, xs);
      else addon.matmul(heap(), args);
      if (update != null) rest.push([kernel, b.dW[i]!]);
    }
    if (bias != null) rest.push([bias, b.db[i]!]);
  }
  if (update != null) finishUpdate(addon, backend, update, rest);
  return { loss: loss.value, correct: loss.correct };
}

/** biasActGrad's function for relu's mask dy · step(y) (TN_ACT_RELU_MASK, ConvLayer.ts's RELU_MASK). */
const RELU_MASK = 8;
/** The one-pass activation and bias gradient: in builds that have it, unless WORKBENCH_FUSED_MLP_BIAS_ACT=0 (read once a step). */
function fusedBiasActGrad(addon: NativeAddon): boolean {
  return typeof addon.biasActGrad === 'function' && process.env.WORKBENCH_FUSED_MLP_BIAS_ACT !== '0';
}

/** eltwise's op numbers (kernels/native/eltwise.ts's OP). */
const OP_MUL = 2;
const OP_STEP = 4;
function eltwise(addon: NativeAddon, heap: ArrayBufferLike, op: number, a: number, b: number, out: number, size: number): void {
  addon.eltwise(heap, Float64Array.of(op, a, b, out, size, 1, 0));
}

const f32 = Math.fround;

/**
 * Hands a step's gradients (by variable name) to the optimizer in the engine's registration order, the order minimize
 * gives them in the taped step, inside a tidy as minimize runs it; their buffers are recorded in `handed` (the engine
 * owns them now) and their tensors in `grads` (the caller disposes of them).
 */
export function applyInRegistrationOrder(optimizer: tf.Optimizer, byName: Map<string, tf.TensorInfo>, grads: tf.NamedTensorMap,
  handed: Set<object>): void {
  for (const name in tf.engine().registeredVariables) {
    const info = byName.get(name);
    if (info == null) continue;
    handed.add(info.dataId);
    grads[name] = tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor;
  }
  tf.tidy(() => optimizer.applyGradients(grads));
}

/** tfjs's Softmax gradient dy·y − sum(dy·y, −1)·y in place of dy, each operation rounded to float32 as the kernels do. */
export function softmaxGradient(y: Float32Array, dy: Float32Array, n: number, classes: number): void {
  const t = new Float32Array(classes);
  for (let r = 0; r < n; r++) {
    const row = r * classes;
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      t[c] = f32(dy[row + c] * y[row + c]);
      sum = f32(sum + t[c]);
    }
    for (let c = 0; c < classes; c++) dy[row + c] = f32(t[c] - f32(sum * y[row + c]));
  }
}

/**
 * The step training and the bench use: the fused MLP step when the model is an eligible chain and the native kernels
 * run (WORKBENCH_FUSED_MLP=0 turns it off), else, and whenever it cannot run at a call, step.ts's taped step.
 */
export function makeFastestTrainStep(model: tf.LayersModel, optimizer: tf.Optimizer, inputShape: readonly number[], numClasses = 10) {
  const taped = makeTrainStep(model, optimizer, inputShape, numClasses);
  const fused = process.env.WORKBENCH_FUSED_MLP === '0' ? null : makeFusedMlpStep(model, optimizer, inputShape, numClasses);
  if (fused == null) return taped;
  return (x: Float32Array, y: Int32Array, n: number): StepResult => fused(x, y, n) ?? taped(x, y, n);
}
